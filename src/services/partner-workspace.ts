// Partner mode: a CSP partner serves its customer tenants from its own Teams. The partner
// connects Partner Center once (the ordinary `connect` in the partner's tenant: agent sign-in,
// MFA, sealed token cache, keeper); each customer tenant is linked to the partner's Partner
// Center customer of the same tenant id (proposed from the partner's customer list, confirmed
// by a partner admin), and from then on its purchases and seat changes go through the partner's
// connection. A partner admin reaches only the partner's own customers: every other id is
// refused and audited, whatever a card carried.
import { ConnectorError, type PartnerAccountPort, type PartnerCustomer } from '../connectors/ports.js';
import { md } from '../domain/plain-text.js';
import { compareResellerCustomers } from '../domain/reseller-customers.js';
import type { Actor } from '../domain/roles.js';
import type { Logger } from '../logger.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { PartnerCustomerLink, PartnerCustomerRepository } from '../storage/partner-customers.js';

export type { PartnerCustomerLink };
import type { Clock } from '../clock.js';
import { done, refused, type Outcome } from './outcome.js';
import type { RoleService } from './roles.js';

/** A partner admin acting as a linked customer's admin, with the customer's company name (for the cards to say whose figures they show). */
export type ActingAdmin = Actor & { customerName: string };

export const ONLY_PARTNER_ADMINS =
  "Only your partner's admins (and its resellers' admins, for their customers) can see customer tenants; this is not a partner or reseller tenant of Quartermaster.";

const RESELLER_PC_NOT_CONNECTED =
  'Your own Partner Center is not connected, so these assignments are not checked against it: type connect and sign in to Partner Center.';
const RESELLER_PC_NEEDS_ATTENTION =
  'Your Partner Center connection needs attention, so these assignments are not checked against it: type connect to see what is wrong and sign in again.';

/** A customer tenant as the partner's `customers` card lists it. */
export interface PartnerCustomerRow {
  customerTenantId: string;
  companyName: string;
  domain: string;
  /** The Partner Center customer id (absent when Partner Center no longer lists a linked customer). */
  pcCustomerId?: string;
  /**
   * linked: confirmed; proposed: a Partner Center customer whose tenant uses Quartermaster, waiting
   * for a partner admin's confirmation; not-linked: a Partner Center customer whose tenant does not
   * use Quartermaster yet (it can be linked ahead).
   */
  state: 'linked' | 'proposed' | 'not-linked';
  /** The indirect reseller the customer buys through, by name when Partner Center lists it. */
  reseller?: string;
  /** A reseller admin's card, when its own Partner Center was read: whether it lists this customer under the reseller's account. */
  inOwnPartnerCenter?: boolean;
}

/** A reseller admin's own Partner Center beside its partner's assignments (its `customers` card). */
export interface ResellerOwnCheck {
  /** The partner that assigns customers (whom to ask about a difference). */
  partnerName: string;
  /** Why the assignments are not checked now (no connection, needs attention, Partner Center failed), with the fix. */
  problem?: string;
  /** Customers Partner Center lists under the reseller's account that are not assigned to it, by Partner Center's name and domain. */
  notAssigned: { companyName: string; domain: string }[];
}

export interface PartnerCustomers {
  partnerTenantId: string;
  partnerName: string;
  rows: PartnerCustomerRow[];
  /** Why Partner Center's side is missing (not connected, sign-in expired, outage), when it is. */
  partnerCenterProblem?: string;
  /** Reseller admins: what the reseller's own Partner Center says about its customers. */
  ownPartnerCenter?: ResellerOwnCheck;
}

/** The partner's customers and indirect resellers (id to name) as Partner Center lists them, or why it could not. */
export interface PartnerCenterCustomers {
  customers?: PartnerCustomer[];
  resellers: Map<string, string>;
  problem?: string;
}

/**
 * A reseller admin's reach: the partner it sells for, its own name there, and the customer
 * tenants the partner assigned to it (read each time, so an assignment's change counts at once).
 */
