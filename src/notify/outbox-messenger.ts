// The proactive-message API the rest of Teams code uses (post a card, post text, update a
// card), on top of the delivery engine: every message is written to the durable outbox and
// then sent at once when Teams' limits allow, so the happy path is as quick as a direct
// send and nothing acknowledged is lost when Teams or this instance fails.
import { createHash, randomUUID } from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import type { AdaptiveCard } from '../bot/cards.js';
import type { DeliveryEngine } from './outbox.js';

export interface PostOptions {
  tenantId: string;
  /**
   * The dedupe key: the same logical message always gets the same key, so a retried caller
   * never sends it twice. Omitted: every call is a new message.
   */
  key?: string;
  /** Handed back to the engine's delivered hook when the queued copy is the one that went out. */
  context?: Record<string, string>;
  /** Card updates: the version of what the card shows (higher is newer); updates go out in this order. */
  version?: number;
}

export class OutboxMessenger {
  constructor(private readonly engine: DeliveryEngine) {}

  /** Posts a card; the new activity's id when it went out now (later: the delivered hook). */
  async postCard(reference: Partial<ConversationReference>, card: AdaptiveCard, options: PostOptions): Promise<string | undefined> {
    return (await this.engine.deliver({ kind: 'card', card, ...addressOf(reference, options, 'card') })).activityId;
  }

  async postText(reference: Partial<ConversationReference>, text: string, options: PostOptions): Promise<void> {
    await this.engine.deliver({ kind: 'text', text, ...addressOf(reference, options, 'text') });
  }

  /** Replaces a posted card. The key defaults to the activity and the card's content, so the same update is sent once. */
  async updateCard(reference: Partial<ConversationReference>, activityId: string, card: AdaptiveCard, options: PostOptions): Promise<void> {
    const key = options.key ?? `update|${activityId}|${createHash('sha256').update(JSON.stringify(card)).digest('base64url').slice(0, 22)}`;
    await this.engine.deliver({
      kind: 'update',
      activityId,
      card,
      ...(options.version !== undefined && { version: options.version }),
      ...addressOf(reference, { ...options, key }, 'update'),
    });
  }
}

function addressOf(reference: Partial<ConversationReference>, options: PostOptions, kind: string) {
  const conversationId = reference.conversation?.id;
  if (!conversationId) throw new RangeError('A proactive message needs a conversation');
  return {
    key: options.key ?? `${kind}|${randomUUID()}`,
    tenantId: options.tenantId,
    conversationId,
    ...(options.context ? { context: options.context } : {}),
  };
}
