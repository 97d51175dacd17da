// What happens at the end of a new-commerce term (Partner Center, enforced since 4 May 2026 for
// subscriptions bought or renewed on or after 1 April 2025): auto-renew on → it renews; cancelled
// → it ends; auto-renew OFF and not cancelled → it does NOT end, it moves to a month-to-month
// Extended Service Term at +3 % over the monthly-term price (+23 % where the product has no
// monthly term). So turning auto-renew off is no longer a way to stop paying; what stops the
// charge is cancelling within the 7-day window (after a purchase or a renewal) or reducing at
// renewal. Marketplace subscriptions have no such term: without auto-renew they end (Adobe VIP:
// licenses expire at the anniversary).
import { parseUtc } from './commitment.js';

export const EST_UPLIFT_PERCENT = { monthlyTermExists: 3, noMonthlyTerm: 23 } as const;

export type TermEndOutcome =
  { kind: 'renews' } | { kind: 'ends' } | { kind: 'cancelled' } | { kind: 'extended-service-term'; upliftPercent: number };

export interface TermEndFacts {
  provider: 'partner-center' | 'marketplace';
  status: string;
  autoRenewEnabled: boolean;
  /** Does the product (same SKU) have a one-month term? Decides the EST uplift. */
  monthlyTermExists: boolean;
}

export function termEndOutcome(facts: TermEndFacts): TermEndOutcome {
  if (facts.status === 'deleted' || facts.status === 'expired') return { kind: 'cancelled' };
  if (facts.autoRenewEnabled) return { kind: 'renews' };
  if (facts.provider === 'marketplace') return { kind: 'ends' };
  return {
    kind: 'extended-service-term',
    upliftPercent: facts.monthlyTermExists ? EST_UPLIFT_PERCENT.monthlyTermExists : EST_UPLIFT_PERCENT.noMonthlyTerm,
  };
}

const day = (iso: string): string => new Date(parseUtc(iso)).toISOString().slice(0, 10);

/** One line for cards: what the term end on `endDate` brings. */
export function termEndText(outcome: TermEndOutcome, endDate: string): string {
  switch (outcome.kind) {
    case 'renews':
      return `Renews on ${day(endDate)} for another term`;
    case 'ends':
      return `Ends on ${day(endDate)} (auto-renew off)`;
    case 'cancelled':
      return 'Cancelled: nothing renews';
    case 'extended-service-term':
      return `Does not end on ${day(endDate)}: auto-renew is off, so it moves to a month-to-month Extended Service Term at +${outcome.upliftPercent} % and keeps being billed`;
  }
}

/** What actually stops the charge of a Partner Center subscription (auto-renew off does not). */
export function howToStopPaying(cancellationAllowedUntil: string | undefined, endDate: string): string {
  if (cancellationAllowedUntil)
    return `To stop paying, cancel it before ${day(cancellationAllowedUntil)} (inside its 7-day window, refunded).`;
  return `To stop paying, keep auto-renew on and cancel within 7 days after the renewal on ${day(endDate)} (the new term is refunded), or reduce the seats at renewal to what you need.`;
}

/** The warning on "Turn auto-renew off" for a Partner Center subscription. */
export function autoRenewOffWarning(outcome: TermEndOutcome, endDate: string, cancellationAllowedUntil?: string): string {
  if (outcome.kind !== 'extended-service-term') return '';
  return `Careful: since May 2026 Partner Center does not end a subscription whose auto-renew is off. On ${day(endDate)} it moves to a month-to-month Extended Service Term at +${outcome.upliftPercent} %, billed until it is cancelled. ${howToStopPaying(cancellationAllowedUntil, endDate)}`;
}

/** Subscriptions (auto-renew off, not cancelled, Partner Center) whose term ends within `noticeDays`. */
export function extendedServiceTermsDue<T extends { commitmentEndDate: string; outcome: TermEndOutcome }>(
  subscriptions: readonly T[],
  now: Date,
  noticeDays: number,
): T[] {
  return subscriptions.filter((s) => {
    if (s.outcome.kind !== 'extended-service-term') return false;
    const left = parseUtc(s.commitmentEndDate) - now.getTime();
    return left > 0 && left <= noticeDays * 24 * 60 * 60 * 1000;
  });
}