export interface ResellerReach {
  partnerTenantId: string;
  resellerName: string;
  customerTenantIds: ReadonlySet<string>;
}

/** Whose customers an actor works on: a partner admin all the partner's; a reseller admin only those assigned to it. */
interface Reach {
  partnerTenantId: string;
  /** Who the actor acts for, in words ("Quartermaster Demo Partner", "Litware"). */
  actingAs: string;
  /** Reseller admins: the only customers they reach. */
  only?: ReadonlySet<string>;
}

export interface PartnerWorkspaceDeps {
  clock: Clock;
  roles: RoleService;
  /** The configured partners (PARTNER_TENANTS), with their display names. */
  partners: readonly { tenantId: string; name?: string }[];
  links: PartnerCustomerRepository;
  /** The display name the partner's admins saved in chat (`partner`), which wins over the configured one. */
  savedName?: (partnerTenantId: string) => Promise<string | undefined>;
  accounts?: PartnerAccountPort;
  /** The app+user token of a tenant's own Partner Center connection; undefined when it has none. */
  partnerCenterToken(tenantId: string): Promise<string | undefined>;
  /** A tenant's own Partner Center connection in one read: its state, and its token when asked; undefined when it has none. */
  ownPartnerCenter?(
    tenantId: string,
  ): Promise<{ state: 'connected' | 'needs-attention' | 'expired'; token(): Promise<string | undefined> } | undefined>;
  /** Which Partner Center account a tenant's own connection buys in (sandbox or production), if it has one. */
  purchaseAccountOf(tenantId: string): Promise<string | undefined>;
  audit: AuditLog;
  log: Logger;
}

export class PartnerWorkspace {
  private resellerReach?: (actor: Actor) => Promise<ResellerReach | undefined>;

  constructor(private readonly d: PartnerWorkspaceDeps) {}

  /** Resellers (set once their store exists): a reseller admin reaches the customers assigned to it, nothing else. */
  reachResellers(reach: (actor: Actor) => Promise<ResellerReach | undefined>): void {
    this.resellerReach = reach;
  }

  /** The partner admin's whole partner, or the reseller admin's assigned customers; undefined for anyone else. */
  private async reachOf(actor: Actor): Promise<Reach | undefined> {
    if (await this.d.roles.isPartnerAdmin(actor))
      return { partnerTenantId: actor.tenantId.toLowerCase(), actingAs: await this.partnerName(actor.tenantId) };
    const reseller = await this.resellerReach?.(actor);
    return reseller && { partnerTenantId: reseller.partnerTenantId, actingAs: reseller.resellerName, only: reseller.customerTenantIds };
  }

  /** The partner's links the actor may see: all of them, or a reseller admin's assigned ones. */
  private async linksWithin(reach: Reach): Promise<PartnerCustomerLink[]> {
    const links = await this.d.links.list(reach.partnerTenantId);
    return reach.only ? links.filter((l) => reach.only!.has(l.customerTenantId.toLowerCase())) : links;
  }

  /** Whether this deployment serves customers for partners at all (PARTNER_TENANTS set). */
  get enabled(): boolean {
    return this.d.partners.length > 0;
  }

  async partnerName(partnerTenantId: string): Promise<string> {
    const saved = await this.d.savedName?.(partnerTenantId);
    if (saved) return saved;
    const partner = this.d.partners.find((p) => p.tenantId.toLowerCase() === partnerTenantId.toLowerCase());
    return partner?.name ?? `Partner ${partnerTenantId}`;
  }

  /** The partner that serves a customer tenant (its link), if any. */
  async partnerOf(
    customerTenantId: string,
  ): Promise<{ partnerTenantId: string; partnerName: string; link: PartnerCustomerLink } | undefined> {
    for (const partner of this.d.partners) {
      if (partner.tenantId.toLowerCase() === customerTenantId.toLowerCase()) continue;
      const link = await this.d.links.get(partner.tenantId, customerTenantId);
      if (link) return { partnerTenantId: partner.tenantId.toLowerCase(), partnerName: await this.partnerName(partner.tenantId), link };
    }
    return undefined;
  }

