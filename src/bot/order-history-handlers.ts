// Teams surface of `orders`: a tenant's Partner Center and marketplace orders with their items,
// status and the request each came from. A customer's admin types `orders`; a partner admin types
// `orders <customer>` (or clicks Orders on the `customer` card) and sees it as that customer's admin,
// with what Partner Center charges beside each item's price; a customer's own admins see the price only.
import { formatMonthly } from '../domain/money.js';
import type { Actor } from '../domain/roles.js';
import { requestHeadline } from '../domain/request.js';
import type { OrderHistory, OrderItem, OrderLine } from '../services/order-history.js';
import { ONLY_ADMINS_ORDERS } from '../services/order-history.js';
import type { PartnerWorkspace } from '../services/partner-workspace.js';
import { actorOf } from './activity.js';
import type { CardData, CardRenderer } from './cards.js';
import { ADMINS, answer, card, refusal, type CommandTurn, type Reply, type Surface, type Turn } from './surface.js';

export interface OrderHistoryFeatureDeps {
  cards: CardRenderer;
  orders: OrderHistory;
  partners: PartnerWorkspace;
}

const STATUS_TEXT = { pending: 'in progress', completed: 'completed', cancelled: 'cancelled or failed' } as const;

/** "Power BI Pro × 2 (30.80 USD / month)", with the cost first for the partner's eyes. */
function itemText(item: OrderItem): string {
  const seats = `${item.name} × ${item.quantity}`;
  if (!item.monthlyPrice) return `${seats} (no catalog price)`;
  const price = formatMonthly(item.monthlyPrice);
  return item.monthlyCost ? `${seats} (cost ${formatMonthly(item.monthlyCost)}, price ${price})` : `${seats} (${price})`;
}

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
        { title: 'Items', value: items.map(itemText).join('; ') || '—' },
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
  /** `withCost`: the partner's or reseller's admin looking at a customer's orders. */
  const list = async (actor: Actor, title: string, withCost = false): Promise<Reply> =>
    answer(await d.orders.orders(actor, { withCost }), (lines) => card(d.cards.render('table-list', orderListData(title, lines))));

  /** `orders`: the tenant's own; from a partner (or reseller) admin, `orders <customer>`: that linked (assigned) customer's, as its admin. */
  const command = async (turn: CommandTurn): Promise<Reply> => {
    const { actor, argument } = turn;
    const roles = await turn.roles();
    if (!argument.trim() || !(roles.includes('partner-admin') || roles.includes('reseller-admin'))) return list(actor, 'Orders');
    const customer = await d.partners.customerNamed(actor, argument);
    if (!customer.ok) return refusal(customer);
    const acting = await d.partners.actingFor(actor, customer.value.customerTenantId, 'command:orders');
    if (!acting.ok) return refusal(acting);
    return list(acting.value, `Orders of ${customer.value.companyName}`, true);
  };

  surface.command({ name: 'orders', refusal: ONLY_ADMINS_ORDERS, run: command });
  // "Orders" on the `customer` card (the click acts in the customer's tenant: see Surface.actOnBehalfWith).
  // The surface admits another tenant's clicker only as a partner or reseller admin acting for its customer.
  surface.action({
    verb: 'showOrders',
    roles: ADMINS,
    refusal: ONLY_ADMINS_ORDERS,
    run: ({ actor, context }: Turn) =>
      list(actor, 'Orders', actorOf(context.activity)?.tenantId.toLowerCase() !== actor.tenantId.toLowerCase()),
  });
}
