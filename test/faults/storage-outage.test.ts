// Storage falls over in the middle of a conversation. This file runs an Azurite of its own
// (tables + queues on free loopback ports, data in a mktemp folder so it survives a restart),
// stops it with SIGINT (Azurite saves its data on SIGINT) while a request waits for its
// second approver and another waits in the fulfilment queue, keeps talking to the bot for
// the outage, then starts Azurite again on the same ports and folder. It shows:
//   - meanwhile every message that needs storage gets the "try again in a minute" card
//     (`help` still answers), every card click an error invoke response, and /readyz says
//     503 (/healthz stays 200);
//   - after the restart the request submitted and half-approved before the outage is there
//     as it was, takes its second approval and completes (one seat bought);
//   - the queued fulfilment acknowledged before the outage still runs, exactly once.
//
// FAULT_OUTAGE_SECONDS sets how long storage is down: 5 by default (npm test), 20 for the
// issue's long variant:  FAULT_OUTAGE_SECONDS=20 npx vitest run test/faults/storage-outage.test.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_DOWN_MESSAGE } from '../../src/bot/error-boundary.js';
import { ChildProcesses } from '../../src/local/child-processes.js';
import { startAzurite } from '../../src/local/azurite.js';
import { createLogger } from '../../src/logger.js';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { requestForm, requestIdOf } from '../harness/licensing.js';
import { freePort } from '../harness/ports.js';

const OUTAGE_SECONDS = Number(process.env.FAULT_OUTAGE_SECONDS ?? 5);
/** Longer than the connectors wait inline (10 s): the fulfilment goes back to the queue with this delay. */
const THROTTLE_SECONDS = 12;

const log = createLogger('silent');
let dataDir: string;
let ports: { tablePort: number; queuePort: number };
let azurite: ChildProcesses | undefined;
let harness: BotHarness;

async function startStorage(): Promise<string> {
  azurite = new ChildProcesses(log);
  const { connectionString } = await startAzurite(azurite, { ...ports, dataDir });
  return connectionString;
}

async function stopStorage(): Promise<void> {
  const children = azurite;
  azurite = undefined;
  await children?.stopAll(15_000); // SIGINT: Azurite writes its data before it exits
}

beforeAll(async () => {
  if (!(OUTAGE_SECONDS >= 1))
    throw new Error(`FAULT_OUTAGE_SECONDS must be a number of seconds ≥ 1, not ${process.env.FAULT_OUTAGE_SECONDS}`);
  dataDir = mkdtempSync(join(tmpdir(), 'qm-outage-'));
  ports = { tablePort: await freePort(), queuePort: await freePort() };
  const connectionString = await startStorage();
  harness = await BotHarness.start({ storage: { kind: 'connection-string', connectionString } });
  for (const user of [DEMO.alex, DEMO.adele, DEMO.megan, DEMO.isaiah]) await chat(user).install();
}, 90_000);

