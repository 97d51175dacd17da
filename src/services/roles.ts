// Resolves a person's roles in their tenant. Admins are bootstrapped from configuration;
// approver groups join here when approvals land.
import { rolesOf, type Person, type Role } from '../domain/roles.js';

export class RoleService {
  private readonly adminsByTenant = new Map<string, Set<string>>();

  constructor(bootstrapAdmins: readonly { tenantId: string; aadObjectId: string }[]) {
    for (const { tenantId, aadObjectId } of bootstrapAdmins) {
      const key = tenantId.toLowerCase();
      if (!this.adminsByTenant.has(key)) this.adminsByTenant.set(key, new Set());
      this.adminsByTenant.get(key)!.add(aadObjectId.toLowerCase());
    }
  }

  async rolesOf(person: Person): Promise<Role[]> {
    return rolesOf(person, { tenantAdmins: this.adminsByTenant.get(person.tenantId.toLowerCase()) ?? new Set() });
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
