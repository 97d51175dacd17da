import { describe, expect, it } from 'vitest';
import { canCancel, removableSeats, type SubscriptionTerms } from '../../src/domain/commitment.js';
import {
  describeChange,
  planChange,
  progressOf,
  reconcileLots,
  snapshotOf,
  snapshotVersion,
  type SubscriptionChange,
} from '../../src/domain/subscription-change.js';

const now = new Date('2026-03-10T12:00:00Z');
const terms = (
  overrides: Partial<SubscriptionTerms & { scheduledQuantity?: number }> = {},
): SubscriptionTerms & { scheduledQuantity?: number } => ({
  status: 'active',
  quantity: 10,
  lots: [{ quantity: 10, purchasedAt: '2026-01-01T00:00:00Z' }],
  commitmentEndDate: '2027-01-01T00:00:00Z',
  autoRenewEnabled: true,
  termDuration: 'P1Y',
  ...overrides,
});
const exact = { freeSeats: 4, removableExact: true };

describe('reconcileLots: sizes for Partner Center refund windows', () => {
  it('treats every seat as removable while the purchase (Full) window is open', () => {
    const { lots, exact: isExact } = reconcileLots(10, [{ type: 'Full', expiresAt: '2026-03-12T00:00:00Z' }], [], now);
    expect(isExact).toBe(true);
    expect(removableSeats({ ...terms(), lots }, now)).toEqual({ seats: 10, until: '2026-03-12T00:00:00.000Z' });
    expect(canCancel({ ...terms(), lots }, now).ok).toBe(true);
  });

  it('sizes a Partial window from the lot Quartermaster recorded (within minutes of the expiry)', () => {
    const recorded = [{ quantity: 3, purchasedAt: '2026-03-08T09:02:00Z' }];
    const { lots, exact: isExact } = reconcileLots(13, [{ type: 'Partial', expiresAt: '2026-03-15T09:00:00Z' }], recorded, now);
    expect(isExact).toBe(true);
    expect(removableSeats({ ...terms({ quantity: 13 }), lots }, now)).toEqual({ seats: 3, until: '2026-03-15T09:00:00.000Z' });
    // The purchase itself is past its window: no full cancel.
    expect(canCancel({ ...terms({ quantity: 13 }), lots }, now).ok).toBe(false);
  });

  it('counts an unrecorded Partial window as "up to" the seats not accounted for, and says it is not exact', () => {
    const { lots, exact: isExact } = reconcileLots(12, [{ type: 'Partial', expiresAt: '2026-03-14T00:00:00Z' }], [], now);
    expect(isExact).toBe(false);
    // At least the first purchased seat is outside its window.
    expect(removableSeats({ ...terms({ quantity: 12 }), lots }, now).seats).toBe(11);
  });

  it('ignores a recorded lot whose window Partner Center no longer lists (past or refunded)', () => {
    const recorded = [{ quantity: 3, purchasedAt: '2026-03-08T09:00:00Z' }];
    const { lots } = reconcileLots(13, [], recorded, now);
    expect(removableSeats({ ...terms({ quantity: 13 }), lots }, now).seats).toBe(0);
  });

  it('ignores expired refund options and caps recorded lots at the subscription size', () => {
    expect(
      removableSeats({ ...terms(), lots: reconcileLots(10, [{ type: 'Full', expiresAt: '2026-03-10T11:59:59Z' }], [], now).lots }, now)
        .seats,
    ).toBe(0);
    const { lots } = reconcileLots(
      4,
      [{ type: 'Partial', expiresAt: '2026-03-15T09:00:00Z' }],
      [{ quantity: 6, purchasedAt: '2026-03-08T09:00:00Z' }],
      now,
    );
    expect(removableSeats({ ...terms({ quantity: 4 }), lots }, now).seats).toBe(3);
  });
});

