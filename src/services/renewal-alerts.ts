// The daily renewal check: a subscription renewing within 30 days with unused seats is worth
// one card to the admins, because renewal is the moment its seats can be reduced. And a Partner
// Center subscription whose auto-renew is off and which is not cancelled gets one card before
// its end date: it does not end but moves to a paid Extended Service Term. One card per
// (subscription, date), recorded in the alert ledger before it goes out, so restarts, reruns
// and several instances never send it twice.
import type { CatalogOffer, CommerceSubscription, DirectoryPort } from '../connectors/ports.js';
import { monthlyCost } from '../domain/money.js';
import { DEFAULT_RENEWAL_NOTICE_DAYS, renewalsWithUnusedSeats, type RenewingSubscription } from '../domain/reclaim.js';
import type { Logger } from '../logger.js';
import type { AlertLedger } from '../storage/alert-ledger.js';
import type { AdminAlerts, RenewalAlert, TermEndAlert } from './admin-alerts.js';
import { parseUtc, toUtc } from '../domain/commitment.js';
import { extendedServiceTermsDue, howToStopPaying, termEndOutcome } from '../domain/extended-service-term.js';
import type { CatalogService } from './catalog.js';
import type { RoleService } from './roles.js';

const LEDGER_KIND = 'renewal';
const TERM_END_LEDGER_KIND = 'extended-service-term';

export interface RenewalAlertDeps {
  directory: DirectoryPort;
  commerce: { listSubscriptions(customerId: string): Promise<CommerceSubscription[]> };
  catalog: CatalogService;
  roles: RoleService;
  ledger: AlertLedger;
  alerts: AdminAlerts;
  log: Logger;
}

export class RenewalAlertService {
  constructor(private readonly deps: RenewalAlertDeps) {}

  async run(now: Date, noticeDays = DEFAULT_RENEWAL_NOTICE_DAYS): Promise<{ sent: number; alreadySent: number; failed: number }> {
    const counts = { sent: 0, alreadySent: 0, failed: 0 };
    // Linked customers without admins of their own too: their partner's channel gets the alert.
    for (const tenantId of await this.deps.roles.watchedTenants()) {
      try {
        for (const alert of await this.due(tenantId, now, noticeDays)) {
          const key = `${alert.id}|${alert.renewsAt.slice(0, 10)}`;
          if (
            !(await this.deps.ledger.claim(
              tenantId,
              LEDGER_KIND,
              key,
              { offerName: alert.offerName, free: alert.free, quantity: alert.quantity },
              now,
            ))
          ) {
            counts.alreadySent++;
            continue;
          }
          const reached = await this.deps.alerts.sendRenewal({ ...alert, tenantId });
          if (reached > 0) counts.sent++;
          // Nobody could be told (no admin has installed the bot yet): try again tomorrow.
          else await this.deps.ledger.release(tenantId, LEDGER_KIND, key);
        }
        for (const alert of await this.termEndsDue(tenantId, now, noticeDays)) {
          const key = `${alert.id}|${alert.endsAt.slice(0, 10)}`;
          if (
            !(await this.deps.ledger.claim(
              tenantId,
              TERM_END_LEDGER_KIND,
              key,
              { offerName: alert.offerName, uplift: alert.upliftPercent },
              now,
            ))
          ) {
            counts.alreadySent++;
            continue;
          }
          if ((await this.deps.alerts.sendTermEnd({ ...alert, tenantId })) > 0) counts.sent++;
          else await this.deps.ledger.release(tenantId, TERM_END_LEDGER_KIND, key);
        }
      } catch (error) {
        counts.failed++;
        this.deps.log.warn({ err: error, tenantId }, 'renewal alerts: could not check this tenant');
      }
    }
    return counts;
  }

