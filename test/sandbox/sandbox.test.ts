// The emulators at the wire: what a client sees when it speaks plain HTTP to them. The
// connectors' own tests (test/connectors) build on this behaviour.
import { testClock } from '../harness/clock.js';
import { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_APP,
  DEMO_CUSTOMER_ID,
  DEMO_GROUPS,
  DEMO_OFFERS,
  DEMO_PARTNER_TENANT_ID,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  DEMO_USERS,
  MARKETPLACE_AGREEMENTS,
  MARKETPLACE_ITEMS,
  OTHER_TENANT_ID,
  OTHER_TENANT_USERS,
  startSandbox,
  type Sandbox,
} from '../../src/sandbox/index.js';

const GRAPH = 'https://graph.microsoft.com/.default';
const PARTNER_CENTER = 'https://api.partnercenter.microsoft.com/.default';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ clock: testClock });
});
afterEach(async () => {
  await sandbox.stop();
});

async function tokenResponse(tenant: string, scope: string, credentials: { clientId: string; clientSecret?: string } = DEMO_APP) {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: credentials.clientId, scope });
  if (credentials.clientSecret !== undefined) form.set('client_secret', credentials.clientSecret);
  const response = await fetch(`${sandbox.urls.login}/${tenant}/oauth2/v2.0/token`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function token(tenant: string, scope: string): Promise<string> {
  const { status, body } = await tokenResponse(tenant, scope);
  expect(status).toBe(200);
  return body.access_token as string;
}

async function graph(path: string, accessToken?: string, init: RequestInit = {}) {
  const response = await fetch(`${sandbox.urls.graph}/v1.0${path}`, {
    ...init,
    headers: {
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      'content-type': 'application/json',
      ...(init.headers as Record<string, string>),
    },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

async function pc(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; requestId?: string; correlationId?: string; signal?: AbortSignal } = {},
) {
  const response = await fetch(`${sandbox.urls.partnerCenter}/v1/customers/${path}`, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      'content-type': 'application/json',
      'MS-Contract-Version': 'v1',
      ...(options.requestId ? { 'MS-RequestId': options.requestId } : {}),
      ...(options.correlationId ? { 'MS-CorrelationId': options.correlationId } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, any>;

describe('seed', () => {
  it('has the demo seat counts, consistent between Partner Center and Graph', async () => {
    const skus = (await graph('/subscribedSkus', await token(DEMO_TENANT_ID, GRAPH))).body.value as any[];
    const seats = Object.fromEntries(skus.map((s) => [s.skuPartNumber, [s.prepaidUnits.enabled, s.consumedUnits]]));
    expect(seats).toEqual({
      SPE_E3: [25, 20],
      POWER_BI_PRO: [10, 6],
      VISIOCLIENT: [5, 5],
      Microsoft_Teams_Premium: [3, 1],
      ENTERPRISEPACK: [0, 0],
    });

    const subscriptions = (
      await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions`, { token: await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER) })
    ).body.items as any[];
    const quantities = Object.fromEntries(subscriptions.map((s) => [s.offerName, s.quantity]));
    expect(quantities).toEqual({ 'Microsoft 365 E3': 25, 'Power BI Pro': 10, 'Visio Plan 2': 5, 'Microsoft Teams Premium': 3 });
  });

  it('has the Playground users, their managers and the approvers group', async () => {
    const t = await token(DEMO_TENANT_ID, GRAPH);
    const lynne = await graph(`/users/${DEMO_USERS.lynne.id}?$select=id,displayName,usageLocation`, t);
    expect(lynne.body).toMatchObject({ id: DEMO_USERS.lynne.id, displayName: 'Lynne Robbins', usageLocation: null });
    expect((await graph(`/users/${DEMO_USERS.alex.id}/manager`, t)).body).toMatchObject({ id: DEMO_USERS.adele.id });
    expect((await graph(`/users/${DEMO_USERS.adele.id}/manager`, t)).body).toMatchObject({ id: DEMO_USERS.patti.id });
    expect((await graph(`/users/${DEMO_USERS.patti.id}/manager`, t)).status).toBe(404);
    const members = await graph(`/groups/${DEMO_GROUPS.licenseApprovers}/members`, t);
    expect(members.body.value.map((m: any) => m.id)).toEqual([DEMO_USERS.megan.id]);
  });
});

describe('login', () => {
  it('issues JWT-shaped tokens carrying tid, aud and appid', async () => {
    const { status, body } = await tokenResponse(DEMO_TENANT_ID, GRAPH);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    expect(claimsOf(body.access_token)).toMatchObject({
      tid: DEMO_TENANT_ID,
      aud: 'https://graph.microsoft.com',
      appid: DEMO_APP.clientId,
    });
    // The application permissions the Graph app is consented with (README, "Deploy to Azure").
    expect(claimsOf(body.access_token).roles).toEqual([
      'User.Read.All',
      'GroupMember.Read.All',
      'LicenseAssignment.ReadWrite.All',
      'Organization.Read.All',
      'AdministrativeUnit.Read.All',
    ]);
    expect(claimsOf(await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER))).toMatchObject({
      tid: DEMO_PARTNER_TENANT_ID,
      aud: 'https://api.partnercenter.microsoft.com',
    });
  });

  it('refuses bad credentials, unknown apps and tenants, and scopes without /.default with AADSTS errors', async () => {
    const badSecret = await tokenResponse(DEMO_TENANT_ID, GRAPH, { clientId: DEMO_APP.clientId, clientSecret: 'wrong' });
    expect(badSecret.status).toBe(401);
    expect(badSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(badSecret.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);

    const unknownApp = await tokenResponse(DEMO_TENANT_ID, GRAPH, { clientId: '11111111-1111-1111-1111-111111111111', clientSecret: 'x' });
    expect(unknownApp).toMatchObject({ status: 400, body: { error: 'unauthorized_client', error_codes: [700016] } });

    const unknownTenant = await tokenResponse('no-such-tenant', GRAPH);
    expect(unknownTenant).toMatchObject({ status: 400, body: { error: 'invalid_request', error_codes: [90002] } });

    const userScope = await tokenResponse(DEMO_TENANT_ID, 'User.Read');
    expect(userScope).toMatchObject({ status: 400, body: { error: 'invalid_scope', error_codes: [1002012] } });
  });

  it('serves the discovery documents msal may ask for, naming the real login host', async () => {
    const oidc = await fetch(`${sandbox.urls.login}/${DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration`).then(
      (r) => r.json() as Promise<any>,
    );
    expect(oidc.token_endpoint).toBe(`https://login.microsoftonline.com/${DEMO_TENANT_ID}/oauth2/v2.0/token`);
    const instance = await fetch(`${sandbox.urls.login}/common/discovery/instance?api-version=1.1`).then((r) => r.json() as Promise<any>);
    expect(instance.metadata[0].aliases).toContain('login.microsoftonline.com');
  });
});

describe('graph', () => {
  it('requires a valid Graph token: none, forged, or one for Partner Center get 401', async () => {
    const none = await graph('/users');
    expect(none).toMatchObject({ status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } } });

    const real = await token(DEMO_TENANT_ID, GRAPH);
    const [header, , signature] = real.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...claimsOf(real), tid: OTHER_TENANT_ID })).toString('base64url');
    expect((await graph('/users', `${header}.${forgedPayload}.${signature}`)).status).toBe(401);

    const partnerCenterToken = await graph('/users', await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER));
    expect(partnerCenterToken).toMatchObject({
      status: 401,
      body: { error: { message: 'Access token validation failure. Invalid audience.' } },
    });
  });

  it("serves each tenant its own directory: a token for tenant B cannot read tenant A's users", async () => {
    const tokenB = await token(OTHER_TENANT_ID, GRAPH);
    const alexFromB = await graph(`/users/${DEMO_USERS.alex.id}`, tokenB);
    expect(alexFromB).toMatchObject({ status: 404, body: { error: { code: 'Request_ResourceNotFound' } } });
    expect((await graph('/users', tokenB)).body.value.map((u: any) => u.id)).toEqual([OTHER_TENANT_USERS.jordan.id]);
    expect((await graph(`/users/${OTHER_TENANT_USERS.jordan.id}`, await token(DEMO_TENANT_ID, GRAPH))).status).toBe(404);
  });

  it('projects users like Graph: default properties, $select, $filter by UPN, unknown property → 400', async () => {
    const t = await token(DEMO_TENANT_ID, GRAPH);
    const plain = await graph(`/users/${DEMO_USERS.alex.userPrincipalName}`, t);
    expect(plain.body).toMatchObject({ id: DEMO_USERS.alex.id, userPrincipalName: 'alexw@example.com' });
    expect(plain.body).not.toHaveProperty('usageLocation');

    const selected = await graph(`/users/${DEMO_USERS.alex.id}?$select=usageLocation,assignedLicenses`, t);
    expect(Object.keys(selected.body).sort()).toEqual(['@odata.context', 'assignedLicenses', 'id', 'usageLocation']);

    const filtered = await graph(`/users?$filter=${encodeURIComponent("userPrincipalName eq 'MEGANB@example.com'")}`, t);
    expect(filtered.body.value.map((u: any) => u.id)).toEqual([DEMO_USERS.megan.id]);

    const unknown = await graph('/users?$select=favouriteColour', t);
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'Request_BadRequest' } } });
  });

  it('pages with @odata.nextLink when there are more users than $top', async () => {
    const t = await token(DEMO_TENANT_ID, GRAPH);
    const ids: string[] = [];
    let url: string | undefined = `${sandbox.urls.graph}/v1.0/users?$top=8&$select=id`;
    while (url) {
      const page = (await fetch(url, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.json())) as any;
      ids.push(...page.value.map((u: any) => u.id));
      url = page['@odata.nextLink'];
    }
    expect(ids).toHaveLength(21);
    expect(new Set(ids).size).toBe(21);
  });

  it('assigns licenses and refuses them as Graph does (usage location, no free seat)', async () => {
    const t = await token(DEMO_TENANT_ID, GRAPH);
    const assign = (userId: string, skuId: string) =>
      graph(`/users/${userId}/assignLicense`, t, {
        method: 'POST',
        body: JSON.stringify({ addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] }),
      });

    expect((await assign(DEMO_USERS.alex.id, DEMO_OFFERS.powerBiPro.graphSkuId)).status).toBe(200);
    const details = await graph(`/users/${DEMO_USERS.alex.id}/licenseDetails`, t);
    expect(details.body.value.map((d: any) => d.skuPartNumber).sort()).toEqual(['POWER_BI_PRO', 'SPE_E3']);

    const lynne = await assign(DEMO_USERS.lynne.id, DEMO_OFFERS.powerBiPro.graphSkuId);
    expect(lynne).toMatchObject({
      status: 400,
      body: { error: { code: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.' } },
    });

    const visio = await assign(DEMO_USERS.alex.id, DEMO_OFFERS.visioPlan2.graphSkuId);
    expect(visio).toMatchObject({
      status: 400,
      body: { error: { message: `Subscription ${DEMO_OFFERS.visioPlan2.graphSkuId} does not have any available licenses.` } },
    });
    expect(sandbox.state.freeSeats(DEMO_TENANT_ID, 'POWER_BI_PRO')).toBe(3);
  });
});

