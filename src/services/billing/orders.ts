// What Quartermaster ordered, as reconciliation sees it: every completed request that bought
// seats (a new order, seats added to a subscription, a marketplace order) and every admin's
// "add seats" change, with the price it was ordered at, its order id, subscription and PO number.
import type { KnownSubscription, OrderRecord } from '../../domain/billing/reconciliation.js';
import type { CommercePort } from '../../connectors/ports.js';
import type { RequestRepository, StoredRequest } from '../../storage/requests.js';
import type { CatalogService } from '../catalog.js';

export class BillingOrders {
  constructor(
    private readonly deps: {
      requests: Pick<RequestRepository, 'withStatus'>;
      catalog: Pick<CatalogService, 'offers'>;
      commerce: Pick<CommercePort, 'listSubscriptions'>;
    },
  ) {}

  /** The tenant's purchases through Quartermaster (completed requests), oldest first. */
  async orders(tenantId: string): Promise<OrderRecord[]> {
    const [completed, offers] = await Promise.all([
      this.deps.requests.withStatus(tenantId, 'completed'),
      this.deps.catalog.offers(tenantId).catch(() => []),
    ]);
    const cycles = new Map(offers.map((o) => [o.offerId.toLowerCase(), o.billingCycle] as const));
    return completed
      .map((request) => orderOf(request, cycles.get(request.product.offerId.toLowerCase()) ?? 'monthly'))
      .filter((o): o is OrderRecord => o !== undefined)
      .sort((a, b) => (a.placedOn < b.placedOn ? -1 : a.placedOn > b.placedOn ? 1 : 0));
  }

  /** The tenant's subscriptions with today's price per seat per month: what recurring charges are checked against. */
  async subscriptions(tenantId: string): Promise<KnownSubscription[]> {
    const [subscriptions, offers] = await Promise.all([
      this.deps.commerce.listSubscriptions(tenantId),
      this.deps.catalog.offers(tenantId).catch(() => []),
    ]);
    const byOffer = new Map(offers.map((o) => [o.offerId.toLowerCase(), o] as const));
    return subscriptions.map((s) => {
      const offer = byOffer.get(s.offerId.toLowerCase());
      return {
        id: s.id,
        offerId: s.offerId,
        name: s.offerName || offer?.name || s.offerId,
        billingCycle: s.billingCycle || offer?.billingCycle || 'monthly',
        ...(offer ? { monthlyUnitPrice: offer.unitPrice } : {}),
      };
    });
  }
}

function orderOf(request: StoredRequest, billingCycle: string): OrderRecord | undefined {
  const progress = request.fulfilment;
  const addSeats = request.change?.action === 'add-seats';
  if (!progress?.purchased && !addSeats) return undefined;
  const quantity = addSeats ? (request.change?.seats ?? request.quantity) : (progress?.purchasedQuantity ?? request.quantity);
  if (quantity <= 0) return undefined;
  const subscriptionId = progress?.subscriptionId ?? request.change?.subscriptionId;
  return {
    requestId: request.id,
    source: request.product.offerId.startsWith('mkt:') ? 'marketplace' : 'partner-center',
    ...(progress?.orderId ? { orderId: progress.orderId } : {}),
    ...(subscriptionId ? { subscriptionId } : {}),
    offerId: request.product.offerId,
    productName: request.product.name,
    quantity,
    monthlyUnitPrice: request.unitPrice,
    billingCycle: billingCycle === 'annual' ? 'annual' : 'monthly',
    ...(progress?.purchaseOrderNumber ? { purchaseOrderNumber: progress.purchaseOrderNumber } : {}),
    placedOn: request.updatedAt.slice(0, 10),
  };
}
