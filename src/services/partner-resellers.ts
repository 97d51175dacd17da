// Partner mode, indirect model: a partner's admins add the indirect resellers Partner Center
// lists for them (display name and domain as the partner calls them), assign linked customers
// to the reseller Partner Center's relationships name (proposed, confirmed on a card), and set
// margins (Elements' "customize prices") per reseller and per customer, the customer's winning.
// A reseller's admins, in the reseller's own tenant, see and act on the customers assigned to it
// and nothing else. Every id a card sends is checked again here; a reach outside the actor's
// customers is refused and audited as partner.cross-tenant-refused. Margins live in storage only:
// the catalog reads a customer's margin on every call, so a change reaches every instance at once.
import type { Clock } from '../clock.js';
import { describeMargin, effectiveMargin, parseMarginPercent } from '../domain/margin.js';
import type { Actor } from '../domain/roles.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { PartnerCustomerRepository } from '../storage/partner-customers.js';
import type {
  CustomerPricing,
  CustomerPricingRepository,
  PartnerReseller,
  PartnerResellerRepository,
} from '../storage/partner-resellers.js';
import { done, refused, type Outcome, type Refused } from './outcome.js';
import type { PartnerCustomerLink, PartnerWorkspace, ResellerReach } from './partner-workspace.js';
import type { RoleService } from './roles.js';

export type { PartnerReseller };

export const ONLY_PARTNER_ADMINS_RESELLERS = "Only a partner's admins can manage its resellers and their margins.";
const NOT_YOUR_RESELLER = 'That is not one of your resellers. Nothing was changed.';
const DISPLAY_NAME_MAX = 80;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** A reseller on the partner's `resellers` card. */
export interface ResellerRow extends PartnerReseller {
  /** Linked customers assigned to it. */
  customers: string[];
}

export interface ResellerDesk {
  partnerName: string;
  resellers: ResellerRow[];
  /** Partner Center's indirect resellers of the partner not added yet (id → name), offered on the add form. */
  available: { id: string; name: string }[];
  /** Why Partner Center's list is missing, when it is. */
  problem?: string;
}

/** What a customer's row says about its reseller and margin, for the partner's (or reseller's) cards. */
export interface CustomerPricingView {
  /** The reseller it is assigned to (its display name). */
  assignedTo?: string;
  /** The margin its prices carry and where it comes from. */
  margin?: { percent: string; from: 'customer' | 'reseller' };
  /** The customer's own margin as stored (the field's current value). */
  customerMargin?: string;
  /** Partner Center names a reseller that is added and not yet assigned: propose it. */
  proposal?: { resellerTenantId: string; resellerName: string };
  /** Partner Center names a reseller that is not added yet. */
  notAdded?: string;
}

export interface ResellerInput {
  resellerTenantId?: unknown;
  displayName?: unknown;
  domain?: unknown;
}

export interface PartnerResellerDeps {
  clock: Clock;
  roles: RoleService;
  workspace: PartnerWorkspace;
  links: PartnerCustomerRepository;
  resellers: PartnerResellerRepository;
  pricing: CustomerPricingRepository;
  audit: AuditLog;
}

export class PartnerResellers {
  constructor(private readonly d: PartnerResellerDeps) {}

  // ---- who is whose (for roles, the workspace and the catalog) ------------------------

  /** The partner that added a tenant as its reseller (lower-cased), if any. */
  async partnerOfReseller(resellerTenantId: string): Promise<string | undefined> {
    for (const partner of this.d.roles.partnerTenants()) {
      if (partner === resellerTenantId.toLowerCase()) continue;
      if (await this.d.resellers.get(partner, resellerTenantId)) return partner;
    }
    return undefined;
  }

  /** Whether a linked customer is assigned to the reseller. */
  async assigned(resellerTenantId: string, customerTenantId: string): Promise<boolean> {
    const partner = await this.partnerOfReseller(resellerTenantId);
    if (!partner || !(await this.d.links.get(partner, customerTenantId))) return false;
    return (await this.d.pricing.get(partner, customerTenantId))?.resellerTenantId === resellerTenantId.toLowerCase();
  }

