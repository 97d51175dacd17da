// Marketplace rules without I/O: what a usable API token and PO number look like, whether a
// vendor-assigned seat is free, the Adobe-style "downsize only after an anniversary" window,
// and checking a requester's answers to a vendor's questions (Querying) before they are sent.
import type { SubscriptionTerms } from './commitment.js';
import { planChange, snapshotOf, type ChangePlan, type SubscriptionAction } from './subscription-change.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Platform tokens are printable, without spaces (e.g. "idt:TKN-…:…"); length keeps junk and pastes of whole pages out. */
const TOKEN_SHAPE = /^[\x21-\x7e]{20,512}$/;

export function validateMarketplaceToken(input: unknown): Checked<string> {
  const token = typeof input === 'string' ? input.trim() : '';
  if (!token)
    return { ok: false, message: 'Enter the Marketplace API token (create one in the Marketplace portal under Settings > API tokens).' };
  if (!TOKEN_SHAPE.test(token))
    return {
      ok: false,
      message:
        'That does not look like a Marketplace API token: it is 20 to 512 characters without spaces. Copy it again from the Marketplace portal.',
    };
  return { ok: true, value: token };
}

/** The platform's "Additional ID": up to 50 characters; letters, digits and - _ / . # and spaces. Empty clears it. */
const PO_SHAPE = /^[A-Za-z0-9][A-Za-z0-9 \-_/.#]*$/;
export const PO_NUMBER_MAX = 50;

export function validatePurchaseOrderNumber(input: unknown): Checked<string> {
  const po = typeof input === 'string' ? input.trim() : '';
  if (po.length > PO_NUMBER_MAX) return { ok: false, message: `A PO number has at most ${PO_NUMBER_MAX} characters.` };
  if (po && !PO_SHAPE.test(po))
    return { ok: false, message: 'A PO number may hold letters, digits, spaces and - _ / . # (and starts with a letter or digit).' };
  return { ok: true, value: po };
}

/** Seats of a vendor-assigned subscription nobody holds yet. */
export function freeVendorSeats(subscription: { quantity: number; assignedEmails?: readonly string[] }): number {
  return Math.max(0, subscription.quantity - (subscription.assignedEmails?.length ?? 0));
}

export function holdsSeat(subscription: { assignedEmails?: readonly string[] }, email: string): boolean {
  return (subscription.assignedEmails ?? []).some((e) => e.toLowerCase() === email.toLowerCase());
}

export const ANNIVERSARY_WINDOW_DAYS = 14;

/**
 * Vendors whose seats may only go down (or the subscription end) shortly after an anniversary.
 * SoftwareOne documents it for Adobe VIP Marketplace ("Downsize and termination policies");
 * the platform's catalog says nothing of it, so the rule lives here.
 */
const ANNIVERSARY_DOWNSIZE_VENDORS = ['adobe'];
export const downsizeOnlyAtAnniversary = (vendorName: string): boolean =>
  ANNIVERSARY_DOWNSIZE_VENDORS.includes(vendorName.trim().toLowerCase());
const DAY_MS = 24 * 3600_000;

/**
 * Adobe VIP style: seats may only go down in the 14 days after an anniversary. `nextAnniversary`
 * is the subscription's commitment date; the last anniversary is a year before it.
 */
export function downsizeWindow(nextAnniversary: string, now: Date): { open: boolean; opensAt: string; closesAt: string } {
  const next = new Date(nextAnniversary);
  const last = new Date(next);
  last.setUTCFullYear(last.getUTCFullYear() - 1);
  const lastCloses = new Date(last.getTime() + ANNIVERSARY_WINDOW_DAYS * DAY_MS);
  const open = now >= last && now <= lastCloses;
  const opensAt = open ? last : next;
  return { open, opensAt: opensAt.toISOString(), closesAt: new Date(opensAt.getTime() + ANNIVERSARY_WINDOW_DAYS * DAY_MS).toISOString() };
}

/** A value the vendor asked for, as stored on the request while the order is Querying. */
export interface VendorQuestion {
  externalId: string;
  name: string;
  description: string;
  pattern?: string;
  options?: string[];
  /** The vendor's complaint about the previous answer. */
  error?: string;
}

/** Every question answered, each answer matching the vendor's pattern; the answers trimmed. */
export function checkAnswers(
  questions: readonly VendorQuestion[],
  answers: Record<string, unknown>,
): { ok: true; value: Record<string, string> } | { ok: false; message: string; fields: Record<string, string> } {
  const values: Record<string, string> = {};
  // Every answer's problem, by the question's externalId, so that a form shows each beside its field.
  const fields: Record<string, string> = {};
  for (const q of questions) {
    const problem = answerProblem(q, answers[q.externalId]);
    if (problem) fields[q.externalId] = problem;
    else values[q.externalId] = (answers[q.externalId] as string).trim();
  }
  const first = Object.values(fields)[0];
  return first === undefined ? { ok: true, value: values } : { ok: false, message: first, fields };
}

function answerProblem(q: VendorQuestion, raw: unknown): string | undefined {
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (!value) return `${q.name}: a value is needed.`;
  if (value.length > 500) return `${q.name}: at most 500 characters.`;
  if (q.options?.length && !q.options.includes(value)) return `${q.name}: choose one of ${q.options.join(', ')}.`;
  if (q.pattern && !safeTest(q.pattern, value)) return `${q.name}: "${value}" is not in the form the vendor needs. ${q.description}`;
  return undefined;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true; // a pattern we cannot read: the vendor checks the value itself
  }
}

