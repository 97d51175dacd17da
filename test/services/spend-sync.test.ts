// Spend sync against the Cost Management and Cost Explorer emulators and Azurite, with real
// connection rows (an Azure scope, an AWS access key and an AWS role): paging, 429s,
// Estimated days, re-sync idempotency, calls = the minimum, one alert per outage, and two
// instances at once.
import { testClock } from '../harness/clock.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AwsCredentialInput } from '../../src/connectors/ports.js';
import { addDays } from '../../src/domain/spend/periods.js';
import {
  AWS_ACCOUNTS,
  AWS_SANDBOX_KEYS,
  AWS_SANDBOX_ROLE,
  AZURE_SUBSCRIPTIONS,
  AZURE_TAG_KEY,
  DEMO_TENANT_ID,
} from '../../src/sandbox/index.js';
import { generateKeyText, parseKeyring, SecretBox } from '../../src/security/secret-box.js';
import type { ConnectionNotice } from '../../src/services/connections.js';
import { createCostProviders } from '../../src/services/cost-providers/index.js';
import { SpendSyncService, STALE_ALERT_KIND, SYNC_ALERT_KIND } from '../../src/services/spend-sync.js';
import { spendJobs, tenantsWithCostConnections } from '../../src/jobs/spend-jobs.js';
import { AlertLedger } from '../../src/storage/alert-ledger.js';
import { ConnectionRepository, type NewConnection } from '../../src/storage/connections.js';
import { CostRowStore } from '../../src/storage/cost-rows.js';
import { Leases } from '../../src/storage/leases.js';
import { TableStore } from '../../src/storage/table-store.js';
import { sandboxPerTest } from '../connectors/sandbox-connectors.js';
import { freshTableStore } from '../harness/storage.js';

const TODAY = '2026-03-17';
const NOW = new Date(`${TODAY}T10:00:00Z`);
const hoursLater = (hours: number) => new Date(NOW.getTime() + hours * 3600_000);
const AZURE_ID = `azure:subscriptions/${AZURE_SUBSCRIPTIONS.production}`;
const AWS_KEY_ID = `aws:${AWS_ACCOUNTS.main}`;
const AWS_ROLE_ID = `aws:${AWS_ACCOUNTS.roleTarget}`;

// Small pages so every sync follows nextLink / NextPageToken many times; QPU raised so the
// 90-day first syncs of several tests never wait out the real 10 s window.
const sandbox = sandboxPerTest({ costManagement: { today: TODAY, pageSize: 20, qpuBudget: 1000 }, aws: { today: TODAY, pageSize: 7 } });

interface World {
  store: TableStore;
  connections: ConnectionRepository;
  rows: CostRowStore;
  ledger: AlertLedger;
  alerts: ConnectionNotice[];
  evaluations: string[];
  instance(name?: string): SpendSyncService;
}
let w: World;

beforeEach(async () => {
  const store = await freshTableStore('s');
  const connections = new ConnectionRepository(store, new SecretBox(parseKeyring(`test:${generateKeyText()}`)));
  const rows = new CostRowStore(store);
  const ledger = new AlertLedger(store);
  const alerts: ConnectionNotice[] = [];
  const evaluations: string[] = [];
  const base = { tenantId: DEMO_TENANT_ID, state: 'connected' as const, connectedAt: '2026-03-01T09:00:00.000Z', connectedBy: 'admin' };
  const save = (connection: Omit<NewConnection, keyof typeof base>, secret?: AwsCredentialInput) =>
    connections.save({ ...base, ...connection }, secret && JSON.stringify(secret));
  await save({
    id: AZURE_ID,
    kind: 'azure',
    label: `subscriptions/${AZURE_SUBSCRIPTIONS.production}`,
    details: { scope: `subscriptions/${AZURE_SUBSCRIPTIONS.production}` },
  });
  await save(
    { id: AWS_KEY_ID, kind: 'aws', label: AWS_ACCOUNTS.main, details: { accountId: AWS_ACCOUNTS.main, credentialKind: 'access-key' } },
    { kind: 'access-key', accessKeyId: AWS_SANDBOX_KEYS.reader.accessKeyId, secretAccessKey: AWS_SANDBOX_KEYS.reader.secretAccessKey },
  );
  await save(
    {
      id: AWS_ROLE_ID,
      kind: 'aws',
      label: AWS_ACCOUNTS.roleTarget,
      details: { accountId: AWS_ACCOUNTS.roleTarget, credentialKind: 'assume-role', roleArn: AWS_SANDBOX_ROLE.arn },
    },
    { kind: 'assume-role', roleArn: AWS_SANDBOX_ROLE.arn, externalId: AWS_SANDBOX_ROLE.externalId },
  );
  const instance = (name = 'one') =>
    new SpendSyncService({
      clock: testClock,
      connections,
      providers: createCostProviders({
        ports: sandbox,
        readSecret: (tenantId, id) => connections.readSecret(tenantId, id),
        azureClientId: sandbox.sandbox.app.clientId,
      }),
      rows,
      leases: new Leases(store, name),
      ledger,
      notices: { alertAdmins: async (_tenantId, notice) => (alerts.push(notice), 1) },
      evaluator: { afterSync: async (tenantId) => void evaluations.push(tenantId) },
      log: sandbox.log,
    });
  w = { store, connections, rows, ledger, alerts, evaluations, instance };
});

