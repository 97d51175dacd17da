// Where the bot can reach each conversation later (proactive messages). Saved on every
// inbound activity; an in-process cache skips the write when nothing changed, so a busy
// chat costs one table write per instance, not one per message.
import type { ConversationReference } from 'botbuilder';
import { tenantPartition } from './keys.js';
import { filter, TableRepository, type Page, type PageOptions } from './repository.js';
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

  async save(tenantId: string, reference: Partial<ConversationReference>, now = new Date()): Promise<void> {
    const conversationId = reference.conversation?.id;
    if (!conversationId) throw new RangeError('A conversation reference needs a conversation id');
    const json = JSON.stringify(reference);
    const cacheKey = `${tenantId}\n${conversationId}`;
    if (this.lastSaved.get(cacheKey) === json) return;

    const personal = (reference.conversation?.conversationType ?? 'personal') === 'personal';
    await this.putRow(tenantPartition(tenantId), conversationId, {
      ConversationId: conversationId,
      UserAadObjectId: personal ? (reference.user?.aadObjectId ?? '').toLowerCase() : '',
      ConversationType: reference.conversation?.conversationType ?? 'personal',
      ServiceUrl: reference.serviceUrl ?? '',
      Reference: json,
      UpdatedAt: now.toISOString(),
    });
    this.remember(cacheKey, json);
  }

  async get(tenantId: string, conversationId: string): Promise<SavedConversation | undefined> {
    const stored = await this.getRow(tenantPartition(tenantId), conversationId);
    return stored && toSaved(tenantId, stored.value);
  }

  /** The 1:1 chat between the bot and this person, if they ever talked to it. */
  async personalChatOf(tenantId: string, aadObjectId: string): Promise<SavedConversation | undefined> {
    const page = await this.pageRows(tenantPartition(tenantId), { pageSize: 1 }, filter`UserAadObjectId eq ${aadObjectId.toLowerCase()}`);
    const first = page.items[0];
    return first && toSaved(tenantId, first.value);
  }

  async list(tenantId: string, options?: PageOptions): Promise<Page<SavedConversation>> {
    const page = await this.pageRows(tenantPartition(tenantId), options);
    return { ...page, items: page.items.map((s) => toSaved(tenantId, s.value)) };
  }

  async remove(tenantId: string, conversationId: string): Promise<void> {
    this.lastSaved.delete(`${tenantId}\n${conversationId}`);
    await this.deleteRow(tenantPartition(tenantId), conversationId);
  }

  private remember(cacheKey: string, json: string): void {
    this.lastSaved.delete(cacheKey);
    this.lastSaved.set(cacheKey, json);
    if (this.lastSaved.size > CACHE_LIMIT) this.lastSaved.delete(this.lastSaved.keys().next().value!);
  }
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
