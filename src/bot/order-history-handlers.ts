// Teams surface of `orders`: a tenant's Partner Center and marketplace orders with their items,
// status and the request each came from. A customer's admin types `orders`; a partner admin types
// `orders <customer>` (or clicks Orders on the `customer` card) and sees it as that customer's admin.
import type { Actor } from '../domain/roles.js';
import { requestHeadline } from '../domain/request.js';
import type { OrderHistory, OrderLine } from '../services/order-history.js';
import { ONLY_ADMINS_ORDERS } from '../services/order-history.js';
import type { PartnerWorkspace } from '../services/partner-workspace.js';
import type { CardData, CardRenderer } from './cards.js';
import { ADMINS, answer, card, refusal, type CommandTurn, type Reply, type Surface, type Turn } from './surface.js';

export interface OrderHistoryFeatureDeps {
  cards: CardRenderer;
  orders: OrderHistory;
  partners: PartnerWorkspace;
}

const STATUS_TEXT = { pending: 'in progress', completed: 'completed', cancelled: 'cancelled or failed' } as const;

export function orderListData(title: string, lines: OrderLine[]): CardData['table-list'] {
  return {
    title,
    subtitle: 'Partner Center and marketplace orders, newest first, with the request each came from.',
    emptyText: 'No orders.',
    items: lines.map(({ order, items, request }) => ({
      heading: `${order.id} · ${order.creationDate.slice(0, 10) || 'date unknown'}`,
      facts: [
        {
          title: 'Status',
          value: order.providerStatus ? `${order.providerStatus} (${STATUS_TEXT[order.status]})` : STATUS_TEXT[order.status],
        },
        { title: 'Items', value: items.map((i) => `${i.name} × ${i.quantity}`).join('; ') || '—' },
        {
          title: 'Request',
          value: request
            ? `${request.id}: ${requestHeadline(request)}, requested by ${request.requester.name}`
            : 'none (placed outside Quartermaster)',
        },
      ],
    })),
  };
}

export function orderHistoryFeature(surface: Surface, d: OrderHistoryFeatureDeps): void {
  const list = async (actor: Actor, title: string): Promise<Reply> =>
    answer(await d.orders.orders(actor), (lines) => card(d.cards.render('table-list', orderListData(title, lines))));

  /** `orders`: the tenant's own; from a partner (or reseller) admin, `orders <customer>`: that linked (assigned) customer's, as its admin. */
  const command = async (turn: CommandTurn): Promise<Reply> => {
    const { actor, argument } = turn;
    const roles = await turn.roles();
    if (!argument.trim() || !(roles.includes('partner-admin') || roles.includes('reseller-admin'))) return list(actor, 'Orders');
    const customer = await d.partners.customerNamed(actor, argument);
    if (!customer.ok) return refusal(customer);
    const acting = await d.partners.actingFor(actor, customer.value.customerTenantId, 'command:orders');
    if (!acting.ok) return refusal(acting);
    return list(acting.value, `Orders of ${customer.value.companyName}`);
  };

  surface.command({ name: 'orders', refusal: ONLY_ADMINS_ORDERS, run: command });
  // "Orders" on the `customer` card (the click acts in the customer's tenant: see Surface.actOnBehalfWith).
  surface.action({ verb: 'showOrders', roles: ADMINS, refusal: ONLY_ADMINS_ORDERS, run: ({ actor }: Turn) => list(actor, 'Orders') });
}
