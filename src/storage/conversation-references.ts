// Where the bot can reach each conversation later (proactive messages). Saved on every
// inbound activity, without the id of the message it came from (a proactive message is a
// new post, never a reply to whatever was said last); an in-process cache skips the write
// when nothing changed, so a busy chat costs one table write per instance, not one per
// message. A 1:1 chat is also kept under the person's object id, so "their chat with the
// bot" is a point read, not a scan.
import { ConcurrencyError } from './errors.js';
import { tenantPartition } from './keys.js';
import { TableRepository, type Page, type PageOptions } from './repository.js';
import type { TableStore } from './table-store.js';

type ConversationEntity = {
  ConversationId: string;
  /** The person of a 1:1 chat (Entra object id), to find "their chat with the bot". */
  UserAadObjectId: string;
  ConversationType: string;
  ServiceUrl: string;
  Reference: string;
  UpdatedAt: string;
};

/**
 * What is kept of a Bot Framework conversation reference: the fields a proactive message needs.
 * Structurally a botbuilder ConversationReference, declared here so storage knows no Teams SDK.
 */
export interface ConversationReference {
  activityId?: string;
  user?: { id: string; name: string; aadObjectId?: string; role?: string };
  bot: { id: string; name: string; role?: string };
  conversation: { id: string; conversationType: string; tenantId?: string; isGroup: boolean; name: string };
  channelId: string;
  serviceUrl: string;
  locale?: string;
}

export interface SavedConversation {
  tenantId: string;
  conversationId: string;
  conversationType: string;
  reference: Partial<ConversationReference>;
  updatedAt: string;
}

const CACHE_LIMIT = 10_000;

export class ConversationReferences extends TableRepository<ConversationEntity> {
  private readonly lastSaved = new Map<string, string>();

  constructor(store: TableStore) {
    super(store, 'Conversations');
  }

  async save(tenantId: string, incoming: Partial<ConversationReference>, now = this.store.clock()): Promise<void> {
    const { activityId: _lastMessage, ...reference } = incoming;
    const conversationId = reference.conversation?.id;
    if (!conversationId) throw new RangeError('A conversation reference needs a conversation id');
    const json = JSON.stringify(reference);
    const cacheKey = `${tenantId}\n${conversationId}`;
    if (this.lastSaved.get(cacheKey) === json) return;

    const personal = (reference.conversation?.conversationType ?? 'personal') === 'personal';
    const person = personal ? (reference.user?.aadObjectId ?? '').toLowerCase() : '';
    const entity: ConversationEntity = {
      ConversationId: conversationId,
      UserAadObjectId: person,
      ConversationType: reference.conversation?.conversationType ?? 'personal',
      ServiceUrl: reference.serviceUrl ?? '',
      Reference: json,
      UpdatedAt: now.toISOString(),
    };
    await Promise.all([
      this.putRow(tenantPartition(tenantId), conversationId, entity),
      ...(person ? [this.putRow(peoplePartition(tenantId), person, entity)] : []),
    ]);
    this.remember(cacheKey, json);
  }

  async get(tenantId: string, conversationId: string): Promise<SavedConversation | undefined> {
    const stored = await this.getRow(tenantPartition(tenantId), conversationId);
    return stored && toSaved(tenantId, stored.value);
  }

  /** The 1:1 chat between the bot and this person, if they ever talked to it. */
  async personalChatOf(tenantId: string, aadObjectId: string): Promise<SavedConversation | undefined> {
    const stored = await this.getRow(peoplePartition(tenantId), aadObjectId.toLowerCase());
    return stored && toSaved(tenantId, stored.value);
  }

  async list(tenantId: string, options?: PageOptions): Promise<Page<SavedConversation>> {
    const page = await this.pageRows(tenantPartition(tenantId), options);
    return { ...page, items: page.items.map((s) => toSaved(tenantId, s.value)) };
  }

  async remove(tenantId: string, conversationId: string): Promise<void> {
    this.lastSaved.delete(`${tenantId}\n${conversationId}`);
    const person = (await this.getRow(tenantPartition(tenantId), conversationId))?.value.UserAadObjectId;
    await this.deleteRow(tenantPartition(tenantId), conversationId);
    if (person) {
      const current = await this.getRow(peoplePartition(tenantId), person);
      // Only if that person's chat is still this one (a newer install may have replaced it).
      if (current?.value.ConversationId === conversationId) {
        await this.deleteRow(peoplePartition(tenantId), person, current.etag).catch((error: unknown) => {
          if (!(error instanceof ConcurrencyError)) throw error; // rewritten meanwhile: it is a newer chat
        });
      }
    }
  }

  private remember(cacheKey: string, json: string): void {
    this.lastSaved.delete(cacheKey);
    this.lastSaved.set(cacheKey, json);
    if (this.lastSaved.size > CACHE_LIMIT) this.lastSaved.delete(this.lastSaved.keys().next().value!);
  }
}

function peoplePartition(tenantId: string): string {
  return tenantPartition(tenantId, 'people');
}

function toSaved(tenantId: string, entity: ConversationEntity): SavedConversation {
  return {
    tenantId,
    conversationId: entity.ConversationId,
    conversationType: entity.ConversationType,
    reference: JSON.parse(entity.Reference) as Partial<ConversationReference>,
    updatedAt: entity.UpdatedAt,
  };
}