const byId = (report: Awaited<ReturnType<SpendSyncService['syncTenant']>>, id: string) =>
  report.connections.find((c) => c.connectionId === id)!;
const azureQueries = () => sandbox.sandbox.state.countRequests({ service: 'costManagement', status: 200 });

describe('spend sync', () => {
  it('stores 90 days from Azure (nextLink pages) and AWS (NextPageToken pages, Estimated days) with calls = the minimum', async () => {
    const report = await w.instance().syncTenant(DEMO_TENANT_ID, { now: NOW });
    expect(report.connections.map((c) => [c.connectionId, c.ok])).toEqual([
      [AWS_KEY_ID, true],
      [AWS_ROLE_ID, true],
      [AZURE_ID, true],
    ]);
    const azure = byId(report, AZURE_ID);
    // Dec 17–31, Jan, Feb, Mar 1–16 with data: 90 days × 8 services in pages of 20.
    expect(azure.rowsWritten).toBe(90 * 8);
    expect(azure.minimumCalls).toBe(
      Math.ceil((15 * 8) / 20) + Math.ceil((31 * 8) / 20) + Math.ceil((28 * 8) / 20) + Math.ceil((16 * 8) / 20),
    );
    expect(azure.calls).toBe(azure.minimumCalls);
    expect(azureQueries()).toBe(azure.calls);
    for (const id of [AWS_KEY_ID, AWS_ROLE_ID]) {
      const aws = byId(report, id);
      expect(aws.minimumCalls).toBeGreaterThan(50);
      expect(aws.calls).toBe(aws.minimumCalls);
    }
    expect(sandbox.sandbox.state.countRequests({ service: 'costExplorer', status: 200, route: 'GetCostAndUsage' })).toBe(
      byId(report, AWS_KEY_ID).calls + byId(report, AWS_ROLE_ID).calls,
    );

    const rows = await w.rows.rows(DEMO_TENANT_ID, { from: addDays(TODAY, -90), to: addDays(TODAY, 1) });
    const production = rows.filter((r) => r.SubAccountId === AZURE_SUBSCRIPTIONS.production);
    expect(new Set(production.map((r) => r.ChargePeriodStart)).size).toBe(90);
    expect(production.every((r) => r.BilledCost !== null && r.EffectiveCost === null && !r.estimated)).toBe(true);
    // AWS: keyed by Start (End exclusive); today and yesterday are Estimated, the rest final.
    const main = rows.filter((r) => r.SubAccountId === AWS_ACCOUNTS.main);
    expect(main.every((r) => r.ChargePeriodEnd === addDays(r.ChargePeriodStart, 1))).toBe(true);
    expect([...new Set(main.filter((r) => r.estimated).map((r) => r.ChargePeriodStart))].sort()).toEqual([addDays(TODAY, -1), TODAY]);
    expect(Math.max(...main.map((r) => Date.parse(r.ChargePeriodStart)))).toBe(Date.parse(TODAY));

    const freshness = await w.rows.freshness(DEMO_TENANT_ID);
    expect(freshness.find((f) => f.connectionId === AWS_KEY_ID)).toMatchObject({
      syncedAt: NOW.toISOString(),
      lastCompleteDay: addDays(TODAY, -2),
    });
    expect(freshness.find((f) => f.connectionId === AZURE_ID)).toMatchObject({ lastCompleteDay: addDays(TODAY, -1) });
    // AWS's own forecast for the rest of the month, for monthly budgets on one account.
    expect(await w.rows.providerForecast(DEMO_TENANT_ID, 'AWS', AWS_ACCOUNTS.main)).toMatchObject({
      from: TODAY,
      to: '2026-04-01',
      currency: 'USD',
      amount: expect.stringMatching(/^\d+(\.\d+)?$/),
    });
    expect(w.evaluations).toEqual([DEMO_TENANT_ID]);
    expect((await w.connections.get(DEMO_TENANT_ID, AZURE_ID))?.lastUsedAt).toBe(NOW.toISOString());
    expect(sandbox.logLines.some((line) => line.includes('spend sync done (API calls = the minimum'))).toBe(true);
  });

  it('groups by the tag an admin named for a connection, so budgets by tag find their rows', async () => {
    const azure = (await w.connections.get(DEMO_TENANT_ID, AZURE_ID))!;
    await w.connections.update(azure, { details: { ...azure.details, tagKey: AZURE_TAG_KEY } });
    const aws = (await w.connections.get(DEMO_TENANT_ID, AWS_KEY_ID))!;
    await w.connections.update(aws, { details: { ...aws.details, tagKey: 'CostCenter' } });
    const report = await w.instance().syncTenant(DEMO_TENANT_ID, { now: NOW });
    expect(report.connections.every((c) => c.ok)).toBe(true);
    const rows = await w.rows.rows(DEMO_TENANT_ID, { from: addDays(TODAY, -10), to: TODAY });
    const azureRows = rows.filter((r) => r.SubAccountId === AZURE_SUBSCRIPTIONS.production);
    expect(azureRows.some((r) => r.Tags[AZURE_TAG_KEY])).toBe(true);
    const awsRows = rows.filter((r) => r.SubAccountId === AWS_ACCOUNTS.main);
    expect(new Set(awsRows.map((r) => r.Tags.CostCenter ?? '')).size).toBeGreaterThan(1);
  });

  it('runs once a day per connection; a re-sync (sync now) writes nothing new', async () => {
    const sync = w.instance();
    await sync.syncTenant(DEMO_TENANT_ID, { now: NOW });
    const later = await sync.syncTenant(DEMO_TENANT_ID, { now: hoursLater(3) });
    expect(later.connections.every((c) => c.skipped && c.calls === 0)).toBe(true);
    const forced = await sync.syncTenant(DEMO_TENANT_ID, { now: hoursLater(3), force: true });
    for (const c of forced.connections) {
      expect(c).toMatchObject({ ok: true, rowsWritten: 0 });
      expect(c.rowsUnchanged).toBeGreaterThan(0);
      expect(c.calls).toBe(c.minimumCalls);
    }
    // The second sync goes back to the start of the previous month only: Feb 1 – Mar 16 for Azure.
    expect(byId(forced, AZURE_ID).rowsUnchanged).toBe((28 + 16) * 8);
  });

  it('replaces a corrected day and deletes a service the provider no longer reports', async () => {
    const sync = w.instance();
    await sync.syncTenant(DEMO_TENANT_ID, { now: NOW });
    const day = addDays(TODAY, -5);
    const owner = {
      connectionId: AZURE_ID,
      provider: 'Microsoft' as const,
      billingAccountId: AZURE_SUBSCRIPTIONS.production,
      subAccountId: AZURE_SUBSCRIPTIONS.production,
    };
    const before = await w.rows.rows(DEMO_TENANT_ID, { from: day, to: addDays(day, 1), subAccountId: AZURE_SUBSCRIPTIONS.production });
    const storage = before.find((r) => r.ServiceName === 'Storage')!;
    // What an earlier, wrong figure and a since-vanished service would have left behind.
    await w.rows.replaceDays(DEMO_TENANT_ID, owner, { from: day, to: addDays(day, 1) }, [
      ...before.filter((r) => r !== storage),
      { ...storage, BilledCost: '999.99' },
      { ...storage, ServiceName: 'Retired Service', BilledCost: '5.00' },
    ]);
    const report = await sync.syncTenant(DEMO_TENANT_ID, { now: hoursLater(1), force: true });
    expect(byId(report, AZURE_ID).rowsWritten).toBe(2);
    const after = await w.rows.rows(DEMO_TENANT_ID, { from: day, to: addDays(day, 1), subAccountId: AZURE_SUBSCRIPTIONS.production });
    expect(after.find((r) => r.ServiceName === 'Storage')?.BilledCost).toBe(storage.BilledCost);
    expect(after.some((r) => r.ServiceName === 'Retired Service')).toBe(false);
    expect(after).toHaveLength(before.length);
  });

  it('waits out a 429 (Azure) and a LimitExceededException (AWS), then succeeds', async () => {
    sandbox.sandbox.faults.costManagement.failNext({ status: 429, retryAfterSeconds: 1 });
    sandbox.sandbox.faults.costExplorer.failNext({ status: 400, code: 'LimitExceededException' });
    const report = await w.instance().syncTenant(DEMO_TENANT_ID, { now: NOW });
    const azure = byId(report, AZURE_ID);
    expect(azure.ok).toBe(true);
    expect(azure.calls).toBe(azure.minimumCalls + 1); // the throttled request, logged as an extra call
    expect(azure.rowsWritten).toBe(90 * 8);
    expect(report.connections.every((c) => c.ok)).toBe(true);
    expect(w.alerts).toEqual([]);
  });

  it('keeps the old rows when a provider fails and alerts once per outage, with the fix', async () => {
    await w.instance().syncTenant(DEMO_TENANT_ID, { now: NOW });
    const stored = (
      await w.rows.rows(DEMO_TENANT_ID, { from: '2025-01-01', to: '2027-01-01', subAccountId: AZURE_SUBSCRIPTIONS.production })
    ).length;
    sandbox.sandbox.faults.costManagement.failNext({
      status: 403,
      code: 'AuthorizationFailed',
      message: 'The client does not have authorization',
      times: 100,
    });
    // The next days' hourly retries: each fails, one alert in all.
    for (const hours of [24, 25, 26, 27]) {
      const report = await w.instance(`retry-${hours}`).syncTenant(DEMO_TENANT_ID, { now: hoursLater(hours) });
      expect(byId(report, AZURE_ID)).toMatchObject({ ok: false });
      expect(byId(report, AZURE_ID).problem).toMatch(/Cost Management Reader/);
    }
    expect(w.alerts.map((a) => a.title)).toEqual([`Azure subscriptions/${AZURE_SUBSCRIPTIONS.production}: cost sync failed`]);
    expect(w.alerts[0]!.message).toContain(sandbox.sandbox.app.clientId);
    expect(await w.ledger.count(DEMO_TENANT_ID, SYNC_ALERT_KIND)).toBe(1);
    expect(
      (await w.rows.rows(DEMO_TENANT_ID, { from: '2025-01-01', to: '2027-01-01', subAccountId: AZURE_SUBSCRIPTIONS.production })).length,
    ).toBe(stored);
    expect(await w.connections.get(DEMO_TENANT_ID, AZURE_ID)).toMatchObject({
      state: 'needs-attention',
      problem: { code: 'AuthorizationFailed' },
    });
    expect(await w.rows.syncState(DEMO_TENANT_ID, AZURE_ID)).toMatchObject({
      syncedAt: NOW.toISOString(),
      lastError: { code: 'AuthorizationFailed' },
    });

    // Recovered: the connection is healthy again; a later failure is a new outage, a new alert.
    sandbox.sandbox.faults.costManagement.reset();
    const recovered = await w.instance().syncTenant(DEMO_TENANT_ID, { now: hoursLater(28) });
    expect(byId(recovered, AZURE_ID).ok).toBe(true);
    expect(await w.connections.get(DEMO_TENANT_ID, AZURE_ID)).toMatchObject({ state: 'connected' });
    expect((await w.rows.syncState(DEMO_TENANT_ID, AZURE_ID))?.lastError).toBeUndefined();
    sandbox.sandbox.faults.costManagement.failNext({ status: 403, code: 'AuthorizationFailed', times: 10 });
    await w.instance().syncTenant(DEMO_TENANT_ID, { now: hoursLater(50), force: true });
    await w.instance().syncTenant(DEMO_TENANT_ID, { now: hoursLater(51), force: true });
    expect(w.alerts).toHaveLength(2);
  });

  it('alerts once per AWS permission problem, and once when data is older than 48 hours', async () => {
    await w.instance().syncTenant(DEMO_TENANT_ID, { now: NOW });
    // The admin swapped in a key without Cost Explorer permissions.
    const connection = (await w.connections.get(DEMO_TENANT_ID, AWS_KEY_ID))!;
    await w.connections.save(
      { ...connection },
      JSON.stringify({
        kind: 'access-key',
        accessKeyId: AWS_SANDBOX_KEYS.noCostExplorerPermission.accessKeyId,
        secretAccessKey: AWS_SANDBOX_KEYS.noCostExplorerPermission.secretAccessKey,
      }),
    );
    for (const hours of [24, 36, 49, 60]) await w.instance().syncTenant(DEMO_TENANT_ID, { now: hoursLater(hours) });
    const titles = w.alerts.map((a) => a.title);
    expect(titles).toEqual([
      `AWS account ${AWS_ACCOUNTS.main}: cost sync failed`,
      `AWS account ${AWS_ACCOUNTS.main}: cost data is out of date`,
    ]);
    expect(w.alerts[0]!.message).toContain('ce:GetCostAndUsage');
    expect(await w.ledger.count(DEMO_TENANT_ID, STALE_ALERT_KIND)).toBe(1);
  });

  it('lets one of two instances sync a connection at the same moment; the other reports skipped', async () => {
    const [a, b] = await Promise.all([
      w.instance('a').syncTenant(DEMO_TENANT_ID, { now: NOW }),
      w.instance('b').syncTenant(DEMO_TENANT_ID, { now: NOW }),
    ]);
    for (const id of [AZURE_ID, AWS_KEY_ID, AWS_ROLE_ID]) {
      const pair = [byId(a, id), byId(b, id)];
      expect(pair.filter((c) => c.skipped)).toHaveLength(1);
      expect(pair.find((c) => !c.skipped)).toMatchObject({ ok: true });
    }
    // `sync now` while another instance is still syncing the Azure scope: that one is skipped.
    const running = new Leases(w.store, 'busy-instance');
    expect(await running.acquire(`spend-sync-running|${AZURE_ID}`, 'run', 60_000)).toBe(true);
    const forced = await w.instance('c').syncTenant(DEMO_TENANT_ID, { now: NOW, force: true });
    expect(byId(forced, AZURE_ID)).toMatchObject({ skipped: true, calls: 0 });
    expect(byId(forced, AWS_KEY_ID)).toMatchObject({ ok: true, rowsWritten: 0 });
    await running.release(`spend-sync-running|${AZURE_ID}`, 'run');
    expect(byId(await w.instance('c').syncTenant(DEMO_TENANT_ID, { now: NOW, force: true }), AZURE_ID).skipped).toBeUndefined();
    const production = await w.rows.rows(DEMO_TENANT_ID, {
      from: addDays(TODAY, -90),
      to: addDays(TODAY, 1),
      subAccountId: AZURE_SUBSCRIPTIONS.production,
    });
    expect(production).toHaveLength(90 * 8);
  });

  it('the hourly job syncs every tenant with cost connections, each connection once a day', async () => {
    expect(await tenantsWithCostConnections(w.connections)).toContain(DEMO_TENANT_ID);
    const sync = w.instance();
    const [job] = spendJobs({ sync, connections: w.connections, log: sandbox.log });
    expect(job!.name).toBe('spend-sync');
    await job!.run(NOW);
    expect((await w.rows.freshness(DEMO_TENANT_ID)).map((f) => f.connectionId).sort()).toEqual([AWS_KEY_ID, AWS_ROLE_ID, AZURE_ID]);
    const queries = azureQueries();
    await job!.run(hoursLater(1));
    expect(azureQueries()).toBe(queries);
  });
});
