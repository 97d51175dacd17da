// The Marketplace connector (CommercePort + MarketplacePort) against the emulator, and the
// routing commerce port over Partner Center + Marketplace.
import { testNowMs, testClock } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import {
  createConnectors,
  DEFAULT_RETRY_POLICY,
  MarketplaceCommerce,
  RoutingCommerce,
  type ConnectorError,
  type MarketplaceTokenSource,
} from '../../src/connectors/index.js';
import {
  DEMO_CUSTOMER_ID,
  DEMO_OFFERS,
  DEMO_SUBSCRIPTIONS,
  MARKETPLACE_AGREEMENTS,
  MARKETPLACE_ITEMS,
  MARKETPLACE_SUBSCRIPTIONS,
  MARKETPLACE_TOKENS,
  OTHER_TENANT_ID,
  ZOOM_FAILURE_REASON,
} from '../../src/sandbox/index.js';
import { FAST_RETRY, rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const t = sandboxPerTest({ marketplace: { stepDelayMs: 'manual' } });
const DAY_MS = 24 * 60 * 60 * 1000;
const mkt = (itemId: string) => `mkt:${itemId}`;

function connector(options: { tokens?: MarketplaceTokenSource; polling?: { minIntervalMs?: number; maxIntervalMs?: number } } = {}) {
  return new MarketplaceCommerce({
    baseUrl: t.sandbox.urls.marketplace,
    tokens: options.tokens ?? (async (customerId) => t.sandbox.marketplaceTokens[customerId]),
    retry: { ...DEFAULT_RETRY_POLICY, ...FAST_RETRY },
    log: t.log,
    ...(options.polling ? { polling: options.polling } : {}),
  });
}

const orderPosts = () => t.sandbox.state.countRequests({ service: 'marketplace', method: 'POST', route: '/public/v1/commerce/orders' });

describe('marketplace connector: CommercePort', () => {
  it('is there in sandbox mode, beside (not inside) the Partner Center commerce port by default', async () => {
    expect(t.marketplace).toBeDefined();
    const pcOffers = await t.commerce.listOffers(DEMO_CUSTOMER_ID);
    expect(pcOffers.every((o) => !o.offerId.startsWith('mkt:'))).toBe(true);
  });

  it('lists catalog items as offers: mkt: ids, vendor, price, terms, vendor-assigned seats', async () => {
    const offers = await t.marketplace!.listOffers(DEMO_CUSTOMER_ID);
    expect(offers.map((o) => [o.offerId, o.vendor, o.unitPrice?.amount, o.termDuration])).toEqual([
      [mkt(MARKETPLACE_ITEMS.acrobatPro), 'Adobe', '26.39', 'P1Y'],
      [mkt(MARKETPLACE_ITEMS.autocadLt), 'Autodesk', '63.25', 'P1Y'],
      [mkt(MARKETPLACE_ITEMS.creativeCloud), 'Adobe', '98.99', 'P1Y'],
      [mkt(MARKETPLACE_ITEMS.miroBusiness), 'Miro', '17.60', 'P1M'],
      [mkt(MARKETPLACE_ITEMS.zoomPro), 'Zoom', '14.66', 'P1Y'],
    ]);
    expect(offers[0]).toEqual({
      offerId: mkt(MARKETPLACE_ITEMS.acrobatPro),
      productId: MARKETPLACE_ITEMS.acrobatPro,
      skuId: MARKETPLACE_ITEMS.acrobatPro,
      availabilityId: '',
      name: 'Adobe Acrobat Pro for teams',
      skuPartNumber: `MKT:${MARKETPLACE_ITEMS.acrobatPro}`,
      unitPrice: { amount: '26.39', currency: 'USD' },
      termDuration: 'P1Y',
      billingCycle: 'monthly',
      provider: 'marketplace',
      vendor: 'Adobe',
      assignment: 'vendor',
    });
  });

  it('reads subscriptions with the anniversary rule and assigned e-mails; other tenants see none of them', async () => {
    const [acrobat] = await t.marketplace!.listSubscriptions(DEMO_CUSTOMER_ID);
    expect(acrobat).toMatchObject({
      id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat,
      offerId: mkt(MARKETPLACE_ITEMS.acrobatPro),
      offerName: 'Adobe Acrobat Pro for teams',
      quantity: 10,
      status: 'active',
      providerStatus: 'Active',
      autoRenewEnabled: true,
      provider: 'marketplace',
      downsizeOnlyAtAnniversary: true,
      assignedEmails: ['meganb@example.com', 'adelev@example.com', 'pattif@example.com'],
    });
    expect(acrobat!.anniversaryDate).toBe(acrobat!.commitmentEndDate);
    expect(await t.marketplace!.getSubscription(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)).toEqual(acrobat);
    expect(await t.marketplace!.listSubscriptions(OTHER_TENANT_ID)).toEqual([]);
    expect((await rejectionOf(t.marketplace!.getSubscription(OTHER_TENANT_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat))).kind).toBe(
      'not-found',
    );
  });

  it("reads each order line's price as ordered at the client's sales price (the month's total, SPxM) and the order's; a later price list change leaves the order as it was", async () => {
    const order = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 4, billingCycle: 'monthly' },
      'req-miro-priced',
    );
    // Miro Business: 17.60 a seat a month on the client's price list when ordered (the vendor's 16.00 purchase price is not the client's).
    const billed = { total: { amount: '70.40', currency: 'USD' }, per: 'month' };
    expect(order.lineItems[0]!.billed).toEqual(billed);
    expect(order).toMatchObject({ totalPrice: { amount: '70.40', currency: 'USD' }, totalPer: 'month', provider: 'marketplace' });

    t.sandbox.marketplace.item(MARKETPLACE_ITEMS.miroBusiness)!.purchasePrice.amount = '20.00';
    t.sandbox.marketplace.advance();
    const later = await t.marketplace!.getOrder(DEMO_CUSTOMER_ID, order.id);
    expect(later.lineItems[0]!.billed).toEqual(billed);
    expect(later.totalPrice).toEqual({ amount: '70.40', currency: 'USD' });
    // An order placed now is priced at the new price: 20.00 purchase price, 22.00 to the client.
    const next = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 1, billingCycle: 'monthly' },
      'req-miro-priced-2',
    );
    expect(next.lineItems[0]!.billed!.total).toEqual({ amount: '22.00', currency: 'USD' });
  });

  it('creates a Purchase order for a new agreement (licensee, authorization, Draft, then process), follows it to Completed, and never buys twice for one request id', async () => {
    const order = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 4, billingCycle: 'monthly' },
      'req-miro-1',
    );
    expect(order).toMatchObject({
      status: 'pending',
      providerStatus: 'Processing',
      lineItems: [{ lineItemNumber: 0, offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 4 }],
    });
    // Miro has no agreement yet: the order names the licensee and the listing's authorization, as a Draft, then `process`.
    const posted = t.exchanges.filter((e) => e.method === 'POST' && e.route === '/public/v1/commerce/orders');
    expect(JSON.parse(posted[0]!.requestBody)).toMatchObject({
      type: 'Purchase',
      status: 'Draft',
      agreement: { licensee: { id: expect.stringMatching(/^LCE-/) }, product: { id: expect.stringMatching(/^PRD-/) } },
      authorization: { id: expect.stringMatching(/^AUT-/) },
    });
    expect(t.exchanges.filter((e) => e.route === '/public/v1/commerce/orders/{id}/process').map((e) => e.status)).toEqual([200]);
    const again = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 4, billingCycle: 'monthly' },
      'req-miro-1',
    );
    expect(again.id).toBe(order.id);
    expect(orderPosts()).toBe(1);

    t.sandbox.marketplace.advance();
    const done = await t.marketplace!.getOrder(DEMO_CUSTOMER_ID, order.id);
    expect(done.status).toBe('completed');
    const subscriptionId = done.lineItems[0]!.subscriptionId!;
    expect(await t.marketplace!.getSubscription(DEMO_CUSTOMER_ID, subscriptionId)).toMatchObject({
      quantity: 4,
      status: 'active',
      offerName: 'Miro Business',
    });
    // The tenant's order list (the `orders` view) has it, with its line.
    const listed = (await t.marketplace!.listCustomerOrders(DEMO_CUSTOMER_ID)).find((o) => o.id === order.id);
    expect(listed).toMatchObject({ status: 'completed', lineItems: [{ offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 4 }] });
  });

  it('a retry after a lost answer finds the order it placed instead of placing another', async () => {
    t.sandbox.faults.marketplace.failNext({ method: 'POST', path: '/commerce/orders', status: 502, afterProcessing: true });
    const order = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 1, billingCycle: 'monthly' },
      'req-lost-answer',
    );
    expect(orderPosts()).toBe(1);
    expect([...t.sandbox.marketplace.orders.values()].map((o) => o.id)).toEqual([order.id]);
  });

  it('changes quantity up with a Change order (quantity + oldQuantity), visible once the order completes', async () => {
    const pending = await t.marketplace!.setQuantity(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, 12, 'req-up');
    expect(pending.quantity).toBe(10);
    expect(pending.pendingOrderId).toMatch(/^ORD-/);
    const details = await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, pending.pendingOrderId!);
    expect(details).toMatchObject({
      type: 'Change',
      status: 'Processing',
      final: false,
      clientReference: 'req-up',
      lines: [{ quantity: 12, oldQuantity: 10, subscriptionId: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat }],
    });
    // Same request id again: the same order.
    expect((await t.marketplace!.setQuantity(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, 12, 'req-up')).pendingOrderId).toBe(
      pending.pendingOrderId,
    );
    expect((await t.marketplace!.getSubscription(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)).providerStatus).toBe('Updating');
    t.sandbox.marketplace.advance();
    expect(await t.marketplace!.getSubscription(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)).toMatchObject({
      quantity: 12,
      providerStatus: 'Active',
    });
    // Nothing to change: no order.
    const posts = orderPosts();
    expect(
      (await t.marketplace!.setQuantity(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, 12, 'req-same')).pendingOrderId,
    ).toBeUndefined();
    expect(orderPosts()).toBe(posts);
  });

  it("refuses an Adobe downsize outside the anniversary window as 'cannot-decrease' with the vendor's words, and allows it inside", async () => {
    const error = (await rejectionOf(
      t.marketplace!.setQuantity(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, 8, 'req-down'),
    )) as ConnectorError;
    expect(error.kind).toBe('cannot-decrease');
    expect(error.message).toMatch(
      /^marketplace: Adobe allows Adobe Acrobat Pro for teams seats to be reduced only in the 14 days after the subscription's anniversary/,
    );
    expect(error.details).toMatchObject({ service: 'marketplace', status: 400, code: 'MPTCOM-SBX-0090' });
    expect(orderPosts()).toBe(1); // refused up front: no order exists

    t.sandbox.marketplace.subscriptions.get(MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)!.startDate = new Date(testNowMs() - 370 * DAY_MS);
    const pending = await t.marketplace!.setQuantity(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, 8, 'req-down-2');
    t.sandbox.marketplace.advance(pending.pendingOrderId);
    t.sandbox.marketplace.advance(pending.pendingOrderId);
    expect((await t.marketplace!.getSubscription(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)).quantity).toBe(8);
  });

  it('cancels with a Termination order; toggles auto-renew; has no suspend or scheduled renewal change', async () => {
    const order = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 2, billingCycle: 'monthly' },
      'req-buy',
    );
    t.sandbox.marketplace.advance();
    const subscriptionId = (await t.marketplace!.getOrder(DEMO_CUSTOMER_ID, order.id)).lineItems[0]!.subscriptionId!;

    // Auto-renew is a Configuration order (no PUT on the subscription): off once the order completes.
    const configuring = await t.marketplace!.updateSubscription(DEMO_CUSTOMER_ID, subscriptionId, { autoRenewEnabled: false }, 'req-ar');
    expect(configuring.pendingOrderId).toMatch(/^ORD-/);
    expect((await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, configuring.pendingOrderId!)).type).toBe('Configuration');
    expect(t.exchanges.some((e) => e.method === 'PUT' && e.route === '/public/v1/commerce/subscriptions/{id}')).toBe(false);
    t.sandbox.marketplace.advance();
    expect((await t.marketplace!.getSubscription(DEMO_CUSTOMER_ID, subscriptionId)).autoRenewEnabled).toBe(false);
    expect(
      (await rejectionOf(t.marketplace!.updateSubscription(DEMO_CUSTOMER_ID, subscriptionId, { status: 'suspended' }, 'req-s'))).kind,
    ).toBe('invalid-request');
    expect((await rejectionOf(t.marketplace!.scheduleNextTerm(DEMO_CUSTOMER_ID, subscriptionId, 1, 'req-n'))).kind).toBe('invalid-request');

    const terminating = await t.marketplace!.updateSubscription(DEMO_CUSTOMER_ID, subscriptionId, { status: 'deleted' }, 'req-cancel');
    expect(terminating.pendingOrderId).toMatch(/^ORD-/);
    expect((await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, terminating.pendingOrderId!)).type).toBe('Termination');
    t.sandbox.marketplace.advance();
    t.sandbox.marketplace.advance();
    expect(await t.marketplace!.getSubscription(DEMO_CUSTOMER_ID, subscriptionId)).toMatchObject({
      status: 'deleted',
      providerStatus: 'Terminated',
    });
  });
});

