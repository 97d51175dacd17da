// The conversations the bot is in: where each can be reached later (proactive messages), and
// the bot being installed or removed, which the audit log records.
import type { AuditLog } from '../storage/audit-log.js';
import type { ConversationReference, ConversationReferences } from '../storage/conversation-references.js';

export type { ConversationReference };

/** Who installed or removed the bot: the Entra object id when Teams gave one, else the Teams id. */
export interface InstalledBy {
  id: string;
  name?: string;
}

export class ConversationService {
  constructor(private readonly deps: { conversations: ConversationReferences; audit: AuditLog }) {}

  /**
   * Every turn: keeps where this conversation can be reached (a write only when it changed),
   * without holding the turn, so that `help` answers while storage is down.
   */
  remember(tenantId: string, reference: Partial<ConversationReference>): void {
    this.deps.conversations.saveSoon(tenantId, reference);
  }

  async installed(tenantId: string, conversation: { id: string; type: string }, by: InstalledBy): Promise<void> {
    await this.deps.audit.record({
      tenantId,
      actorId: by.id,
      ...(by.name ? { actorName: by.name } : {}),
      action: 'bot.installed',
      target: conversation.id,
      after: { conversationType: conversation.type },
    });
  }

  /** The bot was removed: the conversation can no longer be reached. */
  async uninstalled(tenantId: string, conversationId: string, by: InstalledBy): Promise<void> {
    await this.deps.conversations.remove(tenantId, conversationId);
    await this.deps.audit.record({
      tenantId,
      actorId: by.id,
      ...(by.name ? { actorName: by.name } : {}),
      action: 'bot.uninstalled',
      target: conversationId,
    });
  }
}