describe('planChange', () => {
  const open = terms({
    quantity: 12,
    lots: [
      { quantity: 10, purchasedAt: '2026-01-01T00:00:00Z' },
      { quantity: 2, purchasedAt: '2026-03-09T00:00:00Z' },
    ],
  });

  it('adds seats any time, with the new quantity as the target', () => {
    const plan = planChange(terms(), 'sub', 'add-seats', 5, exact, now);
    expect(plan).toMatchObject({ ok: true, change: { action: 'add-seats', seats: 5, before: { quantity: 10 }, after: { quantity: 15 } } });
    expect(plan.ok && describeChange(plan.change)).toBe('Add 5 seats (10 → 15)');
  });

  it('removes seats inside the window, and offers the renewal path outside it', () => {
    expect(planChange(open, 'sub', 'remove-seats', 2, exact, now)).toMatchObject({ ok: true, change: { after: { quantity: 10 } } });
    const refused = planChange(terms(), 'sub', 'remove-seats', 2, exact, now);
    expect(refused).toMatchObject({ ok: false, alternatives: ['reduce-at-renewal', 'turn-off-auto-renew'] });
    expect(!refused.ok && refused.message).toContain('800090');
  });

  it('never removes assigned seats', () => {
    expect(planChange(open, 'sub', 'remove-seats', 2, { freeSeats: 1, removableExact: true }, now)).toMatchObject({ ok: false });
  });

  it('warns when Partner Center has the last word on how many can go', () => {
    const plan = planChange(open, 'sub', 'remove-seats', 1, { freeSeats: 4, removableExact: false }, now);
    expect(plan.ok && plan.summary).toContain('Partner Center has the last word');
  });

  it('schedules a decrease for renewal and can drop it again', () => {
    const plan = planChange(terms(), 'sub', 'reduce-at-renewal', 6, exact, now);
    expect(plan).toMatchObject({ ok: true, change: { after: { quantity: 10, scheduledQuantity: 6 } } });
    expect(plan.ok && describeChange(plan.change)).toBe('Reduce to 6 seats at renewal on 2027-01-01');
    const dropped = planChange(terms({ scheduledQuantity: 6 }), 'sub', 'cancel-scheduled-change', undefined, exact, now);
    expect(dropped.ok && 'scheduledQuantity' in dropped.change.after).toBe(false);
    expect(planChange(terms(), 'sub', 'cancel-scheduled-change', undefined, exact, now).ok).toBe(false);
  });

  it('refuses a decrease at renewal when auto-renew is off', () => {
    expect(planChange(terms({ autoRenewEnabled: false }), 'sub', 'reduce-at-renewal', 6, exact, now)).toMatchObject({ ok: false });
  });

  it('suspends and reactivates; a suspended subscription refuses seat changes (800091)', () => {
    expect(planChange(terms(), 'sub', 'suspend', undefined, exact, now)).toMatchObject({
      ok: true,
      change: { after: { status: 'suspended' } },
    });
    const suspended = terms({ status: 'suspended' });
    expect(planChange(suspended, 'sub', 'reactivate', undefined, exact, now)).toMatchObject({
      ok: true,
      change: { after: { status: 'active' } },
    });
    const add = planChange(suspended, 'sub', 'add-seats', 1, exact, now);
    expect(!add.ok && add.message).toContain('800091');
    expect(planChange(terms(), 'sub', 'reactivate', undefined, exact, now).ok).toBe(false);
  });

  it('cancels only inside the window', () => {
    const fresh = terms({ lots: [{ quantity: 10, purchasedAt: '2026-03-08T00:00:00Z' }] });
    expect(planChange(fresh, 'sub', 'cancel', undefined, exact, now)).toMatchObject({ ok: true, change: { after: { status: 'deleted' } } });
    expect(planChange(terms(), 'sub', 'cancel', undefined, exact, now)).toMatchObject({
      ok: false,
      alternatives: ['turn-off-auto-renew', 'reduce-at-renewal'],
    });
  });

  it('toggles auto-renew, dropping a scheduled change with it', () => {
    const off = planChange(terms({ scheduledQuantity: 5 }), 'sub', 'auto-renew-off', undefined, exact, now);
    expect(off).toMatchObject({ ok: true, change: { after: { autoRenewEnabled: false } } });
    expect(off.ok && off.change.after.scheduledQuantity).toBeUndefined();
    expect(planChange(terms(), 'sub', 'auto-renew-on', undefined, exact, now).ok).toBe(false);
    expect(planChange(terms({ autoRenewEnabled: false }), 'sub', 'auto-renew-on', undefined, exact, now).ok).toBe(true);
  });

  it('asks for a whole number of seats', () => {
    expect(planChange(terms(), 'sub', 'add-seats', undefined, exact, now).ok).toBe(false);
    expect(planChange(terms(), 'sub', 'add-seats', 1.5, exact, now).ok).toBe(false);
    expect(planChange(terms(), 'sub', 'add-seats', 0, exact, now).ok).toBe(false);
    expect(planChange(terms(), 'sub', 'add-seats', 10_001, exact, now).ok).toBe(false);
  });
});

describe('progressOf: fulfilment after approval, retries and races', () => {
  const plan = planChange(terms(), 'sub', 'add-seats', 5, exact, now);
  const change = (plan as { change: SubscriptionChange }).change;

  it('is to-do before, done after, and changed when someone else moved it', () => {
    expect(progressOf(change, snapshotOf(terms()))).toBe('to-do');
    expect(progressOf(change, snapshotOf(terms({ quantity: 15 })))).toBe('done');
    expect(progressOf(change, snapshotOf(terms({ quantity: 11 })))).toBe('changed');
  });

  it('ignores fields the change does not touch (auto-renew for a seat change)', () => {
    expect(progressOf(change, snapshotOf(terms({ autoRenewEnabled: false })))).toBe('to-do');
  });
});

describe('snapshotVersion', () => {
  it('changes with anything a card shows', () => {
    const base = snapshotVersion(snapshotOf(terms()));
    expect(snapshotVersion(snapshotOf(terms()))).toBe(base);
    expect(snapshotVersion(snapshotOf(terms({ quantity: 11 })))).not.toBe(base);
    expect(snapshotVersion(snapshotOf(terms({ autoRenewEnabled: false })))).not.toBe(base);
    expect(snapshotVersion(snapshotOf(terms({ scheduledQuantity: 4 })))).not.toBe(base);
    expect(snapshotVersion(snapshotOf(terms({ status: 'suspended' })))).not.toBe(base);
  });
});
