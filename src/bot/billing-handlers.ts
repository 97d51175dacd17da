// Teams surface of billing: `invoices`, `chargeback [month]`, `cost owners`, the buttons of
// their cards, and the file consent answers, registered on the surface. Card data is checked by
// the schemas here (cards can be forged); who may do what is decided by the services; files come only to a person's
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
import { sendFileConsent, sendFileInfo, type FileUploadInfo, type FileUploads } from './billing-files.js';
import { actorOf } from './activity.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { sendCard } from './replies.js';
import { ADMINS, card, refuse, text, type ActionTurn, type CommandTurn, type Reply, type Surface, type Turn } from './surface.js';

export interface BillingFeatureDeps {
  /** The calendar (stored invoices are stamped with it). */
  clock: Clock;
  cards: CardRenderer;
  invoices: InvoiceService;
  refresh: Pick<BillingRefresh, 'request'>;
  chargeback: ChargebackService;
  owners: CostOwnerService;
  documents: BillingDocuments;
  uploads: FileUploads;
  log: Logger;
}

/** Stored invoices older than this are read again when someone asks. */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
const ONLY_ADMINS = 'Only admins can see invoices and cost owners.';
const ONLY_ADMINS_CHARGEBACK =
  'Only admins can ask for the chargeback; cost owners get their statement on the first working day of each month.';
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
/** A cost owner's id as cards carry it (empty on the form of a new owner). */
const OwnerIdText = z
  .string()
  .max(64)
  .regex(/^[a-z0-9-]*$/);
const MonthRef = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/), ownerId: OwnerIdText.optional() });
const OwnerRef = z.object({ ownerId: OwnerIdText.optional() });
const OwnerForm = OwnerRef.extend({
  name: z.string().max(200).optional(),
  departments: z.string().max(1000).optional(),
  groups: z.string().max(1000).optional(),
  costCentres: z.string().max(1000).optional(),
  tags: z.string().max(1000).optional(),
  recipients: z.string().max(1000).optional(),
}).passthrough();
const OwnerId = z.object({ ownerId: OwnerIdText.min(1) });
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

/** Several cards as one reply: all but the last sent as messages, the last as the reply. */
async function cardsReply(turn: Turn, cards: AdaptiveCard[]): Promise<Reply> {
  for (const each of cards.slice(0, -1)) await sendCard(turn.context, each);
  return card(cards[cards.length - 1]!);
}

