// Teams surface of subscription management (admins): the list, one subscription with its
// actions, the confirmation, and the request a confirmed change becomes. SubscriptionService
// checks the role and what is true now (cards can be stale); each answer replaces the card clicked.
import { z } from 'zod';
import { formatMoney } from '../domain/money.js';
import { QUANTITY_ACTIONS, SUBSCRIPTION_ACTIONS, type SubscriptionAction } from '../domain/subscription-change.js';
import type { RequestService } from '../services/requests.js';
import {
  ONLY_ADMINS_SUBSCRIPTIONS,
  PAGE_SIZE,
  type ChangeRefused,
  type SubscriptionService,
  type SubscriptionView,
} from '../services/subscriptions.js';
import type { CardRenderer } from './cards.js';
import { approvalCardData } from './request-views.js';
import { ADMINS, answer, card, refusal, refuse, type ActionTurn, type CommandTurn, type Surface } from './surface.js';
import { subscriptionConfirmData, subscriptionDetailData, subscriptionListData, type DetailNote } from './subscription-views.js';

export interface SubscriptionFeatureDeps {
  cards: CardRenderer;
  subscriptions: SubscriptionService;
  /** The confirmation card follows the request it became. */
  requests: Pick<RequestService, 'followCard'>;
  /** Which Partner Center account a change goes to (sandbox or production), for the confirmation. */
  purchaseAccount?: (tenantId: string) => Promise<string | undefined>;
}

const BAD_CARD = 'This card sent something I cannot use. Type **subscriptions** to start again.';

const SubscriptionId = z
  .string()
  .trim()
  .regex(/^[0-9A-Za-z-]{1,64}$/);
// Input.Number arrives as a number or a string, depending on the client; empty means not given.
const Seats = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.coerce.number().int().min(0).max(100_000).optional());
const ListRequest = z
  .object({ page: z.coerce.number().int().min(0).max(10_000).default(0), filter: z.string().max(100).default('') })
  .passthrough();
const ShowRequest = z.object({ subscriptionId: SubscriptionId }).passthrough();
const ChangeRequest = z
  .object({
    subscriptionId: SubscriptionId,
    action: z.enum(SUBSCRIPTION_ACTIONS),
    seats: Seats,
    quantity: Seats,
    addSeats: Seats,
    removeSeats: Seats,
    renewalSeats: Seats,
    alternativeSeats: Seats,
  })
  .passthrough();
const ConfirmRequest = z
  .object({
    subscriptionId: SubscriptionId,
    action: z.enum(SUBSCRIPTION_ACTIONS),
    seats: Seats,
    version: z.string().min(1).max(200),
    confirmationId: z.string().regex(/^[0-9a-f]{24}$/),
    reason: z.string().max(1000).optional(),
  })
  .passthrough();

/** The number the admin typed for this action: each input on the card has its own id. */
function seatsFor(action: SubscriptionAction, data: z.infer<typeof ChangeRequest>): number | undefined {
  if (!QUANTITY_ACTIONS.includes(action)) return undefined;
  if (action === 'add-seats') return data.addSeats ?? data.seats ?? data.quantity;
  if (action === 'remove-seats') return data.removeSeats ?? data.seats ?? data.quantity;
  return data.alternativeSeats ?? data.renewalSeats ?? data.seats ?? data.quantity;
}

export function subscriptionFeature(surface: Surface, d: SubscriptionFeatureDeps): void {
  const detail = (view: SubscriptionView, note?: DetailNote) => d.cards.render('subscription-detail', subscriptionDetailData(view, note));
  const listCard = (views: SubscriptionView[], page: number, filter: string) =>
    card(d.cards.render('subscription-list', subscriptionListData(views, page, PAGE_SIZE, filter)));
  /** Refused with the subscription as it is now: its card, with why not and what instead. */
  const refusedChange = (result: ChangeRefused) =>
    result.view
      ? card(
          detail(result.view, {
            text: result.message,
            color: 'Attention',
            ...(result.alternatives && { alternatives: result.alternatives }),
          }),
        )
      : refusal(result);

  /** "subscriptions" or "subscriptions visio". */
  const list = async ({ actor, argument }: CommandTurn) => {
    const filter = argument.slice(0, 100);
    return answer(await d.subscriptions.list(actor, filter), (views) => listCard(views, 0, filter));
  };

  /** Previous / Next / Filter on the list. */
  const listPage = async ({ actor, data }: ActionTurn<z.infer<typeof ListRequest>>) => {
    const filter = data.filter.trim();
    return answer(await d.subscriptions.list(actor, filter), (views) => listCard(views, data.page, filter));
  };

  const show = async ({ actor, data }: ActionTurn<z.infer<typeof ShowRequest>>) =>
    answer(await d.subscriptions.show(actor, data.subscriptionId), (view) => card(detail(view)));

  /** "Review" on an action: the confirmation card, or the subscription with why not and what instead. */
  const prepare = async ({ actor, data }: ActionTurn<z.infer<typeof ChangeRequest>>) => {
    const seats = seatsFor(data.action, data);
    if (QUANTITY_ACTIONS.includes(data.action) && seats === undefined)
      return refuse('invalid', 'Enter a number of seats, then choose Review.');
    const result = await d.subscriptions.prepare(actor, data.subscriptionId, data.action, seats);
    if (!result.ok) return refusedChange(result);
    const account = await d.purchaseAccount?.(actor.tenantId);
    const cost = result.costDelta && formatMoney(result.costDelta);
    return card(
      d.cards.render(
        'subscription-confirm',
        subscriptionConfirmData(result.view, result.change, result.summary, result.confirmationId, cost, account),
      ),
    );
  };

  /** "Confirm": becomes a request through the approval policies; the card then follows it. */
  const confirm = async ({ context, actor, data }: ActionTurn<z.infer<typeof ConfirmRequest>>) => {
    const { subscriptionId, action, seats, version, confirmationId, reason } = data;
    const result = await d.subscriptions.submit(actor, {
      subscriptionId,
      action,
      ...(QUANTITY_ACTIONS.includes(action) && seats !== undefined && { seats }),
      version,
      confirmationId,
      ...(reason !== undefined && { reason }),
    });
    if (!result.ok) return refusedChange(result);
    const request = result.request;
    if (context.activity.replyToId)
      await d.requests.followCard(actor, request.id, {
        conversationId: context.activity.conversation.id,
        activityId: context.activity.replyToId,
        audience: 'requester',
        viewerTeamsId: context.activity.from.id,
      });
    const view = approvalCardData(request, { aadObjectId: actor.aadObjectId });
    view.note =
      request.status === 'approved'
        ? 'Approved by policy; it is being applied now. I will tell you when it is done.'
        : 'Sent for approval. This card shows where it is.';
    return card(d.cards.render('approval', view));
  };

  const admins = { roles: ADMINS, refusal: ONLY_ADMINS_SUBSCRIPTIONS, badData: BAD_CARD };
  surface.command({ name: 'subscriptions', refusal: ONLY_ADMINS_SUBSCRIPTIONS, run: list });
  surface.action({ verb: 'listSubscriptions', ...admins, schema: ListRequest, run: listPage });
  surface.action({ verb: 'showSubscription', ...admins, schema: ShowRequest, run: show });
  surface.action({ verb: 'prepareSubscriptionChange', ...admins, schema: ChangeRequest, run: prepare });
  surface.action({ verb: 'confirmSubscriptionChange', ...admins, schema: ConfirmRequest, run: confirm });
}
