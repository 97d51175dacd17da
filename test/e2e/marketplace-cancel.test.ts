// Cancelling a marketplace subscription from Teams, as admins cancel Partner Center ones:
// Cancel on the detail card → confirm card → approval policy → fulfilment queue → a
// Termination order through the Marketplace emulator, followed until it completes. Adobe's
// anniversary rule: outside the 14 days after an anniversary the card says when, and nothing
// is ordered. A retry while the order is Processing follows the same order; a Failed
// Termination tells the vendor's reason; non-admins are refused.
import { testNowMs } from '../harness/clock.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_TENANT_ID,
  MARKETPLACE_ITEMS,
  MARKETPLACE_PRODUCTS,
  MARKETPLACE_SUBSCRIPTIONS,
  ZOOM_FAILURE_REASON,
} from '../../src/sandbox/index.js';
import type { MarketplaceSubscription } from '../../src/sandbox/marketplace-state.js';
import { BotHarness, cardText, DEMO, type TestUser, cardActions } from '../harness/bot-harness.js';
import { requestIdOf, storedRequest, waitForStatus, approveEveryStage } from '../harness/licensing.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
const world = () => harness.sandbox.marketplace;
const DAY_MS = 24 * 3600_000;
const acrobat = () => world().subscriptions.get(MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)!;
const ordersFor = (subscriptionId: string) =>
  [...world().orders.values()].filter(
    (o) =>
      o.customerId === DEMO_TENANT_ID &&
      (o.subscriptionIds.includes(subscriptionId) || o.lines.some((l) => l.subscriptionId === subscriptionId)),
  );
const terminationsOf = (subscriptionId: string) => ordersFor(subscriptionId).filter((o) => o.type === 'Termination');

beforeAll(async () => {
  harness = await BotHarness.start({}, { sandboxOptions: { marketplace: { stepDelayMs: 50 } } });
  for (const user of Object.values(DEMO)) await chat(user).install();
});
afterAll(async () => {
  await harness?.stop();
});
// Each test starts from the seeded Marketplace (Acrobat active, its anniversary long past), with
// nothing of the test before it still under way.
beforeEach(() => harness.sandbox.reset());
afterEach(() => harness.drain());

async function click(user: TestUser, verb: string, data: Record<string, unknown>) {
  const result = await chat(user).click(verb, data);
  return { status: result.status, body: result.body, card: result.body?.value, text: cardText(result.body?.value) };
}

const actionsOf = (card: unknown): any[] => cardActions(card).filter((a) => typeof a.verb === 'string');
const cancelButton = (card: unknown) => actionsOf(card).find((a) => a.verb === 'prepareSubscriptionChange' && a.data?.action === 'cancel');
const confirmData = (card: any): Record<string, unknown> => {
  const confirm = card.actions.find((a: any) => a.verb === 'confirmSubscriptionChange');
  expect(confirm, cardText(card)).toBeDefined();
  return confirm.data;
};

const approveAll = (id: string) => approveEveryStage(harness, id);

/** A subscription of another vendor's item, under its own agreement (Zoom fails, AutoCAD stays Processing). */
function seedSubscription(itemId: string, productId: string, suffix: string): MarketplaceSubscription {
  const agreementId = `AGR-5100-9999-${suffix}`;
  world().agreements.set(agreementId, {
    id: agreementId,
    name: `Agreement ${suffix}`,
    customerId: DEMO_TENANT_ID,
    licensee: { id: 'LCE-5100-0001', name: 'Contoso (demo)' },
    productId,
    status: 'Active',
    createdAt: new Date(testNowMs() - 100 * DAY_MS),
  });
  const subscription: MarketplaceSubscription = {
    id: `SUB-5100-9999-${suffix}`,
    customerId: DEMO_TENANT_ID,
    agreementId,
    itemId,
    quantity: 3,
    status: 'Active',
    startDate: new Date(testNowMs() - 100 * DAY_MS),
    autoRenew: true,
    assignedEmails: [],
  };
  world().subscriptions.set(subscription.id, subscription);
  return subscription;
}

