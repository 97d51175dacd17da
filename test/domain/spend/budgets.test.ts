import { describe, expect, it } from 'vitest';
import {
  budgetAlertKey,
  budgetAlertsDue,
  budgetStatus,
  DEFAULT_THRESHOLDS,
  evaluateBudget,
  rowInScope,
  validateBudget,
  withProviderForecast,
  type Budget,
  type BudgetInput,
} from '../../../src/domain/spend/budgets.js';
import { forecastPeriod, type PeriodForecast } from '../../../src/domain/spend/forecast.js';
import type { FocusCostRow } from '../../../src/domain/spend/focus.js';
import { addDays, periodContaining } from '../../../src/domain/spend/periods.js';

const november = periodContaining('month', '2026-11-01');
const validInput: BudgetInput = { id: 'b1', name: 'Azure prod', amount: '1000', currency: 'usd', period: 'month' };

function errorsOf(input: Partial<BudgetInput>): string[] {
  const result = validateBudget({ ...validInput, ...input });
  return result.ok ? [] : result.errors;
}

function budget(overrides: Partial<Budget> = {}): Budget {
  const result = validateBudget(validInput);
  if (!result.ok) throw new Error(result.errors.join());
  return { ...result.budget, ...overrides };
}

/** A forecast with given actual (complete days) and projected spend, in USD. */
function figures(actual: string, forecast: string | null, partial = '0.00'): PeriodForecast {
  const total = (Number(actual) + Number(partial)).toFixed(2);
  return {
    period: november,
    actual: { amount: total, currency: 'USD' },
    completeSpend: { amount: actual, currency: 'USD' },
    completeDays: 10,
    remainingDays: 20,
    dailyRate: null,
    forecast: forecast === null ? null : { amount: forecast, currency: 'USD' },
  };
}

