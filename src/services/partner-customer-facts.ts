// The figures of one customer tenant on its partner's `customers` card: subscriptions, what
// they cost a month (what Partner Center charges) and what the customer pays (with its margin),
// and requests still open. Read through the same ports the
// customer's own admins use (the customer's commerce calls go through its partner's connection).
// Only tenant ids the partner workspace already authorised are ever asked for.
import type { CommercePort } from '../connectors/ports.js';
import { add, formatMonthly, monthlyCost, type Money } from '../domain/money.js';
import { OPEN_STATUSES } from '../domain/request.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { AlertLedger } from '../storage/alert-ledger.js';
import type { RequestRepository } from '../storage/requests.js';
import type { CatalogService } from './catalog.js';

export interface CustomerFacts {
  subscriptions: string;
  /** What Partner Center charges a month (the partner's cost). */
  monthlyCost: string;
  /** What the customer's catalog prices it at a month (the cost with its margin; the same without one). */
  monthlyPrice: string;
  openRequests: string;
  /** Alerts sent about the tenant in the last ALERT_DAYS days (renewals, seats, connections, stuck orders, budgets). */
  alerts: string;
}

const ALERT_DAYS = 30;

export class PartnerCustomerFacts {
  constructor(
    private readonly d: {
      commerce: CommercePort;
      catalog: CatalogService;
      requests: RequestRepository;
      alerts: Pick<AlertLedger, 'sentSince'>;
      clock: Clock;
      log: Logger;
    },
  ) {}

  async of(customerTenantId: string): Promise<CustomerFacts> {
    const since = new Date(this.d.clock().getTime() - ALERT_DAYS * 86_400_000);
    const [subscriptions, openRequests, alerts] = await Promise.all([
      this.subscriptionFacts(customerTenantId),
      Promise.all(OPEN_STATUSES.map((s) => this.d.requests.withStatus(customerTenantId, s))).then((lists) => String(lists.flat().length)),
      this.d.alerts.sentSince(customerTenantId, since).then((n) => `${n} in the last ${ALERT_DAYS} days`),
    ]);
    return { ...subscriptions, openRequests, alerts };
  }

  private async subscriptionFacts(tenantId: string): Promise<Pick<CustomerFacts, 'subscriptions' | 'monthlyCost' | 'monthlyPrice'>> {
    try {
      const active = (await this.d.commerce.listSubscriptions(tenantId)).filter((s) => s.status === 'active' || s.status === 'suspended');
      const costs = new Map<string, Money>();
      const prices = new Map<string, Money>();
      const addTo = (totals: Map<string, Money>, value: Money) => {
        const before = totals.get(value.currency);
        totals.set(value.currency, before ? add(before, value) : value);
      };
      let unpriced = 0;
      // One catalog read (and one margin read) for every subscription.
      const offers = new Map((await this.d.catalog.offers(tenantId)).map((o) => [o.offerId.toLowerCase(), o]));
      for (const s of active) {
        const offer = offers.get(s.offerId.toLowerCase());
        if (!offer) {
          unpriced++;
          continue;
        }
        addTo(costs, monthlyCost(offer.cost ?? offer.unitPrice, s.quantity));
        addTo(prices, monthlyCost(offer.unitPrice, s.quantity));
      }
      const total = (totals: Map<string, Money>) => {
        const text = [...totals.values()].map(formatMonthly).join(' + ') || '—';
        return unpriced > 0 ? `${text} (${unpriced} without a catalog price)` : text;
      };
      return { subscriptions: String(active.length), monthlyCost: total(costs), monthlyPrice: total(prices) };
    } catch (error) {
      this.d.log.warn({ err: error, tenantId }, "a customer's subscriptions could not be read for its partner");
      return { subscriptions: 'cannot be read now', monthlyCost: '—', monthlyPrice: '—' };
    }
  }
}
