// The sandbox's billing: what Partner Center and the Marketplace would invoice for the
// subscriptions and orders the other emulators hold, so that invoices always agree with what
// was bought. Invoices are issued for closed months (Partner Center on the 8th of the next
// month, the Marketplace on the 5th) and frozen then; the open month is "unbilled". Tests issue
// a month at will and plant differences (a changed price, a line nobody ordered, a dropped one).
// Amounts are exact: built from the catalog's decimal prices in minor units, written as JSON
// numbers as the vendors do.
import { createHash, randomUUID } from 'node:crypto';
import { decimalToMinor, multiplyDecimals, parseDecimal } from '../domain/decimal.js';
import { fromMinor } from '../domain/money.js';
import { addDays, dayOf, periodContaining, type Day } from '../domain/spend/periods.js';
import { salesPrice } from './marketplace-data.js';
import type { MarketplaceWorld } from './marketplace-state.js';
import { subscriptionQuantity, type SandboxState, type SandboxSubscription, type SandboxTenant } from './state.js';

export type Row = Record<string, unknown>;
type Month = string;

/** Partner Center: the new-commerce Azure plan (usage-billed), as in its catalog. */
export const AZURE_PLAN = { productId: 'DZH318Z0BPS6', skuId: '0001', availabilityId: 'DZH318Z0BPS6:0001', name: 'Azure plan' } as const;

/** The demo customer's Azure plan: its Partner Center subscription and the Azure subscription (entitlement) it bills. */
export const CSP_AZURE_PLAN = {
  subscriptionId: 'a1e3c0de-0000-4000-8000-0000000000a7',
  entitlementId: 'a2c0c0de-0000-4000-8000-00000000c5b1',
  entitlementDescription: 'Contoso CSP (demo)',
  /** The tag each resource group carries; chargeback by tag reads it. */
  tagKey: 'department',
} as const;

/** Daily usage of the demo Azure plan per meter category (USD before ±4 % noise) and the department tag on it. */
export const CSP_USAGE_LEVELS: readonly {
  meterCategory: string;
  meterName: string;
  resourceGroup: string;
  department: string;
  daily: string;
}[] = [
  { meterCategory: 'Virtual Machines', meterName: 'D2s v5', resourceGroup: 'rg-marketing-web', department: 'marketing', daily: '18.40' },
  { meterCategory: 'Storage', meterName: 'LRS Data Stored', resourceGroup: 'rg-marketing-web', department: 'marketing', daily: '2.15' },
  { meterCategory: 'Virtual Machines', meterName: 'B2ms', resourceGroup: 'rg-retail-pos', department: 'retail', daily: '9.60' },
  { meterCategory: 'Azure SQL Database', meterName: 'S1 DTUs', resourceGroup: 'rg-retail-pos', department: 'retail', daily: '4.90' },
  { meterCategory: 'Bandwidth', meterName: 'Standard Data Transfer Out', resourceGroup: 'rg-shared', department: '', daily: '1.25' },
];

export interface BillingWorldOptions {
  /** Polls an export operation answers "running" before it succeeds (default 1). */
  exportPollsBeforeReady?: number;
  /** Rows per export blob (default 50,000). */
  rowsPerBlob?: number;
  /** A synthetic invoice of this many rows against syntheticOrders(orders) (benchmarks). */
  synthetic?: { rows: number; orders: number };
}

export interface PartnerInvoice {
  id: string;
  month: Month;
  invoiceDate: Date;
  currency: string;
  rows: Row[];
}

export interface MarketplaceStatement {
  id: string;
  customerId: string;
  agreementId: string;
  month: Month;
  issuedAt: Date;
  currency: string;
  charges: Row[];
  invoice: { id: string; documentNo: string; documentDate: Date; dueDate: Date; lines: Row[]; attachmentId: string };
}

export interface ExportOperation {
  id: string;
  kind: 'billed-reconciliation' | 'unbilled-reconciliation' | 'unbilled-usage';
  createdAt: Date;
  polls: number;
  /** Set once done: the rows (or a generator for synthetic ones) and how many. */
  rows: (index: number) => Row;
  count: number;
  failure?: { code: string; message: string };
  label: string;
}

