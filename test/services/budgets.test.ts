// Budgets and spend alerts on Azurite tables of their own, over cost rows held in memory (the
// CostRowReader seam), with deliveries recorded instead of posted to Teams.
import { testClock } from '../harness/clock.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FocusCostRow } from '../../src/domain/spend/focus.js';
import { addDays } from '../../src/domain/spend/periods.js';
import { createLogger } from '../../src/logger.js';
import { BudgetService, type BudgetFormInput } from '../../src/services/budgets.js';
import { RoleService } from '../../src/services/roles.js';
import type { CostRowQuery, CostRowReader } from '../../src/services/spend-contracts.js';
import { SpendAlertService, type AnomalyNotice, type BudgetAlertNotice, type SpendAlertDelivery } from '../../src/services/spend-alerts.js';
import { AlertLedger } from '../../src/storage/alert-ledger.js';
import { AuditLog } from '../../src/storage/audit-log.js';
import { BudgetRepository } from '../../src/storage/budgets.js';
import { SettingsRepository } from '../../src/storage/settings.js';
import { freshTableStore } from '../harness/storage.js';

const TENANT = 'b0d9e700-0000-4000-8000-000000000001';
const ADMIN = { tenantId: TENANT, aadObjectId: 'adm00000-0000-4000-8000-000000000001', name: 'Patti Admin' };
const NOT_ADMIN = { tenantId: TENANT, aadObjectId: 'usr00000-0000-4000-8000-000000000002', name: 'Isaiah User' };
const ACCOUNT = '111122223333';

/** Cost rows in memory: what the sync would have stored. */
class MemoryRows implements CostRowReader {
  rowsStored: FocusCostRow[] = [];
  async rows(_tenantId: string, q: CostRowQuery): Promise<FocusCostRow[]> {
    return this.rowsStored.filter(
      (r) =>
        r.ChargePeriodStart >= q.from &&
        r.ChargePeriodStart < q.to &&
        (!q.provider || r.ServiceProviderName === q.provider) &&
        (!q.subAccountId || r.SubAccountId === q.subAccountId),
    );
  }
  async freshness() {
    return [];
  }
  /** Sets one service's cost on each day of [from, to) (replacing what was there, like a re-sync). */
  set(from: string, to: string, amount: string, service = 'Amazon Elastic Compute Cloud - Compute'): void {
    for (let day = from; day < to; day = addDays(day, 1)) {
      this.rowsStored = this.rowsStored.filter((r) => !(r.ChargePeriodStart === day && r.ServiceName === service));
      this.rowsStored.push({
        ServiceProviderName: 'AWS',
        HostProviderName: 'AWS',
        BillingAccountId: ACCOUNT,
        SubAccountId: ACCOUNT,
        ChargePeriodStart: day,
        ChargePeriodEnd: addDays(day, 1),
        BilledCost: amount,
        EffectiveCost: null,
        BillingCurrency: 'USD',
        ServiceName: service,
        Tags: {},
        estimated: false,
      });
    }
  }
}

class RecordingDelivery implements SpendAlertDelivery {
  budgets: { notice: BudgetAlertNotice; channelId: string | undefined }[] = [];
  anomalies: { notice: AnomalyNotice; channelId: string | undefined }[] = [];
  reach = 1;
  async budgetAlert(notice: BudgetAlertNotice, channelId: string | undefined) {
    this.budgets.push({ notice, channelId });
    return this.reach;
  }
  async anomalyAlert(notice: AnomalyNotice, channelId: string | undefined) {
    this.anomalies.push({ notice, channelId });
    return this.reach;
  }
}

const GOOD: BudgetFormInput = {
  name: 'AWS monthly',
  provider: 'AWS',
  amount: '1000',
  currency: 'USD',
  period: 'month',
  thresholds: '50,80,100',
  forecast100: 'true',
};
const MARCH_17 = new Date('2026-03-17T10:00:00Z');

