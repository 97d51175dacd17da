// Resolves a person's roles in their tenant. Admins are bootstrapped from configuration; a
// unit's license admins are listed on its unit in storage (read through the units repository,
// which keeps a tenant's units for a few seconds and forgets them when one changes).
import type { LicenseUnit } from '../domain/license-units.js';
import { unitsAdministeredBy } from '../domain/license-units.js';
import { rolesOf, type Person, type Role } from '../domain/roles.js';

/** Where the units, and so their license admins, are read from. */
export interface UnitAdminSource {
  list(tenantId: string): Promise<readonly LicenseUnit[]>;
}

export class RoleService {
  private readonly adminsByTenant = new Map<string, Set<string>>();

  constructor(
    bootstrapAdmins: readonly { tenantId: string; aadObjectId: string }[],
    private readonly units?: UnitAdminSource,
  ) {
    for (const { tenantId, aadObjectId } of bootstrapAdmins) {
      const key = tenantId.toLowerCase();
      if (!this.adminsByTenant.has(key)) this.adminsByTenant.set(key, new Set());
      this.adminsByTenant.get(key)!.add(aadObjectId.toLowerCase());
    }
  }

  async rolesOf(person: Person): Promise<Role[]> {
    return rolesOf(person, { tenantAdmins: this.tenantAdmins(person.tenantId), unitAdmin: await this.isUnitAdmin(person) });
  }

  /** The managed tenants: those with at least one admin (lower-cased ids). */
  tenants(): string[] {
    return [...this.adminsByTenant.keys()];
  }

  /** Object ids of the tenant's admins. */
  adminIds(tenantId: string): string[] {
    return [...this.tenantAdmins(tenantId)];
  }

  /** From configuration alone: no storage read. */
  async isAdmin(person: Person): Promise<boolean> {
    return Boolean(person.aadObjectId && this.tenantAdmins(person.tenantId).has(person.aadObjectId.toLowerCase()));
  }

  /**
   * Listed as a license admin of at least one unit. Storage unreachable: not one for now, so
   * help and whoami still answer (the unit commands then say who may use them; the unit
   * service checks each unit again on every action).
   */
  async isUnitAdmin(person: Person): Promise<boolean> {
    if (!this.units || !person.aadObjectId) return false;
    const units = await this.units.list(person.tenantId).catch(() => []);
    return unitsAdministeredBy(units, person.aadObjectId).length > 0;
  }

  private tenantAdmins(tenantId: string): ReadonlySet<string> {
    return this.adminsByTenant.get(tenantId.toLowerCase()) ?? new Set();
  }
}
