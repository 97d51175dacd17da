// Subscription management through the ports: CommercePort.setQuantity / updateSubscription /
// scheduleNextTerm against the Partner Center emulator (new-commerce windows, suspension,
// cancellation, auto-renew), DirectoryPort.listUsersWithSignIn / removeLicense against Graph.
import { testNowMs } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/index.js';
import {
  DEMO_CUSTOMER_ID,
  DEMO_INACTIVE_USER_IDS,
  DEMO_NEVER_SIGNED_IN_USER_ID,
  DEMO_OFFERS,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  DEMO_USERS,
} from '../../src/sandbox/index.js';
import { rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// Small Graph pages, so that listing users has to follow @odata.nextLink.
const t = sandboxPerTest({ graphMaxPageSize: 4 });
const stateOf = (id: string) => t.sandbox.state.subscriptions(DEMO_CUSTOMER_ID).find((s) => s.id === id)!;
const seatsOf = (id: string) => stateOf(id).lots.reduce((n, lot) => n + lot.quantity, 0);

describe('commerce: seat decreases', () => {
  it('reads refund windows and renewal dates', async () => {
    const teams = await t.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.teamsPremium);
    expect(teams.refundOptions).toHaveLength(1);
    expect(teams.refundOptions![0]!.type).toBe('Partial');
    expect(teams.refundableUntil).toBe(teams.refundOptions![0]!.expiresAt);
    expect((Date.parse(teams.refundableUntil!) - testNowMs()) / DAY_MS).toBeCloseTo(5, 1);

    const e3 = await t.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3);
    expect(e3).not.toHaveProperty('refundOptions');
    expect(e3).not.toHaveProperty('refundableUntil');
    expect((Date.parse(e3.commitmentEndDate!) - testNowMs()) / DAY_MS).toBeLessThan(30);
  });

  it('decreases inside the 7-day window (Teams Premium seat bought 2 days ago): Graph loses the seat', async () => {
    const updated = await t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.teamsPremium, 2, 'dec-1');
    expect(updated.quantity).toBe(2);
    expect(updated).not.toHaveProperty('refundableUntil');
    const teams = (await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).find((s) => s.skuPartNumber === 'Microsoft_Teams_Premium');
    expect(teams).toMatchObject({ enabledUnits: 2, consumedUnits: 1 });
  });

  it('refuses a decrease outside the window as cannot-decrease, once, changing nothing', async () => {
    const error = await rejectionOf(t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3, 20, 'dec-2'));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'cannot-decrease', details: { status: 400, code: 800090 } });
    expect(error.message).toContain('Subscription quantity cannot be decreased');
    expect(t.sandbox.state.countRequests({ method: 'PATCH' })).toBe(1);
    expect(seatsOf(DEMO_SUBSCRIPTIONS.m365E3)).toBe(25);
    // Teams Premium: the one seat in its window can go, not a second one.
    expect((await rejectionOf(t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.teamsPremium, 1, 'dec-3'))).kind).toBe(
      'cannot-decrease',
    );
  });
});

