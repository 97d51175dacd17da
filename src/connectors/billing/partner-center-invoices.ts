// Partner Center invoices (REST v1, the partner's own): the list, one invoice, its PDF.
// Partner-level data: the partner tenant's app credentials; the services decide who may see
// what (a customer sees only its own lines, never the partner's PDF).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { correlationIdForCall } from '../../correlation.js';
import { decimalFromWire } from '../../domain/spend/focus.js';
import type { Logger } from '../../logger.js';
import { PARTNER_CENTER_SCOPE, type TokenProvider } from '../identity/token-provider.js';
import { getJsonWithRetries, parseWire } from '../outbound.js';
import { partnerCenterFailure } from '../partner-center/partner-center-errors.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { downloadDocument, type BillingDocument } from './downloads.js';

const SERVICE = 'partner-center';
export const DEFAULT_PARTNER_CENTER_BASE_URL = 'https://api.partnercenter.microsoft.com';
/** An invoice PDF bigger than this is refused (Teams takes files up to 250 GB; nobody's invoice is 50 MB). */
const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

const InvoiceWire = z
  .object({
    id: z.string(),
    invoiceDate: z.string(),
    billingPeriodStartDate: z.string().nullish(),
    billingPeriodEndDate: z.string().nullish(),
    totalCharges: z.union([z.number(), z.string()]),
    currencyCode: z.string(),
    pdfDownloadLink: z.string().nullish(),
    documentType: z.string().nullish(),
    invoiceType: z.string().nullish(),
  })
  .passthrough();

/** What Quartermaster reads of a Partner Center invoice. */
export interface PartnerCenterInvoice {
  id: string;
  /** ISO date-time. */
  invoiceDate: string;
  periodStart?: string;
  periodEnd?: string;
  /** The header's total (decimal text, the billing currency): compared with the sum of the lines. */
  totalCharges: string;
  currency: string;
  documentType: string;
  invoiceType: string;
  /** Given only when read by id: the PDF can be downloaded. */
  hasDocument: boolean;
}

export interface PartnerCenterInvoicesOptions {
  tokens: TokenProvider;
  partnerTenantId: string;
  baseUrl?: string;
  retry: RetryPolicy;
  log: Logger;
}

export class PartnerCenterInvoices {
  private readonly baseUrl: string;

  constructor(private readonly options: PartnerCenterInvoicesOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_PARTNER_CENTER_BASE_URL).replace(/\/+$/, '');
  }

  /** The partner's invoices, newest first (the list carries no PDF link). */
  async listInvoices(): Promise<PartnerCenterInvoice[]> {
    const body = await this.getJson('/v1/invoices');
    const { items } = parseWire(SERVICE, z.object({ items: z.array(InvoiceWire) }), body);
    return items.map(toInvoice).sort((a, b) => (a.invoiceDate < b.invoiceDate ? 1 : -1));
  }

  async getInvoice(invoiceId: string): Promise<PartnerCenterInvoice> {
    return toInvoice(parseWire(SERVICE, InvoiceWire, await this.getJson(`/v1/invoices/${encodeURIComponent(invoiceId)}`)));
  }

  /** The invoice PDF (GET /v1/invoices/{id}/documents/statement). */
  async invoiceDocument(invoiceId: string): Promise<BillingDocument> {
    const { retry } = this.options;
    const correlationId = correlationIdForCall();
    return withRetries(
      async () =>
        downloadDocument(`${this.baseUrl}/v1/invoices/${encodeURIComponent(invoiceId)}/documents/statement`, {
          headers: await this.headers(correlationId),
          timeoutMs: retry.timeoutMs,
          maxBytes: MAX_DOCUMENT_BYTES,
          service: SERVICE,
          fallbackName: `Invoice_${invoiceId}.pdf`,
        }),
      retry,
    );
  }

  /** Partner Center's request headers: the partner's token, the contract version, the call's correlation id, a fresh request id. */
  private async headers(correlationId: string): Promise<Record<string, string>> {
    const { tokens, partnerTenantId } = this.options;
    return {
      Authorization: `Bearer ${await tokens.getToken(partnerTenantId, PARTNER_CENTER_SCOPE)}`,
      'MS-Contract-Version': 'v1',
      'MS-CorrelationId': correlationId,
      'MS-RequestId': randomUUID(),
    };
  }

  private getJson(path: string): Promise<unknown> {
    return getJsonWithRetries(this.options.log, this.options.retry, {
      service: SERVICE,
      baseUrl: this.baseUrl,
      path,
      headers: (correlationId) => this.headers(correlationId),
      failure: (answer) => partnerCenterFailure(answer.status, answer.text, answer.headers),
    });
  }
}

function toInvoice(wire: z.infer<typeof InvoiceWire>): PartnerCenterInvoice {
  return {
    id: wire.id,
    invoiceDate: wire.invoiceDate,
    ...(wire.billingPeriodStartDate ? { periodStart: wire.billingPeriodStartDate.slice(0, 10) } : {}),
    ...(wire.billingPeriodEndDate ? { periodEnd: wire.billingPeriodEndDate.slice(0, 10) } : {}),
    totalCharges: decimalFromWire(wire.totalCharges),
    currency: wire.currencyCode.toUpperCase(),
    documentType: wire.documentType ?? 'invoice',
    invoiceType: wire.invoiceType ?? '',
    hasDocument: Boolean(wire.pdfDownloadLink),
  };
}
