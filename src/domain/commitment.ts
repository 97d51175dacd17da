// New-commerce seat rules for admins changing a subscription. Pure: the caller passes the
// subscription's terms (with the seat lots it has recorded) and the time; nothing here calls
// Partner Center. Seats can be added any time; seats can be removed, or the subscription
// cancelled, only within 168 h of when those seats were bought (800090 otherwise). Each
// purchase, renewal or mid-term add is a lot with its own window.
//
// Times: inputs are ISO 8601 with a zone ("Z" or "+02:00") or a bare date (read as UTC
// midnight); a date-time without a zone is refused because JavaScript would read it as
// local time. Every time this module returns is UTC ("...Z").

export const WINDOW_HOURS = 168;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
export const WINDOW_MS = WINDOW_HOURS * HOUR_MS;
/** Most seats one change may add (Partner Center answers 2002 beyond its range). */
export const MAX_SEAT_CHANGE = 10000;

/** As Partner Center says it: `pending` = ordered and still being provisioned; `none` = no status given. */
export type SubscriptionStatus = 'active' | 'suspended' | 'deleted' | 'expired' | 'disabled' | 'pending' | 'none';

/** Seats bought together: a purchase, a renewal or a mid-term add. */
export interface SeatLot {
  quantity: number;
  /** UTC ISO 8601. */
  purchasedAt: string;
}

export interface SubscriptionTerms {
  status: SubscriptionStatus;
  quantity: number;
  lots: SeatLot[];
  /** When the current term ends (and renews if auto-renew is on). */
  commitmentEndDate: string;
  autoRenewEnabled: boolean;
  termDuration: 'P1M' | 'P1Y';
}

export type Alternative = 'reduce-at-renewal' | 'turn-off-auto-renew';

export type DecreaseRefusalReason =
  'outside-window' | 'more-than-free' | 'more-than-removable' | 'below-one' | 'suspended' | 'not-active' | 'invalid-quantity';

export type DecreasePlan =
  { ok: true; newQuantity: number } | { ok: false; reason: DecreaseRefusalReason; message: string; alternatives: Alternative[] };

export type IncreasePlan =
  { ok: true; newQuantity: number } | { ok: false; reason: 'suspended' | 'not-active' | 'invalid-quantity'; message: string };

export type CancelCheck =
  | { ok: true; until: string }
  | {
      ok: false;
      reason: 'outside-window' | 'no-purchase-recorded' | 'suspended' | 'not-active';
      message: string;
      alternatives: Alternative[];
    };

export type ScheduledDecreasePlan =
  | { ok: true; quantity: number; previousQuantity: number; effectiveAt: string }
  | {
      ok: false;
      reason: 'invalid-quantity' | 'below-one' | 'not-lower' | 'auto-renew-off' | 'term-ended' | 'suspended' | 'not-active';
      message: string;
      alternatives: Alternative[];
    };

const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Milliseconds since the epoch for an ISO time; throws RangeError when it has no zone or does not parse. */
export function parseUtc(value: string): number {
  const text = value.trim();
  if (!DATE_ONLY.test(text) && !HAS_ZONE.test(text))
    throw new RangeError(`Time "${value}" has no time zone; give it in UTC ("Z") or with an offset.`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`Time "${value}" is not a valid ISO 8601 time.`);
  return ms;
}

/**
 * The instant a term ends. Partner Center's commitmentEndDate is the term's last day
 * (inclusive), sent as midnight UTC: the term runs to the end of that day and renews the next
 * (bought 5 November monthly: last day 4 December, renews 5 December). A time with a time of
 * day is the end itself.
 */
export function termEndMs(commitmentEndDate: string): number {
  const ms = parseUtc(commitmentEndDate);
  return ms % DAY_MS === 0 ? ms + DAY_MS : ms;
}

/** The same instant written in UTC ("2026-03-01T10:00:00.000Z"). */
export function toUtc(value: string): string {
  return new Date(parseUtc(value)).toISOString();
}

/** When a lot's removal window closes: exactly 168 h after purchase. At that instant it is already closed. */
export function windowEnd(lot: SeatLot): string {
  return new Date(parseUtc(lot.purchasedAt) + WINDOW_MS).toISOString();
}

function isOpen(lot: SeatLot, now: Date): boolean {
  return now.getTime() < parseUtc(lot.purchasedAt) + WINDOW_MS;
}

/**
 * Seats that may still be removed at `now`: the sum of lots whose window is open, capped at
 * the subscription's quantity (lots can be stale after an earlier decrease), and the earliest
 * closing time among those lots, since after it fewer seats are removable.
 */
