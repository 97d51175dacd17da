// Two approved requests for the same product with no free seat, fulfilled at about the same
// time on two instances, must buy one seat each. Partner Center's quantity PATCH is absolute,
// so both reading the count and adding one would give one seat between them (as it did before
// purchases took a per-subscription lock: src/storage/purchase-locks.ts).
//
// Here two instances share the tables; a 429 (Retry-After 5 s, waited inline) on the first
// PATCH keeps the first purchase open (and that instance's queue loop busy) while the other
// instance takes the second request and reads the same quantity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, DEMO, type TestUser } from '../harness/bot-harness.js';
import { requestForm, requestIdOf } from '../harness/licensing.js';

let harness: BotHarness;
let second: BotHarness | undefined;

beforeAll(async () => {
  harness = await BotHarness.start();
  // A second instance on the same tables: while the first one's queue loop waits out the
  // throttled purchase, the second one takes the next request (as behind a load balancer).
  second = await BotHarness.start(
    { tablePrefix: harness.config.tablePrefix },
    { sandbox: harness.sandbox, connector: harness.connector, instanceName: 'second' },
  );
  for (const user of [DEMO.alex, DEMO.adele, DEMO.megan, DEMO.isaiah, DEMO.patti]) await harness.personalChat(user).install();
}, 90_000);
afterAll(async () => {
  await second?.stop();
  await harness?.stop();
});

const everyone = [DEMO.alex, DEMO.adele, DEMO.megan, DEMO.isaiah, DEMO.patti];
const stored = async (id: string) => (await harness.qm.requests.get(DEMO_TENANT_ID, id))?.value;
const visioSeats = () =>
  harness.sandbox.state
    .subscriptions(DEMO_TENANT_ID)
    .find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!
    .lots.reduce((n, l) => n + l.quantity, 0);

async function requestVisioAndApprove(user: TestUser): Promise<string> {
  const result = await harness
    .personalChat(user)
    .click('submitRequest', requestForm(DEMO_OFFERS.visioPlan2.offerId, { justification: 'concurrent purchase' }), `form-${Math.random()}`);
  const id = requestIdOf(result.body.value);
  for (let guard = 0; guard < 5; guard++) {
    const request = await stored(id);
    if (request?.status !== 'pending') break;
    const stage = request.stages[request.stageIndex]!;
    const approver = everyone.find((u) => stage.approverIds.includes(u.aadObjectId))!;
    await harness.personalChat(approver).click('approveRequest', { requestId: id, stageIndex: request.stageIndex });
  }
  return id;
}

describe('two purchases for one subscription at once', () => {
  it('buy one seat each, and both complete', async () => {
    const before = visioSeats();
    harness.sandbox.faults.partnerCenter.failNext({ status: 429, retryAfterSeconds: 5, method: 'PATCH' });
    const first = await requestVisioAndApprove(DEMO.isaiah);
    await harness.until(
      async () => harness.sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH', status: 429 }) > 0,
      'the first purchase to be throttled',
    );
    const second = await requestVisioAndApprove(DEMO.alex);
    const finals = await Promise.all(
      [first, second].map((id) =>
        harness.until(
          async () => {
            const r = await stored(id);
            return r && (r.status === 'completed' || r.status === 'failed') ? r : undefined;
          },
          `${id} to finish`,
          30_000,
        ),
      ),
    );
    expect(finals.map((r) => [r.status, r.outcome?.message])).toEqual([
      ['completed', expect.stringContaining('Bought and assigned')],
      ['completed', expect.stringContaining('Bought and assigned')],
    ]);
    expect(visioSeats()).toBe(before + 2);
  }, 60_000);
});
