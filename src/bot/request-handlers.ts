// Teams surface of license requests: the request form's Submit, the approval card's buttons,
// the lists of one's requests and of those waiting for one's decision, and the admin console's
// policies, audit log and approvals channel. Each handler calls a service and shows its answer.
// (`request` and requests in words are understood by language-handlers.ts, which shows the
// form and the cards made here.)
import { z } from 'zod';
import type { Actor } from '../domain/roles.js';
import { REQUEST_ID_PATTERN } from '../domain/request.js';
import type { AdminConsole } from '../services/admin-console.js';
import type { ApprovalService } from '../services/approvals.js';
import type { CatalogService } from '../services/catalog.js';
import type { RequestService, StoredRequest } from '../services/requests.js';
import type { Logger } from '../logger.js';
import { auditListData, policyListData } from './admin-console-views.js';
import type { CardRenderer } from './cards.js';
import { channelNameOf } from './channel-names.js';
import { approvalCardData, requestConfirmData, requestFormData, requestLine } from './request-views.js';
import { sendCard } from './replies.js';
import { ADMINS, answer, card, refusal, refuse, text, type ActionTurn, type CommandTurn, type Surface, type Turn } from './surface.js';

export interface RequestFeatureDeps {
  cards: CardRenderer;
  requests: RequestService;
  approvals: ApprovalService;
  catalog: CatalogService;
  console: AdminConsole;
  log: Logger;
}

const RequestId = z.string().regex(REQUEST_ID_PATTERN);
const RequestRef = z.object({ requestId: RequestId }).passthrough();
const Decision = z
  .object({ requestId: RequestId, stageIndex: z.coerce.number().int().min(0).max(20), comment: z.string().max(1000).optional() })
  .passthrough();

const BAD_CARD = 'This card sent something I cannot use. Open it again with "my requests" or "approvals".';
const NOT_FOUND = "I can't find that request.";
const requestCard = { schema: RequestRef, badData: BAD_CARD };

/** A request's card as this viewer sees it (buttons only for whoever may decide now). */
export async function requestCardFor(
  d: Pick<RequestFeatureDeps, 'cards' | 'catalog' | 'requests'>,
  { context, actor }: Turn,
  request: StoredRequest,
  note?: string,
) {
  const [freeSeats, quota] = await Promise.all([
    request.status === 'pending' ? d.catalog.freeSeatsForDisplay(request.tenantId, request.product.skuPartNumber) : undefined,
    d.requests.unitQuotaNow(request),
  ]);
  const data = approvalCardData(
    request,
    { aadObjectId: actor.aadObjectId },
    { ...(freeSeats !== undefined && { freeSeats }), ...(quota && { quota }) },
  );
  if (data.canDecide) data.refreshUserIds = [context.activity.from.id];
  if (note) data.note = note;
  return d.cards.render('approval', data);
}

/** "request visio", "I need 2 Power BI Pro licenses": the form, pre-filled from the words by the plain parser. */
export async function requestFormFromText(d: Pick<RequestFeatureDeps, 'cards' | 'requests'>, actor: Actor, words: string) {
  return card(d.cards.render('request-form', requestFormData(await d.requests.draft(actor, words))));
}

