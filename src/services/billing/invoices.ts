// Invoices and their reconciliation. A refresh reads what each source invoiced and keeps, per
// tenant, what a card shows (never the raw lines), reconciles every new invoice against what
// Quartermaster ordered, stores the result and tells the admins once (the alert ledger):
// - Partner Center invoices are the partner's: each is exported once (v2 asynchronous export)
//   and its rows are spread over the tenants by CustomerId. A customer tenant sees its share
//   (its lines, its totals), never the partner's PDF, which lists every customer; the partner's
//   own tenant sees the whole invoice and may have the PDF.
// - Marketplace invoices are the client's own (the tenant's API token): the invoice's lines
//   (tax, due date, PO numbers), its statement's charges (what reconciliation matches) and its
//   attachment (the PDF).
// Exports take minutes at Microsoft: refreshes run from the `billing` queue and the daily job,
// never inside a turn.
import type { Clock } from '../../clock.js';
import type { BillingDocument, MarketplaceBilling, PartnerBillingExports, PartnerCenterInvoices } from '../../connectors/billing/index.js';
import { ConnectorError } from '../../connectors/ports.js';
import { addDecimals, formatDecimal, type Decimal } from '../../domain/decimal.js';
import {
  InvoiceTotalsFold,
  marketplaceCharge,
  marketplaceInvoiceLine,
  partnerCenterLine,
  type BillingSource,
  type InvoiceLine,
} from '../../domain/billing/invoice-lines.js';
import { Reconciler, type Finding, type ReconciliationResult } from '../../domain/billing/reconciliation.js';
import { fromMinor, normalizeCurrency, toMinor, type Money } from '../../domain/money.js';
import { monthPeriod } from '../../domain/billing/months.js';
import { addDays } from '../../domain/spend/periods.js';
import { decimalFromWire } from '../../domain/spend/focus.js';
import type { Person } from '../../domain/roles.js';
import type { Logger } from '../../logger.js';
import type { AlertLedger } from '../../storage/alert-ledger.js';
import type { InvoiceStore, ProcessedInvoices, ReconciliationStore, StoredInvoice, StoredReconciliation } from '../../storage/billing.js';
import type { RoleService } from '../roles.js';
import type { BillingOrders } from './orders.js';

export type { StoredInvoice } from '../../storage/billing.js';

export const RECONCILIATION_ALERT_KIND = 'billing-reconciliation';
/** Invoices read per source on each refresh (the newest). */
const RECENT_INVOICES = 3;
const CSV_LINE_LIMIT = 200;

export interface ReconciliationNotice {
  tenantId: string;
  key: string;
  invoice: StoredInvoice;
  reconciliation: StoredReconciliation;
  findings: Finding[];
}

/** Where reconciliation cards go (admins' 1:1 chats, through the outbox). */
export interface ReconciliationDelivery {
  /** How many admins it reached (0: nobody yet; released for a later run). */
  reconciliation(notice: ReconciliationNotice): Promise<number>;
}

export interface RefreshReport {
  invoices: number;
  /** The invoices stored by this refresh (new to a tenant). */
  stored: { tenantId: string; source: BillingSource; id: string }[];
  reconciled: number;
  problems: string[];
}

export interface InvoiceServiceDeps {
  clock: Clock;
  roles: RoleService;
  partnerCenter?: { partnerTenantId: string; invoices: PartnerCenterInvoices; exports: PartnerBillingExports };
  marketplace?: MarketplaceBilling;
  /** Whether a tenant can reach the marketplace (a token is stored, or the sandbox's). */
  marketplaceToken?: (tenantId: string) => Promise<string | undefined>;
  orders: BillingOrders;
  invoices: InvoiceStore;
  reconciliations: ReconciliationStore;
  processed: ProcessedInvoices;
  ledger: AlertLedger;
  delivery: ReconciliationDelivery;
  log: Logger;
}

export type Refusal = { ok: false; message: string; forbidden?: boolean };
const ONLY_ADMINS: Refusal = {
  ok: false,
  forbidden: true,
  message: 'Only admins can see invoices. Type **help** to see the commands you can use.',
};

