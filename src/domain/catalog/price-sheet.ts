// Partner Center's price sheet (the new-commerce license-based view, `updatedlicensebased`):
// one CSV row per product, SKU, term, billing plan and market. Read by column NAME (the order
// is not promised), only what a price per seat needs, only rows in effect on the day asked.
// The same format serves as the configured fallback price list (PRICE_LIST_FILE): an admin can
// download the license-based price list from Partner Center's Pricing workspace and point to it.
import { parse } from 'csv-parse/sync';
import { roundMoney, type Money } from '../money.js';

export interface PriceSheetRow {
  productId: string;
  skuId: string;
  /** P1M, P1Y, P3Y. */
  termDuration: string;
  /** "Monthly" | "Annual" | "Triennial" | "OneTime" as the sheet writes it. */
  billingPlan: string;
  market: string;
  currency: string;
  /** Decimal string as in the sheet ("36.00", "432"). */
  unitPrice: string;
  /** YYYY-MM-DD; rows without dates are always in effect. */
  effectiveStart?: string;
  effectiveEnd?: string;
  segment?: string;
}

export class PriceSheetError extends Error {
  override name = 'PriceSheetError';
}

const REQUIRED = ['ProductId', 'SkuId', 'TermDuration', 'BillingPlan', 'Currency', 'UnitPrice'] as const;

/** Parses the sheet's CSV (a BOM and any column order accepted); throws PriceSheetError naming a missing column. */
export function parsePriceSheet(csv: string): PriceSheetRow[] {
  const records = parse(csv.replace(/^\uFEFF/, ''), {
    columns: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  }) as Record<string, string>[];
  const first = records[0];
  if (!first) return [];
  const missing = REQUIRED.filter((column) => !(column in first));
  if (missing.length > 0) throw new PriceSheetError(`the price sheet has no ${missing.join(', ')} column`);
  const day = (value: string | undefined) => (value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined);
  return records
    .filter((r) => r.ProductId && r.SkuId && /^\d+(\.\d+)?$/.test(r.UnitPrice ?? ''))
    .map((r) => ({
      productId: r.ProductId!,
      skuId: r.SkuId!,
      termDuration: (r.TermDuration ?? '').toUpperCase(),
      billingPlan: r.BillingPlan ?? '',
      market: (r.Market ?? '').toUpperCase(),
      currency: (r.Currency ?? '').toUpperCase(),
      unitPrice: r.UnitPrice!,
      ...(day(r.EffectiveStartDate) ? { effectiveStart: day(r.EffectiveStartDate)! } : {}),
      ...(day(r.EffectiveEndDate) ? { effectiveEnd: day(r.EffectiveEndDate)! } : {}),
      ...(r.Segment ? { segment: r.Segment } : {}),
    }));
}

/** Rows in effect on `day` (YYYY-MM-DD), commercial segment (or unsaid), of one market (or every market when the sheet names none). */
export function rowsInEffect(rows: readonly PriceSheetRow[], market: string, day: string): PriceSheetRow[] {
  const m = market.toUpperCase();
  return rows.filter(
    (r) =>
      (!r.market || r.market === m) &&
      (!r.segment || r.segment.toLowerCase() === 'commercial') &&
      (!r.effectiveStart || r.effectiveStart <= day) &&
      (!r.effectiveEnd || r.effectiveEnd >= day),
  );
}

/**
 * Price per seat per MONTH for an offer (what the catalog shows and policies compare): the
 * monthly billing plan's price when the sheet has one for the term, else the annual plan's
 * price divided by 12 (rounded half away from zero to the currency's minor units).
 */
export function monthlyPriceOf(
  rows: readonly PriceSheetRow[],
  offer: { productId: string; skuId: string; termDuration: string; billingCycle: string },
): Money | undefined {
  const matching = rows.filter(
    (r) =>
      r.productId.toUpperCase() === offer.productId.toUpperCase() &&
      r.skuId.toUpperCase() === offer.skuId.toUpperCase() &&
      r.termDuration === offer.termDuration.toUpperCase(),
  );
  const plan = (name: string) => matching.find((r) => r.billingPlan.toLowerCase() === name);
  const preferred = offer.billingCycle === 'annual' ? (plan('annual') ?? plan('monthly')) : (plan('monthly') ?? plan('annual'));
  if (!preferred) return undefined;
  if (preferred.billingPlan.toLowerCase() === 'monthly') return roundMoney(preferred.unitPrice, preferred.currency);
  return roundMoney(divideDecimal(preferred.unitPrice, 12), preferred.currency);
}

/** A decimal string divided by a whole number, to 6 decimals (then rounded by roundMoney). */
function divideDecimal(amount: string, by: number): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  const scaled = BigInt(whole + fraction.padEnd(6, '0').slice(0, 6)); // amount × 10^6
  const quotient = scaled / BigInt(by);
  const text = quotient.toString().padStart(7, '0');
  return `${text.slice(0, -6)}.${text.slice(-6)}`;
}
