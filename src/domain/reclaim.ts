// Reclaim suggestions: licensed people who have stopped signing in, and subscriptions about to
// renew with seats nobody uses (renewal is the moment a decrease is possible). Pure: the caller
// passes Graph users, subscriptions and seat counts, and the time.
import { daysUntilRenewal, parseUtc, termEndMs } from './commitment.js';

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_INACTIVE_DAYS = 90;
export const DEFAULT_RENEWAL_NOTICE_DAYS = 30;

export interface LicensedUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** signInActivity.lastSignInDateTime; absent when the user never signed in. */
  lastSignInAt?: string;
  /** When the account was created; a never-signed-in account younger than the cut-off is left alone. */
  createdAt?: string;
  licenses: { skuId: string; skuPartNumber: string }[];
}

export interface ReclaimCandidate {
  id: string;
  displayName: string;
  userPrincipalName: string;
  licenses: { skuId: string; skuPartNumber: string }[];
  neverSignedIn: boolean;
  lastSignInAt?: string;
  /** Whole days since the last sign-in; since creation (if known) for someone who never signed in. */
  daysInactive?: number;
}

const wholeDays = (from: number, now: Date): number => Math.floor((now.getTime() - from) / DAY_MS);

/**
 * Licensed users who have not signed in for at least `inactiveDays` whole days. Never signed
 * in counts as inactive (flagged `neverSignedIn`), unless the account is known to be newer
 * than the cut-off. Oldest first: never signed in, then by last sign-in, then by name.
 */
export function reclaimCandidates(
  users: readonly LicensedUser[],
  now: Date,
  inactiveDays: number = DEFAULT_INACTIVE_DAYS,
): ReclaimCandidate[] {
  const candidates: { candidate: ReclaimCandidate; lastMs: number }[] = [];
  for (const user of users) {
    if (user.licenses.length === 0) continue;
    const base = { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName, licenses: [...user.licenses] };
    if (user.lastSignInAt === undefined) {
      const createdDays = user.createdAt === undefined ? undefined : wholeDays(parseUtc(user.createdAt), now);
      // A new starter who has not signed in yet is not a reclaim candidate.
      if (createdDays !== undefined && createdDays < inactiveDays) continue;
      candidates.push({
        candidate: { ...base, neverSignedIn: true, ...(createdDays === undefined ? {} : { daysInactive: createdDays }) },
        lastMs: Number.NEGATIVE_INFINITY,
      });
      continue;
    }
    const lastMs = parseUtc(user.lastSignInAt);
    const days = wholeDays(lastMs, now);
    if (days < inactiveDays) continue;
    candidates.push({
      candidate: { ...base, neverSignedIn: false, lastSignInAt: new Date(lastMs).toISOString(), daysInactive: days },
      lastMs,
    });
  }
  return candidates
    .sort(
      (a, b) =>
        a.lastMs - b.lastMs ||
        a.candidate.displayName.localeCompare(b.candidate.displayName) ||
        a.candidate.id.localeCompare(b.candidate.id),
    )
    .map((entry) => entry.candidate);
}

export interface RenewingSubscription {
  id: string;
  offerName: string;
  quantity: number;
  commitmentEndDate: string;
  autoRenewEnabled: boolean;
}

export interface RenewalWithUnusedSeats {
  id: string;
  offerName: string;
  quantity: number;
  free: number;
  /** The commitment end, in UTC. */
  renewsAt: string;
  daysUntilRenewal: number;
  /** Quantity to schedule for the next term if every free seat goes (at least 1). */
  suggestedQuantity: number;
  message: string;
}

/**
 * Subscriptions that renew within `daysBefore` days (after now, at most that many days away)
 * with free seats: that is the moment a decrease is possible. Skipped: auto-renew off (they end
 * rather than renew), and subscriptions with no seat count (unknown is not "unused").
 * Soonest renewal first.
 */