// ---------------------------------------------------------------------------------------
// Admins' changes to a marketplace subscription (instead of the new-commerce rules)
// ---------------------------------------------------------------------------------------

/** What the marketplace lets an admin do (cancel = a Termination order); suspend and renewal schedules do not exist there. */
export function planVendorChange(
  terms: SubscriptionTerms & { scheduledQuantity?: number },
  subscriptionId: string,
  action: SubscriptionAction,
  seats: number | undefined,
  context: { freeSeats: number; downsizeOnlyAtAnniversary: boolean; anniversaryDate?: string; vendor: string },
  now: Date,
): ChangePlan {
  const refuse = (message: string): ChangePlan => ({ ok: false, message, alternatives: [] });
  switch (action) {
    case 'add-seats':
    case 'auto-renew-on':
    case 'auto-renew-off':
      return planChange(terms, subscriptionId, action, seats, { freeSeats: context.freeSeats, removableExact: true }, now);
    case 'remove-seats': {
      if (seats === undefined || !Number.isSafeInteger(seats) || seats < 1) return refuse('Enter a whole number of seats.');
      if (context.downsizeOnlyAtAnniversary && context.anniversaryDate) {
        const window = downsizeWindow(context.anniversaryDate, now);
        if (!window.open)
          return refuse(
            `${context.vendor} allows fewer seats only within ${ANNIVERSARY_WINDOW_DAYS} days after the subscription's anniversary: only within 14 days after ${window.opensAt.slice(0, 10)} (until ${window.closesAt.slice(0, 10)}). Nothing was ordered; remove the seats then, or turn off auto-renew.`,
          );
      }
      if (seats >= terms.quantity)
        return refuse(`A subscription keeps at least one seat (it has ${terms.quantity}). To end it, turn off auto-renew.`);
      if (seats > context.freeSeats)
        return refuse(
          `Only unassigned seats can go: ${context.freeSeats} of ${terms.quantity} are free. Remove people's seats in the vendor's admin console first.`,
        );
      const before = snapshotOf(terms);
      const quantity = terms.quantity - seats;
      return {
        ok: true,
        change: { subscriptionId, action, seats, before, after: { ...before, quantity } },
        summary: `Remove ${seats} seat${seats === 1 ? '' : 's'}: ${terms.quantity} → ${quantity}, by a Change order to ${context.vendor} through the Marketplace.`,
      };
    }
    case 'cancel': {
      // A Termination order: the vendor's anniversary rule applies to ending seats too.
      if (terms.status !== 'active') return refuse(`This subscription is ${terms.status}; only an active subscription can be cancelled.`);
      let until = '';
      if (context.downsizeOnlyAtAnniversary && context.anniversaryDate) {
        const window = downsizeWindow(context.anniversaryDate, now);
        if (!window.open)
          return refuse(
            `${context.vendor} allows this subscription to be cancelled only within ${ANNIVERSARY_WINDOW_DAYS} days after its anniversary: only within 14 days after ${window.opensAt.slice(0, 10)} (until ${window.closesAt.slice(0, 10)}). Nothing was ordered; cancel it then, or turn off auto-renew to end it at the anniversary.`,
          );
        until = ` This is possible until ${window.closesAt.slice(0, 10)} (${context.vendor}'s anniversary window).`;
      }
      const before = snapshotOf(terms);
      return {
        ok: true,
        change: { subscriptionId, action, before, after: { ...before, status: 'deleted' } },
        summary: `Cancel the subscription: all ${terms.quantity} seat${terms.quantity === 1 ? '' : 's'} end and people lose access once ${context.vendor} completes the Termination order placed through the Marketplace.${until} This cannot be undone.`,
      };
    }
    default:
      return refuse(
        `Marketplace subscriptions cannot be ${action === 'suspend' ? 'suspended' : 'changed at renewal'}: change the number of seats, cancel the subscription, or turn off auto-renew.`,
      );
  }
}
