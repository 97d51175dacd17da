// Teams surface of billing: `invoices`, `chargeback [month]`, `cost owners`, the buttons of
// their cards, and the file consent answers. Small handlers: card data is checked here (cards
// can be forged), who may do what is decided by the services; files come only to a person's
// 1:1 chat (Teams sends files in personal scope), elsewhere a download link is offered.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ChargebackService } from '../services/billing/chargeback.js';
import type { CostOwnerService } from '../services/billing/cost-owners.js';
import type { BillingDocuments, DocumentRef } from '../services/billing/documents.js';
import type { InvoiceService } from '../services/billing/invoices.js';
import type { BillingRefresh } from '../services/billing/refresh.js';
import {
  costOwnerFormCardData,
  costOwnersCardData,
  invoiceCardData,
  reconciliationCardData,
  statementCardData,
  summaryCardData,
} from './billing-views.js';
import {
  sendFileConsent,
  sendFileInfo,
  uploadFile,
  uploadTargetAllowed,
  type FileUploadInfo,
  type UploadOptions,
} from './billing-files.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { commandArgument } from './commands.js';
import { refuseInvoke, replaceCard, sendCard, sendInvokeMessage, UNKNOWN_ACTOR } from './replies.js';
import { actorOf } from './request-handlers.js';
import { MessageFactory, CardFactory } from 'botbuilder';

export interface BillingHandlerDeps {
  /** The calendar (stored invoices are stamped with it). */
  clock: Clock;
  cards: CardRenderer;
  invoices: InvoiceService;
  refresh: Pick<BillingRefresh, 'request'>;
  chargeback: ChargebackService;
  owners: CostOwnerService;
  documents: BillingDocuments;
  uploads: UploadOptions;
  log: Logger;
}

/** Stored invoices older than this are read again when someone asks. */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
const BAD_CARD = 'This card sent something I cannot use. Type **invoices** or **chargeback** for a fresh one.';
const ONLY_IN_PERSONAL =
  'Files come to your 1:1 chat with me: open it and type **invoices** (or **chargeback**) there, or use Download link.';

const InvoiceRef = z.object({
  source: z.enum(['partner-center', 'marketplace']),
  invoiceId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9-]+$/),
});
const MonthRef = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  ownerId: z
    .string()
    .max(64)
    .regex(/^[a-z0-9-]*$/)
    .optional(),
});
const OwnerRef = z.object({
  ownerId: z
    .string()
    .max(64)
    .regex(/^[a-z0-9-]*$/)
    .optional(),
});
const OwnerForm = OwnerRef.extend({
  name: z.string().max(200).optional(),
  departments: z.string().max(1000).optional(),
  groups: z.string().max(1000).optional(),
  costCentres: z.string().max(1000).optional(),
  tags: z.string().max(1000).optional(),
  recipients: z.string().max(1000).optional(),
}).passthrough();
const ConsentAnswer = z.object({
  context: z.object({ token: z.string().max(100) }).passthrough(),
  uploadInfo: z
    .object({
      name: z.string().max(500).optional(),
      uploadUrl: z.string().max(4000).optional(),
      contentUrl: z.string().max(4000).optional(),
      uniqueId: z.string().max(200).optional(),
      fileType: z.string().max(50).optional(),
    })
    .passthrough()
    .optional(),
});

const isPersonal = (context: TurnContext) => context.activity.conversation?.conversationType === 'personal';

