// Subscription management at the wire: refund windows per seat lot, renewal dates,
// suspend / reactivate / cancel, auto-renew and scheduled next-term changes on Partner
// Center, and what Graph shows for them; users' sign-in activity and license removal.
import { testNowMs, testClock } from '../harness/clock.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_APP,
  DEMO_CUSTOMER_ID,
  DEMO_INACTIVE_USER_IDS,
  DEMO_NEVER_SIGNED_IN_USER_ID,
  DEMO_OFFERS,
  DEMO_PARTNER_TENANT_ID,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  DEMO_USERS,
  startSandbox,
  type Sandbox,
} from '../../src/sandbox/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let sandbox: Sandbox;
let pcToken: string;
let graphToken: string;

beforeEach(async () => {
  sandbox = await startSandbox({ clock: testClock });
  pcToken = await token(DEMO_PARTNER_TENANT_ID, 'https://api.partnercenter.microsoft.com/.default');
  graphToken = await token(DEMO_TENANT_ID, 'https://graph.microsoft.com/.default');
});
afterEach(async () => {
  await sandbox.stop();
});

async function token(tenant: string, scope: string): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: DEMO_APP.clientId,
    client_secret: DEMO_APP.clientSecret,
    scope,
  });
  const response = await fetch(`${sandbox.urls.login}/${tenant}/oauth2/v2.0/token`, { method: 'POST', body: form });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function pc(method: string, path: string, body?: unknown, requestId?: string) {
  const response = await fetch(`${sandbox.urls.partnerCenter}/v1/customers/${DEMO_CUSTOMER_ID}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${pcToken}`,
      'content-type': 'application/json',
      ...(requestId ? { 'MS-RequestId': requestId } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
}

const getSubscription = async (id: string) => (await pc('GET', `subscriptions/${id}`)).body;
/** PATCH the whole subscription object with some fields changed, as Partner Center expects. */
const patch = async (id: string, changes: Record<string, unknown>) =>
  pc('PATCH', `subscriptions/${id}`, { ...(await getSubscription(id)), ...changes });
const stateOf = (id: string) => sandbox.state.subscriptions(DEMO_CUSTOMER_ID).find((s) => s.id === id)!;

async function graph(path: string, init: RequestInit = {}) {
  const response = await fetch(`${sandbox.urls.graph}/v1.0${path}`, {
    ...init,
    headers: { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const sku = async (part: string) => ((await graph('/subscribedSkus')).body.value as any[]).find((s) => s.skuPartNumber === part);

const e3Instructions = (quantity: number) => ({
  product: {
    productId: DEMO_OFFERS.m365E3.productId,
    skuId: DEMO_OFFERS.m365E3.skuId,
    availabilityId: DEMO_OFFERS.m365E3.availabilityId,
    billingCycle: 'monthly',
    termDuration: 'P1Y',
  },
  quantity,
});

describe('seed: renewal dates and refund windows', () => {
  it('renews E3 (5 seats unused) within 30 days, the others later; only the Teams Premium lot bought 2 days ago is refundable', async () => {
    const daysToRenewal = (s: Record<string, any>) => (Date.parse(s.commitmentEndDate) - testNowMs()) / DAY_MS;
    const e3 = await getSubscription(DEMO_SUBSCRIPTIONS.m365E3);
    expect(daysToRenewal(e3)).toBeGreaterThan(17);
    expect(daysToRenewal(e3)).toBeLessThan(21);
    expect(daysToRenewal(await getSubscription(DEMO_SUBSCRIPTIONS.visioPlan2))).toBeGreaterThan(200);
    expect(daysToRenewal(await getSubscription(DEMO_SUBSCRIPTIONS.teamsPremium))).toBeGreaterThan(300);
    // A monthly term bought 20 days ago renews within the month.
    expect(daysToRenewal(await getSubscription(DEMO_SUBSCRIPTIONS.powerBiPro))).toBeLessThan(12);
    expect((await sku('SPE_E3')).prepaidUnits.enabled - (await sku('SPE_E3')).consumedUnits).toBe(5);

    const teams = await getSubscription(DEMO_SUBSCRIPTIONS.teamsPremium);
    expect(teams.quantity).toBe(3);
    expect(teams.refundOptions).toHaveLength(1);
    expect(teams.refundOptions[0].type).toBe('Partial');
    // Bought 2 days ago: 5 days of its 7-day window left.
    expect((Date.parse(teams.refundOptions[0].expiresAt) - testNowMs()) / DAY_MS).toBeCloseTo(5, 1);
    for (const id of [DEMO_SUBSCRIPTIONS.m365E3, DEMO_SUBSCRIPTIONS.visioPlan2, DEMO_SUBSCRIPTIONS.powerBiPro])
      expect((await getSubscription(id)).refundOptions).toEqual([]);
  });

  it('gives a new purchase a Full refund option, and a mid-term add its own Partial one', async () => {
    const order = await pc('POST', 'orders', {
      billingCycle: 'annual',
      partnerOnRecordAttestationAccepted: true,
      lineItems: [{ lineItemNumber: 0, offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2 }],
    });
    const id = order.body.lineItems[0].subscriptionId as string;
    expect((await getSubscription(id)).refundOptions.map((o: any) => o.type)).toEqual(['Full']);
    stateOf(id).lots[0]!.purchasedAt = new Date(testNowMs() - 3 * DAY_MS); // bought 3 days ago
    stateOf(id).creationDate = stateOf(id).lots[0]!.purchasedAt;
    expect((await patch(id, { quantity: 3 })).status).toBe(200);
    expect((await getSubscription(id)).refundOptions.map((o: any) => o.type)).toEqual(['Full', 'Partial']);
  });
});

describe('seat decreases', () => {
  it('removes seats only from lots inside their window, newest first; else 800090 with the documented description', async () => {
    const decreased = await patch(DEMO_SUBSCRIPTIONS.teamsPremium, { quantity: 2 });
    expect(decreased).toMatchObject({ status: 200, body: { quantity: 2, refundOptions: [] } });
    expect(stateOf(DEMO_SUBSCRIPTIONS.teamsPremium).lots.map((l) => l.quantity)).toEqual([2]);
    expect((await sku('Microsoft_Teams_Premium')).prepaidUnits.enabled).toBe(2);

    const refused = await patch(DEMO_SUBSCRIPTIONS.teamsPremium, { quantity: 1 });
    expect(refused).toMatchObject({ status: 400, body: { code: 800090, description: 'Subscription quantity cannot be decreased' } });
    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { quantity: 24 })).body.code).toBe(800090);
    expect(stateOf(DEMO_SUBSCRIPTIONS.m365E3).lots.map((l) => l.quantity)).toEqual([25]);
  });
});

describe('suspend, reactivate, cancel', () => {
  it('suspends (Graph moves the seats to suspended), refuses every change but reactivation with 800091, and reactivates', async () => {
    expect((await patch(DEMO_SUBSCRIPTIONS.visioPlan2, { status: 'suspended' })).body.status).toBe('suspended');
    const visio = await sku('VISIOCLIENT');
    expect(visio).toMatchObject({ capabilityStatus: 'Suspended', prepaidUnits: { enabled: 0, suspended: 5 } });

    for (const changes of [
      { quantity: 6 },
      { autoRenewEnabled: false },
      { status: 'deleted' },
      { scheduledNextTermInstructions: null },
      { status: 'active', quantity: 6 },
    ]) {
      const refused = await patch(DEMO_SUBSCRIPTIONS.visioPlan2, changes);
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe(800091);
    }
    expect(stateOf(DEMO_SUBSCRIPTIONS.visioPlan2)).toMatchObject({ status: 'suspended', autoRenewEnabled: true, lots: [{ quantity: 5 }] });

    expect((await patch(DEMO_SUBSCRIPTIONS.visioPlan2, { status: 'active' })).body.status).toBe('active');
    expect(await sku('VISIOCLIENT')).toMatchObject({ capabilityStatus: 'Enabled', prepaidUnits: { enabled: 5, suspended: 0 } });
  });

  it('cancels only while every lot is inside its window: a new purchase goes, Teams Premium (older seats) stays', async () => {
    const refused = await patch(DEMO_SUBSCRIPTIONS.teamsPremium, { status: 'deleted' });
    expect(refused).toMatchObject({ status: 400, body: { code: 800090 } });
    expect(stateOf(DEMO_SUBSCRIPTIONS.teamsPremium).status).toBe('active');

    const order = await pc('POST', 'orders', {
      billingCycle: 'annual',
      partnerOnRecordAttestationAccepted: true,
      lineItems: [{ lineItemNumber: 0, offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2 }],
    });
    const id = order.body.lineItems[0].subscriptionId as string;
    expect((await sku('PROJECTPROFESSIONAL')).prepaidUnits.enabled).toBe(2);
    const cancelled = await patch(id, { status: 'deleted' });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'deleted', autoRenewEnabled: false } });
    expect(await sku('PROJECTPROFESSIONAL')).toBeUndefined();
    expect((await patch(id, { status: 'active' })).status).toBe(400);
  });
});