const TAX_RATE_BASIS_POINTS = 825n; // 8.25 %, on each line
const MARKETPLACE_VAT_BASIS_POINTS = 2000n; // 20 %
const SYNTHETIC_INVOICE_ID = 'G099999999';

const monthOf = (date: Date) => dayOf(date).slice(0, 7);
const monthStart = (month: Month) => `${month}-01`;
const monthEnd = (month: Month) => periodContaining('month', monthStart(month)).end;
const nextMonth = (month: Month) => monthEnd(month).slice(0, 7);
const previousMonth = (month: Month) => addDays(monthStart(month), -1).slice(0, 7);
const iso = (day: Day) => `${day}T00:00:00Z`;

/** A stable GUID-shaped id from text (seeded subscriptions have no order of their own). */
export function stableGuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Tax (or VAT) on a subtotal in minor units, half up. */
function taxOf(subtotalMinor: bigint, basisPoints: bigint): bigint {
  const scaled = subtotalMinor * basisPoints;
  const magnitude = scaled < 0n ? -scaled : scaled;
  const rounded = (magnitude + 5000n) / 10000n;
  return scaled < 0n ? -rounded : rounded;
}

const amount = (minor: bigint, currency: string) => Number(fromMinor(minor, currency).amount);

/** Deterministic noise in [-4 %, +4 %] for (key, day): the same every run. */
function noise(key: string): number {
  const byte = createHash('sha256').update(key).digest()[0]!;
  return (byte / 255 - 0.5) * 0.08;
}

/** The orders the synthetic benchmark invoice bills (50,000 of them: each order billed by up to four lines). */
export function syntheticOrders(count: number): {
  requestId: string;
  orderId: string;
  subscriptionId: string;
  offerId: string;
  productName: string;
  quantity: number;
  monthlyUnitPrice: string;
  placedOn: Day;
}[] {
  return Array.from({ length: count }, (_, i) => ({
    requestId: `REQ-SYN-${i}`,
    orderId: stableGuid(`synthetic-order-${i}`),
    subscriptionId: stableGuid(`synthetic-subscription-${i}`),
    offerId: 'CFQ7TTC0L3PB:0001:CFQ7TTC0KXG6',
    productName: `Synthetic product ${i % 97}`,
    quantity: 1 + (i % 5),
    monthlyUnitPrice: `${10 + (i % 40)}.${String(i % 100).padStart(2, '0')}`,
    placedOn: '2026-05-10',
  }));
}

export class BillingWorld {
  private readonly partnerInvoices = new Map<string, PartnerInvoice>();
  private readonly statements = new Map<string, MarketplaceStatement>();
  readonly exports = new Map<string, ExportOperation>();
  /** Key of the SAS signatures the manifests hand out. */
  readonly sasKey = randomUUID();
  readonly exportPollsBeforeReady: number;
  readonly rowsPerBlob: number;
  private readonly syntheticOrderList: ReturnType<typeof syntheticOrders> = [];

  constructor(
    private readonly state: SandboxState,
    private readonly marketplace: MarketplaceWorld,
    private readonly options: BillingWorldOptions = {},
  ) {
    this.exportPollsBeforeReady = options.exportPollsBeforeReady ?? 1;
    this.rowsPerBlob = options.rowsPerBlob ?? 50_000;
    if (options.synthetic) this.syntheticOrderList = syntheticOrders(options.synthetic.orders);
  }

  private now(): Date {
    return this.state.clock();
  }

  /** Forgets every issued invoice, statement and export (the sandbox's reset: the seed again). */
  reset(): void {
    this.partnerInvoices.clear();
    this.statements.clear();
    this.exports.clear();
    this.plantedUsage.length = 0;
  }

  // ---- Partner Center ------------------------------------------------------------------

