// Auto-decrease at renewal (a tenant's license settings): in the days before a Partner Center
// subscription renews, its seats for the next term are set to the seats people hold, through
// Partner Center's scheduled change for the next term (scheduledNextTermInstructions; the only
// way to shed seats after their 7-day window). Checked daily until the renewal, so a seat
// assigned meanwhile raises the schedule again: never below the assigned count. Each schedule is
// audited in the tenant's log and told once to its admins and to its partner's alert channel.
// A refusal by Partner Center (not an outage, which the next daily run simply retries) is told
// to the same people once per subscription and term, with Partner Center's reason and the fix.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ConnectorError, type CommercePort } from '../connectors/ports.js';
import { termEndMs } from '../domain/commitment.js';
import { renewalQuantity, type LicenseSettings } from '../domain/license-settings.js';
import type { Logger } from '../logger.js';
import type { AlertLedger } from '../storage/alert-ledger.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { RenewalAlertService } from './renewal-alerts.js';
import { md } from '../domain/plain-text.js';

const DAY_MS = 86_400_000;
const LEDGER_KIND = 'auto-decrease';
const REFUSAL_LEDGER_KIND = 'auto-decrease-refused';

/** A decrease scheduled for renewal, as the admins (and the partner) are told it. */
export interface RenewalDecreaseNotice {
  tenantId: string;
  subscriptionId: string;
  offerName: string;
  /** Seats now, and the seats it renews with. */
  quantity: number;
  renewalQuantity: number;
  /** The renewal day (UTC, YYYY-MM-DD). */
  renewsOn: string;
  /** The key that sends it once. */
  key: string;
}

/** Partner Center refused to schedule a decrease: what the admins (and the partner) are told, once per subscription and term. */
export interface RenewalDecreaseRefusal {
  tenantId: string;
  subscriptionId: string;
  offerName: string;
  /** Seats now, the seats the schedule asked for, and the seats it renews with as things stand. */
  quantity: number;
  renewalQuantity: number;
  renewsWith: number;
  renewsOn: string;
  /** Partner Center's reason in words (its error code named where the reference lists it). */
  reason: string;
  /** What to do about it. */
  fix: string;
  /** The key that sends it once. */
  key: string;
}

export interface RenewalDecreaseDeps {
  clock: Clock;
  tenants(): string[];
  settings: { of(tenantId: string): Promise<LicenseSettings> };
  renewals: Pick<RenewalAlertService, 'renewingWithFreeSeats'>;
  commerce: Pick<CommercePort, 'scheduleNextTerm'>;
  ledger: Pick<AlertLedger, 'claim'>;
  audit: AuditLog;
  /** Tells the tenant's admins and its partner's alert channel, once per notice key. */
  tell(notice: RenewalDecreaseNotice): Promise<void>;
  /** Tells the tenant's admins and its partner's alert channel that Partner Center refused, once per notice key. */
  tellRefusal(refusal: RenewalDecreaseRefusal): Promise<void>;
  log: Logger;
}

export class RenewalDecreaseService {
  constructor(private readonly d: RenewalDecreaseDeps) {}

  async run(now: Date = this.d.clock()): Promise<{ scheduled: number; failed: number }> {
    const counts = { scheduled: 0, failed: 0 };
    for (const tenantId of this.d.tenants()) {
      try {
        const settings = await this.d.settings.of(tenantId);
        if (!settings.autoDecrease) continue;
        const result = await this.tenant(tenantId, settings.decreaseDaysBeforeRenewal, now);
        counts.scheduled += result.scheduled;
        counts.failed += result.failed;
      } catch (error) {
        counts.failed++;
        this.d.log.warn({ err: error, tenantId }, 'auto-decrease: could not check this tenant');
      }
    }
    return counts;
  }