describe('partner center', () => {
  it('requires a Partner Center token from the partner tenant', async () => {
    const none = await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body).toMatchObject({ code: 401, description: expect.stringMatching(/Authorization/) });

    expect((await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions`, { token: await token(DEMO_PARTNER_TENANT_ID, GRAPH) })).status).toBe(401);
    expect((await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions`, { token: await token(DEMO_TENANT_ID, PARTNER_CENTER) })).status).toBe(403);
    expect((await pc('GET', `unknown-customer/subscriptions`, { token: await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER) })).status).toBe(
      404,
    );
  });

  it('echoes MS-CorrelationId and answers a repeated MS-RequestId with the first order, creating one', async () => {
    const t = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    const order = {
      lineItems: [{ lineItemNumber: 0, offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2 }],
      billingCycle: 'annual',
      partnerOnRecordAttestationAccepted: true,
    };
    const first = await pc('POST', `${DEMO_CUSTOMER_ID}/orders`, { token: t, body: order, requestId: 'order-1', correlationId: 'trace-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('ms-correlationid')).toBe('trace-1');
    expect(first.body).toMatchObject({
      status: 'completed',
      lineItems: [{ offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2, termDuration: 'P1Y', transactionType: 'New' }],
    });

    const again = await pc('POST', `${DEMO_CUSTOMER_ID}/orders`, {
      token: t,
      body: { ...order, lineItems: [{ ...order.lineItems[0], quantity: 9 }] },
      requestId: 'order-1',
    });
    expect(again.body.id).toBe(first.body.id);
    expect(sandbox.state.orders(DEMO_CUSTOMER_ID)).toHaveLength(1);
    expect(sandbox.state.countRequests({ route: '/v1/customers/{customerId}/orders', method: 'POST', replayed: true })).toBe(1);

    const next = await pc('POST', `${DEMO_CUSTOMER_ID}/orders`, { token: t, body: order, requestId: 'order-2' });
    expect(next.body.id).not.toBe(first.body.id);
    expect(sandbox.state.orders(DEMO_CUSTOMER_ID)).toHaveLength(2);
    expect(sandbox.state.freeSeats(DEMO_TENANT_ID, 'PROJECTPROFESSIONAL')).toBe(4);
  });

  it('bills a one-year term monthly or annually, a one-month term only monthly', async () => {
    const t = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    const order = (offerId: string, billingCycle: string) =>
      pc('POST', `${DEMO_CUSTOMER_ID}/orders`, {
        token: t,
        body: { lineItems: [{ lineItemNumber: 0, offerId, quantity: 1 }], billingCycle, partnerOnRecordAttestationAccepted: true },
      });
    const monthlyProject = await order(DEMO_OFFERS.projectPlan3.offerId, 'monthly');
    expect(monthlyProject.status).toBe(201);
    const subscription = await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions/${monthlyProject.body.lineItems[0].subscriptionId}`, {
      token: t,
    });
    expect(subscription.body).toMatchObject({ billingCycle: 'monthly', termDuration: 'P1Y' });
    expect((await order(DEMO_OFFERS.powerBiPro.offerId, 'annual')).status).toBe(400);
  });

  it('applies a PATCH once per MS-RequestId and raises Graph seats with the quantity', async () => {
    const t = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    const path = `${DEMO_CUSTOMER_ID}/subscriptions/${DEMO_SUBSCRIPTIONS.visioPlan2}`;
    const current = (await pc('GET', path, { token: t })).body;
    expect((await pc('PATCH', path, { token: t, body: { ...current, quantity: 6 }, requestId: 'patch-1' })).body.quantity).toBe(6);
    expect((await pc('PATCH', path, { token: t, body: { ...current, quantity: 8 }, requestId: 'patch-1' })).body.quantity).toBe(6);
    expect(sandbox.state.subscriptions(DEMO_CUSTOMER_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!.lots).toHaveLength(2);
    expect(sandbox.state.freeSeats(DEMO_TENANT_ID, 'VISIOCLIENT')).toBe(1);
  });

  it('enforces new-commerce rules: no decrease after 7 days, range, suspended, cancellation window', async () => {
    const t = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    const path = `${DEMO_CUSTOMER_ID}/subscriptions/${DEMO_SUBSCRIPTIONS.visioPlan2}`;
    const patch = async (changes: Record<string, unknown>) => {
      const current = (await pc('GET', path, { token: t })).body;
      return pc('PATCH', path, { token: t, body: { ...current, ...changes } });
    };
    expect(await patch({ quantity: 4 })).toMatchObject({
      status: 400,
      body: { code: 800090, description: 'Subscription quantity cannot be decreased' },
    });
    expect((await patch({ quantity: 0 })).body.code).toBe(2002);
    expect((await patch({ quantity: 301 })).body.code).toBe(2002);
    // Seats added today are inside their window: they can go again.
    expect((await patch({ quantity: 7 })).body.quantity).toBe(7);
    expect((await patch({ quantity: 5 })).body.quantity).toBe(5);
    expect((await patch({ quantity: 4 })).body.code).toBe(800090);

    expect((await patch({ status: 'suspended' })).body.status).toBe('suspended');
    const visio = ((await graph('/subscribedSkus', await token(DEMO_TENANT_ID, GRAPH))).body.value as any[]).find(
      (s) => s.skuPartNumber === 'VISIOCLIENT',
    );
    expect(visio.prepaidUnits).toMatchObject({ enabled: 0, suspended: 5 });
    expect((await patch({ quantity: 6 })).body.code).toBe(800091);
    expect((await patch({ status: 'active' })).body.status).toBe('active');
    expect((await patch({ status: 'deleted' })).body.code).toBe(800090);
  });
});

describe('faults and the request log', () => {
  it('throttles with the gateway body and Retry-After, again for a client that comes back too soon', async () => {
    const t = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    sandbox.faults.partnerCenter.failNext({ status: 429, retryAfterSeconds: 7, path: '/subscriptions' });
    const first = await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions`, { token: t });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.body).toEqual({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 7 seconds.' });
    const tooSoon = await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions`, { token: t });
    expect(tooSoon.status).toBe(429);
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(5);
    // Other routes are not throttled; reset() lifts the throttle.
    expect((await pc('GET', `${DEMO_CUSTOMER_ID}/orders`, { token: t })).status).toBe(200);
    sandbox.faults.reset();
    expect((await pc('GET', `${DEMO_CUSTOMER_ID}/subscriptions`, { token: t })).status).toBe(200);
    expect(sandbox.state.requestCountsByRoute()['partnerCenter GET /v1/customers/{customerId}/subscriptions']).toBe(3);
    expect(sandbox.state.countRequests({ service: 'partnerCenter', faulted: true })).toBe(2);
  });

  it('narrows faults by method and path, can fail after doing the work, and resets', async () => {
    const t = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    sandbox.faults.partnerCenter.failNext({ status: 500, method: 'POST', path: '/orders', afterProcessing: true });
    expect((await pc('GET', `${DEMO_CUSTOMER_ID}/orders`, { token: t })).status).toBe(200);
    const order = {
      lineItems: [{ lineItemNumber: 0, offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 1 }],
      billingCycle: 'annual',
      partnerOnRecordAttestationAccepted: true,
    };
    const failed = await pc('POST', `${DEMO_CUSTOMER_ID}/orders`, { token: t, body: order, requestId: 'r' });
    expect(failed.status).toBe(500);
    expect(sandbox.state.orders(DEMO_CUSTOMER_ID)).toHaveLength(1); // done, though the caller saw a failure

    sandbox.faults.graph.failNext({ status: 503, times: 5 });
    sandbox.faults.reset();
    expect((await graph('/subscribedSkus', await token(DEMO_TENANT_ID, GRAPH))).status).toBe(200);
  });

  it('holds slow answers after the work is done', async () => {
    const t = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    sandbox.faults.partnerCenter.delay(2_000, { method: 'POST', times: 1 });
    const order = {
      lineItems: [{ lineItemNumber: 0, offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 1 }],
      billingCycle: 'annual',
      partnerOnRecordAttestationAccepted: true,
    };
    const gaveUp = await pc('POST', `${DEMO_CUSTOMER_ID}/orders`, {
      token: t,
      body: order,
      requestId: 'slow',
      signal: AbortSignal.timeout(200),
    }).catch((e: Error) => e);
    expect(gaveUp).toBeInstanceOf(Error);
    expect(sandbox.state.orders(DEMO_CUSTOMER_ID)).toHaveLength(1);
  });

  it('still answers once restify (loaded by the bot) has patched ServerResponse.writeHead to return nothing', async () => {
    const original = ServerResponse.prototype.writeHead;
    ServerResponse.prototype.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      (original as (...a: unknown[]) => unknown).apply(this, args);
      return undefined as unknown as ServerResponse;
    } as typeof original;
    try {
      expect((await graph('/users')).status).toBe(401);
      expect((await graph('/subscribedSkus', await token(DEMO_TENANT_ID, GRAPH))).status).toBe(200);
    } finally {
      ServerResponse.prototype.writeHead = original;
    }
  });

  it('goes back to the seed on reset(), in place: same URLs, issued tokens still good, no order id used twice', async () => {
    const pcToken = await token(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER);
    const graphToken = await token(DEMO_TENANT_ID, GRAPH);
    const visio = `${DEMO_CUSTOMER_ID}/subscriptions/${DEMO_SUBSCRIPTIONS.visioPlan2}`;
    const patchVisio = async () =>
      (
        await pc('PATCH', visio, {
          token: pcToken,
          body: { ...(await pc('GET', visio, { token: pcToken })).body, quantity: 6 },
          requestId: 'r-1',
        })
      ).body;
    const order = () =>
      sandbox.marketplace.addOrder({
        customerId: DEMO_CUSTOMER_ID,
        type: 'Change',
        agreementId: MARKETPLACE_AGREEMENTS.demoAdobe,
        lines: [{ id: 'ALI-1', itemId: MARKETPLACE_ITEMS.acrobatPro, quantity: 11, oldQuantity: 10 }],
        subscriptionIds: [],
      });
    expect((await patchVisio()).quantity).toBe(6);
    sandbox.state.setLicenses(DEMO_TENANT_ID, DEMO_USERS.alex.id, []);
    sandbox.marketplace.agreements.get(MARKETPLACE_AGREEMENTS.demoAdobe)!.purchaseOrderNumber = 'PO-1';
    const before = order();
    sandbox.faults.graph.failNext({ status: 503, times: 10 });

    sandbox.reset();
    expect(sandbox.state.requests).toEqual([]);
    expect(sandbox.state.freeSeats(DEMO_TENANT_ID, 'VISIOCLIENT')).toBe(0);
    const details = await graph(`/users/${DEMO_USERS.alex.id}/licenseDetails`, graphToken);
    expect(details.status).toBe(200);
    expect(details.body.value.map((d: any) => d.skuPartNumber)).toEqual(['SPE_E3']);
    // Partner Center forgot the MS-RequestId: the same PATCH applies again, on the seeded 5 seats.
    expect((await patchVisio()).quantity).toBe(6);
    expect(sandbox.state.subscriptions(DEMO_CUSTOMER_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!.lots).toHaveLength(2);
    expect(sandbox.marketplace.orders.size).toBe(0);
    expect(sandbox.marketplace.agreements.get(MARKETPLACE_AGREEMENTS.demoAdobe)!.purchaseOrderNumber).toBeUndefined();
    expect(order().id).not.toBe(before.id);
  });

  it('stops listening on stop()', async () => {
    const url = sandbox.urls.graph;
    await sandbox.stop();
    await expect(fetch(`${url}/v1.0/users`)).rejects.toThrow();
    sandbox = await startSandbox({ clock: testClock }); // afterEach stops this one
  });
});
