// The vendors' own example payloads (test/contracts/*/examples, see SOURCES.md): the contract
// schemas accept them (so the schemas are not stricter than the vendor), and the production
// code reads them. Served from a loopback server where the connector parses the wire itself.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderFromWire, PartnerCenterCommerce } from '../../src/connectors/partner-center/partner-center-commerce.js';
import { DEFAULT_RETRY_POLICY } from '../../src/connectors/retry.js';
import { CostDataError } from '../../src/domain/spend/focus.js';
import { normalizeAzureQuery } from '../../src/domain/spend/providers/azure.js';
import { createLogger } from '../../src/logger.js';
import { orderJson } from '../../src/sandbox/partner-center-resources.js';
import { azureQueryResult, partnerCenter, partnerCenterCollection } from './schemas.js';

const example = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const azureQuery = example('./azure-cost-management/examples/MCACustomerQuery.json');
const pcCustomers = example('./partner-center/examples/get-a-list-of-customers.json');
const pcOrder = example('./partner-center/examples/get-an-order-by-id.json');
const pcSubscriptions = [
  example('./partner-center/examples/get-a-subscription-by-id.standard.json'),
  example('./partner-center/examples/get-a-subscription-by-id.add-on.json'),
];

describe('Azure Cost Management: the vendor example (MCACustomerQuery, 2022-10-01)', () => {
  it('is a QueryResult by the contract the emulator is held to', () => {
    expect(azureQueryResult(azureQuery.responses['200'].body)).toEqual({ ok: true, errors: [] });
  });

  it('is read by column name: PreTaxCost as the cost, UsageDate as the day, Currency; a page without ServiceName is refused clearly', () => {
    const page = azureQuery.responses['200'].body.properties;
    const context = { billingAccountId: 'ba', subAccountId: 'sub', costType: 'ActualCost' as const };
    // The example groups by ResourceGroup; Quartermaster groups by ServiceName and says so when it is missing.
    expect(() => normalizeAzureQuery(page, context)).toThrow(CostDataError);
    expect(() => normalizeAzureQuery(page, context)).toThrow(/ServiceName/);
    // Renaming the grouping column is the only change needed for the same rows to be read.
    const asServices = {
      ...page,
      columns: page.columns.map((c: { name: string }) => (c.name === 'ResourceGroup' ? { ...c, name: 'ServiceName' } : c)),
    };
    const rows = normalizeAzureQuery(asServices, context);
    expect(rows.map((r) => [r.ChargePeriodStart, r.ServiceName, r.BilledCost, r.BillingCurrency])).toEqual([
      ['2018-03-31', 'JapanUnifia-Trial', '19.55', 'USD'],
      ['2018-03-31', 'RVIIOT-TRIAL', '173.42', 'USD'],
      ['2018-03-31', 'VSTSHOL-1595322048000', '20.36', 'USD'],
      ['2018-03-31', 'gs-stms-dev', '0.17', 'USD'],
    ]);
  });
});

describe('Partner Center: the REST reference examples (get a subscription by id)', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '').toUpperCase();
      const body = pcSubscriptions.find((s) => s.id === id);
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { code: 800002, description: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('are subscriptions by the SDK model field lists (plus orderId, which the examples carry)', () => {
    for (const body of pcSubscriptions) expect(partnerCenter('Subscriptions/Subscription', body)).toEqual({ ok: true, errors: [] });
  });

  it('are read by the production connector: a usage-based legacy subscription and a license add-on', async () => {
    const commerce = new PartnerCenterCommerce({
      tokens: { getToken: async () => 'example-token' },
      partnerTenantId: 'partner',
      baseUrl,
      retry: { ...DEFAULT_RETRY_POLICY, retries: 0, timeoutMs: 2_000 },
      log: createLogger('silent'),
      clock: () => new Date('2026-06-15T12:00:00Z'),
    });
    const standard = await commerce.getSubscription('4d3cf487-70f4-4e1e-9ff1-b2bfce8d9f04', 'A356AC8C-E310-44F4-BF85-C7F29044AF99');
    expect(standard).toMatchObject({ offerName: 'Microsoft Azure', quantity: 1, status: 'active', autoRenewEnabled: false });
    const addOn = await commerce.getSubscription('4d3cf487-70f4-4e1e-9ff1-b2bfce8d9f04', '968BA1CF-C146-4ADF-A300-308DCF718EEE');
    expect(addOn).toMatchObject({
      offerName: 'Exchange Online Archiving for Exchange Online',
      quantity: 2,
      status: 'active',
      autoRenewEnabled: true,
    });
  });
});

