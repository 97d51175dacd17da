// Resolves a person's roles in their tenant. Admins are bootstrapped from configuration;
// approver groups join here when approvals land.
import { rolesOf, type Person, type Role } from '../domain/roles.js';

export class RoleService {
  private readonly adminsByTenant = new Map<string, Set<string>>();
  private readonly partners: ReadonlySet<string>;

  /** `partnerTenants`: the CSP partners' own tenants (partner mode); their admins are partner admins. */
  constructor(bootstrapAdmins: readonly { tenantId: string; aadObjectId: string }[], partnerTenants: readonly string[] = []) {
    this.partners = new Set(partnerTenants.map((t) => t.toLowerCase()));
    for (const { tenantId, aadObjectId } of bootstrapAdmins) {
      const key = tenantId.toLowerCase();
      if (!this.adminsByTenant.has(key)) this.adminsByTenant.set(key, new Set());
      this.adminsByTenant.get(key)!.add(aadObjectId.toLowerCase());
    }
  }

  async rolesOf(person: Person): Promise<Role[]> {
    return rolesOf(person, {
      tenantAdmins: this.adminsByTenant.get(person.tenantId.toLowerCase()) ?? new Set(),
      partnerTenant: this.isPartnerTenant(person.tenantId),
    });
  }

  isPartnerTenant(tenantId: string): boolean {
    return this.partners.has(tenantId.toLowerCase());
  }

  /** The CSP partners' tenants (lower-cased ids), in partner mode; none for a company running it for itself. */
  partnerTenants(): string[] {
    return [...this.partners];
  }

  async isPartnerAdmin(person: Person): Promise<boolean> {
    return (await this.rolesOf(person)).includes('partner-admin');
  }

  /** The managed tenants: those with at least one admin (lower-cased ids). */
  tenants(): string[] {
    return [...this.adminsByTenant.keys()];
  }

  /** Object ids of the tenant's admins. */
  adminIds(tenantId: string): string[] {
    return [...(this.adminsByTenant.get(tenantId.toLowerCase()) ?? [])];
  }

  async isAdmin(person: Person): Promise<boolean> {
    return (await this.rolesOf(person)).includes('admin');
  }
}