describe('validateBudget', () => {
  it('accepts a budget and fills the default thresholds', () => {
    const result = validateBudget(validInput);
    expect(result).toEqual({
      ok: true,
      budget: {
        id: 'b1',
        name: 'Azure prod',
        scope: {},
        amount: { amount: '1000.00', currency: 'USD' },
        period: 'month',
        thresholds: DEFAULT_THRESHOLDS,
      },
    });
  });
  it('says clearly what is wrong with the amount', () => {
    expect(errorsOf({ amount: '-5' })).toEqual(['The budget amount cannot be negative (got -5.00).']);
    expect(errorsOf({ amount: '0' })).toEqual(['The budget amount must be more than zero.']);
    expect(errorsOf({ amount: '0.00' })).toEqual(['The budget amount must be more than zero.']);
    expect(errorsOf({ amount: '5000000000000' })[0]).toMatch(/absurdly large/);
    expect(errorsOf({ amount: '99999999999999999999' })[0]).toMatch(/absurdly large/);
    expect(errorsOf({ amount: '12.345' })[0]).toMatch(/at most 2 decimals/);
    expect(errorsOf({ amount: 'lots' })[0]).toMatch(/not an amount/);
    expect(errorsOf({ amount: '1e6' })[0]).toMatch(/not an amount/);
    expect(errorsOf({ amount: '' })[0]).toMatch(/not an amount/);
    expect(errorsOf({ amount: 1500 })).toEqual([]);
    expect(errorsOf({ amount: '1000000000000' })).toEqual([]); // the ceiling itself is allowed
  });
  it('rejects unknown currency codes, not only malformed ones', () => {
    expect(errorsOf({ currency: 'XYZ' })[0]).toMatch(/not a currency code we know/);
    expect(errorsOf({ currency: 'dollars' })[0]).toMatch(/not a currency code/);
    expect(errorsOf({ currency: undefined })[0]).toMatch(/not a currency code/);
    expect(errorsOf({ currency: 'eur' })).toEqual([]);
    expect(validateBudget({ ...validInput, currency: 'JPY', amount: '100000' })).toMatchObject({
      ok: true,
      budget: { amount: { amount: '100000', currency: 'JPY' } },
    });
    expect(errorsOf({ currency: 'JPY', amount: '1.5' })[0]).toMatch(/at most 0 decimals/);
  });
  it('checks name and period', () => {
    expect(errorsOf({ name: '  ' })).toEqual(['Give the budget a name.']);
    expect(errorsOf({ name: 'x'.repeat(101) })[0]).toMatch(/too long/);
    expect(errorsOf({ period: 'week' })).toEqual(['The period must be month, quarter or year.']);
    expect(errorsOf({ period: 'quarter' })).toEqual([]);
  });
  it('rejects empty, duplicate and out-of-range thresholds', () => {
    expect(errorsOf({ thresholds: [] })[0]).toMatch(/at least one threshold/);
    expect(errorsOf({ thresholds: 'none' })[0]).toMatch(/at least one threshold/);
    expect(
      errorsOf({
        thresholds: [
          { percent: 80, kind: 'actual' },
          { percent: 80, kind: 'actual' },
        ],
      }),
    ).toEqual(['The threshold 80 % of actual spend is listed twice.']);
    expect(
      errorsOf({
        thresholds: [
          { percent: 80, kind: 'actual' },
          { percent: 80, kind: 'forecast' },
        ],
      }),
    ).toEqual([]);
    expect(errorsOf({ thresholds: [{ percent: 0, kind: 'actual' }] })[0]).toMatch(/above 0/);
    expect(errorsOf({ thresholds: [{ percent: -10, kind: 'actual' }] })[0]).toMatch(/above 0/);
    expect(errorsOf({ thresholds: [{ percent: 1001, kind: 'actual' }] })[0]).toMatch(/at most 1000/);
    expect(errorsOf({ thresholds: [{ percent: Number.NaN, kind: 'actual' }] })[0]).toMatch(/percentage/);
    expect(errorsOf({ thresholds: [{ percent: 80.125, kind: 'actual' }] })[0]).toMatch(/two decimals/);
    expect(errorsOf({ thresholds: [{ percent: 80, kind: 'spend' }] })[0]).toMatch(/actual or forecast/);
  });
  it('lists every error at once and saves nothing', () => {
    const result = validateBudget({ id: 'b', name: '', amount: '-1', currency: 'usd', period: 'day', thresholds: [] });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toHaveLength(4);
    expect(result).not.toHaveProperty('budget');
  });
  it('sorts thresholds and cleans the scope', () => {
    const result = validateBudget({
      ...validInput,
      thresholds: [
        { percent: 100, kind: 'forecast' },
        { percent: 90, kind: 'actual' },
        { percent: 50, kind: 'actual' },
      ],
      scope: { provider: 'AWS', subAccountId: ' 1234 ', serviceName: '', tag: { key: 'env', value: 'prod' } },
    });
    expect(result).toMatchObject({
      ok: true,
      budget: {
        thresholds: [
          { percent: 50, kind: 'actual' },
          { percent: 90, kind: 'actual' },
          { percent: 100, kind: 'forecast' },
        ],
        scope: { provider: 'AWS', subAccountId: '1234', tag: { key: 'env', value: 'prod' } },
      },
    });
    expect(errorsOf({ scope: { tag: { key: 'env', value: ' ' } } })[0]).toMatch(/tag name and a value/);
    expect(errorsOf({ scope: { provider: 'GCP' as 'AWS' } })[0]).toMatch(/Microsoft \(Azure\) or AWS/);
  });
});

