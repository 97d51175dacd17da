// Proactive messages: every card and notice the bot sends outside a turn goes through the
// durable outbox (write-ahead on the `notifications` queue, then sent at once within this
// instance's share of Teams' limits; retried from the queue by any instance when that fails).
// Delivery problems are told to the tenant's admins, once, and never about their own notices.
import { createHash } from 'node:crypto';
import { AdminCards } from '../notify/admin-cards.js';
import { createDelivery } from '../notify/delivery.js';
import { OutboxMessenger } from '../notify/outbox-messenger.js';
import { rememberDeliveredApprovalCard } from '../notify/request-notifier.js';
import { CardRefs } from '../storage/card-refs.js';
import type { Platform } from './platform.js';
import type { Timings } from './timings.js';

export type Outbox = ReturnType<typeof wireOutbox>;

export function wireOutbox(p: Platform, timings: Timings) {
  const { config, log, store, roles, conversations } = p;
  // Where approval cards went, so their updates reach every copy (the outbox and the notifier both record).
  const cardRefs = new CardRefs(store);
  const rememberApprovalCard = rememberDeliveredApprovalCard(cardRefs);
  const tellAdmins = async (tenantId: string, text: string) => {
    for (const adminId of roles.adminIds(tenantId)) {
      const chat = await conversations.personalChatOf(tenantId, adminId);
      if (chat)
        await delivery.engine.enqueue({
          kind: 'text',
          text,
          key: `delivery-notice|${createHash('sha256').update(text).digest('base64url').slice(0, 22)}|${adminId}`,
          tenantId,
          conversationId: chat.reference.conversation!.id,
        });
    }
  };
  const delivery = createDelivery({
    owns: (queue) => p.instances.owns(queue),
    store,
    storage: config.storage,
    tablePrefix: config.tablePrefix,
    adapter: p.teams.adapter,
    botAppId: config.bot.appId ?? '',
    conversations,
    instanceName: p.instanceName,
    log,
    ...timings.outbox,
    hooks: {
      delivered: (message, activityId) => rememberApprovalCard(message.tenantId, message.conversationId, message.context, activityId),
      blocked: (tenantId, conversationId) =>
        tellAdmins(
          tenantId,
          `Teams blocks Quartermaster from posting in conversation ${conversationId} (MessageWritesBlocked), so nothing more is sent there. If the bot was removed on purpose, nothing needs doing; otherwise add it back.`,
        ),
      dead: (message, reason) =>
        tellAdmins(
          message.tenantId,
          `A message could not be delivered to conversation ${message.conversationId} and was set aside: ${reason}`,
        ),
    },
  });
  const messenger = new OutboxMessenger(delivery.engine);
  return {
    delivery,
    messenger,
    cardRefs,
    /** Cards to every admin's 1:1 chat (license alerts, connection and spend notices). */
    adminCards: new AdminCards({ messenger, conversations, roles, cards: p.teams.cards, log }),
  };
}
