// Invoice documents and chargeback exports as files: the bytes, checked against who asks. Two
// ways out: a Teams file consent card in the person's 1:1 chat (its context names a link token,
// so a forged context opens nothing), and a download link (`/api/billing/documents/<token>`)
// for clients without file consent (the Agents Playground) and for sources that give links.
// A token is 32 random bytes bound to the person, tenant and document, kept hashed, valid 30
// minutes (as Partner Center's own PDF links); the rights are checked again when it is used.
import type { Clock } from '../../clock.js';
import type { BillingDocument } from '../../connectors/billing/index.js';
import type { BillingSource } from '../../domain/billing/invoice-lines.js';
import type { BillingLinkBinding, BillingLinks } from '../../storage/billing.js';
import type { ChargebackService } from './chargeback.js';
import type { InvoiceService } from './invoices.js';

export type { BillingDocument } from '../../connectors/billing/index.js';

export const LINK_TTL_MS = 30 * 60 * 1000;
export const DOCUMENTS_PATH = '/api/billing/documents';

export type DocumentRef =
  { kind: 'invoice-document'; source: BillingSource; invoiceId: string } | { kind: 'chargeback-csv'; month: string; ownerId?: string };

export type DocumentAnswer = { ok: true; document: BillingDocument } | { ok: false; message: string; status: 403 | 404 | 410 };

type Actor = { tenantId: string; aadObjectId: string };

export class BillingDocuments {
  constructor(
    private readonly deps: {
      clock: Clock;
      links: BillingLinks;
      invoices: Pick<InvoiceService, 'document' | 'invoice'>;
      chargeback: Pick<ChargebackService, 'csv'>;
      publicUrl: () => string;
    },
  ) {}

  /** The document, if this person may have it. */
  async fetch(actor: Actor, ref: DocumentRef): Promise<DocumentAnswer> {
    const answer =
      ref.kind === 'invoice-document'
        ? await this.deps.invoices.document(actor, ref.source, ref.invoiceId)
        : await this.deps.chargeback.csv(actor, ref.month, ref.ownerId);
    if (answer.ok) return answer;
    return { ok: false, message: answer.message, status: answer.forbidden ? 403 : 404 };
  }

  /** A token for this person and document (a link, or a file consent card's context), after checking they may have it. */
  async issue(
    actor: Actor,
    ref: DocumentRef,
  ): Promise<{ ok: true; token: string; url: string; expiresAt: Date } | { ok: false; message: string }> {
    const allowed =
      ref.kind === 'invoice-document'
        ? await this.deps.invoices.invoice(actor, ref.source, ref.invoiceId)
        : await this.deps.chargeback.csv(actor, ref.month, ref.ownerId);
    if (!allowed.ok) return { ok: false, message: allowed.message };
    const binding: BillingLinkBinding = { tenantId: actor.tenantId, userId: actor.aadObjectId.toLowerCase(), ...encode(ref) };
    const { token, expiresAt } = await this.deps.links.issue(binding, LINK_TTL_MS, this.deps.clock());
    return { ok: true, token, url: `${this.deps.publicUrl().replace(/\/+$/, '')}${DOCUMENTS_PATH}/${token}`, expiresAt };
  }

  /** What a token opens, for `actor` (a file consent answer) or for whoever holds the link (the browser). */
  async redeem(token: string, actor?: Actor): Promise<DocumentAnswer> {
    const binding = await this.deps.links.resolve(token, this.deps.clock());
    if (binding === 'unknown')
      return { ok: false, status: 404, message: 'This link is not known. Ask Quartermaster for the document again.' };
    if (binding === 'expired')
      return {
        ok: false,
        status: 410,
        message: 'This link has expired (links last 30 minutes). Ask Quartermaster for the document again.',
      };
    if (actor && (actor.tenantId.toLowerCase() !== binding.tenantId.toLowerCase() || actor.aadObjectId.toLowerCase() !== binding.userId))
      return { ok: false, status: 403, message: 'This file was offered to someone else.' };
    const ref = decode(binding);
    if (!ref) return { ok: false, status: 404, message: 'This link is not known. Ask Quartermaster for the document again.' };
    return this.fetch({ tenantId: binding.tenantId, aadObjectId: binding.userId }, ref);
  }
}

function encode(ref: DocumentRef): Pick<BillingLinkBinding, 'kind' | 'ref'> {
  return ref.kind === 'invoice-document'
    ? { kind: ref.kind, ref: `${ref.source}|${ref.invoiceId}` }
    : { kind: ref.kind, ref: ref.ownerId ? `${ref.month}|${ref.ownerId}` : ref.month };
}

function decode(binding: BillingLinkBinding): DocumentRef | undefined {
  const [first = '', second] = binding.ref.split('|');
  if (binding.kind === 'invoice-document')
    return (first === 'partner-center' || first === 'marketplace') && second
      ? { kind: 'invoice-document', source: first, invoiceId: second }
      : undefined;
  if (binding.kind === 'chargeback-csv') return { kind: 'chargeback-csv', month: first, ...(second ? { ownerId: second } : {}) };
  return undefined;
}
