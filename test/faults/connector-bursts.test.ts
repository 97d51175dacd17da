// Partner Center and Graph misbehaving in bursts while several requests are fulfilled at
// once: 429s with Retry-After, 500s, answers later than the client waits (the emulators'
// delay faults, against a 1 s client timeout), and garbage bodies (HTML and truncated JSON,
// some sent after the emulator did the work) from a recording proxy in front of each
// emulator (test/faults/fault-proxy.ts: no emulator switch sends a body that is not JSON).
// Every request must end completed, or failed with a message a person can act on; each
// request buys at most one seat or order (exactly one when it needed one) and assigns once;
// nothing crashes and the bot still answers.
//
// Two instances share the tables: "front" (no queue worker) takes the conversation while the
// emulators behave; "worker" (queue worker on, connectors with a 1 s timeout, through the
// proxies) starts once the faults are armed and does the fulfilment.
//
// FAULT_BURST_ROUNDS (default 1) repeats the bursts that many times over for a longer run:
//   FAULT_BURST_ROUNDS=4 npx vitest run test/faults/connector-bursts.test.ts
import { testClock } from '../harness/clock.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectors } from '../../src/connectors/index.js';
import { startQuartermaster, type Quartermaster } from '../../src/index.js';
import { createLogger } from '../../src/logger.js';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BotHarness, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';
import { requestForm, requestIdOf } from '../harness/licensing.js';
import { FaultProxy } from './fault-proxy.js';
import { TEST_START_OPTIONS } from '../harness/start-options.js';

const ROUNDS = Math.max(1, Number(process.env.FAULT_BURST_ROUNDS ?? 1));
/**
 * Garbage bodies from Graph too (a non-JSON answer is retried like a 5xx, see
 * src/connectors/graph/graph-errors.ts); FAULT_GRAPH_GARBAGE=0 leaves them out.
 */
const GRAPH_GARBAGE = process.env.FAULT_GRAPH_GARBAGE !== '0';
const log = createLogger((process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent');
let sandbox: Sandbox;
let connector: LoopbackConnector;
let front: BotHarness;
let worker: Quartermaster | undefined;
let proxies: { graph: FaultProxy; partnerCenter: FaultProxy } | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({ clock: testClock });
  connector = new LoopbackConnector();
  await connector.start();
  front = await BotHarness.start(
    { tablePrefix: `cb${randomBytes(4).toString('hex')}` },
    { sandbox, connector, startWorkers: false, instanceName: 'front' },
  );
  for (const user of [DEMO.alex, DEMO.adele, DEMO.megan, DEMO.isaiah, DEMO.patti, DEMO.lynne]) await front.personalChat(user).install();
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await front?.stop();
  await proxies?.graph.stop();
  await proxies?.partnerCenter.stop();
  await connector?.stop();
  await sandbox?.stop();
});

const stored = async (id: string) => (await front.qm.requests.get(DEMO_TENANT_ID, id))?.value;
const subscriptionSeats = (id: string) =>
  sandbox.state
    .subscriptions(DEMO_TENANT_ID)
    .find((s) => s.id === id)!
    .lots.reduce((n, l) => n + l.quantity, 0);
const holds = (userId: string, graphSkuId: string) =>
  [...(sandbox.state.findUser(DEMO_TENANT_ID, userId)?.assignedSkuIds ?? [])].some((s) => s.toLowerCase() === graphSkuId.toLowerCase());
const told = (user: TestUser, id: string) =>
  front.sentTo(user).filter((m) => m.text?.includes(id) && /is done|could not be completed/.test(m.text));
const everyone = [DEMO.alex, DEMO.adele, DEMO.megan, DEMO.isaiah, DEMO.patti];

async function submit(user: TestUser, offerId: string): Promise<string> {
  const result = await front
    .personalChat(user)
    .click('submitRequest', requestForm(offerId, { justification: 'bursts' }), `form-${Math.random()}`);
  return requestIdOf(result.body.value);
}

/** Approves every step, each by someone its stage names. */
async function approveAll(id: string): Promise<void> {
  for (let guard = 0; guard < 5; guard++) {
    const request = await stored(id);
    if (request?.status !== 'pending') return;
    const stage = request.stages[request.stageIndex]!;
    const approver = everyone.find((u) => stage.approverIds.includes(u.aadObjectId))!;
    await front.personalChat(approver).click('approveRequest', { requestId: id, stageIndex: request.stageIndex });
  }
}

function armBursts(p: { graph: FaultProxy; partnerCenter: FaultProxy }): void {
  const pc = sandbox.faults.partnerCenter;
  const graph = sandbox.faults.graph;
  for (let round = 0; round < ROUNDS; round++) {
    // Partner Center: throttling, server errors, slow answers (work done, answer too late), garbage.
    pc.failNext({ status: 429, retryAfterSeconds: 1, times: 2 });
    pc.failNext({ status: 500, times: 2 });
    pc.failNext({ status: 503, times: 1, method: 'PATCH', afterProcessing: true });
    pc.delay(2_000, { times: 2 });
    p.partnerCenter.inject({ kind: 'html', times: 2 });
    p.partnerCenter.inject({ kind: 'truncated-json', method: 'POST', path: /\/orders$/, afterForwarding: true });
    p.partnerCenter.inject({ kind: 'reset', times: 1 });
    // Graph: the same kinds.
    graph.failNext({ status: 429, retryAfterSeconds: 1, times: 2 });
    graph.failNext({ status: 500, times: 2 });
    graph.failNext({ status: 502, times: 1, method: 'POST', afterProcessing: true });
    graph.delay(2_000, { times: 2 });
    p.graph.inject({ kind: 'reset', times: 1 });
    if (GRAPH_GARBAGE) {
      p.graph.inject({ kind: 'truncated-json', times: 2 });
      p.graph.inject({ kind: 'html', method: 'POST', path: /assignLicense$/, afterForwarding: true });
    }
  }
}

