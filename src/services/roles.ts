// Resolves a person's roles in their tenant. Admins are bootstrapped from configuration; a
// unit's license admins are listed on its unit in storage (read through the units repository,
// which keeps a tenant's units for a few seconds and forgets them when one changes). In partner
// mode a CSP partner's admins are also admins of the customer tenants linked to the partner.
import type { LicenseUnit } from '../domain/license-units.js';
import { unitsAdministeredBy } from '../domain/license-units.js';
import { rolesOf, type Person, type Role } from '../domain/roles.js';

/** Where the units, and so their license admins, are read from. */
export interface UnitAdminSource {
  list(tenantId: string): Promise<readonly LicenseUnit[]>;
}

/** Partner mode's resellers, as the role service asks about them. */
export interface ResellerLookup {
  /** The partner that added the tenant as its reseller. */
  partnerOf(resellerTenantId: string): Promise<string | undefined>;
  /** Whether the customer tenant is assigned to the reseller. */
  assigned(resellerTenantId: string, customerTenantId: string): Promise<boolean>;
}

export class RoleService {
  private readonly adminsByTenant = new Map<string, Set<string>>();
  private readonly units?: UnitAdminSource;
  private readonly partners: ReadonlySet<string>;
  /** Partner mode: whether a customer tenant is linked to a partner (set once the link store exists). */
  private linked?: (partnerTenantId: string, customerTenantId: string) => Promise<boolean>;
  /** Partner mode: the customer tenants linked to a partner (set with `linked`). */
  private linkedCustomers?: (partnerTenantId: string) => Promise<string[]>;
  /** Partner mode: the partner that added a tenant as its reseller, and whether a customer is assigned to a reseller. */
  private resellers?: ResellerLookup;

  /**
   * `units`: where a unit's license admins are listed (delegation).
   * `partnerTenants`: the CSP partners' own tenants (partner mode); their admins are partner admins.
   */
  constructor(
    bootstrapAdmins: readonly { tenantId: string; aadObjectId: string }[],
    options: { units?: UnitAdminSource; partnerTenants?: readonly string[] } = {},
  ) {
    this.units = options.units;
    this.partners = new Set((options.partnerTenants ?? []).map((t) => t.toLowerCase()));
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
  admitPartnerAdmins(
    linked: (partnerTenantId: string, customerTenantId: string) => Promise<boolean>,
    linkedCustomers?: (partnerTenantId: string) => Promise<string[]>,
  ): void {
    this.linked = linked;
    this.linkedCustomers = linkedCustomers;
  }

  /**
   * Partner mode: an admin of a tenant a partner added as its indirect reseller is a reseller
   * admin, and an admin of the customer tenants the partner assigned to that reseller. Asked
   * each time, so removing an assignment takes effect at once.
   */
  admitResellerAdmins(lookup: ResellerLookup): void {
    this.resellers = lookup;
  }

  async rolesOf(person: Person): Promise<Role[]> {
    const partnerTenant = this.isPartnerTenant(person.tenantId);
    const roles = rolesOf(person, {
      tenantAdmins: this.tenantAdmins(person.tenantId),
      partnerTenant,
      resellerTenant: !partnerTenant && this.isConfiguredAdmin(person) && (await this.resellerPartnerOf(person.tenantId)) !== undefined,
      unitAdmin: await this.isUnitAdmin(person),
    });
    if (roles.includes('admin') || !(await this.servingPartnerAdmin(person))) return roles;
    return [...roles, 'admin'];
  }

  /** Whether the person is an admin of a partner (or reseller) the person's (customer) tenant is linked (assigned) to. */
  private async servingPartnerAdmin(person: Person): Promise<boolean> {
    const id = person.aadObjectId?.toLowerCase();
    if (!id || !this.linked) return false;
    for (const partner of this.partners) {
      if (partner === person.tenantId.toLowerCase() || !this.adminsByTenant.get(partner)?.has(id)) continue;
      if (await this.linked(partner, person.tenantId)) return true;
    }
    if (!this.resellers) return false;
    for (const [tenantId, admins] of this.adminsByTenant) {
      if (tenantId === person.tenantId.toLowerCase() || this.partners.has(tenantId) || !admins.has(id)) continue;
      if (await this.resellers.assigned(tenantId, person.tenantId)) return true;
    }
    return false;
  }

  /** The partner that added the tenant as its reseller, if any (lower-cased). */
  async resellerPartnerOf(tenantId: string): Promise<string | undefined> {
    if (!this.resellers || this.partners.size === 0 || this.isPartnerTenant(tenantId)) return undefined;
    return this.resellers.partnerOf(tenantId);
  }

  /** An admin of a reseller tenant: the partner it sells for (lower-cased), or undefined. */
  async resellerAdminOf(person: Person): Promise<string | undefined> {
    return this.isConfiguredAdmin(person) ? this.resellerPartnerOf(person.tenantId) : undefined;
  }

  isPartnerTenant(tenantId: string): boolean {
    return this.partners.has(tenantId.toLowerCase());
  }

  /** The CSP partners' tenants (lower-cased ids), in partner mode; none for a company running it for itself. */
  partnerTenants(): string[] {
    return [...this.partners];
  }

  /** From configuration alone: an admin of a configured partner tenant (no storage read). */
  async isPartnerAdmin(person: Person): Promise<boolean> {
    return this.isPartnerTenant(person.tenantId) && this.isConfiguredAdmin(person);
  }

  /** The managed tenants: those with at least one admin (lower-cased ids). */
  tenants(): string[] {
    return [...this.adminsByTenant.keys()];
  }

  /**
   * The tenants whose license alerts are worked out: the managed tenants, and in partner mode
   * every customer tenant linked to a partner, admins of its own or not (its partner's channel
   * gets its alerts). Lower-cased, each once.
   */
  async watchedTenants(): Promise<string[]> {
    const tenants = new Set(this.tenants());
    if (this.linkedCustomers)
      for (const partner of this.partners) for (const customer of await this.linkedCustomers(partner)) tenants.add(customer.toLowerCase());
    return [...tenants];
  }

  /** Object ids of the tenant's admins. */
  adminIds(tenantId: string): string[] {
    return [...this.tenantAdmins(tenantId)];
  }

  /**
   * From configuration alone (no storage read), except for a partner's admin in a customer
   * tenant: whether that customer is still linked to the partner is read each time.
   */
  async isAdmin(person: Person): Promise<boolean> {
    return this.isConfiguredAdmin(person) || this.servingPartnerAdmin(person);
  }

  private isConfiguredAdmin(person: Person): boolean {
    return !!person.aadObjectId && this.tenantAdmins(person.tenantId).has(person.aadObjectId.toLowerCase());
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