describe('cancelling a marketplace subscription: who may', () => {
  it('refuses a non-admin, and nothing is ordered', async () => {
    const before = ordersFor(acrobat().id).length;
    const prepared = await chat(DEMO.megan).click('prepareSubscriptionChange', { subscriptionId: acrobat().id, action: 'cancel' });
    expect(JSON.stringify(prepared.body)).toContain('Only admins');
    const confirmed = await chat(DEMO.megan).click('confirmSubscriptionChange', {
      subscriptionId: acrobat().id,
      action: 'cancel',
      version: 'x',
      confirmationId: 'b'.repeat(24),
    });
    expect(JSON.stringify(confirmed.body)).toContain('Only admins');
    expect(ordersFor(acrobat().id)).toHaveLength(before);
    expect(acrobat().status).toBe('Active');
  });
});

describe("outside Adobe's anniversary window", () => {
  it('explains when cancelling becomes possible, offers no Cancel, and orders nothing', async () => {
    expect(testNowMs() - acrobat().startDate.getTime()).toBeGreaterThan(30 * DAY_MS); // seeded 200 days ago
    const before = ordersFor(acrobat().id).length;
    const detail = await click(DEMO.alex, 'showSubscription', { subscriptionId: acrobat().id });
    expect(detail.text).toMatch(/Cancel[\s\S]*Only within 14 days after \d{4}-\d{2}-\d{2} \(Adobe rule\)/);
    expect(cancelButton(detail.card)).toBeUndefined();

    // An old or forged card asking anyway: explained, no confirmation, no order.
    const prepared = await click(DEMO.alex, 'prepareSubscriptionChange', { subscriptionId: acrobat().id, action: 'cancel' });
    expect(prepared.text).toMatch(/cancelled only within 14 days after its anniversary: only within 14 days after \d{4}-\d{2}-\d{2}/);
    expect(prepared.text).toContain('Nothing was ordered');
    expect(JSON.stringify(prepared.card)).not.toContain('confirmSubscriptionChange');
    expect(ordersFor(acrobat().id)).toHaveLength(before);
    expect(acrobat().status).toBe('Active');
  });
});

describe("inside Adobe's anniversary window", () => {
  it('confirms, goes through the approval policy, terminates by one Termination order, and drops it from the list', async () => {
    acrobat().startDate = new Date(testNowMs() - 368 * DAY_MS); // the anniversary was 3 days ago
    const detail = await click(DEMO.alex, 'showSubscription', { subscriptionId: acrobat().id });
    expect(detail.text).toMatch(/Possible until \d{4}-\d{2}-\d{2} \(anniversary window\), by a Termination order/);
    const button = cancelButton(detail.card);
    expect(button, detail.text).toBeDefined();

    const confirm = await click(DEMO.alex, 'prepareSubscriptionChange', button.data);
    expect(confirm.text).toContain('Cancel the subscription: Adobe Acrobat Pro for teams');
    expect(confirm.text).toContain('Termination order');
    expect(confirm.text).toContain('cannot be undone');
    expect(terminationsOf(acrobat().id)).toHaveLength(0); // nothing before Confirm

    const data = confirmData(confirm.card);
    // A double click opens one request.
    const clicks = await Promise.all([
      click(DEMO.alex, 'confirmSubscriptionChange', data),
      click(DEMO.alex, 'confirmSubscriptionChange', data),
    ]);
    const ids = new Set(clicks.map((c) => requestIdOf(c.card)));
    expect(ids.size).toBe(1);
    const requestId = [...ids][0]!;
    await approveAll(requestId);
    const done = await waitForStatus(harness, requestId, 'completed');
    expect(done.outcome?.message).toMatch(
      /Cancel the subscription on Adobe Acrobat Pro for teams: done\. Termination order ORD-[\d-]+ completed through the Marketplace \(Adobe\)\./,
    );
    expect(acrobat().status).toBe('Terminated');
    const terminations = terminationsOf(acrobat().id);
    expect(terminations).toHaveLength(1);
    expect(terminations[0]).toMatchObject({ status: 'Completed', clientReference: expect.any(String) });

    // Like a cancelled Partner Center subscription: shown as cancelled, gone from the list.
    const after = await click(DEMO.alex, 'showSubscription', { subscriptionId: acrobat().id });
    expect(after.text).toContain('Cancelled');
    expect(cancelButton(after.card)).toBeUndefined();
    const list = cardText((await chat(DEMO.alex).say('subscriptions acrobat')).find((a) => cardText(a).includes('Subscriptions')));
    expect(list).not.toContain('Adobe Acrobat Pro for teams');
    const audit = (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 100 })).items;
    expect(audit.find((e) => e.action === 'subscription.cancel')?.after).toMatchObject({ status: 'deleted', request: requestId });

    // Asking again: nothing more to do, and nothing ordered.
    const again = await click(DEMO.alex, 'prepareSubscriptionChange', { subscriptionId: acrobat().id, action: 'cancel' });
    expect(again.text).toContain('only an active subscription can be cancelled');
    expect(terminationsOf(acrobat().id)).toHaveLength(1);
  });
});

