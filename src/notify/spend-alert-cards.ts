// Delivers budget and anomaly alerts as cards through the durable outbox: to the chosen
// channel when one is set and known, otherwise to every admin's 1:1 chat with a hint to type
// `alerts here`. The outbox dedupe key is the alert's ledger key (plus the admin, for 1:1
// copies), so a retried run never posts the same alert twice even past the ledger claim.
import type { Logger } from '../logger.js';
import type { AdaptiveCard, CardRenderer, Text } from '../bot/cards.js';
import { ALERTS_HERE_HINT, anomalyAlertCardData, budgetAlertCardData } from '../bot/spend-views.js';
import type { AnomalyNotice, BudgetAlertNotice, SpendAlertDelivery } from '../services/spend-alerts.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import type { AdminCards } from './admin-cards.js';
import type { OutboxMessenger } from './outbox-messenger.js';

export class SpendAlertCards implements SpendAlertDelivery {
  constructor(
    private readonly deps: {
      messenger: OutboxMessenger;
      conversations: ConversationReferences;
      adminCards: AdminCards;
      cards: CardRenderer;
      log: Logger;
    },
  ) {}

  budgetAlert(notice: BudgetAlertNotice, channelId: string | undefined): Promise<number> {
    return this.post(notice.tenantId, notice.key, channelId, (hint) =>
      this.deps.cards.render('budget-alert', budgetAlertCardData(notice, hint)),
    );
  }

  anomalyAlert(notice: AnomalyNotice, channelId: string | undefined): Promise<number> {
    return this.post(notice.tenantId, notice.key, channelId, (hint) =>
      this.deps.cards.render('anomaly-alert', anomalyAlertCardData(notice, hint)),
    );
  }

  private async post(tenantId: string, key: string, channelId: string | undefined, card: (hint: Text) => AdaptiveCard): Promise<number> {
    const { conversations, messenger, log } = this.deps;
    const channel = channelId ? await conversations.get(tenantId, channelId) : undefined;
    if (channel) {
      await messenger.postCard(channel.reference, card(''), { tenantId, key: `spend|${key}` });
      return 1;
    }
    if (channelId) log.warn({ tenantId, channelId }, 'spend alert channel is unknown (bot removed?); alerting admins instead');
    const reached = await this.deps.adminCards.postToAdmins(tenantId, card(ALERTS_HERE_HINT), `spend|${key}`);
    if (reached === 0) log.warn({ tenantId }, 'no channel and no admin chat for a spend alert; it will be retried on the next evaluation');
    return reached;
  }
}
