// Teams surface of license requests: the request form, the approval card's buttons, the
// lists of one's requests and of those waiting for one's decision, and the admin console's
// policies, audit log and approvals channel. Each handler calls a service and shows its answer.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { isRequestIntent } from '../domain/request-text.js';
import type { AdminConsole } from '../services/admin-console.js';
import type { ApprovalService } from '../services/approvals.js';
import type { CatalogService } from '../services/catalog.js';
import type { RequestService } from '../services/requests.js';
import type { TeamsRequestNotifier } from '../notify/request-notifier.js';
import type { Logger } from '../logger.js';
import { tenantIdOf } from './activity.js';
import { auditListData, policyListData } from './admin-console-views.js';
import type { CardRenderer } from './cards.js';
import { channelNameOf } from './channel-names.js';
import { approvalCardData, requestFormData, requestLine } from './request-views.js';
import { sendCard } from './replies.js';
import { ADMINS, answer, card, refuse, text, type ActionTurn, type CommandTurn, type Surface, type Turn } from './surface.js';

export interface RequestFeatureDeps {
  cards: CardRenderer;
  requests: RequestService;
  approvals: ApprovalService;
  catalog: CatalogService;
  console: AdminConsole;
  notifier: TeamsRequestNotifier;
  log: Logger;
}

const RequestId = z.string().regex(/^REQ-[0-9A-F]{8}$/);
const RequestRef = z.object({ requestId: RequestId }).passthrough();
const Decision = z
  .object({ requestId: RequestId, stageIndex: z.coerce.number().int().min(0).max(20), comment: z.string().max(1000).optional() })
  .passthrough();

const BAD_CARD = 'This card sent something I cannot use. Open it again with "my requests" or "approvals".';
const NOT_FOUND = "I can't find that request.";
const requestCard = { schema: RequestRef, badData: BAD_CARD };

type StoredRequest = NonNullable<Awaited<ReturnType<RequestService['get']>>>;

