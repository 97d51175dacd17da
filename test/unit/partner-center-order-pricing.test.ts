// How the Partner Center connector reads an order's prices (the SDK's Order.currencyCode,
// totalPrice and OrderLineItem.pricing, every one optional): what was billed when the order was
// placed, in exact money; an order without them stays a valid order, just not priced.
import { describe, expect, it } from 'vitest';
import { orderFromWire } from '../../src/connectors/partner-center/partner-center-commerce.js';

const order = (fields: Record<string, unknown>, line: Record<string, unknown> = {}) => ({
  id: 'order-1',
  status: 'completed',
  creationDate: '2026-06-17T10:00:00Z',
  lineItems: [{ lineItemNumber: 0, offerId: 'P:S:A', subscriptionId: 'sub-1', quantity: 3, termDuration: 'P1M', ...line }],
  ...fields,
});

describe('Partner Center order pricing (connector mapping)', () => {
  it('maps the line price and extended price, and the order total, in the order currency', () => {
    const mapped = orderFromWire(
      order(
        { currencyCode: 'USD', currencySymbol: '$', totalPrice: 42 },
        { pricing: { listPrice: 15, discountedPrice: 14, proratedPrice: 14, price: 14, extendedPrice: 42 } },
      ),
    );
    expect(mapped.lineItems[0]!.billed).toEqual({
      unitPrice: { amount: '14.00', currency: 'USD' },
      total: { amount: '42.00', currency: 'USD' },
    });
    expect(mapped.totalPrice).toEqual({ amount: '42.00', currency: 'USD' });
  });

  it('takes the extended price as sent (a refund may lower it) and only falls back to price × quantity without one', () => {
    const refunded = orderFromWire(order({ currencyCode: 'EUR' }, { pricing: { price: 10, extendedPrice: 25 } }));
    expect(refunded.lineItems[0]!.billed!.total).toEqual({ amount: '25.00', currency: 'EUR' });
    const noExtended = orderFromWire(order({ currencyCode: 'EUR' }, { pricing: { price: 10.5 } }));
    expect(noExtended.lineItems[0]!.billed).toEqual({
      unitPrice: { amount: '10.50', currency: 'EUR' },
      total: { amount: '31.50', currency: 'EUR' },
    });
  });

  it("rounds the wire's doubles once to the currency's minor unit (half away from zero), 0 digits for JPY", () => {
    const usd = orderFromWire(order({ currencyCode: 'usd', totalPrice: 37.035 }, { pricing: { price: 12.345, extendedPrice: 37.035 } }));
    expect(usd.lineItems[0]!.billed).toEqual({
      unitPrice: { amount: '12.35', currency: 'USD' },
      total: { amount: '37.04', currency: 'USD' },
    });
    const jpy = orderFromWire(order({ currencyCode: 'JPY' }, { pricing: { price: 1530.5, extendedPrice: 4591.5 } }));
    expect(jpy.lineItems[0]!.billed!.total).toEqual({ amount: '4592', currency: 'JPY' });
  });

  it('leaves an order without pricing, or without a currency to read it in, valid and unpriced', () => {
    for (const body of [
      order({ currencyCode: 'USD' }),
      order({ currencyCode: 'USD' }, { pricing: null }),
      order({ currencyCode: 'USD' }, { pricing: {} }),
      order({}, { pricing: { price: 14, extendedPrice: 42 } }),
      order({ currencyCode: 'dollars' }, { pricing: { price: 14, extendedPrice: 42 } }),
      order({ currencyCode: 'USD', totalPrice: -1 }, { pricing: { price: -14, extendedPrice: -42 } }),
    ]) {
      const mapped = orderFromWire(body);
      expect(mapped.lineItems).toEqual([
        { lineItemNumber: 0, offerId: 'P:S:A', subscriptionId: 'sub-1', quantity: 3, termDuration: 'P1M' },
      ]);
      expect(mapped.totalPrice).toBeUndefined();
    }
  });
});
