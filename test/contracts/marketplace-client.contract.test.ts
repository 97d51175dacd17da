// A client account's view of SoftwareOne prices. The sandbox's marketplace tokens are client
// accounts (customers buying), and the platform shows a client sales prices (`unitSP`,
// `SPx1`/`SPxM`/`SPxY`) and list prices, never purchase prices (`unitPP`, `PPx*`), markup or
// margin (developer-resources/rest-api/catalog-api/pricelist-item/README.md and
// api-usage-and-reference/common-api-objects/price.md; the fields' access in openAPI.yaml, kept
// in softwareone/marketplace-client-hidden.json). The emulator's price answers keep the
// subset's shapes and carry no hidden field, and their sales price is not the purchase price
// (so a connector reading the wrong field cannot pass).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type EmulatorExchange, type Sandbox } from '../../src/sandbox/index.js';
import { MARKETPLACE_AGREEMENTS, MARKETPLACE_ITEMS, MARKETPLACE_SUBSCRIPTIONS, MARKETPLACE_TOKENS } from '../../src/sandbox/index.js';
import { testClock } from '../harness/clock.js';
import { clientHiddenFields, contractFor, violations } from './exchanges.js';

let sandbox: Sandbox;
let exchanges: EmulatorExchange[];

beforeEach(async () => {
  exchanges = [];
  sandbox = await startSandbox({ clock: testClock, marketplace: { stepDelayMs: 'manual' }, observe: (e) => exchanges.push(e) });
});
afterEach(async () => {
  await sandbox.stop();
});

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${sandbox.urls.marketplace}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${MARKETPLACE_TOKENS.demo}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status).toBeLessThan(300);
  return response.json();
}

describe("the marketplace emulator answers a client account with a client's prices", () => {
  it('price list items, subscriptions and orders: sales prices derived from (and different from) the purchase price, nothing hidden, shapes as the subset', async () => {
    const acrobat = sandbox.marketplace.item(MARKETPLACE_ITEMS.acrobatPro)!;
    const purchase = Number(acrobat.purchasePrice.amount);

    const listing = (await api('GET', `/catalog/listings?eq(product.id,"${acrobat.product.id}")`)).data[0];
    const [priceItem] = (await api('GET', `/catalog/price-lists/${listing.priceList.id}/items?eq(item.id,"${acrobat.id}")`)).data;
    expect(priceItem).toMatchObject({ unitSP: expect.any(Number), SPxM: expect.any(Number), SPxY: expect.any(Number) });
    expect(priceItem.unitSP).toBeGreaterThan(purchase);

    const subscription = await api('GET', `/commerce/subscriptions/${MARKETPLACE_SUBSCRIPTIONS.demoAcrobat}`);
    expect(subscription.lines[0].price).toMatchObject({ currency: 'USD', unitSP: priceItem.unitSP });
    expect(subscription.lines[0].price.SPxM).toBeCloseTo(priceItem.unitSP * subscription.lines[0].quantity, 2);

    const order = await api('POST', '/commerce/orders', {
      type: 'Purchase',
      agreement: { id: MARKETPLACE_AGREEMENTS.demoAdobe },
      lines: [{ item: { id: acrobat.id }, quantity: 3 }],
    });
    await api('POST', `/commerce/orders/${order.id}/process`);
    const read = await api('GET', `/commerce/orders/${order.id}`);
    const threeSeats = Math.round(priceItem.unitSP * 3 * 100) / 100;
    expect(read.lines[0].price).toEqual({ currency: 'USD', unitSP: priceItem.unitSP, SPxM: threeSeats, SPxY: expect.any(Number) });
    expect(read.price).toEqual({ currency: 'USD', SPxM: threeSeats, SPxY: expect.any(Number) });
    await api('GET', `/commerce/orders?eq(id,"${order.id}")`);

    const priced = exchanges.filter((e) => e.service === 'marketplace' && /price-lists|subscriptions|orders/.test(e.route));
    expect(priced.length).toBeGreaterThanOrEqual(5);
    expect(violations(exchanges)).toEqual([]);
    expect(priced.flatMap((e) => clientHiddenFields(e.responseBody))).toEqual([]);
  });
});

describe('a price a client may not see breaks the contract (the check can fail)', () => {
  // The price list item page's own example, as SoftwareOne operations see it.
  const operationsView = {
    id: 'PRI-1234-5678-9012-0001',
    status: 'ForSale',
    unitLP: 39.95,
    unitPP: 19.95,
    markup: 0.5013,
    margin: 0.3339,
    unitSP: 29.95,
  };

  it('names every purchase price, markup and margin field, wherever it is', () => {
    expect(clientHiddenFields({ data: [operationsView] })).toEqual([
      '$.data[0].unitPP is not visible to a client account',
      '$.data[0].markup is not visible to a client account',
      '$.data[0].margin is not visible to a client account',
    ]);
    expect(clientHiddenFields({ lines: [{ price: { currency: 'USD', PPxM: 7.12, SPxM: 8 } }], price: { PPxY: 88 } })).toEqual([
      '$.lines[0].price.PPxM is not visible to a client account',
      '$.price.PPxY is not visible to a client account',
    ]);
  });

  it('an emulator answer carrying one fails even when its shape is the schema', () => {
    const exchange = (responseBody: unknown): EmulatorExchange => ({
      service: 'marketplace',
      method: 'GET',
      path: '/public/v1/catalog/price-lists/PRC-1/items',
      query: new URLSearchParams(),
      route: '/public/v1/catalog/price-lists/{priceListId}/items',
      status: 200,
      requestBody: '',
      responseBody,
      responseHeaders: {},
      faulted: false,
    });
    const page = (item: object) => ({ $meta: { pagination: { offset: 0, limit: 10, total: 1 } }, data: [item] });
    const clientView = { id: operationsView.id, status: 'ForSale', unitLP: 39.95, unitSP: 29.95 };
    expect(contractFor(exchange(page(clientView)))).toEqual({ ok: true, errors: [] });
    expect(contractFor(exchange(page({ ...clientView, unitPP: 19.95 })))).toEqual({
      ok: false,
      errors: ['$.data[0].unitPP is not visible to a client account'],
    });
  });
});