describe('rowInScope', () => {
  const row: FocusCostRow = {
    ServiceProviderName: 'AWS',
    HostProviderName: 'AWS',
    BillingAccountId: 'payer',
    SubAccountId: '1234',
    ChargePeriodStart: '2026-11-01',
    ChargePeriodEnd: '2026-11-02',
    BilledCost: '1.00',
    EffectiveCost: null,
    BillingCurrency: 'USD',
    ServiceName: 'Amazon S3',
    Tags: { env: 'prod' },
    estimated: false,
  };
  it('matches each scope field', () => {
    expect(rowInScope({}, row)).toBe(true);
    expect(rowInScope({ provider: 'AWS', subAccountId: '1234', serviceName: 'amazon s3', tag: { key: 'env', value: 'prod' } }, row)).toBe(
      true,
    );
    expect(rowInScope({ provider: 'Microsoft' }, row)).toBe(false);
    expect(rowInScope({ subAccountId: '9999' }, row)).toBe(false);
    expect(rowInScope({ serviceName: 'Amazon EC2' }, row)).toBe(false);
    expect(rowInScope({ tag: { key: 'env', value: 'dev' } }, row)).toBe(false);
    expect(rowInScope({ tag: { key: 'team', value: 'prod' } }, row)).toBe(false);
  });
});

describe('evaluateBudget', () => {
  it('marks thresholds reached at exactly the percentage', () => {
    const evaluation = evaluateBudget(budget(), figures('800.00', '1000.00'));
    expect(evaluation.thresholds.map((t) => [t.kind, t.percent, t.crossed])).toEqual([
      ['actual', 50, true],
      ['actual', 80, true],
      ['actual', 100, false],
      ['forecast', 100, true],
    ]);
    expect(evaluation).toMatchObject({ actualPercent: 80, forecastPercent: 100 });
  });
  it('is exact one cent below a threshold', () => {
    const evaluation = evaluateBudget(budget(), figures('799.99', '999.99'));
    expect(evaluation.thresholds.map((t) => t.crossed)).toEqual([true, false, false, false]);
    expect(evaluation.actualPercent).toBe(80); // 79.999 shown rounded, but not crossed
  });
  it('judges complete days only unless asked for the latest figure', () => {
    const withPartial = figures('400.00', null, '500.00');
    expect(evaluateBudget(budget(), withPartial).thresholds[1]?.crossed).toBe(false);
    expect(evaluateBudget(budget(), withPartial, { includePartialDays: true }).thresholds[1]?.crossed).toBe(true);
  });
  it('fires no forecast threshold from a partial-day spike', () => {
    const spike = figures('300.00', '900.00', '700.00'); // forecast from complete days: 900
    expect(evaluateBudget(budget(), spike).thresholds.at(-1)?.crossed).toBe(false);
    // Shown with partial days, the forecast is floored at the 1000.00 already visible.
    expect(evaluateBudget(budget(), spike, { includePartialDays: true }).forecast?.amount).toBe('1000.00');
  });
  it('crosses no forecast threshold without a forecast', () => {
    const evaluation = evaluateBudget(budget(), figures('10.00', null));
    expect(evaluation.forecastPercent).toBeNull();
    expect(evaluation.thresholds.at(-1)).toMatchObject({ kind: 'forecast', crossed: false });
  });
  it('refuses spend in another currency', () => {
    expect(() => evaluateBudget(budget({ amount: { amount: '1000.00', currency: 'EUR' } }), figures('1.00', null))).toThrow(/EUR/);
  });
  it('works from real rows through the forecast', () => {
    const daily = new Map(Array.from({ length: 10 }, (_, i) => [addDays('2026-11-01', i), 3000n] as const));
    const evaluation = evaluateBudget(budget(), forecastPeriod(november, daily, 'USD', '2026-11-11'));
    expect(evaluation).toMatchObject({
      actual: { amount: '300.00' },
      forecast: { amount: '900.00' },
      actualPercent: 30,
      forecastPercent: 90,
    });
    expect(evaluation.thresholds.some((t) => t.crossed)).toBe(false);
  });
});

