// Teams surface of `orders`: a tenant's Partner Center and marketplace orders with their items,
// status and the request each came from. A customer's admin types `orders`; a partner admin types
// `orders <customer>` (or clicks Orders on the `customer` card) and sees it as that customer's admin,
// with what Partner Center billed on the order beside the price the customer was shown when it
// was requested; a customer's own admins see that price only.
import { formatMoney, formatMonthly } from '../domain/money.js';
import type { Actor } from '../domain/roles.js';
import { requestHeadline } from '../domain/request.js';
import type { OrderHistory, OrderItem, OrderLine } from '../services/order-history.js';
import { ONLY_ADMINS_ORDERS } from '../services/order-history.js';
import type { PartnerWorkspace } from '../services/partner-workspace.js';
import { actorOf } from './activity.js';
import type { CardData, CardRenderer } from './cards.js';
import { ADMINS, answer, card, refusal, type CommandTurn, type Reply, type Surface, type Turn } from './surface.js';

type CommerceOrder = OrderLine['order'];

export interface OrderHistoryFeatureDeps {
  cards: CardRenderer;
  orders: OrderHistory;
  partners: PartnerWorkspace;
}

const STATUS_TEXT = { pending: 'in progress', completed: 'completed', cancelled: 'cancelled or failed' } as const;

/** Who billed an order, for the words "billed by …" / "not priced by …". */
const billerOf = (order: CommerceOrder) => (order.provider === 'marketplace' ? 'the marketplace' : 'Partner Center');

/** " / year" or " / month" when the order says which period a price is for. */
const periodText = (per: 'month' | 'year' | undefined) => (per ? ` / ${per}` : '');

/** The customer's price of the time: as shown on the request, or today's catalog price said to be today's. */
function priceText(item: OrderItem): string {
  if (!item.price) return 'no catalog price';
  return `${formatMonthly(item.price.monthly)} ${item.price.as === 'at-request' ? 'when requested' : "at today's catalog price"}`;
}

/** What the order itself says was billed for the line, for the partner's eyes. */
function costText(cost: NonNullable<OrderItem['cost']>, order: CommerceOrder): string {
  if (cost === 'not-priced') return `cost not priced by ${billerOf(order)}`;
  const each = cost.unitPrice ? `, ${formatMoney(cost.unitPrice)} a seat` : '';
  return `billed ${formatMoney(cost.total)}${periodText(cost.per)} by ${billerOf(order)}${each}`;
}

/**
 * "Power BI Pro × 2 (30.80 USD / month when requested)"; for the partner's eyes the billed cost
 * first: "(billed 28.00 USD / month by Partner Center, 14.00 USD a seat; price 30.80 USD / month when requested)".
 */
function itemText(item: OrderItem, order: CommerceOrder): string {
  const seats = `${item.name} × ${item.quantity}`;
  return item.cost === undefined ? `${seats} (${priceText(item)})` : `${seats} (${costText(item.cost, order)}; price ${priceText(item)})`;
}

/** The order's billed total, shown beside the items when the cost is (partner and reseller admins). */
function billedTotalText(order: CommerceOrder): string {
  return order.totalPrice
    ? `${formatMoney(order.totalPrice)}${periodText(order.totalPer)} by ${billerOf(order)}`
    : `not priced by ${billerOf(order)}`;
}

/** Orders on one card: a card stays well under Teams' size limit (about 28 KB) however long the history. */
export const ORDERS_SHOWN = 25;

export function orderListData(title: string, lines: OrderLine[]): CardData['table-list'] {
  const shown = lines.slice(0, ORDERS_SHOWN);
  return {
    title,
    subtitle:
      lines.length > shown.length
        ? `Partner Center and marketplace orders, the ${shown.length} newest of ${lines.length}, with the request each came from. Older orders are in Partner Center and the Marketplace.`
        : 'Partner Center and marketplace orders, newest first, with the request each came from.',
    emptyText: 'No orders.',
    items: shown.map(({ order, items, request }) => ({
      heading: `${order.id} · ${order.creationDate.slice(0, 10) || 'date unknown'}`,
      facts: [
        {
          title: 'Status',
          value: order.providerStatus ? `${order.providerStatus} (${STATUS_TEXT[order.status]})` : STATUS_TEXT[order.status],
        },
        { title: 'Items', value: items.map((item) => itemText(item, order)).join('; ') || '—' },
        ...(items.some((item) => item.cost !== undefined) ? [{ title: 'Billed total', value: billedTotalText(order) }] : []),
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
