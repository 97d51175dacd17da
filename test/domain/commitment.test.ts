import { describe, expect, it } from 'vitest';
import {
  canCancel,
  daysUntilRenewal,
  parseUtc,
  planDecrease,
  planIncrease,
  planScheduledDecrease,
  removableSeats,
  renew,
  toUtc,
  windowEnd,
  type SubscriptionTerms,
} from '../../src/domain/commitment.js';

const at = (iso: string) => new Date(iso);
const terms = (overrides: Partial<SubscriptionTerms> = {}): SubscriptionTerms => ({
  status: 'active',
  quantity: 10,
  lots: [{ quantity: 10, purchasedAt: '2026-03-01T10:00:00Z' }],
  commitmentEndDate: '2027-03-01T00:00:00Z',
  autoRenewEnabled: true,
  termDuration: 'P1Y',
  ...overrides,
});
// 10 bought on 1 March, 3 added on 5 March, 2 added on 7 March.
const staggered = terms({
  quantity: 15,
  lots: [
    { quantity: 10, purchasedAt: '2026-03-01T10:00:00Z' },
    { quantity: 3, purchasedAt: '2026-03-05T12:00:00Z' },
    { quantity: 2, purchasedAt: '2026-03-07T08:30:00Z' },
  ],
});

describe('times', () => {
  it('normalises offsets to UTC', () => {
    expect(toUtc('2026-03-01T12:00:00+02:00')).toBe('2026-03-01T10:00:00.000Z');
    expect(toUtc('2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
  });
  it('refuses times without a zone and garbage', () => {
    expect(() => parseUtc('2026-03-01T12:00:00')).toThrow(RangeError);
    expect(() => parseUtc('soon')).toThrow(RangeError);
    expect(() => parseUtc('2026-13-45T00:00:00Z')).toThrow(RangeError);
  });
});

describe('windowEnd', () => {
  it('is exactly 168 hours after purchase, in UTC', () => {
    expect(windowEnd({ quantity: 1, purchasedAt: '2026-03-01T10:00:00Z' })).toBe('2026-03-08T10:00:00.000Z');
    expect(windowEnd({ quantity: 1, purchasedAt: '2026-03-01T10:00:00+02:00' })).toBe('2026-03-08T08:00:00.000Z');
  });
  it('counts hours, not local days, across a month end', () => {
    expect(windowEnd({ quantity: 1, purchasedAt: '2026-02-25T23:30:00Z' })).toBe('2026-03-04T23:30:00.000Z');
  });
});

describe('removableSeats', () => {
  it('counts every lot still inside its window, with the earliest closing time', () => {
    expect(removableSeats(staggered, at('2026-03-07T09:00:00Z'))).toEqual({ seats: 15, until: '2026-03-08T10:00:00.000Z' });
  });
  it('drops lots as their windows close', () => {
    expect(removableSeats(staggered, at('2026-03-09T00:00:00Z'))).toEqual({ seats: 5, until: '2026-03-12T12:00:00.000Z' });
    expect(removableSeats(staggered, at('2026-03-13T00:00:00Z'))).toEqual({ seats: 2, until: '2026-03-14T08:30:00.000Z' });
    expect(removableSeats(staggered, at('2026-03-14T08:30:00Z'))).toEqual({ seats: 0 });
  });
  it('is open at 167:59:59 and closed at exactly 168:00:00', () => {
    expect(removableSeats(terms(), at('2026-03-08T09:59:59Z')).seats).toBe(10);
    expect(removableSeats(terms(), at('2026-03-08T09:59:59.999Z')).seats).toBe(10);
    expect(removableSeats(terms(), at('2026-03-08T10:00:00Z'))).toEqual({ seats: 0 });
  });
  it('reads lots given with an offset', () => {
    const t = terms({ lots: [{ quantity: 10, purchasedAt: '2026-03-01T12:00:00+02:00' }] });
    expect(removableSeats(t, at('2026-03-08T09:59:59Z')).seats).toBe(10);
    expect(removableSeats(t, at('2026-03-08T10:00:00Z')).seats).toBe(0);
  });
  it('never exceeds the current quantity when lots are stale', () => {
    expect(removableSeats(terms({ quantity: 4 }), at('2026-03-02T00:00:00Z')).seats).toBe(4);
  });
  it('is zero with no lots', () => {
    expect(removableSeats(terms({ lots: [] }), at('2026-03-02T00:00:00Z'))).toEqual({ seats: 0 });
  });
});

describe('planDecrease', () => {
  it('allows removing free seats bought in the last 7 days', () => {
    expect(planDecrease(staggered, { remove: 5, freeSeats: 6 }, at('2026-03-10T00:00:00Z'))).toEqual({ ok: true, newQuantity: 10 });
  });
  it('refuses outside every window with 800090 and offers the renewal path', () => {
    const plan = planDecrease(terms(), { remove: 1, freeSeats: 5 }, at('2026-03-08T10:00:00Z'));
    expect(plan).toMatchObject({ ok: false, reason: 'outside-window', alternatives: ['reduce-at-renewal', 'turn-off-auto-renew'] });
    if (plan.ok) throw new Error('expected refusal');
    expect(plan.message).toContain('800090');
    expect(plan.message).toContain('2027-03-01');
  });
  it('allows the same decrease one second before the boundary', () => {
    expect(planDecrease(terms(), { remove: 1, freeSeats: 5 }, at('2026-03-08T09:59:59Z'))).toEqual({ ok: true, newQuantity: 9 });
  });
  it('does not offer turning auto-renew off when it already is off', () => {
    const plan = planDecrease(terms({ autoRenewEnabled: false }), { remove: 1, freeSeats: 5 }, at('2026-04-01T00:00:00Z'));
    expect(plan).toMatchObject({ ok: false, reason: 'outside-window', alternatives: ['reduce-at-renewal'] });
  });
  it('refuses more than the removable seats and says how many are', () => {
    const plan = planDecrease(staggered, { remove: 6, freeSeats: 10 }, at('2026-03-10T00:00:00Z'));
    expect(plan).toMatchObject({ ok: false, reason: 'more-than-removable', alternatives: ['reduce-at-renewal', 'turn-off-auto-renew'] });
    if (plan.ok) throw new Error('expected refusal');
    expect(plan.message).toContain('Only 5 seats');
    expect(plan.message).toContain('2026-03-12 12:00 UTC');
  });
  it('refuses removing seats that are assigned to people', () => {
    const plan = planDecrease(staggered, { remove: 3, freeSeats: 2 }, at('2026-03-10T00:00:00Z'));
    expect(plan).toMatchObject({ ok: false, reason: 'more-than-free', alternatives: [] });
    if (plan.ok) throw new Error('expected refusal');
    expect(plan.message).toContain('Only 2 seats are unassigned');
  });
  it('treats negative free seats (over-assigned) as none', () => {
    expect(planDecrease(terms(), { remove: 1, freeSeats: -3 }, at('2026-03-02T00:00:00Z'))).toMatchObject({
      ok: false,
      reason: 'more-than-free',
    });
  });
  it('refuses leaving no seat', () => {
    expect(planDecrease(terms(), { remove: 10, freeSeats: 10 }, at('2026-03-02T00:00:00Z'))).toMatchObject({
      ok: false,
      reason: 'below-one',
    });
    expect(planDecrease(terms(), { remove: 9, freeSeats: 10 }, at('2026-03-02T00:00:00Z'))).toEqual({ ok: true, newQuantity: 1 });
  });
  it('refuses bad numbers', () => {
    for (const remove of [0, -1, 1.5, Number.NaN]) {
      expect(planDecrease(terms(), { remove, freeSeats: 5 }, at('2026-03-02T00:00:00Z'))).toMatchObject({
        ok: false,
        reason: 'invalid-quantity',
      });
    }
    expect(planDecrease(terms(), { remove: 1, freeSeats: 0.5 }, at('2026-03-02T00:00:00Z'))).toMatchObject({
      ok: false,
      reason: 'invalid-quantity',
    });
  });
  it('refuses suspended (800091) and ended subscriptions', () => {
    const suspended = planDecrease(terms({ status: 'suspended' }), { remove: 1, freeSeats: 5 }, at('2026-03-02T00:00:00Z'));
    expect(suspended).toMatchObject({ ok: false, reason: 'suspended' });
    if (suspended.ok) throw new Error('expected refusal');
    expect(suspended.message).toContain('800091');
    for (const status of ['deleted', 'expired', 'disabled'] as const) {
      expect(planDecrease(terms({ status }), { remove: 1, freeSeats: 5 }, at('2026-03-02T00:00:00Z'))).toMatchObject({
        ok: false,
        reason: 'not-active',
      });
    }
  });
});

describe('planIncrease', () => {
  it('allows adding any time while active', () => {
    expect(planIncrease(terms(), 1)).toEqual({ ok: true, newQuantity: 11 });
    expect(planIncrease(terms(), 10000)).toEqual({ ok: true, newQuantity: 10010 });
  });
  it('refuses quantities outside 1..10000', () => {
    for (const add of [0, -2, 10001, 2.5]) expect(planIncrease(terms(), add)).toMatchObject({ ok: false, reason: 'invalid-quantity' });
  });
  it('refuses suspended and inactive subscriptions', () => {
    const plan = planIncrease(terms({ status: 'suspended' }), 1);
    expect(plan).toMatchObject({ ok: false, reason: 'suspended' });
    if (plan.ok) throw new Error('expected refusal');
    expect(plan.message).toContain('800091');
    expect(planIncrease(terms({ status: 'expired' }), 1)).toMatchObject({ ok: false, reason: 'not-active' });
  });
});

describe('canCancel', () => {
  it('is allowed while every lot is inside its window', () => {
    expect(canCancel(staggered, at('2026-03-08T09:59:59Z'))).toEqual({ ok: true, until: '2026-03-08T10:00:00.000Z' });
  });
  it('is refused once any lot is past its window, even if newer seats are not', () => {
    const check = canCancel(staggered, at('2026-03-08T10:00:00Z'));
    expect(check).toMatchObject({ ok: false, reason: 'outside-window', alternatives: ['turn-off-auto-renew', 'reduce-at-renewal'] });
  });
  it('with auto-renew already off, says when it ends and offers nothing', () => {
    const check = canCancel(terms({ autoRenewEnabled: false }), at('2026-06-01T00:00:00Z'));
    expect(check).toMatchObject({ ok: false, reason: 'outside-window', alternatives: [] });
    if (check.ok) throw new Error('expected refusal');
    expect(check.message).toContain('ends on 2027-03-01');
  });
  it('fails closed with no lots recorded', () => {
    expect(canCancel(terms({ lots: [] }), at('2026-03-02T00:00:00Z'))).toMatchObject({ ok: false, reason: 'no-purchase-recorded' });
  });
  it('refuses suspended subscriptions', () => {
    expect(canCancel(terms({ status: 'suspended' }), at('2026-03-02T00:00:00Z'))).toMatchObject({ ok: false, reason: 'suspended' });
  });
});

describe('planScheduledDecrease', () => {
  const now = at('2026-06-01T00:00:00Z');
  it('schedules the new quantity for the commitment end, in UTC', () => {
    expect(planScheduledDecrease(terms({ commitmentEndDate: '2027-03-01T00:00:00+01:00' }), { quantity: 6 }, now)).toEqual({
      ok: true,
      quantity: 6,
      previousQuantity: 10,
      effectiveAt: '2027-02-28T23:00:00.000Z',
    });
  });
  it('allows going down to one seat, not zero', () => {
    expect(planScheduledDecrease(terms(), { quantity: 1 }, now)).toMatchObject({ ok: true, quantity: 1 });
    expect(planScheduledDecrease(terms(), { quantity: 0 }, now)).toMatchObject({
      ok: false,
      reason: 'below-one',
      alternatives: ['turn-off-auto-renew'],
    });
  });
  it('must be lower than today', () => {
    expect(planScheduledDecrease(terms(), { quantity: 10 }, now)).toMatchObject({ ok: false, reason: 'not-lower' });
    expect(planScheduledDecrease(terms(), { quantity: 12 }, now)).toMatchObject({ ok: false, reason: 'not-lower' });
    expect(planScheduledDecrease(terms(), { quantity: 2.5 }, now)).toMatchObject({ ok: false, reason: 'invalid-quantity' });
  });
  it('needs auto-renew on and says so', () => {
    const plan = planScheduledDecrease(terms({ autoRenewEnabled: false }), { quantity: 5 }, now);
    expect(plan).toMatchObject({ ok: false, reason: 'auto-renew-off' });
    if (plan.ok) throw new Error('expected refusal');
    expect(plan.message).toContain('Turn auto-renew on');
  });
  it('refuses once the term has ended: after its last day, not on it', () => {
    // Partner Center's end date is the term's last day: on 1 March the change can still be scheduled.
    expect(planScheduledDecrease(terms(), { quantity: 5 }, at('2027-03-01T23:59:00Z'))).toMatchObject({ ok: true });
    expect(planScheduledDecrease(terms(), { quantity: 5 }, at('2027-03-02T00:00:00Z'))).toMatchObject({ ok: false, reason: 'term-ended' });
  });
  it('refuses suspended subscriptions', () => {
    expect(planScheduledDecrease(terms({ status: 'suspended' }), { quantity: 5 }, now)).toMatchObject({ ok: false, reason: 'suspended' });
  });
});

describe('renew', () => {
  it('reopens the window with one lot of the full quantity at the renewal instant', () => {
    const before = staggered;
    const renewed = renew(before, '2027-03-01T00:00:00+00:00');
    expect(renewed.lots).toEqual([{ quantity: 15, purchasedAt: '2027-03-01T00:00:00.000Z' }]);
    expect(renewed.commitmentEndDate).toBe('2028-03-01T00:00:00.000Z');
    expect(planDecrease(before, { remove: 2, freeSeats: 5 }, at('2027-03-03T00:00:00Z'))).toMatchObject({
      ok: false,
      reason: 'outside-window',
    });
    expect(planDecrease(renewed, { remove: 2, freeSeats: 5 }, at('2027-03-03T00:00:00Z'))).toEqual({ ok: true, newQuantity: 13 });
    expect(canCancel(renewed, at('2027-03-07T23:59:59Z'))).toMatchObject({ ok: true });
    expect(canCancel(renewed, at('2027-03-08T00:00:00Z'))).toMatchObject({ ok: false });
    expect(before.lots).toHaveLength(3);
  });
  it('normalises the renewal instant given with an offset', () => {
    expect(renew(terms(), '2027-03-01T02:00:00+02:00').lots).toEqual([{ quantity: 10, purchasedAt: '2027-03-01T00:00:00.000Z' }]);
  });
  it('adds one month for monthly terms, clamping to the month end', () => {
    const monthly = (end: string) =>
      renew(terms({ termDuration: 'P1M', commitmentEndDate: end }), '2026-01-01T00:00:00Z').commitmentEndDate;
    expect(monthly('2026-01-31T00:00:00Z')).toBe('2026-02-28T00:00:00.000Z');
    expect(monthly('2028-01-31T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(monthly('2026-03-31T15:30:00Z')).toBe('2026-04-30T15:30:00.000Z');
    expect(monthly('2026-12-15T00:00:00Z')).toBe('2027-01-15T00:00:00.000Z');
    expect(monthly('2026-01-31')).toBe('2026-02-28T00:00:00.000Z');
  });
  it('adds one year for annual terms, Feb 29 going to Feb 28', () => {
    const annual = (end: string) => renew(terms({ commitmentEndDate: end }), '2026-01-01T00:00:00Z').commitmentEndDate;
    expect(annual('2028-02-29T00:00:00Z')).toBe('2029-02-28T00:00:00.000Z');
    expect(annual('2027-02-28T00:00:00Z')).toBe('2028-02-28T00:00:00.000Z');
  });
});

describe('daysUntilRenewal', () => {
  // Last day 30 March (Partner Center's inclusive end date): the term ends at 31 March 00:00 UTC.
  const t = terms({ commitmentEndDate: '2026-03-30T00:00:00Z' });
  it('rounds partial days up', () => {
    expect(daysUntilRenewal(t, at('2026-03-01T00:00:00Z'))).toBe(30);
    expect(daysUntilRenewal(t, at('2026-03-30T21:00:00Z'))).toBe(1);
    expect(daysUntilRenewal(t, at('2026-03-30T00:00:00Z'))).toBe(1);
  });
  it('is 0 at the end and negative after', () => {
    expect(daysUntilRenewal(t, at('2026-03-31T00:00:00Z'))).toBe(0);
    expect(daysUntilRenewal(t, at('2026-03-31T12:00:00Z'))).toBe(0);
    expect(daysUntilRenewal(t, at('2026-04-02T12:00:00Z'))).toBe(-2);
  });
  it('crosses a leap day', () => {
    expect(daysUntilRenewal(terms({ commitmentEndDate: '2028-02-29T00:00:00Z' }), at('2028-02-28T00:00:00Z'))).toBe(2);
  });
  it('takes an end with a time of day as the instant itself', () => {
    expect(daysUntilRenewal(terms({ commitmentEndDate: '2026-03-31T12:00:00Z' }), at('2026-03-30T12:00:00Z'))).toBe(1);
  });
});