describe('budgets and spend alerts', () => {
  let rows: MemoryRows;
  let delivery: RecordingDelivery;
  let budgets: BudgetService;
  let alerts: SpendAlertService;
  let ledger: AlertLedger;
  let audit: AuditLog;

  beforeEach(async () => {
    const store = await freshTableStore('b');
    rows = new MemoryRows();
    delivery = new RecordingDelivery();
    ledger = new AlertLedger(store);
    audit = new AuditLog(store);
    const repository = new BudgetRepository(store);
    const settings = new SettingsRepository(store);
    budgets = new BudgetService({
      budgets: repository,
      rows,
      roles: new RoleService([{ tenantId: TENANT, aadObjectId: ADMIN.aadObjectId }]),
      audit,
      settings,
      clock: testClock,
    });
    alerts = new SpendAlertService({
      budgets: repository,
      rows,
      ledger,
      settings,
      delivery,
      log: createLogger('silent'),
      clock: testClock,
    });
  });

  const listed = async () => {
    const result = await budgets.statuses(ADMIN, MARCH_17);
    if (!result.ok) throw new Error(result.message);
    return result.lines;
  };

  it('refuses malformed input with clear messages and saves nothing', async () => {
    const cases: [Partial<BudgetFormInput>, RegExp][] = [
      [{ amount: '-5' }, /cannot be negative/],
      [{ amount: '0' }, /more than zero/],
      [{ amount: '99999999999999' }, /absurdly large/],
      [{ amount: 'lots' }, /is not an amount/],
      [{ currency: 'XYZ' }, /"XYZ" is not a currency code/],
      [{ thresholds: '' }, /at least one threshold/],
      [{ thresholds: '50,eighty' }, /"eighty" is not a percentage/],
      [{ period: 'week' }, /month, quarter or year/],
      [{ provider: 'gcp' }, /Azure, AWS or any/],
      [{ name: '  ' }, /Give the budget a name/],
      [{ tag: 'environment' }, /tag name and a value/],
    ];
    for (const [change, message] of cases) {
      const result = await budgets.add(ADMIN, { ...GOOD, ...change });
      expect(result.ok, JSON.stringify(change)).toBe(false);
      if (!result.ok) expect(result.errors.join(' ')).toMatch(message);
    }
    expect(await listed()).toEqual([]);
  });

  it('lets only admins add, edit and delete; edits need the current ETag; every change is audited', async () => {
    expect(await budgets.add(NOT_ADMIN, GOOD)).toMatchObject({ ok: false, reason: 'forbidden' });
    const added = await budgets.add(ADMIN, GOOD);
    if (!added.ok) throw new Error(added.errors.join());
    expect(added.budget.budget.thresholds).toEqual([
      { percent: 50, kind: 'actual' },
      { percent: 80, kind: 'actual' },
      { percent: 100, kind: 'actual' },
      { percent: 100, kind: 'forecast' },
    ]);
    const edited = await budgets.edit(ADMIN, added.budget.budget.id, added.budget.etag, { ...GOOD, amount: '1200.50' });
    expect(edited).toMatchObject({ ok: true });
    const stale = await budgets.edit(ADMIN, added.budget.budget.id, added.budget.etag, { ...GOOD, amount: '5' });
    expect(stale).toMatchObject({ ok: false, errors: [expect.stringMatching(/changed this budget/)] });
    expect((await listed())[0]!.budget.amount).toEqual({ amount: '1200.50', currency: 'USD' });
    if (!edited.ok) throw new Error('edit failed');
    expect(await budgets.remove(NOT_ADMIN, added.budget.budget.id, edited.budget.etag)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await budgets.remove(ADMIN, added.budget.budget.id, edited.budget.etag)).toMatchObject({ ok: true });
    expect(await listed()).toEqual([]);
    const actions = (await audit.list(TENANT)).items.map((entry) => entry.action);
    expect(actions).toEqual(['budget.delete', 'budget.edit', 'budget.add']);
  });

  it('shows spend, forecast and percentage per budget', async () => {
    await budgets.add(ADMIN, GOOD);
    rows.set('2026-03-01', '2026-03-17', '50.00'); // 16 complete days: 800.00
    const [line] = await listed();
    expect(line!.evaluation.actual).toEqual({ amount: '800.00', currency: 'USD' });
    expect(line!.evaluation.forecast).toEqual({ amount: '1550.00', currency: 'USD' }); // 800 × 31 / 16
    expect(line!.evaluation.actualPercent).toBe(80);
  });

  it('alerts once per crossing, never again for the same one, and again only for a higher threshold', async () => {
    await budgets.add(ADMIN, GOOD);
    rows.set('2026-03-01', '2026-03-17', '50.00');
    rows.set('2026-03-17', '2026-03-18', '900.00'); // today's partial figure: must not fire 100 %
    expect(await alerts.evaluate(TENANT, MARCH_17)).toMatchObject({ budgetAlerts: 2, problems: [] });
    expect(delivery.budgets.map((b) => `${b.notice.alert.threshold.percent} ${b.notice.alert.threshold.kind}`).sort()).toEqual([
      '100 forecast',
      '80 actual',
    ]);
    // 50 % was jumped over: recorded, never sent late.
    expect(await ledger.count(TENANT, 'budget')).toBe(3);

    await alerts.evaluate(TENANT, MARCH_17);
    await alerts.evaluate(TENANT, new Date('2026-03-17T20:00:00Z'));
    expect(delivery.budgets).toHaveLength(2);

    // The 17th completes at 300: 1,100 spent, past 100 %.
    rows.set('2026-03-17', '2026-03-18', '300.00');
    await alerts.evaluate(TENANT, new Date('2026-03-18T08:00:00Z'));
    expect(delivery.budgets).toHaveLength(3);
    expect(delivery.budgets[2]!.notice.alert.threshold).toEqual({ percent: 100, kind: 'actual' });
    expect(delivery.budgets[2]!.notice.topServices).toEqual([
      { serviceName: 'Amazon Elastic Compute Cloud - Compute', amount: { amount: '1100.00', currency: 'USD' } },
    ]);
    await alerts.evaluate(TENANT, new Date('2026-03-18T09:00:00Z'));
    expect(delivery.budgets).toHaveLength(3);
  });

  it('sends nothing when spend only goes down, even for a threshold added meanwhile', async () => {
    const added = await budgets.add(ADMIN, { ...GOOD, thresholds: '50,80', forecast100: 'false' });
    if (!added.ok) throw new Error('add failed');
    rows.set('2026-03-01', '2026-03-11', '50.00'); // 500.00: 50 %
    await alerts.evaluate(TENANT, MARCH_17);
    expect(delivery.budgets.map((b) => b.notice.alert.threshold.percent)).toEqual([50]);
    // A correction lowers the figures, and an admin adds 40 % while spend is already above it.
    rows.set('2026-03-01', '2026-03-11', '45.00'); // 450.00
    expect(
      await budgets.edit(ADMIN, added.budget.budget.id, added.budget.etag, { ...GOOD, thresholds: '40,50,80', forecast100: 'false' }),
    ).toMatchObject({ ok: true });
    await alerts.evaluate(TENANT, MARCH_17);
    expect(delivery.budgets).toHaveLength(1);
  });

  it('announces an anomaly once per account, service and day', async () => {
    rows.set('2026-02-20', '2026-03-17', '10.00', 'AWS Lambda');
    rows.set('2026-03-14', '2026-03-15', '95.00', 'AWS Lambda'); // +850 %, +85 USD
    rows.set('2026-02-20', '2026-03-17', '30.00'); // steady
    await alerts.evaluate(TENANT, MARCH_17);
    expect(delivery.anomalies).toHaveLength(1);
    expect(delivery.anomalies[0]!.notice.anomaly).toMatchObject({
      ServiceName: 'AWS Lambda',
      SubAccountId: ACCOUNT,
      day: '2026-03-14',
      amount: { amount: '95.00' },
      change: { amount: '85.00' },
    });
    await alerts.evaluate(TENANT, MARCH_17);
    await alerts.evaluate(TENANT, new Date('2026-03-18T10:00:00Z'));
    expect(delivery.anomalies).toHaveLength(1);
    // Today's partial spike is not judged.
    rows.set('2026-03-18', '2026-03-19', '500.00', 'AWS Lambda');
    await alerts.evaluate(TENANT, new Date('2026-03-18T12:00:00Z'));
    expect(delivery.anomalies).toHaveLength(1);
  });

  it('sends alerts to the channel set with `alerts here`, and retries when nobody could be reached', async () => {
    await budgets.add(ADMIN, GOOD);
    rows.set('2026-03-01', '2026-03-17', '50.00');
    delivery.reach = 0; // no channel, no admin chat
    await alerts.evaluate(TENANT, MARCH_17);
    expect(delivery.budgets.every((b) => b.channelId === undefined)).toBe(true);
    expect(await ledger.count(TENANT, 'budget')).toBe(0);

    expect(await budgets.setAlertChannel(NOT_ADMIN, { id: '19:x@thread.tacv2', name: 'x' })).toMatchObject({ ok: false });
    expect(await budgets.setAlertChannel(ADMIN, { id: '19:finance@thread.tacv2', name: 'General (Finance)' })).toMatchObject({ ok: true });
    delivery.reach = 1;
    delivery.budgets = [];
    await alerts.evaluate(TENANT, MARCH_17);
    expect(delivery.budgets).toHaveLength(2);
    expect(delivery.budgets.map((b) => b.channelId)).toEqual(['19:finance@thread.tacv2', '19:finance@thread.tacv2']);
  });
});