  /** Invoices issued so far (closed months up to 3 back, issued on the 8th), newest first; issued ones are frozen. */
  listPartnerInvoices(): PartnerInvoice[] {
    const today = dayOf(this.now());
    let month = previousMonth(today.slice(0, 7));
    for (let i = 0; i < 3; i++, month = previousMonth(month)) {
      const issueDay = `${nextMonth(month)}-08`;
      if (issueDay <= today) this.issuePartnerInvoice(month, new Date(`${issueDay}T06:00:00Z`));
    }
    const invoices = [...this.partnerInvoices.values()];
    if (this.options.synthetic && !invoices.some((i) => i.id === SYNTHETIC_INVOICE_ID)) {
      const synthetic: PartnerInvoice = {
        id: SYNTHETIC_INVOICE_ID,
        month: '2026-05',
        invoiceDate: new Date('2026-06-08T06:00:00Z'),
        currency: 'USD',
        rows: [],
      };
      this.partnerInvoices.set(synthetic.id, synthetic);
      invoices.push(synthetic);
    }
    return invoices.sort((a, b) => b.invoiceDate.getTime() - a.invoiceDate.getTime());
  }

  partnerInvoice(id: string): PartnerInvoice | undefined {
    this.listPartnerInvoices();
    return this.partnerInvoices.get(id.toUpperCase());
  }

  /** Issues the month's invoice now (tests), or returns the one already issued. Its rows are frozen from then on. */
  issuePartnerInvoice(month: Month, at: Date = this.now()): PartnerInvoice {
    const id = `G0${month.slice(2, 4)}${month.slice(5, 7)}0001`;
    const existing = this.partnerInvoices.get(id);
    if (existing) return existing;
    const invoice: PartnerInvoice = { id, month, invoiceDate: at, currency: 'USD', rows: this.recurringRows(month, id) };
    this.partnerInvoices.set(id, invoice);
    return invoice;
  }

  /** Rows of an invoice: the frozen ones, or the synthetic generator's. */
  invoiceRows(invoice: PartnerInvoice): { count: number; row: (index: number) => Row } {
    if (invoice.id === SYNTHETIC_INVOICE_ID && this.options.synthetic)
      return { count: this.options.synthetic.rows, row: (i) => this.syntheticRow(i) };
    return { count: invoice.rows.length, row: (i) => invoice.rows[i]! };
  }

  /** Test hooks: change, add or remove rows of an issued invoice. */
  changeRows(invoiceId: string, match: (row: Row) => boolean, change: Row): number {
    const invoice = this.partnerInvoice(invoiceId);
    let changed = 0;
    for (const row of invoice?.rows ?? [])
      if (match(row)) {
        Object.assign(row, change);
        changed++;
      }
    return changed;
  }

  addRow(invoiceId: string, row: Row): void {
    const invoice = this.partnerInvoice(invoiceId);
    if (!invoice) throw new Error(`sandbox billing: no invoice ${invoiceId}`);
    invoice.rows.push({ ...this.baseRow(invoice.id, invoice.month), ...row });
  }

  removeRows(invoiceId: string, match: (row: Row) => boolean): number {
    const invoice = this.partnerInvoice(invoiceId);
    if (!invoice) return 0;
    const before = invoice.rows.length;
    invoice.rows = invoice.rows.filter((row) => !match(row));
    return before - invoice.rows.length;
  }

  /** Totals of an invoice as its header states them: the sum of its rows. */
  partnerInvoiceTotals(invoice: PartnerInvoice): { total: number; rows: number } {
    // The synthetic invoice never changes: its 200,000 rows are summed once.
    if (invoice.id === SYNTHETIC_INVOICE_ID && this.options.synthetic) return (this.syntheticTotals ??= this.sumRows(invoice));
    return this.sumRows(invoice);
  }

  private syntheticTotals?: { total: number; rows: number };

  private sumRows(invoice: PartnerInvoice): { total: number; rows: number } {
    const { count, row } = this.invoiceRows(invoice);
    let minor = 0n;
    for (let i = 0; i < count; i++) {
      const r = row(i);
      minor +=
        decimalToMinor(parseDecimal(String(r.Subtotal)), invoice.currency) +
        decimalToMinor(parseDecimal(String(r.TaxTotal)), invoice.currency);
    }
    return { total: amount(minor, invoice.currency), rows: count };
  }