  /**
   * The Partner Center token commerce calls about a customer tenant use: the tenant's own
   * connection when it has one (a company running Quartermaster for itself), otherwise its
   * partner's. A linked customer whose partner is not connected gets an error that says so, never
   * another account's credentials.
   */
  async commerceToken(customerTenantId: string): Promise<string | undefined> {
    const own = await this.d.partnerCenterToken(customerTenantId);
    if (own || !this.enabled) return own;
    const served = await this.partnerOf(customerTenantId);
    if (!served) return undefined;
    const token = await this.d.partnerCenterToken(served.partnerTenantId);
    if (!token)
      throw new ConnectorError(
        'unauthorized',
        `${served.partnerName} buys your licenses, and its Partner Center is not connected: ask ${served.partnerName} to type connect and sign in to Partner Center.`,
        { service: 'partner-center', code: 'partner-not-connected' },
      );
    return token;
  }

  /** The account purchases for a tenant go to: its own connection's, or its partner's (named). */
  async purchaseAccount(tenantId: string): Promise<string | undefined> {
    const own = await this.d.purchaseAccountOf(tenantId);
    if (own || !this.enabled) return own;
    const served = await this.partnerOf(tenantId);
    const theirs = served && (await this.d.purchaseAccountOf(served.partnerTenantId));
    return served && theirs ? `${served.partnerName}: ${theirs}` : undefined;
  }

  /** The partner's customers: linked tenants and the Partner Center customers that can be linked. */
  async customers(actor: Actor): Promise<Outcome<PartnerCustomers>> {
    const reach = await this.reachOf(actor);
    if (!reach) return refused('forbidden', ONLY_PARTNER_ADMINS);
    if (reach.only) return done(await this.resellerCustomerList(reach, actor.tenantId));
    const partnerTenantId = actor.tenantId.toLowerCase();
    return done(await this.customerList(partnerTenantId, await this.partnerCenterCustomers(partnerTenantId)));
  }

  /**
   * A reseller admin's list: only the linked customers assigned to it, from the partner's links,
   * each checked against the customer list of the reseller's own Partner Center account when it is
   * connected (the partner's Partner Center list is never read for a reseller).
   */
  private async resellerCustomerList(reach: Reach, resellerTenantId: string): Promise<PartnerCustomers> {
    const links = await this.linksWithin(reach);
    const own = await this.resellerOwnCheck(resellerTenantId, reach.partnerTenantId, links);
    const rows: PartnerCustomerRow[] = links.map((link) => ({
      customerTenantId: link.customerTenantId,
      companyName: link.companyName,
      domain: link.domain,
      pcCustomerId: link.pcCustomerId,
      state: 'linked',
      reseller: reach.actingAs,
      ...(own.listed ? { inOwnPartnerCenter: own.listed.get(link.customerTenantId.toLowerCase()) ?? false } : {}),
    }));
    return {
      partnerTenantId: reach.partnerTenantId,
      partnerName: reach.actingAs,
      rows: rows.sort((a, b) => a.companyName.localeCompare(b.companyName)),
      ownPartnerCenter: own.view,
    };
  }