describe('commerce: suspend, reactivate, cancel', () => {
  it('suspends; then seats, auto-renew, schedules and cancelling are subscription-suspended, with no change; reactivates', async () => {
    const suspended = await t.commerce.updateSubscription(
      DEMO_CUSTOMER_ID,
      DEMO_SUBSCRIPTIONS.visioPlan2,
      { status: 'suspended' },
      'sus-1',
    );
    expect(suspended.status).toBe('suspended');
    const visio = (await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).find((s) => s.skuPartNumber === 'VISIOCLIENT');
    expect(visio).toMatchObject({ capabilityStatus: 'Suspended', enabledUnits: 0 });

    const attempts = [
      () => t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, 6, 'sus-2'),
      () => t.commerce.updateSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, { autoRenewEnabled: false }, 'sus-3'),
      () => t.commerce.scheduleNextTerm(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, 4, 'sus-4'),
      () => t.commerce.updateSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, { status: 'deleted' }, 'sus-5'),
    ];
    for (const attempt of attempts)
      expect(await rejectionOf(attempt())).toMatchObject({ kind: 'subscription-suspended', details: { code: 800091 } });
    // Refusals are not retried: one PATCH each (plus the suspension).
    expect(t.sandbox.state.countRequests({ method: 'PATCH', status: 400 })).toBe(4);
    expect(stateOf(DEMO_SUBSCRIPTIONS.visioPlan2)).toMatchObject({ status: 'suspended', autoRenewEnabled: true });
    expect(stateOf(DEMO_SUBSCRIPTIONS.visioPlan2).scheduledNextTermInstructions).toBeUndefined();
    expect(seatsOf(DEMO_SUBSCRIPTIONS.visioPlan2)).toBe(5);

    const active = await t.commerce.updateSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, { status: 'active' }, 'sus-6');
    expect(active).toMatchObject({ status: 'active', quantity: 5, autoRenewEnabled: true });
  });

  it('cancels a subscription bought inside the window: deleted, and its Graph seats are gone', async () => {
    const order = await t.commerce.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2, billingCycle: 'annual' },
      'cancel-order',
    );
    const id = order.lineItems[0]!.subscriptionId!;
    expect((await t.commerce.getSubscription(DEMO_CUSTOMER_ID, id)).refundOptions).toEqual([
      { type: 'Full', expiresAt: expect.any(String) },
    ]);

    const cancelled = await t.commerce.updateSubscription(DEMO_CUSTOMER_ID, id, { status: 'deleted' }, 'cancel-1');
    expect(cancelled.status).toBe('deleted');
    expect((await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).map((s) => s.skuPartNumber)).not.toContain('PROJECTPROFESSIONAL');
  });

  it('refuses to cancel outside the window (cannot-decrease); the subscription stays active', async () => {
    const error = await rejectionOf(
      t.commerce.updateSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.teamsPremium, { status: 'deleted' }, 'cancel-2'),
    );
    expect(error).toMatchObject({ kind: 'cannot-decrease', details: { code: 800090 } });
    expect((await t.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.teamsPremium)).status).toBe('active');
  });
});

describe('commerce: auto-renew and the next term', () => {
  it('schedules a decrease for renewal, then GET shows it; null clears it', async () => {
    const scheduled = await t.commerce.scheduleNextTerm(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3, 20, 'next-1');
    expect(scheduled.quantity).toBe(25);
    expect(scheduled.scheduledNextTerm).toEqual({
      quantity: 20,
      offerId: DEMO_OFFERS.m365E3.offerId,
      billingCycle: 'monthly',
      termDuration: 'P1Y',
    });
    expect((await t.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3)).scheduledNextTerm?.quantity).toBe(20);
    expect(t.sandbox.state.requests.find((r) => r.method === 'PATCH')).toMatchObject({ requestId: 'next-1', status: 200 });

    const cleared = await t.commerce.scheduleNextTerm(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3, null, 'next-2');
    expect(cleared).not.toHaveProperty('scheduledNextTerm');
    expect(stateOf(DEMO_SUBSCRIPTIONS.m365E3).scheduledNextTermInstructions).toBeUndefined();
  });

  it('turns auto-renew off; scheduling then fails as invalid-request, and back on it works', async () => {
    const off = await t.commerce.updateSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3, { autoRenewEnabled: false }, 'renew-1');
    expect(off.autoRenewEnabled).toBe(false);
    const error = await rejectionOf(t.commerce.scheduleNextTerm(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3, 20, 'renew-2'));
    expect(error).toMatchObject({ kind: 'invalid-request', details: { status: 400 } });
    expect(error.transient).toBe(false);
    expect(stateOf(DEMO_SUBSCRIPTIONS.m365E3).scheduledNextTermInstructions).toBeUndefined();

    await t.commerce.updateSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3, { autoRenewEnabled: true }, 'renew-3');
    expect(
      (await t.commerce.scheduleNextTerm(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3, 20, 'renew-4')).scheduledNextTerm?.quantity,
    ).toBe(20);
  });

  it('retries a PATCH whose answer was lost with the same MS-RequestId, applying it once', async () => {
    t.sandbox.faults.partnerCenter.failNext({ status: 502, method: 'PATCH', afterProcessing: true });
    const suspended = await t.commerce.updateSubscription(
      DEMO_CUSTOMER_ID,
      DEMO_SUBSCRIPTIONS.powerBiPro,
      { status: 'suspended' },
      'retry-1',
    );
    expect(suspended.status).toBe('suspended');
    const patches = t.sandbox.state.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.requestId, r.status, r.replayed])).toEqual([
      ['retry-1', 502, false],
      ['retry-1', 200, true],
    ]);
  });
});

