// Delivers the license alerts (reclaim, renewals, seats) as cards to every admin's 1:1 chat
// with the bot. An admin who never installed the bot cannot be reached; one failed delivery
// never stops the others.
import type { Logger } from '../logger.js';
import { reclaimCardData, renewalAlertCardData, seatAlertCardData, termEndAlertCardData } from '../bot/admin-alert-views.js';
import type { AdaptiveCard, CardRenderer } from '../bot/cards.js';
import type { AdminAlerts, ReclaimReport, RenewalAlert, SeatChange, TermEndAlert } from '../services/admin-alerts.js';
import type { RoleService } from '../services/roles.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import type { OutboxMessenger } from './outbox-messenger.js';

export class AdminCards implements AdminAlerts {
  constructor(
    private readonly deps: {
      messenger: OutboxMessenger;
      conversations: ConversationReferences;
      roles: RoleService;
      cards: CardRenderer;
      log: Logger;
    },
  ) {}

  sendReclaim(report: ReclaimReport): Promise<number> {
    return this.postToAdmins(report.tenantId, this.deps.cards.render('reclaim', reclaimCardData(report)));
  }

  sendRenewal(alert: RenewalAlert): Promise<number> {
    return this.postToAdmins(alert.tenantId, this.deps.cards.render('renewal-alert', renewalAlertCardData(alert)));
  }

  sendTermEnd(alert: TermEndAlert): Promise<number> {
    return this.postToAdmins(alert.tenantId, this.deps.cards.render('term-end-alert', termEndAlertCardData(alert)));
  }

  sendSeatChange(change: SeatChange): Promise<number> {
    return this.postToAdmins(change.tenantId, this.deps.cards.render('seat-alert', seatAlertCardData(change)));
  }

  /**
   * Posts the card to each admin's 1:1 chat; returns how many admins got it. With `key`, each
   * copy's dedupe key is `key|adminId`, so a retried caller never posts it to anyone twice.
   */
  async postToAdmins(tenantId: string, card: AdaptiveCard, key?: string): Promise<number> {
    let reached = 0;
    for (const adminId of this.deps.roles.adminIds(tenantId)) {
      const chat = await this.deps.conversations.personalChatOf(tenantId, adminId);
      if (!chat) continue;
      try {
        await this.deps.messenger.postCard(chat.reference, card, { tenantId, ...(key ? { key: `${key}|${adminId}` } : {}) });
        reached++;
      } catch (error) {
        this.deps.log.warn({ err: error, tenantId }, 'could not post an alert card to an admin');
      }
    }
    if (reached === 0) this.deps.log.warn({ tenantId }, 'no admin could be reached for an alert; admins should install Quartermaster');
    return reached;
  }
}
