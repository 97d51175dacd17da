// Cost rows normalised to a FOCUS-named subset (FinOps Open Cost and Usage Specification),
// so budgets and alerts never care which cloud a row came from. Pure: the connectors hand
// in what the SDKs returned (as plain data) and get rows back.
//
// Amounts: providers send floats (Azure) or long decimal strings (AWS). Each row is rounded
// ONCE, here, to the currency's minor units (half away from zero) and kept as a decimal
// string; every total afterwards is exact bigint arithmetic over stored rows, so a total
// always equals the sum of the rows shown, to the cent.

import { add, formatAmount, MoneyError, normalizeCurrency, parseAmount, roundMoney, type Money } from '../money.js';
import { addDays, isDay, type Day } from './periods.js';

export type ProviderName = 'Microsoft' | 'AWS';
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
  /** Azure: billing account or the scope queried; AWS: the payer account. */
  BillingAccountId: string;
  /** Azure subscription / AWS linked account. */
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

/** Azure UsageDate arrives as 20261101, "20261101" or "2026-11-01T00:00:00" depending on API version. */
export function parseAzureUsageDate(value: unknown): Day {
  let day: string | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) day = compactToDay(String(value));
  else if (typeof value === 'string' && /^\d{8}$/.test(value.trim())) day = compactToDay(value.trim());
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T00:00:00(\.0+)?(Z|[+-]00:?00)?)?$/.test(value.trim()))
    day = value.trim().slice(0, 10);
  if (day === undefined || !isDay(day)) throw new CostDataError(`"${String(value).slice(0, 30)}" is not a usage date.`);
  return day;
}

