// Teams surface of license requests: commands and card actions. Each handler reads the
// activity, checks what the card sent (cards can be forged), calls a service, and answers
// with a card. No business rule lives here.
import type { Clock } from '../clock.js';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { isRequestIntent } from '../domain/request-text.js';
import type { ApprovalService } from '../services/approvals.js';
import type { RequestService } from '../services/requests.js';
import type { Actor } from '../domain/roles.js';
import type { RoleService } from '../services/roles.js';
import type { CatalogService } from '../services/catalog.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { PolicyRepository } from '../storage/policies.js';
import type { SettingsRepository } from '../storage/settings.js';
import type { TeamsRequestNotifier } from '../notify/request-notifier.js';
import { formatMoney } from '../domain/money.js';
import { tenantIdOf } from './activity.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { commandArgument } from './commands.js';
import { approvalCardData, requestFormData, requestLine } from './request-views.js';
import { refuseInvoke, replaceCard, sendCard, UNKNOWN_ACTOR } from './replies.js';
import { channelNameOf } from './channel-names.js';
import type { Logger } from '../logger.js';

export interface RequestHandlerDeps {
  cards: CardRenderer;
  requests: RequestService;
  approvals: ApprovalService;
  catalog: CatalogService;
  roles: RoleService;
  policies: PolicyRepository;
  settings: SettingsRepository;
  audit: AuditLog;
  notifier: TeamsRequestNotifier;
  log: Logger;
  clock: Clock;
}

const RequestId = z.string().regex(/^REQ-[0-9A-F]{8}$/);
const RequestRef = z.object({ requestId: RequestId }).passthrough();
const Decision = z
  .object({ requestId: RequestId, stageIndex: z.coerce.number().int().min(0).max(20), comment: z.string().max(1000).optional() })
  .passthrough();

/** Who is acting, from the activity; undefined when Teams did not say (guests, bots). */
export function actorOf(context: TurnContext): Actor | undefined {
  const tenantId = tenantIdOf(context.activity);
  const aadObjectId = context.activity.from?.aadObjectId;
  if (!tenantId || !aadObjectId) return undefined;
  return { tenantId, aadObjectId, name: context.activity.from.name ?? 'Unknown user' };
}

const BAD_CARD = 'This card sent something I cannot use. Open it again with "my requests" or "approvals".';