  /** Open-period rows: 'current' is this month so far; 'last' the previous month until its invoice is issued. */
  unbilledRows(period: 'current' | 'last', currency: string): Row[] | undefined {
    const month = monthOf(this.now());
    const target = period === 'current' ? month : previousMonth(month);
    if (currency.toUpperCase() !== 'USD') return [];
    if (period === 'last' && this.listPartnerInvoices().some((i) => i.month === target)) return undefined;
    return this.recurringRows(target, '');
  }

  private customers(): SandboxTenant[] {
    return this.state.partner.customerIds.map((id) => this.state.tenant(id)).filter((t): t is SandboxTenant => t !== undefined);
  }

  private baseRow(invoiceId: string, month: Month): Row {
    return {
      PartnerId: this.state.partner.tenantId,
      InvoiceNumber: invoiceId,
      MpnId: '4391507',
      Currency: 'USD',
      PricingCurrency: 'USD',
      PCToBCExchangeRate: 1,
      PCToBCExchangeRateDate: iso(monthStart(month)),
      PublisherName: 'Microsoft Corporation',
      PublisherId: '',
      UnitType: 'Licenses',
      PriceAdjustmentDescription: '',
      ChargeStartDate: iso(monthStart(month)),
      ChargeEndDate: iso(addDays(monthEnd(month), -1)),
      TaxTotal: 0,
    };
  }

  /** What each customer's subscriptions cost in `month`: purchases, added seats and cycle charges. */
  private recurringRows(month: Month, invoiceId: string): Row[] {
    const rows: Row[] = [];
    const start = monthStart(month);
    const end = monthEnd(month);
    for (const customer of this.customers()) {
      for (const subscription of customer.subscriptions.values()) {
        if (subscription.status === 'deleted' || dayOf(subscription.creationDate) >= end) continue;
        const offer = subscription.offer;
        const annual = subscription.billingCycle === 'annual';
        const cyclePrice = multiplyDecimals(parseDecimal(offer.unitPrice), { units: annual ? 12n : 1n, scale: 0 });
        const row = (chargeType: string, quantity: number, chargeStart: Day, orderId: string): Row => {
          const subtotal = decimalToMinor(multiplyDecimals(cyclePrice, { units: BigInt(quantity), scale: 0 }), 'USD');
          const tax = taxOf(subtotal, TAX_RATE_BASIS_POINTS);
          return {
            ...this.baseRow(invoiceId, month),
            CustomerId: customer.id,
            CustomerName: customer.displayName,
            CustomerDomainName: customer.domain,
            CustomerCountry: 'US',
            OrderId: orderId,
            OrderDate: iso(dayOf(subscription.creationDate)),
            ProductId: offer.productId,
            SkuId: offer.skuId,
            AvailabilityId: offer.availabilityId,
            ProductName: offer.title,
            SkuName: offer.title,
            ChargeType: chargeType,
            UnitPrice: Number(cyclePrice.units) / 10 ** cyclePrice.scale,
            EffectiveUnitPrice: Number(cyclePrice.units) / 10 ** cyclePrice.scale,
            Quantity: quantity,
            BillableQuantity: quantity,
            Subtotal: amount(subtotal, 'USD'),
            TaxTotal: amount(tax, 'USD'),
            TotalForCustomer: amount(subtotal + tax, 'USD'),
            SubscriptionId: subscription.id,
            SubscriptionDescription: subscription.friendlyName,
            SubscriptionStartDate: iso(dayOf(subscription.creationDate)),
            ChargeStartDate: iso(chargeStart),
            TermAndBillingCycle: `${offer.termDuration === 'P1Y' ? 'One-Year' : 'One-Month'} commitment for ${annual ? 'yearly' : 'monthly'}/${offer.termDuration === 'P1Y' ? 'one-year' : 'one-month'} billing`,
            BillingFrequency: annual ? 'Annual' : 'Monthly',
          };
        };
        const orderId = subscription.orderId ?? stableGuid(`order-of-${subscription.id}`);
        const created = dayOf(subscription.creationDate);
        const lots = subscription.lots.map((lot) => ({ quantity: lot.quantity, day: dayOf(lot.purchasedAt) }));
        const heldAtStart = lots.filter((lot) => lot.day < start).reduce((sum, lot) => sum + lot.quantity, 0);
        if (created >= start) {
          const initial = lots.filter((lot) => lot.day === created).reduce((sum, lot) => sum + lot.quantity, 0);
          rows.push(row('new', initial, created, orderId));
        } else if (!annual || created.slice(5, 7) === month.slice(5, 7)) {
          if (heldAtStart > 0) rows.push(row(annual ? 'renew' : 'cycleCharge', heldAtStart, start, orderId));
        }
        for (const lot of lots)
          if (lot.day >= start && lot.day < end && !(lot.day === created && created >= start))
            rows.push(row('addQuantity', lot.quantity, lot.day, this.orderOfLot(customer, subscription, lot.day) ?? orderId));
      }
    }
    return rows;
  }

