// Tells people about license requests in Teams: approval cards to each approver's 1:1
// chat and the approvals channel, updates of every copy when the request changes, and
// short messages to the requester and the admins. One failed delivery never stops the rest.
import type { ConversationReference } from 'botbuilder';
import type { Logger } from '../logger.js';
import type { CardRenderer } from '../bot/cards.js';
import { approvalCardData } from '../bot/request-views.js';
import { orderQueryCardData } from '../bot/order-query-views.js';
import type { VendorNotifications, VendorQuestionNotice } from '../services/vendor-fulfilment.js';
import { canDecide } from '../domain/request.js';
import type { RequestNotifications } from '../services/notifications.js';
import type { RoleService } from '../services/roles.js';
import type { CatalogService } from '../services/catalog.js';
import type { CardRef, CardRefs } from '../storage/card-refs.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import { sameMessage, type StoredRequest } from '../storage/requests.js';
import type { SettingsRepository } from '../storage/settings.js';
import { createHash } from 'node:crypto';
import type { OutboxMessenger } from './outbox-messenger.js';

const MAX_REFRESH_USERS = 60; // Teams' limit for refresh.userIds
const APPROVAL_CARD = 'approval-card';

/**
 * The outbox delivered a message after a retry (from the queue): when it was an approval
 * card, remember where, so the card's updates reach it. A function of the card table alone,
 * so the delivery engine can be built before the notifier that sends through it.
 */