describe('Partner Center: the REST reference example (get a list of customers)', () => {
  let server: Server;
  let baseUrl: string;
  const asked: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(pcCustomers));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is a Customer collection by the contract the emulator is held to (links included)', () => {
    expect(partnerCenterCollection('Customers/Customer', pcCustomers)).toEqual({ ok: true, errors: [] });
  });

  it('is read by the production connector as one page (no links.next), asked with a size', async () => {
    const commerce = new PartnerCenterCommerce({
      tokens: { getToken: async () => 'example-token' },
      partnerTenantId: 'partner',
      baseUrl,
      retry: { ...DEFAULT_RETRY_POLICY, retries: 0, timeoutMs: 2_000 },
      log: createLogger('silent'),
    });
    const customers = await commerce.listCustomers('agent-token');
    expect(customers.map((c) => c.id)).toEqual(['b44bb1fb-c595-45b0-9e09-d657365580bf', '45c44870-ef77-4fdd-b6fe-3dacb075cff2']);
    expect(customers[0]).toMatchObject({ companyName: 'companyName', domain: 'domain' });
    expect(asked).toEqual(['/v1/customers?size=100']);
  });
});

/** The JSON type of a value as a shape: objects by their keys, arrays by their first item. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return [value.length > 0 ? shapeOf(value[0]) : 'empty'];
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}

describe("Partner Center: the REST reference example (get an order by id) and the emulator's priced order", () => {
  // The emulator's order for two annual seats of an offer at 30.00 a month: 360.00 a seat for the year.
  const order = {
    id: 'order-1',
    customerId: 'customer-1',
    billingCycle: 'annual',
    creationDate: new Date('2026-06-17T10:00:00Z'),
    status: 'completed',
    lineItems: [
      {
        lineItemNumber: 0,
        offerId: 'P:S:A',
        subscriptionId: 'sub-1',
        quantity: 2,
        termDuration: 'P1Y',
        transactionType: 'New',
        unitPrice: '360.00',
      },
    ],
  } as const;
  // Asked for with include_price=true, as the connector does.
  const emulated = orderJson({ ...order, lineItems: [...order.lineItems] }, { includePrice: true });

  it('carries no price unless include_price=true is asked for (the REST reference: default false), like the example', () => {
    const plain = orderJson({ ...order, lineItems: [...order.lineItems] });
    expect(plain.lineItems[0]).not.toHaveProperty('pricing');
    expect(plain).not.toHaveProperty('totalPrice');
    expect(pcOrder).not.toHaveProperty('totalPrice');
    expect(partnerCenter('Orders/Order', plain)).toEqual({ ok: true, errors: [] });
  });

  it('is an Order by the contract the emulator is held to (billingCycle "one_time" as the SDK writes enums)', () => {
    expect(partnerCenter('Orders/Order', pcOrder)).toEqual({ ok: true, errors: [] });
  });

  it("the emulator's order is an Order with a line Pricing as the SDK models it, and has the example's fields with their JSON types", () => {
    expect(partnerCenter('Orders/Order', emulated)).toEqual({ ok: true, errors: [] });
    const example = shapeOf(pcOrder) as Record<string, unknown>;
    const ours = shapeOf(emulated) as Record<string, unknown>;
    for (const field of [
      'id',
      'referenceCustomerId',
      'billingCycle',
      'currencyCode',
      'currencySymbol',
      'creationDate',
      'status',
      'attributes',
    ])
      expect([field, ours[field]]).toEqual([field, example[field]]);
    const exampleLine = (example.lineItems as Record<string, unknown>[])[0]!;
    const ourLine = (ours.lineItems as Record<string, unknown>[])[0]!;
    for (const field of ['lineItemNumber', 'offerId', 'quantity']) expect([field, ourLine[field]]).toEqual([field, exampleLine[field]]);
    // Priced as the SDK's Pricing says: price of one seat, extended = price × quantity, the order's total their sum.
    expect(emulated.lineItems[0]!.pricing).toEqual({
      listPrice: 360,
      discountedPrice: 360,
      proratedPrice: 360,
      price: 360,
      extendedPrice: 720,
    });
    expect(emulated).toMatchObject({ currencyCode: 'USD', totalPrice: 720 });
  });

  it('a pricing field the SDK does not have fails the contract (the check is closed)', () => {
    const invented = { ...emulated, lineItems: [{ ...emulated.lineItems[0]!, pricing: { price: 1, unitCost: 1 } }] };
    expect(partnerCenter('Orders/Order', invented).ok).toBe(false);
  });

  it('is read by the production connector: currency known, no line priced ("not priced by Partner Center")', () => {
    const order = orderFromWire(pcOrder);
    expect(order).toMatchObject({ id: 'YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1', status: 'completed' });
    expect(order.lineItems).toEqual([{ lineItemNumber: 0, offerId: 'DZH318Z0BQ4Z:002L:DZH318Z0CMNP', quantity: 1 }]);
    expect(order.totalPrice).toBeUndefined();
  });
});
