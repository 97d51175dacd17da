// Forecast for an open period from the run-rate of COMPLETE days only.
//
//   rate     = (spend of complete days in the period) / (number of complete days)
//   forecast = spend of complete days + rate × (days in the period that are not complete)
//            = completeSpend × daysInPeriod / completeDays   (one exact division, rounded half away from zero)
//
// Partial (today) and estimated days never enter the forecast: their spend counts in
// `actual` but is replaced by the rate, so a half-day spike cannot fire a forecast alert.
// Displays that want "never below what is spent" floor it themselves (see budgets.ts).
// With no complete day yet there is no forecast (null), rather than a guess from a few
// hours of data.

import { formatAmount, normalizeCurrency, parseAmount, type Money } from '../money.js';
import type { CostMetric, FocusCostRow } from './focus.js';
import { daysBetween, daysInPeriod, periodIncludes, type Day, type Period } from './periods.js';

export interface PeriodForecast {
  period: Period;
  /** Everything spent in the period so far, partial and estimated days included. */
  actual: Money;
  /** Spend of the complete days only. */
  completeSpend: Money;
  completeDays: number;
  /** Days of the period not complete yet (partial, estimated and future). */
  remainingDays: number;
  /** Mean spend per complete day; null when there is none. */
  dailyRate: Money | null;
  /** Projected spend for the whole period; null when there is no complete day. */
  forecast: Money | null;
}

/** Spend per day of one metric (rows already filtered to a scope), in minor units. */
export function dailySpend(rows: readonly FocusCostRow[], metric: CostMetric, currency: string): Map<Day, bigint> {
  const code = normalizeCurrency(currency);
  const byDay = new Map<Day, bigint>();
  for (const row of rows) {
    const amount = row[metric];
    if (amount === null || row.BillingCurrency !== code) continue;
    byDay.set(row.ChargePeriodStart, (byDay.get(row.ChargePeriodStart) ?? 0n) + parseAmount(amount, code, { allowNegative: true }));
  }
  return byDay;
}

/** numerator / denominator rounded half away from zero (bigint division truncates). */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('Division by zero.');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}

/**
 * @param daily spend per day in minor units of `currency` (days outside the period are ignored)
 * @param firstIncomplete see `firstIncompleteDay`: days before it are complete
 */
export function forecastPeriod(period: Period, daily: ReadonlyMap<Day, bigint>, currency: string, firstIncomplete: Day): PeriodForecast {
  const code = normalizeCurrency(currency);
  const total = daysInPeriod(period);
  // Complete days of THIS period: from its start up to the first incomplete day, clamped.
  const completeDays = Math.max(0, Math.min(total, daysBetween(period.start, firstIncomplete)));
  let actual = 0n;
  let complete = 0n;
  for (const [day, amount] of daily) {
    if (!periodIncludes(period, day)) continue;
    actual += amount;
    if (day < firstIncomplete) complete += amount;
  }
  const money = (minor: bigint): Money => ({ amount: formatAmount(minor, code), currency: code });
  let forecast: bigint | null = null;
  let rate: bigint | null = null;
  if (completeDays > 0) {
    rate = divideRounded(complete, BigInt(completeDays));
    forecast = completeDays === total ? complete : divideRounded(complete * BigInt(total), BigInt(completeDays));
  }
  return {
    period,
    actual: money(actual),
    completeSpend: money(complete),
    completeDays,
    remainingDays: total - completeDays,
    dailyRate: rate === null ? null : money(rate),
    forecast: forecast === null ? null : money(forecast),
  };
}
