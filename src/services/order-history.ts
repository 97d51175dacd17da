// `orders`: a tenant's Partner Center and marketplace orders, each with its items, its status
// and the request it came from (fulfilment records the order id on the request). Admins of the
// tenant see it; a partner admin sees a linked customer's through the partner workspace, which
// hands over an actor in the customer's tenant only after checking the link.
import type { CommerceOrder, CommercePort } from '../connectors/ports.js';
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
  /** Product names and seats, one per line item. */
  items: { name: string; quantity: number }[];
  /** The request the order was placed for; absent for an order placed outside Quartermaster. */
  request?: StoredRequest;
}

export class OrderHistory {
  constructor(private readonly d: { roles: RoleService; commerce: CommercePort; catalog: CatalogService; requests: RequestRepository }) {}

  async orders(actor: Actor): Promise<Outcome<OrderLine[]>> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_ORDERS);
    const tenantId = actor.tenantId;
    const [orders, requests] = await Promise.all([
      this.d.commerce.listCustomerOrders(tenantId),
      Promise.all(ORDERING_STATUSES.map((s) => this.d.requests.withStatus(tenantId, s))).then((lists) => lists.flat()),
    ]);
    const byOrder = new Map(requests.filter((r) => r.fulfilment?.orderId).map((r) => [r.fulfilment!.orderId!.toLowerCase(), r]));
    const names = new Map<string, string>();
    const nameOf = async (offerId: string) => {
      if (!names.has(offerId)) names.set(offerId, (await this.d.catalog.offer(tenantId, offerId))?.name ?? offerId);
      return names.get(offerId)!;
    };
    const lines: OrderLine[] = [];
    for (const order of orders) {
      const items = await Promise.all(order.lineItems.map(async (l) => ({ name: await nameOf(l.offerId), quantity: l.quantity })));
      const request = byOrder.get(order.id.toLowerCase());
      lines.push({ order, items, ...(request ? { request } : {}) });
    }
    return done(lines);
  }
}