export function billingHandlers(d: BillingHandlerDeps) {
  const invoiceCard = (invoice: Parameters<typeof invoiceCardData>[0], link?: { url: string; expiresAt: Date }): AdaptiveCard =>
    d.cards.render('invoice', invoiceCardData(invoice, link));

  /** Checks the card data and the person; refuses the click otherwise. */
  const clicked = async <T>(context: TurnContext, schema: z.ZodType<T>, data: unknown) => {
    const actor = actorOf(context);
    if (!actor) return void (await refuseInvoke(context, UNKNOWN_ACTOR));
    const parsed = schema.safeParse(data);
    if (!parsed.success) return void (await refuseInvoke(context, BAD_CARD));
    return { actor, data: parsed.data };
  };

  /** A file consent card in this 1:1 chat for the document. */
  const offerFile = async (context: TurnContext, ref: DocumentRef, description: string): Promise<string> => {
    const actor = actorOf(context)!;
    if (!isPersonal(context)) return refuseInvoke(context, ONLY_IN_PERSONAL);
    const issued = await d.documents.issue(actor, ref);
    if (!issued.ok) return refuseInvoke(context, issued.message, 403);
    const fetched = await d.documents.fetch(actor, ref);
    if (!fetched.ok) return refuseInvoke(context, fetched.message, fetched.status === 403 ? 403 : 400);
    await sendFileConsent(context, fetched.document, description, issued.token);
    await sendInvokeMessage(context, `I sent ${fetched.document.filename} below: choose Allow to save it in your OneDrive.`);
    return 'offered';
  };

  const chargebackReply = async (context: TurnContext, monthText: string): Promise<AdaptiveCard[] | string> => {
    const actor = actorOf(context);
    if (!actor) return UNKNOWN_ACTOR;
    const answer = await d.chargeback.answer(actor, monthText);
    if (!answer.ok) return answer.message;
    if (answer.kind === 'summary') return [d.cards.render('chargeback-summary', summaryCardData(answer.summary))];
    if (answer.statements.length === 0) return 'Your cost owners had no cost that month.';
    return answer.statements.map((s) => d.cards.render('chargeback-statement', statementCardData(s)));
  };

  const ownersCard = async (
    context: TurnContext,
    note?: { text: string; color: 'Good' | 'Warning' | 'Attention' },
  ): Promise<AdaptiveCard | string> => {
    const actor = actorOf(context);
    if (!actor) return UNKNOWN_ACTOR;
    const result = await d.owners.list(actor);
    if (!result.ok) return result.errors.join(' ');
    return d.cards.render('cost-owners', costOwnersCardData(result.owners, result.configured, note));
  };

  return {
    async invoicesCommand(context: TurnContext): Promise<void> {
      const actor = actorOf(context);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const stored = await d.invoices.stored(actor);
      if (!stored.ok) return void (await context.sendActivity(stored.message));
      const fresh = stored.fetchedAt !== undefined && d.clock().getTime() - Date.parse(stored.fetchedAt) < STALE_AFTER_MS;
      if (stored.invoices.length > 0)
        await context.sendActivities(
          stored.invoices.map((invoice) => MessageFactory.attachment(CardFactory.adaptiveCard(invoiceCard(invoice)))),
        );
      if (fresh) return;
      await d.refresh.request(actor, context.activity.conversation.id);
      await context.sendActivity(
        stored.invoices.length > 0
          ? 'Checking Partner Center and the Marketplace for newer invoices; new ones will appear here.'
          : 'Reading your invoices from Partner Center and the Marketplace; they will appear here in a minute or two (Microsoft prepares its reconciliation data on request).',
      );
    },

    async chargebackCommand(context: TurnContext): Promise<void> {
      const reply = await chargebackReply(context, commandArgument(context.activity.text, 'chargeback'));
      if (typeof reply === 'string') return void (await context.sendActivity(reply));
      for (const card of reply) await sendCard(context, card);
    },

    async costOwnersCommand(context: TurnContext): Promise<void> {
      const card = await ownersCard(context);
      await (typeof card === 'string' ? context.sendActivity(card) : sendCard(context, card));
    },

    async showInvoice(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, InvoiceRef, data);
      if (!click) return 'refused';
      const found = await d.invoices.invoice(click.actor, click.data.source, click.data.invoiceId);
      if (!found.ok) return refuseInvoke(context, found.message, found.forbidden ? 403 : 400);
      return replaceCard(context, invoiceCard(found.invoice));
    },

    async invoiceFile(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<string> {
      const click = await clicked(context, InvoiceRef, data);
      if (!click) return 'refused';
      return offerFile(context, { kind: 'invoice-document', ...click.data }, `Invoice ${click.data.invoiceId}`);
    },

    async invoiceLink(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, InvoiceRef, data);
      if (!click) return 'refused';
      const found = await d.invoices.invoice(click.actor, click.data.source, click.data.invoiceId);
      if (!found.ok) return refuseInvoke(context, found.message, found.forbidden ? 403 : 400);
      const issued = await d.documents.issue(click.actor, { kind: 'invoice-document', ...click.data });
      if (!issued.ok) return refuseInvoke(context, issued.message, 403);
      return replaceCard(context, invoiceCard(found.invoice, issued));
    },

    async showReconciliation(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, InvoiceRef, data);
      if (!click) return 'refused';
      const found = await d.invoices.reconciliation(click.actor, click.data.source, click.data.invoiceId);
      if (!found.ok) return refuseInvoke(context, found.message, found.forbidden ? 403 : 400);
      return replaceCard(context, d.cards.render('reconciliation', reconciliationCardData(found.notice)));
    },

    async showChargeback(context: TurnContext): Promise<AdaptiveCard | string> {
      const reply = await chargebackReply(context, '');
      if (typeof reply === 'string') return refuseInvoke(context, reply, 403);
      return replaceCard(context, reply[0]!);
    },

    async chargebackFile(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<string> {
      const click = await clicked(context, MonthRef, data);
      if (!click) return 'refused';
      const { month, ownerId } = click.data;
      return offerFile(context, { kind: 'chargeback-csv', month, ...(ownerId ? { ownerId } : {}) }, `Chargeback ${month}`);
    },

    async chargebackLink(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<string> {
      const click = await clicked(context, MonthRef, data);
      if (!click) return 'refused';
      const { month, ownerId } = click.data;
      const issued = await d.documents.issue(click.actor, { kind: 'chargeback-csv', month, ...(ownerId ? { ownerId } : {}) });
      if (!issued.ok) return refuseInvoke(context, issued.message, 403);
      await sendInvokeMessage(context, `Download the CSV here (valid for 30 minutes): ${issued.url}`);
      return 'linked';
    },

    async showCostOwners(context: TurnContext): Promise<AdaptiveCard | string> {
      const card = await ownersCard(context);
      return typeof card === 'string' ? refuseInvoke(context, card, 403) : replaceCard(context, card);
    },

    async costOwnerForm(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, OwnerRef, data);
      if (!click) return 'refused';
      const result = await d.owners.list(click.actor);
      if (!result.ok) return refuseInvoke(context, result.errors.join(' '), 403);
      const owner = click.data.ownerId ? result.owners.find((o) => o.id === click.data.ownerId) : undefined;
      if (click.data.ownerId && !owner)
        return refuseInvoke(context, 'That cost owner no longer exists. Type **cost owners** for the list.');
      return replaceCard(context, d.cards.render('cost-owner-form', costOwnerFormCardData({ ...(owner ? { owner } : {}) })));
    },

    async saveCostOwner(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, OwnerForm, data);
      if (!click) return 'refused';
      const { ownerId, ...input } = click.data;
      const result = await d.owners.save(click.actor, ownerId || undefined, input);
      if (!result.ok) {
        if (result.forbidden) return refuseInvoke(context, result.errors.join(' '), 403);
        const existing = ownerId ? (await d.owners.owners(click.actor.tenantId)).owners.find((o) => o.id === ownerId) : undefined;
        return replaceCard(
          context,
          d.cards.render(
            'cost-owner-form',
            costOwnerFormCardData({ ...(existing ? { owner: existing } : {}), input, errors: result.errors }),
          ),
        );
      }
      return replaceCard(
        context,
        d.cards.render('cost-owners', costOwnersCardData(result.owners, true, { text: result.message ?? 'Saved.', color: 'Good' })),
      );
    },

    async removeCostOwner(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, OwnerRef.required({ ownerId: true }), data);
      if (!click) return 'refused';
      const result = await d.owners.remove(click.actor, click.data.ownerId!);
      if (!result.ok) return refuseInvoke(context, result.errors.join(' '), 403);
      return replaceCard(
        context,
        d.cards.render('cost-owners', costOwnersCardData(result.owners, true, { text: result.message ?? 'Removed.', color: 'Good' })),
      );
    },

    /** Allow on a file consent card: the bytes go to the person's OneDrive, then the file shows in the chat. */
    async fileConsentAccept(context: TurnContext, _state: unknown, response: unknown): Promise<void> {
      const actor = actorOf(context);
      const parsed = ConsentAnswer.safeParse(response);
      if (!actor || !parsed.success)
        return void (await context.sendActivity('That file offer could not be read. Ask for the document again.'));
      const upload: FileUploadInfo = parsed.data.uploadInfo ?? {};
      if (!upload.uploadUrl || !uploadTargetAllowed(upload.uploadUrl, d.uploads))
        return void (await context.sendActivity('Teams did not give a place to save the file. Ask for the document again.'));
      const answer = await d.documents.redeem(parsed.data.context.token, actor);
      if (!answer.ok) return void (await context.sendActivity(answer.message));
      const status = await uploadFile(upload.uploadUrl, answer.document.bytes, d.uploads).catch((error: unknown) => {
        d.log.warn({ err: error }, 'a file upload to OneDrive failed');
        return 0;
      });
      if (status < 200 || status >= 300)
        return void (await context.sendActivity(
          'Saving the file to your OneDrive did not work. Try again, or use Download link on the card.',
        ));
      await sendFileInfo(context, upload);
    },

    async fileConsentDecline(context: TurnContext): Promise<void> {
      await context.sendActivity('All right, I did not send the file. Download link on the card gets it another way.');
    },
  };
}
