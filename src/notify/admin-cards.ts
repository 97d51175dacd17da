// Delivers the license alerts (reclaim, renewals, seats) as cards to every admin's 1:1 chat
// with the bot. An admin who never installed the bot cannot be reached; one failed delivery
// never stops the others.
import type { Logger } from '../logger.js';
import { reclaimCardData, renewalAlertCardData, seatAlertCardData, termEndAlertCardData } from '../bot/admin-alert-views.js';
import type { AdaptiveCard, CardRenderer } from '../bot/cards.js';
import type { AdminAlerts, ReclaimReport, RenewalAlert, SeatChange, TermEndAlert } from '../services/admin-alerts.js';
import type { RoleService } from '../services/roles.js';
import type { ConversationReference } from 'botbuilder';
import type { ConversationReferences } from '../storage/conversation-references.js';
import type { OutboxMessenger } from './outbox-messenger.js';
import { plainText } from '../domain/plain-text.js';

/** Partner mode: where a customer tenant's alerts are copied (its partner's alert channel), and the customer's name. */
export type PartnerAlertChannel = (
  customerTenantId: string,
) => Promise<{ partnerTenantId: string; channelId: string; customerName: string } | undefined>;

export class AdminCards implements AdminAlerts {
  private partnerChannel: PartnerAlertChannel | undefined;

  /** From now on, license alerts of a partner's customer are also posted, naming the customer, to the partner's channel. */
  copyToPartners(channel: PartnerAlertChannel): void {
    this.partnerChannel = channel;
  }

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
    const render = (customer?: string) => this.deps.cards.render('renewal-alert', renewalAlertCardData(alert, customer));
    return this.postToAdmins(alert.tenantId, render(), undefined, render);
  }

  sendTermEnd(alert: TermEndAlert): Promise<number> {
    const render = (customer?: string) => this.deps.cards.render('term-end-alert', termEndAlertCardData(alert, customer));
    return this.postToAdmins(alert.tenantId, render(), undefined, render);
  }

  sendSeatChange(change: SeatChange): Promise<number> {
    const render = (customer?: string) => this.deps.cards.render('seat-alert', seatAlertCardData(change, customer));
    return this.postToAdmins(change.tenantId, render(), undefined, render);
  }

  /**
   * Posts the card to each admin's 1:1 chat; returns how many admins got it. With `key`, each
   * copy's dedupe key is `key|adminId`, so a retried caller never posts it to anyone twice.
   * With `partnerCopy`, the tenant's partner (partner mode) gets that card, naming the customer,
   * in its alert channel, which counts as one more reached.
   */
  async postToAdmins(
    tenantId: string,
    card: AdaptiveCard,
    key?: string,
    partnerCopy?: (customer: string) => AdaptiveCard,
  ): Promise<number> {
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
    if (partnerCopy && (await this.postToPartner(tenantId, partnerCopy, key))) reached++;
    if (reached === 0) this.deps.log.warn({ tenantId }, 'no admin could be reached for an alert; admins should install Quartermaster');
    return reached;
  }

  /**
   * A text alert (a stuck order) copied to the tenant's partner's alert channel, headed with the
   * customer's name (escaped: Partner Center's company name is outside text); false when the
   * tenant has no partner channel. `key` dedupes it like the admins' copies.
   */
  async tellPartner(tenantId: string, text: string, key: string): Promise<boolean> {
    return this.toPartner(tenantId, 'an alert', (reference, target) =>
      this.deps.messenger.postText(reference, `Customer: ${plainText(target.customerName)}. ${text}`, {
        tenantId: target.partnerTenantId,
        key: `${key}|partner`,
      }),
    );
  }

  private postToPartner(tenantId: string, partnerCopy: (customer: string) => AdaptiveCard, key?: string): Promise<boolean> {
    return this.toPartner(tenantId, 'an alert card', (reference, target) =>
      this.deps.messenger.postCard(reference, partnerCopy(target.customerName), {
        tenantId: target.partnerTenantId,
        ...(key ? { key: `${key}|partner` } : {}),
      }),
    );
  }

  /** Posts with `post` to the alert channel of the tenant's partner; false when it has none or the post failed. */
  private async toPartner(
    tenantId: string,
    what: string,
    post: (reference: Partial<ConversationReference>, target: { partnerTenantId: string; customerName: string }) => Promise<unknown>,
  ): Promise<boolean> {
    try {
      const target = await this.partnerChannel?.(tenantId);
      if (!target) return false;
      const channel = await this.deps.conversations.get(target.partnerTenantId, target.channelId);
      if (!channel) return false;
      await post(channel.reference, target);
      return true;
    } catch (error) {
      this.deps.log.warn({ err: error, tenantId }, `could not post ${what} to the partner's channel`);
      return false;
    }
  }
}
