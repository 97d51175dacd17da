// Reconciliation: each invoice line matched to what Quartermaster ordered. Subscriptions make
// orders and invoices many-to-many (several orders a month, one invoice; a renewal invoiced
// with no order at all; see ../shared/seeds 000), so a line is matched by what it is:
// - a purchase (new, added seats) to the order Quartermaster placed: by order id, else by
//   subscription among the orders placed in the period;
// - a recurring charge (cycle, renewal), usage or refund to the subscription it bills, which
//   Quartermaster knows from the commerce API: the standing order;
// - anything else is unexpected: billed but not ordered here.
// An order placed in the period that no purchase line bills is missing. A matched line whose
// unit price differs from the price Quartermaster ordered at (or, for a recurring charge,
// the subscription's price) is a price difference. Streaming (`add` one line at a time) so
// that an export of hundreds of thousands of lines never sits in memory. Pure: no I/O.
import {
  compareDecimals,
  decimalToMinor,
  formatDecimal,
  multiplyDecimals,
  parseDecimal,
  subtractDecimals,
  type Decimal,
} from '../decimal.js';
import { formatMoney, fromMinor, type Money } from '../money.js';
import type { Day } from '../spend/periods.js';
import type { BillingSource, InvoiceLine } from './invoice-lines.js';

/** A purchase Quartermaster made (a fulfilled request that bought seats or placed an order). */
export interface OrderRecord {
  requestId: string;
  source: BillingSource;
  orderId?: string;
  subscriptionId?: string;
  offerId: string;
  productName: string;
  quantity: number;
  /** The price per seat per month Quartermaster ordered at. */
  monthlyUnitPrice: Money;
  /** How the seats are billed: an annual cycle bills twelve months at once. */
  billingCycle: 'monthly' | 'annual';
  purchaseOrderNumber?: string;
  placedOn: Day;
}

/** A subscription the tenant holds (the commerce API's list): recurring charges bill it. */
export interface KnownSubscription {
  id: string;
  offerId: string;
  name: string;
  /** Per seat per month at the current price, when the catalog knows it. */
  monthlyUnitPrice?: Money;
  billingCycle: string;
}

export type FindingKind = 'price-difference' | 'unexpected' | 'missing';

export interface Finding {
  kind: FindingKind;
  /** Stable across runs: the same invoice and orders give the same keys. */
  key: string;
  productName: string;
  lineId?: string;
  orderId?: string;
  requestId?: string;
  subscriptionId?: string;
  purchaseOrderNumber?: string;
  chargeType?: string;
  quantity?: string;
  /** Missing: what the order would cost; otherwise the line's subtotal. */
  amount: Money;
  /** Price differences: the unit prices and what the difference comes to over the line's quantity. */
  expectedUnitPrice?: string;
  billedUnitPrice?: string;
  difference?: Money;
  /** One sentence for people. */
  text: string;
}

export interface ReconciliationResult {
  source: BillingSource;
  invoiceId: string;
  /** The billing period the invoice covers: orders placed in it are expected on it. */
  period: { start: Day; end: Day };
  lines: number;
  matched: { lines: number; amounts: Money[] };
  /** Differences first: price differences, unexpected lines, then missing orders; each kind in a stable order. */
  findings: Finding[];
}

const lower = (value: string | undefined) => value?.toLowerCase();

/** The unit price a line should show for a seat bought at `monthly`, billed `billingCycle`. */
export function expectedCyclePrice(monthly: Money, billingCycle: string): Decimal {
  const price = parseDecimal(monthly.amount);
  return billingCycle.toLowerCase() === 'annual' ? multiplyDecimals(price, { units: 12n, scale: 0 }) : price;
}

export class Reconciler {
  private readonly byOrderId = new Map<string, OrderRecord>();
  private readonly bySubscription = new Map<string, OrderRecord[]>();
  private readonly subscriptions = new Map<string, KnownSubscription>();
  private readonly matchedOrders = new Set<OrderRecord>();
  private readonly findings: Finding[] = [];
  private readonly matchedByCurrency = new Map<string, bigint>();
  private lines = 0;
  private matchedLines = 0;

