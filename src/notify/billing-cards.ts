// Delivers billing's cards through the durable outbox: reconciliation cards and chargeback
// summaries to every admin's 1:1 chat, statements to each cost owner's recipients, and the
// invoice cards a queued `invoices` fetched to the chat that asked. Dedupe keys are the ledger
// keys (plus the person, for 1:1 copies), so a retried run never posts the same card twice.
import type { Logger } from '../logger.js';
import { invoiceCardData, reconciliationCardData, statementCardData, summaryCardData } from '../bot/billing-views.js';
import type { CardRenderer } from '../bot/cards.js';
import type { ChargebackDelivery, StatementView, SummaryView } from '../services/billing/chargeback.js';
import type { ReconciliationDelivery, ReconciliationNotice, RefreshReport, StoredInvoice } from '../services/billing/invoices.js';
import type { BillingRefreshJob } from '../services/billing/refresh.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import type { AdminCards } from './admin-cards.js';
import type { DeliveryEngine } from './outbox.js';
import type { OutboxMessenger } from './outbox-messenger.js';

export class BillingCards implements ReconciliationDelivery, ChargebackDelivery {
  constructor(
    private readonly deps: {
      messenger: OutboxMessenger;
      engine: DeliveryEngine;
      conversations: ConversationReferences;
      adminCards: AdminCards;
      cards: CardRenderer;
      log: Logger;
    },
  ) {}

  reconciliation(notice: ReconciliationNotice): Promise<number> {
    const card = this.deps.cards.render('reconciliation', reconciliationCardData(notice));
    return this.deps.adminCards.postToAdmins(notice.tenantId, card, `billing-reconciliation|${notice.key}`);
  }

  summary(view: SummaryView, key: string): Promise<number> {
    return this.deps.adminCards.postToAdmins(view.tenantId, this.deps.cards.render('chargeback-summary', summaryCardData(view)), key);
  }

  async statement(view: StatementView, recipientIds: readonly string[], key: string): Promise<number> {
    const card = this.deps.cards.render('chargeback-statement', statementCardData(view));
    let reached = 0;
    for (const recipientId of recipientIds) {
      const chat = await this.deps.conversations.personalChatOf(view.tenantId, recipientId);
      if (!chat) {
        this.deps.log.warn(
          { tenantId: view.tenantId, owner: view.owner.id },
          'a cost owner recipient has not installed Quartermaster; no statement for them',
        );
        continue;
      }
      await this.deps.messenger.postCard(chat.reference, card, { tenantId: view.tenantId, key: `${key}|${recipientId}` });
      reached++;
    }
    return reached;
  }

  /** What a queued `invoices` found, to the chat that asked (once per ask). */
  async invoices(job: BillingRefreshJob, invoices: StoredInvoice[], report: RefreshReport): Promise<void> {
    const address = { tenantId: job.tenantId, conversationId: job.conversationId };
    const wanted = new Set(report.stored.filter((s) => s.tenantId === job.tenantId.toLowerCase()).map((s) => `${s.source}|${s.id}`));
    const fresh = invoices.filter((i) => wanted.has(`${i.source}|${i.id}`));
    for (const invoice of fresh)
      await this.deps.engine.deliver({
        kind: 'card',
        card: this.deps.cards.render('invoice', invoiceCardData(invoice)),
        key: `billing-invoices|${job.id}|${invoice.source}|${invoice.id}`,
        ...address,
      });
    if (fresh.length > 0 && report.problems.length === 0) return;
    const lines = [
      fresh.length === 0 ? (invoices.length === 0 ? 'No invoices found in Partner Center or the Marketplace.' : 'No newer invoices.') : '',
      ...report.problems.map((p) => `Could not read everything: ${p}`),
    ].filter(Boolean);
    await this.deps.engine.deliver({ kind: 'text', text: lines.join('\n\n'), key: `billing-invoices|${job.id}|note`, ...address });
  }
}
