// Reclaim, renewal and seat alerts in Teams, end to end: the real bot on Azurite against the
// emulators. Admins get the cards in their 1:1 chats; "Remove license" confirms first, then
// removes through Graph once, audited; non-admins and stale cards change nothing.
import { testClock } from '../harness/clock.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_INACTIVE_USER_IDS, DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, cardOf, cardText, DEMO, type TestUser, cardActions, type CardAction } from '../harness/bot-harness.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
const E3 = DEMO_OFFERS.m365E3.graphSkuId;
const [USER_19, USER_20, USER_21] = DEMO_INACTIVE_USER_IDS;
const ASSIGN = { service: 'graph' as const, method: 'POST', route: '/v1.0/users/{id}/assignLicense' };

beforeAll(async () => {
  harness = await BotHarness.start();
  // Alex and Patti are the demo tenant's admins; Isaiah is not.
  for (const user of [DEMO.alex, DEMO.patti, DEMO.isaiah]) await chat(user).install();
});
afterAll(async () => {
  await harness.stop();
});
// Each test starts from the seeded tenant (licenses, sign-ins, seats), with nothing of the test
// before it still under way. The audit log stays: each test removes a license of its own person.
beforeEach(() => harness.sandbox.reset());
afterEach(() => harness.drain());

/** Every Action.Execute of a card, wherever it sits. */
const actionsOf = (card: unknown) => cardActions(card).filter((a): a is CardAction & { verb: string } => a.type === 'Action.Execute');
const holds = (userId: string) => harness.sandbox.state.findUser(DEMO_TENANT_ID, userId)!.assignedSkuIds.includes(E3);
const removals = async (userId: string) =>
  (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 200 })).items.filter(
    (e) => e.action === 'license.removed' && (e.before as any)?.userId === userId,
  );
const cardsTo = (user: TestUser, text: string) => harness.sentTo(user).filter((a) => cardOf(a) && cardText(a).includes(text));

describe('the reclaim card', () => {
  it('shows admins who, which license, last sign-in, a remove button each, and the seats E3 could drop', async () => {
    const [reply] = await chat(DEMO.alex).say('reclaim');
    const card = cardOf(reply)!;
    const text = cardText(card);
    expect(text).toContain('Licenses to reclaim');
    expect(text).toContain('not signed in for 90 days or more');
    for (const n of ['19', '20', '21']) expect(text).toContain(`Demo user ${n} (demo.user${n}@example.com)`);
    expect(text).not.toContain('Demo user 18');
    expect(text).toContain('Microsoft 365 E3');
    expect(text).toMatch(/Last sign-in\nnever/);
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \(200 days ago\)/);
    const actions = actionsOf(card);
    expect(actions.filter((a) => a.title === 'Remove license').map((a) => a.data)).toEqual([
      { userId: USER_21, skuId: E3 },
      { userId: USER_20, skuId: E3 },
      { userId: USER_19, skuId: E3 },
    ]);
    expect(actions.filter((a) => a.title === 'Reduce seats at renewal')).toEqual([
      expect.objectContaining({
        verb: 'prepareSubscriptionChange',
        data: { subscriptionId: DEMO_SUBSCRIPTIONS.m365E3, action: 'reduce-at-renewal', quantity: 17 },
      }),
    ]);
    expect(text).toContain('could go down to 17 seats');
  });

  it('is for admins only', async () => {
    const [reply] = await chat(DEMO.isaiah).say('reclaim');
    expect(reply?.text).toContain('Only admins');
  });

  it('says what to do when Microsoft Graph does not answer', async () => {
    harness.sandbox.faults.graph.failNext({ status: 503, times: 1000 });
    try {
      const [reply] = await chat(DEMO.alex).say('reclaim');
      expect(reply?.text).toBe('Microsoft 365 or Partner Center is not answering right now. Try again in a few minutes.');
    } finally {
      harness.sandbox.faults.reset();
    }
  });

  it('follows "set reclaim days N", and refuses a bad N with a clear message', async () => {
    for (const bad of ['set reclaim days 3', 'set reclaim days 400', 'set reclaim days soon', 'set reclaim days']) {
      const [reply] = await chat(DEMO.alex).say(bad);
      expect(reply?.text, bad).toContain('whole number of days from 7 to 365');
    }
    expect((await chat(DEMO.isaiah).say('set reclaim days 150'))[0]?.text).toContain('Only admins');
    try {
      expect((await chat(DEMO.alex).say('set reclaim days 150'))[0]?.text).toContain('Done');
      const text = cardText((await chat(DEMO.alex).say('reclaim'))[0]);
      expect(text).toContain('150 days or more');
      expect(text).not.toContain('Demo user 19'); // 100 days: under the new limit
      expect(text).toContain('Demo user 20');
    } finally {
      await chat(DEMO.alex).say('set reclaim days 90'); // the setting is stored: the other tests expect the default
    }
  });

  it('lists reclaim in help for admins', async () => {
    expect(cardText((await chat(DEMO.alex).say('help'))[0])).toContain('set reclaim days N');
    expect(cardText((await chat(DEMO.isaiah).say('help'))[0])).not.toContain('reclaim');
  });
});

