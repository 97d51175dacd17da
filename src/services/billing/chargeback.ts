// Chargeback of a month: license cost per person (the month's invoiced amount per product,
// split over its paid seats; a month not invoiced yet is estimated at catalog prices and says
// so) plus cloud cost by tag (the stored cost rows: Azure, AWS and CSP usage), allocated to the
// cost owners. The result is stored per month, so "change from last month" compares stored
// figures and the CSV matches the statements. On the first working day of a month each
// owner's recipients get last month's statement and the admins the summary, once each (the
// alert ledger), whatever the number of instances.
import type { Clock } from '../../clock.js';
import type { BillingDocument } from '../../connectors/billing/index.js';
import type { CommercePort, DirectoryPerson, DirectoryPort } from '../../connectors/ports.js';
import {
  allocateChargeback,
  chargebackCsv,
  summarize,
  type ChargebackPerson,
  type CloudCost,
  type CostOwner,
  type LicenseCost,
  type OwnerStatement,
} from '../../domain/billing/chargeback.js';
import { firstWorkingDay, monthLabel, monthOfDay, monthPeriod, parseMonthArgument, previousMonth } from '../../domain/billing/months.js';
import { fromMinor, multiply, toMinor, type Money } from '../../domain/money.js';
import { dayOf } from '../../domain/spend/periods.js';
import type { Person } from '../../domain/roles.js';
import type { Logger } from '../../logger.js';
import type { AlertLedger } from '../../storage/alert-ledger.js';
import type { ChargebackStore, InvoiceStore, StoredChargeback } from '../../storage/billing.js';
import type { CostRowReader } from '../../storage/cost-rows.js';
import type { CatalogService } from '../catalog.js';
import type { RoleService } from '../roles.js';
import type { CostOwnerService } from './cost-owners.js';

export const STATEMENT_ALERT_KIND = 'chargeback-statement';
export const SUMMARY_ALERT_KIND = 'chargeback-summary';

/** One owner's statement as a card shows it: per currency, with last month's total beside it. */
export interface StatementView {
  tenantId: string;
  month: string;
  owner: { id: string; name: string };
  sections: { statement: OwnerStatement; previous?: Money }[];
  invoiced: boolean;
}

export interface SummaryView {
  tenantId: string;
  month: string;
  chargeback: StoredChargeback;
  previous?: StoredChargeback;
  /** Owners with cost but nobody to send their statement to. */
  ownersWithoutRecipients: string[];
}

/** Where statements and summaries go (1:1 chats, through the outbox). */
export interface ChargebackDelivery {
  /** Posts the statement to each recipient; how many it reached. */
  statement(view: StatementView, recipientIds: readonly string[], key: string): Promise<number>;
  /** Posts the summary to the tenant's admins; how many it reached. */
  summary(view: SummaryView, key: string): Promise<number>;
}

export type ChargebackAnswer =
  | { ok: true; kind: 'summary'; summary: SummaryView }
  | { ok: true; kind: 'statements'; statements: StatementView[] }
  | { ok: false; message: string; forbidden?: boolean };

export interface ChargebackServiceDeps {
  clock: Clock;
  roles: RoleService;
  owners: Pick<CostOwnerService, 'owners'>;
  directory: DirectoryPort;
  catalog: Pick<CatalogService, 'offers'>;
  commerce: Pick<CommercePort, 'listSubscriptions'>;
  invoices: Pick<InvoiceStore, 'ofMonth'>;
  rows: CostRowReader;
  chargebacks: ChargebackStore;
  ledger: AlertLedger;
  delivery: ChargebackDelivery;
  log: Logger;
}

export class ChargebackService {
  constructor(private readonly deps: ChargebackServiceDeps) {}

  /** Computes and stores a month (idempotent: the same data writes nothing). */
  async compute(tenantId: string, month: string): Promise<{ stored: StoredChargeback; owners: CostOwner[] }> {
    const { owners } = await this.deps.owners.owners(tenantId);
    const people = await this.people(tenantId, owners);
    const { licenses, invoiced } = await this.licenseCosts(tenantId, month, people.directory);
    const cloud = await this.cloudCosts(tenantId, month);
    const result = allocateChargeback({ month, owners, people: people.chargeback, licenses, cloud });
    const stored: StoredChargeback = {
      month,
      currencies: result.currencies,
      invoiced,
      details: result.details.length,
      computedAt: this.deps.clock().toISOString(),
    };
    await this.deps.chargebacks.save(tenantId, stored, result.details);
    return { stored, owners };
  }

