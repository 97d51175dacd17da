// The Partner Center connector (CommercePort) against the emulator, and what its changes do
// to Graph seats: the fulfilment path (buy → assign) end to end.
import { describe, expect, it } from 'vitest';
import { DEMO_CUSTOMER_ID, DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS } from '../../src/sandbox/index.js';
import { rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const t = sandboxPerTest();

describe('commerce (Partner Center)', () => {
  it('reads the new-commerce catalog from the OnlineServices view: offer ids and terms, no price and no Graph license (Partner Center has neither)', async () => {
    const offers = await t.commerce.listOffers(DEMO_CUSTOMER_ID);
    expect(offers.map((o) => [o.name, o.termDuration, o.billingCycle])).toEqual([
      ['Microsoft 365 E3', 'P1Y', 'monthly'],
      ['Power BI Pro', 'P1M', 'monthly'],
      ['Visio Plan 2', 'P1Y', 'annual'],
      ['Project Plan 3', 'P1Y', 'annual'],
      ['Microsoft Teams Premium', 'P1Y', 'monthly'],
    ]);
    expect(offers[3]).toEqual({
      offerId: DEMO_OFFERS.projectPlan3.offerId,
      productId: DEMO_OFFERS.projectPlan3.productId,
      skuId: DEMO_OFFERS.projectPlan3.skuId,
      availabilityId: DEMO_OFFERS.projectPlan3.availabilityId,
      name: 'Project Plan 3',
      termDuration: 'P1Y',
      billingCycle: 'annual',
    });
    const productCalls = t.exchanges.filter((e) => e.route === '/v1/customers/{customerId}/products');
    expect(productCalls.map((e) => e.query.get('targetView'))).toEqual(['OnlineServices']);
  });

  it('reads subscriptions, one by id, and not-found for an unknown one', async () => {
    const subscriptions = await t.commerce.listSubscriptions(DEMO_CUSTOMER_ID);
    expect(subscriptions.map((s) => [s.offerName, s.quantity, s.status])).toEqual([
      ['Microsoft 365 E3', 25, 'active'],
      ['Power BI Pro', 10, 'active'],
      ['Visio Plan 2', 5, 'active'],
      ['Microsoft Teams Premium', 3, 'active'],
    ]);
    const visio = await t.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2);
    expect(visio).toMatchObject({
      id: DEMO_SUBSCRIPTIONS.visioPlan2,
      offerId: DEMO_OFFERS.visioPlan2.offerId,
      termDuration: 'P1Y',
      billingCycle: 'annual',
      autoRenewEnabled: true,
    });
    expect(visio.commitmentEndDate).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    expect((await rejectionOf(t.commerce.getSubscription(DEMO_CUSTOMER_ID, 'a1e3c0de-0000-4000-8000-000000000000'))).kind).toBe(
      'not-found',
    );
  });

  it("prices the order's lines from the price sheet of the day it is placed; a later price change leaves the order as billed", async () => {
    // Project Plan 3: 30.00 a seat a month on the sandbox's price sheet, billed annually (360.00 a seat).
    const placed = await t.commerce.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2, billingCycle: 'annual' },
      'request-43:order',
    );
    // Partner Center answers prices only when asked (include_price=true on a read), as the connector does.
    expect(placed.lineItems[0]!.billed).toBeUndefined();
    const order = await t.commerce.getOrder(DEMO_CUSTOMER_ID, placed.id);
    const billed = {
      unitPrice: { amount: '360.00', currency: 'USD' },
      total: { amount: '720.00', currency: 'USD' },
      per: 'year',
    };
    expect(order.lineItems[0]!.billed).toEqual(billed);
    expect(order).toMatchObject({ totalPrice: { amount: '720.00', currency: 'USD' }, totalPer: 'year' });

    t.sandbox.state.offer(DEMO_OFFERS.projectPlan3.offerId)!.unitPrice = '35.00';
    expect((await t.commerce.getOrder(DEMO_CUSTOMER_ID, order.id)).lineItems[0]!.billed).toEqual(billed);
    const listed = (await t.commerce.listCustomerOrders(DEMO_CUSTOMER_ID)).find((o) => o.id === order.id)!;
    expect(listed.totalPrice).toEqual({ amount: '720.00', currency: 'USD' });
    // The next order is billed at the new price.
    const next = await t.commerce.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 1, billingCycle: 'annual' },
      'request-44:order',
    );
    expect((await t.commerce.getOrder(DEMO_CUSTOMER_ID, next.id)).lineItems[0]!.billed!.total).toEqual({
      amount: '420.00',
      currency: 'USD',
    });
  });

  it('orders Project Plan 3 (not subscribed): a new subscription, Graph seats, then an assignable license', async () => {
    const order = await t.commerce.createOrder(
      DEMO_CUSTOMER_ID,
      { offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2, billingCycle: 'annual' },
      'request-42:order',
    );
    expect(order).toMatchObject({
      status: 'completed',
      lineItems: [{ lineItemNumber: 0, offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 2, termDuration: 'P1Y' }],
    });
    const subscriptionId = order.lineItems[0]!.subscriptionId!;
    // Read again, it is the same order, now with its prices (asked for with include_price).
    const { billed: _billed, ...line } = (await t.commerce.getOrder(DEMO_CUSTOMER_ID, order.id)).lineItems[0]!;
    expect(line).toEqual(order.lineItems[0]);

    expect(await t.commerce.getSubscription(DEMO_CUSTOMER_ID, subscriptionId)).toMatchObject({
      offerName: 'Project Plan 3',
      quantity: 2,
      status: 'active',
    });
    const project = (await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).find((s) => s.skuPartNumber === 'PROJECTPROFESSIONAL');
    expect(project).toMatchObject({ skuId: DEMO_OFFERS.projectPlan3.graphSkuId, enabledUnits: 2, consumedUnits: 0 });

    await t.directory.assignLicense(DEMO_TENANT_ID, DEMO_USERS.alex.id, DEMO_OFFERS.projectPlan3.graphSkuId);
    expect(await t.directory.licenseSkuIds(DEMO_TENANT_ID, DEMO_USERS.alex.id)).toContain(DEMO_OFFERS.projectPlan3.graphSkuId);
  });

  it('raises Visio Plan 2 (no free seat) by one: Graph gets the seat and the assignment succeeds', async () => {
    const before = await rejectionOf(t.directory.assignLicense(DEMO_TENANT_ID, DEMO_USERS.alex.id, DEMO_OFFERS.visioPlan2.graphSkuId));
    expect(before.kind).toBe('no-free-seat');

    const updated = await t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, 6, 'request-43:visio');
    expect(updated.quantity).toBe(6);
    const visio = (await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).find((s) => s.skuPartNumber === 'VISIOCLIENT');
    expect(visio).toMatchObject({ enabledUnits: 6, consumedUnits: 5 });

    await t.directory.assignLicense(DEMO_TENANT_ID, DEMO_USERS.alex.id, DEMO_OFFERS.visioPlan2.graphSkuId);
    expect(t.sandbox.state.freeSeats(DEMO_TENANT_ID, 'VISIOCLIENT')).toBe(0);
  });

  it('sends the whole subscription on PATCH, with the contract headers', async () => {
    await t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.teamsPremium, 4, 'request-44:teams');
    const patch = t.sandbox.state.requests.find((r) => r.method === 'PATCH')!;
    expect(patch).toMatchObject({ status: 200, requestId: 'request-44:teams', correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const subscription = t.sandbox.state.subscriptions(DEMO_CUSTOMER_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.teamsPremium)!;
    // autoRenewEnabled was false and the PATCH carried it unchanged (whole object, not just quantity).
    expect(subscription.autoRenewEnabled).toBe(false);
  });

  it('maps new-commerce refusals to kinds, without retrying them', async () => {
    const decrease = await rejectionOf(t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, 4, 'r-1'));
    expect(decrease).toMatchObject({ kind: 'cannot-decrease', details: { service: 'partner-center', status: 400, code: 800090 } });

    const range = await rejectionOf(t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, 0, 'r-2'));
    expect(range).toMatchObject({ kind: 'quantity-out-of-range', details: { code: 2002 } });

    const tooMany = await rejectionOf(
      t.commerce.createOrder(
        DEMO_CUSTOMER_ID,
        { offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 1000, billingCycle: 'annual' },
        'r-3',
      ),
    );
    expect(tooMany.kind).toBe('quantity-out-of-range');

    t.sandbox.faults.partnerCenter.failNext({
      status: 409,
      code: 800060,
      message: 'An order for this subscription is in progress.',
      method: 'POST',
    });
    const inProgress = await rejectionOf(
      t.commerce.createOrder(DEMO_CUSTOMER_ID, { offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 1, billingCycle: 'annual' }, 'r-4'),
    );
    expect(inProgress).toMatchObject({ kind: 'order-in-progress', details: { status: 409, code: 800060 } });

    expect(t.sandbox.state.countRequests({ method: 'PATCH' })).toBe(2);
    expect(t.sandbox.state.countRequests({ method: 'POST', service: 'partnerCenter' })).toBe(2);
    expect(t.sandbox.state.orders(DEMO_CUSTOMER_ID)).toHaveLength(0);
  });

  it('maps a change to a suspended subscription to subscription-suspended', async () => {
    const visio = t.sandbox.state.subscriptions(DEMO_CUSTOMER_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!;
    visio.status = 'suspended';
    const error = await rejectionOf(t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, 6, 'r-5'));
    expect(error).toMatchObject({ kind: 'subscription-suspended', details: { code: 800091 } });
    expect((await t.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2)).status).toBe('suspended');
  });
});