describe('removing a license from the card', () => {
  it('asks first, showing the person and the license; Back returns to the list', async () => {
    const asked = await chat(DEMO.alex).click('reclaimRemoveLicense', { userId: USER_19, skuId: E3 });
    expect(asked.body.type).toBe('application/vnd.microsoft.card.adaptive');
    const text = cardText(asked.body.value);
    expect(text).toContain('Remove this license?');
    expect(text).toContain('Demo user 19');
    expect(text).toContain('demo.user19@example.com');
    expect(text).toContain('Microsoft 365 E3');
    expect(actionsOf(asked.body.value).map((a) => [a.title, a.verb])).toEqual([
      ['Confirm', 'reclaimConfirmRemove'],
      ['Back', 'reclaimShow'],
    ]);
    expect(holds(USER_19!)).toBe(true);
    const back = await chat(DEMO.alex).click('reclaimShow');
    expect(cardText(back.body.value)).toContain('Licenses to reclaim');
  });

  it('refuses non-admins, and nothing changes', async () => {
    for (const verb of ['reclaimRemoveLicense', 'reclaimConfirmRemove']) {
      const result = await chat(DEMO.isaiah).click(verb, { userId: USER_19, skuId: E3 });
      expect(result.body).toMatchObject({
        statusCode: 403,
        type: 'application/vnd.microsoft.error',
        value: { message: 'Only admins can remove licenses.' },
      });
    }
    expect(holds(USER_19!)).toBe(true);
    expect(harness.sandbox.state.countRequests(ASSIGN)).toBe(0);
  });

  it('refuses forged card data with a clear error', async () => {
    for (const data of [{}, { userId: USER_19 }, { userId: '../../etc', skuId: E3 }, { userId: 'x'.repeat(500), skuId: E3 }]) {
      const result = await chat(DEMO.alex).click('reclaimConfirmRemove', data);
      expect(result.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    }
    expect(harness.sandbox.state.countRequests(ASSIGN)).toBe(0);
  });

  it('on Confirm removes it through Graph, audits it, and redraws the card without it', async () => {
    const done = await chat(DEMO.alex).click('reclaimConfirmRemove', { userId: USER_19, skuId: E3 });
    const text = cardText(done.body.value);
    expect(text).toContain('Done. Removed Microsoft 365 E3 from Demo user 19');
    expect(text).not.toContain('demo.user19@example.com');
    expect(holds(USER_19!)).toBe(false);
    const [entry, ...more] = await removals(USER_19!);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actorId: DEMO.alex.aadObjectId,
      actorName: 'Alex Wilber',
      target: 'demo.user19@example.com',
      before: { licenses: ['SPE_E3'] },
      after: { licenses: [] },
    });
    expect(cardText((await chat(DEMO.alex).say('audit demo.user19'))[0])).toContain('license.removed');
  });

  it('a stale card (clicked again, or by the other admin) shows the current state and changes nothing', async () => {
    const removed = await chat(DEMO.alex).click('reclaimConfirmRemove', { userId: USER_21, skuId: E3 });
    expect(cardText(removed.body.value)).toContain('Done. Removed Microsoft 365 E3 from Demo user 21');
    const posts = harness.sandbox.state.countRequests(ASSIGN);
    const again = await chat(DEMO.patti).click('reclaimConfirmRemove', { userId: USER_21, skuId: E3 });
    expect(cardText(again.body.value)).toContain('Demo user 21 no longer has Microsoft 365 E3: nothing to remove.');
    const ask = await chat(DEMO.patti).click('reclaimRemoveLicense', { userId: USER_21, skuId: E3 });
    expect(cardText(ask.body.value)).toContain('no longer has');
    expect(harness.sandbox.state.countRequests(ASSIGN)).toBe(posts);
    expect(await removals(USER_21!)).toHaveLength(1);
  });

  it('a double click removes once', async () => {
    const posts = harness.sandbox.state.countRequests(ASSIGN);
    const clicks = await Promise.all([1, 2, 3].map(() => chat(DEMO.alex).click('reclaimConfirmRemove', { userId: USER_20, skuId: E3 })));
    expect(clicks.every((c) => c.status === 200 && c.body.type === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    expect(clicks.filter((c) => cardText(c.body.value).includes('Done. Removed'))).toHaveLength(1);
    expect(harness.sandbox.state.countRequests(ASSIGN) - posts).toBe(1);
    expect(holds(USER_20!)).toBe(false);
    expect(await removals(USER_20!)).toHaveLength(1);
  });
});

describe('the jobs', () => {
  it('weekly: sends each admin the reclaim card in their 1:1 chat', async () => {
    const before = [DEMO.alex, DEMO.patti].map((admin) => cardsTo(admin, 'Licenses to reclaim').length);
    const result = await harness.qm.licenseAlerts.reclaim.run(testClock());
    expect(result).toMatchObject({ sent: 1, failed: 1 }); // the demo tenant; the harness's other tenant is unknown to the emulators
    for (const [i, admin] of [DEMO.alex, DEMO.patti].entries()) {
      const cards = cardsTo(admin, 'Licenses to reclaim');
      expect(cards).toHaveLength(before[i]! + 1);
      const card = cards.at(-1);
      expect(cardText(card)).toContain('Demo user 21');
      expect(actionsOf(cardOf(card)).some((a) => a.verb === 'reclaimRemoveLicense' && a.data?.userId === USER_21)).toBe(true);
    }
    expect(cardsTo(DEMO.isaiah, 'Licenses to reclaim')).toEqual([]);
  });

  it('daily: one renewal card per subscription and renewal date, with the two ways out, across reruns and instances', async () => {
    // Two inactive people's licenses were reclaimed.
    for (const userId of [USER_19!, USER_20!]) harness.sandbox.state.setLicenses(DEMO_TENANT_ID, userId, []);
    const now = testClock();
    const first = await harness.qm.licenseAlerts.renewals.run(now);
    await harness.qm.licenseAlerts.renewals.run(new Date(now.getTime() + 86_400_000));
    await Promise.all([harness.qm.licenseAlerts.renewals.run(now), harness.qm.licenseAlerts.renewals.run(now)]);
    expect(first.sent).toBe(2);
    const e3 = cardsTo(DEMO.alex, 'Microsoft 365 E3 renews in');
    expect(e3).toHaveLength(1);
    expect(cardsTo(DEMO.patti, 'Microsoft 365 E3 renews in')).toHaveLength(1);
    expect(cardsTo(DEMO.alex, 'Power BI Pro renews')).toHaveLength(1);
    // 25 seats, 5 unused at the start, and the two licenses reclaimed: 7 unused.
    expect(actionsOf(cardOf(e3[0]))).toEqual([
      expect.objectContaining({
        title: 'Reduce to 18 at renewal',
        verb: 'prepareSubscriptionChange',
        data: { subscriptionId: DEMO_SUBSCRIPTIONS.m365E3, action: 'reduce-at-renewal', quantity: 18 },
      }),
      expect.objectContaining({
        title: 'Turn off auto-renew',
        verb: 'prepareSubscriptionChange',
        data: { subscriptionId: DEMO_SUBSCRIPTIONS.m365E3, action: 'auto-renew-off' },
      }),
    ]);
    expect(cardText(e3[0])).toMatch(/Seats\n25\nUnused\n7/);
    // Both buttons lead to the subscription change confirmation (src/bot/subscription-handlers.ts).
    for (const action of actionsOf(cardOf(e3[0]))) {
      const answer = await chat(DEMO.alex).click(action.verb, action.data);
      expect(answer.status).toBe(200);
      expect(cardText(answer.body.value)).toContain('Please confirm');
    }
  });

  it('hourly: one seat card per change of state', async () => {
    const seatCards = () =>
      harness.sentTo(DEMO.alex).filter((a) => cardOf(a) && /Visio Plan 2/.test(cardText(a)) && /Before/.test(cardText(a)));
    await harness.qm.licenseAlerts.seats.run(testClock());
    await harness.qm.licenseAlerts.seats.run(testClock());
    expect(seatCards().map((a) => cardText(a).split('\n')[0])).toEqual(['No free seats: Visio Plan 2']);
    // A Visio seat frees up (someone leaves): low, then another: back to normal.
    const release = (userId: string) => {
      const user = harness.sandbox.state.findUser(DEMO_TENANT_ID, userId)!;
      harness.sandbox.state.setLicenses(
        DEMO_TENANT_ID,
        userId,
        user.assignedSkuIds.filter((id) => id !== DEMO_OFFERS.visioPlan2.graphSkuId),
      );
    };
    release('d0000000-0000-4000-8000-000000000010');
    await harness.qm.licenseAlerts.seats.run(testClock());
    await harness.qm.licenseAlerts.seats.run(testClock());
    release('d0000000-0000-4000-8000-000000000011');
    await harness.qm.licenseAlerts.seats.run(testClock());
    const titles = seatCards().map((a) => cardText(a).split('\n')[0]);
    expect(titles).toEqual(['No free seats: Visio Plan 2', 'Seats running low: Visio Plan 2', 'Back to normal: Visio Plan 2']);
    expect(cardText(seatCards()[1])).toContain('Visio Plan 2 is running low: 1 of 5 seats free.');
    expect(harness.sentTo(DEMO.isaiah).filter((a) => /Visio Plan 2/.test(cardText(a)))).toEqual([]);
  });
});