export function requestHandlers(d: RequestHandlerDeps) {
  const viewFor = async (context: TurnContext, request: Parameters<typeof approvalCardData>[0], note?: string) => {
    const actor = actorOf(context);
    const freeSeats =
      request.status === 'pending' ? await d.catalog.freeSeatsForDisplay(request.tenantId, request.product.skuPartNumber) : undefined;
    const data = approvalCardData(request, actor ? { aadObjectId: actor.aadObjectId } : {}, {
      ...(freeSeats !== undefined && { freeSeats }),
    });
    if (data.canDecide) data.refreshUserIds = [context.activity.from.id];
    if (note) data.note = note;
    return d.cards.render('approval', data);
  };

  /** "request", "request visio", "I need 2 Power BI Pro licenses". */
  const requestForm = async (context: TurnContext, text = context.activity.text ?? ''): Promise<void> => {
    const actor = actorOf(context);
    if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
    const form = await d.requests.draft(actor, text);
    await sendCard(context, d.cards.render('request-form', requestFormData(form)));
  };

  const decideFromCard = async (
    context: TurnContext,
    data: Record<string, unknown>,
    decision: 'approve' | 'reject',
  ): Promise<AdaptiveCard | string> => {
    const actor = actorOf(context);
    if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
    const parsed = Decision.safeParse(data);
    if (!parsed.success) return refuseInvoke(context, BAD_CARD);
    const { requestId, stageIndex, comment } = parsed.data;
    const result = await d.approvals.decide(actor, { requestId, stageIndex, decision, ...(comment !== undefined && { comment }) });
    if (result.ok) return replaceCard(context, await viewFor(context, result.request));
    if (!result.request) return refuseInvoke(context, result.message);
    // Too late, not yours, or no comment: show where the request is now, and why.
    return replaceCard(context, await viewFor(context, result.request, result.message));
  };

  return {
    requestForm,

    async requestCommand(context: TurnContext): Promise<void> {
      await requestForm(context, context.activity.text ?? '');
    },

    /** Free text that is no command: a license request, or a pointer to help. */
    async isRequestText(context: TurnContext): Promise<boolean> {
      const tenantId = tenantIdOf(context.activity);
      const text = context.activity.text ?? '';
      if (!tenantId || !text.trim()) return false;
      if (isRequestIntent(text)) return true;
      return isRequestIntent(text, await d.catalog.offers(tenantId).catch(() => []));
    },

    async submitRequest(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const { replyToId } = context.activity;
      // The form's own message: the card that shows the request from now on.
      const form = replyToId
        ? { conversationId: context.activity.conversation.id, activityId: replyToId, requesterTeamsId: context.activity.from.id }
        : undefined;
      const result = await d.requests.submit(actor, data, form);
      if (!result.ok) return replaceCard(context, d.cards.render('request-form', requestFormData(result.form)));
      const note =
        result.request.status === 'approved'
          ? 'Approved automatically by policy. I will tell you when the license is assigned.'
          : 'Sent to the approvers. This card shows where it is.';
      return replaceCard(context, await viewFor(context, result.request, note));
    },

    async approve(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      return decideFromCard(context, data, 'approve');
    },

    async reject(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      return decideFromCard(context, data, 'reject');
    },

    async cancel(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const parsed = RequestRef.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const result = await d.requests.cancel(actor, parsed.data.requestId);
      if (!result.request) return refuseInvoke(context, result.ok ? BAD_CARD : result.message);
      return replaceCard(context, await viewFor(context, result.request, result.ok ? 'Cancelled.' : result.message));
    },

    /** Teams asks for the viewer's version of a card (refresh), or "open" from a list. */
    async refresh(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      const parsed = RequestRef.safeParse(data);
      if (!actor || !parsed.success) return refuseInvoke(context, actor ? BAD_CARD : UNKNOWN_ACTOR);
      const request = await d.requests.get(actor.tenantId, parsed.data.requestId);
      if (!request) return refuseInvoke(context, "I can't find that request.");
      return replaceCard(context, await viewFor(context, request));
    },

    /** "Open" in the approvals list: the full card as a new message, kept up to date. */
    async open(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      const parsed = RequestRef.safeParse(data);
      if (!actor || !parsed.success) return refuseInvoke(context, actor ? BAD_CARD : UNKNOWN_ACTOR);
      const request = await d.requests.get(actor.tenantId, parsed.data.requestId);
      if (!request) return refuseInvoke(context, "I can't find that request.");
      const sent = await sendCard(context, await viewFor(context, request));
      const activityId = (sent as { id?: string } | undefined)?.id;
      if (activityId)
        await d.notifier.rememberCard(request, {
          conversationId: context.activity.conversation.id,
          activityId,
          audience: 'approver',
          viewerId: actor.aadObjectId,
          viewerTeamsId: context.activity.from.id,
        });
      return 'The request is shown below.';
    },

    async myRequests(context: TurnContext): Promise<void> {
      const actor = actorOf(context);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const mine = await d.requests.mine(actor);
      await sendCard(
        context,
        d.cards.render('request-list', {
          title: 'Your requests',
          emptyText: 'You have no requests yet. Type "request" to ask for a license.',
          items: mine.map((r) => ({
            ...requestLine(r),
            requestId: r.id,
            ...(r.status === 'pending' || r.status === 'approved'
              ? { actionTitle: 'Cancel', actionVerb: 'cancelRequest' }
              : { actionTitle: '', actionVerb: '' }),
          })),
        }),
      );
    },

    async waitingForMe(context: TurnContext): Promise<void> {
      const actor = actorOf(context);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const waiting = await d.requests.waitingFor(actor);
      await sendCard(
        context,
        d.cards.render('request-list', {
          title: 'Waiting for your decision',
          emptyText: 'Nothing is waiting for you.',
          items: waiting.map((r) => ({ ...requestLine(r), requestId: r.id, actionTitle: 'Open', actionVerb: 'showRequest' })),
        }),
      );
    },

    async listPolicies(context: TurnContext): Promise<void> {
      const actor = await adminOnly(context, d.roles, 'policies');
      if (!actor) return;
      const [policies, offers] = await Promise.all([d.policies.list(actor.tenantId), d.catalog.offers(actor.tenantId).catch(() => [])]);
      const productName = (id: string) => offers.find((o) => o.productId === id)?.name ?? id;
      await sendCard(
        context,
        d.cards.render('table-list', {
          title: 'Approval policies',
          subtitle: 'The first policy that matches a request (by product and monthly cost) decides it.',
          emptyText: 'No policies.',
          items: policies.map((p) => ({
            heading: `${p.priority}. ${p.name}`,
            facts: [
              { title: 'Products', value: p.match.productIds?.length ? p.match.productIds.map(productName).join(', ') : 'all' },
              ...(p.match.minMonthlyCost
                ? [{ title: 'From', value: `${formatMoney({ amount: p.match.minMonthlyCost, currency: p.currency })} / month` }]
                : []),
              {
                title: 'Auto-approve',
                value: p.autoApprove
                  ? `under ${formatMoney({ amount: p.autoApprove.maxMonthlyCost, currency: p.currency })} / month${p.autoApprove.requireFreeSeat ? ', when a seat is free' : ''}`
                  : 'never',
              },
              {
                title: 'Approvals',
                value:
                  p.stages
                    .map(
                      (s, i) =>
                        `${i + 1}. ${s.approver.kind === 'manager' ? "requester's manager" : s.approver.groupName}${s.onlyAboveMonthlyCost ? ` (above ${formatMoney({ amount: s.onlyAboveMonthlyCost, currency: p.currency })} / month)` : ''}`,
                    )
                    .join('; ') || 'none',
              },
              {
                title: 'Limits',
                value: `at most ${p.maxQuantity} per request; justification ${p.requireJustification ? 'required' : 'optional'}; buying seats ${p.allowPurchase ? 'allowed' : 'not allowed'}`,
              },
            ],
          })),
        }),
      );
    },

    async auditLog(context: TurnContext): Promise<void> {
      const actor = await adminOnly(context, d.roles, 'audit');
      if (!actor) return;
      const query = commandArgument(context.activity.text, 'audit').toLowerCase().slice(0, 100);
      const page = await d.audit.list(actor.tenantId, { pageSize: 200 });
      const entries = page.items
        .filter(
          (e) => !query || JSON.stringify([e.actorName, e.actorId, e.action, e.target, e.before, e.after]).toLowerCase().includes(query),
        )
        .slice(0, 15);
      await sendCard(
        context,
        d.cards.render('table-list', {
          title: 'Audit log',
          subtitle: query ? `Recent entries matching "${query}"` : 'Most recent first',
          emptyText: 'No entries.',
          items: entries.map((e) => ({
            heading: `${e.at.slice(0, 19).replace('T', ' ')} UTC · ${e.action}`,
            facts: [
              { title: 'Who', value: e.actorName ?? e.actorId },
              { title: 'What', value: e.target },
              ...(e.after !== undefined ? [{ title: 'After', value: JSON.stringify(e.after).slice(0, 300) }] : []),
            ],
          })),
        }),
      );
    },

    async setApprovalsChannel(context: TurnContext): Promise<void> {
      const actor = await adminOnly(context, d.roles, 'set approvals channel');
      if (!actor) return;
      const conversation = context.activity.conversation;
      if (conversation.conversationType !== 'channel') {
        await context.sendActivity(
          'Type **set approvals channel** in the team channel where approval cards should go (mention me there first).',
        );
        return;
      }
      const channelName = await channelNameOf(context, d.log);
      const { before, after } = await d.settings.update(actor.tenantId, (current) => ({
        ...current,
        approvalsChannelId: conversation.id,
        approvalsChannelName: channelName,
        updatedBy: actor.aadObjectId,
        updatedAt: d.clock().toISOString(),
      }));
      await d.audit.record({
        tenantId: actor.tenantId,
        actorId: actor.aadObjectId,
        actorName: actor.name,
        action: 'settings.approvals-channel',
        target: conversation.id,
        before: { channel: before.approvalsChannelName ?? null },
        after: { channel: after.approvalsChannelName },
      });
      await context.sendActivity(
        `Done: every new approval card will also be posted in ${channelName}. Approvers see the buttons; everyone else sees the status.`,
      );
    },
  };
}

async function adminOnly(context: TurnContext, roles: RoleService, command: string): Promise<Actor | undefined> {
  const actor = actorOf(context);
  if (!actor) {
    await context.sendActivity(UNKNOWN_ACTOR);
    return undefined;
  }
  if (!(await roles.isAdmin({ tenantId: actor.tenantId, aadObjectId: actor.aadObjectId }))) {
    await context.sendActivity(`Only admins can use **${command}**. Type **help** to see the commands you can use.`);
    return undefined;
  }
  return actor;
}
