// Teams surface of subscription management (admins): the list, one subscription with its
// actions, the confirmation, and the request a confirmed change becomes. Each handler checks
// what the card sent (cards can be forged or stale), calls SubscriptionService, and answers
// with a card in place of the one clicked.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { formatMoney } from '../domain/money.js';
import { QUANTITY_ACTIONS, SUBSCRIPTION_ACTIONS, type SubscriptionAction } from '../domain/subscription-change.js';
import type { TeamsRequestNotifier } from '../notify/request-notifier.js';
import { PAGE_SIZE, type SubscriptionService, type SubscriptionView } from '../services/subscriptions.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { commandArgument } from './commands.js';
import { approvalCardData } from './request-views.js';
import { actorOf } from './activity.js';
import { refuseInvoke, replaceCard, sendCard, UNKNOWN_ACTOR } from './replies.js';
import { subscriptionConfirmData, subscriptionDetailData, subscriptionListData, type DetailNote } from './subscription-views.js';

export interface SubscriptionHandlerDeps {
  cards: CardRenderer;
  subscriptions: SubscriptionService;
  notifier: TeamsRequestNotifier;
  /** Which Partner Center account a change goes to (sandbox or production), for the confirmation. */
  purchaseAccount?: (tenantId: string) => Promise<string | undefined>;
}

const NOT_ADMIN = 'Only admins can manage subscriptions. Type **help** to see the commands you can use.';
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

export function subscriptionHandlers(d: SubscriptionHandlerDeps) {
  const detail = (view: SubscriptionView, note?: DetailNote) => d.cards.render('subscription-detail', subscriptionDetailData(view, note));
  /** The acting admin, or undefined after answering why not. */
  const adminFromCard = async (context: TurnContext) => {
    const actor = actorOf(context.activity);
    if (!actor) return void (await refuseInvoke(context, UNKNOWN_ACTOR));
    if (!(await d.subscriptions.isAdmin(actor))) return void (await refuseInvoke(context, NOT_ADMIN));
    return actor;
  };

  return {
    /** "subscriptions" or "subscriptions visio". */
    async listCommand(context: TurnContext): Promise<void> {
      const actor = actorOf(context.activity);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      if (!(await d.subscriptions.isAdmin(actor))) return void (await context.sendActivity(NOT_ADMIN));
      const filter = commandArgument(context.activity.text, 'subscriptions').slice(0, 100);
      const views = await d.subscriptions.list(actor.tenantId, filter);
      await sendCard(context, d.cards.render('subscription-list', subscriptionListData(views, 0, PAGE_SIZE, filter)));
    },

    /** Previous / Next / Filter on the list. */
    async listPage(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = await adminFromCard(context);
      if (!actor) return NOT_ADMIN;
      const parsed = ListRequest.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const filter = parsed.data.filter.trim();
      const views = await d.subscriptions.list(actor.tenantId, filter);
      return replaceCard(context, d.cards.render('subscription-list', subscriptionListData(views, parsed.data.page, PAGE_SIZE, filter)));
    },

    async show(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = await adminFromCard(context);
      if (!actor) return NOT_ADMIN;
      const parsed = ShowRequest.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const view = await d.subscriptions.get(actor.tenantId, parsed.data.subscriptionId);
      if (!view)
        return refuseInvoke(context, 'I can’t find that subscription in your tenant. Type **subscriptions** to see the current list.');
      return replaceCard(context, detail(view));
    },

    /** "Review" on an action: the confirmation card, or the subscription with why not and what instead. */
    async prepare(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = await adminFromCard(context);
      if (!actor) return NOT_ADMIN;
      const parsed = ChangeRequest.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const { subscriptionId, action } = parsed.data;
      const seats = seatsFor(action, parsed.data);
      if (QUANTITY_ACTIONS.includes(action) && seats === undefined)
        return refuseInvoke(context, 'Enter a number of seats, then choose Review.');
      const result = await d.subscriptions.prepare(actor, subscriptionId, action, seats);
      if (result.ok) {
        const account = await d.purchaseAccount?.(actor.tenantId);
        return replaceCard(
          context,
          d.cards.render(
            'subscription-confirm',
            subscriptionConfirmData(
              result.view,
              result.change,
              result.summary,
              result.confirmationId,
              result.costDelta && formatMoney(result.costDelta),
              account,
            ),
          ),
        );
      }
      if (!result.view) return refuseInvoke(context, result.message);
      return replaceCard(
        context,
        detail(result.view, {
          text: result.message,
          color: 'Attention',
          ...(result.alternatives && { alternatives: result.alternatives }),
        }),
      );
    },

    /** "Confirm": becomes a request through the approval policies; the card then follows it. */
    async confirm(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = await adminFromCard(context);
      if (!actor) return NOT_ADMIN;
      const parsed = ConfirmRequest.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const { subscriptionId, action, seats, version, confirmationId, reason } = parsed.data;
      const result = await d.subscriptions.submit(actor, {
        subscriptionId,
        action,
        ...(QUANTITY_ACTIONS.includes(action) && seats !== undefined && { seats }),
        version,
        confirmationId,
        ...(reason !== undefined && { reason }),
      });
      if (!result.ok) {
        if (!result.view) return refuseInvoke(context, result.message);
        return replaceCard(
          context,
          detail(result.view, {
            text: result.message,
            color: 'Attention',
            ...(result.alternatives && { alternatives: result.alternatives }),
          }),
        );
      }
      const request = result.request;
      if (context.activity.replyToId) {
        await d.notifier.rememberCard(request, {
          conversationId: context.activity.conversation.id,
          activityId: context.activity.replyToId,
          audience: 'requester',
          viewerId: actor.aadObjectId,
          viewerTeamsId: context.activity.from.id,
        });
      }
      const card = approvalCardData(request, { aadObjectId: actor.aadObjectId });
      card.note =
        request.status === 'approved'
          ? 'Approved by policy; it is being applied now. I will tell you when it is done.'
          : 'Sent for approval. This card shows where it is.';
      return replaceCard(context, d.cards.render('approval', card));
    },
  };
}