  /** An order placed through the emulator that day for the subscription (new purchases make one). */
  private orderOfLot(customer: SandboxTenant, subscription: SandboxSubscription, day: Day): string | undefined {
    return [...customer.orders.values()].find(
      (o) => dayOf(o.creationDate) === day && o.lineItems.some((l) => l.subscriptionId === subscription.id),
    )?.id;
  }

  private syntheticRow(index: number): Row {
    const orders = this.syntheticOrderList;
    // Every 101st line bills an order nobody placed; the last 100 orders are never billed;
    // every 97th line is billed 1.00 above the ordered price.
    const unknown = index % 101 === 100;
    const order = orders[index % (orders.length - 100)]!;
    const priced = this.syntheticPrices()[index % (orders.length - 100)]!;
    const { unit, subtotal } = index % 97 === 96 ? priced.above : priced.ordered;
    return {
      ...this.syntheticBase(),
      OrderId: unknown ? stableGuid(`unknown-order-${index}`) : order.orderId,
      ProductName: order.productName,
      SkuName: order.productName,
      UnitPrice: unit,
      EffectiveUnitPrice: unit,
      Quantity: order.quantity,
      BillableQuantity: order.quantity,
      Subtotal: subtotal,
      TotalForCustomer: subtotal,
      SubscriptionId: unknown ? stableGuid(`unknown-subscription-${index}`) : order.subscriptionId,
    };
  }

  /** The synthetic rows' shared columns, built once (the benchmark reads 200,000 rows: the emulator must not be the bottleneck). */
  private syntheticBaseRow?: Row;
  private syntheticBase(): Row {
    return (this.syntheticBaseRow ??= {
      ...this.baseRow(SYNTHETIC_INVOICE_ID, '2026-05'),
      CustomerId: 'c0000000-0000-4000-8000-00000000b3c4',
      CustomerName: 'Synthetic customer',
      ProductId: 'CFQ7TTC0L3PB',
      SkuId: '0001',
      AvailabilityId: 'CFQ7TTC0KXG6',
      ChargeType: 'new',
      TaxTotal: 0,
    });
  }

  /** Per synthetic order: its unit price and line subtotal as billed, and 1.00 above (computed once). */
  private syntheticPriceList?: { ordered: { unit: number; subtotal: number }; above: { unit: number; subtotal: number } }[];
  private syntheticPrices() {
    return (this.syntheticPriceList ??= this.syntheticOrderList.map((order) => {
      const price = parseDecimal(order.monthlyUnitPrice);
      const priced = (unit: { units: bigint; scale: number }) => ({
        unit: Number(unit.units) / 10 ** unit.scale,
        subtotal: amount(decimalToMinor(multiplyDecimals(unit, { units: BigInt(order.quantity), scale: 0 }), 'USD'), 'USD'),
      });
      return { ordered: priced(price), above: priced({ units: price.units + 100n, scale: 2 }) };
    }));
  }

  /** Extra usage the tests plant (a spike): one more row on `day`, like the level's own. */
  private readonly plantedUsage: { day: Day; level: (typeof CSP_USAGE_LEVELS)[number]; amount: string }[] = [];

  /** Plants `amount` USD more usage of `level` on `day` (a spike for the anomaly checks). */
  plantUsage(day: Day, level: (typeof CSP_USAGE_LEVELS)[number], amount: string): void {
    this.plantedUsage.push({ day, level, amount });
  }