describe('directory: sign-ins and license removal', () => {
  it('lists users with their latest sign-in and licenses, across pages', async () => {
    const users = await t.directory.listUsersWithSignIn(DEMO_TENANT_ID);
    expect(users).toHaveLength(21);
    expect(t.sandbox.state.countRequests({ service: 'graph', route: '/v1.0/users' })).toBe(6); // 21 users, 4 a page

    const megan = users.find((u) => u.id === DEMO_USERS.megan.id)!;
    expect(megan).toMatchObject({
      displayName: 'Megan Bowen',
      userPrincipalName: 'meganb@example.com',
      licenseSkuIds: [DEMO_OFFERS.m365E3.graphSkuId, DEMO_OFFERS.powerBiPro.graphSkuId],
    });
    expect(users.find((u) => u.id === DEMO_USERS.lynne.id)!.licenseSkuIds).toEqual([]);

    expect(users.find((u) => u.id === DEMO_NEVER_SIGNED_IN_USER_ID)).not.toHaveProperty('lastSignInAt');
    // User 18 signs in only non-interactively (3 days ago): that counts as activity.
    const user18 = users.find((u) => u.id === 'd0000000-0000-4000-8000-000000000018')!;
    expect((testNowMs() - Date.parse(user18.lastSignInAt!)) / DAY_MS).toBeCloseTo(3, 1);

    const cutoff = testNowMs() - 90 * DAY_MS;
    const inactive = users.filter((u) => u.lastSignInAt === undefined || Date.parse(u.lastSignInAt) < cutoff).map((u) => u.id);
    expect(inactive).toEqual([...DEMO_INACTIVE_USER_IDS]);
  });

  it('removes a license: the seat is free again (consumedUnits drops); removing it twice is harmless', async () => {
    const before = (await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).find((s) => s.skuPartNumber === 'SPE_E3')!;
    await t.directory.removeLicense(DEMO_TENANT_ID, DEMO_INACTIVE_USER_IDS[0], DEMO_OFFERS.m365E3.graphSkuId);
    const after = (await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).find((s) => s.skuPartNumber === 'SPE_E3')!;
    expect(after.consumedUnits).toBe(before.consumedUnits - 1);
    expect(await t.directory.licenseSkuIds(DEMO_TENANT_ID, DEMO_INACTIVE_USER_IDS[0])).not.toContain(DEMO_OFFERS.m365E3.graphSkuId);

    await t.directory.removeLicense(DEMO_TENANT_ID, DEMO_INACTIVE_USER_IDS[0], DEMO_OFFERS.m365E3.graphSkuId);
    expect(t.sandbox.state.freeSeats(DEMO_TENANT_ID, 'SPE_E3')).toBe(6);
    expect((await rejectionOf(t.directory.removeLicense(DEMO_TENANT_ID, 'nobody@example.com', DEMO_OFFERS.m365E3.graphSkuId))).kind).toBe(
      'not-found',
    );
  });
});
