// Cost rows on a real Azurite: transactions of ≤ 100 per partition, a re-run writes nothing,
// a corrected day replaces, a vanished service is deleted, totals equal the sum to the cent.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { costAmount, totalCost, type FocusCostRow } from '../../src/domain/spend/focus.js';
import { addDays, eachDay } from '../../src/domain/spend/periods.js';
import { CostRowStore, costRowKeyOf, MAX_TRANSACTION_ACTIONS, transactionBatches, type CostRowOwner } from '../../src/storage/cost-rows.js';
import { TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

const TENANT = '00000000-0000-0000-0000-00000000c057';
const OTHER_TENANT = '00000000-0000-0000-0000-00000000c058';
const SUB = 'a2c0c0de-0000-4000-8000-00000000a001';
const OWNER: CostRowOwner = { connectionId: `azure:subscriptions/${SUB}`, provider: 'Microsoft', billingAccountId: SUB, subAccountId: SUB };

let store: TableStore;
let rows: CostRowStore;
beforeAll(async () => {
  store = await freshTableStore('c');
  rows = new CostRowStore(store);
});
afterEach(() => vi.restoreAllMocks());

function row(day: string, service: string, amount: string, extra: Partial<FocusCostRow> = {}): FocusCostRow {
  return {
    ServiceProviderName: 'Microsoft',
    HostProviderName: 'Microsoft',
    BillingAccountId: SUB,
    SubAccountId: SUB,
    ChargePeriodStart: day,
    ChargePeriodEnd: addDays(day, 1),
    BilledCost: amount,
    EffectiveCost: null,
    BillingCurrency: 'USD',
    ServiceName: service,
    Tags: {},
    estimated: false,
    ...extra,
  };
}

/** services × days rows with amounts that are awkward as floats. */
function grid(days: string[], services: number, cents = (d: number, s: number) => 1 + ((d * 31 + s * 17) % 997)): FocusCostRow[] {
  return days.flatMap((day, d) =>
    Array.from({ length: services }, (_, s) => row(day, `Service ${s} / a#b?`, costAmount((cents(d, s) / 100) * 1.1, 'USD'))),
  );
}

async function spyTransactions() {
  const table = await store.table('CostRows');
  return vi.spyOn(table, 'submitTransaction');
}

describe('cost rows', () => {
  it('are written in transactions of at most 100 per partition, one partition per month', async () => {
    const days = eachDay('2026-01-20', '2026-02-10'); // 12 January days, 9 February days
    const incoming = grid(days, 12);
    const spy = await spyTransactions();
    const counts = await rows.replaceDays(TENANT, OWNER, { from: '2026-01-20', to: '2026-02-10' }, incoming);
    expect(counts).toMatchObject({ written: 21 * 12, unchanged: 0, deleted: 0 });
    expect(spy.mock.calls.length).toBe(counts.transactions);
    expect(counts.transactions).toBe(Math.ceil(144 / 100) + Math.ceil(108 / 100));
    for (const [actions] of spy.mock.calls) {
      expect(actions.length).toBeLessThanOrEqual(MAX_TRANSACTION_ACTIONS);
      expect(new Set(actions.map((a) => a[1].partitionKey)).size).toBe(1);
      expect(actions[0]![1].partitionKey.startsWith(`${TENANT}|cost|Microsoft|${SUB}|`)).toBe(true);
    }
    const stored = await rows.rows(TENANT, { from: '2026-01-20', to: '2026-02-10' });
    expect(stored).toHaveLength(252);
    expect(stored.find((r) => r.ServiceName === 'Service 3 / a#b?' && r.ChargePeriodStart === '2026-02-01')).toEqual(
      incoming.find((r) => r.ServiceName === 'Service 3 / a#b?' && r.ChargePeriodStart === '2026-02-01'),
    );
  });

  it('change nothing when the same days are synced again', async () => {
    const owner = { ...OWNER, subAccountId: 'sub-rerun', billingAccountId: 'sub-rerun' };
    const incoming = grid(eachDay('2026-03-01', '2026-03-15'), 10).map((r) => ({
      ...r,
      SubAccountId: 'sub-rerun',
      BillingAccountId: 'sub-rerun',
    }));
    await rows.replaceDays(TENANT, owner, { from: '2026-03-01', to: '2026-03-15' }, incoming);
    const spy = await spyTransactions();
    const again = await rows.replaceDays(TENANT, owner, { from: '2026-03-01', to: '2026-03-15' }, incoming);
    expect(again).toEqual({ written: 0, unchanged: 140, deleted: 0, transactions: 0 });
    expect(spy).not.toHaveBeenCalled();
  });

  it('replace a corrected day, delete a service that vanished from it, and leave other days alone', async () => {
    const owner = { ...OWNER, subAccountId: 'sub-fix', billingAccountId: 'sub-fix' };
    const mine = (r: FocusCostRow) => ({ ...r, SubAccountId: 'sub-fix', BillingAccountId: 'sub-fix' });
    const first = [
      row('2026-04-01', 'Storage', '10.00'),
      row('2026-04-01', 'Bandwidth', '1.25'),
      row('2026-04-02', 'Storage', '11.00'),
      row('2026-04-02', 'Bandwidth', '1.30'),
    ].map(mine);
    await rows.replaceDays(TENANT, owner, { from: '2026-04-01', to: '2026-04-03' }, first);
    // The provider corrects Storage on the 2nd and no longer reports Bandwidth that day.
    const corrected = [row('2026-04-02', 'Storage', '9.87')].map(mine);
    const counts = await rows.replaceDays(TENANT, owner, { from: '2026-04-02', to: '2026-04-03' }, corrected);
    expect(counts).toMatchObject({ written: 1, unchanged: 0, deleted: 1 });
    const stored = await rows.rows(TENANT, { from: '2026-04-01', to: '2026-04-03', provider: 'Microsoft', subAccountId: 'sub-fix' });
    expect(stored.map((r) => [r.ChargePeriodStart, r.ServiceName, r.BilledCost]).sort()).toEqual([
      ['2026-04-01', 'Bandwidth', '1.25'],
      ['2026-04-01', 'Storage', '10.00'],
      ['2026-04-02', 'Storage', '9.87'],
    ]);
  });

  it('keep the rows of another connection in the same partition, and of other tenants', async () => {
    const owner = { ...OWNER, subAccountId: 'sub-shared', billingAccountId: 'sub-shared' };
    const billingScope: CostRowOwner = {
      connectionId: 'azure:billing',
      provider: 'Microsoft',
      billingAccountId: 'billing-1',
      subAccountId: 'sub-shared',
    };
    await rows.replaceDays(TENANT, billingScope, { from: '2026-05-01', to: '2026-05-02' }, [
      row('2026-05-01', 'Storage', '3.00', { SubAccountId: 'sub-shared', BillingAccountId: 'billing-1' }),
    ]);
    await rows.replaceDays(OTHER_TENANT, owner, { from: '2026-05-01', to: '2026-05-02' }, [
      row('2026-05-01', 'Storage', '4.00', { SubAccountId: 'sub-shared', BillingAccountId: 'sub-shared' }),
    ]);
    const counts = await rows.replaceDays(TENANT, owner, { from: '2026-05-01', to: '2026-05-02' }, []);
    expect(counts.deleted).toBe(0);
    expect(
      (await rows.rows(TENANT, { from: '2026-05-01', to: '2026-05-02', subAccountId: 'sub-shared' })).map((r) => r.BilledCost),
    ).toEqual(['3.00']);
    expect((await rows.rows(OTHER_TENANT, { from: '2026-05-01', to: '2026-05-02' })).map((r) => r.BilledCost)).toEqual(['4.00']);
  });

  it('keep a cost type the new sync did not query, and refuse rows of another account', async () => {
    const owner = { ...OWNER, subAccountId: 'sub-types', billingAccountId: 'sub-types' };
    const mine = (r: FocusCostRow) => ({ ...r, SubAccountId: 'sub-types', BillingAccountId: 'sub-types' });
    await rows.replaceDays(TENANT, owner, { from: '2026-06-01', to: '2026-06-02' }, [
      mine(row('2026-06-01', 'Storage', '5.00', { EffectiveCost: '4.50' })),
    ]);
    const counts = await rows.replaceDays(TENANT, owner, { from: '2026-06-01', to: '2026-06-02' }, [
      mine(row('2026-06-01', 'Storage', '5.00')),
    ]);
    expect(counts.unchanged).toBe(1);
    expect((await rows.rows(TENANT, { from: '2026-06-01', to: '2026-06-02', subAccountId: 'sub-types' }))[0]).toMatchObject({
      BilledCost: '5.00',
      EffectiveCost: '4.50',
    });
    await expect(
      rows.replaceDays(TENANT, owner, { from: '2026-06-01', to: '2026-06-02' }, [row('2026-06-01', 'Storage', '1.00')]),
    ).rejects.toThrow(/does not belong/);
  });

  it('add up to the cent: the stored total equals the sum of the rows written', async () => {
    const owner = { ...OWNER, subAccountId: 'sub-cents', billingAccountId: 'sub-cents' };
    // Float amounts as Azure sends them (0.1 + 0.2 style), rounded once on the way in.
    const incoming = eachDay('2026-07-01', '2026-08-01').flatMap((day, d) =>
      Array.from({ length: 7 }, (_, s) =>
        row(day, `S${s}`, costAmount(0.1 * (d + 1) + 0.2 * (s + 1) + 0.005, 'USD'), {
          SubAccountId: 'sub-cents',
          BillingAccountId: 'sub-cents',
        }),
      ),
    );
    await rows.replaceDays(TENANT, owner, { from: '2026-07-01', to: '2026-08-01' }, incoming);
    const stored = await rows.rows(TENANT, { from: '2026-07-01', to: '2026-08-01', subAccountId: 'sub-cents' });
    const cents = incoming.reduce((sum, r) => sum + BigInt(r.BilledCost!.replace('.', '')), 0n);
    expect(totalCost(stored, 'BilledCost', 'USD').amount).toBe(`${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
    // A range read is exclusive at `to`.
    expect(await rows.rows(TENANT, { from: '2026-07-05', to: '2026-07-06', subAccountId: 'sub-cents' })).toHaveLength(7);
  });

  it('keep row keys unambiguous and batches bounded', () => {
    expect(costRowKeyOf(row('2026-01-01', 'a|b', '1.00'))).not.toBe(costRowKeyOf(row('2026-01-01', 'a', '1.00', { Tags: { b: '' } })));
    expect(costRowKeyOf(row('2026-01-01', 'x/y#z?', '1.00'))).not.toMatch(/[/\\#?]/);
    expect(transactionBatches(Array.from({ length: 250 }, (_, i) => i)).map((b) => b.length)).toEqual([100, 100, 50]);
  });

  it('remember each connection’s sync state for freshness', async () => {
    await rows.saveSyncState(TENANT, {
      connectionId: 'aws:111122223333',
      provider: 'AWS',
      subAccountId: '111122223333',
      syncedAt: '2026-03-17T10:00:00.000Z',
      lastCompleteDay: '2026-03-15',
      lastAttemptAt: '2026-03-17T10:00:00.000Z',
    });
    await rows.saveSyncState(TENANT, {
      connectionId: 'azure:subscriptions/never',
      provider: 'Microsoft',
      subAccountId: 'never',
      lastAttemptAt: '2026-03-17T10:00:00.000Z',
      lastError: { code: 'AuthorizationFailed', problem: 'No role' },
    });
    expect(await rows.freshness(TENANT)).toEqual([
      {
        connectionId: 'aws:111122223333',
        provider: 'AWS',
        subAccountId: '111122223333',
        syncedAt: '2026-03-17T10:00:00.000Z',
        lastCompleteDay: '2026-03-15',
      },
    ]);
    expect((await rows.syncState(TENANT, 'azure:subscriptions/never'))?.lastError?.code).toBe('AuthorizationFailed');
  });
});

describe('FOCUS 1.3 names', () => {
  const LEGACY_TENANT = '00000000-0000-0000-0000-00000000c059';

  it('reads rows stored with FOCUS 1.2 names (ProviderName) and rewrites them in 1.3 names on the next sync of their days', async () => {
    const table = await store.table('CostRows');
    const legacy = row('2026-04-02', 'Storage', '12.34');
    const { costPartition } = await import('../../src/storage/cost-rows.js');
    // As the previous release wrote it: ProviderName, no FocusVersion, no ServiceProviderName/HostProviderName.
    await table.createEntity({
      partitionKey: costPartition(LEGACY_TENANT, 'Microsoft', SUB, '2026-04'),
      rowKey: costRowKeyOf(legacy),
      ProviderName: 'Microsoft',
      BillingAccountId: SUB,
      SubAccountId: SUB,
      ChargePeriodStart: '2026-04-02',
      ChargePeriodEnd: '2026-04-03',
      BilledCost: '12.34',
      EffectiveCost: '',
      BillingCurrency: 'USD',
      ServiceName: 'Storage',
      Tags: '{}',
      Estimated: false,
      ConnectionId: OWNER.connectionId,
    });
    const read = await rows.rows(LEGACY_TENANT, { from: '2026-04-01', to: '2026-04-05' });
    expect(read).toEqual([
      expect.objectContaining({ ServiceProviderName: 'Microsoft', HostProviderName: 'Microsoft', BilledCost: '12.34' }),
    ]);
    const counts = await rows.replaceDays(LEGACY_TENANT, OWNER, { from: '2026-04-02', to: '2026-04-03' }, [legacy]);
    expect(counts.written).toBe(1);
    const rewritten = await table.getEntity<Record<string, unknown>>(
      costPartition(LEGACY_TENANT, 'Microsoft', SUB, '2026-04'),
      costRowKeyOf(legacy),
    );
    expect(rewritten).toMatchObject({ FocusVersion: '1.3', ServiceProviderName: 'Microsoft', HostProviderName: 'Microsoft' });
    expect(rewritten.ProviderName).toBeUndefined();
  });

  it('marks new figures for a day already stored as final as ChargeClass "Correction"', async () => {
    const tenant = '00000000-0000-0000-0000-00000000c05a';
    await rows.replaceDays(tenant, OWNER, { from: '2026-04-10', to: '2026-04-11' }, [row('2026-04-10', 'Compute', '10.00')]);
    await rows.replaceDays(tenant, OWNER, { from: '2026-04-10', to: '2026-04-11' }, [row('2026-04-10', 'Compute', '9.50')]);
    const [corrected] = await rows.rows(tenant, { from: '2026-04-10', to: '2026-04-11' });
    expect(corrected).toMatchObject({ BilledCost: '9.50', ChargeClass: 'Correction' });
    // An estimated day that settles is not a correction.
    await rows.replaceDays(tenant, OWNER, { from: '2026-04-11', to: '2026-04-12' }, [
      row('2026-04-11', 'Compute', '3.00', { estimated: true }),
    ]);
    await rows.replaceDays(tenant, OWNER, { from: '2026-04-11', to: '2026-04-12' }, [row('2026-04-11', 'Compute', '3.20')]);
    const [settled] = await rows.rows(tenant, { from: '2026-04-11', to: '2026-04-12' });
    expect(settled!.ChargeClass).toBeUndefined();
  });
});