  /** A reseller admin's reach: its partner, its name and its assigned customers; undefined for anyone else. */
  async reach(actor: Actor): Promise<ResellerReach | undefined> {
    const partner = await this.d.roles.resellerAdminOf(actor);
    const reseller = partner && (await this.d.resellers.get(partner, actor.tenantId));
    if (!partner || !reseller) return undefined;
    const mine = (await this.d.pricing.list(partner)).filter((p) => p.resellerTenantId === reseller.resellerTenantId);
    return {
      partnerTenantId: partner,
      resellerName: reseller.displayName,
      customerTenantIds: new Set(mine.map((p) => p.customerTenantId)),
    };
  }

  /** The margin a customer tenant's prices carry: its own, else its reseller's; undefined when none or not a partner's customer. */
  async marginOf(customerTenantId: string): Promise<string | undefined> {
    const served = await this.d.workspace.partnerOf(customerTenantId);
    if (!served) return undefined;
    const pricing = await this.d.pricing.get(served.partnerTenantId, customerTenantId);
    const reseller = pricing?.resellerTenantId ? await this.d.resellers.get(served.partnerTenantId, pricing.resellerTenantId) : undefined;
    return effectiveMargin({ customer: pricing?.marginPercent, reseller: reseller?.marginPercent })?.percent;
  }

  // ---- the partner's resellers ------------------------------------------------------