describe('auto-renew and scheduled next-term changes', () => {
  it('stores scheduledNextTermInstructions, returns them on GET, and clears them with null', async () => {
    const scheduled = await patch(DEMO_SUBSCRIPTIONS.m365E3, { scheduledNextTermInstructions: e3Instructions(20) });
    expect(scheduled.status).toBe(200);
    expect((await getSubscription(DEMO_SUBSCRIPTIONS.m365E3)).scheduledNextTermInstructions).toEqual(e3Instructions(20));
    expect((await getSubscription(DEMO_SUBSCRIPTIONS.m365E3)).quantity).toBe(25); // only at renewal

    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { scheduledNextTermInstructions: null })).status).toBe(200);
    expect(await getSubscription(DEMO_SUBSCRIPTIONS.m365E3)).not.toHaveProperty('scheduledNextTermInstructions');
  });

  it('needs auto-renew: refused when it is off; turning it off, or a mid-term seat change, drops the schedule', async () => {
    // Teams Premium does not auto-renew.
    const refused = await patch(DEMO_SUBSCRIPTIONS.teamsPremium, {
      scheduledNextTermInstructions: {
        ...e3Instructions(1),
        product: {
          ...e3Instructions(1).product,
          productId: DEMO_OFFERS.teamsPremium.productId,
          skuId: DEMO_OFFERS.teamsPremium.skuId,
          availabilityId: DEMO_OFFERS.teamsPremium.availabilityId,
        },
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.description).toMatch(/auto.?renew/i);
    expect(stateOf(DEMO_SUBSCRIPTIONS.teamsPremium).scheduledNextTermInstructions).toBeUndefined();

    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { scheduledNextTermInstructions: e3Instructions(20) })).status).toBe(200);
    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { autoRenewEnabled: false })).body).toMatchObject({ autoRenewEnabled: false });
    expect(await getSubscription(DEMO_SUBSCRIPTIONS.m365E3)).not.toHaveProperty('scheduledNextTermInstructions');
    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { autoRenewEnabled: true })).body.autoRenewEnabled).toBe(true);

    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { scheduledNextTermInstructions: e3Instructions(20) })).status).toBe(200);
    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { quantity: 26 })).status).toBe(200);
    expect(await getSubscription(DEMO_SUBSCRIPTIONS.m365E3)).not.toHaveProperty('scheduledNextTermInstructions');
  });

  it('refuses instructions naming another product, a term the offer lacks, or a quantity out of range', async () => {
    const visioProduct = {
      ...e3Instructions(1).product,
      productId: DEMO_OFFERS.visioPlan2.productId,
      skuId: DEMO_OFFERS.visioPlan2.skuId,
      availabilityId: DEMO_OFFERS.visioPlan2.availabilityId,
      billingCycle: 'annual',
    };
    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { scheduledNextTermInstructions: { product: visioProduct, quantity: 1 } })).status).toBe(
      400,
    );
    expect(
      (
        await patch(DEMO_SUBSCRIPTIONS.m365E3, {
          scheduledNextTermInstructions: { ...e3Instructions(20), product: { ...e3Instructions(20).product, termDuration: 'P1M' } },
        })
      ).status,
    ).toBe(400);
    expect((await patch(DEMO_SUBSCRIPTIONS.m365E3, { scheduledNextTermInstructions: e3Instructions(0) })).status).toBe(400);
    expect(stateOf(DEMO_SUBSCRIPTIONS.m365E3).scheduledNextTermInstructions).toBeUndefined();
  });
});

