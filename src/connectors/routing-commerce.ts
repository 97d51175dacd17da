// One CommercePort over two providers: Partner Center (Microsoft) and the Marketplace
// Platform (other vendors). Ids say where a call goes: marketplace offers are "mkt:...",
// its subscriptions "SUB-..." and orders "ORD-..."; everything else is Partner Center's.
// Lists merge both; a marketplace failure never hides the Partner Center half (logged,
// and the Partner Center result is returned alone).
import type { Logger } from '../logger.js';
import { isMarketplaceOfferId, isMarketplaceOrderId, isMarketplaceSubscriptionId } from './marketplace/marketplace-commerce.js';
import type { CatalogItem, CommerceOrder, CommercePort, CommerceSubscription, SubscriptionChange } from './ports.js';

export class RoutingCommerce implements CommercePort {
  constructor(
    private readonly partnerCenter: CommercePort,
    private readonly marketplace: CommercePort,
    private readonly log: Logger,
  ) {}

  async listOffers(customerId: string): Promise<CatalogItem[]> {
    const [pc, mkt] = await Promise.all([
      this.partnerCenter.listOffers(customerId),
      this.marketplaceOrEmpty('listOffers', () => this.marketplace.listOffers(customerId)),
    ]);
    return [...pc.map((o) => (o.provider ? o : { ...o, provider: 'partner-center' as const })), ...mkt];
  }

  async listSubscriptions(customerId: string): Promise<CommerceSubscription[]> {
    const [pc, mkt] = await Promise.all([
      this.partnerCenter.listSubscriptions(customerId),
      this.marketplaceOrEmpty('listSubscriptions', () => this.marketplace.listSubscriptions(customerId)),
    ]);
    return [...pc, ...mkt];
  }

  getSubscription(customerId: string, subscriptionId: string): Promise<CommerceSubscription> {
    return this.bySubscription(subscriptionId).getSubscription(customerId, subscriptionId);
  }

  setQuantity(customerId: string, subscriptionId: string, quantity: number, requestId: string): Promise<CommerceSubscription> {
    return this.bySubscription(subscriptionId).setQuantity(customerId, subscriptionId, quantity, requestId);
  }

  createOrder(
    customerId: string,
    line: { offerId: string; quantity: number; billingCycle: string; termDuration?: string },
    requestId: string,
  ): Promise<CommerceOrder> {
    return (isMarketplaceOfferId(line.offerId) ? this.marketplace : this.partnerCenter).createOrder(customerId, line, requestId);
  }

  getOrder(customerId: string, orderId: string): Promise<CommerceOrder> {
    return (isMarketplaceOrderId(orderId) ? this.marketplace : this.partnerCenter).getOrder(customerId, orderId);
  }

  async listCustomerOrders(customerId: string): Promise<CommerceOrder[]> {
    const [pc, mkt] = await Promise.all([
      this.partnerCenter.listCustomerOrders(customerId),
      this.marketplaceOrEmpty('listCustomerOrders', () => this.marketplace.listCustomerOrders(customerId)),
    ]);
    return [...pc, ...mkt].sort((a, b) => b.creationDate.localeCompare(a.creationDate));
  }

  updateSubscription(
    customerId: string,
    subscriptionId: string,
    change: SubscriptionChange,
    requestId: string,
  ): Promise<CommerceSubscription> {
    return this.bySubscription(subscriptionId).updateSubscription(customerId, subscriptionId, change, requestId);
  }

  scheduleNextTerm(customerId: string, subscriptionId: string, quantity: number | null, requestId: string): Promise<CommerceSubscription> {
    return this.bySubscription(subscriptionId).scheduleNextTerm(customerId, subscriptionId, quantity, requestId);
  }

  private bySubscription(subscriptionId: string): CommercePort {
    return isMarketplaceSubscriptionId(subscriptionId) ? this.marketplace : this.partnerCenter;
  }

  /** A tenant without a marketplace connection, or a marketplace outage, must not break the Microsoft half. */
  private async marketplaceOrEmpty<T>(call: string, run: () => Promise<T[]>): Promise<T[]> {
    try {
      return await run();
    } catch (error) {
      const e = error as { kind?: string; message?: string; details?: { code?: unknown } };
      if (e.details?.code !== 'not-connected')
        this.log.warn(
          { call, kind: e.kind, code: e.details?.code, reason: e.message },
          'marketplace unavailable; showing Partner Center only',
        );
      return [];
    }
  }
}