describe('budgetAlertKey', () => {
  it('is per budget, period, threshold and kind', () => {
    const keys = [
      budgetAlertKey('b1', november, { percent: 80, kind: 'actual' }),
      budgetAlertKey('b2', november, { percent: 80, kind: 'actual' }),
      budgetAlertKey('b1', periodContaining('month', '2026-12-01'), { percent: 80, kind: 'actual' }),
      budgetAlertKey('b1', periodContaining('quarter', '2026-11-01'), { percent: 80, kind: 'actual' }),
      budgetAlertKey('b1', november, { percent: 100, kind: 'actual' }),
      budgetAlertKey('b1', november, { percent: 80, kind: 'forecast' }),
    ];
    expect(new Set(keys).size).toBe(6);
  });
});

describe('budgetAlertsDue', () => {
  const b = budget();
  const due = (actual: string, forecast: string | null, ledger: Set<string>, previous?: { actual: string; forecast: string | null }) =>
    budgetAlertsDue(
      evaluateBudget(b, figures(actual, forecast)),
      ledger,
      previous && evaluateBudget(b, figures(previous.actual, previous.forecast)),
    );

  it('sends one alert per crossing and never again for it', () => {
    const ledger = new Set<string>();
    const first = due('500.00', '900.00', ledger);
    expect(first.map((a) => [a.threshold.kind, a.threshold.percent, a.spend.amount])).toEqual([['actual', 50, '500.00']]);
    first.flatMap((a) => a.ledgerKeys).forEach((key) => ledger.add(key));
    expect(due('600.00', '950.00', ledger)).toEqual([]); // still above 50 %, already told
    const second = due('820.00', '1100.00', ledger);
    expect(second.map((a) => [a.threshold.kind, a.threshold.percent])).toEqual([
      ['actual', 80],
      ['forecast', 100],
    ]);
    second.flatMap((a) => a.ledgerKeys).forEach((key) => ledger.add(key));
    expect(due('830.00', '1110.00', ledger)).toEqual([]);
  });
  it('sends only the highest threshold of a jump and records the lower ones', () => {
    const [alert, ...rest] = due('1000.00', '1000.00', new Set()).filter((a) => a.threshold.kind === 'actual');
    expect(rest).toEqual([]);
    expect(alert?.threshold.percent).toBe(100);
    expect(alert?.key).toBe(budgetAlertKey('b1', november, { percent: 100, kind: 'actual' }));
    expect(alert?.ledgerKeys).toEqual([50, 80, 100].map((percent) => budgetAlertKey('b1', november, { percent, kind: 'actual' })));
  });
  it('sends nothing when spend only goes down', () => {
    const ledger = new Set([budgetAlertKey('b1', november, { percent: 100, kind: 'forecast' })]);
    // Forecast falls from 120 % to 105 %: already told, nothing new.
    expect(due('100.00', '1050.00', ledger, { actual: '100.00', forecast: '1200.00' })).toEqual([]);
    // A threshold added while already above it, and the figure is falling: still nothing.
    expect(
      due('900.00', '950.00', new Set(), { actual: '900.00', forecast: '990.00' }).filter((a) => a.threshold.kind === 'forecast'),
    ).toEqual([]);
    expect(due('900.00', null, new Set(), { actual: '950.00', forecast: null })).toEqual([]);
  });
  it('alerts again in the next period', () => {
    const ledger = new Set(due('900.00', null, new Set()).flatMap((a) => a.ledgerKeys));
    const december = periodContaining('month', '2026-12-01');
    const next = evaluateBudget(b, { ...figures('900.00', null), period: december });
    expect(budgetAlertsDue(next, ledger).map((a) => a.key)).toEqual([budgetAlertKey('b1', december, { percent: 80, kind: 'actual' })]);
  });
  it('sends nothing below every threshold', () => {
    expect(due('10.00', '20.00', new Set())).toEqual([]);
  });
});