/** Per tenant, what one export's rows add up to. */
class TenantFold {
  readonly totals = new InvoiceTotalsFold();
  readonly products = new Map<string, { name: string; subscriptionId?: string; subtotal: bigint; currency: string; quantity: Decimal }>();
  readonly csv = new Map<
    string,
    { product: string; chargeType: string; quantity: Decimal; subtotal: bigint; tax: bigint; currency: string }
  >();
  readonly purchaseOrders = new Set<string>();

  constructor(readonly reconciler: Reconciler | undefined) {}

  add(line: InvoiceLine, forReconciliation = true): void {
    this.totals.add(line);
    if (line.purchaseOrderNumber) this.purchaseOrders.add(line.purchaseOrderNumber);
    const offerKey = (line.offerId ?? line.productId).toLowerCase();
    const product = this.products.get(`${offerKey}|${line.currency}`);
    if (product) {
      product.subtotal += line.subtotal;
      product.quantity = addDecimals(product.quantity, line.quantity);
    } else
      this.products.set(`${offerKey}|${line.currency}`, {
        name: line.productName,
        ...(line.subscriptionId ? { subscriptionId: line.subscriptionId } : {}),
        subtotal: line.subtotal,
        currency: line.currency,
        quantity: line.quantity,
      });
    const csvKey = `${line.productName}|${line.chargeType}|${line.currency}`;
    const row = this.csv.get(csvKey);
    if (row) {
      row.quantity = addDecimals(row.quantity, line.quantity);
      row.subtotal += line.subtotal;
      row.tax += line.tax;
    } else
      this.csv.set(csvKey, {
        product: line.productName,
        chargeType: line.chargeType,
        quantity: line.quantity,
        subtotal: line.subtotal,
        tax: line.tax,
        currency: line.currency,
      });
    if (forReconciliation) this.reconciler?.add(line);
  }

  get lines(): number {
    return this.totals.totals().reduce((sum, t) => sum + t.lines, 0);
  }
}

export class InvoiceService {
  constructor(private readonly deps: InvoiceServiceDeps) {}

  isAdmin(actor: Person): Promise<boolean> {
    return this.deps.roles.isAdmin(actor);
  }

  /** The stored invoices an admin sees: the newest few per source, with when they were read. */
  async stored(actor: Person): Promise<{ ok: true; invoices: StoredInvoice[]; fetchedAt?: string } | Refusal> {
    if (!(await this.deps.roles.isAdmin(actor))) return ONLY_ADMINS;
    const all = await this.deps.invoices.list(actor.tenantId);
    const perSource = new Map<BillingSource, StoredInvoice[]>();
    for (const invoice of all) {
      const list = perSource.get(invoice.source) ?? [];
      if (list.length < RECENT_INVOICES) list.push(invoice);
      perSource.set(invoice.source, list);
    }
    const invoices = [...perSource.values()].flat();
    const fetchedAt = invoices
      .map((i) => i.fetchedAt)
      .sort()
      .pop();
    return { ok: true, invoices, ...(fetchedAt ? { fetchedAt } : {}) };
  }

  async invoice(actor: Person, source: BillingSource, invoiceId: string): Promise<{ ok: true; invoice: StoredInvoice } | Refusal> {
    if (!(await this.deps.roles.isAdmin(actor))) return ONLY_ADMINS;
    const invoice = await this.deps.invoices.get(actor.tenantId, source, invoiceId);
    return invoice
      ? { ok: true, invoice }
      : { ok: false, message: `There is no invoice ${invoiceId} here any more. Type **invoices** for the current list.` };
  }

  async reconciliation(
    actor: Person,
    source: BillingSource,
    invoiceId: string,
  ): Promise<{ ok: true; notice: Omit<ReconciliationNotice, 'key'> } | Refusal> {
    if (!(await this.deps.roles.isAdmin(actor))) return ONLY_ADMINS;
    const [invoice, stored] = await Promise.all([
      this.deps.invoices.get(actor.tenantId, source, invoiceId),
      this.deps.reconciliations.get(actor.tenantId, source, invoiceId),
    ]);
    if (!invoice || !stored)
      return { ok: false, message: `Invoice ${invoiceId} has not been reconciled yet. Type **invoices** to read the latest invoices.` };
    return { ok: true, notice: { tenantId: actor.tenantId, invoice, reconciliation: stored.reconciliation, findings: stored.findings } };
  }

