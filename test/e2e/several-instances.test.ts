// Three Quartermaster instances behind one (imaginary) load balancer, on one storage: the
// run's Azurite, one table prefix, one set of loopback emulators and one loopback
// connector. Shows that a scheduled job window runs once across the three, that approvals
// of one request clicked on all three at once give one decision and one purchase, and that
// each fulfilment queue message is worked on by exactly one instance.
//
// The three instances run in this test's process (three startQuartermaster calls, each with
// its own server, queue worker, scheduler, connectors and lease holder name), not as three OS
// processes: the entry point in sandbox mode starts emulators of its own, so three processes
// could not share one Partner Center emulator, which is what "one seat added" is checked on.
// Each instance reaches the emulators through its own recording proxy, so the test knows which
// instance made each Partner Center / Graph call.
import { testClock } from '../harness/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { Leases } from '../../src/storage/leases.js';
import { WorkQueues } from '../../src/storage/queues.js';
import { BotHarness, DEMO, type TestUser } from '../harness/bot-harness.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';
import { requestForm, requestIdOf } from '../harness/licensing.js';
import { FaultProxy } from '../faults/fault-proxy.js';

const NAMES = ['qm-1', 'qm-2', 'qm-3'] as const;
const tablePrefix = `mi${Date.now().toString(36)}`;
let sandbox: Sandbox;
let connector: LoopbackConnector;
const instances: BotHarness[] = [];
/** Per instance, the proxies its Graph and Partner Center calls go through. */
const proxies: { graph: FaultProxy; partnerCenter: FaultProxy }[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ clock: testClock });
  connector = new LoopbackConnector();
  await connector.start();
  for (const instanceName of NAMES) {
    const graph = await FaultProxy.start(sandbox.urls.graph);
    const partnerCenter = await FaultProxy.start(sandbox.urls.partnerCenter);
    proxies.push({ graph, partnerCenter });
    // Same emulator state and fault switches; only this instance's base URLs differ.
    const view: Sandbox = { ...sandbox, urls: { ...sandbox.urls, graph: graph.url, partnerCenter: partnerCenter.url } };
    instances.push(await BotHarness.start({ tablePrefix }, { sandbox: view, connector, instanceName }));
  }
  for (const user of [DEMO.alex, DEMO.adele, DEMO.megan, DEMO.isaiah, DEMO.patti]) await instances[0]!.personalChat(user).install();
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(instances.map((i) => i.stop()));
  await Promise.allSettled(proxies.flatMap((p) => [p.graph.stop(), p.partnerCenter.stop()]));
  await connector?.stop();
  await sandbox?.stop();
});

const first = () => instances[0]!;
const stored = async (id: string) => (await first().qm.requests.get(DEMO_TENANT_ID, id))?.value;
const waitForFinal = (id: string, timeoutMs = 30_000) =>
  first().until(
    async () => {
      const r = await stored(id);
      return r && (r.status === 'completed' || r.status === 'failed') ? r : undefined;
    },
    `${id} to finish`,
    timeoutMs,
  );
const visioSeats = () =>
  sandbox.state
    .subscriptions(DEMO_TENANT_ID)
    .find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!
    .lots.reduce((n, l) => n + l.quantity, 0);
const assignCalls = (proxy: FaultProxy, userId: string) => proxy.count('POST', new RegExp(`/users/${userId}/assignLicense$`));

async function submit(instance: BotHarness, user: TestUser, offerId: string, justification: string): Promise<string> {
  const result = await instance.personalChat(user).click('submitRequest', requestForm(offerId, { justification }), `form-${Math.random()}`);
  return requestIdOf(result.body.value);
}

