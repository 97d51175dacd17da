// Approvals of one request clicked on three Quartermaster OS processes at once (as behind a
// load balancer): one decision per step, one purchase. Each process
// (test/e2e/instance-process.ts, run with tsx) has its own server, queue worker, scheduler
// and lease holder name; all share the run's Azurite under one table prefix, the loopback
// connector, and the Partner Center / Graph emulators that this test process runs (each
// process reaches them through its own recording proxy, so the test sees which process made
// each call). The in-process variant, plus the scheduler and the queue cases, is in
// several-instances.test.ts.
import { testClock } from '../harness/clock.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/index.js';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { RequestRepository } from '../../src/storage/requests.js';
import { TableStore } from '../../src/storage/table-store.js';
import { DEMO, TestConversation, testConfig, type BotHarness, type HttpResult, type TestUser } from '../harness/bot-harness.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';
import { requestForm, requestIdOf } from '../harness/licensing.js';
import { FaultProxy } from '../faults/fault-proxy.js';

const NAMES = ['proc-1', 'proc-2', 'proc-3'];
let sandbox: Sandbox;
let connector: LoopbackConnector;
let requests: RequestRepository;
const children: ChildProcess[] = [];
const urls: string[] = [];
const proxies: FaultProxy[] = [];

function startInstance(
  config: ResolvedConfig,
  endpoints: Pick<Sandbox, 'urls' | 'app' | 'partnerTenantId' | 'priceListCsv'>,
  instanceName: string,
): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', 'test/e2e/instance-process.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      QM_INSTANCE: JSON.stringify({ config, sandbox: endpoints, instanceName, clockAt: testClock().toISOString() }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const ready = /READY (\S+)/.exec(out);
      if (ready) resolve(ready[1]!);
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => reject(new Error(`${instanceName} exited (${code}) before it was ready:\n${err}`)));
    setTimeout(() => reject(new Error(`${instanceName} not ready within 120 s:\n${err}`)), 120_000).unref();
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ clock: testClock });
  connector = new LoopbackConnector();
  await connector.start();
  const config = testConfig({ logLevel: 'silent', tablePrefix: `mp${randomBytes(4).toString('hex')}` });
  requests = new RequestRepository(new TableStore(config.storage, config.tablePrefix, testClock));
  const started = NAMES.map(async (name) => {
    const partnerCenter = await FaultProxy.start(sandbox.urls.partnerCenter);
    const graph = await FaultProxy.start(sandbox.urls.graph);
    proxies.push(partnerCenter, graph);
    const url = await startInstance(
      config,
      {
        urls: { ...sandbox.urls, partnerCenter: partnerCenter.url, graph: graph.url },
        app: sandbox.app,
        partnerTenantId: sandbox.partnerTenantId,
        priceListCsv: sandbox.priceListCsv,
      },
      name,
    );
    return { url, partnerCenter, graph };
  });
  instances.push(...(await Promise.all(started)));
  urls.push(...instances.map((i) => i.url));
  for (const user of [DEMO.isaiah, DEMO.adele, DEMO.megan]) await chat(user, 0).install();
}, 180_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await Promise.allSettled(proxies.map((p) => p.stop()));
  await connector?.stop();
  await sandbox?.stop();
}, 30_000);

const instances: { url: string; partnerCenter: FaultProxy; graph: FaultProxy }[] = [];

