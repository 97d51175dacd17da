// Subscription management end to end: an admin lists subscriptions, opens one, confirms a
// change on a card; the change goes through the approval policy and the fulfilment queue to
// the Partner Center emulator, and lands in the audit log. Plus refusals, stale cards and
// double clicks.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { requestIdOf, waitForStatus } from '../harness/licensing.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);

beforeAll(async () => {
  harness = await BotHarness.start();
  for (const user of [DEMO.alex, DEMO.adele, DEMO.megan]) await chat(user).install();
});
afterAll(async () => {
  await harness.stop();
});
// Each test starts from the seeded subscriptions, with nothing of the test before it still under way.
beforeEach(() => harness.sandbox.reset());
afterEach(() => harness.drain());

const subscription = (id: string) => harness.sandbox.state.subscriptions(DEMO_TENANT_ID).find((s) => s.id === id)!;
const quantityOf = (id: string) => subscription(id).lots.reduce((n, lot) => n + lot.quantity, 0);
const patches = () => harness.sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH' });

/** Clicks a card button as `user` and returns the card that replaced it. */
async function click(user: TestUser, verb: string, data: Record<string, unknown>) {
  const result = await chat(user).click(verb, data);
  return { status: result.status, card: result.body?.value, text: cardText(result.body?.value) };
}

/** The data of the card's Confirm button (what Teams would send back). */
function confirmData(card: any): Record<string, unknown> {
  const confirm = card.actions.find((a: any) => a.verb === 'confirmSubscriptionChange');
  expect(confirm, 'a Confirm button').toBeDefined();
  return confirm.data;
}

async function prepare(user: TestUser, subscriptionId: string, action: string, inputs: Record<string, unknown> = {}) {
  return click(user, 'prepareSubscriptionChange', { subscriptionId, action, ...inputs });
}

describe('the list', () => {
  it('shows each subscription with seats, term, renewal and what can still be removed', async () => {
    const [reply] = await chat(DEMO.alex).say('subscriptions');
    const text = cardText(reply);
    expect(text).toContain('Subscriptions');
    for (const name of ['Microsoft 365 E3', 'Power BI Pro', 'Visio Plan 2', 'Teams Premium']) expect(text).toContain(name);
    expect(text).toMatch(/5 bought · \d+ assigned · \d+ free/);
    expect(text).toContain('None now: the 7-day window has closed');
    // Teams Premium: one seat added in the portal two days ago; Partner Center does not say how many.
    expect(text).toMatch(/up to \d+ seats?, until/);
    expect(text).toContain('(auto-renew on)');
  });

  it('filters by product name, from the command or the card', async () => {
    const text = cardText((await chat(DEMO.alex).say('subscriptions visio'))[0]);
    expect(text).toContain('Visio Plan 2');
    expect(text).not.toContain('Power BI Pro');
    const filtered = await click(DEMO.alex, 'listSubscriptions', { page: 0, filter: 'power' });
    expect(filtered.text).toContain('Power BI Pro');
    expect(filtered.text).not.toContain('Visio Plan 2');
    expect((await click(DEMO.alex, 'listSubscriptions', { page: 0, filter: 'nothing like it' })).text).toContain('No subscription matches');
  });

  it('is for admins only', async () => {
    const [reply] = await chat(DEMO.megan).say('subscriptions');
    expect(reply!.text).toContain('Only admins can manage subscriptions');
    const before = patches();
    const forged = await chat(DEMO.megan).click('prepareSubscriptionChange', {
      subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2,
      action: 'suspend',
    });
    expect(JSON.stringify(forged.body)).toContain('Only admins');
    const confirm = await chat(DEMO.megan).click('confirmSubscriptionChange', {
      subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2,
      action: 'suspend',
      version: 'x',
      confirmationId: 'a'.repeat(24),
    });
    expect(JSON.stringify(confirm.body)).toContain('Only admins');
    expect(patches()).toBe(before);
    expect(subscription(DEMO_SUBSCRIPTIONS.visioPlan2).status).toBe('active');
  });
});

