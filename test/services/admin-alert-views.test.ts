// What the alert cards show, rendered from their templates: the reclaim card stays a sensible
// size however many people are inactive, numbers sent back by buttons stay numbers, and seat
// alerts name the product.
import { describe, expect, it } from 'vitest';
import { MAX_RECLAIM_ROWS, reclaimCardData, renewalAlertCardData, seatAlertCardData } from '../../src/bot/admin-alert-views.js';
import { CardRenderer } from '../../src/bot/cards.js';
import type { ReclaimReport } from '../../src/services/admin-alerts.js';
import { cardText } from '../harness/bot-harness.js';

const renderer = new CardRenderer();

function report(people: number): ReclaimReport {
  return {
    tenantId: 't',
    inactiveDays: 90,
    generatedAt: '2026-03-02T06:00:00.000Z',
    rows: Array.from({ length: people }, (_, i) => ({
      userId: `u-${i}`,
      displayName: `Person ${i} ${'x'.repeat(60)}`,
      userPrincipalName: `person${i}@example.com`,
      skuId: 's-1',
      skuPartNumber: 'SPE_E3',
      productName: 'Microsoft 365 E3',
      neverSignedIn: i === 0,
      ...(i === 0 ? {} : { lastSignInAt: '2025-10-01T08:00:00.000Z', daysInactive: 152 }),
    })),
    subscriptions: [
      {
        subscriptionId: 'sub-1',
        productName: 'Microsoft 365 E3',
        quantity: 300,
        assigned: 280,
        inactiveAssigned: people,
        suggestedQuantity: 120,
        renewsAt: '2026-03-20T00:00:00Z',
      },
    ],
  };
}

describe('the reclaim card', () => {
  it(`shows at most ${MAX_RECLAIM_ROWS} rows and says how many more, well under Teams' 28 KB`, () => {
    const card = renderer.render('reclaim', reclaimCardData(report(160)));
    const text = cardText(card);
    expect(text).toContain('Person 11');
    expect(text).not.toContain('Person 12 ');
    expect(text).toContain('...and 148 more licenses.');
    expect(JSON.stringify(card).length).toBeLessThan(20_000);
    expect(text).toContain('never');
    expect(text).toContain('2025-10-01 (152 days ago)');
  });

  it('says when there is nothing to reclaim, and shows a note', () => {
    const empty = cardText(
      renderer.render('reclaim', reclaimCardData({ ...report(0), subscriptions: [] }, { text: 'Done. Removed it.', color: 'Good' })),
    );
    expect(empty).toContain('Nobody with a license has gone 90 days without signing in');
    expect(empty).toContain('Done. Removed it.');
    expect(empty).not.toContain('more license');
    expect(empty).not.toContain('Seats to drop at renewal');
  });

  it('sends the suggested quantity back as a number', () => {
    const json = JSON.stringify(renderer.render('reclaim', reclaimCardData(report(3))));
    expect(json).toContain('"data":{"subscriptionId":"sub-1","action":"reduce-at-renewal","quantity":120}');
  });
});

describe('the other alert cards', () => {
  it('renewal: numbers stay numbers in the button data', () => {
    const card = renderer.render(
      'renewal-alert',
      renewalAlertCardData({
        tenantId: 't',
        id: 'sub-1',
        offerName: 'Visio Plan 2',
        quantity: 10,
        free: 10,
        renewsAt: '2026-03-20T00:00:00.000Z',
        daysUntilRenewal: 1,
        suggestedQuantity: 1,
        message: 'None of its seats are used.',
      }),
    ) as any;
    expect(card.actions[0].data).toEqual({ subscriptionId: 'sub-1', action: 'reduce-at-renewal', quantity: 1 });
    expect(cardText(card)).toContain('Visio Plan 2 renews within a day with unused seats');
  });

  it('seat: names the product instead of the part number', () => {
    const data = seatAlertCardData({
      tenantId: 't',
      skuPartNumber: 'VISIOCLIENT',
      productName: 'Visio Plan 2',
      kind: 'alert',
      state: 'exhausted',
      previous: 'low',
      free: -1,
      enabled: 5,
      message: 'VISIOCLIENT has no free seats: 1 more assigned than owned (6 of 5).',
    });
    expect(data).toMatchObject({
      title: 'No free seats: Visio Plan 2',
      color: 'Attention',
      message: 'Visio Plan 2 has no free seats: 1 more assigned than owned (6 of 5).',
      productName: 'Visio Plan 2 (VISIOCLIENT)',
      seats: '6 of 5 assigned, 0 free',
      before: 'running low',
    });
  });

  it('seat: a suspended license has no usable seat, not "1 of 0 assigned"', () => {
    const data = seatAlertCardData({
      tenantId: 't',
      skuPartNumber: 'Microsoft_Teams_Premium',
      productName: 'Microsoft Teams Premium',
      kind: 'alert',
      state: 'suspended',
      free: -1,
      enabled: 0,
      message: 'Microsoft_Teams_Premium is suspended.',
    });
    expect(data.seats).toBe('1 assigned, no usable seat');
  });
});
