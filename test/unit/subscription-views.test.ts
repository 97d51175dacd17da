import { describe, expect, it } from 'vitest';
import { removableLine, renewalLine, seatsLine, subscriptionDetailData, subscriptionListData } from '../../src/bot/subscription-views.js';
import type { SubscriptionView } from '../../src/services/subscriptions.js';

const view = (n: number, overrides: Partial<SubscriptionView> = {}): SubscriptionView => ({
  id: `sub-${n}`,
  productName: `Product ${String(n).padStart(2, '0')}`,
  offerId: 'P:S:A',
  status: 'active',
  bought: 10,
  assigned: 7,
  free: 3,
  termDuration: 'P1Y',
  billingCycle: 'monthly',
  commitmentEndDate: '2027-01-01T00:00:00.000Z',
  autoRenewEnabled: true,
  removable: { seats: 0, exact: true },
  termEnd: { kind: 'renews' },
  terms: {
    status: 'active',
    quantity: 10,
    lots: [],
    commitmentEndDate: '2027-01-01T00:00:00.000Z',
    autoRenewEnabled: true,
    termDuration: 'P1Y',
  },
  version: 'v',
  ...overrides,
});

describe('subscription list paging', () => {
  const views = Array.from({ length: 19 }, (_, i) => view(i + 1));

  it('shows one page with previous / next and the count', () => {
    const first = subscriptionListData(views, 0, 8, '');
    expect(first.items.map((i) => i.subscriptionId)).toEqual(views.slice(0, 8).map((v) => v.id));
    expect(first).toMatchObject({ hasPrevious: false, hasNext: true, nextPage: 1, subtitle: '19 subscriptions · page 1 of 3' });
    const last = subscriptionListData(views, 2, 8, 'prod');
    expect(last.items).toHaveLength(3);
    expect(last).toMatchObject({
      hasPrevious: true,
      previousPage: 1,
      hasNext: false,
      subtitle: '19 subscriptions matching "prod" · page 3 of 3',
    });
  });

  it('clamps a page past the end (the list shrank since the card was drawn)', () => {
    expect(subscriptionListData(views, 99, 8, '').items.map((i) => i.subscriptionId)).toEqual(['sub-17', 'sub-18', 'sub-19']);
    expect(subscriptionListData([], 3, 8, 'zz')).toMatchObject({
      items: [],
      emptyText: 'No subscription matches "zz".',
      hasNext: false,
      hasPrevious: false,
    });
  });
});

describe('subscription lines', () => {
  it('says what is bought, assigned and free, and when unknown', () => {
    expect(seatsLine(view(1))).toBe('10 bought · 7 assigned · 3 free');
    expect(seatsLine(view(1, { assigned: undefined, free: undefined }))).toContain('assignments unknown');
  });

  it('says how renewal goes', () => {
    expect(renewalLine(view(1))).toBe('Renews 2027-01-01 (auto-renew on)');
    expect(renewalLine(view(1, { scheduledQuantity: 6 }))).toBe('Renews 2027-01-01, with 6 seats (scheduled) (auto-renew on)');
    expect(renewalLine(view(1, { autoRenewEnabled: false, termEnd: { kind: 'ends' } }))).toBe('Ends on 2027-01-01 (auto-renew off)');
  });

  it('says how many seats can still go, and whether that is exact', () => {
    expect(removableLine(view(1))).toContain('window has closed');
    expect(removableLine(view(1, { removable: { seats: 2, until: '2026-11-27T14:00:00.000Z', exact: true } }))).toBe(
      '2 seats, until 2026-11-27 14:00 UTC',
    );
    expect(removableLine(view(1, { removable: { seats: 2, until: '2026-11-27T14:00:00.000Z', exact: false } }))).toBe(
      'up to 2 seats, until 2026-11-27 14:00 UTC',
    );
    expect(removableLine(view(1, { status: 'suspended' }))).toBe('None while not active');
  });

  it('counts only unassigned seats as removable, and offers Remove seats only when some can go (issue 20)', () => {
    const window = { seats: 5, until: '2026-11-27T14:00:00.000Z', exact: false };
    // Visio: 0 free, 5 in the window: not "up to 5", and no Remove seats button.
    const allAssigned = view(1, { bought: 8, assigned: 8, free: 0, removable: window });
    expect(removableLine(allAssigned)).toBe(
      'None now: 5 seats still in the 7-day window, but every seat is assigned. Unassign a license first, or reduce at renewal.',
    );
    expect(subscriptionDetailData(allAssigned).canRemoveSeats).toBe(false);
    const twoFree = view(1, { bought: 8, assigned: 6, free: 2, removable: window });
    expect(removableLine(twoFree)).toBe('up to 2 seats, until 2026-11-27 14:00 UTC (3 more in the window are assigned)');
    expect(subscriptionDetailData(twoFree).canRemoveSeats).toBe(true);
    expect(subscriptionDetailData(view(1)).canRemoveSeats).toBe(false);
  });

  it('offers an alternative once: not again beside the same action', () => {
    const data = subscriptionDetailData(view(1), {
      text: 'Too late',
      color: 'Attention',
      alternatives: ['reduce-at-renewal', 'turn-off-auto-renew'],
    });
    expect(data.alternatives).toEqual([]);
    expect(data).toMatchObject({ canScheduleAtRenewal: true, canTurnOffAutoRenew: true });
  });

  it('offers the actions that apply to the status', () => {
    expect(subscriptionDetailData(view(1, { status: 'suspended' }))).toMatchObject({
      canReactivate: true,
      canSuspend: false,
      canChangeSeats: false,
      canCancel: false,
    });
    expect(subscriptionDetailData(view(1))).toMatchObject({
      canReactivate: false,
      canSuspend: true,
      canChangeSeats: true,
      canTurnOffAutoRenew: true,
      canTurnOnAutoRenew: false,
      suggestedSeats: 7,
    });
  });
});

describe('what the end of the term brings (Extended Service Term, since May 2026)', () => {
  it('says a Partner Center subscription with auto-renew off moves to the Extended Service Term at +x %, not that it ends', () => {
    const est = view(1, { autoRenewEnabled: false, termEnd: { kind: 'extended-service-term', upliftPercent: 23 } });
    expect(renewalLine(est)).toBe(
      'Does not end on 2027-01-01: auto-renew is off, so it moves to a month-to-month Extended Service Term at +23 % and keeps being billed',
    );
    expect(renewalLine(est)).not.toMatch(/^Ends/);
    const vendor = view(2, { autoRenewEnabled: false, termEnd: { kind: 'ends' } });
    expect(renewalLine(vendor)).toBe('Ends on 2027-01-01 (auto-renew off)');
  });
});
