// `orders`: a tenant's Partner Center and marketplace orders, each with its items, its status
// and the request it came from (fulfilment records the order id on the request). Admins of the
// tenant see it; a partner admin sees a linked customer's through the partner workspace, which
// hands over an actor in the customer's tenant only after checking the link.
// Each item shows the figures of its time, not today's: the price the customer was shown when
// the request was made (the request keeps its unit price, with the partner's margin of then),
// and, for the partner's and reseller's admins only, what Partner Center billed on the order
// itself. An order placed outside Quartermaster has no request: its price is today's catalog
// price, said so.
import type { BilledLine, CommerceOrder, CommercePort, Price } from '../connectors/ports.js';
import { monthlyCost } from '../domain/money.js';
import type { Actor } from '../domain/roles.js';
import type { RequestRepository, StoredRequest } from '../storage/requests.js';
import type { CatalogService } from './catalog.js';
import { done, refused, type Outcome } from './outcome.js';
import type { RoleService } from './roles.js';

export const ONLY_ADMINS_ORDERS = 'Only admins can see the orders of the organisation.';

/** Requests that may have placed an order: those that reached fulfilment. */
const ORDERING_STATUSES = ['fulfilling', 'completed', 'failed'] as const;

export interface OrderLine {
  order: CommerceOrder;
  /** Product names and seats, one per line item, with their monthly price when the catalog has one. */
  items: OrderItem[];
  /** The request the order was placed for; absent for an order placed outside Quartermaster. */
  request?: StoredRequest;
}

export interface OrderItem {
  name: string;
  quantity: number;
  /**
   * A month of these seats at the customer's price: as shown on the request when it was made
   * (`at-request`), else, for an order placed outside Quartermaster, today's catalog price with
   * today's margin (`catalog-today`); absent when neither is known.
   */
  price?: { monthly: Price; as: 'at-request' | 'catalog-today' };
  /**
   * Only when asked with `withCost`: what the provider billed for this line when the order was
   * placed (from the order), or `not-priced` when the order carries no price for it.
   */
  cost?: BilledLine | 'not-priced';
}

export class OrderHistory {
  constructor(private readonly d: { roles: RoleService; commerce: CommercePort; catalog: CatalogService; requests: RequestRepository }) {}

  /**
   * The tenant's orders. `withCost` adds what Partner Center charges beside the price: for the
   * partner's and reseller's admins only, never for the customer's own people.
   */
  async orders(actor: Actor, options: { withCost?: boolean } = {}): Promise<Outcome<OrderLine[]>> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_ORDERS);
    const tenantId = actor.tenantId;
    const [orders, requests] = await Promise.all([
      this.d.commerce.listCustomerOrders(tenantId),
      Promise.all(ORDERING_STATUSES.map((s) => this.d.requests.withStatus(tenantId, s))).then((lists) => lists.flat()),
    ]);
    const byOrder = new Map(requests.filter((r) => r.fulfilment?.orderId).map((r) => [r.fulfilment!.orderId!.toLowerCase(), r]));
    // One catalog read (and one margin read) for every item.
    const offers = new Map((await this.d.catalog.offers(tenantId)).map((o) => [o.offerId.toLowerCase(), o]));
    const itemOf = (line: CommerceOrder['lineItems'][number], request: StoredRequest | undefined): OrderItem => {
      const offer = offers.get(line.offerId.toLowerCase());
      // The request's own product: its unit price is what its requester was shown (margin included).
      const requested = request && request.product.offerId.toLowerCase() === line.offerId.toLowerCase() ? request : undefined;
      const price: OrderItem['price'] = requested
        ? { monthly: monthlyCost(requested.unitPrice, line.quantity), as: 'at-request' }
        : offer
          ? { monthly: monthlyCost(offer.unitPrice, line.quantity), as: 'catalog-today' }
          : undefined;
      return {
        name: offer?.name ?? requested?.product.name ?? line.offerId,
        quantity: line.quantity,
        ...(price ? { price } : {}),
        ...(options.withCost ? { cost: line.billed ?? 'not-priced' } : {}),
      };
    };
    const lines: OrderLine[] = [];
    for (const order of orders) {
      const request = byOrder.get(order.id.toLowerCase());
      const items = order.lineItems.map((l) => itemOf(l, request));
      lines.push({ order, items, ...(request ? { request } : {}) });
    }
    return done(lines);
  }
}
