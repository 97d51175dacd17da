// Invoice lines of every billing source in one shape, and what an invoice card shows of them.
// The connectors hand in the vendors' rows as plain data; the functions here read them by
// the vendors' field names and keep every amount exact: a line's money is rounded once, to
// the currency's minor units, when it is read, and every total after that is a bigint sum of
// the lines, so a card's total always equals the sum of the lines it shows, to the cent.
// Pure: no I/O.
import { decimalFromWire } from '../spend/focus.js';
import { decimalToMinor, parseDecimal, type Decimal } from '../decimal.js';
import { fromMinor, normalizeCurrency, type Money } from '../money.js';
import { isDay, type Day } from '../spend/periods.js';

export type BillingSource = 'partner-center' | 'marketplace';

/** What a charge is, whatever each vendor calls it. */
export type ChargeKind = 'purchase' | 'recurring' | 'refund' | 'usage' | 'other';

export interface InvoiceLine {
  source: BillingSource;
  invoiceId: string;
  /** Unique within the invoice (the marketplace's charge id; Partner Center: the row's place in the export). */
  lineId: string;
  /** Whose line it is: Partner Center's CustomerId, the marketplace's client account. */
  customerId: string;
  orderId?: string;
  subscriptionId?: string;
  productId: string;
  /** Partner Center `productId:skuId:availabilityId`; marketplace `mkt:<item id>`: the catalog's offer id. */
  offerId?: string;
  productName: string;
  chargeKind: ChargeKind;
  /** The vendor's own word ("cycleCharge", "Purchase"), for people. */
  chargeType: string;
  quantity: Decimal;
  /** Price per unit after discounts and credits (Partner Center EffectiveUnitPrice; marketplace unitSP). */
  unitPrice: Decimal;
  /** Before tax, in minor units of `currency`. */
  subtotal: bigint;
  tax: bigint;
  currency: string;
  chargeStart?: Day;
  chargeEnd?: Day;
  /** The PO number the line carries (marketplace: the agreement's "Additional ID"). */
  purchaseOrderNumber?: string;
}

export class InvoiceLineError extends Error {
  override name = 'InvoiceLineError';
}

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '');

/** A wire amount (JSON number or string) as an exact decimal; missing → 0. */
export function wireDecimal(value: unknown, field: string): Decimal {
  if (value === undefined || value === null || value === '') return { units: 0n, scale: 0 };
  try {
    return parseDecimal(decimalFromWire(value));
  } catch {
    throw new InvoiceLineError(`${field} "${String(value).slice(0, 30)}" is not a number.`);
  }
}

/** "2026-05-01T00:00:00Z", "2026-05-01T00:00:00.0000000" → "2026-05-01"; anything else → undefined. */
export function wireDay(value: unknown): Day | undefined {
  const day = text(value).slice(0, 10);
  return isDay(day) ? day : undefined;
}

/** Partner Center's ChargeType words (new commerce reconciliation) → what they are. */
export function chargeKindOf(chargeType: string): ChargeKind {
  const word = chargeType.toLowerCase().replace(/[\s_-]/g, '');
  if (['new', 'purchase', 'addquantity', 'convert', 'convertsubscription', 'upgrade'].includes(word)) return 'purchase';
  if (['renew', 'renewal', 'cyclecharge', 'cycle', 'extend', 'recurring', 'change'].includes(word)) return 'recurring';
  if (['removequantity', 'cancel', 'cancelimmediate', 'refund', 'credit', 'termination'].includes(word)) return 'refund';
  if (['usage', 'consumption', 'dailyusage'].includes(word)) return 'usage';
  return 'other';
}

/**
 * One row of Partner Center's new-commerce reconciliation (billed: an invoice's lines,
 * unbilled: the open period's), as the v2 export writes it: PascalCase names of the invoice
 * reconciliation file. Amounts are in the billing currency (`Currency`).
 */