describe('marketplace connector: orders, Querying, PO numbers, health', () => {
  it('answers a Querying order: a wrong value comes back with the vendor error, the right one completes it', async () => {
    const order = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.creativeCloud), quantity: 3, billingCycle: 'monthly' },
      'req-cc',
    );
    t.sandbox.marketplace.advance();
    t.sandbox.marketplace.advance();
    const querying = await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, order.id);
    expect(querying.status).toBe('Querying');
    expect(querying.parameters).toEqual([
      {
        externalId: 'adobeAdminEmail',
        name: 'Adobe admin e-mail',
        description: expect.stringContaining('Adobe Admin Console'),
        type: 'email',
        pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      },
    ]);
    expect((await rejectionOf(t.marketplace!.answerQuery(DEMO_CUSTOMER_ID, order.id, { somethingElse: 'x' }))).kind).toBe(
      'invalid-request',
    );

    expect((await t.marketplace!.answerQuery(DEMO_CUSTOMER_ID, order.id, { adobeAdminEmail: 'admin at contoso' })).status).toBe(
      'Processing',
    );
    t.sandbox.marketplace.advance();
    const rejected = await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, order.id);
    expect(rejected.status).toBe('Querying');
    expect(rejected.parameters[0]).toMatchObject({
      value: 'admin at contoso',
      error: 'Adobe did not accept this value: enter an e-mail address such as admin@contoso.com.',
    });

    await t.marketplace!.answerQuery(DEMO_CUSTOMER_ID, order.id, { adobeAdminEmail: 'it-admin@contoso.com' });
    t.sandbox.marketplace.advance();
    const done = await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, order.id);
    expect(done).toMatchObject({ status: 'Completed', final: true, parameters: [] });
    expect((await rejectionOf(t.marketplace!.answerQuery(DEMO_CUSTOMER_ID, order.id, { adobeAdminEmail: 'x@y.z' }))).message).toContain(
      'is Completed and is not waiting for answers',
    );
  });

  it("reports a Failed order with the vendor's reason (statusNotes)", async () => {
    const order = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.zoomPro), quantity: 5, billingCycle: 'monthly' },
      'req-zoom',
    );
    t.sandbox.marketplace.advance();
    t.sandbox.marketplace.advance();
    expect(await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, order.id)).toMatchObject({
      status: 'Failed',
      final: true,
      statusNotes: ZOOM_FAILURE_REASON,
    });
    expect((await t.marketplace!.getOrder(DEMO_CUSTOMER_ID, order.id)).status).toBe('cancelled');
  });

  it('sets the PO number on the agreement; the next order carries it', async () => {
    const [agreement] = await t.marketplace!.listAgreements(DEMO_CUSTOMER_ID);
    expect(agreement).toEqual({
      id: MARKETPLACE_AGREEMENTS.demoAdobe,
      name: 'Adobe VIP Marketplace for Contoso',
      status: 'Active',
      licensee: { id: 'LCE-5100-0001', name: 'Contoso (demo)' },
      product: { id: 'PRD-1111-1111', name: 'Adobe VIP Marketplace for Commercial' },
      vendor: 'Adobe',
    });
    expect(await t.marketplace!.setPurchaseOrderNumber(DEMO_CUSTOMER_ID, MARKETPLACE_AGREEMENTS.demoAdobe, ' PO-2026-0042 ')).toMatchObject(
      { purchaseOrderNumber: 'PO-2026-0042' },
    );
    const order = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.acrobatPro), quantity: 1, billingCycle: 'monthly' },
      'req-po',
    );
    expect(order.purchaseOrderNumber).toBe('PO-2026-0042');
    expect(await t.marketplace!.getOrderDetails(DEMO_CUSTOMER_ID, order.id)).toMatchObject({
      agreementId: MARKETPLACE_AGREEMENTS.demoAdobe,
      purchaseOrderNumber: 'PO-2026-0042',
    });
    expect(
      (await rejectionOf(t.marketplace!.setPurchaseOrderNumber(DEMO_CUSTOMER_ID, MARKETPLACE_AGREEMENTS.demoAdobe, 'x'.repeat(51)))).kind,
    ).toBe('invalid-request');
    // Cleared with ''.
    expect(
      (await t.marketplace!.setPurchaseOrderNumber(DEMO_CUSTOMER_ID, MARKETPLACE_AGREEMENTS.demoAdobe, '')).purchaseOrderNumber,
    ).toBeUndefined();
  });

  it('polls politely: growing intervals, bounded by the timeout, returning the current state of a stuck order', async () => {
    const polite = connector({ polling: { minIntervalMs: 40, maxIntervalMs: 160 } });
    const order = await polite.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.autocadLt), quantity: 1, billingCycle: 'monthly' },
      'req-stuck',
    );
    t.sandbox.marketplace.advance();
    const route = '/public/v1/commerce/orders/{id}';
    const before = t.sandbox.state.countRequests({ service: 'marketplace', method: 'GET', route });
    const started = Date.now();
    const result = await polite.waitForOrder(DEMO_CUSTOMER_ID, order.id, { timeoutMs: 600 });
    expect(Date.now() - started).toBeLessThan(900);
    expect(result).toMatchObject({ status: 'Processing', final: false });
    const polls = t.sandbox.state.requests
      .filter((r) => r.service === 'marketplace' && r.method === 'GET' && r.route === route)
      .slice(before);
    // 40 + 80 + 160 + 160 ... within 600 ms: at most 5 polls, never closer than the minimum interval.
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.length).toBeLessThanOrEqual(5);
    const gaps = polls.slice(1).map((r, i) => Date.parse(r.at) - Date.parse(polls[i]!.at));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(35);
  });

  it('stops waiting as soon as the order completes, fails or needs input', async () => {
    const polite = connector({ polling: { minIntervalMs: 20, maxIntervalMs: 40 } });
    const clock = setInterval(() => t.sandbox.marketplace.advance(), 30);
    try {
      const miro = await polite.createOrder(
        DEMO_CUSTOMER_ID,
        { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 1, billingCycle: 'monthly' },
        'req-w1',
      );
      expect((await polite.waitForOrder(DEMO_CUSTOMER_ID, miro.id, { timeoutMs: 3000 })).status).toBe('Completed');
      const cc = await polite.createOrder(
        DEMO_CUSTOMER_ID,
        { offerId: mkt(MARKETPLACE_ITEMS.creativeCloud), quantity: 1, billingCycle: 'monthly' },
        'req-w2',
      );
      expect((await polite.waitForOrder(DEMO_CUSTOMER_ID, cc.id, { timeoutMs: 3000 })).status).toBe('Querying');
    } finally {
      clearInterval(clock);
    }
  });

  it('health check: fine with a good token; expired → token-expired with what to do; none → not connected; the token never shows', async () => {
    expect(await t.marketplace!.checkHealth(DEMO_CUSTOMER_ID)).toEqual({ ok: true });

    const expired = connector({ tokens: async () => MARKETPLACE_TOKENS.expired });
    expect(await expired.checkHealth(DEMO_CUSTOMER_ID)).toEqual({
      ok: false,
      code: 'token-expired',
      problem: 'The Marketplace API token expired or was revoked.',
      fix: 'Create a new token in the Marketplace portal and enter it in connect.',
    });
    const error = (await rejectionOf(expired.listSubscriptions(DEMO_CUSTOMER_ID))) as ConnectorError;
    expect(error.kind).toBe('unauthorized');
    expect(error.details).toMatchObject({ code: 'token-expired', status: 401 });
    expect(error.message).toBe(
      'marketplace: the API token expired or was revoked: create a new token in the Marketplace portal and enter it in connect',
    );

    const none = connector({ tokens: async () => undefined });
    expect(await none.checkHealth(DEMO_CUSTOMER_ID)).toMatchObject({ ok: false, code: 'not-connected' });
    const notConnected = (await rejectionOf(none.listOffers(DEMO_CUSTOMER_ID))) as ConnectorError;
    expect([notConnected.kind, notConnected.message, notConnected.details.code]).toEqual([
      'unauthorized',
      'marketplace: Marketplace is not connected',
      'not-connected',
    ]);

    const everything = t.logLines.join('\n');
    for (const token of Object.values(MARKETPLACE_TOKENS)) expect(everything).not.toContain(token);
  });

  it('retries 5xx and honours 429 Retry-After on reads', async () => {
    t.sandbox.faults.marketplace.failNext({ method: 'GET', path: '/commerce/agreements', status: 503, times: 2 });
    expect(await t.marketplace!.listAgreements(DEMO_CUSTOMER_ID)).toHaveLength(1);
    t.sandbox.faults.marketplace.failNext({ method: 'GET', path: '/commerce/agreements', status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    expect(await t.marketplace!.listAgreements(DEMO_CUSTOMER_ID)).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('sets vendor-assigned seats by e-mail, refusing more users than seats', async () => {
    const updated = await t.marketplace!.setAssignedUsers(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, [
      'meganb@example.com',
      'alexw@example.com',
    ]);
    expect(updated.assignedEmails).toEqual(['meganb@example.com', 'alexw@example.com']);
    const tooMany = Array.from({ length: 11 }, (_, i) => `user${i}@example.com`);
    expect(
      (await rejectionOf(t.marketplace!.setAssignedUsers(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat, tooMany))).kind,
    ).toBe('no-free-seat');
  });
});

describe('routing commerce (Partner Center + Marketplace)', () => {
  const routed = () =>
    createConnectors({ mode: 'sandbox', sandbox: { ...t.sandbox, marketplaceRouting: true }, retry: FAST_RETRY, clock: testClock }, t.log);

  it('merges offers and subscriptions of both providers and routes calls by id', async () => {
    const connectors = routed();
    expect(connectors.commerce).toBeInstanceOf(RoutingCommerce);
    expect(connectors.partnerCenterAgent).toBeDefined();
    const offers = await connectors.commerce.listOffers(DEMO_CUSTOMER_ID);
    expect(offers.filter((o) => o.provider === 'partner-center')).toHaveLength(5);
    expect(offers.filter((o) => o.provider === 'marketplace')).toHaveLength(5);
    const subscriptions = await connectors.commerce.listSubscriptions(DEMO_CUSTOMER_ID);
    expect(subscriptions.map((s) => s.id)).toEqual(
      expect.arrayContaining([DEMO_SUBSCRIPTIONS.visioPlan2, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat]),
    );

    expect((await connectors.commerce.getSubscription(DEMO_CUSTOMER_ID, MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)).provider).toBe(
      'marketplace',
    );
    expect((await connectors.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2)).offerName).toBe('Visio Plan 2');
    const mktOrder = await connectors.commerce.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 1, billingCycle: 'monthly' },
      'req-r1',
    );
    expect(mktOrder.id).toMatch(/^ORD-/);
    expect((await connectors.commerce.getOrder(DEMO_CUSTOMER_ID, mktOrder.id)).providerStatus).toBe('Processing');
    const pcOrder = await connectors.commerce.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: DEMO_OFFERS.powerBiPro.offerId, quantity: 1, billingCycle: 'monthly' },
      'req-r2',
    );
    expect((await connectors.commerce.getOrder(DEMO_CUSTOMER_ID, pcOrder.id)).id).toBe(pcOrder.id);
  });

  it('a marketplace outage does not hide the Partner Center offers (logged instead)', async () => {
    const connectors = routed();
    t.sandbox.faults.marketplace.failNext({ path: '/catalog/items', status: 500, times: 20 });
    const offers = await connectors.commerce.listOffers(DEMO_CUSTOMER_ID);
    expect(offers).toHaveLength(5);
    expect(offers.every((o) => o.provider === 'partner-center')).toBe(true);
    expect(t.logLines.some((l) => l.includes('marketplace unavailable; showing Partner Center only'))).toBe(true);
  });

  it('a tenant without a marketplace connection just sees Partner Center', async () => {
    const connectors = routed();
    connectors.marketplace!.useTokenSource(async () => undefined);
    expect(await connectors.commerce.listOffers(DEMO_CUSTOMER_ID)).toHaveLength(5);
  });
});

describe('marketplace connector: open orders', () => {
  it('lists orders newest first, filtered by status (the stuck-order alert reads Processing ones)', async () => {
    const stuck = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.autocadLt), quantity: 1, billingCycle: 'monthly' },
      'req-o1',
    );
    const miro = await t.marketplace!.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: mkt(MARKETPLACE_ITEMS.miroBusiness), quantity: 1, billingCycle: 'monthly' },
      'req-o2',
    );
    for (let i = 0; i < 3; i++) t.sandbox.marketplace.advance();
    expect((await t.marketplace!.listOrders(DEMO_CUSTOMER_ID)).map((o) => o.id).sort()).toEqual([stuck.id, miro.id].sort());
    const open = await t.marketplace!.listOrders(DEMO_CUSTOMER_ID, { statuses: ['Draft', 'Processing', 'Querying'] });
    expect(open.map((o) => [o.id, o.status, o.clientReference])).toEqual([[stuck.id, 'Processing', 'req-o1']]);
  });
});