describe('budgetStatus', () => {
  const row = (day: string, cost: string, extra: Partial<FocusCostRow> = {}): FocusCostRow => ({
    ServiceProviderName: 'AWS',
    HostProviderName: 'AWS',
    BillingAccountId: 'payer',
    SubAccountId: '1234',
    ChargePeriodStart: day,
    ChargePeriodEnd: addDays(day, 1),
    BilledCost: cost,
    EffectiveCost: null,
    BillingCurrency: 'USD',
    ServiceName: 'Amazon S3',
    Tags: {},
    estimated: false,
    ...extra,
  });
  // 1–20 Nov at 40.00 a day; 21 Nov estimated at 500.00; today (22 Nov) partial.
  const rows = [
    ...Array.from({ length: 20 }, (_, i) => row(addDays('2026-11-01', i), '40.00')),
    row('2026-11-21', '500.00', { estimated: true }),
    row('2026-11-22', '300.00'),
    row('2026-10-31', '999.00'), // last month: not in this period
    row('2026-11-05', '999.00', { ServiceProviderName: 'Microsoft', HostProviderName: 'Microsoft' }), // out of scope
  ];
  const awsBudget = budget({ scope: { provider: 'AWS' } });

  it('uses the period of now, the scope, and stops complete days at the first estimated day', () => {
    const status = budgetStatus(awsBudget, rows, new Date('2026-11-22T06:00:00Z'));
    expect(status.period).toEqual(november);
    expect(status.actual.amount).toBe('800.00'); // 20 complete days
    expect(status.forecast?.amount).toBe('1200.00'); // 40 × 30: the estimated and partial days do not count
    expect(status.thresholds.map((t) => t.crossed)).toEqual([true, true, false, true]);
    // The listing shows the latest figure, and a forecast no lower than it.
    const listing = budgetStatus(awsBudget, rows, new Date('2026-11-22T06:00:00Z'), { includePartialDays: true });
    expect([listing.actual.amount, listing.forecast?.amount, listing.actualPercent]).toEqual(['1600.00', '1600.00', 160]);
  });
  it('rolls over to a fresh period at midnight UTC', () => {
    const status = budgetStatus(awsBudget, rows, new Date('2026-12-01T00:00:00Z'));
    expect(status.period.start).toBe('2026-12-01');
    expect(status.actual.amount).toBe('0.00');
    expect(status.forecast).toBeNull();
  });
});

describe('the provider’s own forecast (AWS GetCostForecast)', () => {
  const month = { kind: 'month' as const, start: '2026-03-01', end: '2026-04-01' };
  const base = {
    period: month,
    actual: { amount: '300.00', currency: 'USD' },
    completeSpend: { amount: '200.00', currency: 'USD' },
    completeDays: 2,
    remainingDays: 29,
    dailyRate: { amount: '100.00', currency: 'USD' },
    forecast: { amount: '3100.00', currency: 'USD' },
  };
  const daily = new Map([
    ['2026-03-01', 10000n],
    ['2026-03-02', 10000n],
    ['2026-03-03', 10000n],
  ]);

  it('replaces the run-rate from its first day to the end of the period', () => {
    const result = withProviderForecast(base as any, daily, { from: '2026-03-03', to: '2026-04-01', amount: '1234.5678', currency: 'usd' });
    expect(result.forecast).toEqual({ amount: '1434.57', currency: 'USD' });
    expect(result.actual).toEqual(base.actual);
  });

  it('is ignored when it does not reach the end of the period, or is in another currency', () => {
    expect(
      withProviderForecast(base as any, daily, { from: '2026-03-03', to: '2026-03-20', amount: '10', currency: 'USD' }).forecast,
    ).toEqual(base.forecast);
    expect(
      withProviderForecast(base as any, daily, { from: '2026-03-03', to: '2026-04-01', amount: '10', currency: 'EUR' }).forecast,
    ).toEqual(base.forecast);
    expect(withProviderForecast(base as any, daily, undefined).forecast).toEqual(base.forecast);
  });
});
