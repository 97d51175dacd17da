// `orders`: a tenant's Partner Center and marketplace orders, each with its items, its status
// and the request it came from (fulfilment records the order id on the request). Admins of the
// tenant see it; a partner admin sees a linked customer's through the partner workspace, which
// hands over an actor in the customer's tenant only after checking the link.
// Each item is priced at the customer's catalog price (with its partner's margin, the catalog's
// rule); what Partner Center charges (the cost) is given only when the caller asks for it, which
// only the partner's and reseller's views do.
import type { CommerceOrder, CommercePort, Price } from '../connectors/ports.js';
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
  /** A month of these seats at the customer's price (the catalog's, with its margin); absent when the catalog has no price. */
  monthlyPrice?: Price;
  /** A month of these seats at what Partner Center charges: only when asked with `withCost`. */
  monthlyCost?: Price;
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
    const itemOf = (offerId: string, quantity: number): OrderItem => {
      const offer = offers.get(offerId.toLowerCase());
      if (!offer) return { name: offerId, quantity };
      return {
        name: offer.name,
        quantity,
        monthlyPrice: monthlyCost(offer.unitPrice, quantity),
        ...(options.withCost ? { monthlyCost: monthlyCost(offer.cost ?? offer.unitPrice, quantity) } : {}),
      };
    };
    const lines: OrderLine[] = [];
    for (const order of orders) {
      const items = order.lineItems.map((l) => itemOf(l.offerId, l.quantity));
      const request = byOrder.get(order.id.toLowerCase());
      lines.push({ order, items, ...(request ? { request } : {}) });
    }
    return done(lines);
  }
}