  constructor(
    private readonly invoice: { source: BillingSource; invoiceId: string; period: { start: Day; end: Day } },
    private readonly orders: readonly OrderRecord[],
    subscriptions: readonly KnownSubscription[],
  ) {
    for (const order of orders) {
      if (order.source !== invoice.source) continue;
      if (order.orderId) this.byOrderId.set(order.orderId.toLowerCase(), order);
      const subscription = lower(order.subscriptionId);
      if (subscription) {
        const list = this.bySubscription.get(subscription) ?? [];
        list.push(order);
        this.bySubscription.set(subscription, list);
      }
    }
    for (const list of this.bySubscription.values()) list.sort((a, b) => (a.placedOn < b.placedOn ? -1 : 1));
    for (const subscription of subscriptions) this.subscriptions.set(subscription.id.toLowerCase(), subscription);
  }

  add(line: InvoiceLine): void {
    this.lines++;
    if (line.chargeKind === 'purchase') return this.purchase(line);
    const subscription = line.subscriptionId ? this.subscriptions.get(line.subscriptionId) : undefined;
    const ordered =
      (line.orderId !== undefined && this.byOrderId.has(line.orderId)) ||
      (line.subscriptionId !== undefined && this.bySubscription.has(line.subscriptionId));
    if (!subscription && !ordered) return this.unexpected(line);
    this.matched(line);
    // Recurring charges are checked against the subscription's price (the standing order).
    if (line.chargeKind === 'recurring' && subscription?.monthlyUnitPrice && subscription.monthlyUnitPrice.currency === line.currency)
      this.checkPrice(line, expectedCyclePrice(subscription.monthlyUnitPrice, subscription.billingCycle), undefined);
  }

  private purchase(line: InvoiceLine): void {
    let order = line.orderId ? this.byOrderId.get(line.orderId) : undefined;
    if (!order && line.subscriptionId) {
      // Seats added to an existing subscription: the first order for it in the period not matched yet.
      order = this.bySubscription
        .get(line.subscriptionId)
        ?.find((o) => !this.matchedOrders.has(o) && o.placedOn >= this.invoice.period.start && o.placedOn < this.invoice.period.end);
    }
    if (!order) return this.unexpected(line);
    this.matchedOrders.add(order);
    this.matched(line);
    if (order.monthlyUnitPrice.currency === line.currency)
      this.checkPrice(line, expectedCyclePrice(order.monthlyUnitPrice, order.billingCycle), order);
  }

  private matched(line: InvoiceLine): void {
    this.matchedLines++;
    this.matchedByCurrency.set(line.currency, (this.matchedByCurrency.get(line.currency) ?? 0n) + line.subtotal);
  }

  private checkPrice(line: InvoiceLine, expected: Decimal, order: OrderRecord | undefined): void {
    if (compareDecimals(line.unitPrice, expected) === 0) return;
    const difference = fromMinor(
      decimalToMinor(multiplyDecimals(subtractDecimals(line.unitPrice, expected), line.quantity), line.currency),
      line.currency,
    );
    const expectedText = formatMoney(fromMinor(decimalToMinor(expected, line.currency), line.currency));
    const billedText = formatMoney(fromMinor(decimalToMinor(line.unitPrice, line.currency), line.currency));
    this.findings.push({
      kind: 'price-difference',
      key: `price-difference|${line.lineId}`,
      productName: line.productName,
      lineId: line.lineId,
      ...(line.orderId ? { orderId: line.orderId } : order?.orderId ? { orderId: order.orderId.toLowerCase() } : {}),
      ...(order ? { requestId: order.requestId } : {}),
      ...(line.subscriptionId ? { subscriptionId: line.subscriptionId } : {}),
      ...(order?.purchaseOrderNumber || line.purchaseOrderNumber
        ? { purchaseOrderNumber: order?.purchaseOrderNumber ?? line.purchaseOrderNumber }
        : {}),
      chargeType: line.chargeType,
      quantity: formatDecimal(line.quantity),
      amount: fromMinor(line.subtotal, line.currency),
      expectedUnitPrice: expectedText,
      billedUnitPrice: billedText,
      difference,
      text: `${line.productName}: billed ${billedText} a unit, ${order ? `ordered at ${expectedText}` : `the subscription's price is ${expectedText}`} (${formatMoney(difference)} over ${formatDecimal(line.quantity)}).`,
    });
  }