  /**
   * The invoice's document for an admin of the tenant: the source's PDF where the tenant may
   * have it, else (a customer's share of a partner invoice) a CSV of the tenant's own lines.
   */
  async document(actor: Person, source: BillingSource, invoiceId: string): Promise<{ ok: true; document: BillingDocument } | Refusal> {
    const found = await this.invoice(actor, source, invoiceId);
    if (!found.ok) return found;
    const { invoice } = found;
    if (invoice.source === 'marketplace') {
      const document = await this.deps.marketplace?.invoiceDocument(actor.tenantId, invoice.id);
      if (!document) return { ok: false, message: `The Marketplace has no document for invoice ${invoice.id} yet.` };
      return { ok: true, document };
    }
    if (invoice.scope === 'partner' && this.deps.partnerCenter)
      return { ok: true, document: await this.deps.partnerCenter.invoices.invoiceDocument(invoice.id) };
    return { ok: true, document: customerLinesCsv(invoice) };
  }

  /**
   * Reads the sources for these tenants: new invoices stored, reconciled and announced. Already
   * processed invoices are not read again (an issued invoice does not change).
   */
  async refresh(tenantIds: readonly string[], now = this.deps.clock()): Promise<RefreshReport> {
    const report: RefreshReport = { invoices: 0, stored: [], reconciled: 0, problems: [] };
    const tenants = [...new Set(tenantIds.map((t) => t.toLowerCase()))];
    const notices: ReconciliationNotice[] = [];
    if (this.deps.partnerCenter) {
      try {
        await this.refreshPartnerCenter(tenants, now, report, notices);
      } catch (error) {
        report.problems.push(`Partner Center: ${problemText(error)}`);
        this.deps.log.warn({ err: error }, 'partner center invoices could not be read');
      }
    }
    if (this.deps.marketplace)
      for (const tenantId of tenants) {
        try {
          if (!(await this.deps.marketplaceToken?.(tenantId))) continue;
          await this.refreshMarketplace(tenantId, now, report, notices);
        } catch (error) {
          report.problems.push(`Marketplace: ${problemText(error)}`);
          this.deps.log.warn({ err: error, tenantId }, 'marketplace invoices could not be read');
        }
      }
    for (const notice of notices) await this.announce(notice, now);
    return report;
  }

  private async refreshPartnerCenter(tenants: string[], now: Date, report: RefreshReport, notices: ReconciliationNotice[]): Promise<void> {
    const pc = this.deps.partnerCenter!;
    const partner = pc.partnerTenantId.toLowerCase();
    const invoices = (await pc.invoices.listInvoices()).slice(0, RECENT_INVOICES);
    for (const summary of invoices) {
      const done = await this.deps.processed.tenantsOf(partner, summary.id);
      const pending = tenants.filter((t) => !done?.includes(t));
      if (done && pending.length === 0) continue;
      const header = await pc.invoices.getInvoice(summary.id);
      const period = {
        start: header.periodStart ?? header.invoiceDate.slice(0, 10),
        end: nextDay(header.periodEnd ?? header.invoiceDate.slice(0, 10)),
      };
      const folds = new Map<string, TenantFold>();
      for (const tenantId of pending) {
        const isPartner = tenantId === partner;
        const reconciler = isPartner
          ? undefined
          : new Reconciler(
              { source: 'partner-center', invoiceId: header.id, period },
              await this.deps.orders.orders(tenantId),
              await this.deps.orders.subscriptions(tenantId).catch(() => []),
            );
        folds.set(tenantId, new TenantFold(reconciler));
      }
      const partnerFold = folds.get(partner);
      let position = 0;
      for await (const row of pc.exports.billedReconciliation(header.id)) {
        const line = partnerCenterLine(row, position++, header.id);
        partnerFold?.add(line, false);
        if (line.customerId !== partner) folds.get(line.customerId)?.add(line);
      }
      for (const [tenantId, fold] of folds) {
        if (fold.lines === 0) continue;
        const invoice = storedInvoice({
          source: 'partner-center',
          id: header.id,
          period,
          issuedOn: header.invoiceDate.slice(0, 10),
          fold,
          scope: tenantId === partner ? 'partner' : 'customer',
          hasDocument: true,
          ...(tenantId === partner ? { headerTotal: { amount: header.totalCharges, currency: header.currency } } : {}),
          now,
        });
        await this.deps.invoices.save(tenantId, invoice);
        report.invoices++;
        report.stored.push({ tenantId, source: 'partner-center', id: invoice.id });
        if (fold.reconciler) notices.push(await this.storeReconciliation(tenantId, invoice, fold.reconciler.finish(), fold, now, report));
      }
      await this.deps.processed.mark(partner, header.id, [...(done ?? []), ...pending], now);
    }
  }

