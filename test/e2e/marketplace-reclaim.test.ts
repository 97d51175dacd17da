// Reclaim works the same whichever provider is behind a product: a marketplace subscription's
// vendor-assigned seats (by e-mail) held by someone inactive, or by an e-mail nobody in the
// directory has, are listed with the product and vendor; "Remove license" confirms first, then
// takes the e-mail off the subscription once (double clicks included), audited; non-admins and
// forged cards change nothing.
import { testClock, testNowMs } from '../harness/clock.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID, DEMO_USERS, MARKETPLACE_SUBSCRIPTIONS } from '../../src/sandbox/index.js';
import {
  BotHarness,
  cardOf,
  cardText,
  DEMO,
  type TestUser,
  cardActions,
  type CardAction,
  invokeErrorMessage,
} from '../harness/bot-harness.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
const SUB = MARKETPLACE_SUBSCRIPTIONS.demoAcrobat;
const GONE = 'former.employee@example.com';
const MEGAN = 'meganb@example.com';
const acrobat = () => harness.sandbox.marketplace.subscriptions.get(SUB)!;
const PUT = { service: 'marketplace' as const, method: 'PUT', route: '/public/v1/commerce/subscriptions/{id}' };
const puts = () => harness.sandbox.state.countRequests(PUT);
const removals = async (email: string) =>
  (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 200 })).items.filter(
    (e) => e.action === 'license.removed' && (e.before as any)?.email === email,
  );
const errorOf = invokeErrorMessage;

beforeAll(async () => {
  harness = await BotHarness.start({}, { sandboxOptions: { marketplace: { stepDelayMs: 50 } } });
  for (const user of [DEMO.alex, DEMO.patti, DEMO.isaiah]) await chat(user).install();
});
// Each test starts from the same world, with nothing of the test before it still under way.
beforeEach(() => {
  harness.sandbox.reset();
  // Megan has not signed in for 200 days; an e-mail of someone who left still holds an Acrobat seat.
  const megan = harness.sandbox.state.findUser(DEMO_TENANT_ID, DEMO_USERS.megan.id)!;
  megan.lastSignInDateTime = new Date(testNowMs() - 200 * 86_400_000);
  megan.lastNonInteractiveSignInDateTime = null;
  acrobat().assignedEmails.push(GONE);
});
afterEach(() => harness.drain());
afterAll(async () => {
  await harness?.stop();
});

/** Every Action.Execute of a card, wherever it sits. */
const actionsOf = (card: unknown) => cardActions(card).filter((a): a is CardAction & { verb: string } => a.type === 'Action.Execute');
const vendorRemoves = (card: unknown) =>
  actionsOf(card)
    .filter((a) => a.verb === 'reclaimRemoveLicense' && a.data && 'subscriptionId' in a.data)
    .map((a) => a.data);

describe('vendor seats on the reclaim card', () => {
  it('lists the inactive person and the e-mail not in the directory, with product and vendor', async () => {
    const [reply] = await chat(DEMO.alex).say('reclaim');
    const card = cardOf(reply)!;
    const text = cardText(card);
    expect(text).toContain(`Megan Bowen (${MEGAN})`);
    expect(text).toContain(GONE);
    expect(text).toContain('not in your directory');
    expect(text).toContain('Adobe Acrobat Pro for teams');
    expect(text).toMatch(/Vendor\nAdobe/);
    expect(text).not.toContain('adelev@example.com'); // Adele signed in recently
    expect(vendorRemoves(card)).toEqual([
      { subscriptionId: SUB, email: GONE },
      { subscriptionId: SUB, email: MEGAN },
    ]);
    // Graph rows are as before: userId + skuId.
    expect(
      actionsOf(card)
        .filter((a) => a.verb === 'reclaimRemoveLicense' && a.data && 'userId' in a.data)
        .every((a) => Object.keys(a.data!).sort().join() === 'skuId,userId'),
    ).toBe(true);
  });

  it('the weekly job sends it to the admins', async () => {
    const result = await harness.qm.licenseAlerts.reclaim.run(testClock());
    expect(result.sent).toBe(1);
    const latest = harness
      .sentTo(DEMO.patti)
      .filter((a) => cardOf(a) && cardText(a).includes('Licenses to reclaim'))
      .at(-1);
    expect(vendorRemoves(cardOf(latest))).toContainEqual({ subscriptionId: SUB, email: GONE });
  });
});