  /** Partner Center subscriptions with auto-renew off, not cancelled, whose term ends within the notice period. */
  async termEndsDue(tenantId: string, now: Date, noticeDays = DEFAULT_RENEWAL_NOTICE_DAYS): Promise<Omit<TermEndAlert, 'tenantId'>[]> {
    const [subscriptions, offers] = await Promise.all([this.deps.commerce.listSubscriptions(tenantId), this.deps.catalog.offers(tenantId)]);
    const candidates = subscriptions
      .filter(
        (s): s is CommerceSubscription & { commitmentEndDate: string } => s.provider !== 'marketplace' && Boolean(s.commitmentEndDate),
      )
      .map((s) => {
        const offer = offers.find((o) => o.offerId.toLowerCase() === s.offerId.toLowerCase());
        const outcome = termEndOutcome({
          provider: 'partner-center',
          status: s.status,
          autoRenewEnabled: s.autoRenewEnabled,
          monthlyTermExists: offers.some(
            (o) => offer !== undefined && o.productId === offer.productId && o.skuId === offer.skuId && o.termDuration === 'P1M',
          ),
        });
        return { subscription: s, commitmentEndDate: s.commitmentEndDate, outcome };
      });
    return extendedServiceTermsDue(candidates, now, noticeDays).map(({ subscription: s, commitmentEndDate, outcome }) => ({
      id: s.id,
      offerName: s.offerName,
      quantity: s.quantity,
      endsAt: toUtc(commitmentEndDate),
      daysLeft: Math.max(1, Math.ceil((parseUtc(commitmentEndDate) - now.getTime()) / 86_400_000)),
      upliftPercent: outcome.kind === 'extended-service-term' ? outcome.upliftPercent : 0,
      message: howToStopPaying(s.cancellationAllowedUntil, commitmentEndDate),
    }));
  }

  /** Subscriptions of the tenant renewing soon with unused seats, with what a month of those seats costs. */
  async due(tenantId: string, now: Date, noticeDays = DEFAULT_RENEWAL_NOTICE_DAYS): Promise<Omit<RenewalAlert, 'tenantId'>[]> {
    const { renewing, seatsBySubscription, offers } = await this.renewingWithFreeSeats(tenantId);
    const terms: RenewingSubscription[] = renewing.map((s) => ({
      id: s.id,
      offerName: s.offerName,
      quantity: s.quantity,
      commitmentEndDate: s.commitmentEndDate,
      autoRenewEnabled: s.autoRenewEnabled,
    }));
    // A decrease already scheduled for the renewal answers the alert before it is sent.
    const scheduled = new Map(renewing.map((s) => [s.id, s.scheduledNextTerm?.quantity]));
    const offerOf = new Map(renewing.map((s) => [s.id, offers.find((o) => o.offerId.toLowerCase() === s.offerId.toLowerCase())] as const));
    return renewalsWithUnusedSeats(terms, seatsBySubscription, now, noticeDays)
      .filter((a) => !((scheduled.get(a.id) ?? Number.POSITIVE_INFINITY) <= a.suggestedQuantity))
      .map((a) => {
        const offer = offerOf.get(a.id);
        if (!offer) return a;
        // The customer's price carries its margin; the cost is what Partner Center charges.
        return {
          ...a,
          unusedMonthly: { price: monthlyCost(offer.unitPrice, a.free), cost: monthlyCost(offer.cost ?? offer.unitPrice, a.free) },
        };
      });
  }

  /**
   * The tenant's active subscriptions with a term end, and the seats of each nobody is assigned
   * (Graph counts them per license; the one renewing first gets them first, so none counts twice).
   */
  async renewingWithFreeSeats(tenantId: string): Promise<{
    renewing: (CommerceSubscription & { commitmentEndDate: string })[];
    seatsBySubscription: Record<string, { free: number }>;
    offers: CatalogOffer[];
  }> {
    const [subscriptions, skus, offers] = await Promise.all([
      this.deps.commerce.listSubscriptions(tenantId),
      this.deps.directory.listSubscribedSkus(tenantId),
      this.deps.catalog.offers(tenantId),
    ]);
    const skuPartOfOffer = new Map(offers.map((o) => [o.offerId.toLowerCase(), o.skuPartNumber.toLowerCase()]));
    const renewing = subscriptions.filter(
      (s): s is CommerceSubscription & { commitmentEndDate: string } => s.status === 'active' && Boolean(s.commitmentEndDate),
    );
    // Graph counts free seats per license, not per subscription: the one renewing first gets
    // them first (it is the first that can shed them), so no seat is counted twice.
    const seatsBySubscription: Record<string, { free: number }> = {};
    const bySku = new Map<string, typeof renewing>();
    for (const s of renewing) {
      const part = skuPartOfOffer.get(s.offerId.toLowerCase());
      if (part) bySku.set(part, [...(bySku.get(part) ?? []), s]);
    }
    for (const [part, subs] of bySku) {
      const sku = skus.find((k) => k.skuPartNumber.toLowerCase() === part);
      if (!sku) continue;
      let free = Math.max(0, sku.enabledUnits - sku.consumedUnits);
      for (const s of [...subs].sort((a, b) => a.commitmentEndDate.localeCompare(b.commitmentEndDate))) {
        const share = Math.min(free, s.quantity);
        seatsBySubscription[s.id] = { free: share };
        free -= share;
      }
    }
    return { renewing, seatsBySubscription, offers };
  }
}
