// An admin's change to a subscription: what it is, whether the new-commerce rules allow it
// now, how it reads on a card, and whether a card is stale. Pure; the window arithmetic is in
// commitment.ts. The confirmed change is stored on a request (LicenseRequest.change) so it
// goes through the same approval policies, exactly-once decisions and queue as a license.
import {
  canCancel,
  parseUtc,
  planDecrease,
  planIncrease,
  planScheduledDecrease,
  WINDOW_MS,
  type Alternative,
  type SeatLot,
  type SubscriptionStatus,
  type SubscriptionTerms,
} from './commitment.js';

export const SUBSCRIPTION_ACTIONS = [
  'add-seats',
  'remove-seats',
  'reduce-at-renewal',
  'cancel-scheduled-change',
  'suspend',
  'reactivate',
  'cancel',
  'auto-renew-on',
  'auto-renew-off',
] as const;
export type SubscriptionAction = (typeof SUBSCRIPTION_ACTIONS)[number];

/** Actions that take a number of seats from the admin. */
export const QUANTITY_ACTIONS: readonly SubscriptionAction[] = ['add-seats', 'remove-seats', 'reduce-at-renewal'];

/** What the subscription looked like when the admin confirmed: a change applies only to that. */
export interface SubscriptionSnapshot {
  quantity: number;
  status: SubscriptionStatus;
  autoRenewEnabled: boolean;
  /** Seats scheduled for the next term, when a change is scheduled. */
  scheduledQuantity?: number;
  commitmentEndDate: string;
}

export interface SubscriptionChange {
  subscriptionId: string;
  action: SubscriptionAction;
  /** Seats the admin typed: to add, to remove, or the quantity after renewal. */
  seats?: number;
  before: SubscriptionSnapshot;
  /** What it should look like afterwards (the idempotent target a retry aims for). */
  after: SubscriptionSnapshot;
}

/** The facts a plan needs beyond the terms: free seats of the license, known or not exactly. */
export interface ChangeContext {
  freeSeats: number;
  /** False when some removable seats were bought outside Quartermaster and Partner Center does not say how many. */
  removableExact: boolean;
}

export type ChangePlan =
  { ok: true; change: SubscriptionChange; summary: string } | { ok: false; message: string; alternatives: Alternative[] };

const seatsText = (n: number): string => `${n} seat${n === 1 ? '' : 's'}`;
const day = (iso: string): string => new Date(parseUtc(iso)).toISOString().slice(0, 10);

export function snapshotOf(terms: SubscriptionTerms & { scheduledQuantity?: number }): SubscriptionSnapshot {
  return {
    quantity: terms.quantity,
    status: terms.status,
    autoRenewEnabled: terms.autoRenewEnabled,
    ...(terms.scheduledQuantity !== undefined && { scheduledQuantity: terms.scheduledQuantity }),
    commitmentEndDate: terms.commitmentEndDate,
  };
}

/** A short fingerprint of a snapshot, carried on cards: a different one means the card is stale. */
export function snapshotVersion(snapshot: SubscriptionSnapshot): string {
  return [
    snapshot.quantity,
    snapshot.status,
    snapshot.autoRenewEnabled ? 'renew' : 'end',
    snapshot.scheduledQuantity ?? '-',
    day(snapshot.commitmentEndDate),
  ].join('|');
}

export function sameSnapshot(a: SubscriptionSnapshot, b: SubscriptionSnapshot): boolean {
  return snapshotVersion(a) === snapshotVersion(b);
}

/**
 * Checks an action against the rules and, when allowed, returns the change to confirm.
 * `seats` is required for the quantity actions and ignored by the others.
 */