  private async refreshMarketplace(tenantId: string, now: Date, report: RefreshReport, notices: ReconciliationNotice[]): Promise<void> {
    const marketplace = this.deps.marketplace!;
    for (const summary of await marketplace.listInvoices(tenantId, RECENT_INVOICES)) {
      if (await this.deps.invoices.get(tenantId, 'marketplace', summary.id)) continue;
      const wire = await marketplace.getInvoice(tenantId, summary.id);
      const currency = normalizeCurrency(wire.price?.currency ?? 'USD');
      const card = new TenantFold(undefined);
      for (const raw of wire.lines ?? []) card.add(marketplaceInvoiceLine(raw, wire.id, tenantId, currency), false);
      // Reconciliation works on the statement's charges: they name subscription, order and item.
      const charges: InvoiceLine[] = [];
      if (wire.statement?.id)
        for await (const raw of marketplace.statementCharges(tenantId, wire.statement.id))
          charges.push(marketplaceCharge(raw, wire.id, tenantId));
      const days = charges
        .flatMap((c) => [c.chargeStart, c.chargeEnd])
        .filter((d): d is string => !!d)
        .sort();
      const documentDay = (wire.erpData?.documentDate ?? now.toISOString()).slice(0, 10);
      const start = days[0] ? `${days[0].slice(0, 7)}-01` : `${documentDay.slice(0, 7)}-01`;
      const period = { start, end: monthAfter(start) };
      const reconcile = new TenantFold(
        new Reconciler(
          { source: 'marketplace', invoiceId: wire.id, period },
          await this.deps.orders.orders(tenantId),
          await this.deps.orders.subscriptions(tenantId).catch(() => []),
        ),
      );
      for (const charge of charges) reconcile.add(charge);
      // Chargeback reads what each product cost: the charges name the item (the catalog's offer).
      card.products.clear();
      for (const [key, value] of reconcile.products) card.products.set(key, value);
      const attachments = await marketplace.invoiceAttachments(tenantId, wire.id).catch(() => []);
      const invoice = storedInvoice({
        source: 'marketplace',
        id: wire.id,
        period,
        issuedOn: documentDay,
        ...(wire.erpData?.dueDate ? { dueOn: wire.erpData.dueDate.slice(0, 10) } : {}),
        fold: card,
        scope: 'client',
        hasDocument: attachments.length > 0,
        ...(wire.erpData?.invoiceTotal !== undefined && wire.erpData.invoiceTotal !== null
          ? { headerTotal: { amount: decimalFromWire(wire.erpData.invoiceTotal), currency } }
          : {}),
        now,
      });
      await this.deps.invoices.save(tenantId, invoice);
      report.invoices++;
      report.stored.push({ tenantId, source: 'marketplace', id: invoice.id });
      notices.push(await this.storeReconciliation(tenantId, invoice, reconcile.reconciler!.finish(), reconcile, now, report));
    }
  }

  private async storeReconciliation(
    tenantId: string,
    invoice: StoredInvoice,
    result: ReconciliationResult,
    fold: TenantFold,
    now: Date,
    report: RefreshReport,
  ): Promise<ReconciliationNotice> {
    const billed = fold.totals.totals().map((t) => t.subtotal);
    const unexpected = sumByCurrency(result.findings.filter((f) => f.kind === 'unexpected').map((f) => f.amount));
    const reconciliation: StoredReconciliation = {
      source: invoice.source,
      invoiceId: invoice.id,
      month: invoice.month,
      period: result.period,
      lines: result.lines,
      matched: result.matched,
      counts: {
        'price-difference': result.findings.filter((f) => f.kind === 'price-difference').length,
        unexpected: result.findings.filter((f) => f.kind === 'unexpected').length,
        missing: result.findings.filter((f) => f.kind === 'missing').length,
      },
      billed,
      unexpected,
      reconciledAt: now.toISOString(),
    };
    await this.deps.reconciliations.save(tenantId, reconciliation, result.findings);
    report.reconciled++;
    return { tenantId, key: `${invoice.source}|${invoice.id}`, invoice, reconciliation, findings: result.findings };
  }