  /** Daily rated usage of the Azure plans, not yet invoiced: this month (current) or the last one (last), up to yesterday. */
  usageRows(period: 'current' | 'last', currency: string): Row[] {
    if (currency.toUpperCase() !== 'USD') return [];
    const today = dayOf(this.now());
    const month = period === 'current' ? today.slice(0, 7) : previousMonth(today.slice(0, 7));
    const start = monthStart(month);
    const end = monthEnd(month) < today ? monthEnd(month) : today;
    const customer = this.state.tenant(this.state.partner.customerIds[0] ?? '');
    if (!customer) return [];
    const rows: Row[] = [];
    for (let day = start; day < end; day = addDays(day, 1)) {
      const levels = CSP_USAGE_LEVELS.map((level) => {
        const base = parseDecimal(level.daily);
        const factor = Math.round((1 + noise(`${level.resourceGroup}|${level.meterName}|${day}`)) * 10_000);
        return { level, cost: decimalToMinor(multiplyDecimals(base, { units: BigInt(factor), scale: 4 }), 'USD') };
      });
      const planted = this.plantedUsage
        .filter((p) => p.day === day)
        .map((p) => ({ level: p.level, cost: decimalToMinor(parseDecimal(p.amount), 'USD') }));
      for (const { level, cost } of [...levels, ...planted]) {
        rows.push({
          PartnerId: this.state.partner.tenantId,
          PartnerName: this.state.partner.companyName,
          CustomerId: customer.id,
          CustomerName: customer.displayName,
          CustomerDomainName: customer.domain,
          CustomerCountry: 'US',
          InvoiceNumber: '',
          ProductId: AZURE_PLAN.productId,
          SkuId: AZURE_PLAN.skuId,
          AvailabilityId: AZURE_PLAN.availabilityId,
          SkuName: AZURE_PLAN.name,
          ProductName: 'Azure plan',
          PublisherName: 'Microsoft',
          PublisherId: '',
          SubscriptionId: CSP_AZURE_PLAN.subscriptionId,
          SubscriptionDescription: 'Azure plan',
          ChargeStartDate: iso(start),
          ChargeEndDate: iso(monthEnd(month)),
          UsageDate: iso(day),
          MeterType: '1 Hour',
          MeterCategory: level.meterCategory,
          MeterId: stableGuid(`meter-${level.meterName}`),
          MeterSubCategory: level.meterName,
          MeterName: level.meterName,
          MeterRegion: 'US East',
          UnitOfMeasure: '1 Hour',
          ResourceLocation: 'eastus',
          ConsumedService: 'Microsoft.Compute',
          ResourceGroup: level.resourceGroup,
          ResourceUri: `/subscriptions/${CSP_AZURE_PLAN.entitlementId}/resourceGroups/${level.resourceGroup}`,
          Tags: level.department ? JSON.stringify({ [CSP_AZURE_PLAN.tagKey]: level.department }) : '',
          AdditionalInfo: '',
          ServiceInfo1: '',
          ServiceInfo2: '',
          ChargeType: 'new',
          UnitPrice: amount(cost, 'USD'),
          Quantity: 1,
          UnitType: '1 Hour',
          BillingPreTaxTotal: amount(cost, 'USD'),
          BillingCurrency: 'USD',
          PricingPreTaxTotal: amount(cost, 'USD'),
          PricingCurrency: 'USD',
          EntitlementId: CSP_AZURE_PLAN.entitlementId,
          EntitlementDescription: CSP_AZURE_PLAN.entitlementDescription,
          PCToBCExchangeRate: 1,
          EffectiveUnitPrice: amount(cost, 'USD'),
          RateOfPartnerEarnedCredit: 0,
          HasPartnerEarnedCredit: false,
        });
      }
    }
    return rows;
  }

  /** Exact total of the usage rows' BillingPreTaxTotal (tests compare stored rows with it). */
  static usageTotal(rows: readonly Row[]): string {
    const minor = rows.reduce((sum, r) => sum + decimalToMinor(parseDecimal(String(r.BillingPreTaxTotal)), 'USD'), 0n);
    return fromMinor(minor, 'USD').amount;
  }