describe('a Termination the vendor refuses', () => {
  it("fails the request with the vendor's reason and leaves the subscription active", async () => {
    const zoom = seedSubscription(MARKETPLACE_ITEMS.zoomPro, MARKETPLACE_PRODUCTS.zoom, '0001');
    const detail = await click(DEMO.alex, 'showSubscription', { subscriptionId: zoom.id });
    expect(detail.text).toContain('Possible now, by a Termination order'); // no anniversary rule
    const confirm = await click(DEMO.alex, 'prepareSubscriptionChange', cancelButton(detail.card).data);
    const submitted = await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(confirm.card));
    const requestId = requestIdOf(submitted.card);
    await approveAll(requestId);
    const failed = await waitForStatus(harness, requestId, 'failed');
    expect(failed.outcome?.message).toContain(ZOOM_FAILURE_REASON);
    expect(failed.outcome?.message).toMatch(/Termination order ORD-[\d-]+/);
    expect(zoom.status).toBe('Active');
    expect(terminationsOf(zoom.id)).toHaveLength(1);
    await harness.until(
      async () =>
        harness
          .sentTo(DEMO.alex)
          .some((a) => typeof a.text === 'string' && a.text.includes(requestId) && a.text.includes(ZOOM_FAILURE_REASON)),
      'Alex to hear why',
    );
  });
});

describe('a Termination still Processing', () => {
  it('comes back from the queue and follows the same order until it completes', async () => {
    const autocad = seedSubscription(MARKETPLACE_ITEMS.autocadLt, MARKETPLACE_PRODUCTS.autodesk, '0002');
    const confirm = await click(DEMO.alex, 'prepareSubscriptionChange', { subscriptionId: autocad.id, action: 'cancel' });
    const submitted = await click(DEMO.alex, 'confirmSubscriptionChange', confirmData(confirm.card));
    const requestId = requestIdOf(submitted.card);
    await approveAll(requestId);
    // AutoCAD's vendor leaves orders Processing: the job hands back to the queue.
    await harness.until(async () => terminationsOf(autocad.id).some((o) => o.status === 'Processing'), 'the Termination to be Processing');
    await harness.until(async () => (await storedRequest(harness, requestId))?.status === 'fulfilling', 'the request to be fulfilling');
    // The job hands back to the queue and reads the order again when it comes back: still Processing.
    const [processing] = terminationsOf(autocad.id);
    const readsOfOrder = () =>
      harness.sandbox.state.requests.filter(
        (r) => r.service === 'marketplace' && r.method === 'GET' && r.path.endsWith(`/orders/${processing!.id}`),
      ).length;
    const readsBefore = readsOfOrder();
    await harness.until(async () => readsOfOrder() > readsBefore, 'the job to come back from the queue and read the order again', 30_000);
    expect((await storedRequest(harness, requestId))!.status).toBe('fulfilling');
    expect(autocad.status).toBe('Terminating');
    const [order] = terminationsOf(autocad.id);

    // The vendor finishes it; the queue's retry finds that order, places no other.
    world().items.find((i) => i.id === MARKETPLACE_ITEMS.autocadLt)!.vendorBehaviour = { kind: 'completes' };
    world().advance(order!.id);
    const done = await waitForStatus(harness, requestId, 'completed', 40_000);
    expect(done.outcome?.message).toContain(`Termination order ${order!.id} completed through the Marketplace (Autodesk)`);
    expect(autocad.status).toBe('Terminated');
    expect(terminationsOf(autocad.id)).toHaveLength(1);
  }, 60_000);
});