  /** The `resellers` card: the partner's resellers with their customers and margins, and the ones Partner Center offers to add. */
  async desk(actor: Actor): Promise<Outcome<ResellerDesk>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return refused('forbidden', ONLY_PARTNER_ADMINS_RESELLERS);
    const partner = actor.tenantId.toLowerCase();
    const [stored, pricing, links, fromPartnerCenter] = await Promise.all([
      this.d.resellers.list(partner),
      this.d.pricing.list(partner),
      this.d.links.list(partner),
      this.d.workspace.partnerCenterCustomers(partner),
    ]);
    const names = new Map(links.map((l) => [l.customerTenantId.toLowerCase(), l.companyName]));
    const resellers = stored
      .map((r) => ({
        ...r,
        customers: pricing
          .filter((p) => p.resellerTenantId === r.resellerTenantId && names.has(p.customerTenantId))
          .map((p) => names.get(p.customerTenantId)!)
          .sort(),
      }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName));
    const added = new Set(stored.map((r) => r.resellerTenantId));
    const available = [...fromPartnerCenter.resellers]
      .filter(([id]) => !added.has(id.toLowerCase()))
      .map(([id, name]) => ({ id: id.toLowerCase(), name }));
    return done({
      partnerName: await this.d.workspace.partnerName(partner),
      resellers,
      available,
      ...(fromPartnerCenter.problem ? { problem: fromPartnerCenter.problem } : {}),
    });
  }

  /**
   * Adds one of the partner's Partner Center indirect resellers. The tenant id comes from a card:
   * it must be a reseller Partner Center lists for this partner now, or it is refused and audited.
   */
  async add(actor: Actor, input: ResellerInput): Promise<Outcome<ResellerDesk>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return this.notPartnerAdmin(actor, 'partner.reseller.add', input.resellerTenantId);
    const partner = actor.tenantId.toLowerCase();
    const fields: Record<string, string> = {};
    const displayName = typeof input.displayName === 'string' ? input.displayName.trim() : '';
    const domain = typeof input.domain === 'string' ? input.domain.trim().toLowerCase() : '';
    const resellerTenantId = typeof input.resellerTenantId === 'string' ? input.resellerTenantId.trim().toLowerCase() : '';
    if (!displayName) fields.displayName = 'Type the name your people know the reseller by.';
    else if (displayName.length > DISPLAY_NAME_MAX || /[\u0000-\u001f\u007f]/.test(displayName))
      fields.displayName = `At most ${DISPLAY_NAME_MAX} characters, on one line.`;
    if (!DOMAIN.test(domain)) fields.domain = 'Type the reseller\u2019s domain, such as litware.example.';
    if (!resellerTenantId) fields.resellerTenantId = 'Choose the reseller as Partner Center lists it.';
    if (Object.keys(fields).length > 0) return refused('invalid', 'The reseller was not added: see the fields below.', fields);

    // Another partner's reseller is refused whatever Partner Center says (or whether it answers).
    const elsewhere = await this.partnerOfReseller(resellerTenantId);
    if (resellerTenantId === partner || (elsewhere && elsewhere !== partner)) {
      await this.d.workspace.refuseCrossTenant(actor, 'partner.reseller.add', resellerTenantId);
      return refused('forbidden', 'That tenant is not one of your indirect resellers. Nothing was added.');
    }
    const fromPartnerCenter = await this.d.workspace.partnerCenterCustomers(partner);
    if (fromPartnerCenter.problem) return refused('unavailable', fromPartnerCenter.problem);
    const pcName = [...fromPartnerCenter.resellers].find(([id]) => id.toLowerCase() === resellerTenantId)?.[1];
    if (!pcName) {
      await this.d.workspace.refuseCrossTenant(actor, 'partner.reseller.add', resellerTenantId);
      return refused('forbidden', 'That tenant is not one of your indirect resellers in Partner Center. Nothing was added.');
    }
    const now = this.d.clock().toISOString();
    const { before, after } = await this.d.resellers.change(
      partner,
      resellerTenantId,
      (current) => current ?? { resellerTenantId, displayName, domain, addedBy: actor.aadObjectId, addedAt: now },
    );
    if (!before) await this.record(actor, partner, 'partner.reseller.added', resellerTenantId, undefined, after);
    const view = await this.desk(actor);
    if (!view.ok) return view;
    return done(
      view.value,
      before
        ? `${before.displayName} was already added.`
        : `${displayName} is added. Its admins can now type customers in their own Teams to see the customers you assign to it.`,
    );
  }

  /** Sets (or clears) a reseller's margin; bad input is refused with the error beside the field. */
  async setResellerMargin(actor: Actor, resellerTenantId: string, typed: unknown): Promise<Outcome<ResellerDesk>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return this.notPartnerAdmin(actor, 'partner.reseller.margin', resellerTenantId);
    const partner = actor.tenantId.toLowerCase();
    const reseller = await this.d.resellers.get(partner, resellerTenantId);
    if (!reseller) {
      await this.d.workspace.refuseCrossTenant(actor, 'partner.reseller.margin', resellerTenantId.toLowerCase());
      return refused('forbidden', NOT_YOUR_RESELLER);
    }
    const margin = parseMarginPercent(typed);
    if (!margin.ok) return refused('invalid', `${reseller.displayName}'s margin was not changed.`, { margin: margin.message });
    const { before, after } = await this.d.resellers.change(partner, reseller.resellerTenantId, (current) => {
      const { marginPercent: _old, ...rest } = current ?? reseller;
      return margin.percent === undefined ? rest : { ...rest, marginPercent: margin.percent };
    });
    if (before?.marginPercent !== after.marginPercent) {
      await this.record(
        actor,
        partner,
        'partner.margin.changed',
        reseller.resellerTenantId,
        { margin: before?.marginPercent ?? null },
        {
          margin: after.marginPercent ?? null,
        },
      );
    }
    const view = await this.desk(actor);
    if (!view.ok) return view;
    return done(view.value, `${reseller.displayName}'s margin: ${describeMargin(after.marginPercent)}.`);
  }

  // ---- customers and their resellers -----------------------------------------------

  /** Each linked customer's reseller, margin and proposed assignment, for the `customers` and `customer` cards. */
  async pricingOf(partnerTenantId: string, customerTenantIds: readonly string[]): Promise<Map<string, CustomerPricingView>> {
    const partner = partnerTenantId.toLowerCase();
    const [stored, pricing, fromPartnerCenter] = await Promise.all([
      this.d.resellers.list(partner),
      this.d.pricing.list(partner),
      this.d.workspace.partnerCenterCustomers(partner),
    ]);
    const resellers = new Map(stored.map((r) => [r.resellerTenantId, r]));
    const views = new Map<string, CustomerPricingView>();
    for (const id of customerTenantIds.map((t) => t.toLowerCase())) {
      const own = pricing.find((p) => p.customerTenantId === id);
      const reseller = own?.resellerTenantId ? resellers.get(own.resellerTenantId) : undefined;
      const margin = effectiveMargin({ customer: own?.marginPercent, reseller: reseller?.marginPercent });
      const pcReseller = fromPartnerCenter.customers?.find((c) => c.tenantId.toLowerCase() === id)?.resellerId?.toLowerCase();
      const proposed = pcReseller && pcReseller !== own?.resellerTenantId ? resellers.get(pcReseller) : undefined;
      views.set(id, {
        ...(reseller ? { assignedTo: reseller.displayName } : {}),
        ...(margin ? { margin } : {}),
        ...(own?.marginPercent !== undefined ? { customerMargin: own.marginPercent } : {}),
        ...(proposed ? { proposal: { resellerTenantId: proposed.resellerTenantId, resellerName: proposed.displayName } } : {}),
        ...(pcReseller && !resellers.has(pcReseller)
          ? {
              notAdded:
                fromPartnerCenter.resellers.get(pcReseller) ?? fromPartnerCenter.resellers.get(pcReseller.toUpperCase()) ?? pcReseller,
            }
          : {}),
      });
    }
    return views;
  }

  /** The pricing view of one customer the actor reaches (partner admin, or its reseller's admin). */
  async pricingFor(actor: Actor, link: PartnerCustomerLink): Promise<CustomerPricingView> {
    const served = await this.d.workspace.partnerOf(link.customerTenantId);
    if (!served) return {};
    const view = (await this.pricingOf(served.partnerTenantId, [link.customerTenantId])).get(link.customerTenantId.toLowerCase()) ?? {};
    // A reseller's admin is not offered the partner's assignment decisions.
    if (!(await this.d.roles.isPartnerAdmin(actor))) {
      const { proposal: _p, notAdded: _n, ...own } = view;
      return own;
    }
    return view;
  }

  /**
   * The reseller Partner Center's relationships name for a linked customer, for the confirmation
   * card. Only an added reseller of this partner can be proposed.
   */
  async proposal(
    actor: Actor,
    customerTenantId: string,
  ): Promise<Outcome<{ customer: PartnerCustomerLink; reseller: PartnerReseller; current?: string }>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return this.notPartnerAdmin(actor, 'partner.reseller.propose', customerTenantId);
    const customer = await this.d.workspace.customerOf(actor, customerTenantId, 'partner.reseller.propose');
    if (!customer.ok) return customer;
    const found = await this.partnerCenterReseller(actor, customer.value);
    if (!found.ok) return found;
    const pricing = await this.d.pricing.get(actor.tenantId, customer.value.customerTenantId);
    const current = pricing?.resellerTenantId
      ? (await this.d.resellers.get(actor.tenantId, pricing.resellerTenantId))?.displayName
      : undefined;
    return done({ customer: customer.value, reseller: found.value, ...(current ? { current } : {}) });
  }

  /**
   * Assigns a linked customer to the reseller confirmed on the card: it must be the one Partner
   * Center's relationships name for that customer now, and one the partner added.
   */
  async assign(actor: Actor, customerTenantId: string, resellerTenantId: string): Promise<Outcome<undefined>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return this.notPartnerAdmin(actor, 'partner.reseller.assign', customerTenantId);
    const partner = actor.tenantId.toLowerCase();
    const customer = await this.d.workspace.customerOf(actor, customerTenantId, 'partner.reseller.assign');
    if (!customer.ok) return customer;
    const found = await this.partnerCenterReseller(actor, customer.value);
    if (!found.ok) return found;
    if (found.value.resellerTenantId !== resellerTenantId.toLowerCase()) {
      await this.d.workspace.refuseCrossTenant(actor, 'partner.reseller.assign', resellerTenantId.toLowerCase());
      return refused(
        'forbidden',
        `Partner Center lists ${found.value.displayName}, not that tenant, as ${customer.value.companyName}'s reseller. Nothing was changed.`,
      );
    }
    const { before, after } = await this.changePricing(actor, partner, customer.value.customerTenantId, (current) => ({
      ...current,
      resellerTenantId: found.value.resellerTenantId,
    }));
    if (before?.resellerTenantId === after.resellerTenantId)
      return done(undefined, `${customer.value.companyName} was already assigned to ${found.value.displayName}.`);
    await this.record(
      actor,
      partner,
      'partner.customer.reseller-assigned',
      customer.value.customerTenantId,
      { reseller: before?.resellerTenantId ?? null },
      { reseller: after.resellerTenantId, resellerName: found.value.displayName },
    );
    return done(undefined, `${customer.value.companyName} is assigned to ${found.value.displayName}; its admins now see it.`);
  }

  /**
   * Sets (or clears) a customer's own margin, which wins over its reseller's: the partner's
   * admins, or the admins of the reseller the customer is assigned to.
   */
  async setCustomerMargin(actor: Actor, customerTenantId: string, typed: unknown): Promise<Outcome<PartnerCustomerLink>> {
    // Only partner and reseller admins get the card: anyone else's click is forged.
    if (!(await this.d.roles.isPartnerAdmin(actor)) && !(await this.reach(actor)))
      return this.notPartnerAdmin(actor, 'partner.customer.margin', customerTenantId);
    const customer = await this.d.workspace.customerOf(actor, customerTenantId, 'partner.customer.margin');
    if (!customer.ok) return customer;
    const served = await this.d.workspace.partnerOf(customer.value.customerTenantId);
    if (!served) return refused('forbidden', 'That tenant is not one of your linked customers.');
    const margin = parseMarginPercent(typed);
    if (!margin.ok) return refused('invalid', `${customer.value.companyName}'s margin was not changed.`, { margin: margin.message });
    const { before, after } = await this.changePricing(actor, served.partnerTenantId, customer.value.customerTenantId, (current) => {
      const { marginPercent: _old, ...rest } = current;
      return margin.percent === undefined ? rest : { ...rest, marginPercent: margin.percent };
    });
    if (before?.marginPercent !== after.marginPercent) {
      await this.record(
        actor,
        served.partnerTenantId,
        'partner.margin.changed',
        customer.value.customerTenantId,
        {
          margin: before?.marginPercent ?? null,
        },
        { margin: after.marginPercent ?? null },
      );
      // A reseller's admin changed it: the reseller's own log says so too.
      if (actor.tenantId.toLowerCase() !== served.partnerTenantId)
        await this.record(
          actor,
          actor.tenantId.toLowerCase(),
          'partner.margin.changed',
          customer.value.customerTenantId,
          {
            margin: before?.marginPercent ?? null,
          },
          { margin: after.marginPercent ?? null },
        );
    }
    return done(customer.value, `${customer.value.companyName}'s own margin: ${describeMargin(after.marginPercent)}.`);
  }

  // ---- helpers ---------------------------------------------------------------------

  /** A partner-only click from anyone else: such cards are only given to partner admins, so it is forged; refused and audited. */
  private async notPartnerAdmin(actor: Actor, attempted: string, target: unknown): Promise<Refused> {
    const id = typeof target === 'string' && /^[0-9A-Za-z-]{1,64}$/.test(target) ? target.toLowerCase() : '-';
    await this.d.workspace.refuseCrossTenant(actor, attempted, id);
    return refused('forbidden', ONLY_PARTNER_ADMINS_RESELLERS);
  }

  /** The added reseller Partner Center's relationships name for the customer, read now. */
  private async partnerCenterReseller(actor: Actor, customer: PartnerCustomerLink): Promise<Outcome<PartnerReseller>> {
    const fromPartnerCenter = await this.d.workspace.partnerCenterCustomers(actor.tenantId.toLowerCase());
    if (!fromPartnerCenter.customers) return refused('unavailable', fromPartnerCenter.problem ?? 'Partner Center cannot be read now.');
    const resellerId = fromPartnerCenter.customers
      .find((c) => c.tenantId.toLowerCase() === customer.customerTenantId.toLowerCase())
      ?.resellerId?.toLowerCase();
    if (!resellerId)
      return refused('invalid', `Partner Center lists no indirect reseller for ${customer.companyName}: it buys from you directly.`);
    const reseller = await this.d.resellers.get(actor.tenantId, resellerId);
    if (!reseller) {
      const name = fromPartnerCenter.resellers.get(resellerId) ?? resellerId;
      return refused('invalid', `${customer.companyName} buys through ${name}, which is not added yet: type resellers and add it first.`);
    }
    return done(reseller);
  }

  private changePricing(
    actor: Actor,
    partner: string,
    customerTenantId: string,
    next: (current: Omit<CustomerPricing, 'updatedBy' | 'updatedAt'>) => Omit<CustomerPricing, 'updatedBy' | 'updatedAt'>,
  ) {
    const stamp = { updatedBy: actor.aadObjectId, updatedAt: this.d.clock().toISOString() };
    return this.d.pricing.change(partner, customerTenantId, (current) => ({
      ...next(current ?? { customerTenantId: customerTenantId.toLowerCase() }),
      ...stamp,
    }));
  }

  private async record(actor: Actor, tenantId: string, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    await this.d.audit.record({
      tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action,
      target,
      ...(before !== undefined ? { before } : {}),
      after,
    });
  }
}
