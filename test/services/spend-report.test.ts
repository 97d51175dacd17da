// The `spend` report over rows in memory: filter parsing, exact sums, month-to-date comparison.
import { testClock } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import type { FocusCostRow, ProviderName } from '../../src/domain/spend/focus.js';
import { addDays } from '../../src/domain/spend/periods.js';
import { RoleService } from '../../src/services/roles.js';
import type { CostRowQuery, CostRowReader } from '../../src/services/spend-contracts.js';
import { parseSpendFilter, SpendReport } from '../../src/services/spend-report.js';

const TENANT = 'c0510000-0000-4000-8000-000000000001';
const ADMIN = { tenantId: TENANT, aadObjectId: 'a0000000-0000-4000-8000-00000000000a', name: 'Admin' };

function row(provider: ProviderName, day: string, service: string, cost: string): FocusCostRow {
  return {
    ServiceProviderName: provider,
    HostProviderName: provider,
    BillingAccountId: 'b',
    SubAccountId: provider === 'AWS' ? '111122223333' : 'sub-1',
    ChargePeriodStart: day,
    ChargePeriodEnd: addDays(day, 1),
    BilledCost: cost,
    EffectiveCost: null,
    BillingCurrency: 'USD',
    ServiceName: service,
    Tags: {},
    estimated: false,
  };
}

class Rows implements CostRowReader {
  constructor(private readonly all: FocusCostRow[]) {}
  async rows(_tenantId: string, q: CostRowQuery) {
    return this.all.filter(
      (r) => r.ChargePeriodStart >= q.from && r.ChargePeriodStart < q.to && (!q.provider || r.ServiceProviderName === q.provider),
    );
  }
  async freshness() {
    return [
      { connectionId: 'aws:111122223333', provider: 'AWS' as const, subAccountId: '111122223333', syncedAt: '2026-03-17T06:00:00.000Z' },
    ];
  }
}

describe('spend filters', () => {
  it('accepts providers and months in any order, and refuses anything else with the list', () => {
    expect(parseSpendFilter('')).toEqual({ ok: true, filter: { month: 'this' } });
    expect(parseSpendFilter('aws last month')).toEqual({ ok: true, filter: { provider: 'AWS', month: 'last' } });
    expect(parseSpendFilter('Last month, Azure')).toEqual({ ok: true, filter: { provider: 'Microsoft', month: 'last' } });
    expect(parseSpendFilter('this month')).toEqual({ ok: true, filter: { month: 'this' } });
    const unknown = parseSpendFilter('gcp');
    expect(unknown).toMatchObject({ ok: false, message: expect.stringMatching(/"gcp".*aws.*azure.*this month.*last month/) });
    expect(parseSpendFilter('aws azure')).toMatchObject({ ok: false, message: expect.stringMatching(/one provider/) });
    expect(parseSpendFilter('this last month')).toMatchObject({ ok: false, message: expect.stringMatching(/one month/) });
  });
});

describe('spend report', () => {
  const rows = new Rows([
    row('AWS', '2026-02-01', 'Lambda', '10.00'),
    row('AWS', '2026-02-20', 'Lambda', '5.00'), // after the 17th: only in February's full total
    row('Microsoft', '2026-02-03', 'Virtual Machines', '20.10'),
    row('AWS', '2026-03-01', 'Lambda', '0.10'),
    row('AWS', '2026-03-02', 'Lambda', '0.20'),
    row('Microsoft', '2026-03-05', 'Virtual Machines', '30.01'),
    row('Microsoft', '2026-03-17', 'Storage', '1.00'), // today, partial: still shown
  ]);
  const report = new SpendReport({
    rows,
    roles: new RoleService([{ tenantId: TENANT, aadObjectId: ADMIN.aadObjectId }]),
    clock: testClock,
  });
  const now = new Date('2026-03-17T10:00:00Z');

  it('is for admins only', async () => {
    expect(await report.report({ ...ADMIN, aadObjectId: 'someone-else' }, '', now)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Only admins/),
    });
  });

  it('sums this month to date exactly, per provider and service, against last month to the same day', async () => {
    const result = await report.report(ADMIN, '', now);
    if (!result.ok) throw new Error(result.message);
    const [usd] = result.summary.currencies;
    expect(result.summary.comparisonThrough).toBe('2026-02-17');
    expect(usd!.total).toEqual({ amount: '31.31', currency: 'USD' });
    expect(usd!.previousToDate).toEqual({ amount: '30.10', currency: 'USD' });
    expect(usd!.previousTotal).toEqual({ amount: '35.10', currency: 'USD' });
    expect(usd!.changePercent).toBe(4);
    expect(usd!.providers.map((p) => [p.name, p.amount.amount, p.previous.amount])).toEqual([
      ['Azure', '31.01', '20.10'],
      ['AWS', '0.30', '10.00'],
    ]);
    expect(usd!.topServices.map((s) => [s.name, s.amount.amount, s.changePercent])).toEqual([
      ['Virtual Machines', '30.01', 49.3],
      ['Storage', '1.00', null],
      ['Lambda', '0.30', -97],
    ]);
  });

  it('filters by provider and month', async () => {
    const result = await report.report(ADMIN, 'aws last month', now);
    if (!result.ok) throw new Error(result.message);
    expect(result.summary.period).toMatchObject({ start: '2026-02-01', end: '2026-03-01' });
    expect(result.summary.currencies[0]!.total).toEqual({ amount: '15.00', currency: 'USD' });
    expect(result.summary.currencies[0]!.providers.map((p) => p.name)).toEqual(['AWS']);
  });
});