describe('Partner Center and Graph failing in bursts during fulfilment', () => {
  it(
    'ends every request completed or failed with a clear message, one purchase each, no crash',
    async () => {
      const visioBefore = subscriptionSeats(DEMO_SUBSCRIPTIONS.visioPlan2);
      const projectOrders = () =>
        sandbox.state.orders(DEMO_TENANT_ID).filter((o) => o.lineItems.some((l) => l.offerId === DEMO_OFFERS.projectPlan3.offerId));
      const ordersBefore = projectOrders().length;
      // Several requests, at most one per product that needs buying (two purchases for the same
      // subscription at once are a separate, known problem: see the report).
      const cases: {
        user: TestUser;
        offer: (typeof DEMO_OFFERS)[keyof typeof DEMO_OFFERS];
        expect: 'purchased' | 'assigned' | 'failed';
      }[] = [
        { user: DEMO.isaiah, offer: DEMO_OFFERS.visioPlan2, expect: 'purchased' }, // no free seat: quantity +1
        { user: DEMO.megan, offer: DEMO_OFFERS.projectPlan3, expect: 'purchased' }, // no subscription: a new order
        { user: DEMO.alex, offer: DEMO_OFFERS.powerBiPro, expect: 'assigned' }, // free seats
        { user: DEMO.isaiah, offer: DEMO_OFFERS.powerBiPro, expect: 'assigned' },
        { user: DEMO.megan, offer: DEMO_OFFERS.teamsPremium, expect: 'assigned' },
        { user: DEMO.lynne, offer: DEMO_OFFERS.teamsPremium, expect: 'failed' }, // no usage location
      ];
      const ids: string[] = [];
      for (const c of cases) {
        const id = await submit(c.user, c.offer.offerId);
        await approveAll(id);
        expect((await stored(id))!.status).toBe('approved'); // queued; nobody works the queue yet
        ids.push(id);
      }

      // The worker instance starts into the bursts.
      const partnerCenter = await FaultProxy.start(sandbox.urls.partnerCenter);
      const graph = await FaultProxy.start(sandbox.urls.graph);
      proxies = { partnerCenter, graph };
      armBursts(proxies);
      const faultedBefore = sandbox.state.requests.filter((r) => r.faulted).length;
      const view: Sandbox = { ...sandbox, urls: { ...sandbox.urls, partnerCenter: partnerCenter.url, graph: graph.url } };
      const connectors = createConnectors(
        { mode: 'sandbox', sandbox: view, retry: { minDelayMs: 20, maxDelayMs: 200, timeoutMs: 1_000 }, clock: testClock },
        log,
      );
      worker = await startQuartermaster({ ...front.config, port: 0 }, log, {
        ...TEST_START_OPTIONS,
        connectors,
        instanceName: 'worker',
        clock: testClock,
      });

      const finals = await Promise.all(
        ids.map((id) =>
          front.until(
            async () => {
              const r = await stored(id);
              return r && (r.status === 'completed' || r.status === 'failed') ? r : undefined;
            },
            `${id} to finish`,
            50_000,
          ),
        ),
      );

      // The bursts did reach the connectors.
      expect(sandbox.state.requests.filter((r) => r.faulted).length - faultedBefore).toBeGreaterThanOrEqual(8);
      expect(partnerCenter.calls.filter((c) => c.faulted).length + graph.calls.filter((c) => c.faulted).length).toBeGreaterThanOrEqual(4);
      expect([partnerCenter.pending(), graph.pending()]).toEqual([0, 0]); // every garbage body and reset was sent

      for (const [n, c] of cases.entries()) {
        const request = finals[n]!;
        const label = `${c.user.name} / ${c.offer.skuPartNumber}: ${request.status} ${request.outcome?.message}`;
        // A message a person can read: no stack, no internals, no "undefined".
        expect(request.outcome?.message, label).toBeTruthy();
        expect(request.outcome!.message, label).not.toMatch(/undefined|\[object|at \w+ \(|Error:|ECONN|<html|JSON/i);
        if (c.expect === 'failed') {
          expect(request.status, label).toBe('failed');
          expect(request.outcome!.message, label).toContain('usage location');
        } else {
          expect(request.status, label).toBe('completed');
          expect(request.outcome!.kind, label).toBe(c.expect);
          expect(holds(c.user.aadObjectId, c.offer.graphSkuId), label).toBe(true);
        }
        // The requester hears the end (exactly once: checked below, after all are told).
        await front.until(async () => told(c.user, ids[n]!).length > 0, `${label}: the requester to be told`, 10_000);
      }
      await new Promise((r) => setTimeout(r, 500)); // a duplicate would show up by now
      for (const [n, c] of cases.entries()) expect(told(c.user, ids[n]!), `${c.user.name} / ${c.offer.skuPartNumber}`).toHaveLength(1);
      // Exactly one seat for the Visio request, exactly one order for the Project request,
      // even though some changes were answered with errors or garbage after they were made.
      expect(subscriptionSeats(DEMO_SUBSCRIPTIONS.visioPlan2)).toBe(visioBefore + 1);
      expect(projectOrders().length).toBe(ordersBefore + 1);
      expect(holds(DEMO_USERS.lynne.id, DEMO_OFFERS.teamsPremium.graphSkuId)).toBeFalsy();

      // No crash: both instances still answer, and the worker is ready.
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
      const [reply] = await front.personalChat(DEMO.alex).say('help');
      expect(cardText(reply)).toContain('What I can do');
    },
    60_000 + ROUNDS * 20_000,
  );
});