describe('three instances on one storage', () => {
  it('run a scheduled job window once across the three (reminders, end to end)', async () => {
    const id = await submit(instances[1]!, DEMO.isaiah, DEMO_OFFERS.projectPlan3.offerId, 'scheduler window');
    const created = Date.parse((await stored(id))!.createdAt);
    const runsBy: Record<string, number> = {};
    const log = createLogger('silent');
    // Each instance's own scheduler machinery (Scheduler + a Leases holder named after it) on
    // the shared tables, running that instance's reminder service; windows at a chosen time.
    const schedulers = instances.map((instance, n) => {
      const name = NAMES[n]!;
      const scheduler = new Scheduler(new Leases(instance.qm.store, name), log);
      const job = {
        name: 'request-reminders-three',
        pattern: '*/15 * * * *',
        leaseMs: 10 * 60_000,
        run: async (now: Date) => {
          runsBy[name] = (runsBy[name] ?? 0) + 1;
          await instance.qm.reminders.run(now);
        },
      };
      return { scheduler, job };
    });
    const remindersToAdele = () =>
      connector.sent.filter(
        (s) =>
          s.conversationId === `a:personal-${DEMO.adele.id}` &&
          s.method === 'POST' &&
          s.activity.text?.startsWith('Reminder') &&
          s.activity.text.includes(id),
      );
    // A window starts on a minute (the scheduler keys windows by minute, as cron ticks).
    const window = new Date(Math.ceil((created + 25 * 3600_000) / 60_000) * 60_000);

    const ran = await Promise.all(schedulers.map(({ scheduler, job }) => scheduler.runWindow(job, window)));
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(Object.values(runsBy).reduce((a, b) => a + b, 0)).toBe(1);
    // Sent by the instance that owns the tenant's notifications queue: at once, or through the queue.
    await first().until(async () => remindersToAdele().length >= 1, 'the reminder to Adele');
    expect(remindersToAdele()).toHaveLength(1);

    // The same window again (a late tick on each instance): nobody runs it.
    const again = await Promise.all(schedulers.map(({ scheduler, job }) => scheduler.runWindow(job, new Date(window.getTime() + 30_000))));
    expect(again.filter(Boolean)).toHaveLength(0);
    // The next window runs once more, on one instance; the reminder is not sent twice.
    const next = await Promise.all(
      schedulers.map(({ scheduler, job }) => scheduler.runWindow(job, new Date(window.getTime() + 15 * 60_000))),
    );
    expect(next.filter(Boolean)).toHaveLength(1);
    expect(Object.values(runsBy).reduce((a, b) => a + b, 0)).toBe(2);
    await Promise.all(instances.map((i) => i.drain()));
    expect(remindersToAdele()).toHaveLength(1);
    await first().personalChat(DEMO.isaiah).click('cancelRequest', { requestId: id });
  });

  it('give one decision per step and one purchase when approvers click on all three at once', async () => {
    const seatsBefore = visioSeats();
    const patchesBefore = sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH' });
    const assignsBefore = proxies.map((p) => assignCalls(p.graph, DEMO_USERS.isaiah.id));
    const id = await submit(instances[2]!, DEMO.isaiah, DEMO_OFFERS.visioPlan2.offerId, 'three instances');
    const clickEverywhere = (user: TestUser, stageIndex: number) =>
      Promise.all(
        instances.flatMap((instance) =>
          [0, 1].map(() => instance.personalChat(user).click('approveRequest', { requestId: id, stageIndex }, `card-${Math.random()}`)),
        ),
      );

    const stage1 = await clickEverywhere(DEMO.adele, 0);
    for (const result of stage1) expect(result.status).toBe(200);
    expect(stage1.every((r) => r.body?.type !== 'application/vnd.microsoft.error')).toBe(true);
    const afterStage1 = (await stored(id))!;
    expect(afterStage1.decisions).toHaveLength(1);
    expect(afterStage1.stageIndex).toBe(1);

    const stage2 = await clickEverywhere(DEMO.megan, 1);
    expect(stage2.every((r) => r.status === 200 && r.body?.type !== 'application/vnd.microsoft.error')).toBe(true);
    const done = await waitForFinal(id);
    expect(done.status).toBe('completed');
    expect(done.outcome?.kind).toBe('purchased');
    expect(done.decisions.map((d) => [d.stageIndex, d.approverId, d.decision])).toEqual([
      [0, DEMO.adele.aadObjectId, 'approve'],
      [1, DEMO.megan.aadObjectId, 'approve'],
    ]);
    // Partner Center: one seat more, from one quantity change made by one instance.
    expect(visioSeats()).toBe(seatsBefore + 1);
    expect(sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH' }) - patchesBefore).toBe(1);
    expect(
      proxies.filter((p) => p.partnerCenter.count('PATCH', new RegExp(`/subscriptions/${DEMO_SUBSCRIPTIONS.visioPlan2}$`)) > 0),
    ).toHaveLength(1);
    // And one assignment, by one instance.
    expect(proxies.map((p, i) => assignCalls(p.graph, DEMO_USERS.isaiah.id) - assignsBefore[i]!).filter((n) => n > 0)).toEqual([1]);
    // The requester is told once.
    await first().until(
      async () =>
        first()
          .sentTo(DEMO.isaiah)
          .some((m) => m.text?.includes(`${id} is done`)),
      'Isaiah to be told',
    );
    expect(
      first()
        .sentTo(DEMO.isaiah)
        .filter((m) => m.text?.includes(`${id} is done`)),
    ).toHaveLength(1);
  });

  it('work each fulfilment queue message on exactly one instance', async () => {
    // Four auto-approved requests (free seats, under the threshold), for four different
    // people, each submitted on a different instance; all three workers poll the one queue.
    const cases: [BotHarness, TestUser, string][] = [
      [instances[0]!, DEMO.alex, DEMO_OFFERS.powerBiPro.offerId],
      [instances[1]!, DEMO.isaiah, DEMO_OFFERS.powerBiPro.offerId],
      [instances[2]!, DEMO.megan, DEMO_OFFERS.teamsPremium.offerId],
      [instances[0]!, DEMO.adele, DEMO_OFFERS.teamsPremium.offerId],
    ];
    const before = cases.map(([, user]) => proxies.map((p) => assignCalls(p.graph, user.aadObjectId)));
    const ordersBefore =
      sandbox.state.countRequests({ service: 'partnerCenter', method: 'POST' }) +
      sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH' });
    const ids = await Promise.all(cases.map(([instance, user, offer]) => submit(instance, user, offer, 'queue')));
    const finished = await Promise.all(ids.map((id) => waitForFinal(id)));
    expect(finished.map((r) => [r.id, r.status])).toEqual(ids.map((id) => [id, 'completed']));
    for (const [n, [, user]] of cases.entries()) {
      const perInstance = proxies.map((p, i) => assignCalls(p.graph, user.aadObjectId) - before[n]![i]!);
      // Exactly one instance assigned this person's license, exactly once.
      expect(
        perInstance.filter((n) => n > 0),
        `${user.name}: ${perInstance.join('/')}`,
      ).toEqual([1]);
    }
    // No order or seat change for seats that were free.
    expect(
      sandbox.state.countRequests({ service: 'partnerCenter', method: 'POST' }) +
        sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH' }),
    ).toBe(ordersBefore);
    const queue = new WorkQueues({ kind: 'connection-string', connectionString: inject('storageConnectionString') }, tablePrefix).queue(
      'fulfilment',
    );
    await first().until(async () => (await queue.approximateCount()) === 0, 'the fulfilment queue to be empty');
  });
});
