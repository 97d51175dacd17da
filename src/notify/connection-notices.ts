// Tells admins about their connections in Teams: the admin who just connected (or failed
// to) in their 1:1 chat, and every admin when a connection breaks on its own (an expired
// Partner Center sign-in). The card's button opens the connections card, which carries
// fresh sign-in links: a link inside a long-lived alert would have expired by the time
// it is clicked.
import type { CardRenderer } from '../bot/cards.js';
import type { Logger } from '../logger.js';
import type { ConnectionNotice, ConnectionNotices } from '../services/connections.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import type { AdminCards } from './admin-cards.js';
import type { OutboxMessenger } from './outbox-messenger.js';

const COLORS: Record<ConnectionNotice['outcome'], string> = {
  connected: 'Good',
  failed: 'Attention',
  'needs-sign-in': 'Attention',
  expiring: 'Warning',
};

export class TeamsConnectionNotices implements ConnectionNotices {
  constructor(
    private readonly d: {
      messenger: OutboxMessenger;
      conversations: ConversationReferences;
      adminCards: AdminCards;
      cards: CardRenderer;
      log: Logger;
    },
  ) {}

  async tellAdmin(tenantId: string, adminObjectId: string, notice: ConnectionNotice): Promise<void> {
    const chat = await this.d.conversations.personalChatOf(tenantId, adminObjectId);
    if (!chat) {
      this.d.log.warn({ tenantId }, 'the admin who started a connection has no 1:1 chat with the bot');
      return;
    }
    await this.d.messenger.postCard(chat.reference, this.card(notice), { tenantId });
  }

  /** Every admin of the tenant; and its partner's alert channel, naming the customer, without the button (it acts in the customer's tenant). */
  alertAdmins(tenantId: string, notice: ConnectionNotice): Promise<number> {
    return this.d.adminCards.postToAdmins(tenantId, this.card(notice), undefined, (customer) => this.card(notice, customer));
  }

  private card(notice: ConnectionNotice, customer?: string) {
    const c = notice.connection;
    const facts = c
      ? [
          { title: 'Connection', value: c.label },
          ...(c.environment
            ? [{ title: 'Account', value: c.environment === 'sandbox' ? 'Integration sandbox (nothing is billed)' : 'Production' }]
            : []),
        ]
      : [];
    return this.d.cards.render('connection-notice', {
      title: notice.title,
      message: notice.message,
      color: COLORS[notice.outcome],
      facts: customer ? [{ title: 'Customer', value: customer }, ...facts] : facts,
      actionTitle: customer
        ? ''
        : notice.outcome === 'needs-sign-in' || notice.outcome === 'expiring'
          ? 'Sign in again'
          : 'Open connections',
    });
  }
}