  /** One card per invoice's reconciliation, ever: claimed in the ledger, released when it reached nobody. */
  private async announce(notice: ReconciliationNotice, now: Date): Promise<void> {
    const { ledger, delivery, log } = this.deps;
    if (!(await ledger.claim(notice.tenantId, RECONCILIATION_ALERT_KIND, notice.key, { month: notice.invoice.month }, now))) return;
    let reached = 0;
    try {
      reached = await delivery.reconciliation(notice);
    } catch (error) {
      log.warn({ err: error, tenantId: notice.tenantId }, 'could not post a reconciliation card');
    }
    if (reached === 0) await ledger.release(notice.tenantId, RECONCILIATION_ALERT_KIND, notice.key);
  }
}

function storedInvoice(input: {
  source: BillingSource;
  id: string;
  period: { start: string; end: string };
  issuedOn: string;
  dueOn?: string;
  fold: TenantFold;
  scope: StoredInvoice['scope'];
  hasDocument: boolean;
  headerTotal?: Money;
  now: Date;
}): StoredInvoice {
  const { fold } = input;
  const csvLines = [...fold.csv.values()]
    .sort((a, b) => (a.product < b.product ? -1 : a.product > b.product ? 1 : a.chargeType < b.chargeType ? -1 : 1))
    .slice(0, CSV_LINE_LIMIT)
    .map((r) => ({
      product: r.product,
      chargeType: r.chargeType,
      quantity: formatDecimal(r.quantity),
      subtotal: fromMinor(r.subtotal, r.currency).amount,
      tax: fromMinor(r.tax, r.currency).amount,
      currency: r.currency,
    }));
  return {
    source: input.source,
    id: input.id,
    month: input.period.start.slice(0, 7),
    period: input.period,
    issuedOn: input.issuedOn,
    ...(input.dueOn ? { dueOn: input.dueOn } : {}),
    totals: fold.totals.totals(5),
    ...(input.headerTotal ? { headerTotal: { amount: input.headerTotal.amount, currency: input.headerTotal.currency } } : {}),
    scope: input.scope,
    hasDocument: input.hasDocument,
    purchaseOrderNumbers: [...fold.purchaseOrders].sort(),
    products: [...fold.products.entries()]
      .map(([key, p]) => ({
        offerKey: key.split('|')[0]!,
        name: p.name,
        ...(p.subscriptionId ? { subscriptionId: p.subscriptionId } : {}),
        subtotal: fromMinor(p.subtotal, p.currency),
        quantity: formatDecimal(p.quantity),
      }))
      .sort((a, b) => (a.offerKey < b.offerKey ? -1 : 1)),
    csvLines,
    fetchedAt: input.now.toISOString(),
  };
}

/** A customer's share of a partner invoice, as a spreadsheet: its own lines, per product and charge. */
export function customerLinesCsv(invoice: StoredInvoice): BillingDocument {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : /^[=+\-@]/.test(v) && !/^-?\d/.test(v) ? `'${v}` : v);
  const rows = [['Invoice', 'Product', 'Charge', 'Quantity', 'Subtotal', 'Tax', 'Currency']];
  for (const line of invoice.csvLines)
    rows.push([invoice.id, line.product, line.chargeType, line.quantity, line.subtotal, line.tax, line.currency]);
  return {
    filename: `Invoice_${invoice.id}_lines.csv`,
    contentType: 'text/csv',
    bytes: Buffer.from(`${rows.map((r) => r.map(field).join(',')).join('\r\n')}\r\n`, 'utf8'),
  };
}

function sumByCurrency(amounts: readonly Money[]): Money[] {
  const sums = new Map<string, bigint>();
  for (const m of amounts) sums.set(m.currency, (sums.get(m.currency) ?? 0n) + toMinor(m, { allowNegative: true }));
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, minor]) => fromMinor(minor, currency));
}

const nextDay = (day: string): string => addDays(day, 1);
const monthAfter = (start: string): string => monthPeriod(start.slice(0, 7)).end;

function problemText(error: unknown): string {
  if (error instanceof ConnectorError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