  // ---- exports (Graph partner billing v2) ----------------------------------------------

  startExport(
    kind: ExportOperation['kind'],
    source: { count: number; row: (i: number) => Row } | { failure: { code: string; message: string } },
    label: string,
  ): ExportOperation {
    const operation: ExportOperation = {
      id: randomUUID(),
      kind,
      createdAt: this.now(),
      polls: 0,
      label,
      ...('failure' in source ? { rows: () => ({}), count: 0, failure: source.failure } : { rows: source.row, count: source.count }),
    };
    this.exports.set(operation.id, operation);
    return operation;
  }

  // ---- Marketplace ------------------------------------------------------------------------

  /** Statements (with their invoices) of a client account for closed months up to 3 back, issued on the 5th; frozen. */
  marketplaceStatements(customerId: string): MarketplaceStatement[] {
    const today = dayOf(this.now());
    for (const agreement of this.marketplace.agreements.values()) {
      if (agreement.customerId !== customerId) continue;
      let month = previousMonth(today.slice(0, 7));
      for (let i = 0; i < 3; i++, month = previousMonth(month)) {
        const issueDay = `${nextMonth(month)}-05`;
        if (issueDay <= today) this.issueStatement(agreement.id, month, new Date(`${issueDay}T05:00:00Z`));
      }
    }
    return [...this.statements.values()]
      .filter((s) => s.customerId === customerId)
      .sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  /** Issues an agreement's statement for a month now (tests), or returns the one issued. */
  issueStatement(agreementId: string, month: Month, at: Date = this.now()): MarketplaceStatement {
    const suffix = agreementId.replace(/^AGR-/, '').replace(/-/g, '').slice(-8);
    const id = `SOM-${suffix.slice(0, 4)}-${suffix.slice(4, 8)}-${month.replace('-', '').slice(0, 4)}-${month.slice(5, 7)}00-0001`;
    const existing = this.statements.get(id);
    if (existing) return existing;
    const agreement = this.marketplace.agreements.get(agreementId);
    if (!agreement) throw new Error(`sandbox billing: no agreement ${agreementId}`);
    const start = monthStart(month);
    const end = monthEnd(month);
    const charges: Row[] = [];
    const lines: Row[] = [];
    let counter = 0;
    const invoiceId = `INV-${suffix.slice(0, 4)}-${suffix.slice(4, 8)}-${month.replace('-', '')}`;
    const documentNo = `DE-SIN-${month.replace('-', '')}${suffix.slice(-3)}`;
    for (const subscription of this.marketplace.subscriptions.values()) {
      if (subscription.agreementId !== agreementId || dayOf(subscription.startDate) >= end || subscription.status === 'Terminated')
        continue;
      const item = this.marketplace.items.find((i) => i.id === subscription.itemId);
      if (!item) continue;
      // The client is charged the sales price (what its price list shows), not the vendor's purchase price.
      const price = salesPrice(item.purchasePrice);
      const unit = parseDecimal(price.amount);
      const currency = price.currency;
      const purchase = [...this.marketplace.orders.values()].find(
        (o) => o.type === 'Purchase' && o.status === 'Completed' && o.lines.some((l) => l.subscriptionId === subscription.id),
      );
      const changes = [...this.marketplace.orders.values()].filter(
        (o) =>
          o.type === 'Change' &&
          o.status === 'Completed' &&
          dayOf(o.updatedAt) >= start &&
          dayOf(o.updatedAt) < end &&
          o.lines.some((l) => l.subscriptionId === subscription.id),
      );
      const added = changes.reduce(
        (sum, o) => sum + o.lines.reduce((s, l) => s + Math.max(0, l.quantity - (l.oldQuantity ?? l.quantity)), 0),
        0,
      );
      const startedInMonth = dayOf(subscription.startDate) >= start;
      const base = subscription.quantity - added;
      const charge = (quantity: number, orderType: string, orderId: string | undefined, from: Day) => {
        counter++;
        const spx1 = decimalToMinor(multiplyDecimals(unit, { units: BigInt(quantity), scale: 0 }), currency);
        const chargeId = `CHG-${suffix.slice(0, 4)}-${month.replace('-', '')}-${String(counter).padStart(4, '0')}`;
        const po = agreement.purchaseOrderNumber;
        charges.push({
          id: chargeId,
          externalIds: { invoice: documentNo, vendor: `${subscription.id}-${month}`, reference: chargeId },
          period: { start: `${from}T00:00:00.000Z`, end: `${addDays(end, -1)}T23:59:59.999Z` },
          quantity,
          price: { currency: { purchase: currency, sale: currency }, unitSP: Number(price.amount), SPx1: amount(spx1, currency) },
          segment: 'COM',
          description: { value1: item.name, value2: `${quantity} × ${price.amount} ${currency}` },
          billingType: 'Automated',
          subscription: { id: subscription.id, name: item.name },
          ...(orderId ? { order: { id: orderId } } : {}),
          item: { id: item.id, name: item.name, externalIds: {} },
          agreement: { id: agreement.id, name: agreement.name, status: 'Active' },
          statement: { id, name: `${item.product.name} ${month}` },
          statementType: 'Debit',
          attributes: { documentNumber: documentNo, orderType, ...(po ? { externalDocumentNo: po } : {}) },
        });
        const vat = taxOf(spx1, MARKETPLACE_VAT_BASIS_POINTS);
        lines.push({
          id: `INL-${chargeId.slice(4)}`,
          documentNo,
          lineNo: counter * 10000,
          discountAmount: 0,
          vatBaseAmount: amount(spx1, currency),
          itemNo: item.id,
          description: item.name,
          description2: `${from} – ${addDays(end, -1)}`,
          quantity,
          unitPrice: Number(price.amount),
          msrp: Number(price.amount),
          timestamp: 0,
          vatPercent: 20,
          ...(po ? { externalDocumentNo: po } : {}),
          period: { start: `${from}T00:00:00.000Z`, end: `${addDays(end, -1)}T23:59:59.999Z` },
          amount: amount(spx1, currency),
          lineAmount: amount(spx1, currency),
          amountIncludingVat: amount(spx1 + vat, currency),
        });
      };
      if (startedInMonth) charge(base, 'Purchase', purchase?.id, dayOf(subscription.startDate));
      else if (base > 0) charge(base, 'Recurring', undefined, start);
      for (const order of changes) {
        const seats = order.lines.reduce((s, l) => s + Math.max(0, l.quantity - (l.oldQuantity ?? l.quantity)), 0);
        if (seats > 0) charge(seats, 'Change', order.id, dayOf(order.updatedAt));
      }
    }
    const documentDate = at;
    const statement: MarketplaceStatement = {
      id,
      customerId: agreement.customerId,
      agreementId,
      month,
      issuedAt: at,
      currency: this.marketplace.items.find((i) => i.product.id === agreement.productId)?.purchasePrice.currency ?? 'USD',
      charges,
      invoice: {
        id: invoiceId,
        documentNo,
        documentDate,
        dueDate: new Date(documentDate.getTime() + 30 * 86_400_000),
        lines,
        attachmentId: `INA-${suffix.slice(0, 4)}-${month.replace('-', '')}-0001`,
      },
    };
    this.statements.set(id, statement);
    return statement;
  }

  statementById(customerId: string, id: string): MarketplaceStatement | undefined {
    return this.marketplaceStatements(customerId).find((s) => s.id === id);
  }

  statementByInvoice(customerId: string, invoiceId: string): MarketplaceStatement | undefined {
    return this.marketplaceStatements(customerId).find((s) => s.invoice.id === invoiceId);
  }
}

/** A small, valid one-page PDF saying what the document is (sandbox invoices). */
export function sandboxPdf(title: string, lines: readonly string[]): Buffer {
  const escape = (text: string) => text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
  const content = [
    'BT',
    '/F1 16 Tf',
    '50 780 Td',
    `(${escape(title)}) Tj`,
    '/F1 11 Tf',
    ...lines.flatMap((l) => ['0 -20 Td', `(${escape(l)}) Tj`]),
    'ET',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(pdf));
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf);
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

export { subscriptionQuantity };
