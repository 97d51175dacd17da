// Reconciliation rules on plain lines: matched orders and subscriptions, and exactly the
// differences — a price difference, a line nobody ordered here, an order nobody billed.
import { describe, expect, it } from 'vitest';
import { partnerCenterLine, type InvoiceLine } from '../../../src/domain/billing/invoice-lines.js';
import { reconcile, type KnownSubscription, type OrderRecord } from '../../../src/domain/billing/reconciliation.js';

const CUSTOMER = 'c0000000-0000-4000-8000-000000000001';
const PERIOD = { start: '2026-05-01', end: '2026-06-01' };
const INVOICE = { source: 'partner-center' as const, invoiceId: 'G000000501', period: PERIOD };

function line(fields: Record<string, unknown>, position: number): InvoiceLine {
  return partnerCenterLine(
    {
      CustomerId: CUSTOMER,
      InvoiceNumber: 'G000000501',
      Currency: 'USD',
      ProductId: 'CFQ7TTC0L3PB',
      SkuId: '0001',
      AvailabilityId: 'CFQ7TTC0KXG6',
      SkuName: 'Power BI Pro',
      ChargeStartDate: '2026-05-01T00:00:00Z',
      ChargeEndDate: '2026-05-31T00:00:00Z',
      TaxTotal: 0,
      ...fields,
    },
    position,
  );
}

const order = (fields: Partial<OrderRecord> & Pick<OrderRecord, 'requestId'>): OrderRecord => ({
  source: 'partner-center',
  offerId: 'CFQ7TTC0L3PB:0001:CFQ7TTC0KXG6',
  productName: 'Power BI Pro',
  quantity: 2,
  monthlyUnitPrice: { amount: '14.00', currency: 'USD' },
  billingCycle: 'monthly',
  placedOn: '2026-05-10',
  ...fields,
});

const subscriptions: KnownSubscription[] = [
  {
    id: 'sub-e3',
    offerId: 'CFQ7TTC0LFLX:0002:CFQ7TTC0LF8Q',
    name: 'Microsoft 365 E3',
    monthlyUnitPrice: { amount: '36.00', currency: 'USD' },
    billingCycle: 'monthly',
  },
];

describe('reconciliation', () => {
  it('finds exactly a price difference, an unexpected line and a missing order', () => {
    const orders = [
      order({ requestId: 'REQ-1', orderId: 'ORDER-1', subscriptionId: 'sub-pbi' }), // billed at its price
      order({
        requestId: 'REQ-2',
        orderId: 'ORDER-2',
        subscriptionId: 'sub-visio',
        productName: 'Visio Plan 2',
        monthlyUnitPrice: { amount: '15.00', currency: 'USD' },
      }),
      order({ requestId: 'REQ-3', orderId: 'ORDER-3', quantity: 1, placedOn: '2026-05-20' }), // never billed
      order({ requestId: 'REQ-OLD', orderId: 'ORDER-0', placedOn: '2026-04-02' }), // an earlier month: not expected here
    ];
    const lines = [
      line(
        {
          OrderId: 'ORDER-1',
          SubscriptionId: 'sub-pbi',
          ChargeType: 'new',
          Quantity: 2,
          UnitPrice: 14,
          EffectiveUnitPrice: 14,
          Subtotal: 28,
        },
        1,
      ),
      line(
        {
          OrderId: 'ORDER-2',
          SubscriptionId: 'sub-visio',
          SkuName: 'Visio Plan 2',
          ChargeType: 'new',
          Quantity: 2,
          UnitPrice: 15,
          EffectiveUnitPrice: 16.5,
          Subtotal: 33,
        },
        2,
      ),
      line(
        {
          OrderId: 'ORDER-X',
          SubscriptionId: 'sub-stranger',
          SkuName: 'Project Plan 3',
          ChargeType: 'new',
          Quantity: 1,
          UnitPrice: 30,
          EffectiveUnitPrice: 30,
          Subtotal: 30,
        },
        3,
      ),
      line(
        {
          SubscriptionId: 'sub-e3',
          SkuName: 'Microsoft 365 E3',
          ChargeType: 'cycleCharge',
          Quantity: 25,
          UnitPrice: 36,
          EffectiveUnitPrice: 36,
          Subtotal: 900,
        },
        4,
      ),
    ];
    const result = reconcile(INVOICE, lines, orders, subscriptions);
    expect(result.findings.map((f) => [f.kind, f.orderId ?? f.requestId])).toEqual([
      ['price-difference', 'order-2'],
      ['unexpected', 'order-x'],
      ['missing', 'order-3'],
    ]);
    const [price, unexpected, missing] = result.findings;
    expect(price).toMatchObject({
      expectedUnitPrice: '15.00 USD',
      billedUnitPrice: '16.50 USD',
      difference: { amount: '3.00', currency: 'USD' },
      requestId: 'REQ-2',
    });
    expect(unexpected).toMatchObject({ amount: { amount: '30.00', currency: 'USD' }, chargeType: 'new' });
    expect(missing).toMatchObject({ requestId: 'REQ-3', amount: { amount: '14.00', currency: 'USD' } });
    expect(result.matched).toEqual({ lines: 3, amounts: [{ amount: '961.00', currency: 'USD' }] });
    expect(result.lines).toBe(4);
  });

  it('matches added seats by subscription when the line has no order id, and an annual cycle at twelve months', () => {
    const orders = [
      order({
        requestId: 'REQ-A',
        subscriptionId: 'sub-visio',
        billingCycle: 'annual',
        monthlyUnitPrice: { amount: '15.00', currency: 'USD' },
      }),
    ];
    const lines = [
      line({ SubscriptionId: 'sub-visio', ChargeType: 'addQuantity', Quantity: 2, EffectiveUnitPrice: '180.0000', Subtotal: 360 }, 1),
    ];
    expect(reconcile(INVOICE, lines, orders, []).findings).toEqual([]);
  });

  it('checks recurring charges against the subscription price and compares prices exactly', () => {
    const lines = [
      line(
        {
          SubscriptionId: 'sub-e3',
          SkuName: 'Microsoft 365 E3',
          ChargeType: 'cycleCharge',
          Quantity: 25,
          EffectiveUnitPrice: 36.000001,
          Subtotal: 900,
        },
        1,
      ),
      line(
        {
          SubscriptionId: 'sub-e3',
          SkuName: 'Microsoft 365 E3',
          ChargeType: 'cycleCharge',
          Quantity: 1,
          EffectiveUnitPrice: '36.0000',
          Subtotal: 36,
        },
        2,
      ),
    ];
    const { findings } = reconcile(INVOICE, lines, [], subscriptions);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'price-difference', lineId: '1', expectedUnitPrice: '36.00 USD' });
  });

  it('gives the same findings with the same keys on every run', () => {
    const lines = [line({ OrderId: 'ORDER-X', ChargeType: 'new', Quantity: 1, EffectiveUnitPrice: 30, Subtotal: 30 }, 7)];
    const first = reconcile(INVOICE, lines, [], []);
    expect(reconcile(INVOICE, lines, [], [])).toEqual(first);
    expect(first.findings[0]!.key).toBe('unexpected|7');
  });
});