/** A 1:1 chat with the process `n` (the harness's conversation, posting to that process). */
function chat(user: TestUser, n: number): TestConversation {
  const url = instances[n]!.url;
  const post = async (body: unknown): Promise<HttpResult> => {
    const response = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return new TestConversation({ connector, post } as unknown as BotHarness, user, {
    id: `a:personal-${user.id}`,
    conversationType: 'personal',
    tenantId: user.tenantId,
  });
}

const stored = async (id: string) => (await requests.get(DEMO_TENANT_ID, id))?.value;
const visioSeats = () =>
  sandbox.state
    .subscriptions(DEMO_TENANT_ID)
    .find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!
    .lots.reduce((n, l) => n + l.quantity, 0);

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('three Quartermaster processes on one storage', () => {
  it('give one decision per step and one purchase when approvers click on all three at once', async () => {
    expect(new Set(urls).size).toBe(3);
    const seatsBefore = visioSeats();
    const patchesBefore = sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH' });
    const submitted = await chat(DEMO.isaiah, 1).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.visioPlan2.offerId, { justification: 'three processes' }),
      'form-1',
    );
    const id = requestIdOf(submitted.body.value);
    expect(await stored(id)).toMatchObject({ status: 'pending', stageIndex: 0 });

    const clickEverywhere = (user: TestUser, stageIndex: number) =>
      Promise.all(
        NAMES.flatMap((_, n) =>
          [0, 1].map(() => chat(user, n).click('approveRequest', { requestId: id, stageIndex }, `card-${Math.random()}`)),
        ),
      );
    const stage1 = await clickEverywhere(DEMO.adele, 0);
    expect(stage1.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(stage1.filter((r) => r.body?.type === 'application/vnd.microsoft.error')).toEqual([]);
    expect(await stored(id)).toMatchObject({
      status: 'pending',
      stageIndex: 1,
      decisions: [expect.objectContaining({ stageIndex: 0, approverId: DEMO.adele.aadObjectId })],
    });

    const stage2 = await clickEverywhere(DEMO.megan, 1);
    expect(stage2.filter((r) => r.status !== 200 || r.body?.type === 'application/vnd.microsoft.error')).toEqual([]);
    const done = await until(async () => {
      const r = await stored(id);
      return r && (r.status === 'completed' || r.status === 'failed') ? r : undefined;
    }, `${id} to finish`);
    expect(done.status).toBe('completed');
    expect(done.outcome?.kind).toBe('purchased');
    expect(done.decisions.map((d) => [d.stageIndex, d.approverId])).toEqual([
      [0, DEMO.adele.aadObjectId],
      [1, DEMO.megan.aadObjectId],
    ]);
    // One seat more in Partner Center, from one quantity change by one process; one assignment.
    expect(visioSeats()).toBe(seatsBefore + 1);
    expect(sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH' }) - patchesBefore).toBe(1);
    expect(instances.filter((i) => i.partnerCenter.count('PATCH', /\/subscriptions\//) > 0)).toHaveLength(1);
    expect(instances.map((i) => i.graph.count('POST', new RegExp(`/users/${DEMO_USERS.isaiah.id}/assignLicense$`)))).toSatisfy(
      (counts: number[]) => counts.reduce((a, b) => a + b, 0) === 1,
    );
    // Isaiah is told once.
    await until(
      async () =>
        connector.sent.some((s) => s.conversationId === `a:personal-${DEMO.isaiah.id}` && s.activity.text?.includes(`${id} is done`)),
      'Isaiah to be told',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(
      connector.sent.filter((s) => s.conversationId === `a:personal-${DEMO.isaiah.id}` && s.activity.text?.includes(`${id} is done`)),
    ).toHaveLength(1);
    // Every proactive message went through the outbox once: each approver got one card, and no
    // conversation got the same message twice from the three processes.
    for (const approver of [DEMO.adele, DEMO.megan]) {
      const cards = connector.sent.filter(
        (s) =>
          s.method === 'POST' &&
          s.conversationId === `a:personal-${approver.id}` &&
          JSON.stringify(s.activity.attachments ?? []).includes(id),
      );
      expect(cards, approver.name).toHaveLength(1);
    }
    const posts = connector.sent
      .filter((s) => s.method === 'POST')
      .map((s) => `${s.conversationId}|${s.activity.text ?? ''}|${JSON.stringify(s.activity.attachments ?? [])}`);
    expect(posts.length - new Set(posts).size).toBe(0);
  }, 60_000);
});