describe('adding seats, then removing them inside the window', () => {
  it('asks the approvers (a purchase over the threshold), buys, records, and can take them back', async () => {
    const id = DEMO_SUBSCRIPTIONS.visioPlan2;
    const detail = await click(DEMO.alex, 'showSubscription', { subscriptionId: id });
    expect(detail.text).toContain('Visio Plan 2');
    expect(detail.text).toContain('5 bought');

    const confirm = await prepare(DEMO.alex, id, 'add-seats', { addSeats: '2' });
    expect(confirm.text).toContain('Add 2 seats (5 → 7)');
    expect(confirm.text).toContain('+30.00 USD per month');
    expect(quantityOf(id)).toBe(5); // nothing happens before Confirm

    const submitted = await click(DEMO.alex, 'confirmSubscriptionChange', { ...confirmData(confirm.card), reason: 'Two new designers' });
    const requestId = requestIdOf(submitted.card);
    // The tenant's default policy: manager, then License approvers above 10 USD a month.
    expect(submitted.text).toContain('Waiting for Adele Vance (manager)');
    await chat(DEMO.adele).click('approveRequest', { requestId, stageIndex: 0 });
    await chat(DEMO.megan).click('approveRequest', { requestId, stageIndex: 1 });
    const done = await waitForStatus(harness, requestId, 'completed');
    expect(done.outcome?.message).toContain('Add 2 seats (5 → 7) on Visio Plan 2: done');
    expect(quantityOf(id)).toBe(7);
    await harness.until(async () => harness.sentTo(DEMO.alex).some((a) => a.text?.includes(`${requestId} is done`)), 'Alex to be told');

    // The seats Quartermaster bought are known by number: exactly 2 can go again this week.
    const after = await click(DEMO.alex, 'showSubscription', { subscriptionId: id });
    expect(after.text).toMatch(/Removable now[\s\S]*2 seats, until/);
    expect(after.text).not.toContain('up to');
    expect((await prepare(DEMO.alex, id, 'remove-seats', { removeSeats: 3 })).text).toMatch(/Only 2 seats can be removed now/);

    const removal = await prepare(DEMO.alex, id, 'remove-seats', { removeSeats: 2 });
    expect(removal.text).toContain('Remove 2 seats (7 → 5)');
    const removed = await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(removal.card));
    // Nothing to pay: the policy approves it at once.
    expect(removed.text).toContain('Approved by policy');
    await waitForStatus(harness, requestIdOf(removed.card), 'completed');
    expect(quantityOf(id)).toBe(5);

    const audit = (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 100 })).items;
    const added = audit.find((e) => e.action === 'subscription.add-seats')!;
    expect(added.before).toMatchObject({ quantity: 5 });
    expect(added.after).toMatchObject({ quantity: 7, request: requestId });
    expect(audit.find((e) => e.action === 'subscription.remove-seats')?.after).toMatchObject({ quantity: 5 });
  });
});

describe('outside the 7-day window', () => {
  it('refuses to remove seats, says why, offers the renewal path, and schedules it', async () => {
    const id = DEMO_SUBSCRIPTIONS.powerBiPro;
    const before = patches();
    const refused = await prepare(DEMO.alex, id, 'remove-seats', { removeSeats: 1 });
    expect(refused.text).toContain('Seats can only be removed within 7 days');
    const buttons = JSON.stringify(refused.card);
    expect(buttons).toContain('"title":"Reduce at renewal"');
    expect(buttons).toContain('"title":"Turn off auto-renew"');
    expect(patches()).toBe(before);

    // The alternative's own input (alternativeSeats) carries the number.
    const confirm = await prepare(DEMO.alex, id, 'reduce-at-renewal', { alternativeSeats: 8 });
    expect(confirm.text).toContain('Renew with 8 seats instead of 10');
    const submitted = await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(confirm.card));
    await waitForStatus(harness, requestIdOf(submitted.card), 'completed');
    expect(subscription(id).scheduledNextTermInstructions?.quantity).toBe(8);
    expect(quantityOf(id)).toBe(10); // nothing changes before renewal

    // (The proactive "done" message may arrive in the same moment: pick the list card.)
    const list = cardText((await chat(DEMO.alex).say('subscriptions power')).find((a) => cardText(a).includes('Subscriptions')));
    expect(list).toContain('with 8 seats (scheduled)');
    const audit = cardText((await chat(DEMO.alex).say('audit reduce-at-renewal')).find((a) => cardText(a).includes('Audit log')));
    expect(audit).toContain('subscription.reduce-at-renewal');
    expect(audit).toContain('Quantity at renewal');
  });

  it('refuses to cancel and offers turning auto-renew off', async () => {
    const refused = await prepare(DEMO.alex, DEMO_SUBSCRIPTIONS.m365E3, 'cancel');
    expect(refused.text).toContain('can only be cancelled within 7 days');
    expect(JSON.stringify(refused.card)).toContain('"title":"Turn off auto-renew"');
  });
});

describe('suspending', () => {
  it('suspends, refuses seat changes while suspended without calling Partner Center, and reactivates', async () => {
    const id = DEMO_SUBSCRIPTIONS.m365E3;
    const suspend = await prepare(DEMO.alex, id, 'suspend');
    expect(suspend.text).toContain('still billed');
    await waitForStatus(
      harness,
      requestIdOf((await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(suspend.card))).card),
      'completed',
    );
    expect(subscription(id).status).toBe('suspended');

    const before = patches();
    const add = await prepare(DEMO.alex, id, 'add-seats', { addSeats: 1 });
    expect(add.text).toContain('suspended');
    expect(patches()).toBe(before);

    const reactivate = await prepare(DEMO.alex, id, 'reactivate');
    await waitForStatus(
      harness,
      requestIdOf((await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(reactivate.card))).card),
      'completed',
    );
    expect(subscription(id).status).toBe('active');
  });
});