export function removableSeats(terms: SubscriptionTerms, now: Date): { seats: number; until?: string } {
  const open = terms.lots.filter((lot) => lot.quantity > 0 && isOpen(lot, now));
  if (open.length === 0) return { seats: 0 };
  const seats = Math.min(
    open.reduce((total, lot) => total + lot.quantity, 0),
    terms.quantity,
  );
  const until = Math.min(...open.map((lot) => parseUtc(lot.purchasedAt) + WINDOW_MS));
  return { seats, until: new Date(until).toISOString() };
}

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 1;

const formatDate = (iso: string): string => new Date(parseUtc(iso)).toISOString().slice(0, 10);
const formatTime = (iso: string): string => `${new Date(parseUtc(iso)).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const seatsText = (n: number): string => `${n} seat${n === 1 ? '' : 's'}`;

// What an admin can still do once the window is shut: schedule the decrease (needs auto-renew
// on, which the scheduled plan explains) or, when auto-renew is on, turn it off.
function renewalAlternatives(terms: SubscriptionTerms): Alternative[] {
  return terms.autoRenewEnabled ? ['reduce-at-renewal', 'turn-off-auto-renew'] : ['reduce-at-renewal'];
}

function statusRefusal(terms: SubscriptionTerms): { reason: 'suspended' | 'not-active'; message: string } | undefined {
  if (terms.status === 'suspended')
    return {
      reason: 'suspended',
      message:
        'This subscription is suspended, and a suspended subscription cannot be changed (Partner Center error 800091). Reactivate it first. Note that suspended subscriptions keep billing.',
    };
  if (terms.status !== 'active')
    return { reason: 'not-active', message: `This subscription is ${terms.status}, so its seats can no longer be changed.` };
  return undefined;
}

/**
 * Whether removing `remove` seats now is allowed. Refused when it would leave no seat, when
 * no seat is inside its 7-day window (800090), when more are asked than are removable, and
 * when more are asked than are free: removing assigned seats would unlicense people.
 */
export function planDecrease(terms: SubscriptionTerms, change: { remove: number; freeSeats: number }, now: Date): DecreasePlan {
  const refuse = (reason: DecreaseRefusalReason, message: string, alternatives: Alternative[] = []): DecreasePlan => ({
    ok: false,
    reason,
    message,
    alternatives,
  });
  if (!isCount(change.remove) || !Number.isInteger(change.freeSeats))
    return refuse('invalid-quantity', 'The number of seats to remove must be a whole number of at least 1.');
  const status = statusRefusal(terms);
  if (status) return refuse(status.reason, status.message);
  const newQuantity = terms.quantity - change.remove;
  if (newQuantity < 1)
    return refuse('below-one', `The subscription has ${seatsText(terms.quantity)}; at least 1 must stay. To end it, cancel it instead.`);
  const removable = removableSeats(terms, now);
  const renewal = `You can reduce the quantity at renewal on ${formatDate(terms.commitmentEndDate)}.`;
  if (removable.seats === 0) {
    return refuse(
      'outside-window',
      `Seats can only be removed within 7 days of buying them, and every seat on this subscription is past that (Partner Center error 800090). ${renewal}`,
      renewalAlternatives(terms),
    );
  }
  if (change.remove > removable.seats) {
    return refuse(
      'more-than-removable',
      `Only ${seatsText(removable.seats)} can be removed now (bought in the last 7 days; the window closes ${formatTime(removable.until ?? terms.commitmentEndDate)}). ${renewal}`,
      renewalAlternatives(terms),
    );
  }
  const free = Math.max(0, change.freeSeats);
  if (change.remove > free) {
    return refuse(
      'more-than-free',
      `Only ${seatsText(free)} ${free === 1 ? 'is' : 'are'} unassigned. Removing ${seatsText(change.remove)} would take licenses away from people: remove licenses from users first, then try again.`,
    );
  }
  return { ok: true, newQuantity };
}

/** Adding seats is allowed any time while active; the new seats form a lot with its own window. */
export function planIncrease(terms: SubscriptionTerms, add: number): IncreasePlan {
  if (!Number.isInteger(add) || add < 1 || add > MAX_SEAT_CHANGE)
    return {
      ok: false,
      reason: 'invalid-quantity',
      message: `The number of seats to add must be a whole number from 1 to ${MAX_SEAT_CHANGE}.`,
    };
  const status = statusRefusal(terms);
  if (status) return { ok: false, ...status };
  return { ok: true, newQuantity: terms.quantity + add };
}

/**
 * A full cancel is allowed only while every lot is inside its window, i.e. within 7 days of
 * the purchase or renewal and of any seats added since. `until` is when that stops.
 */
export function canCancel(terms: SubscriptionTerms, now: Date): CancelCheck {
  const status = statusRefusal(terms);
  if (status) return { ok: false, ...status, alternatives: [] };
  const lots = terms.lots.filter((lot) => lot.quantity > 0);
  // Fail closed: with no purchase on record we cannot show the window is open.
  if (lots.length === 0)
    return {
      ok: false,
      reason: 'no-purchase-recorded',
      message:
        'No purchase or renewal is recorded for this subscription, so it is not known whether it can still be cancelled. Refresh the subscription and try again.',
      alternatives: [],
    };
  if (lots.every((lot) => isOpen(lot, now))) {
    return { ok: true, until: new Date(Math.min(...lots.map((lot) => parseUtc(lot.purchasedAt) + WINDOW_MS))).toISOString() };
  }
  const end = formatDate(terms.commitmentEndDate);
  return terms.autoRenewEnabled
    ? {
        ok: false,
        reason: 'outside-window',
        message: `A subscription can only be cancelled within 7 days of its purchase or renewal, and this one is past that. Turn off auto-renew so it ends on ${end}, or reduce the quantity at renewal.`,
        alternatives: ['turn-off-auto-renew', 'reduce-at-renewal'],
      }
    : {
        ok: false,
        reason: 'outside-window',
        message: `A subscription can only be cancelled within 7 days of its purchase or renewal, and this one is past that. Auto-renew is already off, so it ends on ${end}.`,
        alternatives: [],
      };
}

/**
 * A decrease that takes effect at renewal (scheduledNextTermInstructions). Partner Center
 * applies it only if the subscription renews, so auto-renew must be on.
 */
export function planScheduledDecrease(terms: SubscriptionTerms, change: { quantity: number }, now: Date): ScheduledDecreasePlan {
  const refuse = (
    reason: Exclude<ScheduledDecreasePlan, { ok: true }>['reason'],
    message: string,
    alternatives: Alternative[] = [],
  ): ScheduledDecreasePlan => ({ ok: false, reason, message, alternatives });
  if (!Number.isInteger(change.quantity)) return refuse('invalid-quantity', 'The quantity after renewal must be a whole number.');
  const status = statusRefusal(terms);
  if (status) return refuse(status.reason, status.message);
  if (change.quantity < 1)
    return refuse('below-one', 'At least 1 seat must stay after renewal. To stop the subscription, turn off auto-renew instead.', [
      'turn-off-auto-renew',
    ]);
  if (change.quantity >= terms.quantity)
    return refuse('not-lower', `The subscription has ${seatsText(terms.quantity)}; a decrease at renewal must be to fewer than that.`);
  const effectiveAt = toUtc(terms.commitmentEndDate);
  if (now.getTime() >= termEndMs(effectiveAt))
    return refuse('term-ended', `The term ended on ${formatDate(effectiveAt)}. Refresh the subscription to see its new renewal date.`);
  if (!terms.autoRenewEnabled) {
    return refuse(
      'auto-renew-off',
      `A decrease at renewal needs auto-renew on, and it is off: the subscription ends on ${formatDate(effectiveAt)} instead of renewing. Turn auto-renew on to renew with ${seatsText(change.quantity)}.`,
    );
  }
  return { ok: true, quantity: change.quantity, previousQuantity: terms.quantity, effectiveAt };
}

// Adds calendar months in UTC, clamping to the month's last day (Jan 31 + 1 month = Feb 28,
// or Feb 29 in a leap year; Feb 29 + 1 year = Feb 28). The time of day is kept.
function addMonthsUtc(ms: number, months: number): number {
  const d = new Date(ms);
  const target = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(target / 12);
  const month = ((target % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(
    year,
    month,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/**
 * The terms after renewing at `at`: the commitment end moves one term on from the old end,
 * and the whole quantity becomes one lot bought at `at`, reopening the 7-day window.
 * Clamping is from the old end date alone, so a monthly Jan 31 end goes Feb 28 then Mar 28.
 */
export function renew(terms: SubscriptionTerms, at: string): SubscriptionTerms {
  const end = addMonthsUtc(parseUtc(terms.commitmentEndDate), terms.termDuration === 'P1Y' ? 12 : 1);
  return { ...terms, lots: [{ quantity: terms.quantity, purchasedAt: toUtc(at) }], commitmentEndDate: new Date(end).toISOString() };
}

/** Whole days until the term ends (termEndMs), rounded up (3 hours left is 1 day); 0 or less once it has passed. */
export function daysUntilRenewal(terms: Pick<SubscriptionTerms, 'commitmentEndDate'>, now: Date): number {
  return Math.ceil((termEndMs(terms.commitmentEndDate) - now.getTime()) / DAY_MS) || 0;
}