  private async tenant(tenantId: string, daysBefore: number, now: Date): Promise<{ scheduled: number; failed: number }> {
    const counts = { scheduled: 0, failed: 0 };
    const { renewing, seatsBySubscription } = await this.d.renewals.renewingWithFreeSeats(tenantId);
    for (const subscription of renewing) {
      const seats = seatsBySubscription[subscription.id];
      // Marketplace subscriptions renew on their vendor's terms; without auto-renew nothing renews;
      // a license Graph does not report has no known assigned count, so nothing is guessed.
      if (subscription.provider === 'marketplace' || !subscription.autoRenewEnabled || !seats) continue;
      const renewsAt = termEndMs(subscription.commitmentEndDate);
      if (renewsAt <= now.getTime() || renewsAt - now.getTime() > daysBefore * DAY_MS) continue;
      const scheduledBefore = subscription.scheduledNextTerm?.quantity;
      const assigned = Math.max(1, subscription.quantity - Math.min(seats.free, subscription.quantity));
      const target = renewalQuantity({
        quantity: subscription.quantity,
        free: seats.free,
        ...(scheduledBefore !== undefined && { scheduledQuantity: scheduledBefore }),
      });
      // Scheduled already at the assigned count (by an earlier run that may not have told anyone yet).
      if (target === undefined && scheduledBefore !== assigned) continue;
      const renewsOn = new Date(renewsAt).toISOString().slice(0, 10);
      const key = `${subscription.id}|${renewsOn}|${assigned}`;
      try {
        if (target !== undefined) await this.d.commerce.scheduleNextTerm(tenantId, subscription.id, target, changeIdFor(tenantId, key));
      } catch (error) {
        counts.failed++;
        this.d.log.warn({ err: error, tenantId, subscriptionId: subscription.id }, 'auto-decrease: Partner Center refused the schedule');
        // An outage or throttling is retried by tomorrow's run; a refusal is told, once per subscription and term.
        if (error instanceof ConnectorError && !error.transient && target !== undefined) {
          const refusalKey = `${subscription.id}|${renewsOn}`;
          const details = { offerName: subscription.offerName, quantity: target, code: error.details.code ?? error.kind };
          if (await this.d.ledger.claim(tenantId, REFUSAL_LEDGER_KIND, refusalKey, details, now))
            await this.d.tellRefusal({
              tenantId,
              subscriptionId: subscription.id,
              offerName: subscription.offerName,
              quantity: subscription.quantity,
              renewalQuantity: target,
              renewsWith: scheduledBefore ?? subscription.quantity,
              renewsOn,
              ...refusalReason(error),
              key: `${REFUSAL_LEDGER_KIND}|${refusalKey}`,
            });
        }
        continue;
      }
      if (!(await this.d.ledger.claim(tenantId, LEDGER_KIND, key, { offerName: subscription.offerName, quantity: assigned }, now)))
        continue;
      counts.scheduled++;
      await this.d.audit.record({
        tenantId,
        actorId: 'system',
        actorName: 'Quartermaster (license settings: auto-decrease)',
        action: 'subscription.renewal-decrease-scheduled',
        target: subscription.id,
        before: { quantity: subscription.quantity, scheduledQuantity: scheduledBefore ?? null },
        after: { scheduledQuantity: assigned, assigned, renewsOn, offer: subscription.offerName },
      });
      const notice = {
        tenantId,
        subscriptionId: subscription.id,
        offerName: subscription.offerName,
        quantity: subscription.quantity,
        renewalQuantity: assigned,
        renewsOn,
        key: `${LEDGER_KIND}|${key}`,
      };
      await this.d.tell(notice);
    }
    return counts;
  }
}

/** MS-RequestId of one schedule (a GUID from the tenant, subscription, renewal and quantity): a retry sends the same. */
function changeIdFor(tenantId: string, key: string): string {
  const hex = createHash('sha256').update(`quartermaster:auto-decrease:${tenantId.toLowerCase()}:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** What the admins and the partner read (a chat message: Partner Center's offer name is escaped). */
export function renewalDecreaseText(n: Omit<RenewalDecreaseNotice, 'key'>): string {
  const dropped = n.quantity - n.renewalQuantity;
  const seats = (count: number) => (count === 1 ? '1 seat' : `${count} seats`);
  const what =
    dropped > 0
      ? `${seats(dropped)} nobody uses will be dropped`
      : 'the decrease scheduled earlier was raised again, because more seats are assigned now';
  return md`Auto-decrease (license settings): ${n.offerName} renews on ${n.renewsOn} with ${seats(n.renewalQuantity)}, the seats people hold, instead of ${n.quantity}; ${what}. Seats assigned before the renewal raise it again. To keep every seat, turn auto-decrease off under license settings and drop the change scheduled on the subscription.`
    .text;
}

/**
 * Partner Center's refusal of a scheduled change in words, with the fix. The codes are those the
 * commerce reference lists (800060, 800090, 800091, 2002); anything else is Partner Center's own
 * description, with its code.
 */
export function refusalReason(error: ConnectorError): { reason: string; fix: string } {
  const theirs = error.vendorWords;
  const code = error.details.code;
  const scheduleYourself =
    'Set the seats for the renewal yourself with "Reduce at renewal" on the subscription (subscriptions, Manage), or turn auto-decrease off under license settings.';
  switch (error.kind) {
    case 'subscription-suspended':
      return {
        reason: 'the subscription is suspended, and Partner Center does not change a suspended subscription (800091)',
        fix: 'Reactivate the subscription (subscriptions, Manage); the next daily check schedules the decrease again.',
      };
    case 'quantity-out-of-range':
      return { reason: `that seat count is out of range for this offer (2002: ${theirs})`, fix: scheduleYourself };
    case 'cannot-decrease':
      return { reason: 'Partner Center would not decrease its seats (800090)', fix: scheduleYourself };
    case 'order-in-progress':
      return {
        reason: 'Partner Center is still processing an earlier change to this subscription (800060)',
        fix: 'Nothing to do now: the next daily check tries again; if this persists, check the subscription in Partner Center.',
      };
    case 'unauthorized':
      return {
        reason: `Partner Center refused the sign-in used for it (${theirs})`,
        fix: 'An admin of the Partner Center connection types connect and signs in to Partner Center again; the next daily check then tries again.',
      };
    case 'not-found':
      return {
        reason: 'Partner Center no longer finds this subscription',
        fix: 'Type subscriptions to see the current ones; nothing else is needed.',
      };
    default:
      return { reason: code !== undefined ? `${theirs} (${code})` : theirs, fix: scheduleYourself };
  }
}

/** What the admins and the partner read when Partner Center refused (a chat message: Partner Center's words are escaped). */
export function renewalDecreaseRefusalText(r: Omit<RenewalDecreaseRefusal, 'key' | 'tenantId'>): string {
  const seats = (count: number) => (count === 1 ? '1 seat' : `${count} seats`);
  return md`Auto-decrease (license settings) failed: Partner Center refused to schedule ${r.offerName} (subscription ${r.subscriptionId}) to renew on ${r.renewsOn} with ${seats(r.renewalQuantity)} instead of ${r.quantity}: ${r.reason}. Unless this is fixed before then, it renews with ${seats(r.renewsWith)}. Fix: ${r.fix}`
    .text;
}