describe('stale cards and double clicks', () => {
  it('shows the current state instead of acting on a card drawn from old numbers', async () => {
    const id = DEMO_SUBSCRIPTIONS.teamsPremium;
    const confirm = await prepare(DEMO.alex, id, 'auto-renew-on');
    // Someone changes the subscription in the portal meanwhile.
    subscription(id).autoRenewEnabled = true;
    const before = patches();
    const result = await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(confirm.card));
    expect(result.text).toMatch(/changed since the card was drawn|already on/);
    expect(patches()).toBe(before);
    expect(await harness.qm.requests.openChangesFor(DEMO_TENANT_ID, id)).toHaveLength(0);
  });

  it('opens one request and makes one change however often Confirm is clicked', async () => {
    const id = DEMO_SUBSCRIPTIONS.teamsPremium;
    subscription(id).autoRenewEnabled = true; // turned on in the portal: there is something to turn off
    const confirm = await prepare(DEMO.alex, id, 'auto-renew-off');
    const data = confirmData(confirm.card);
    const clicks = await Promise.all(Array.from({ length: 5 }, () => click(DEMO.alex, 'confirmSubscriptionChange', data)));
    const ids = new Set(clicks.map((c) => requestIdOf(c.card)));
    expect(ids.size).toBe(1);
    await waitForStatus(harness, [...ids][0]!, 'completed');
    await harness.drain(); // the completed request's audit row and cards follow its status
    expect(subscription(id).autoRenewEnabled).toBe(false);
    const audit = (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 100 })).items;
    expect(audit.filter((e) => e.action === 'subscription.auto-renew-off')).toHaveLength(1);
    expect(audit.filter((e) => e.target === [...ids][0] && e.action.startsWith('request.'))).toHaveLength(2); // approved by policy, completed
  });

  it('answers forged or broken card data with a clear message and changes nothing', async () => {
    const before = patches();
    for (const data of [
      { subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2, action: 'delete-everything' },
      { subscriptionId: '../../etc', action: 'suspend' },
      { subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2, action: 'add-seats', addSeats: 'lots' },
      { subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2, action: 'add-seats' },
    ]) {
      const result = await chat(DEMO.alex).click('prepareSubscriptionChange', data);
      expect(JSON.stringify(result.body)).toMatch(/cannot use|Enter a number of seats/);
    }
    const unknown = await chat(DEMO.alex).click('showSubscription', { subscriptionId: '00000000-0000-0000-0000-000000000000' });
    expect(JSON.stringify(unknown.body)).toContain('can’t find that subscription');
    const noId = await chat(DEMO.alex).click('confirmSubscriptionChange', {
      subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2,
      action: 'suspend',
      version: 'x',
    });
    expect(JSON.stringify(noId.body)).toContain('cannot use');
    expect(patches()).toBe(before);
  });
});

describe('Partner Center faults', () => {
  it('retries a change through 429 and 500 and makes it once', async () => {
    const id = DEMO_SUBSCRIPTIONS.visioPlan2;
    const before = quantityOf(id);
    const confirm = await prepare(DEMO.alex, id, 'reduce-at-renewal', { renewalSeats: before - 1 });
    harness.sandbox.faults.partnerCenter.failNext({ status: 429, retryAfterSeconds: 1, times: 2, method: 'PATCH' });
    harness.sandbox.faults.partnerCenter.failNext({ status: 500, times: 2, method: 'PATCH' });
    const submitted = await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(confirm.card));
    await waitForStatus(harness, requestIdOf(submitted.card), 'completed', 30_000);
    expect(subscription(id).scheduledNextTermInstructions?.quantity).toBe(before - 1);
  });

  it('turns a business error into what to do next, for the admin who asked', async () => {
    const id = DEMO_SUBSCRIPTIONS.visioPlan2;
    // A change scheduled for the renewal, to drop again below.
    const schedule = await prepare(DEMO.alex, id, 'reduce-at-renewal', { renewalSeats: quantityOf(id) - 1 });
    await waitForStatus(
      harness,
      requestIdOf((await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(schedule.card))).card),
      'completed',
    );
    const confirm = await prepare(DEMO.alex, id, 'cancel-scheduled-change');
    // The subscription is suspended in the portal after the card was confirmed: 800091.
    harness.sandbox.faults.partnerCenter.failNext({
      status: 400,
      code: 800091,
      message: 'Cannot update a suspended subscription',
      method: 'PATCH',
    });
    const submitted = await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(confirm.card));
    const requestId = requestIdOf(submitted.card);
    const failed = await waitForStatus(harness, requestId, 'failed');
    expect(failed.outcome?.message).toContain('Reactivate it first');
    await harness.until(
      async () =>
        harness
          .sentTo(DEMO.alex)
          .some((a) => a.text?.includes(`${requestId} could not be completed`) && a.text.includes('Reactivate it first')),
      'Alex to hear what to do',
    );
  });
});