describe('graph: sign-in activity and license removal', () => {
  it('returns signInActivity only when $select asks for it; null for a user who never signed in', async () => {
    expect((await graph(`/users/${DEMO_USERS.alex.id}`)).body).not.toHaveProperty('signInActivity');
    const alex = (await graph(`/users/${DEMO_USERS.alex.id}?$select=id,signInActivity`)).body;
    expect((testNowMs() - Date.parse(alex.signInActivity.lastSignInDateTime)) / DAY_MS).toBeCloseTo(1, 1);
    expect(alex.signInActivity.lastNonInteractiveSignInDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const users = (await graph('/users?$select=id,signInActivity&$top=999')).body.value as any[];
    expect(users).toHaveLength(21);
    // Dormant by the last SUCCESSFUL sign-in: user 19's failed attempt yesterday moved lastSignInDateTime only.
    const latest = (u: any) => Date.parse(u.signInActivity?.lastSuccessfulSignInDateTime ?? '1970-01-01T00:00:00Z');
    const inactive = users.filter((u) => !u.signInActivity || testNowMs() - latest(u) > 90 * DAY_MS).map((u) => u.id);
    expect(inactive).toEqual([...DEMO_INACTIVE_USER_IDS]);
    const tried = users.find((u) => u.id === DEMO_INACTIVE_USER_IDS[0]).signInActivity;
    expect((testNowMs() - Date.parse(tried.lastSignInDateTime)) / DAY_MS).toBeCloseTo(1, 1);
    expect(users.find((u) => u.id === DEMO_NEVER_SIGNED_IN_USER_ID).signInActivity).toBeNull();
  });

  it('removes a license with removeLicenses: the seat is free again', async () => {
    expect((await sku('Microsoft_Teams_Premium')).consumedUnits).toBe(1);
    const removed = await graph(`/users/${DEMO_USERS.patti.id}/assignLicense`, {
      method: 'POST',
      body: JSON.stringify({ addLicenses: [], removeLicenses: [DEMO_OFFERS.teamsPremium.graphSkuId] }),
    });
    expect(removed.status).toBe(200);
    expect((await sku('Microsoft_Teams_Premium')).consumedUnits).toBe(0);
    expect(sandbox.state.findUser(DEMO_TENANT_ID, DEMO_USERS.patti.id)!.assignedSkuIds).not.toContain(DEMO_OFFERS.teamsPremium.graphSkuId);
  });
});