export function billingFeature(surface: Surface, d: BillingFeatureDeps): void {
  const invoiceCard = (invoice: Parameters<typeof invoiceCardData>[0], link?: { url: string; expiresAt: Date }) =>
    card(d.cards.render('invoice', invoiceCardData(invoice, link)));
  const refused = (result: { message: string; forbidden?: boolean }): Reply =>
    refuse(result.forbidden ? 'forbidden' : 'invalid', result.message);

  /** A file consent card in this 1:1 chat for the document; elsewhere the way to a link. */
  const offerFile = async ({ context, actor }: Turn, ref: DocumentRef, description: string): Promise<Reply> => {
    if (!isPersonal(context)) return refuse('invalid', ONLY_IN_PERSONAL);
    const issued = await d.documents.issue(actor, ref);
    if (!issued.ok) return refuse('forbidden', issued.message);
    const fetched = await d.documents.fetch(actor, ref);
    if (!fetched.ok) return refuse(fetched.status === 403 ? 'forbidden' : 'unavailable', fetched.message);
    await sendFileConsent(context, fetched.document, description, issued.token);
    return text(`I sent ${fetched.document.filename} below: choose Allow to save it in your OneDrive.`);
  };

  const chargebackReply = async (turn: Turn, monthText: string): Promise<Reply> => {
    const answer = await d.chargeback.answer(turn.actor, monthText);
    if (!answer.ok) return refused(answer);
    if (answer.kind === 'summary') return card(d.cards.render('chargeback-summary', summaryCardData(answer.summary)));
    if (answer.statements.length === 0) return text('Your cost owners had no cost that month.');
    return cardsReply(
      turn,
      answer.statements.map((s) => d.cards.render('chargeback-statement', statementCardData(s))),
    );
  };

  const ownersCard = async ({ actor }: Turn, note?: { text: string; color: 'Good' | 'Warning' | 'Attention' }): Promise<Reply> => {
    const result = await d.owners.list(actor);
    if (!result.ok) return refuse('forbidden', result.errors.join(' '));
    return card(d.cards.render('cost-owners', costOwnersCardData(result.owners, result.configured, note)));
  };

  const invoices = async (turn: CommandTurn): Promise<Reply> => {
    const stored = await d.invoices.stored(turn.actor);
    if (!stored.ok) return refuse('forbidden', stored.message);
    const fresh = stored.fetchedAt !== undefined && d.clock().getTime() - Date.parse(stored.fetchedAt) < STALE_AFTER_MS;
    const cards = stored.invoices.map((invoice) => d.cards.render('invoice', invoiceCardData(invoice)));
    if (fresh && cards.length > 0) return cardsReply(turn, cards);
    for (const each of cards) await sendCard(turn.context, each);
    await d.refresh.request(turn.actor, turn.context.activity.conversation.id);
    return text(
      cards.length > 0
        ? 'Checking Partner Center and the Marketplace for newer invoices; new ones will appear here.'
        : 'Reading your invoices from Partner Center and the Marketplace; they will appear here in a minute or two (Microsoft prepares its reconciliation data on request).',
    );
  };

  const showInvoice = async ({ actor, data }: ActionTurn<z.infer<typeof InvoiceRef>>): Promise<Reply> => {
    const found = await d.invoices.invoice(actor, data.source, data.invoiceId);
    return found.ok ? invoiceCard(found.invoice) : refused(found);
  };

  const invoiceLink = async ({ actor, data }: ActionTurn<z.infer<typeof InvoiceRef>>): Promise<Reply> => {
    const found = await d.invoices.invoice(actor, data.source, data.invoiceId);
    if (!found.ok) return refused(found);
    const issued = await d.documents.issue(actor, { kind: 'invoice-document', ...data });
    if (!issued.ok) return refuse('forbidden', issued.message);
    return invoiceCard(found.invoice, issued);
  };

  const showReconciliation = async ({ actor, data }: ActionTurn<z.infer<typeof InvoiceRef>>): Promise<Reply> => {
    const found = await d.invoices.reconciliation(actor, data.source, data.invoiceId);
    return found.ok ? card(d.cards.render('reconciliation', reconciliationCardData(found.notice))) : refused(found);
  };

  const chargebackLink = async ({ actor, data }: ActionTurn<z.infer<typeof MonthRef>>): Promise<Reply> => {
    const { month, ownerId } = data;
    const issued = await d.documents.issue(actor, { kind: 'chargeback-csv', month, ...(ownerId ? { ownerId } : {}) });
    if (!issued.ok) return refuse('forbidden', issued.message);
    return text(`Download the CSV here (valid for 30 minutes): ${issued.url}`);
  };

  const costOwnerForm = async ({ actor, data }: ActionTurn<z.infer<typeof OwnerRef>>): Promise<Reply> => {
    const result = await d.owners.list(actor);
    if (!result.ok) return refuse('forbidden', result.errors.join(' '));
    const owner = data.ownerId ? result.owners.find((o) => o.id === data.ownerId) : undefined;
    if (data.ownerId && !owner) return refuse('not-found', 'That cost owner no longer exists. Type **cost owners** for the list.');
    return card(d.cards.render('cost-owner-form', costOwnerFormCardData({ ...(owner ? { owner } : {}) })));
  };

  const saveCostOwner = async ({ actor, data }: ActionTurn<z.infer<typeof OwnerForm>>): Promise<Reply> => {
    const { ownerId, ...input } = data;
    const result = await d.owners.save(actor, ownerId || undefined, input);
    if (!result.ok) {
      if (result.forbidden) return refuse('forbidden', result.errors.join(' '));
      const existing = ownerId ? (await d.owners.owners(actor.tenantId)).owners.find((o) => o.id === ownerId) : undefined;
      return card(
        d.cards.render(
          'cost-owner-form',
          costOwnerFormCardData({ ...(existing ? { owner: existing } : {}), input, errors: result.errors }),
        ),
      );
    }
    return card(
      d.cards.render('cost-owners', costOwnersCardData(result.owners, true, { text: result.message ?? 'Saved.', color: 'Good' })),
    );
  };

  const removeCostOwner = async ({ actor, data }: ActionTurn<{ ownerId: string }>): Promise<Reply> => {
    const result = await d.owners.remove(actor, data.ownerId);
    if (!result.ok) return refuse('forbidden', result.errors.join(' '));
    return card(
      d.cards.render('cost-owners', costOwnersCardData(result.owners, true, { text: result.message ?? 'Removed.', color: 'Good' })),
    );
  };

  /** Allow on a file consent card: the bytes go to the person's OneDrive, then the file shows in the chat. */
  const fileConsentAccept = async (context: TurnContext, response: unknown): Promise<void> => {
    const actor = actorOf(context.activity);
    const parsed = ConsentAnswer.safeParse(response);
    if (!actor || !parsed.success)
      return void (await context.sendActivity('That file offer could not be read. Ask for the document again.'));
    const upload: FileUploadInfo = parsed.data.uploadInfo ?? {};
    if (!upload.uploadUrl || !d.uploads.allowed(upload.uploadUrl))
      return void (await context.sendActivity('Teams did not give a place to save the file. Ask for the document again.'));
    const answer = await d.documents.redeem(parsed.data.context.token, actor);
    if (!answer.ok) return void (await context.sendActivity(answer.message));
    const status = await d.uploads.put(upload.uploadUrl, answer.document.bytes).catch((error: unknown) => {
      d.log.warn({ err: error }, 'a file upload to OneDrive failed');
      return 0;
    });
    if (status < 200 || status >= 300)
      return void (await context.sendActivity(
        'Saving the file to your OneDrive did not work. Try again, or use Download link on the card.',
      ));
    await sendFileInfo(context, upload);
  };

  const admins = { roles: ADMINS, refusal: ONLY_ADMINS, badData: BAD_CARD };
  // Who else may see an invoice or a chargeback is the services' call (a cost owner's recipients see theirs).
  const anyone = { badData: BAD_CARD };
  surface.command({ name: 'invoices', refusal: ONLY_ADMINS, run: invoices });
  surface.command({ name: 'chargeback', refusal: ONLY_ADMINS_CHARGEBACK, run: (turn) => chargebackReply(turn, turn.argument) });
  surface.command({ name: 'cost owners', refusal: ONLY_ADMINS, run: (turn) => ownersCard(turn) });
  surface.action({ verb: 'showInvoice', ...admins, schema: InvoiceRef, run: showInvoice });
  surface.action({
    verb: 'invoiceFile',
    ...admins,
    schema: InvoiceRef,
    run: (turn) => offerFile(turn, { kind: 'invoice-document', ...turn.data }, `Invoice ${turn.data.invoiceId}`),
  });
  surface.action({ verb: 'invoiceLink', ...admins, schema: InvoiceRef, run: invoiceLink });
  surface.action({ verb: 'showReconciliation', ...admins, schema: InvoiceRef, run: showReconciliation });
  surface.action({ verb: 'showChargeback', ...anyone, run: (turn) => chargebackReply(turn, '') });
  surface.action({
    verb: 'chargebackFile',
    ...anyone,
    schema: MonthRef,
    run: ({ data, ...turn }) =>
      offerFile(
        turn,
        { kind: 'chargeback-csv', month: data.month, ...(data.ownerId ? { ownerId: data.ownerId } : {}) },
        `Chargeback ${data.month}`,
      ),
  });
  surface.action({ verb: 'chargebackLink', ...anyone, schema: MonthRef, run: chargebackLink });
  surface.action({ verb: 'showCostOwners', ...admins, run: (turn) => ownersCard(turn) });
  surface.action({ verb: 'costOwnerForm', ...admins, schema: OwnerRef, run: costOwnerForm });
  surface.action({ verb: 'saveCostOwner', ...admins, schema: OwnerForm, run: saveCostOwner });
  surface.action({ verb: 'removeCostOwner', ...admins, schema: OwnerId, run: removeCostOwner });
  surface.fileConsent({
    accept: fileConsentAccept,
    decline: async (context) =>
      void (await context.sendActivity('All right, I did not send the file. Download link on the card gets it another way.')),
  });
}

/** Without billing connectors the billing commands still answer, saying why there is nothing. */
export function billingUnavailableFeature(surface: Surface): void {
  const unavailable = async (): Promise<Reply> =>
    refuse(
      'unavailable',
      'Billing needs Partner Center (the partner tenant and its app registration), which this installation does not have.',
    );
  for (const name of ['invoices', 'chargeback', 'cost owners']) surface.command({ name, run: unavailable });
}