  /** `chargeback [month]`: the summary for admins; a cost owner's recipient gets their owners' statements. */
  async answer(actor: Person, monthText: string): Promise<ChargebackAnswer> {
    const parsed = parseMonthArgument(monthText, dayOf(this.deps.clock()));
    if (!parsed.ok) return parsed;
    const admin = await this.deps.roles.isAdmin(actor);
    const { owners } = await this.deps.owners.owners(actor.tenantId);
    const mine = owners.filter((o) => o.recipients.some((r) => r.id === actor.aadObjectId?.toLowerCase()));
    if (!admin && mine.length === 0)
      return {
        ok: false,
        forbidden: true,
        message:
          'Chargeback is for admins and the people who receive a cost owner\u2019s statement. Type **help** to see the commands you can use.',
      };
    const { stored } = await this.compute(actor.tenantId, parsed.month);
    const previous = await this.previousOf(actor.tenantId, parsed.month);
    if (admin) return { ok: true, kind: 'summary', summary: summaryView(actor.tenantId, stored, previous, owners) };
    return {
      ok: true,
      kind: 'statements',
      statements: mine.map((owner) => statementView(actor.tenantId, stored, previous, owner)).filter((s) => s.sections.length > 0),
    };
  }

  /** The month's allocations as a CSV: everything for admins, an owner's own lines for its recipients. */
  async csv(
    actor: Person,
    month: string,
    ownerId?: string,
  ): Promise<{ ok: true; document: BillingDocument } | { ok: false; message: string; forbidden?: boolean }> {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) return { ok: false, message: 'That is not a month I know.' };
    const admin = await this.deps.roles.isAdmin(actor);
    const { owners } = await this.deps.owners.owners(actor.tenantId);
    const owner = ownerId ? owners.find((o) => o.id === ownerId) : undefined;
    if (ownerId && !owner) return { ok: false, message: 'That cost owner no longer exists. Type **chargeback** for the current figures.' };
    const allowed = admin || (owner?.recipients.some((r) => r.id === actor.aadObjectId?.toLowerCase()) ?? false);
    if (!allowed) return { ok: false, forbidden: true, message: 'Only admins and the cost owner\u2019s recipients can export this.' };
    let stored = await this.deps.chargebacks.get(actor.tenantId, month);
    if (!stored) stored = (await this.compute(actor.tenantId, month)).stored;
    const details = (await this.deps.chargebacks.details(actor.tenantId, month)).filter((d) => !owner || d.ownerId === owner.id);
    const csv = chargebackCsv({ month, currencies: summarize(details, owners), details }, owners);
    return {
      ok: true,
      document: {
        filename: `Chargeback_${month}${owner ? `_${owner.id}` : ''}.csv`,
        contentType: 'text/csv',
        bytes: Buffer.from(csv, 'utf8'),
      },
    };
  }

  /**
   * The monthly run (daily tick; acts on the first working day): last month computed, each
   * owner's statement to its recipients and the summary to the admins, once each ever.
   */
  async sendStatements(tenantIds: readonly string[], now = this.deps.clock()): Promise<{ sent: number; skipped: boolean }> {
    const today = dayOf(now);
    if (today !== firstWorkingDay(monthOfDay(today))) return { sent: 0, skipped: true };
    const month = previousMonth(monthOfDay(today));
    let sent = 0;
    for (const tenantId of tenantIds) {
      try {
        sent += await this.sendTenant(tenantId, month, now);
      } catch (error) {
        this.deps.log.warn({ err: error, tenantId, month }, 'chargeback statements could not be sent');
      }
    }
    return { sent, skipped: false };
  }

  private async sendTenant(tenantId: string, month: string, now: Date): Promise<number> {
    const { ledger, delivery, log } = this.deps;
    const { stored, owners } = await this.compute(tenantId, month);
    const previous = await this.previousOf(tenantId, month);
    let sent = 0;
    for (const owner of owners) {
      const view = statementView(tenantId, stored, previous, owner);
      if (view.sections.length === 0 || owner.recipients.length === 0) continue;
      const key = `${month}|${owner.id}`;
      if (!(await ledger.claim(tenantId, STATEMENT_ALERT_KIND, key, { owner: owner.name }, now))) continue;
      let reached = 0;
      try {
        reached = await delivery.statement(
          view,
          owner.recipients.map((r) => r.id),
          `${STATEMENT_ALERT_KIND}|${key}`,
        );
      } catch (error) {
        log.warn({ err: error, tenantId, owner: owner.id }, 'could not post a chargeback statement');
      }
      if (reached === 0) await ledger.release(tenantId, STATEMENT_ALERT_KIND, key);
      else sent++;
    }
    if (await ledger.claim(tenantId, SUMMARY_ALERT_KIND, month, {}, now)) {
      let reached = 0;
      try {
        reached = await delivery.summary(summaryView(tenantId, stored, previous, owners), `${SUMMARY_ALERT_KIND}|${month}`);
      } catch (error) {
        log.warn({ err: error, tenantId }, 'could not post the chargeback summary');
      }
      if (reached === 0) await ledger.release(tenantId, SUMMARY_ALERT_KIND, month);
      else sent++;
    }
    return sent;
  }

  /** The month before, as stored (computed and stored when it never was). */
  private async previousOf(tenantId: string, month: string): Promise<StoredChargeback> {
    const before = previousMonth(month);
    return (await this.deps.chargebacks.get(tenantId, before)) ?? (await this.compute(tenantId, before)).stored;
  }

  private async people(
    tenantId: string,
    owners: readonly CostOwner[],
  ): Promise<{ directory: DirectoryPerson[]; chargeback: ChargebackPerson[] }> {
    const directory = (await this.deps.directory.listPeople?.(tenantId)) ?? [];
    const groupsOf = new Map<string, string[]>();
    for (const groupId of new Set(owners.flatMap((o) => o.groups))) {
      const members = await this.deps.directory.listGroupMembers(tenantId, groupId).catch(() => []);
      for (const member of members) groupsOf.set(member.id.toLowerCase(), [...(groupsOf.get(member.id.toLowerCase()) ?? []), groupId]);
    }
    return {
      directory,
      chargeback: directory.map((p) => ({
        id: p.id.toLowerCase(),
        name: p.displayName || p.userPrincipalName,
        ...(p.department ? { department: p.department } : {}),
        ...(p.costCentre ? { costCentre: p.costCentre } : {}),
        groupIds: groupsOf.get(p.id.toLowerCase()) ?? [],
      })),
    };
  }

  /**
   * Per licensed product: what the month's invoices say it cost (the price actually paid), its
   * paid seats and who holds it. Without an invoice for the month, the catalog price × seats.
   */
  private async licenseCosts(
    tenantId: string,
    month: string,
    people: DirectoryPerson[],
  ): Promise<{ licenses: LicenseCost[]; invoiced: boolean }> {
    const [invoices, offers, skus, subscriptions] = await Promise.all([
      this.deps.invoices.ofMonth(tenantId, month),
      this.deps.catalog.offers(tenantId).catch(() => []),
      this.deps.directory.listSubscribedSkus(tenantId).catch(() => []),
      this.deps.commerce.listSubscriptions(tenantId).catch(() => []),
    ]);
    const offerById = new Map(offers.map((o) => [o.offerId.toLowerCase(), o] as const));
    const skuByPart = new Map(skus.map((s) => [s.skuPartNumber.toLowerCase(), s] as const));
    const holdersOfSku = (skuId: string) =>
      people.filter((p) => p.licenseSkuIds.some((id) => id.toLowerCase() === skuId.toLowerCase())).map((p) => p.id);
    const licenses = new Map<string, LicenseCost>();
    const addCost = (key: string, name: string, total: Money, seats: number, holderIds: string[]) => {
      const mapKey = `${key}|${total.currency}`;
      const existing = licenses.get(mapKey);
      if (existing)
        existing.total = fromMinor(
          toMinor(existing.total, { allowNegative: true }) + toMinor(total, { allowNegative: true }),
          total.currency,
        );
      else licenses.set(mapKey, { key: mapKey, name, total, seats, holderIds });
    };
    const invoiced = invoices.some((i) => i.source === 'partner-center');
    for (const invoice of invoices)
      for (const product of invoice.products) {
        const offer = offerById.get(product.offerKey.toLowerCase());
        if (!offer) {
          addCost(product.offerKey, product.name, product.subtotal, 0, []);
          continue;
        }
        if (offer.assignment === 'vendor') {
          const subscription = subscriptions.find((s) => s.offerId.toLowerCase() === offer.offerId.toLowerCase() && s.status === 'active');
          const emails = new Set((subscription?.assignedEmails ?? []).map((e) => e.toLowerCase()));
          const holders = people
            .filter((p) => emails.has(p.userPrincipalName.toLowerCase()) || (p.mail && emails.has(p.mail.toLowerCase())))
            .map((p) => p.id);
          addCost(offer.offerId, offer.name, product.subtotal, subscription?.quantity ?? holders.length, holders);
          continue;
        }
        const sku = skuByPart.get(offer.skuPartNumber.toLowerCase());
        addCost(offer.offerId, offer.name, product.subtotal, sku?.enabledUnits ?? 0, sku ? holdersOfSku(sku.skuId) : []);
      }
    if (!invoiced)
      // Not invoiced yet: the catalog's price per seat per month for each license the tenant pays for.
      for (const sku of skus) {
        const offer = offers.find((o) => o.skuPartNumber.toLowerCase() === sku.skuPartNumber.toLowerCase() && o.assignment !== 'vendor');
        if (!offer || sku.enabledUnits === 0) continue;
        addCost(offer.offerId, offer.name, multiply(offer.unitPrice, sku.enabledUnits), sku.enabledUnits, holdersOfSku(sku.skuId));
      }
    return { licenses: [...licenses.values()], invoiced };
  }

  /** The month's cloud cost rows, summed per provider, service and tags (exact). */
  private async cloudCosts(tenantId: string, month: string): Promise<CloudCost[]> {
    const { start, end } = monthPeriod(month);
    const rows = await this.deps.rows.rows(tenantId, { from: start, to: end });
    const sums = new Map<string, { provider: string; service: string; tags: Record<string, string>; minor: bigint; currency: string }>();
    for (const row of rows) {
      if (row.BilledCost === null) continue;
      const provider = row.ServiceProviderName === 'AWS' ? 'AWS' : 'Azure';
      const key = `${provider}|${row.ServiceName}|${JSON.stringify(row.Tags)}|${row.BillingCurrency}`;
      const minor = toMinor({ amount: row.BilledCost, currency: row.BillingCurrency }, { allowNegative: true });
      const entry = sums.get(key);
      if (entry) entry.minor += minor;
      else sums.set(key, { provider, service: row.ServiceName, tags: row.Tags, minor, currency: row.BillingCurrency });
    }
    return [...sums.values()]
      .sort((a, b) => (a.provider + a.service < b.provider + b.service ? -1 : 1))
      .map((s) => ({ provider: s.provider, service: s.service, tags: s.tags, amount: fromMinor(s.minor, s.currency) }));
  }
}

function statementView(
  tenantId: string,
  stored: StoredChargeback,
  previous: StoredChargeback | undefined,
  owner: CostOwner,
): StatementView {
  const sections = stored.currencies.flatMap((section) => {
    const statement = section.owners.find((o) => o.ownerId === owner.id);
    if (!statement) return [];
    const before = previous?.currencies.find((c) => c.currency === section.currency)?.owners.find((o) => o.ownerId === owner.id)?.total;
    return [{ statement, ...(before ? { previous: before } : {}) }];
  });
  return { tenantId, month: stored.month, owner: { id: owner.id, name: owner.name }, sections, invoiced: stored.invoiced };
}

function summaryView(
  tenantId: string,
  stored: StoredChargeback,
  previous: StoredChargeback | undefined,
  owners: readonly CostOwner[],
): SummaryView {
  const withCost = new Set(stored.currencies.flatMap((c) => c.owners.map((o) => o.ownerId)));
  return {
    tenantId,
    month: stored.month,
    chargeback: stored,
    ...(previous ? { previous } : {}),
    ownersWithoutRecipients: owners.filter((o) => withCost.has(o.id) && o.recipients.length === 0).map((o) => o.name),
  };
}

export { monthLabel };