export function planChange(
  terms: SubscriptionTerms & { scheduledQuantity?: number },
  subscriptionId: string,
  action: SubscriptionAction,
  seats: number | undefined,
  context: ChangeContext,
  now: Date,
): ChangePlan {
  const before = snapshotOf(terms);
  const allow = (after: Partial<SubscriptionSnapshot>, summary: string): ChangePlan => {
    const next = { ...before, ...after };
    if (after.scheduledQuantity === undefined && 'scheduledQuantity' in after) delete next.scheduledQuantity;
    return {
      ok: true,
      change: { subscriptionId, action, ...(seats !== undefined && QUANTITY_ACTIONS.includes(action) && { seats }), before, after: next },
      summary,
    };
  };
  const refuse = (message: string, alternatives: Alternative[] = []): ChangePlan => ({ ok: false, message, alternatives });
  if (QUANTITY_ACTIONS.includes(action) && (seats === undefined || !Number.isSafeInteger(seats)))
    return refuse('Enter a whole number of seats.');

  switch (action) {
    case 'add-seats': {
      const plan = planIncrease(terms, seats!);
      return plan.ok
        ? allow(
            { quantity: plan.newQuantity },
            `Add ${seatsText(seats!)}: ${terms.quantity} → ${plan.newQuantity}. The new seats can be removed again within 7 days.`,
          )
        : refuse(plan.message);
    }
    case 'remove-seats': {
      const plan = planDecrease(terms, { remove: seats!, freeSeats: context.freeSeats }, now);
      if (!plan.ok) return refuse(plan.message, plan.alternatives);
      const caveat = context.removableExact
        ? ''
        : ' Some of these seats were bought outside Quartermaster, so Partner Center has the last word on how many can go.';
      return allow(
        { quantity: plan.newQuantity },
        `Remove ${seatsText(seats!)}: ${terms.quantity} → ${plan.newQuantity}, refunded for the unused part of the term.${caveat}`,
      );
    }
    case 'reduce-at-renewal': {
      const plan = planScheduledDecrease(terms, { quantity: seats! }, now);
      if (!plan.ok) return refuse(plan.message, plan.alternatives);
      return allow(
        { scheduledQuantity: plan.quantity },
        `Renew with ${seatsText(plan.quantity)} instead of ${plan.previousQuantity} on ${day(plan.effectiveAt)}. Until then nothing changes.`,
      );
    }
    case 'cancel-scheduled-change': {
      if (terms.scheduledQuantity === undefined) return refuse('No change is scheduled for the renewal of this subscription.');
      return allow(
        { scheduledQuantity: undefined },
        `Renew with ${seatsText(terms.quantity)} as today, instead of the ${seatsText(terms.scheduledQuantity)} scheduled.`,
      );
    }
    case 'suspend': {
      if (terms.status === 'suspended') return refuse('This subscription is already suspended.');
      if (terms.status !== 'active') return refuse(`This subscription is ${terms.status}; only an active subscription can be suspended.`);
      return allow(
        { status: 'suspended' },
        'Suspend: people lose access to this product until it is reactivated. A suspended subscription is still billed, and its seats cannot be changed while suspended.',
      );
    }
    case 'reactivate': {
      if (terms.status !== 'suspended')
        return refuse(`This subscription is ${terms.status}, not suspended; there is nothing to reactivate.`);
      return allow({ status: 'active' }, 'Reactivate: people get access to this product again.');
    }
    case 'cancel': {
      const check = canCancel(terms, now);
      if (!check.ok) return refuse(check.message, check.alternatives);
      return allow(
        { status: 'deleted' },
        `Cancel the subscription: all ${seatsText(terms.quantity)} end now and people lose access, with a refund for the unused part. This is possible until ${check.until.slice(0, 16).replace('T', ' ')} UTC and cannot be undone.`,
      );
    }
    case 'auto-renew-on': {
      if (terms.autoRenewEnabled) return refuse('Auto-renew is already on.');
      if (terms.status !== 'active')
        return refuse(`This subscription is ${terms.status}; auto-renew can only be changed while it is active.`);
      return allow(
        { autoRenewEnabled: true },
        `Turn auto-renew on: the subscription renews on ${day(terms.commitmentEndDate)} with ${seatsText(terms.scheduledQuantity ?? terms.quantity)}.`,
      );
    }
    case 'auto-renew-off': {
      if (!terms.autoRenewEnabled) return refuse('Auto-renew is already off.');
      if (terms.status !== 'active')
        return refuse(`This subscription is ${terms.status}; auto-renew can only be changed while it is active.`);
      const dropped = terms.scheduledQuantity !== undefined ? ' The change scheduled for renewal is dropped with it.' : '';
      return allow(
        { autoRenewEnabled: false, scheduledQuantity: undefined },
        `Turn auto-renew off: the subscription ends on ${day(terms.commitmentEndDate)} and people lose access then.${dropped}`,
      );
    }
  }
}

/** "Add 5 seats" / "Reduce to 3 at renewal" — the headline of a change on cards and in lists. */
export function describeChange(change: Pick<SubscriptionChange, 'action' | 'seats' | 'before' | 'after'>): string {
  switch (change.action) {
    case 'add-seats':
      return `Add ${seatsText(change.seats ?? 0)} (${change.before.quantity} → ${change.after.quantity})`;
    case 'remove-seats':
      return `Remove ${seatsText(change.seats ?? 0)} (${change.before.quantity} → ${change.after.quantity})`;
    case 'reduce-at-renewal':
      return `Reduce to ${seatsText(change.seats ?? 0)} at renewal on ${day(change.before.commitmentEndDate)}`;
    case 'cancel-scheduled-change':
      return 'Drop the change scheduled for renewal';
    case 'suspend':
      return 'Suspend the subscription';
    case 'reactivate':
      return 'Reactivate the subscription';
    case 'cancel':
      return 'Cancel the subscription';
    case 'auto-renew-on':
      return 'Turn auto-renew on';
    case 'auto-renew-off':
      return 'Turn auto-renew off';
  }
}

/** Seats whose cost the change adds (for the approval policy); 0 for changes that save or cost nothing. */
export function seatsAdded(change: Pick<SubscriptionChange, 'action' | 'seats'>): number {
  return change.action === 'add-seats' ? (change.seats ?? 0) : 0;
}