export function rememberDeliveredApprovalCard(cardRefs: CardRefs) {
  return async (
    tenantId: string,
    conversationId: string,
    context: Record<string, string> | undefined,
    activityId: string | undefined,
  ): Promise<void> => {
    if (context?.purpose !== APPROVAL_CARD || !context.requestId || !activityId) return;
    await cardRefs.add(tenantId, context.requestId, {
      audience: context.audience as CardRef['audience'],
      viewerId: context.viewerId ?? '',
      viewerTeamsId: context.viewerTeamsId ?? '',
      conversationId,
      activityId,
    });
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16);

export class TeamsRequestNotifier implements RequestNotifications, VendorNotifications {
  constructor(
    private readonly deps: {
      messenger: OutboxMessenger;
      conversations: ConversationReferences;
      cardRefs: CardRefs;
      settings: SettingsRepository;
      roles: RoleService;
      catalog: CatalogService;
      cards: CardRenderer;
      log: Logger;
      /** The quota left now in a pending request's unit (delegated units), for its card. */
      unitQuota?: (request: StoredRequest) => Promise<{ seats: number; used: number } | undefined>;
    },
  ) {}

  async askApprovers(request: StoredRequest): Promise<void> {
    const stage = request.stages[request.stageIndex];
    if (!stage) return;
    const unreachable: string[] = [];
    for (const approverId of stage.approverIds) {
      const chat = await this.deps.conversations.personalChatOf(request.tenantId, approverId);
      if (!chat) {
        unreachable.push(approverId);
        continue;
      }
      const teamsId = chat.reference.user?.id ?? '';
      await this.post(request, chat.reference, { audience: 'approver', viewerId: approverId, viewerTeamsId: teamsId }, [teamsId]);
    }
    await this.postToApprovalsChannel(request);
    if (unreachable.length > 0) await this.escalateUnreachable(request, unreachable.length);
  }

  /** Remembers a card the bot answered with in a turn (the requester's own copy). */
  async rememberCard(request: StoredRequest, ref: CardRef): Promise<void> {
    await this.deps.cardRefs.add(request.tenantId, request.id, ref);
  }

  async refreshCards(request: StoredRequest): Promise<void> {
    const refs = withFormMessage(request, await this.deps.cardRefs.list(request.tenantId, request.id));
    const approverTeamsIds = await this.approverTeamsIds(request, refs);
    const freeSeats = await this.freeSeats(request);
    const quota = await this.deps.unitQuota?.(request);
    await Promise.all(
      refs.map(async (ref) => {
        const saved = await this.deps.conversations.get(request.tenantId, ref.conversationId);
        if (!saved) return;
        const refreshUserIds =
          ref.audience === 'channel' ? approverTeamsIds : ref.viewerId && canDecide(request, ref.viewerId) ? [ref.viewerTeamsId] : [];
        const card = this.deps.cards.render(
          'approval',
          approvalCardData(request, ref.viewerId ? { aadObjectId: ref.viewerId } : {}, {
            refreshUserIds,
            freeSeats,
            ...(quota && { quota }),
          }),
        );
        await this.deps.messenger
          // The request's revision orders the updates of each card: an older state never replaces a newer one.
          .updateCard(saved.reference, ref.activityId, card, { tenantId: request.tenantId, version: request.revision ?? 0 })
          .catch((error: unknown) =>
            this.deps.log.warn(
              { err: error, requestId: request.id, conversationId: ref.conversationId },
              'could not update an approval card',
            ),
          );
      }),
    );
  }

  async tellRequester(request: StoredRequest, text: string): Promise<void> {
    // One message per request state and text: a retried step does not say it twice.
    await this.tellPerson(
      request.tenantId,
      request.requester.aadObjectId,
      text,
      `requester|${request.id}|${request.status}|${digest(text)}`,
    );
  }

  /** With `key`, each admin gets this message once however often it is sent (double clicks, retries). */
  async tellAdmins(tenantId: string, text: string, key?: string): Promise<void> {
    const reached = await Promise.all(
      this.deps.roles.adminIds(tenantId).map((id) => this.tellPerson(tenantId, id, text, key && `${key}|${id}`)),
    );
    if (!reached.some(Boolean)) this.deps.log.warn({ tenantId }, 'no admin could be reached; admins should install Quartermaster');
  }

  /** The vendor's questions: one card per round to the requester and each admin (once each, whoever is both). */
  async askVendorQuestions(request: StoredRequest, notice: VendorQuestionNotice): Promise<void> {
    const card = this.deps.cards.render(
      'order-query',
      orderQueryCardData({
        requestId: request.id,
        orderId: notice.orderId,
        productName: request.product.name,
        beneficiaryName: request.beneficiary.name,
        vendor: notice.vendor,
        questions: notice.questions,
      }),
    );
    const people = [
      ...new Set([request.requester.aadObjectId, ...this.deps.roles.adminIds(request.tenantId)].map((id) => id.toLowerCase())),
    ];
    let reached = 0;
    for (const personId of people) {
      const chat = await this.deps.conversations.personalChatOf(request.tenantId, personId);
      if (!chat) continue;
      try {
        await this.deps.messenger.postCard(chat.reference, card, {
          tenantId: request.tenantId,
          key: `vendor-question|${request.id}|${notice.orderId}|${digest(notice.round)}|${personId}`,
        });
        reached++;
      } catch (error) {
        this.deps.log.warn({ err: error, requestId: request.id }, 'could not post the vendor question card');
      }
    }
    if (reached === 0)
      this.deps.log.warn(
        { tenantId: request.tenantId, requestId: request.id },
        'nobody could be asked the vendor question; they should install Quartermaster',
      );
  }

  /** A message to each of these people, once per key each (a unit's license admins and the tenant admins). */
  async tellPeople(tenantId: string, personIds: readonly string[], text: string, key: string): Promise<void> {
    const reached = await Promise.all(personIds.map((id) => this.tellPerson(tenantId, id, text, `${key}|${id.toLowerCase()}`)));
    if (!reached.some(Boolean)) this.deps.log.warn({ tenantId }, 'a message reached nobody; they should install Quartermaster');
  }

  async remindApprovers(request: StoredRequest, text: string): Promise<void> {
    const stage = request.stages[request.stageIndex];
    await Promise.all((stage?.approverIds ?? []).map((id) => this.tellPerson(request.tenantId, id, text)));
  }

  private async tellPerson(tenantId: string, aadObjectId: string, text: string, key?: string): Promise<boolean> {
    const chat = await this.deps.conversations.personalChatOf(tenantId, aadObjectId);
    if (!chat) return false;
    try {
      await this.deps.messenger.postText(chat.reference, text, { tenantId, ...(key ? { key } : {}) });
      return true;
    } catch (error) {
      this.deps.log.warn({ err: error, tenantId }, 'could not message a person');
      return false;
    }
  }

  private async post(
    request: StoredRequest,
    reference: Partial<ConversationReference>,
    who: Omit<CardRef, 'conversationId' | 'activityId'>,
    refreshUserIds: string[],
  ): Promise<void> {
    const card = this.deps.cards.render(
      'approval',
      approvalCardData(request, who.viewerId ? { aadObjectId: who.viewerId } : {}, {
        refreshUserIds: refreshUserIds.filter(Boolean),
        freeSeats: await this.freeSeats(request),
        ...(await this.deps.unitQuota?.(request).then((quota) => quota && { quota })),
      }),
    );
    const conversationId = reference.conversation!.id;
    try {
      // Sent now: remember the card here. Sent later from the outbox: rememberDeliveredApprovalCard does.
      const activityId = await this.deps.messenger.postCard(reference, card, {
        tenantId: request.tenantId,
        key: `approval|${request.id}|${request.stageIndex}|${conversationId}`,
        context: {
          purpose: APPROVAL_CARD,
          requestId: request.id,
          audience: who.audience,
          viewerId: who.viewerId,
          viewerTeamsId: who.viewerTeamsId,
        },
      });
      if (activityId) await this.deps.cardRefs.add(request.tenantId, request.id, { ...who, conversationId, activityId });
    } catch (error) {
      this.deps.log.warn(
        { err: error, requestId: request.id, conversationId: reference.conversation?.id },
        'could not post an approval card',
      );
    }
  }

  private async postToApprovalsChannel(request: StoredRequest): Promise<void> {
    const { approvalsChannelId } = await this.deps.settings.get(request.tenantId);
    if (!approvalsChannelId) return;
    const channel = await this.deps.conversations.get(request.tenantId, approvalsChannelId);
    if (!channel) return;
    const existing = await this.deps.cardRefs.list(request.tenantId, request.id);
    if (existing.some((r) => r.audience === 'channel')) return; // one copy per request; later stages update it
    await this.post(
      request,
      channel.reference,
      { audience: 'channel', viewerId: '', viewerTeamsId: '' },
      await this.approverTeamsIds(request, existing),
    );
  }

  /** An approver who never talked to the bot cannot get a card: the admins get it, with the reason. */
  private async escalateUnreachable(request: StoredRequest, count: number): Promise<void> {
    const stage = request.stages[request.stageIndex]!;
    const text = `I could not reach ${count === 1 ? 'an approver' : `${count} approvers`} of step ${request.stageIndex + 1} (${stage.label}) for request ${request.id}: they have not installed Quartermaster in Teams. Ask them to install it, or decide the request if you are an approver.`;
    for (const adminId of this.deps.roles.adminIds(request.tenantId)) {
      const chat = await this.deps.conversations.personalChatOf(request.tenantId, adminId);
      if (!chat) continue;
      await this.tellPerson(request.tenantId, adminId, text);
      await this.post(
        request,
        chat.reference,
        { audience: 'admin', viewerId: adminId, viewerTeamsId: chat.reference.user?.id ?? '' },
        canDecide(request, adminId) ? [chat.reference.user?.id ?? ''] : [],
      );
    }
  }

  /** Free seats matter while someone decides; afterwards the card shows the outcome. */
  private async freeSeats(request: StoredRequest): Promise<number | undefined> {
    if (request.status !== 'pending') return undefined;
    return this.deps.catalog.freeSeatsForDisplay(request.tenantId, request.product.skuPartNumber);
  }

  /** Teams ids (29:...) of the current stage's approvers that the bot knows, for refresh lists. */
  private async approverTeamsIds(request: StoredRequest, refs: CardRef[]): Promise<string[]> {
    const stage = request.status === 'pending' ? request.stages[request.stageIndex] : undefined;
    if (!stage) return [];
    const known = new Map(refs.filter((r) => r.viewerTeamsId).map((r) => [r.viewerId.toLowerCase(), r.viewerTeamsId]));
    const ids = await Promise.all(
      stage.approverIds.map(
        async (id) => known.get(id) ?? (await this.deps.conversations.personalChatOf(request.tenantId, id))?.reference.user?.id,
      ),
    );
    return ids.filter((id): id is string => !!id).slice(0, MAX_REFRESH_USERS);
  }
}

/** Every card of the request: those posted, and the form the requester submitted it from (kept on the request). */
function withFormMessage(request: StoredRequest, refs: CardRef[]): CardRef[] {
  const form = request.formMessage;
  if (!form || refs.some((ref) => sameMessage(ref, form))) return refs;
  return [
    ...refs,
    {
      conversationId: form.conversationId,
      activityId: form.activityId,
      audience: 'requester',
      viewerId: request.requester.aadObjectId,
      viewerTeamsId: form.requesterTeamsId,
    },
  ];
}
