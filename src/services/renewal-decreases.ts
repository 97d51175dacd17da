// Auto-decrease at renewal (a tenant's license settings): in the days before a Partner Center
// subscription renews, its seats for the next term are set to the seats people hold, through
// Partner Center's scheduled change for the next term (scheduledNextTermInstructions; the only
// way to shed seats after their 7-day window). Checked daily until the renewal, so a seat
// assigned meanwhile raises the schedule again: never below the assigned count. Each schedule is
// audited in the tenant's log and told once to its admins and to its partner's alert channel.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { CommercePort } from '../connectors/ports.js';
import { termEndMs } from '../domain/commitment.js';
import { renewalQuantity, type LicenseSettings } from '../domain/license-settings.js';
import type { Logger } from '../logger.js';
import type { AlertLedger } from '../storage/alert-ledger.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { RenewalAlertService } from './renewal-alerts.js';
import { md } from '../domain/plain-text.js';

const DAY_MS = 86_400_000;
const LEDGER_KIND = 'auto-decrease';

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
