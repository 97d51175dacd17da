// Teams surface of the marketplace: the answer to a vendor's questions (order in Querying),
// and the Marketplace row of the connect card (API token, PO numbers per agreement). The
// services decide who may act and what is valid; the token typed into the card goes straight
// to the service, never echoed.
import { z } from 'zod';
import { REQUEST_ID_PATTERN } from '../domain/request.js';
import { ONLY_ADMINS_CONNECTIONS, type ConnectionService } from '../services/connections.js';
import type { VendorFulfilment } from '../services/vendor-fulfilment.js';
import type { RequestService } from '../services/requests.js';
import type { CardRenderer } from './cards.js';
import { connectionsOverview } from './connection-handlers.js';
import { connectionFormData } from './connection-views.js';
import { ANSWER_PREFIX, orderQueryCardData } from './order-query-views.js';
import { ADMINS, card, refusal, refuse, type ActionTurn, type Surface } from './surface.js';

export interface MarketplaceFeatureDeps {
  cards: CardRenderer;
  connections: ConnectionService;
  vendor?: VendorFulfilment;
  requests: RequestService;
}

const AnswerData = z
  .object({ requestId: z.string().regex(REQUEST_ID_PATTERN), orderId: z.string().regex(/^ORD-[0-9-]{4,40}$/) })
  .passthrough();
const TokenData = z.object({ marketplaceToken: z.string().max(1024) }).passthrough();
const PoData = z.object({ agreementId: z.string().regex(/^AGR-[0-9-]{4,40}$/) }).passthrough();

const BAD_CARD = 'This card sent something I cannot use. Type **connect** (or **my requests**) for a fresh one.';
const BAD_TOKEN = 'Enter the Marketplace API token (at most 512 characters).';

export function marketplaceFeature(surface: Surface, d: MarketplaceFeatureDeps): void {
  const answerOrderQuery = async ({ actor, data }: ActionTurn<z.infer<typeof AnswerData>>) => {
    if (!d.vendor) return refuse('invalid', BAD_CARD);
    const answers: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(data))
      if (key.startsWith(ANSWER_PREFIX) && key.length < 120) answers[key.slice(ANSWER_PREFIX.length)] = value;
    const result = await d.vendor.answer(actor, { requestId: data.requestId, orderId: data.orderId, answers });
    if (!result.ok) return refusal(result);
    const request = await d.requests.view(actor, data.requestId);
    const answered = {
      requestId: data.requestId,
      orderId: data.orderId,
      productName: request?.product.name ?? 'the product',
      beneficiaryName: request?.beneficiary.name ?? '',
      vendor: result.value.vendor,
      questions: [],
    };
    return card(d.cards.render('order-query', orderQueryCardData(answered, { canAnswer: false, note: result.message, noteColor: 'Good' })));
  };

  const connectMarketplace = async ({ actor, data }: ActionTurn<z.infer<typeof TokenData>>) => {
    const result = await d.connections.connectMarketplace(actor, data.marketplaceToken);
    if (!result.ok)
      return result.reason === 'invalid'
        ? card(
            d.cards.render(
              'connection-form',
              connectionFormData('marketplace', {}, { message: result.message, fields: { token: result.message } }),
            ),
          )
        : refusal(result);
    return connectionsOverview(d, actor, { text: result.message, color: result.value.state === 'connected' ? 'Good' : 'Warning' });
  };

  const setMarketplacePo = async ({ actor, data }: ActionTurn<z.infer<typeof PoData>>) => {
    const value = data[`po_${data.agreementId}`] ?? data.purchaseOrderNumber ?? '';
    if (typeof value !== 'string') return refuse('invalid', BAD_CARD);
    const result = await d.connections.setPurchaseOrderNumber(actor, data.agreementId, value);
    if (!result.ok)
      return result.reason === 'not-found' ? connectionsOverview(d, actor, { text: result.message, color: 'Warning' }) : refusal(result);
    return connectionsOverview(d, actor, { text: result.message, color: 'Good' });
  };

  const admins = { roles: ADMINS, refusal: ONLY_ADMINS_CONNECTIONS };
  surface.action({ verb: 'connectMarketplace', ...admins, schema: TokenData, badData: BAD_TOKEN, run: connectMarketplace });
  surface.action({ verb: 'setMarketplacePo', ...admins, schema: PoData, badData: BAD_CARD, run: setMarketplacePo });
  // The requester or an admin: the service decides.
  surface.action({ verb: 'answerOrderQuery', schema: AnswerData, badData: BAD_CARD, run: answerOrderQuery });
}