describe('removing a vendor seat', () => {
  it('asks first, naming the e-mail, product and subscription; nothing changes yet', async () => {
    const asked = await chat(DEMO.alex).click('reclaimRemoveLicense', { subscriptionId: SUB, email: GONE });
    expect(asked.body.type).toBe('application/vnd.microsoft.card.adaptive');
    const text = cardText(asked.body.value);
    expect(text).toContain('Remove this license?');
    expect(text).toContain(GONE);
    expect(text).toContain('Adobe Acrobat Pro for teams (Adobe)');
    expect(text).toContain(SUB);
    expect(actionsOf(asked.body.value).map((a) => [a.title, a.verb, a.data])).toEqual([
      ['Confirm', 'reclaimConfirmRemove', { subscriptionId: SUB, email: GONE }],
      ['Back', 'reclaimShow', undefined],
    ]);
    expect(acrobat().assignedEmails).toContain(GONE);
    expect(puts()).toBe(0);
  });

  it('refuses non-admins, and nothing changes', async () => {
    for (const verb of ['reclaimRemoveLicense', 'reclaimConfirmRemove']) {
      const result = await chat(DEMO.isaiah).click(verb, { subscriptionId: SUB, email: GONE });
      expect(result.body).toMatchObject({
        statusCode: 403,
        type: 'application/vnd.microsoft.error',
        value: { message: 'Only admins can remove licenses.' },
      });
    }
    expect(acrobat().assignedEmails).toContain(GONE);
    expect(puts()).toBe(0);
  });

  it('refuses forged card data with 400', async () => {
    const forged = [
      { subscriptionId: SUB },
      { email: GONE },
      { subscriptionId: SUB, email: 'not-an-e-mail' },
      { subscriptionId: '../../orders', email: GONE },
      { subscriptionId: SUB, email: `${'x'.repeat(300)}@example.com` },
      { subscriptionId: SUB, email: GONE, userId: DEMO_USERS.megan.id, skuId: 'x' },
      { subscriptionId: 42, email: GONE },
    ];
    for (const data of forged) {
      const result = await chat(DEMO.alex).click('reclaimConfirmRemove', data);
      expect(result.body, JSON.stringify(data)).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
      expect(errorOf(result.body)).toContain('reclaim');
    }
    expect(acrobat().assignedEmails).toContain(GONE);
    expect(puts()).toBe(0);
  });

  it('a double click takes the e-mail off the subscription once, audited, and redraws the list', async () => {
    const clicks = await Promise.all(
      [1, 2, 3].map(() => chat(DEMO.alex).click('reclaimConfirmRemove', { subscriptionId: SUB, email: GONE })),
    );
    expect(clicks.every((c) => c.status === 200 && c.body.type === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    const done = clicks.filter((c) =>
      cardText(c.body.value).includes('Done. Removed Adobe Acrobat Pro for teams from former.employee@example.com'),
    );
    expect(done).toHaveLength(1);
    expect(vendorRemoves(done[0]!.body.value)).toEqual([{ subscriptionId: SUB, email: MEGAN }]);
    expect(puts()).toBe(1);
    expect(acrobat().assignedEmails).toEqual([MEGAN, 'adelev@example.com', 'pattif@example.com']);
    const [entry, ...more] = await removals(GONE);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actorId: DEMO.alex.aadObjectId,
      target: GONE,
      before: { subscriptionId: SUB, email: GONE, assignedEmails: [MEGAN, 'adelev@example.com', 'pattif@example.com', GONE] },
      after: { subscriptionId: SUB, email: GONE, assignedEmails: [MEGAN, 'adelev@example.com', 'pattif@example.com'] },
    });
  });

  it('a stale card (the other admin) says what is true now and changes nothing', async () => {
    // Another leaver's seat (this test's own), which Alex removes first.
    const LEFT = 'another.leaver@example.com';
    acrobat().assignedEmails.push(LEFT);
    const removed = await chat(DEMO.alex).click('reclaimConfirmRemove', { subscriptionId: SUB, email: LEFT });
    expect(cardText(removed.body.value)).toContain(`Done. Removed Adobe Acrobat Pro for teams from ${LEFT}`);
    const again = await chat(DEMO.patti).click('reclaimConfirmRemove', { subscriptionId: SUB, email: LEFT });
    expect(cardText(again.body.value)).toContain(`${LEFT} no longer holds a seat of Adobe Acrobat Pro for teams: nothing to remove.`);
    const ask = await chat(DEMO.patti).click('reclaimRemoveLicense', { subscriptionId: SUB, email: LEFT });
    expect(cardText(ask.body.value)).toContain('no longer holds a seat');
    expect(puts()).toBe(1);
    expect(await removals(LEFT)).toHaveLength(1);
  });

  it("removes the inactive person's seat; her Microsoft 365 licenses stay", async () => {
    // The former employee's seat was taken off in the vendor's portal: Megan's is the last vendor seat to reclaim.
    acrobat().assignedEmails = acrobat().assignedEmails.filter((email) => email !== GONE);
    const done = await chat(DEMO.patti).click('reclaimConfirmRemove', { subscriptionId: SUB, email: MEGAN });
    expect(cardText(done.body.value)).toContain(`Done. Removed Adobe Acrobat Pro for teams from Megan Bowen (${MEGAN})`);
    expect(acrobat().assignedEmails).toEqual(['adelev@example.com', 'pattif@example.com']);
    expect(harness.sandbox.state.findUser(DEMO_TENANT_ID, DEMO_USERS.megan.id)!.assignedSkuIds.length).toBeGreaterThan(0);
    expect(vendorRemoves(done.body.value)).toEqual([]);
  });
});