export function requestFeature(surface: Surface, d: RequestFeatureDeps): void {
  /** The approval card as this viewer sees it (buttons only for whoever may decide now). */
  const viewFor = async ({ context, actor }: Turn, request: StoredRequest, note?: string) => {
    const freeSeats =
      request.status === 'pending' ? await d.catalog.freeSeatsForDisplay(request.tenantId, request.product.skuPartNumber) : undefined;
    const data = approvalCardData(request, { aadObjectId: actor.aadObjectId }, { ...(freeSeats !== undefined && { freeSeats }) });
    if (data.canDecide) data.refreshUserIds = [context.activity.from.id];
    if (note) data.note = note;
    return d.cards.render('approval', data);
  };

  /** "request", "request visio", "I need 2 Power BI Pro licenses": the form, pre-filled from the words. */
  const requestForm = async ({ context, actor }: CommandTurn) =>
    card(d.cards.render('request-form', requestFormData(await d.requests.draft(actor, context.activity.text ?? ''))));

  const submit = async (turn: ActionTurn<unknown>) => {
    const { context, actor } = turn;
    const { replyToId } = context.activity;
    // The form's own message: the card that shows the request from now on.
    const form = replyToId
      ? { conversationId: context.activity.conversation.id, activityId: replyToId, requesterTeamsId: context.activity.from.id }
      : undefined;
    const result = await d.requests.submit(actor, turn.data, form);
    if (!result.ok) return card(d.cards.render('request-form', requestFormData(result.form)));
    const note =
      result.request.status === 'approved'
        ? 'Approved automatically by policy. I will tell you when the license is assigned.'
        : 'Sent to the approvers. This card shows where it is.';
    return card(await viewFor(turn, result.request, note));
  };

  const decide = (decision: 'approve' | 'reject') => async (turn: ActionTurn<z.infer<typeof Decision>>) => {
    const { requestId, stageIndex, comment } = turn.data;
    const result = await d.approvals.decide(turn.actor, { requestId, stageIndex, decision, ...(comment !== undefined && { comment }) });
    if (result.ok) return card(await viewFor(turn, result.request));
    if (!result.request) return refuse('invalid', result.message);
    // Too late, not yours, or no comment: show where the request is now, and why.
    return card(await viewFor(turn, result.request, result.message));
  };

  const cancel = async (turn: ActionTurn<z.infer<typeof RequestRef>>) => {
    const result = await d.requests.cancel(turn.actor, turn.data.requestId);
    if (!result.request) return refuse('invalid', result.ok ? BAD_CARD : result.message);
    return card(await viewFor(turn, result.request, result.ok ? 'Cancelled.' : result.message));
  };

  /** Teams asks for the viewer's version of a card (refresh). */
  const refresh = async (turn: ActionTurn<z.infer<typeof RequestRef>>) => {
    const request = await d.requests.get(turn.actor.tenantId, turn.data.requestId);
    return request ? card(await viewFor(turn, request)) : refuse('not-found', NOT_FOUND);
  };

  /** "Open" in the approvals list: the full card as a new message, kept up to date. */
  const open = async (turn: ActionTurn<z.infer<typeof RequestRef>>) => {
    const { context, actor } = turn;
    const request = await d.requests.get(actor.tenantId, turn.data.requestId);
    if (!request) return refuse('not-found', NOT_FOUND);
    const sent = await sendCard(context, await viewFor(turn, request));
    const activityId = (sent as { id?: string } | undefined)?.id;
    if (activityId)
      await d.notifier.rememberCard(request, {
        conversationId: context.activity.conversation.id,
        activityId,
        audience: 'approver',
        viewerId: actor.aadObjectId,
        viewerTeamsId: context.activity.from.id,
      });
    return text('The request is shown below.');
  };

  const myRequests = async ({ actor }: Turn) =>
    card(
      d.cards.render('request-list', {
        title: 'Your requests',
        emptyText: 'You have no requests yet. Type "request" to ask for a license.',
        items: (await d.requests.mine(actor)).map((r) => ({
          ...requestLine(r),
          requestId: r.id,
          ...(r.status === 'pending' || r.status === 'approved'
            ? { actionTitle: 'Cancel', actionVerb: 'cancelRequest' }
            : { actionTitle: '', actionVerb: '' }),
        })),
      }),
    );

  const waitingForMe = async ({ actor }: Turn) =>
    card(
      d.cards.render('request-list', {
        title: 'Waiting for your decision',
        emptyText: 'Nothing is waiting for you.',
        items: (await d.requests.waitingFor(actor)).map((r) => ({
          ...requestLine(r),
          requestId: r.id,
          actionTitle: 'Open',
          actionVerb: 'showRequest',
        })),
      }),
    );

  const policies = async ({ actor }: Turn) =>
    answer(await d.console.policies(actor), (v) => card(d.cards.render('table-list', policyListData(v.policies, v.productNames))));

  const auditLog = async ({ actor, argument }: CommandTurn) =>
    answer(await d.console.audit(actor, argument), (v) => card(d.cards.render('table-list', auditListData(v.query, v.entries))));

  const setApprovalsChannel = async ({ context, actor }: CommandTurn) => {
    const conversation = context.activity.conversation;
    if (conversation.conversationType !== 'channel')
      return text('Type **set approvals channel** in the team channel where approval cards should go (mention me there first).');
    const channel = { id: conversation.id, name: await channelNameOf(context, d.log) };
    return answer(await d.console.setApprovalsChannel(actor, channel), (_, message) => text(message));
  };

  /** Free text that is no command but reads as a license request. */
  const isRequestText = async (context: TurnContext) => {
    const tenantId = tenantIdOf(context.activity);
    const typed = context.activity.text ?? '';
    if (!tenantId || !typed.trim()) return false;
    return isRequestIntent(typed) || isRequestIntent(typed, await d.catalog.offers(tenantId).catch(() => []));
  };

  surface.command({
    name: 'request',
    usage: 'request [product]',
    description: 'Ask for a license, e.g. "request visio" or "I need 2 Power BI Pro licenses"',
    run: requestForm,
  });
  surface.command({
    name: 'my requests',
    description: 'Your recent requests and where they are; cancel one while it waits',
    run: myRequests,
  });
  surface.command({ name: 'approvals', description: 'Requests waiting for your decision', run: waitingForMe });
  surface.command({ name: 'policies', description: 'The approval policies of your organisation', roles: ADMINS, run: policies });
  surface.command({
    name: 'audit',
    usage: 'audit [name or product]',
    description: 'Recent changes: who did what, when',
    roles: ADMINS,
    run: auditLog,
  });
  surface.command({
    name: 'set approvals channel',
    description: 'Type it in a team channel to post every approval card there too',
    roles: ADMINS,
    run: setApprovalsChannel,
  });
  surface.action({ verb: 'submitRequest', run: submit }); // the service checks every field and answers with the form
  surface.action({ verb: 'approveRequest', schema: Decision, badData: BAD_CARD, run: decide('approve') });
  surface.action({ verb: 'rejectRequest', schema: Decision, badData: BAD_CARD, run: decide('reject') });
  surface.action({ verb: 'cancelRequest', ...requestCard, run: cancel });
  surface.action({ verb: 'refreshRequest', ...requestCard, run: refresh });
  surface.action({ verb: 'showRequest', ...requestCard, run: open });
  surface.text({ name: 'a license request in words', matches: isRequestText, run: requestForm });
}
