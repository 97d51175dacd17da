// The Marketplace Platform emulator on the wire: shapes, RQL filtering on the server, the
// order state machine (on the vendor clock and with advance()), Querying, Failed with
// statusNotes, the anniversary downsize rule, problem details and the token check.
import { testNowMs, testClock } from '../harness/clock.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  MARKETPLACE_AGREEMENTS,
  MARKETPLACE_ERROR_CODES,
  MARKETPLACE_ITEMS,
  MARKETPLACE_PRODUCTS,
  MARKETPLACE_SUBSCRIPTIONS,
  MARKETPLACE_TOKENS,
  ZOOM_FAILURE_REASON,
} from '../../src/sandbox/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;

function harness(stepDelayMs: number | 'manual') {
  const h = {} as {
    sandbox: Sandbox;
    api: (
      method: string,
      path: string,
      options?: { token?: string | null; body?: unknown },
    ) => Promise<{ status: number; body: any; contentType: string }>;
  };
  beforeEach(async () => {
    h.sandbox = await startSandbox({ clock: testClock, marketplace: { stepDelayMs } });
    h.api = async (method, path, options = {}) => {
      const token = options.token === undefined ? MARKETPLACE_TOKENS.demo : options.token;
      const response = await fetch(`${h.sandbox.urls.marketplace}${path}`, {
        method,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : undefined,
        contentType: response.headers.get('content-type') ?? '',
      };
    };
  });
  afterEach(async () => {
    await h.sandbox.stop();
  });
  return h;
}

const productOf = (itemId: string) =>
  itemId.startsWith('ITM-1111')
    ? MARKETPLACE_PRODUCTS.adobe
    : itemId.startsWith('ITM-2222')
      ? MARKETPLACE_PRODUCTS.miro
      : itemId.startsWith('ITM-3333')
        ? MARKETPLACE_PRODUCTS.zoom
        : MARKETPLACE_PRODUCTS.autodesk;

/** A purchase for a new agreement: licensee, product and the authorization of the product's listing. */
const purchase = (itemId: string, quantity: number, extra: Record<string, unknown> = {}) => ({
  type: 'Purchase',
  agreement: { licensee: { id: 'LCE-5100-0001' }, product: { id: productOf(itemId) } },
  authorization: { id: `AUT-${productOf(itemId).slice(4)}` },
  lines: [{ item: { id: itemId }, quantity }],
  parameters: { ordering: [], fulfillment: [] },
  ...extra,
});

describe('marketplace emulator (manual clock)', () => {
  const h = harness('manual');

  it('lists catalog items (no price: prices are price-list items of the listing), terms; filters, orders and pages with RQL', async () => {
    const all = await h.api('GET', '/catalog/items');
    expect(all.status).toBe(200);
    expect(all.body.$meta.pagination).toEqual({ offset: 0, limit: 100, total: 5 });
    expect(all.body.data.find((i: any) => i.id === MARKETPLACE_ITEMS.acrobatPro)).toEqual({
      id: MARKETPLACE_ITEMS.acrobatPro,
      name: 'Adobe Acrobat Pro for teams',
      status: 'Published',
      product: {
        id: MARKETPLACE_PRODUCTS.adobe,
        name: 'Adobe VIP Marketplace for Commercial',
        vendor: { id: 'ACC-1111-1111', name: 'Adobe', type: 'Vendor', status: 'Active' },
      },
      terms: { period: '1m', commitment: '1y' },
    });
    const listings = await h.api('GET', `/catalog/listings?eq(product.id,"${MARKETPLACE_PRODUCTS.adobe}")`);
    const priceList = listings.body.data[0].priceList.id;
    const prices = await h.api('GET', `/catalog/price-lists/${priceList}/items?eq(item.id,"${MARKETPLACE_ITEMS.acrobatPro}")`);
    expect(prices.body.data).toEqual([
      {
        id: expect.stringMatching(/^PRI-/),
        status: 'ForSale',
        // A client account sees the sales price (23.99 purchase price + 10 % markup), per unit, month and year.
        unitSP: 26.39,
        SPxM: 26.39,
        SPxY: 316.68,
        item: { id: MARKETPLACE_ITEMS.acrobatPro, name: 'Adobe Acrobat Pro for teams' },
      },
    ]);

    const adobe = await h.api('GET', `/catalog/items?eq(product.id,"${MARKETPLACE_PRODUCTS.adobe}")&order=-name`);
    expect(adobe.body.data.map((i: any) => i.name)).toEqual(['Creative Cloud for teams — All Apps', 'Adobe Acrobat Pro for teams']);
    const search = await h.api('GET', `/catalog/items?${encodeURIComponent('ilike(name,"*cad*")')}`);
    expect(search.body.data.map((i: any) => i.id)).toEqual([MARKETPLACE_ITEMS.autocadLt]);
    const several = await h.api('GET', `/catalog/items?in(id,(${MARKETPLACE_ITEMS.zoomPro},${MARKETPLACE_ITEMS.miroBusiness}))&order=name`);
    expect(several.body.data.map((i: any) => i.name)).toEqual(['Miro Business', 'Zoom Workplace Pro']);
    const page = await h.api('GET', '/catalog/items?order=name&limit=2&offset=2');
    expect(page.body.$meta.pagination).toEqual({ offset: 2, limit: 2, total: 5 });
    expect(page.body.data).toHaveLength(2);
    const shorthand = await h.api('GET', `/catalog/items?product.vendor.name=Miro`);
    expect(shorthand.body.data.map((i: any) => i.id)).toEqual([MARKETPLACE_ITEMS.miroBusiness]);
  });

  it('answers bad RQL, unknown resources and bad tokens with problem details', async () => {
    const bad = await h.api('GET', '/catalog/items?eq(name,"unterminated)');
    expect(bad.status).toBe(400);
    expect(bad.contentType).toContain('application/problem+json');
    expect(bad.body).toMatchObject({
      status: 400,
      title: 'Invalid RQL expression',
      type: expect.stringContaining(`#${MARKETPLACE_ERROR_CODES.rql}`),
      traceId: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/),
    });

    const missing = await h.api('GET', '/commerce/subscriptions/SUB-0000-0000-0000');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('Subscription SUB-0000-0000-0000 was not found.');

    for (const token of [null, 'idt:TKN-0000-0000:made-up', MARKETPLACE_TOKENS.expired]) {
      const denied = await h.api('GET', '/commerce/agreements', { token });
      expect(denied.status).toBe(401);
      expect(Object.keys(denied.body).sort()).toEqual(['detail', 'status', 'title', 'traceId', 'type']);
    }
    expect((await h.api('GET', '/commerce/agreements', { token: MARKETPLACE_TOKENS.expired })).body.detail).toBe(
      'The API token has expired.',
    );
  });

  it("shows each tenant only its own agreements and subscriptions; sets the agreement's PO number (Additional ID)", async () => {
    const agreements = await h.api('GET', '/commerce/agreements');
    expect(agreements.body.data).toHaveLength(1);
    expect(agreements.body.data[0]).toMatchObject({
      id: MARKETPLACE_AGREEMENTS.demoAdobe,
      status: 'Active',
      externalIds: {},
      licensee: { id: 'LCE-5100-0001' },
      product: { id: MARKETPLACE_PRODUCTS.adobe },
    });
    expect((await h.api('GET', '/commerce/agreements', { token: MARKETPLACE_TOKENS.other })).body.data).toEqual([]);
    expect(
      (await h.api('GET', `/commerce/subscriptions/${MARKETPLACE_SUBSCRIPTIONS.demoAcrobat}`, { token: MARKETPLACE_TOKENS.other })).status,
    ).toBe(404);

    const set = await h.api('PUT', `/commerce/agreements/${MARKETPLACE_AGREEMENTS.demoAdobe}`, {
      body: { externalIds: { client: 'PO-2026-0042' } },
    });
    expect(set.status).toBe(200);
    expect(set.body.externalIds).toEqual({ client: 'PO-2026-0042' });
    const tooLong = await h.api('PUT', `/commerce/agreements/${MARKETPLACE_AGREEMENTS.demoAdobe}`, {
      body: { externalIds: { client: 'x'.repeat(51) } },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([
      { message: 'External ID is too long (at most 50 characters).', properties: ['externalIds.client'] },
    ]);

    const subscription = await h.api('GET', `/commerce/subscriptions?eq(agreement.id,"${MARKETPLACE_AGREEMENTS.demoAdobe}")`);
    expect(subscription.body.data).toHaveLength(1);
    expect(subscription.body.data[0]).toMatchObject({
      id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat,
      status: 'Active',
      terms: { period: '1m', commitment: '1y' },
      autoRenew: true,
      lines: [{ item: { id: MARKETPLACE_ITEMS.acrobatPro }, quantity: 10 }],
      assignedUsers: [{ email: 'meganb@example.com' }, { email: 'adelev@example.com' }, { email: 'pattif@example.com' }],
    });
    expect(Date.parse(subscription.body.data[0].commitmentDate)).toBeGreaterThan(testNowMs());
  });

  it('moves a Purchase Draft → Processing → Completed one vendor step at a time, creating the subscription under the PO number', async () => {
    await h.api('PUT', `/commerce/agreements/${MARKETPLACE_AGREEMENTS.demoAdobe}`, { body: { externalIds: { client: 'PO-77' } } });
    const created = await h.api('POST', '/commerce/orders', {
      body: {
        ...purchase(MARKETPLACE_ITEMS.acrobatPro, 2),
        agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe },
        externalIds: { client: 'req-1' },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'Purchase',
      status: 'Draft',
      externalIds: { client: 'req-1' },
      agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe, externalIds: { client: 'PO-77' } },
    });
    const id = created.body.id as string;
    expect(id).toMatch(/^ORD-/);

    h.sandbox.marketplace.advance();
    expect((await h.api('GET', `/commerce/orders/${id}`)).body.status).toBe('Processing');
    h.sandbox.marketplace.advance(id);
    const done = (await h.api('GET', `/commerce/orders/${id}`)).body;
    expect(done.status).toBe('Completed');
    const subscriptionId = done.lines[0].subscription.id as string;
    const subscription = (await h.api('GET', `/commerce/subscriptions/${subscriptionId}`)).body;
    expect(subscription).toMatchObject({
      status: 'Active',
      lines: [{ item: { id: MARKETPLACE_ITEMS.acrobatPro }, quantity: 2 }],
      agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe },
    });

    const byReference = await h.api('GET', `/commerce/orders?eq(externalIds.client,"req-1")`);
    expect(byReference.body.data.map((o: any) => o.id)).toEqual([id]);
    // A new product: a new agreement, created by the Purchase.
    const miro = await h.api('POST', '/commerce/orders', { body: purchase(MARKETPLACE_ITEMS.miroBusiness, 1) });
    expect(miro.body.agreement.id).not.toBe(MARKETPLACE_AGREEMENTS.demoAdobe);
    expect((await h.api('GET', '/commerce/agreements')).body.data).toHaveLength(2);
  });

  it('Change orders carry quantity and oldQuantity; the subscription is Updating meanwhile; one order at a time', async () => {
    const change = (quantity: number, oldQuantity: number) => ({
      type: 'Change',
      agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe },
      lines: [
        { item: { id: MARKETPLACE_ITEMS.acrobatPro }, quantity, oldQuantity, subscription: { id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat } },
      ],
    });
    const wrongOld = await h.api('POST', '/commerce/orders', { body: change(12, 9) });
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.body.detail).toContain('oldQuantity');

    const up = await h.api('POST', '/commerce/orders', { body: change(12, 10) });
    expect(up.status).toBe(201);
    expect(up.body.lines[0]).toMatchObject({ quantity: 12, oldQuantity: 10 });
    const again = await h.api('POST', '/commerce/orders', { body: change(13, 10) });
    expect(again.status).toBe(409);
    expect(again.body.type).toContain(MARKETPLACE_ERROR_CODES.orderInProgress);

    h.sandbox.marketplace.advance();
    expect((await h.api('GET', `/commerce/subscriptions/${MARKETPLACE_SUBSCRIPTIONS.demoAcrobat}`)).body.status).toBe('Updating');
    h.sandbox.marketplace.advance();
    const after = (await h.api('GET', `/commerce/subscriptions/${MARKETPLACE_SUBSCRIPTIONS.demoAcrobat}`)).body;
    expect(after).toMatchObject({ status: 'Active', lines: [{ quantity: 12 }] });
  });

  it('refuses an Adobe downsize outside the 14 days after the anniversary, and accepts it inside', async () => {
    const down = {
      type: 'Change',
      agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe },
      lines: [
        {
          item: { id: MARKETPLACE_ITEMS.acrobatPro },
          quantity: 8,
          oldQuantity: 10,
          subscription: { id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat },
        },
      ],
    };
    const refused = await h.api('POST', '/commerce/orders', { body: down });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      title: 'Downsize not allowed',
      type: expect.stringContaining(MARKETPLACE_ERROR_CODES.downsizeWindow),
    });
    expect(refused.body.detail).toMatch(
      /only in the 14 days after the subscription's anniversary\. The next window for SUB-5100-0000-0001 opens on \d{4}-\d{2}-\d{2}/,
    );
    const termination = await h.api('POST', '/commerce/orders', {
      body: {
        type: 'Termination',
        agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe },
        subscriptions: [{ id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat }],
      },
    });
    expect(termination.status).toBe(400);

    h.sandbox.marketplace.subscriptions.get(MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)!.startDate = new Date(testNowMs() - 368 * DAY_MS);
    const accepted = await h.api('POST', '/commerce/orders', { body: down });
    expect(accepted.status).toBe(201);
    h.sandbox.marketplace.advance();
    h.sandbox.marketplace.advance();
    expect((await h.api('GET', `/commerce/subscriptions/${MARKETPLACE_SUBSCRIPTIONS.demoAcrobat}`)).body.lines[0].quantity).toBe(8);
  });

  it('goes through Querying once on a new Creative Cloud purchase: a wrong answer is sent back with the error, the right one completes', async () => {
    const created = await h.api('POST', '/commerce/orders', { body: purchase(MARKETPLACE_ITEMS.creativeCloud, 3) });
    const id = created.body.id as string;
    h.sandbox.marketplace.advance();
    h.sandbox.marketplace.advance();
    const querying = (await h.api('GET', `/commerce/orders/${id}`)).body;
    expect(querying.status).toBe('Querying');
    expect(querying.parameters.fulfillment).toEqual([
      expect.objectContaining({
        externalId: 'adobeAdminEmail',
        name: 'Adobe admin e-mail',
        type: 'Email',
        value: '',
        constraints: { required: true, readonly: false, hidden: false },
      }),
    ]);
    // What the value is for lives in the product's parameter definitions, not on the order.
    const definitions = (await h.api('GET', `/catalog/products/${MARKETPLACE_PRODUCTS.adobe}/parameters`)).body.data;
    expect(definitions).toEqual([
      expect.objectContaining({
        externalId: 'adobeAdminEmail',
        type: 'Email',
        phase: 'Fulfillment',
        description: expect.stringContaining('Adobe Admin Console'),
      }),
    ]);
    expect(querying.parameters.fulfillment[0].error).toBeUndefined();
    // Waiting for the client: the vendor clock leaves it alone.
    expect(h.sandbox.marketplace.advance(id)).toEqual([]);

    expect(
      (await h.api('PUT', `/commerce/orders/${id}`, { body: { parameters: { fulfillment: [{ externalId: 'nope', value: 'x' }] } } }))
        .status,
    ).toBe(400);
    await h.api('PUT', `/commerce/orders/${id}`, {
      body: { parameters: { fulfillment: [{ externalId: 'adobeAdminEmail', value: 'not an e-mail' }] } },
    });
    expect((await h.api('POST', `/commerce/orders/${id}/process`)).body.status).toBe('Processing');
    expect((await h.api('POST', `/commerce/orders/${id}/process`)).status).toBe(400);
    h.sandbox.marketplace.advance();
    const rejected = (await h.api('GET', `/commerce/orders/${id}`)).body;
    expect(rejected.status).toBe('Querying');
    expect(rejected.parameters.fulfillment[0]).toMatchObject({
      value: 'not an e-mail',
      error: { message: expect.stringContaining('enter an e-mail address') },
    });

    await h.api('PUT', `/commerce/orders/${id}`, {
      body: { parameters: { fulfillment: [{ externalId: 'adobeAdminEmail', value: 'it-admin@contoso.com' }] } },
    });
    await h.api('POST', `/commerce/orders/${id}/process`);
    h.sandbox.marketplace.advance();
    const done = (await h.api('GET', `/commerce/orders/${id}`)).body;
    expect(done.status).toBe('Completed');
    expect(done.parameters.fulfillment[0]).toMatchObject({ value: 'it-admin@contoso.com' });
    expect(done.parameters.fulfillment[0].error).toBeUndefined();
  });

  it("fails the failing vendor's orders with statusNotes, and leaves the stuck vendor's in Processing", async () => {
    const zoom = (await h.api('POST', '/commerce/orders', { body: purchase(MARKETPLACE_ITEMS.zoomPro, 5) })).body.id as string;
    const autocad = (await h.api('POST', '/commerce/orders', { body: purchase(MARKETPLACE_ITEMS.autocadLt, 1) })).body.id as string;
    for (let i = 0; i < 5; i++) h.sandbox.marketplace.advance();
    const failed = (await h.api('GET', `/commerce/orders/${zoom}`)).body;
    expect(failed).toMatchObject({ status: 'Failed', statusNotes: { message: ZOOM_FAILURE_REASON } });
    expect((await h.api('GET', `/commerce/orders/${autocad}`)).body.status).toBe('Processing');
    const open = await h.api('GET', '/commerce/orders?in(status,(Processing,Querying))');
    expect(open.body.data.map((o: any) => o.id)).toEqual([autocad]);
  });

  it('terminates a subscription: Terminating while the order runs, then Terminated', async () => {
    const miro = (await h.api('POST', '/commerce/orders', { body: purchase(MARKETPLACE_ITEMS.miroBusiness, 4) })).body.id as string;
    h.sandbox.marketplace.advance();
    h.sandbox.marketplace.advance();
    const order = (await h.api('GET', `/commerce/orders/${miro}`)).body;
    const subscriptionId = order.lines[0].subscription.id as string;
    const termination = await h.api('POST', '/commerce/orders', {
      body: { type: 'Termination', agreement: { id: order.agreement.id }, subscriptions: [{ id: subscriptionId }] },
    });
    expect(termination.status).toBe(201);
    h.sandbox.marketplace.advance();
    expect((await h.api('GET', `/commerce/subscriptions/${subscriptionId}`)).body.status).toBe('Terminating');
    h.sandbox.marketplace.advance();
    expect((await h.api('GET', `/commerce/subscriptions/${subscriptionId}`)).body.status).toBe('Terminated');
  });

  it('assigns vendor seats to e-mail addresses (local-only extension), never more than the quantity; auto-renew only by a Configuration order', async () => {
    const path = `/commerce/subscriptions/${MARKETPLACE_SUBSCRIPTIONS.demoAcrobat}`;
    const ok = await h.api('PUT', path, { body: { assignedUsers: [{ email: 'AlexW@example.com' }, { email: 'meganb@example.com' }] } });
    expect(ok.body).toMatchObject({ autoRenew: true, assignedUsers: [{ email: 'alexw@example.com' }, { email: 'meganb@example.com' }] });
    const put = await h.api('PUT', path, { body: { autoRenew: false } });
    expect(put.status).toBe(400);
    expect(put.body.detail).toContain('Configuration order');
    const configuration = await h.api('POST', '/commerce/orders', {
      body: {
        type: 'Configuration',
        status: 'Draft',
        agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe },
        subscriptions: [{ id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, autoRenew: false }],
      },
    });
    expect(configuration.body).toMatchObject({ type: 'Configuration', status: 'Draft' });
    expect(h.sandbox.marketplace.advance(configuration.body.id)).toEqual([]); // a Draft waits for `process`
    expect((await h.api('POST', `/commerce/orders/${configuration.body.id}/process`, { body: {} })).body.status).toBe('Processing');
    h.sandbox.marketplace.advance();
    expect((await h.api('GET', path)).body.autoRenew).toBe(false);
    const tooMany = await h.api('PUT', path, {
      body: { assignedUsers: Array.from({ length: 11 }, (_, i) => ({ email: `u${i}@example.com` })) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.type).toContain(MARKETPLACE_ERROR_CODES.noFreeSeat);
  });
});

describe('marketplace emulator (vendor clock)', () => {
  const h = harness(50);

  it('moves orders on its own every step delay', async () => {
    const id = (await h.api('POST', '/commerce/orders', { body: purchase(MARKETPLACE_ITEMS.miroBusiness, 1) })).body.id as string;
    const seen = new Set<string>();
    const until = Date.now() + 2000;
    let status = '';
    while (Date.now() < until && status !== 'Completed') {
      status = (await h.api('GET', `/commerce/orders/${id}`)).body.status;
      seen.add(status);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe('Completed');
    expect(seen.has('Draft') || seen.has('Processing')).toBe(true);
  });
});
