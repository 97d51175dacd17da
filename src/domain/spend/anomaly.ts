// Anomaly rule per (account, service): one complete day against the median of the 14
// complete days before it. Alert only when BOTH the increase in percent and the increase in
// money pass their limits: a percentage alone fires on 0.10 → 0.30, a floor alone on a
// service that always costs thousands. Decreases never alert.

import { formatAmount, normalizeCurrency, parseAmount, type Money } from '../money.js';
import { divideRounded } from './forecast.js';
import type { CostMetric, FocusCostRow, ProviderName } from './focus.js';
import { addDays, type Day } from './periods.js';

export interface AnomalyOptions {
  /** Minimum increase over the baseline, in percent (default 50). */
  percent: number;
  /** Minimum increase in the billing currency, a decimal string (default "20"). */
  floor: string;
  /** Trailing days whose median is the baseline (default 14). */
  baselineDays: number;
  metric: CostMetric;
}

export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = { percent: 50, floor: '20', baselineDays: 14, metric: 'BilledCost' };

export interface Anomaly {
  ProviderName: ProviderName;
  BillingAccountId: string;
  SubAccountId: string;
  ServiceName: string;
  day: Day;
  amount: Money;
  /** Median of the trailing days (rounded to the minor unit for display). */
  baseline: Money;
  /** amount − baseline. */
  change: Money;
  /** Increase in percent, one decimal; null when the baseline is zero (new spend). */
  changePercent: number | null;
  /** Ledger dedupe key: one alert per account, service and day, ever. */
  key: string;
}

export interface AnomalyInput {
  rows: readonly FocusCostRow[];
  /** The day to judge. */
  day: Day;
  /** See `firstIncompleteDay`: the judged day and its baseline must be before it. */
  firstIncomplete: Day;
  /** First day the stored data covers; missing rows after it mean zero spend, before it mean unknown. */
  coveredFrom: Day;
}

/** Ledger key for an anomaly alert: anomaly + account + service + day. */
export function anomalyAlertKey(a: Pick<Anomaly, 'ProviderName' | 'SubAccountId' | 'ServiceName' | 'day'>): string {
  return ['anomaly', a.ProviderName, a.SubAccountId, a.ServiceName, a.day].map(encodeURIComponent).join('|');
}

/** Twice the median, so an even count's half-cent midpoint stays an exact integer. */
function twiceMedian(values: bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0n;
  return sorted.length % 2 === 1 ? upper * 2n : (sorted[middle - 1] ?? 0n) + upper;
}

function validate(options: AnomalyOptions): void {
  if (!Number.isFinite(options.percent) || options.percent < 0) throw new RangeError('The anomaly percentage must be 0 or more.');
  if (!Number.isInteger(options.baselineDays) || options.baselineDays < 1)
    throw new RangeError('The anomaly baseline must be at least one day.');
}

/** Anomalies on `input.day`, one per (account, service, currency) series that moved up enough. */
export function detectAnomalies(input: AnomalyInput, overrides: Partial<AnomalyOptions> = {}): Anomaly[] {
  const options = { ...DEFAULT_ANOMALY_OPTIONS, ...overrides };
  validate(options);
  const baselineStart = addDays(input.day, -options.baselineDays);
  // Not complete, or not enough history: silence is right, a false alarm is not.
  if (input.day >= input.firstIncomplete || baselineStart < input.coveredFrom) return [];

  // Series per account and service (summed over tags), spend per day in minor units.
  const series = new Map<string, { sample: FocusCostRow; byDay: Map<Day, bigint> }>();
  for (const row of input.rows) {
    const amount = row[options.metric];
    if (amount === null || row.ChargePeriodStart < baselineStart || row.ChargePeriodStart > input.day) continue;
    const id = [row.ServiceProviderName, row.BillingAccountId, row.SubAccountId, row.ServiceName, row.BillingCurrency]
      .map(encodeURIComponent)
      .join('|');
    const entry = series.get(id) ?? { sample: row, byDay: new Map<Day, bigint>() };
    series.set(id, entry);
    const minor = parseAmount(amount, row.BillingCurrency, { allowNegative: true });
    entry.byDay.set(row.ChargePeriodStart, (entry.byDay.get(row.ChargePeriodStart) ?? 0n) + minor);
  }

  const anomalies: Anomaly[] = [];
  for (const { sample, byDay } of series.values()) {
    const currency = normalizeCurrency(sample.BillingCurrency);
    const amount = byDay.get(input.day) ?? 0n;
    const history: bigint[] = [];
    for (let day = baselineStart; day < input.day; day = addDays(day, 1)) history.push(byDay.get(day) ?? 0n);
    const baseline2 = twiceMedian(history);
    const change2 = amount * 2n - baseline2; // twice the change, exact
    const floor2 = parseAmount(options.floor, currency) * 2n;
    if (change2 <= 0n || change2 <= floor2) continue;
    // change / baseline > percent / 100, in integers; percent to basis points keeps 12.5 % exact.
    const basisPoints = BigInt(Math.round(options.percent * 100));
    if (baseline2 > 0n && change2 * 10_000n <= baseline2 * basisPoints) continue;
    const money = (minor: bigint): Money => ({ amount: formatAmount(minor, currency), currency });
    const anomaly = {
      ProviderName: sample.ServiceProviderName,
      BillingAccountId: sample.BillingAccountId,
      SubAccountId: sample.SubAccountId,
      ServiceName: sample.ServiceName,
      day: input.day,
      amount: money(amount),
      baseline: money(divideRounded(baseline2, 2n)),
      change: money(divideRounded(change2, 2n)),
      changePercent: baseline2 > 0n ? Number(divideRounded(change2 * 1000n, baseline2)) / 10 : null,
    };
    anomalies.push({ ...anomaly, key: anomalyAlertKey(anomaly) });
  }
  return anomalies.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Anomalies not yet in the alert ledger: each (account, service, day) is announced once, ever. */
export function anomalyAlertsDue(anomalies: readonly Anomaly[], ledger: ReadonlySet<string>): Anomaly[] {
  return anomalies.filter((anomaly) => !ledger.has(anomaly.key));
}
