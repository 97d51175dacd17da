import { describe, expect, it } from 'vitest';
import { anomalyAlertKey, anomalyAlertsDue, detectAnomalies } from '../../../src/domain/spend/anomaly.js';
import type { FocusCostRow } from '../../../src/domain/spend/focus.js';
import { addDays } from '../../../src/domain/spend/periods.js';

const DAY = '2026-11-20';

function row(day: string, cost: string, extra: Partial<FocusCostRow> = {}): FocusCostRow {
  return {
    ServiceProviderName: 'Microsoft',
    HostProviderName: 'Microsoft',
    BillingAccountId: 'ba',
    SubAccountId: 'sub-1',
    ChargePeriodStart: day,
    ChargePeriodEnd: addDays(day, 1),
    BilledCost: cost,
    EffectiveCost: null,
    BillingCurrency: 'USD',
    ServiceName: 'Virtual Machines',
    Tags: {},
    estimated: false,
    ...extra,
  };
}

/** 14 baseline days of `history` (oldest first) then `today` on DAY. */
function history(values: string[], today: string, extra: Partial<FocusCostRow> = {}): FocusCostRow[] {
  return [...values.map((v, i) => row(addDays(DAY, i - values.length), v, extra)), row(DAY, today, extra)];
}

const flat = (value: string) => Array<string>(14).fill(value);
const input = (rows: FocusCostRow[], overrides: Partial<{ firstIncomplete: string; coveredFrom: string }> = {}) => ({
  rows,
  day: DAY,
  firstIncomplete: '2026-11-21',
  coveredFrom: '2026-08-01',
  ...overrides,
});