  /**
   * Reads the reseller's own Partner Center customer list (its connection, every page) and compares
   * it with the partner's assignments. No connection, one that needs attention, or a failed read is
   * a one-line problem with its fix; nothing is written either way.
   */
  private async resellerOwnCheck(
    resellerTenantId: string,
    partnerTenantId: string,
    assigned: readonly PartnerCustomerLink[],
  ): Promise<{ view: ResellerOwnCheck; listed?: Map<string, boolean> }> {
    const partnerName = await this.partnerName(partnerTenantId);
    const unchecked = (problem: string) => ({ view: { partnerName, problem, notAssigned: [] } });
    if (!this.d.accounts)
      return unchecked('Partner Center is not available in this deployment, so these assignments are not checked against it.');
    const connection = await this.d.ownPartnerCenter?.(resellerTenantId);
    if (connection && connection.state !== 'connected') return unchecked(RESELLER_PC_NEEDS_ATTENTION);
    try {
      const token = await connection?.token();
      if (!token) return unchecked(RESELLER_PC_NOT_CONNECTED);
      const listedByPartnerCenter = await this.d.accounts.listCustomers(token);
      const { listed, notAssigned } = compareResellerCustomers(
        assigned.map((l) => ({ tenantId: l.customerTenantId, pcCustomerId: l.pcCustomerId })),
        listedByPartnerCenter,
      );
      return { view: { partnerName, notAssigned }, listed };
    } catch (error) {
      this.d.log.warn({ err: error, tenantId: resellerTenantId }, "a reseller's own Partner Center customer list could not be read");
      const message = error instanceof ConnectorError ? error.vendorWords : 'Partner Center did not answer';
      return unchecked(
        `Your Partner Center customer list could not be read (${message.replace(/\.$/, '')}), so these assignments are not checked now; nothing was changed. Press Refresh in a minute.`,
      );
    }
  }

  /** The rows of the `customers` card: the partner's links (read now) beside what Partner Center listed. */
  private async customerList(partnerTenantId: string, fromPartnerCenter: PartnerCenterCustomers): Promise<PartnerCustomers> {
    const links = await this.d.links.list(partnerTenantId);
    const known = new Set(this.d.roles.tenants());
    const rows = new Map<string, PartnerCustomerRow>();
    const resellerName = (id: string | undefined) => (id ? (fromPartnerCenter.resellers.get(id) ?? id) : undefined);
    for (const link of links) {
      const inPc = fromPartnerCenter.customers?.find((c) => c.tenantId.toLowerCase() === link.customerTenantId);
      const reseller = resellerName(inPc?.resellerId ?? link.resellerId);
      rows.set(link.customerTenantId, {
        customerTenantId: link.customerTenantId,
        companyName: inPc?.companyName ?? link.companyName,
        domain: inPc?.domain ?? link.domain,
        ...(inPc || !fromPartnerCenter.customers ? { pcCustomerId: link.pcCustomerId } : {}),
        state: 'linked',
        ...(reseller ? { reseller } : {}),
      });
    }
    for (const customer of fromPartnerCenter.customers ?? []) {
      const tenantId = customer.tenantId.toLowerCase();
      if (rows.has(tenantId)) continue;
      const reseller = resellerName(customer.resellerId);
      rows.set(tenantId, {
        customerTenantId: tenantId,
        companyName: customer.companyName,
        domain: customer.domain,
        pcCustomerId: customer.id,
        state: known.has(tenantId) ? 'proposed' : 'not-linked',
        ...(reseller ? { reseller } : {}),
      });
    }
    const order = { proposed: 0, linked: 1, 'not-linked': 2 } as const;
    return {
      partnerTenantId,
      partnerName: await this.partnerName(partnerTenantId),
      rows: [...rows.values()].sort((a, b) => order[a.state] - order[b.state] || a.companyName.localeCompare(b.companyName)),
      ...(fromPartnerCenter.problem ? { partnerCenterProblem: fromPartnerCenter.problem } : {}),
    };
  }

