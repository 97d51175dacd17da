import { describe, expect, it } from 'vitest';
import { dailySpend, divideRounded, forecastPeriod } from '../../../src/domain/spend/forecast.js';
import type { FocusCostRow } from '../../../src/domain/spend/focus.js';
import { addDays, firstIncompleteDay, periodContaining } from '../../../src/domain/spend/periods.js';

const november = periodContaining('month', '2026-11-01');

/** Spend per day in cents, from day 1 of the period. */
function series(start: string, cents: number[]): Map<string, bigint> {
  return new Map(cents.map((c, i) => [addDays(start, i), BigInt(c)] as const));
}

describe('divideRounded', () => {
  it('rounds half away from zero', () => {
    expect(divideRounded(5n, 2n)).toBe(3n);
    expect(divideRounded(4n, 3n)).toBe(1n);
    expect(divideRounded(5n, 3n)).toBe(2n);
    expect(divideRounded(-5n, 2n)).toBe(-3n);
    expect(divideRounded(7n, -2n)).toBe(-4n);
    expect(() => divideRounded(1n, 0n)).toThrow(RangeError);
  });
});

describe('forecastPeriod', () => {
  it('projects mean of complete days over the whole period', () => {
    // 10 complete days of 10.00 in a 30-day month → 300.00.
    const result = forecastPeriod(november, series('2026-11-01', Array(10).fill(1000)), 'USD', '2026-11-11');
    expect(result).toMatchObject({
      actual: { amount: '100.00', currency: 'USD' },
      completeSpend: { amount: '100.00' },
      completeDays: 10,
      remainingDays: 20,
      dailyRate: { amount: '10.00' },
      forecast: { amount: '300.00' },
    });
  });
  it('ignores the partial day for the rate but counts it in actual', () => {
    // Day 11 is today, partial, with a big early figure: it must not set the rate.
    const daily = series('2026-11-01', [...Array(10).fill(1000), 50_000]);
    const result = forecastPeriod(november, daily, 'USD', firstIncompleteDay(new Date('2026-11-11T09:00:00Z')));
    expect(result.actual.amount).toBe('600.00');
    expect(result.completeSpend.amount).toBe('100.00');
    expect(result.dailyRate?.amount).toBe('10.00');
    // 100 + 10 × 20: the partial day's 500 does not move the forecast.
    expect(result.forecast?.amount).toBe('300.00');
  });
  it('does not use AWS estimated days for the rate', () => {
    const daily = series('2026-11-01', [1000, 1000, 1000, 9000]);
    const result = forecastPeriod(november, daily, 'USD', firstIncompleteDay(new Date('2026-11-05T01:00:00Z'), ['2026-11-04']));
    expect(result.completeDays).toBe(3);
    expect(result.forecast?.amount).toBe('300.00');
  });
  it('has no forecast before the first complete day', () => {
    const result = forecastPeriod(november, series('2026-11-01', [5000]), 'USD', '2026-11-01');
    expect(result.forecast).toBeNull();
    expect(result.dailyRate).toBeNull();
    expect(result.actual.amount).toBe('50.00');
    expect(result.remainingDays).toBe(30);
  });
  it('equals actual once the period is over', () => {
    const daily = series('2026-11-01', Array(30).fill(333));
    const result = forecastPeriod(november, daily, 'USD', '2026-12-05');
    expect(result).toMatchObject({ completeDays: 30, remainingDays: 0, forecast: { amount: '99.90' }, actual: { amount: '99.90' } });
  });
  it('counts days without rows as zero spend', () => {
    // Spend only on day 1 of 4 complete days: rate is a quarter of it.
    const result = forecastPeriod(november, series('2026-11-01', [4000]), 'USD', '2026-11-05');
    expect(result.dailyRate?.amount).toBe('10.00');
    expect(result.forecast?.amount).toBe('300.00');
  });
  it('rounds the projection exactly, once', () => {
    // 3 complete days totalling 0.10 in a 30-day month: 0.10 × 30 / 3 = 1.00 exactly (floats give 0.9999…).
    expect(forecastPeriod(november, series('2026-11-01', [3, 3, 4]), 'USD', '2026-11-04').forecast?.amount).toBe('1.00');
    // 0.01 over 3 days × 30 = 0.10; over 7 days × 30 = 0.0428… → 0.04.
    expect(forecastPeriod(november, series('2026-11-01', [1, 0, 0, 0, 0, 0, 0]), 'USD', '2026-11-08').forecast?.amount).toBe('0.04');
  });
  it('uses 29 days for a leap February and ignores days outside the period', () => {
    const february = periodContaining('month', '2028-02-10');
    const daily = new Map([
      ...series('2028-01-25', Array(7).fill(99_999)),
      ...series('2028-02-01', Array(7).fill(1000)),
      ['2028-03-01', 99_999n] as const,
    ]);
    const result = forecastPeriod(february, daily, 'USD', '2028-02-08');
    expect(result.actual.amount).toBe('70.00');
    expect(result.forecast?.amount).toBe('290.00');
  });
  it('clamps complete days to the period for quarters and years', () => {
    const q4 = periodContaining('quarter', '2026-11-22');
    const daily = series('2026-10-01', Array(52).fill(100));
    const result = forecastPeriod(q4, daily, 'EUR', '2026-11-22');
    expect(result.completeDays).toBe(52);
    expect(result.forecast?.amount).toBe('92.00'); // 1.00 × 92 days
    expect(forecastPeriod(q4, daily, 'EUR', '2026-09-01').completeDays).toBe(0);
  });
  it('works in zero-decimal currencies', () => {
    expect(forecastPeriod(november, series('2026-11-01', [1001, 1000]), 'JPY', '2026-11-03').forecast?.amount).toBe('30015');
  });
});

describe('dailySpend', () => {
  const row = (day: string, cost: string | null, extra: Partial<FocusCostRow> = {}): FocusCostRow => ({
    ServiceProviderName: 'AWS',
    HostProviderName: 'AWS',
    BillingAccountId: 'a',
    SubAccountId: 'a',
    ChargePeriodStart: day,
    ChargePeriodEnd: addDays(day, 1),
    BilledCost: cost,
    EffectiveCost: null,
    BillingCurrency: 'USD',
    ServiceName: 'S3',
    Tags: {},
    estimated: false,
    ...extra,
  });
  it('sums one metric per day in minor units', () => {
    const daily = dailySpend(
      [row('2026-11-01', '1.10'), row('2026-11-01', '2.20', { ServiceName: 'EC2' }), row('2026-11-02', '-0.50'), row('2026-11-03', null)],
      'BilledCost',
      'USD',
    );
    expect([...daily]).toEqual([
      ['2026-11-01', 330n],
      ['2026-11-02', -50n],
    ]);
  });
  it('leaves out rows in another currency', () => {
    expect(dailySpend([row('2026-11-01', '1.00', { BillingCurrency: 'EUR' })], 'BilledCost', 'USD').size).toBe(0);
  });
});