function compactToDay(text: string): string {
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

// ---- Azure Cost Management query -------------------------------------------------------

/** The parts of the SDK's QueryResult we read (`properties` already flattened). */
export interface AzureQueryResult {
  columns?: { name?: string; type?: string }[];
  rows?: unknown[][];
  nextLink?: string | null;
}

export interface AzureQueryContext {
  billingAccountId: string;
  subAccountId: string;
  /** ActualCost fills BilledCost, AmortizedCost fills EffectiveCost (FOCUS mapping). */
  costType: 'ActualCost' | 'AmortizedCost';
  /** The tag key grouped by, when the sync groups by a tag. */
  tagKey?: string;
}

// Column names vary by API version and cost type; the first present wins.
const AZURE_COST_COLUMNS = ['Cost', 'PreTaxCost', 'CostUSD', 'PreTaxCostUSD'];
const AZURE_DATE_COLUMNS = ['UsageDate'];
const AZURE_SERVICE_COLUMNS = ['ServiceName'];
const AZURE_CURRENCY_COLUMNS = ['Currency', 'BillingCurrency', 'BillingCurrencyCode'];

function columnIndex(columns: { name?: string }[], names: string[], required: boolean): number {
  const lower = columns.map((column) => (column.name ?? '').toLowerCase());
  for (const name of names) {
    const index = lower.indexOf(name.toLowerCase());
    if (index >= 0) return index;
  }
  if (required) throw new CostDataError(`The Cost Management result has no ${names[0]} column (columns: ${lower.join(', ') || 'none'}).`);
  return -1;
}

/**
 * One page of a Daily query grouped by ServiceName (and optionally a TagKey) → rows.
 * Columns are found by name, never by position: Azure orders them as it likes.
 */
export function normalizeAzureQuery(result: AzureQueryResult, context: AzureQueryContext): FocusCostRow[] {
  const columns = result.columns ?? [];
  const cost = columnIndex(columns, AZURE_COST_COLUMNS, true);
  const date = columnIndex(columns, AZURE_DATE_COLUMNS, true);
  const service = columnIndex(columns, AZURE_SERVICE_COLUMNS, true);
  const currency = columnIndex(columns, AZURE_CURRENCY_COLUMNS, true);
  // Grouping by a tag adds TagKey and TagValue columns.
  const tagValue = context.tagKey ? columnIndex(columns, ['TagValue'], true) : -1;
  const costField: CostMetric = context.costType === 'ActualCost' ? 'BilledCost' : 'EffectiveCost';

  return (result.rows ?? []).map((row) => {
    const day = parseAzureUsageDate(row[date]);
    const rowCurrency = normalizeCurrency(row[currency]);
    const tag = tagValue >= 0 ? String(row[tagValue] ?? '') : '';
    return {
      ServiceProviderName: 'Microsoft',
      HostProviderName: 'Microsoft',
      BillingAccountId: context.billingAccountId,
      SubAccountId: context.subAccountId,
      ChargePeriodStart: day,
      ChargePeriodEnd: addDays(day, 1),
      BilledCost: null,
      EffectiveCost: null,
      [costField]: costAmount(row[cost], rowCurrency),
      BillingCurrency: rowCurrency,
      ServiceName: String(row[service] ?? '').trim() || 'Unassigned',
      Tags: context.tagKey && tag ? { [context.tagKey]: tag } : {},
      estimated: false,
    };
  });
}

// ---- AWS Cost Explorer GetCostAndUsage --------------------------------------------------

interface AwsMetric {
  Amount?: string;
  Unit?: string;
}

/** The parts of GetCostAndUsageResponse we read. */
export interface AwsCostPage {
  ResultsByTime?: {
    TimePeriod?: { Start?: string; End?: string };
    Groups?: { Keys?: string[]; Metrics?: Record<string, AwsMetric> }[];
    Estimated?: boolean;
  }[];
  NextPageToken?: string;
}

export interface AwsCostContext {
  billingAccountId: string;
  subAccountId: string;
  /** When GroupBy has a second TAG entry; AWS returns its key as "tagKey$value". */
  tagKey?: string;
}

/** What a page says about each day, even a day with no spend (no Groups). */
export interface AwsDayStatus {
  day: Day;
  estimated: boolean;
}

export interface AwsNormalized {
  rows: FocusCostRow[];
  days: AwsDayStatus[];
}

// FOCUS mapping: net (after discounts) when present, else unblended / amortized.
const AWS_BILLED = ['NetUnblendedCost', 'UnblendedCost'];
const AWS_EFFECTIVE = ['NetAmortizedCost', 'AmortizedCost'];

function pickMetric(metrics: Record<string, AwsMetric>, names: string[]): AwsMetric | undefined {
  for (const name of names) if (metrics[name]?.Amount !== undefined) return metrics[name];
  return undefined;
}

/**
 * One GetCostAndUsage page (DAILY, GroupBy SERVICE [, TAG]) → rows. A day is keyed by its
 * Start: End is exclusive, and keying by End shifts every cost one day late.
 */
export function normalizeAwsPage(page: AwsCostPage, context: AwsCostContext): AwsNormalized {
  const rows: FocusCostRow[] = [];
  const days: AwsDayStatus[] = [];
  for (const result of page.ResultsByTime ?? []) {
    const start = result.TimePeriod?.Start;
    const end = result.TimePeriod?.End;
    if (!isDay(start) || !isDay(end))
      throw new CostDataError(`AWS returned a time period that is not a day: ${String(start)} – ${String(end)}.`);
    if (end !== addDays(start, 1))
      throw new CostDataError(`AWS returned ${start} – ${end}; expected DAILY granularity (End is the next day, exclusive).`);
    const estimated = result.Estimated === true;
    days.push({ day: start, estimated });
    for (const group of result.Groups ?? []) {
      const metrics = group.Metrics ?? {};
      const billed = pickMetric(metrics, AWS_BILLED);
      const effective = pickMetric(metrics, AWS_EFFECTIVE);
      const unit = billed?.Unit ?? effective?.Unit;
      if (!billed && !effective) continue;
      const currency = normalizeCurrency(unit);
      const [service = '', tagKeyValue] = group.Keys ?? [];
      rows.push({
        ServiceProviderName: 'AWS',
        HostProviderName: 'AWS',
        BillingAccountId: context.billingAccountId,
        SubAccountId: context.subAccountId,
        ChargePeriodStart: start,
        ChargePeriodEnd: end,
        BilledCost: billed ? costAmount(billed.Amount, currency) : null,
        EffectiveCost: effective ? costAmount(effective.Amount, currency) : null,
        BillingCurrency: currency,
        ServiceName: service.trim() || 'Unassigned',
        Tags: awsTag(context.tagKey, tagKeyValue),
        estimated,
      });
    }
  }
  return { rows, days };
}

// "env$prod" → { env: "prod" }; "env$" means untagged.
function awsTag(tagKey: string | undefined, keyValue: string | undefined): Record<string, string> {
  if (!tagKey || keyValue === undefined) return {};
  const separator = keyValue.indexOf('$');
  const value = separator >= 0 ? keyValue.slice(separator + 1) : keyValue;
  return value ? { [tagKey]: value } : {};
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