/**
 * Where a change stands against the subscription as it is now, for fulfilment after approval
 * (possibly days later, possibly a retry after a crash): already done, still to do, or
 * overtaken by another change — then nothing is done and the admin reviews it again.
 */
export function progressOf(change: SubscriptionChange, current: SubscriptionSnapshot): 'done' | 'to-do' | 'changed' {
  const relevant = (s: SubscriptionSnapshot) => {
    switch (change.action) {
      case 'add-seats':
      case 'remove-seats':
        return [s.quantity, s.status];
      case 'reduce-at-renewal':
      case 'cancel-scheduled-change':
        return [s.quantity, s.status, s.autoRenewEnabled, s.scheduledQuantity ?? '-'];
      case 'suspend':
      case 'reactivate':
      case 'cancel':
        return [s.status];
      case 'auto-renew-on':
      case 'auto-renew-off':
        return [s.status, s.autoRenewEnabled];
    }
  };
  const same = (a: SubscriptionSnapshot, b: SubscriptionSnapshot) => JSON.stringify(relevant(a)) === JSON.stringify(relevant(b));
  if (same(current, change.after)) return 'done';
  if (same(current, change.before)) return 'to-do';
  return 'changed';
}

// ---------------------------------------------------------------------------------------
// Seat lots: how many seats are still inside their 7-day window
// ---------------------------------------------------------------------------------------

export interface RefundWindow {
  type: 'Full' | 'Partial';
  expiresAt: string;
}

/** How far apart our record of a purchase and Partner Center's refund expiry may be and still be the same lot. */
const MATCH_TOLERANCE_MS = 15 * 60_000;

/**
 * The subscription's seat lots, from Partner Center's refund windows and the lots Quartermaster
 * recorded when it bought seats. Partner Center says which windows are open but not how many
 * seats each covers, so:
 * - an open Full window (the purchase or renewal) means every seat is still removable;
 * - an open Partial window (a mid-term add) takes its size from our record of that purchase;
 * - an open Partial window we did not record (seats added in the portal) is counted as
 *   "up to" the seats not otherwise accounted for, and `exact` says so;
 * - a lot we recorded whose window Partner Center no longer lists is not removable.
 * The rest of the quantity is one lot whose window has closed.
 */
export function reconcileLots(
  quantity: number,
  refundOptions: readonly RefundWindow[],
  recorded: readonly SeatLot[],
  now: Date,
): { lots: SeatLot[]; exact: boolean } {
  const open = refundOptions.filter((option) => parseUtc(option.expiresAt) > now.getTime());
  const closedAt = new Date(now.getTime() - WINDOW_MS - 1).toISOString();
  const full = open.find((option) => option.type === 'Full');
  if (full) return { lots: [{ quantity, purchasedAt: startOf(full) }], exact: true };

  const lots: SeatLot[] = [];
  const unmatched: RefundWindow[] = [];
  const used = new Set<number>();
  for (const option of open) {
    const end = parseUtc(option.expiresAt);
    const index = recorded.findIndex(
      (lot, i) => !used.has(i) && Math.abs(parseUtc(lot.purchasedAt) + WINDOW_MS - end) <= MATCH_TOLERANCE_MS,
    );
    if (index === -1) {
      unmatched.push(option);
      continue;
    }
    used.add(index);
    lots.push({ quantity: recorded[index]!.quantity, purchasedAt: startOf(option) });
  }
  // The first purchase is outside its window (no open Full), so at least one seat is not removable.
  let rest = quantity - 1 - lots.reduce((sum, lot) => sum + lot.quantity, 0);
  if (rest < 0) {
    // Recorded lots larger than the subscription (seats removed since): trust the subscription.
    lots.splice(0, lots.length, ...shrink(lots, quantity - 1));
    rest = 0;
  }
  const earliestUnmatched = unmatched.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))[0];
  if (earliestUnmatched && rest > 0) lots.push({ quantity: rest, purchasedAt: startOf(earliestUnmatched) });
  const openSeats = lots.reduce((sum, lot) => sum + lot.quantity, 0);
  return {
    lots: [...lots, ...(quantity - openSeats > 0 ? [{ quantity: quantity - openSeats, purchasedAt: closedAt }] : [])],
    exact: !earliestUnmatched || rest === 0,
  };
}

const startOf = (option: RefundWindow): string => new Date(parseUtc(option.expiresAt) - WINDOW_MS).toISOString();

// Keeps the newest lots first when the recorded seats exceed what can be open.
function shrink(lots: readonly SeatLot[], max: number): SeatLot[] {
  const kept: SeatLot[] = [];
  let left = max;
  for (const lot of [...lots].sort((a, b) => b.purchasedAt.localeCompare(a.purchasedAt))) {
    if (left <= 0) break;
    kept.push({ ...lot, quantity: Math.min(lot.quantity, left) });
    left -= Math.min(lot.quantity, left);
  }
  return kept;
}