  private unexpected(line: InvoiceLine): void {
    const amount = fromMinor(line.subtotal, line.currency);
    this.findings.push({
      kind: 'unexpected',
      key: `unexpected|${line.lineId}`,
      productName: line.productName,
      lineId: line.lineId,
      ...(line.orderId ? { orderId: line.orderId } : {}),
      ...(line.subscriptionId ? { subscriptionId: line.subscriptionId } : {}),
      ...(line.purchaseOrderNumber ? { purchaseOrderNumber: line.purchaseOrderNumber } : {}),
      chargeType: line.chargeType,
      quantity: formatDecimal(line.quantity),
      amount,
      text: `${line.productName}: ${formatMoney(amount)} billed (${line.chargeType}${line.orderId ? `, order ${line.orderId}` : ''}) that was not ordered through Quartermaster.`,
    });
  }

  finish(): ReconciliationResult {
    const { start, end } = this.invoice.period;
    const missing: Finding[] = [];
    for (const order of this.orders) {
      if (order.source !== this.invoice.source || this.matchedOrders.has(order)) continue;
      if (order.placedOn < start || order.placedOn >= end) continue;
      const amount = fromMinor(
        decimalToMinor(
          multiplyDecimals(expectedCyclePrice(order.monthlyUnitPrice, order.billingCycle), { units: BigInt(order.quantity), scale: 0 }),
          order.monthlyUnitPrice.currency,
        ),
        order.monthlyUnitPrice.currency,
      );
      missing.push({
        kind: 'missing',
        key: `missing|${order.requestId}`,
        productName: order.productName,
        requestId: order.requestId,
        ...(order.orderId ? { orderId: order.orderId.toLowerCase() } : {}),
        ...(order.subscriptionId ? { subscriptionId: order.subscriptionId.toLowerCase() } : {}),
        ...(order.purchaseOrderNumber ? { purchaseOrderNumber: order.purchaseOrderNumber } : {}),
        quantity: String(order.quantity),
        amount,
        text: `${order.productName}: ${order.quantity} seat${order.quantity === 1 ? '' : 's'} ordered on ${order.placedOn} (request ${order.requestId}) are not on this invoice.`,
      });
    }
    const order: Record<FindingKind, number> = { 'price-difference': 0, unexpected: 1, missing: 2 };
    const findings = [...this.findings, ...missing].sort(
      (a, b) => order[a.kind] - order[b.kind] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    return {
      source: this.invoice.source,
      invoiceId: this.invoice.invoiceId,
      period: this.invoice.period,
      lines: this.lines,
      matched: {
        lines: this.matchedLines,
        amounts: [...this.matchedByCurrency.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([currency, minor]) => fromMinor(minor, currency)),
      },
      findings,
    };
  }
}

/** Convenience for tests and one-shot callers: reconcile a list. */
export function reconcile(
  invoice: { source: BillingSource; invoiceId: string; period: { start: Day; end: Day } },
  lines: Iterable<InvoiceLine>,
  orders: readonly OrderRecord[],
  subscriptions: readonly KnownSubscription[],
): ReconciliationResult {
  const reconciler = new Reconciler(invoice, orders, subscriptions);
  for (const line of lines) reconciler.add(line);
  return reconciler.finish();
}