  /**
   * Links a customer tenant to the partner. The id comes from a card, so it is checked against
   * the partner's own Partner Center customer list, read now: anything else is refused and audited.
   */
  async link(actor: Actor, customerTenantId: string): Promise<Outcome<PartnerCustomers>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return refused('forbidden', ONLY_PARTNER_ADMINS);
    const partnerTenantId = actor.tenantId.toLowerCase();
    const target = customerTenantId.toLowerCase();
    const fromPartnerCenter = await this.partnerCenterCustomers(partnerTenantId);
    if (!fromPartnerCenter.customers)
      return refused('unavailable', fromPartnerCenter.problem ?? 'Partner Center cannot be read now; try again in a minute.');
    const customer = fromPartnerCenter.customers.find((c) => c.tenantId.toLowerCase() === target);
    if (!customer || target === partnerTenantId) {
      await this.refuseCrossTenant(actor, 'partner.customer.link', target);
      return refused('forbidden', 'That tenant is not one of your Partner Center customers. Nothing was linked.');
    }
    const elsewhere = await this.partnerOf(target);
    if (elsewhere && elsewhere.partnerTenantId !== partnerTenantId) {
      await this.refuseCrossTenant(actor, 'partner.customer.link', target);
      return refused('conflict', `${customer.companyName} is already served by another partner in Quartermaster. Nothing was linked.`);
    }
    const link: PartnerCustomerLink = {
      customerTenantId: target,
      pcCustomerId: customer.id,
      companyName: customer.companyName,
      domain: customer.domain,
      ...(customer.resellerId ? { resellerId: customer.resellerId } : {}),
      linkedBy: actor.aadObjectId,
      linkedAt: this.d.clock().toISOString(),
    };
    const before = await this.d.links.link(partnerTenantId, link);
    if (!before) {
      const entry = { actorId: actor.aadObjectId, actorName: actor.name, action: 'partner.customer.linked', after: link };
      await this.d.audit.record({ ...entry, tenantId: partnerTenantId, target });
      // The customer's own audit log says who serves it now (not the partner's other customers).
      await this.d.audit.record({
        ...entry,
        tenantId: target,
        target: partnerTenantId,
        after: { partner: await this.partnerName(partnerTenantId), pcCustomerId: customer.id },
      });
    }
    // The card after the change: the list Partner Center gave above, with the links as they are now.
    return done(
      await this.customerList(partnerTenantId, fromPartnerCenter),
      before
        ? `${customer.companyName} was already linked.`
        : `${customer.companyName} is linked to Partner Center customer ${customer.id}.`,
    );
  }

  /** Unlinks a customer tenant of this partner; another partner's or an unknown id is refused and audited. */
  async unlink(actor: Actor, customerTenantId: string): Promise<Outcome<PartnerCustomers>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return refused('forbidden', ONLY_PARTNER_ADMINS);
    const partnerTenantId = actor.tenantId.toLowerCase();
    const target = customerTenantId.toLowerCase();
    const link = await this.d.links.get(partnerTenantId, target);
    if (!link) {
      await this.refuseCrossTenant(actor, 'partner.customer.unlink', target);
      return refused('forbidden', 'That tenant is not linked to you. Nothing was changed.');
    }
    await this.d.links.unlink(partnerTenantId, target);
    const entry = { actorId: actor.aadObjectId, actorName: actor.name, action: 'partner.customer.unlinked', before: link };
    await this.d.audit.record({ ...entry, tenantId: partnerTenantId, target });
    await this.d.audit.record({
      ...entry,
      tenantId: target,
      target: partnerTenantId,
      before: { partner: await this.partnerName(partnerTenantId) },
    });
    const customers = await this.customers(actor);
    if (!customers.ok) return customers;
    return done(customers.value, `${link.companyName} is no longer linked; its purchases no longer go through your Partner Center.`);
  }

  /**
   * A customer tenant of the actor's partner, by tenant id, for partner-side views of one
   * customer; anything not linked to the actor's partner is refused and audited.
   */
  async customerOf(actor: Actor, customerTenantId: string, attempted: string): Promise<Outcome<PartnerCustomerLink>> {
    const reach = await this.reachOf(actor);
    if (!reach) return refused('forbidden', ONLY_PARTNER_ADMINS);
    const link = await this.d.links.get(reach.partnerTenantId, customerTenantId);
    if (!link || (reach.only && !reach.only.has(link.customerTenantId.toLowerCase()))) {
      await this.refuseCrossTenant(actor, attempted, customerTenantId.toLowerCase());
      return refused('forbidden', 'That tenant is not one of your linked customers.');
    }
    return done(link);
  }

  /**
   * The partner admin as an admin of a linked customer's tenant (`customer <name>`, and every
   * click on the cards that view gives): same tenant-scoped services, same rules, and the
   * customer's audit log names the admin and the partner. A tenant id that is not a linked
   * customer of the actor's partner (a forged card) is refused and audited.
   */
  async actingFor(actor: Actor, customerTenantId: string, attempted: string): Promise<Outcome<ActingAdmin>> {
    // Only partner (and reseller) admins get such cards: anyone else's is forged, and audited as such.
    const reach = await this.reachOf(actor);
    if (!reach) {
      await this.refuseCrossTenant(actor, attempted, customerTenantId.toLowerCase());
      return refused('forbidden', 'This card acts in another tenant, which you cannot reach. Nothing was done.');
    }
    const customer = await this.customerOf(actor, customerTenantId, attempted);
    if (!customer.ok) return customer;
    return done({
      tenantId: customer.value.customerTenantId,
      aadObjectId: actor.aadObjectId,
      name: `${actor.name} (${reach.actingAs})`,
      customerName: customer.value.companyName,
    });
  }

  /**
   * A linked customer of the actor's partner by what the admin typed: its company name or
   * domain, whole or its start. Anything else (another partner's customer, an unlinked one) is
   * refused, named nowhere, and audited.
   */
  async customerNamed(actor: Actor, typed: string): Promise<Outcome<PartnerCustomerLink>> {
    const reach = await this.reachOf(actor);
    if (!reach) return refused('forbidden', ONLY_PARTNER_ADMINS);
    const wanted = typed.trim().toLowerCase();
    if (!wanted)
      return refused('invalid', 'Which customer? Type customer and its name, for example: customer Contoso. Type customers for the list.');
    const links = await this.linksWithin(reach);
    const exact = links.filter((l) => l.companyName.toLowerCase() === wanted || l.domain.toLowerCase() === wanted);
    const starting = links.filter((l) => l.companyName.toLowerCase().startsWith(wanted) || l.domain.toLowerCase().startsWith(wanted));
    const found = exact.length > 0 ? exact : starting;
    if (found.length === 1) return done(found[0]!);
    if (found.length > 1)
      return refused(
        'invalid',
        // Sent as a chat message (markdown); the names are Partner Center's, typed by whoever created the customer.
        md`More than one linked customer matches: ${found.map((l) => l.companyName).join(', ')}. Type more of the name.`.text,
      );
    await this.refuseCrossTenant(actor, 'partner.customer.view', wanted.slice(0, 100));
    return refused('forbidden', 'No linked customer of yours has that name. Type customers to see yours and link them.');
  }

  /** Every refused reach into a tenant that is not the actor's customer, in the actor's audit log. */
  async refuseCrossTenant(actor: Actor, attempted: string, target: string): Promise<void> {
    this.d.log.warn({ tenantId: actor.tenantId, attempted, target }, 'cross-tenant attempt refused');
    await this.d.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'partner.cross-tenant-refused',
      target,
      after: { attempted },
    });
  }

  /** The partner's customers and resellers in Partner Center, or why they cannot be read (the reseller desk reads them too). */
  async partnerCenterCustomers(partnerTenantId: string): Promise<PartnerCenterCustomers> {
    const resellers = new Map<string, string>();
    if (!this.d.accounts) return { resellers, problem: 'Partner Center is not available in this deployment.' };
    try {
      const token = await this.d.partnerCenterToken(partnerTenantId);
      if (!token)
        return { resellers, problem: 'Partner Center is not connected: type connect and sign in to Partner Center to see your customers.' };
      const [customers, relationships] = await Promise.all([
        this.d.accounts.listCustomers(token),
        this.d.accounts.listIndirectResellers(token),
      ]);
      for (const r of relationships) resellers.set(r.id, r.name);
      return { customers, resellers };
    } catch (error) {
      this.d.log.warn({ err: error, tenantId: partnerTenantId }, 'partner customers could not be read from Partner Center');
      const message = error instanceof ConnectorError ? error.vendorWords : 'Partner Center did not answer.';
      return { resellers, problem: `Partner Center could not be read: ${message}` };
    }
  }
}