export function partnerCenterLine(raw: Record<string, unknown>, position: number, invoiceId?: string): InvoiceLine {
  const currency = normalizeCurrency(raw.Currency ?? raw.BillingCurrency);
  const productId = text(raw.ProductId);
  const skuId = text(raw.SkuId);
  const availabilityId = text(raw.AvailabilityId);
  const chargeType = text(raw.ChargeType) || 'unknown';
  const quantitySource = raw.BillableQuantity ?? raw.Quantity;
  const line: InvoiceLine = {
    source: 'partner-center',
    invoiceId: text(raw.InvoiceNumber) || invoiceId || '',
    lineId: String(position),
    customerId: text(raw.CustomerId).toLowerCase(),
    productId,
    productName: text(raw.SkuName) || text(raw.ProductName) || productId,
    chargeKind: chargeKindOf(chargeType),
    chargeType,
    quantity: wireDecimal(quantitySource, 'Quantity'),
    unitPrice: wireDecimal(raw.EffectiveUnitPrice ?? raw.UnitPrice, 'EffectiveUnitPrice'),
    subtotal: decimalToMinor(wireDecimal(raw.Subtotal, 'Subtotal'), currency),
    tax: decimalToMinor(wireDecimal(raw.TaxTotal, 'TaxTotal'), currency),
    currency,
  };
  const orderId = text(raw.OrderId);
  const subscriptionId = text(raw.SubscriptionId);
  if (orderId) line.orderId = orderId.toLowerCase();
  if (subscriptionId) line.subscriptionId = subscriptionId.toLowerCase();
  if (productId && skuId && availabilityId) line.offerId = `${productId}:${skuId}:${availabilityId}`;
  const start = wireDay(raw.ChargeStartDate);
  const end = wireDay(raw.ChargeEndDate);
  if (start) line.chargeStart = start;
  if (end) line.chargeEnd = end;
  return line;
}

/**
 * One charge of a marketplace statement (SoftwareOne Marketplace Platform `Charge`): the
 * client's figures are the sale prices (`unitSP`, `SPx1` = unit × quantity), in
 * `price.currency.sale`. Charges carry no tax: the invoice's lines do.
 */
export function marketplaceCharge(raw: Record<string, any>, invoiceId: string, customerId: string): InvoiceLine {
  const currency = normalizeCurrency(raw.price?.currency?.sale);
  const itemId = text(raw.item?.id);
  const orderType = text(raw.attributes?.orderType);
  const quantity = wireDecimal(raw.quantity, 'quantity');
  const line: InvoiceLine = {
    source: 'marketplace',
    invoiceId,
    lineId: text(raw.id),
    customerId: customerId.toLowerCase(),
    productId: itemId,
    productName: text(raw.item?.name) || text(raw.description?.value1) || itemId,
    chargeKind: orderType ? chargeKindOf(orderType) : 'recurring',
    chargeType: orderType || 'Charge',
    quantity,
    unitPrice: wireDecimal(raw.price?.unitSP, 'unitSP'),
    subtotal: decimalToMinor(wireDecimal(raw.price?.SPx1, 'SPx1'), currency),
    tax: 0n,
    currency,
  };
  if (itemId) line.offerId = `mkt:${itemId}`;
  const orderId = text(raw.order?.id);
  const subscriptionId = text(raw.subscription?.id);
  if (orderId) line.orderId = orderId.toLowerCase();
  if (subscriptionId) line.subscriptionId = subscriptionId.toLowerCase();
  const start = wireDay(raw.period?.start);
  const end = wireDay(raw.period?.end);
  if (start) line.chargeStart = start;
  if (end) line.chargeEnd = end;
  const po = text(raw.attributes?.externalDocumentNo);
  if (po) line.purchaseOrderNumber = po;
  return line;
}

/**
 * One line of a marketplace invoice (the ERP's `InvoiceLine`): `amount` before tax,
 * `amountIncludingVat` after; the tax is their difference. For the invoice card.
 */
