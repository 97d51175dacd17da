// Cost rows normalised to a FOCUS-named subset (FinOps Open Cost and Usage Specification),
// so budgets and alerts never care which cloud a row came from. Pure: the connectors hand
// in what the SDKs returned (as plain data) and get rows back.
//
// Amounts: providers send floats (Azure) or long decimal strings (AWS). Each row is rounded
// ONCE, here, to the currency's minor units (half away from zero) and kept as a decimal
// string; every total afterwards is exact bigint arithmetic over stored rows, so a total
// always equals the sum of the rows shown, to the cent.

import { add, formatAmount, MoneyError, normalizeCurrency, parseAmount, roundMoney, type Money } from '../money.js';
import type { Day } from './periods.js';
import type { ProviderName } from './providers/index.js';

export type { ProviderName } from './providers/index.js';
export type CostMetric = 'BilledCost' | 'EffectiveCost';

export interface CostTag {
  key: string;
  value: string;
}

/** FOCUS version of the rows written (1.3 renamed ProviderName/PublisherName; 1.4 drops them). */
export const FOCUS_VERSION = '1.3';

export interface FocusCostRow {
  /** FOCUS 1.3: who provides the service (was ProviderName). */
  ServiceProviderName: ProviderName;
  /** FOCUS 1.3: whose infrastructure hosts it; for Azure and AWS their own (was PublisherName's neighbour). */
  HostProviderName: ProviderName;
  /** FOCUS: "Correction" when the row corrects figures of a day already reported as final; absent otherwise. */
  ChargeClass?: 'Correction';
  /** The provider's billing account (Azure: the scope queried; AWS: the payer account). */
  BillingAccountId: string;
  /** The provider's sub-account (Azure subscription, AWS linked account). */
  SubAccountId: string;
  /** Inclusive UTC day. */
  ChargePeriodStart: Day;
  /** Exclusive: the day after ChargePeriodStart. */
  ChargePeriodEnd: Day;
  /** Decimal string in BillingCurrency's minor units; null when that cost type was not queried. */
  BilledCost: string | null;
  EffectiveCost: string | null;
  BillingCurrency: string;
  ServiceName: string;
  /** At most one tag: the one the sync groups by (when configured). */
  Tags: Record<string, string>;
  /** AWS `Estimated`: figures may still change, so the day is not complete. */
  estimated: boolean;
}

export class CostDataError extends Error {
  override name = 'CostDataError';
}

/** Accepts 12.5, "12.5", "1e-7", "-0.004" and returns a plain decimal string (no exponent). */
export function decimalFromWire(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CostDataError(`Cost value ${String(value)} is not a number.`);
    return expandExponent(String(value));
  }
  if (typeof value === 'string' && /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value.trim())) return expandExponent(value.trim());
  throw new CostDataError(`Cost value "${String(value).slice(0, 30)}" is not a decimal amount.`);
}

// String(1e-7) is "1e-7"; shift the decimal point by hand rather than through floats.
function expandExponent(text: string): string {
  const match = /^(-?)(\d*)\.?(\d*)(?:e([-+]?\d+))?$/i.exec(text);
  if (!match) throw new CostDataError(`Cost value "${text.slice(0, 30)}" is not a decimal amount.`);
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText);
  const digits = (whole || '0') + fraction;
  const point = (whole || '0').length + exponent;
  let result: string;
  if (point <= 0) result = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) result = digits + '0'.repeat(point - digits.length);
  else result = `${digits.slice(0, point)}.${digits.slice(point)}`;
  result = result.replace(/^0+(?=\d)/, '');
  return sign + result;
}

/** A provider amount rounded to the currency's minor units, as a canonical decimal string. */
export function costAmount(value: unknown, currency: string): string {
  return roundMoney(decimalFromWire(value), currency).amount;
}

// ---- identity, upsert, totals -----------------------------------------------------------

/**
 * Identity of a row: provider, account, sub-account, day, service, tag. Re-syncing a day
 * produces the same keys, so an upsert replaces the old values instead of adding to them.
 * Parts are URI-encoded so a "|" (or "/", "#", "?") inside a service name cannot collide.
 */
export function costRowKey(
  row: Pick<FocusCostRow, 'ServiceProviderName' | 'BillingAccountId' | 'SubAccountId' | 'ChargePeriodStart' | 'ServiceName' | 'Tags'>,
): string {
  const tags = Object.entries(row.Tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  return [row.ServiceProviderName, row.BillingAccountId, row.SubAccountId, row.ChargePeriodStart, row.ServiceName, tags]
    .map(encodeURIComponent)
    .join('|');
}

function addAmounts(a: string | null, b: string | null, currency: string): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return add({ amount: a, currency }, { amount: b, currency }).amount;
}

/**
 * Folds rows of ONE sync result that share a key (Azure can split a service/day over
 * pages or meter rows) by adding them: within one result they are parts, not corrections.
 */
export function combineRows(rows: readonly FocusCostRow[]): FocusCostRow[] {
  const byKey = new Map<string, FocusCostRow>();
  for (const row of rows) {
    const key = costRowKey(row);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...row, Tags: { ...row.Tags } });
      continue;
    }
    if (seen.BillingCurrency !== row.BillingCurrency) {
      throw new MoneyError(
        'currency-mismatch',
        `${row.ServiceName} on ${row.ChargePeriodStart} is billed in both ${seen.BillingCurrency} and ${row.BillingCurrency}.`,
      );
    }
    seen.BilledCost = addAmounts(seen.BilledCost, row.BilledCost, row.BillingCurrency);
    seen.EffectiveCost = addAmounts(seen.EffectiveCost, row.EffectiveCost, row.BillingCurrency);
    seen.estimated = seen.estimated || row.estimated;
  }
  return [...byKey.values()];
}

/**
 * Applies a newer sync over stored rows: same key → the new values replace the old ones
 * (a corrected day), except that a cost type the new sync did not query (null) keeps its
 * stored value. Re-applying the same rows changes nothing.
 */
export function upsertRows(stored: readonly FocusCostRow[], incoming: readonly FocusCostRow[]): FocusCostRow[] {
  const byKey = new Map(stored.map((row) => [costRowKey(row), row] as const));
  for (const row of combineRows(incoming)) {
    const key = costRowKey(row);
    const old = byKey.get(key);
    byKey.set(key, {
      ...row,
      BilledCost: row.BilledCost ?? old?.BilledCost ?? null,
      EffectiveCost: row.EffectiveCost ?? old?.EffectiveCost ?? null,
    });
  }
  return [...byKey.values()];
}

/** Exact total of one metric over rows in `currency`; rows missing that metric count as zero. */
export function totalCost(rows: readonly FocusCostRow[], metric: CostMetric, currency: string): Money {
  const code = normalizeCurrency(currency);
  let minor = 0n;
  for (const row of rows) {
    if (row.BillingCurrency !== code) throw new MoneyError('currency-mismatch', `Cannot add ${row.BillingCurrency} and ${code} costs.`);
    const amount = row[metric];
    if (amount !== null) minor += parseAmount(amount, code, { allowNegative: true });
  }
  return { amount: formatAmount(minor, code), currency: code };
}