export function renewalsWithUnusedSeats(
  subscriptions: readonly RenewingSubscription[],
  seatsBySubscription: Readonly<Record<string, { free: number }>>,
  now: Date,
  daysBefore: number = DEFAULT_RENEWAL_NOTICE_DAYS,
): RenewalWithUnusedSeats[] {
  const found: { result: RenewalWithUnusedSeats; endMs: number }[] = [];
  for (const sub of subscriptions) {
    if (!sub.autoRenewEnabled) continue;
    const seats = Object.hasOwn(seatsBySubscription, sub.id) ? seatsBySubscription[sub.id] : undefined;
    if (!seats || seats.free <= 0) continue;
    const endMs = termEndMs(sub.commitmentEndDate);
    const leftMs = endMs - now.getTime();
    if (leftMs <= 0 || leftMs > daysBefore * DAY_MS) continue;
    const free = Math.min(seats.free, sub.quantity);
    const days = daysUntilRenewal(sub, now);
    const renewsAt = new Date(endMs).toISOString();
    const suggestedQuantity = Math.max(1, sub.quantity - free);
    const when = days === 1 ? 'within a day' : `in ${days} days`;
    const advice =
      free >= sub.quantity
        ? 'None of its seats are used: turn off auto-renew to let it end, or reduce it to 1 seat at renewal.'
        : `Reduce it to ${suggestedQuantity} at renewal; after renewal, seats can only be removed in the first 7 days.`;
    found.push({
      endMs,
      result: {
        id: sub.id,
        offerName: sub.offerName,
        quantity: sub.quantity,
        free,
        renewsAt,
        daysUntilRenewal: days,
        suggestedQuantity,
        message: `${sub.offerName} renews ${when} (${renewsAt.slice(0, 10)}) with ${free} of ${sub.quantity} seat${sub.quantity === 1 ? '' : 's'} unused. ${advice}`,
      },
    });
  }
  return found.sort((a, b) => a.endMs - b.endMs || a.result.id.localeCompare(b.result.id)).map((entry) => entry.result);
}

/** A subscription whose seats the vendor assigns by e-mail (marketplace). */
export interface VendorSeatSubscription {
  subscriptionId: string;
  productName: string;
  vendor?: string;
  emails: readonly string[];
}

export interface DirectoryPerson {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string;
  lastSignInAt?: string;
}

export interface VendorSeatCandidate {
  subscriptionId: string;
  productName: string;
  vendor?: string;
  /** The seat's e-mail as the vendor has it. */
  email: string;
  /** False: no directory user has this e-mail (the holder left, or never existed). */
  inDirectory: boolean;
  userId?: string;
  displayName?: string;
  neverSignedIn: boolean;
  lastSignInAt?: string;
  daysInactive?: number;
}

/**
 * Vendor seats worth reclaiming: e-mails matching a directory user (userPrincipalName or mail,
 * any case) who has not signed in for `inactiveDays` whole days (never counts as inactive), and
 * e-mails matching nobody in the directory. Nobody-in-directory first, then oldest sign-in.
 */
export function vendorSeatCandidates(
  subscriptions: readonly VendorSeatSubscription[],
  people: readonly DirectoryPerson[],
  now: Date,
  inactiveDays: number = DEFAULT_INACTIVE_DAYS,
): VendorSeatCandidate[] {
  const byAddress = new Map<string, DirectoryPerson>();
  for (const person of people) {
    for (const address of [person.userPrincipalName, person.mail]) {
      const key = address?.trim().toLowerCase();
      if (key && !byAddress.has(key)) byAddress.set(key, person);
    }
  }
  const found: { candidate: VendorSeatCandidate; rank: number }[] = [];
  for (const sub of subscriptions) {
    const seen = new Set<string>();
    for (const email of sub.emails) {
      const key = email.trim().toLowerCase();
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const base = {
        subscriptionId: sub.subscriptionId,
        productName: sub.productName,
        ...(sub.vendor ? { vendor: sub.vendor } : {}),
        email,
      };
      const person = byAddress.get(key);
      if (!person) {
        found.push({ candidate: { ...base, inDirectory: false, neverSignedIn: false }, rank: Number.NEGATIVE_INFINITY });
        continue;
      }
      const who = { inDirectory: true, userId: person.id, displayName: person.displayName };
      if (person.lastSignInAt === undefined) {
        found.push({ candidate: { ...base, ...who, neverSignedIn: true }, rank: -Number.MAX_VALUE });
        continue;
      }
      const lastMs = parseUtc(person.lastSignInAt);
      const days = wholeDays(lastMs, now);
      if (days < inactiveDays) continue;
      found.push({
        candidate: { ...base, ...who, neverSignedIn: false, lastSignInAt: new Date(lastMs).toISOString(), daysInactive: days },
        rank: lastMs,
      });
    }
  }
  return found
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        a.candidate.productName.localeCompare(b.candidate.productName) ||
        a.candidate.email.localeCompare(b.candidate.email),
    )
    .map((entry) => entry.candidate);
}