export function marketplaceInvoiceLine(raw: Record<string, any>, invoiceId: string, customerId: string, currency: string): InvoiceLine {
  const code = normalizeCurrency(currency);
  const subtotal = decimalToMinor(wireDecimal(raw.amount, 'amount'), code);
  const withTax = decimalToMinor(wireDecimal(raw.amountIncludingVat, 'amountIncludingVat'), code);
  const line: InvoiceLine = {
    source: 'marketplace',
    invoiceId,
    lineId: text(raw.id) || String(raw.lineNo ?? ''),
    customerId: customerId.toLowerCase(),
    productId: text(raw.itemNo),
    productName: text(raw.description) || text(raw.itemNo) || 'Line',
    chargeKind: 'other',
    chargeType: text(raw.type) || 'Item',
    quantity: wireDecimal(raw.quantity, 'quantity'),
    unitPrice: wireDecimal(raw.unitPrice, 'unitPrice'),
    subtotal,
    tax: withTax - subtotal,
    currency: code,
  };
  const start = wireDay(raw.period?.start);
  const end = wireDay(raw.period?.end);
  if (start) line.chargeStart = start;
  if (end) line.chargeEnd = end;
  const po = text(raw.externalDocumentNo);
  if (po) line.purchaseOrderNumber = po;
  return line;
}

// ---- what a card shows ------------------------------------------------------------------

export interface ProductAmount {
  name: string;
  amount: Money;
}

export interface InvoiceTotals {
  currency: string;
  subtotal: Money;
  tax: Money;
  total: Money;
  lines: number;
  /** The biggest products by subtotal; the rest folded into one "other" entry so that they add up to `subtotal`. */
  topProducts: ProductAmount[];
}

/** Folds lines one at a time (an export can hold hundreds of thousands): per currency, exact. */
export class InvoiceTotalsFold {
  private readonly byCurrency = new Map<string, { subtotal: bigint; tax: bigint; lines: number; products: Map<string, bigint> }>();

  add(line: Pick<InvoiceLine, 'currency' | 'subtotal' | 'tax' | 'productName'>): void {
    let entry = this.byCurrency.get(line.currency);
    if (!entry) this.byCurrency.set(line.currency, (entry = { subtotal: 0n, tax: 0n, lines: 0, products: new Map() }));
    entry.subtotal += line.subtotal;
    entry.tax += line.tax;
    entry.lines += 1;
    entry.products.set(line.productName, (entry.products.get(line.productName) ?? 0n) + line.subtotal);
  }

  /** One figure set per currency, the one with most lines first. */
  totals(topCount = 5): InvoiceTotals[] {
    return [...this.byCurrency.entries()]
      .map(([currency, entry]) => ({
        currency,
        subtotal: fromMinor(entry.subtotal, currency),
        tax: fromMinor(entry.tax, currency),
        total: fromMinor(entry.subtotal + entry.tax, currency),
        lines: entry.lines,
        topProducts: topWithRest(entry.products, topCount, currency, 'All other products'),
      }))
      .sort((a, b) => b.lines - a.lines || (a.currency < b.currency ? -1 : 1));
  }
}

/**
 * The `count` largest entries by amount (ties by name), and one `restLabel` entry holding
 * everything else, so that the entries always add up to the whole.
 */
export function topWithRest(amounts: ReadonlyMap<string, bigint>, count: number, currency: string, restLabel: string): ProductAmount[] {
  const sorted = [...amounts.entries()].sort(([an, a], [bn, b]) => (a === b ? (an < bn ? -1 : 1) : a > b ? -1 : 1));
  const top = sorted.slice(0, count).map(([name, minor]) => ({ name, amount: fromMinor(minor, currency) }));
  const rest = sorted.slice(count);
  if (rest.length > 0)
    top.push({
      name: `${restLabel} (${rest.length})`,
      amount: fromMinor(
        rest.reduce((sum, [, minor]) => sum + minor, 0n),
        currency,
      ),
    });
  return top;
}
