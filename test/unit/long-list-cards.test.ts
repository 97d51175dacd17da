// Cards of long lists (a customer's orders, a partner's customers): the first part only, saying
// how many there are, so a card stays under Teams' size limit (about 28 KB) however long the list.
import { describe, expect, it } from 'vitest';
import { CardRenderer } from '../../src/bot/cards.js';
import { orderListData, ORDERS_SHOWN } from '../../src/bot/order-history-handlers.js';
import type { OrderLine } from '../../src/services/order-history.js';
import { CUSTOMERS_SHOWN, partnerCustomersCardData } from '../../src/bot/partner-handlers.js';

const renderer = new CardRenderer();

/** `count` orders, newest first, each of two priced items as a partner admin sees them. */
function history(count: number): OrderLine[] {
  return Array.from({ length: count }, (_, i) => ({
    order: {
      id: `order-${String(count - i).padStart(4, '0')}-0000-4000-8000-000000000000`,
      status: 'completed' as const,
      creationDate: new Date(Date.UTC(2026, 0, 1) + (count - i) * 86_400_000).toISOString(),
      lineItems: [],
      totalPrice: { amount: '720.00', currency: 'USD' },
      totalPer: 'year' as const,
    },
    items: [
      {
        name: 'Microsoft 365 E3',
        quantity: 25,
        price: { monthly: { amount: '990.00', currency: 'USD' }, as: 'at-request' as const },
        cost: { unitPrice: { amount: '432.00', currency: 'USD' }, total: { amount: '10800.00', currency: 'USD' }, per: 'year' as const },
      },
      { name: 'Project Plan 3', quantity: 2, cost: 'not-priced' as const },
    ],
  }));
}

describe('the orders card', () => {
  it(`shows every order of a short history, and the ${ORDERS_SHOWN} newest of a long one, saying how many there are`, () => {
    expect(orderListData('Orders', history(3)).items).toHaveLength(3);
    const long = orderListData('Orders of Contoso', history(400));
    expect(long.items).toHaveLength(ORDERS_SHOWN);
    expect(long.items[0]!.heading).toContain('order-0400');
    expect(long.subtitle).toContain(`the ${ORDERS_SHOWN} newest of 400`);
    const card = JSON.stringify(renderer.render('table-list', long));
    expect(card.length).toBeLessThan(28_000);
  });
});

describe("the partner's customers card", () => {
  it(`lists the first ${CUSTOMERS_SHOWN} customers of a large partner, counts them all, and says how to reach the others`, () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({
      customerTenantId: `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      companyName: `Customer ${i} Ltd`,
      domain: `customer${i}.example`,
      pcCustomerId: `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      state: i % 3 === 0 ? ('proposed' as const) : ('linked' as const),
      reseller: 'Litware',
    }));
    const data = partnerCustomersCardData({ partnerTenantId: 'p', partnerName: 'Quartermaster Demo Partner', rows });
    expect(data.rows).toHaveLength(CUSTOMERS_SHOWN);
    expect(data.summary).toBe(
      `200 linked, 100 proposed, 0 not linked. Shown here: the first ${CUSTOMERS_SHOWN} of 300; type customer <name> for any of them.`,
    );
    expect(JSON.stringify(renderer.render('partner-customers', data)).length).toBeLessThan(28_000);
    // A partner with a few customers sees them all, and no such sentence.
    const few = partnerCustomersCardData({ partnerTenantId: 'p', partnerName: 'Quartermaster Demo Partner', rows: rows.slice(0, 4) });
    expect(few.rows).toHaveLength(4);
    expect(few.summary).toBe('2 linked, 2 proposed, 0 not linked.');
  });
});
