// Resolves a person's roles in their tenant. Admins are bootstrapped from configuration;
// approver groups join here when approvals land.
import { rolesOf, type Person, type Role } from '../domain/roles.js';

export class RoleService {
  private readonly adminsByTenant = new Map<string, Set<string>>();
  private readonly partners: ReadonlySet<string>;
  /** Partner mode: whether a customer tenant is linked to a partner (set once the link store exists). */
  private linked?: (partnerTenantId: string, customerTenantId: string) => Promise<boolean>;

  /** `partnerTenants`: the CSP partners' own tenants (partner mode); their admins are partner admins. */
  constructor(bootstrapAdmins: readonly { tenantId: string; aadObjectId: string }[], partnerTenants: readonly string[] = []) {
    this.partners = new Set(partnerTenants.map((t) => t.toLowerCase()));
    for (const { tenantId, aadObjectId } of bootstrapAdmins) {
      const key = tenantId.toLowerCase();
      if (!this.adminsByTenant.has(key)) this.adminsByTenant.set(key, new Set());
      this.adminsByTenant.get(key)!.add(aadObjectId.toLowerCase());
    }
  }

  /**
   * Partner mode: a partner's admins act as admins of the customer tenants linked to that
   * partner (`customer <name>`), with the customer's rules. Asked each time, so an unlink takes
   * effect at once.
   */
  admitPartnerAdmins(linked: (partnerTenantId: string, customerTenantId: string) => Promise<boolean>): void {
    this.linked = linked;
  }

  async rolesOf(person: Person): Promise<Role[]> {
    const tenantAdmins = this.adminsByTenant.get(person.tenantId.toLowerCase()) ?? new Set<string>();
    const roles = rolesOf(person, { tenantAdmins, partnerTenant: this.isPartnerTenant(person.tenantId) });
    if (roles.includes('admin') || !(await this.servingPartnerAdmin(person))) return roles;
    return [...roles, 'admin'];
  }

  /** Whether the person is an admin of a partner the person's (customer) tenant is linked to. */
  private async servingPartnerAdmin(person: Person): Promise<boolean> {
    const id = person.aadObjectId?.toLowerCase();
    if (!id || !this.linked) return false;
    for (const partner of this.partners) {
      if (partner === person.tenantId.toLowerCase() || !this.adminsByTenant.get(partner)?.has(id)) continue;
      if (await this.linked(partner, person.tenantId)) return true;
    }
    return false;
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
