// "Approve automatically when a seat is free" approves no more requests than there are free
// seats, and never buys a seat nobody approved. Power BI Pro has 4 free seats of 10 in the
// demo tenant and costs 14 USD a month (under the 50 USD auto-approval threshold).
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, DEMO, type TestUser } from '../harness/bot-harness.js';
import { requestForm, requestIdOf, storedRequest, waitForStatus } from '../harness/licensing.js';

/** Demo colleagues 13–19: no Power BI license, manager Patti. */
const colleague = (n: number): TestUser => ({
  id: `29:demo-user-${n}`,
  name: `Demo user ${n}`,
  aadObjectId: `d0000000-0000-4000-8000-0000000000${n}`,
  tenantId: DEMO_TENANT_ID,
});
const COLLEAGUES = [13, 14, 15, 16, 17, 18, 19].map(colleague);

const harnesses: BotHarness[] = [];
afterAll(async () => {
  for (const harness of harnesses.reverse()) await harness.stop();
});

const powerBiPatches = (harness: BotHarness) =>
  harness.sandbox.state.requests.filter(
    (r) => r.service === 'partnerCenter' && r.method === 'PATCH' && r.path.endsWith(DEMO_SUBSCRIPTIONS.powerBiPro),
  ).length;

async function submitPowerBi(harness: BotHarness, user: TestUser): Promise<string> {
  const result = await harness.personalChat(user).click('submitRequest', requestForm(DEMO_OFFERS.powerBiPro.offerId), `form-${user.id}`);
  expect(result.status).toBe(200);
  return requestIdOf(result.body.value);
}

describe('seats that automatic approvals count on', () => {
  it('7 submissions at once for 4 free seats: 4 approved by policy, 3 to people, no seat bought', async () => {
    const harness = await BotHarness.start();
    harnesses.push(harness);
    for (const user of [...COLLEAGUES, DEMO.patti, DEMO.megan]) await harness.personalChat(user).install();
    expect(harness.sandbox.state.freeSeats(DEMO_TENANT_ID, 'POWER_BI_PRO')).toBe(4);

    const ids = await Promise.all(COLLEAGUES.map((user) => submitPowerBi(harness, user)));
    const requests = await Promise.all(ids.map(async (id) => (await storedRequest(harness, id))!));
    const automatic = requests.filter((r) => r.stages.length === 0);
    expect(automatic).toHaveLength(4);
    expect(automatic.every((r) => r.seatReserved)).toBe(true);
    const toPeople = requests.filter((r) => r.status === 'pending');
    expect(toPeople).toHaveLength(3);
    expect(toPeople.every((r) => r.stages[0]?.label === 'Patti Fernandez (manager)')).toBe(true);

    // The four take the four free seats; nothing is bought without a decision.
    for (const request of automatic) await waitForStatus(harness, request.id, 'completed');
    expect(harness.sandbox.state.freeSeats(DEMO_TENANT_ID, 'POWER_BI_PRO')).toBe(0);
    expect(powerBiPatches(harness)).toBe(0);
    for (const request of toPeople) expect((await storedRequest(harness, request.id))!.status).toBe('pending');
  });

  it('a request approved because a seat was free goes back to its approvers when the seat is gone before fulfilment', async () => {
    // One instance takes the submission and does no queue work; the seat is then taken outside
    // Quartermaster; a second instance on the same storage fulfils it.
    const front = await BotHarness.start({}, { startWorkers: false });
    harnesses.push(front);
    for (const user of [COLLEAGUES[0]!, DEMO.patti, DEMO.megan]) await front.personalChat(user).install();
    const id = await submitPowerBi(front, COLLEAGUES[0]!);
    expect(await storedRequest(front, id)).toMatchObject({ status: 'approved', seatReserved: true, stages: [] });

    const state = front.sandbox.state;
    for (const n of [14, 15, 16, 17])
      state.setLicenses(DEMO_TENANT_ID, colleague(n).aadObjectId, [DEMO_OFFERS.powerBiPro.graphSkuId, DEMO_OFFERS.m365E3.graphSkuId]);
    expect(state.freeSeats(DEMO_TENANT_ID, 'POWER_BI_PRO')).toBe(0);

    const worker = await BotHarness.start(
      { tablePrefix: front.config.tablePrefix },
      { sandbox: front.sandbox, connector: front.connector, instanceName: 'worker' },
    );
    harnesses.push(worker);
    const back = await waitForStatus(front, id, 'pending');
    expect(back.seatReserved).toBe(false);
    expect(back.stages[0]).toMatchObject({ label: 'Patti Fernandez (manager)' });
    expect(powerBiPatches(front)).toBe(0);
    await front.until(
      async () => front.sentTo(COLLEAGUES[0]!).some((a) => /seat was taken before it could be assigned/.test(a.text ?? '')),
      'the requester to be told why',
    );
    await front.until(async () => front.sentTo(DEMO.patti).some((a) => JSON.stringify(a).includes(id)), 'an approval card for Patti');
    // Patti and Megan approve: now a seat is bought.
    await front.personalChat(DEMO.patti).click('approveRequest', { requestId: id, stageIndex: 0 });
    await front.personalChat(DEMO.megan).click('approveRequest', { requestId: id, stageIndex: 1 });
    await waitForStatus(front, id, 'completed');
    expect(powerBiPatches(front)).toBe(1);
  });
});
