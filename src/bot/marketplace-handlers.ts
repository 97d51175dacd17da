// Teams surface of the marketplace: the answer to a vendor's questions (order in Querying),
// and the Marketplace row of the connect card (API token, PO numbers per agreement). Card
// data is checked here (cards can be forged); who may act and what is valid is decided by
// the services. The token typed into the card goes straight to the service, never echoed.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { ConnectionService } from '../services/connections.js';
import type { VendorFulfilment } from '../services/vendor-fulfilment.js';
import type { RequestService } from '../services/requests.js';
import type { CardRenderer } from './cards.js';
import { connectionsCardData } from './connection-views.js';
import { ANSWER_PREFIX, orderQueryCardData } from './order-query-views.js';
import { refuseInvoke, replaceCard, UNKNOWN_ACTOR } from './replies.js';
import { actorOf } from './activity.js';

export interface MarketplaceHandlerDeps {
  cards: CardRenderer;
  connections: ConnectionService;
  vendor?: VendorFulfilment;
  requests: RequestService;
}

const AnswerData = z
  .object({ requestId: z.string().regex(/^REQ-[0-9A-F]{8}$/), orderId: z.string().regex(/^ORD-[0-9-]{4,40}$/) })
  .passthrough();
const TokenData = z.object({ marketplaceToken: z.string().max(1024) }).passthrough();
const PoData = z.object({ agreementId: z.string().regex(/^AGR-[0-9-]{4,40}$/) }).passthrough();

const BAD_CARD = 'This card sent something I cannot use. Type **connect** (or **my requests**) for a fresh one.';

export function marketplaceHandlers(d: MarketplaceHandlerDeps) {
  const overview = async (context: TurnContext, note: { text: string; color: string }) => {
    const actor = actorOf(context.activity)!;
    const result = await d.connections.overview(actor);
    if (!result.ok) return refuseInvoke(context, result.message, 403);
    return replaceCard(context, d.cards.render('connections', connectionsCardData(result.value, note)));
  };

  return {
    async answerOrderQuery(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = AnswerData.safeParse(data);
      if (!parsed.success || !d.vendor) return refuseInvoke(context, BAD_CARD);
      const answers: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(data))
        if (key.startsWith(ANSWER_PREFIX) && key.length < 120) answers[key.slice(ANSWER_PREFIX.length)] = value;
      const result = await d.vendor.answer(actor, { ...parsed.data, answers });
      if (!result.ok) return refuseInvoke(context, result.message, result.status === 403 ? 403 : 400);
      const request = await d.requests.get(actor.tenantId, parsed.data.requestId);
      return replaceCard(
        context,
        d.cards.render(
          'order-query',
          orderQueryCardData(
            {
              requestId: parsed.data.requestId,
              orderId: parsed.data.orderId,
              productName: request?.product.name ?? 'the product',
              beneficiaryName: request?.beneficiary.name ?? '',
              vendor: result.vendor,
              questions: [],
            },
            { canAnswer: false, note: result.message, noteColor: 'Good' },
          ),
        ),
      );
    },

    async connectMarketplace(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = TokenData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, 'Enter the Marketplace API token (at most 512 characters).');
      const result = await d.connections.connectMarketplace(actor, parsed.data.marketplaceToken);
      if (!result.ok) return refuseInvoke(context, result.message, result.reason === 'forbidden' ? 403 : 400);
      return overview(context, { text: result.message, color: result.value.state === 'connected' ? 'Good' : 'Warning' });
    },

    async setMarketplacePo(context: TurnContext, _state: unknown, data: Record<string, unknown>) {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = PoData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const value = data[`po_${parsed.data.agreementId}`] ?? data.purchaseOrderNumber ?? '';
      if (typeof value !== 'string') return refuseInvoke(context, BAD_CARD);
      const result = await d.connections.setPurchaseOrderNumber(actor, parsed.data.agreementId, value);
      if (!result.ok)
        return result.reason === 'not-found'
          ? overview(context, { text: result.message, color: 'Warning' })
          : refuseInvoke(context, result.message, result.reason === 'forbidden' ? 403 : 400);
      return overview(context, { text: result.message, color: 'Good' });
    },
  };
}