afterAll(async () => {
  await harness?.stop();
  await stopStorage();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const chat = (user: TestUser) => harness.personalChat(user);
const stored = async (id: string) => (await harness.qm.requests.get(DEMO_TENANT_ID, id))?.value;
const visioSeats = () =>
  harness.sandbox.state
    .subscriptions(DEMO_TENANT_ID)
    .find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!
    .lots.reduce((n, l) => n + l.quantity, 0);
const visioPatches = () =>
  harness.sandbox.state.requests.filter(
    (r) => r.service === 'partnerCenter' && r.method === 'PATCH' && r.path.endsWith(DEMO_SUBSCRIPTIONS.visioPlan2) && r.status === 200,
  ).length;

const FAN_OUT = 150;
const fanOutPosts = () => harness.connector.sent.filter((s) => s.method === 'POST' && s.conversationId.startsWith('outage-fan-'));
const fanOutDelivered = () => new Set(fanOutPosts().map((s) => s.conversationId));

const projectOrders = () =>
  harness.sandbox.state.orders(DEMO_TENANT_ID).filter((o) => o.lineItems.some((l) => l.offerId === DEMO_OFFERS.projectPlan3.offerId))
    .length;

async function submitProject(user: TestUser, justification: string): Promise<string> {
  const result = await chat(user).click(
    'submitRequest',
    requestForm(DEMO_OFFERS.projectPlan3.offerId, { justification }),
    `form-${Math.random()}`,
  );
  return requestIdOf(result.body.value);
}

/** Approves every step of a request (Adele is the manager, Megan the group) until it leaves "pending". */
async function approveAll(id: string): Promise<void> {
  for (let guard = 0; guard < 4; guard++) {
    const request = await stored(id);
    if (request?.status !== 'pending') return;
    const approver = request.stageIndex === 0 ? DEMO.adele : DEMO.megan;
    await chat(approver).click('approveRequest', { requestId: id, stageIndex: request.stageIndex });
  }
}

async function submitVisio(user: TestUser, justification: string): Promise<string> {
  const result = await chat(user).click(
    'submitRequest',
    requestForm(DEMO_OFFERS.visioPlan2.offerId, { justification }),
    `form-${Math.random()}`,
  );
  return requestIdOf(result.body.value);
}

describe(`Azurite down for ${OUTAGE_SECONDS} s in the middle of a conversation`, () => {
  it(
    'says "try again" meanwhile, is not ready, and loses nothing acknowledged',
    async () => {
      const seatsBefore = visioSeats();
      const patchesBefore = visioPatches();

      // Before: Isaiah's request has its manager's approval and waits for the group (Megan).
      const waiting = await submitVisio(DEMO.isaiah, 'outage: waits for step 2');
      await chat(DEMO.adele).click('approveRequest', { requestId: waiting, stageIndex: 0 });
      expect(await stored(waiting)).toMatchObject({ status: 'pending', stageIndex: 1, decisions: [expect.anything()] });

      // Alex's request (Project Plan 3: no subscription yet, so a new order) is fully approved;
      // Partner Center throttles the order for longer than the connectors wait inline, so its
      // fulfilment goes back into the queue, delayed. (A different product from Isaiah's: two
      // purchases for one subscription at once run into a separate bug, see the report.)
      const queued = await submitProject(DEMO.alex, 'outage: waits in the queue');
      harness.sandbox.faults.partnerCenter.failNext({ status: 429, retryAfterSeconds: THROTTLE_SECONDS, method: 'POST', path: '/orders' });
      await approveAll(queued);
      await harness.until(
        async () => harness.sandbox.state.countRequests({ service: 'partnerCenter', method: 'POST', status: 429 }) > 0,
        'the throttled order',
      );
      await harness.until(async () => (await stored(queued))?.status === 'fulfilling', 'the queued request to be fulfilling');
      const ordersBefore = projectOrders();
      expect(visioSeats()).toBe(seatsBefore);
      expect((await harness.get('/readyz')).status).toBe(200);

      // A fan-out is under way: 150 alerts to 150 conversations, Teams answering slowly.
      for (let i = 0; i < FAN_OUT; i++)
        await harness.qm.conversations.save(DEMO_TENANT_ID, {
          channelId: 'msteams',
          serviceUrl: harness.connector.url,
          conversation: { id: `outage-fan-${i}`, conversationType: 'personal', tenantId: DEMO_TENANT_ID, isGroup: false, name: '' },
          bot: { id: '28:bot', name: 'Quartermaster' },
          user: { id: `29:outage-${i}`, name: `user ${i}` },
        });
      harness.connector.delayMs = 40;
      await Promise.all(
        Array.from({ length: FAN_OUT }, (_, i) =>
          harness.qm.outbox.enqueue({
            kind: 'text',
            key: `outage-fan|${i}`,
            tenantId: DEMO_TENANT_ID,
            conversationId: `outage-fan-${i}`,
            text: `Budget alert ${i}`,
          }),
        ),
      );
      await harness.until(async () => fanOutDelivered().size > 0, 'the fan-out to start');

      // The outage.
      const outageStarted = Date.now();
      await stopStorage();
      let turns = 0;
      while (Date.now() - outageStarted < OUTAGE_SECONDS * 1000) {
        const [reply] = await chat(DEMO.isaiah).say('my requests');
        expect(cardText(reply)).toContain(STORAGE_DOWN_MESSAGE);
        // `help` needs nothing from storage (no turn state, the chat already known): it still answers.
        const [help] = await chat(DEMO.isaiah).say('help');
        expect(cardText(help)).toContain('What I can do');
        expect((await harness.get('/readyz')).status).toBe(503);
        expect((await harness.get('/healthz')).status).toBe(200);
        turns++;
        await new Promise((r) => setTimeout(r, 500));
      }
      // A decision clicked during the outage is refused with an error the client shows, not taken.
      const refused = await chat(DEMO.megan).click('approveRequest', { requestId: waiting, stageIndex: 1 });
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({
        statusCode: 500,
        type: 'application/vnd.microsoft.error',
        value: { code: 'StorageUnavailable', message: expect.stringContaining('try again') },
      });
      expect(turns).toBeGreaterThan(0);

      // Storage comes back on the same ports with the same data.
      await startStorage();
      await harness.until(async () => (await harness.get('/readyz')).status === 200, '/readyz to be 200 again', 30_000);
      const [hello] = await chat(DEMO.isaiah).say('help');
      expect(cardText(hello)).not.toContain(STORAGE_DOWN_MESSAGE);

      // The fan-out was interrupted, not lost: it drains after recovery, each alert once.
      const duringOutage = fanOutDelivered().size;
      harness.connector.delayMs = 0;
      await harness.until(
        async () => fanOutDelivered().size === FAN_OUT,
        `the fan-out to drain (${fanOutDelivered().size} of ${FAN_OUT}, ${duringOutage} before recovery)`,
        60_000,
      );
      expect(fanOutPosts()).toHaveLength(FAN_OUT);

      // Isaiah's request is exactly as it was acknowledged: one decision, waiting for step 2.
      expect(await stored(waiting)).toMatchObject({ status: 'pending', stageIndex: 1, decisions: [expect.anything()] });
      const decided = await chat(DEMO.megan).click('approveRequest', { requestId: waiting, stageIndex: 1 });
      expect(decided.body?.type).not.toBe('application/vnd.microsoft.error');
      const [first, second] = await Promise.all(
        [waiting, queued].map((id) =>
          harness.until(
            async () => {
              const r = await stored(id);
              return r && (r.status === 'completed' || r.status === 'failed') ? r : undefined;
            },
            `${id} to finish`,
            (THROTTLE_SECONDS + 30) * 1000,
          ),
        ),
      );
      expect(first).toMatchObject({ status: 'completed', outcome: { kind: 'purchased' } });
      expect(second).toMatchObject({ status: 'completed', outcome: { kind: 'purchased' } });
      // One seat for Isaiah from one accepted quantity change; one order for Alex.
      expect(visioSeats()).toBe(seatsBefore + 1);
      expect(visioPatches() - patchesBefore).toBe(1);
      expect(projectOrders()).toBe(ordersBefore + 1);
      // And both requesters hear about it (their conversation references survived too).
      await harness.until(async () => harness.sentTo(DEMO.isaiah).some((m) => m.text?.includes(`${waiting} is done`)), 'Isaiah to be told');
      await harness.until(async () => harness.sentTo(DEMO.alex).some((m) => m.text?.includes(`${queued} is done`)), 'Alex to be told');
    },
    90_000 + OUTAGE_SECONDS * 2000,
  );
});