describe('detectAnomalies', () => {
  it('alerts when both the percentage and the floor are exceeded, naming what moved', () => {
    const [anomaly, ...rest] = detectAnomalies(input(history(flat('100.00'), '200.00')));
    expect(rest).toEqual([]);
    expect(anomaly).toEqual({
      ProviderName: 'Microsoft',
      BillingAccountId: 'ba',
      SubAccountId: 'sub-1',
      ServiceName: 'Virtual Machines',
      day: DAY,
      amount: { amount: '200.00', currency: 'USD' },
      baseline: { amount: '100.00', currency: 'USD' },
      change: { amount: '100.00', currency: 'USD' },
      changePercent: 100,
      key: anomalyAlertKey({ ProviderName: 'Microsoft', SubAccountId: 'sub-1', ServiceName: 'Virtual Machines', day: DAY }),
    });
  });
  it('stays quiet when only the percentage is exceeded (small amounts)', () => {
    expect(detectAnomalies(input(history(flat('1.00'), '15.00')))).toEqual([]); // +1400 % but +14
  });
  it('stays quiet when only the floor is exceeded (big steady service)', () => {
    expect(detectAnomalies(input(history(flat('1000.00'), '1400.00')))).toEqual([]); // +400 but +40 %
  });
  it('needs both limits strictly exceeded', () => {
    expect(detectAnomalies(input(history(flat('40.00'), '60.00')))).toEqual([]); // +50 % exactly, +20 exactly
    expect(detectAnomalies(input(history(flat('40.00'), '60.01')))).toHaveLength(1); // +20.01 and +50.025 %
    expect(detectAnomalies(input(history(flat('100.00'), '150.00')))).toEqual([]); // +50 % exactly
    expect(detectAnomalies(input(history(flat('100.00'), '150.01')))).toHaveLength(1);
    expect(detectAnomalies(input(history(flat('10.00'), '30.00')))).toEqual([]); // +20 exactly
    expect(detectAnomalies(input(history(flat('10.00'), '30.01')))).toHaveLength(1);
  });
  it('never alerts when spend goes down', () => {
    expect(detectAnomalies(input(history(flat('500.00'), '0.00')))).toEqual([]);
    expect(detectAnomalies(input(history(flat('500.00'), '-100.00')))).toEqual([]);
  });
  it('uses the median, so one earlier spike does not hide today', () => {
    const values = [...flat('100.00').slice(0, 13), '5000.00'];
    const [anomaly] = detectAnomalies(input(history(values, '300.00')));
    expect(anomaly?.baseline.amount).toBe('100.00'); // a mean would be 453.57
  });
  it('takes the midpoint of the two middle days, to the half cent exactly', () => {
    // Seven days at 10.00 and seven at 10.01: median 10.005, shown as 10.01.
    const values = [...Array<string>(7).fill('10.00'), ...Array<string>(7).fill('10.01')];
    const [anomaly] = detectAnomalies(input(history(values, '40.00')));
    expect(anomaly?.baseline.amount).toBe('10.01');
    expect(anomaly?.change.amount).toBe('30.00'); // 29.995 rounded half away from zero
  });
  it('counts missing days inside covered history as zero', () => {
    // Only 6 of 14 days had spend: the median is 0, so any spend over the floor is new.
    const rows = [...Array.from({ length: 6 }, (_, i) => row(addDays(DAY, -1 - i), '100.00')), row(DAY, '100.00')];
    const [anomaly] = detectAnomalies(input(rows));
    expect(anomaly).toMatchObject({ baseline: { amount: '0.00' }, changePercent: null });
  });
  it('judges only the 14 days right before the day', () => {
    const old = row(addDays(DAY, -15), '1000000.00');
    expect(detectAnomalies(input([old, ...history(flat('100.00'), '200.00')]))[0]?.baseline.amount).toBe('100.00');
  });
  it('does not judge a day that is not complete (partial or AWS estimated)', () => {
    const rows = history(flat('100.00'), '500.00');
    expect(detectAnomalies(input(rows, { firstIncomplete: DAY }))).toEqual([]);
    expect(detectAnomalies(input(rows, { firstIncomplete: '2026-11-10' }))).toEqual([]);
  });
  it('does not alert without 14 days of history', () => {
    const rows = history(flat('100.00'), '500.00');
    expect(detectAnomalies(input(rows, { coveredFrom: addDays(DAY, -13) }))).toEqual([]);
    expect(detectAnomalies(input(rows, { coveredFrom: addDays(DAY, -14) }))).toHaveLength(1);
  });
  it('keeps accounts and services apart and sums tags of one service', () => {
    const rows = [
      ...history(flat('100.00'), '200.00'),
      ...history(flat('100.00'), '100.00', { SubAccountId: 'sub-2' }),
      ...history(flat('50.00'), '50.00', { ServiceName: 'Storage' }),
      row(DAY, '100.00', { ServiceName: 'Storage', Tags: { env: 'prod' } }),
    ];
    const anomalies = detectAnomalies(input(rows));
    expect(anomalies.map((a) => [a.SubAccountId, a.ServiceName, a.amount.amount, a.changePercent])).toEqual([
      ['sub-1', 'Storage', '150.00', 200],
      ['sub-1', 'Virtual Machines', '200.00', 100],
    ]);
  });
  it('honours custom limits and metric', () => {
    const rows = history(flat('10.00'), '13.00').map((r) => ({ ...r, EffectiveCost: r.BilledCost, BilledCost: null }));
    expect(detectAnomalies(input(rows), { percent: 25, floor: '2', metric: 'EffectiveCost' })).toHaveLength(1);
    expect(detectAnomalies(input(rows), { percent: 25, floor: '2' })).toEqual([]); // BilledCost is null
    expect(detectAnomalies(input(history(flat('100.00'), '112.51')), { percent: 12.5, floor: '0' })).toHaveLength(1);
    expect(detectAnomalies(input(history(flat('100.00'), '112.50')), { percent: 12.5, floor: '0' })).toEqual([]);
  });
  it('rejects nonsense limits', () => {
    expect(() => detectAnomalies(input([]), { percent: -1 })).toThrow(RangeError);
    expect(() => detectAnomalies(input([]), { baselineDays: 0 })).toThrow(RangeError);
    expect(() => detectAnomalies(input(history(flat('1.00'), '2.00')), { floor: '-5' })).toThrow();
  });
  it('handles a day across a month end and a leap day', () => {
    const day = '2028-03-01';
    const rows = [...Array.from({ length: 14 }, (_, i) => row(addDays(day, -1 - i), '10.00')), row(day, '100.00')];
    const [anomaly] = detectAnomalies({ rows, day, firstIncomplete: '2028-03-02', coveredFrom: '2028-02-16' });
    expect(anomaly?.baseline.amount).toBe('10.00');
    expect(anomaly?.key).toContain('2028-03-01');
  });
});

describe('anomalyAlertKey', () => {
  it('is one per account, service and day', () => {
    const base = { ProviderName: 'AWS' as const, SubAccountId: '1', ServiceName: 'S3', day: DAY };
    const keys = [
      base,
      { ...base, SubAccountId: '2' },
      { ...base, ServiceName: 'EC2' },
      { ...base, day: '2026-11-21' },
      { ...base, ProviderName: 'Microsoft' as const },
    ].map(anomalyAlertKey);
    expect(new Set(keys).size).toBe(5);
    expect(anomalyAlertKey(base)).toBe(anomalyAlertKey({ ...base }));
  });
});

describe('anomalyAlertsDue', () => {
  it('announces an anomaly once, even when the day is judged again after a re-sync', () => {
    const rows = history(flat('100.00'), '200.00');
    const first = anomalyAlertsDue(detectAnomalies(input(rows)), new Set());
    expect(first).toHaveLength(1);
    const ledger = new Set(first.map((a) => a.key));
    // The day is corrected upward by a later sync: same account, service and day, no second alert.
    const corrected = [...rows.slice(0, -1), row(DAY, '260.00')];
    expect(detectAnomalies(input(corrected))).toHaveLength(1);
    expect(anomalyAlertsDue(detectAnomalies(input(corrected)), ledger)).toEqual([]);
  });
});
