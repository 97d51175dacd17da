// The figures of one customer tenant on its partner's `customers` card: subscriptions, what
// they cost a month at catalog prices, and requests still open. Read through the same ports the
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
  monthlyCost: string;
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

  private async subscriptionFacts(tenantId: string): Promise<Pick<CustomerFacts, 'subscriptions' | 'monthlyCost'>> {
    try {
      const active = (await this.d.commerce.listSubscriptions(tenantId)).filter((s) => s.status === 'active' || s.status === 'suspended');
      const totals = new Map<string, Money>();
      let unpriced = 0;
      for (const s of active) {
        const price = (await this.d.catalog.offer(tenantId, s.offerId))?.unitPrice;
        if (!price) {
          unpriced++;
          continue;
        }
        const cost = monthlyCost(price, s.quantity);
        const before = totals.get(cost.currency);
        totals.set(cost.currency, before ? add(before, cost) : cost);
      }
      const cost = [...totals.values()].map(formatMonthly).join(' + ') || '—';
      return {
        subscriptions: String(active.length),
        monthlyCost: unpriced > 0 ? `${cost} (${unpriced} without a catalog price)` : cost,
      };
    } catch (error) {
      this.d.log.warn({ err: error, tenantId }, "a customer's subscriptions could not be read for its partner");
      return { subscriptions: 'cannot be read now', monthlyCost: '—' };
    }
  }
}