export function requestFeature(surface: Surface, d: RequestFeatureDeps): void {
  const viewFor = (turn: Turn, request: StoredRequest, note?: string) => requestCardFor(d, turn, request, note);

  const submit = async (turn: ActionTurn<unknown>) => {
    const { context, actor } = turn;
    const { replyToId } = context.activity;
    // The form's own message: the card that shows the request from now on.
    const form = replyToId
      ? { conversationId: context.activity.conversation.id, activityId: replyToId, requesterTeamsId: context.activity.from.id }
      : undefined;
    const result = await d.requests.submit(actor, turn.data, form);
    if (!result.ok && 'review' in result) return card(d.cards.render('request-confirm', requestConfirmData(result.review)));
    if (!result.ok) return card(d.cards.render('request-form', requestFormData(result.form)));
    const note =
      result.request.status === 'approved'
        ? `Approved automatically ${result.request.approvalWaived ? '(your license settings need no approval)' : 'by policy'}. I will tell you when the license is assigned.`
        : 'Sent to the approvers. This card shows where it is.';
    return card(await viewFor(turn, result.request, note));
  };

  /** "Change" on the review card: the form again, with what was typed. */
  const edit = async ({ actor, data }: ActionTurn<unknown>) =>
    card(d.cards.render('request-form', requestFormData(await d.requests.reopen(actor, data))));

  const decide = (decision: 'approve' | 'reject') => async (turn: ActionTurn<z.infer<typeof Decision>>) => {
    const { requestId, stageIndex, comment } = turn.data;
    const result = await d.approvals.decide(turn.actor, { requestId, stageIndex, decision, ...(comment !== undefined && { comment }) });
    if (result.ok) return card(await viewFor(turn, result.request));
    if (!result.request) return refusal(result);
    // Too late, not yours, or no comment: show where the request is now, and why.
    return card(await viewFor(turn, result.request, result.message));
  };

  const cancel = async (turn: ActionTurn<z.infer<typeof RequestRef>>) => {
    const result = await d.requests.cancel(turn.actor, turn.data.requestId);
    if (result.ok) return card(await viewFor(turn, result.request, 'Cancelled.'));
    // Not yours, or too late: the request as it is now, and why.
    return result.request ? card(await viewFor(turn, result.request, result.message)) : refusal(result);
  };

  /** Teams asks for the viewer's version of a card (refresh). */
  const refresh = async (turn: ActionTurn<z.infer<typeof RequestRef>>) => {
    const request = await d.requests.view(turn.actor, turn.data.requestId);
    return request ? card(await viewFor(turn, request)) : refuse('not-found', NOT_FOUND);
  };

  /** "Open" in the approvals list: the full card as a new message, kept up to date. */
  const open = async (turn: ActionTurn<z.infer<typeof RequestRef>>) => {
    const { context, actor } = turn;
    const request = await d.requests.view(actor, turn.data.requestId);
    if (!request) return refuse('not-found', NOT_FOUND);
    const sent = await sendCard(context, await viewFor(turn, request));
    const activityId = (sent as { id?: string } | undefined)?.id;
    if (activityId)
      await d.requests.followCard(actor, request.id, {
        conversationId: context.activity.conversation.id,
        activityId,
        audience: 'approver',
        viewerTeamsId: context.activity.from.id,
      });
    return text('The request is shown below.');
  };

  const myRequestsCard = async (actor: Turn['actor'], note?: { text: string; color: 'Good' | 'Warning' }) =>
    card(
      d.cards.render('request-list', {
        title: 'Your requests',
        emptyText: 'You have no requests yet. Type "request" to ask for a license.',
        note: note?.text ?? '',
        noteColor: note?.color ?? 'Default',
        listed: '',
        items: (await d.requests.mine(actor)).map((r) => ({
          ...requestLine(r),
          requestId: r.id,
          ...(r.status === 'pending' || r.status === 'approved'
            ? { actionTitle: 'Cancel', actionVerb: 'cancelFromList' }
            : { actionTitle: '', actionVerb: '' }),
        })),
      }),
    );

  const myRequests = async ({ actor }: Turn) => myRequestsCard(actor);

  /** Cancel in "my requests": the list stays, updated in place, with the outcome on top. */
  const cancelFromList = async (turn: ActionTurn<z.infer<typeof RequestRef>>) => {
    const result = await d.requests.cancel(turn.actor, turn.data.requestId);
    if (!result.ok && !result.request) return refusal(result);
    return myRequestsCard(
      turn.actor,
      result.ok
        ? { text: `Cancelled ${result.request.product.name} (${result.request.id}).`, color: 'Good' }
        : { text: result.message, color: 'Warning' },
    );
  };

  const waitingForMe = async ({ actor }: Turn) =>
    card(
      d.cards.render('request-list', {
        title: 'Waiting for your decision',
        emptyText: 'Nothing is waiting for you.',
        note: '',
        noteColor: 'Default',
        listed: '',
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

  const auditLog = async ({ actor, argument }: Pick<CommandTurn, 'actor' | 'argument'>) =>
    answer(await d.console.audit(actor, argument), (v) => card(d.cards.render('table-list', auditListData(v.query, v.entries))));

  /** "Audit" on a card (a partner admin's view of a customer): the most recent entries. */
  const showAudit = async ({ actor }: Turn) => auditLog({ actor, argument: '' });

  /** "Requests waiting" on a card (a partner admin's view of a customer): every open request of the tenant. */
  const openRequests = async ({ actor }: Turn) =>
    answer(await d.requests.openInTenant(actor), (requests) =>
      card(
        d.cards.render('request-list', {
          title: 'Requests waiting',
          emptyText: 'No request is waiting.',
          note: '',
          noteColor: 'Default',
          listed: '',
          items: requests.map((r) => ({ ...requestLine(r), requestId: r.id, actionTitle: 'Open', actionVerb: 'showRequest' })),
        }),
      ),
    );

  const setApprovalsChannel = async ({ context, actor }: CommandTurn) => {
    const conversation = context.activity.conversation;
    if (conversation.conversationType !== 'channel')
      return text('Type **set approvals channel** in the team channel where approval cards should go (mention me there first).');
    const channel = { id: conversation.id, name: await channelNameOf(context, d.log) };
    return answer(await d.console.setApprovalsChannel(actor, channel), (_, message) => text(message));
  };

  surface.command({ name: 'my requests', run: myRequests });
  surface.command({ name: 'approvals', run: waitingForMe });
  surface.command({ name: 'policies', run: policies });
  surface.command({ name: 'audit', run: auditLog });
  surface.command({ name: 'set approvals channel', run: setApprovalsChannel });
  surface.action({ verb: 'showAudit', roles: ADMINS, run: showAudit });
  surface.action({ verb: 'showOpenRequests', roles: ADMINS, run: openRequests });
  surface.action({ verb: 'submitRequest', run: submit }); // the service checks every field and answers with the form, then the review
  surface.action({ verb: 'editRequest', run: edit }); // values are only echoed into the form, which checks them again
  surface.action({ verb: 'approveRequest', schema: Decision, badData: BAD_CARD, run: decide('approve') });
  surface.action({ verb: 'rejectRequest', schema: Decision, badData: BAD_CARD, run: decide('reject') });
  surface.action({ verb: 'cancelRequest', ...requestCard, run: cancel });
  surface.action({ verb: 'cancelFromList', ...requestCard, run: cancelFromList });
  surface.action({ verb: 'refreshRequest', ...requestCard, run: refresh });
  surface.action({ verb: 'showRequest', ...requestCard, run: open });
}
