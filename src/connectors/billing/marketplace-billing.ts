// Marketplace Platform billing (/public/v1/billing): the client's invoices (ERP lines, tax,
// due date), the statement each invoice comes from and its charges (subscription, order and
// item refs: what reconciliation matches), and the invoice document (an attachment, fetched
// from where the platform redirects, without the API token). Lists are paged with RQL
// limit/offset until `$meta.pagination.total` is reached.
import { z } from 'zod';
import { correlationIdForCall } from '../../correlation.js';
import type { Logger } from '../../logger.js';
import { marketplaceFailure, NOT_CONNECTED_MESSAGE } from '../marketplace/marketplace-errors.js';
import { DEFAULT_MARKETPLACE_BASE_URL, type MarketplaceTokenSource } from '../marketplace/marketplace-commerce.js';
import { getJsonWithRetries, parseWire } from '../outbound.js';
import { ConnectorError } from '../ports.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { downloadDocument, type BillingDocument } from './downloads.js';

const SERVICE = 'marketplace';
const PAGE = 100;
const MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;

const Page = z.object({
  $meta: z.object({ pagination: z.object({ offset: z.number(), limit: z.number(), total: z.number().nullish() }) }).passthrough(),
  data: z.array(z.record(z.unknown())),
});

const InvoiceWire = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    status: z.string().nullish(),
    type: z.string().nullish(),
    statement: z.object({ id: z.string() }).passthrough().nullish(),
    agreement: z.object({ id: z.string(), name: z.string().nullish() }).passthrough().nullish(),
    product: z.object({ id: z.string(), name: z.string().nullish() }).passthrough().nullish(),
    vendor: z.object({ name: z.string().nullish() }).passthrough().nullish(),
    erpData: z
      .object({
        documentNo: z.string().nullish(),
        documentDate: z.string().nullish(),
        dueDate: z.string().nullish(),
        invoiceTotal: z.union([z.number(), z.string()]).nullish(),
      })
      .passthrough()
      .nullish(),
    price: z.object({ currency: z.string().nullish() }).passthrough().nullish(),
    lines: z.array(z.record(z.unknown())).nullish(),
  })
  .passthrough();

export type MarketplaceInvoiceWire = z.infer<typeof InvoiceWire>;

const AttachmentWire = z
  .object({ id: z.string(), filename: z.string().nullish(), contentType: z.string().nullish(), isDeleted: z.boolean().nullish() })
  .passthrough();

export interface MarketplaceBillingOptions {
  baseUrl?: string;
  tokens: MarketplaceTokenSource;
  retry: RetryPolicy;
  log: Logger;
}

export class MarketplaceBilling {
  private readonly baseUrl: string;
  private tokens: MarketplaceTokenSource;

  constructor(private readonly options: MarketplaceBillingOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_MARKETPLACE_BASE_URL).replace(/\/+$/, '');
    this.tokens = options.tokens;
  }

  /** Where API tokens come from (the tenant's stored connection). */
  useTokenSource(source: MarketplaceTokenSource): void {
    this.tokens = source;
  }

  /** The client's invoices, newest first, up to `limit`. */
  async listInvoices(customerId: string, limit = 12): Promise<MarketplaceInvoiceWire[]> {
    const { data } = parseWire(
      SERVICE,
      Page,
      await this.get(customerId, `/billing/invoices?order=-audit.created.at&limit=${limit}&offset=0`),
    );
    return data.map((item) => parseWire(SERVICE, InvoiceWire, item));
  }

  async getInvoice(customerId: string, invoiceId: string): Promise<MarketplaceInvoiceWire> {
    return parseWire(SERVICE, InvoiceWire, await this.get(customerId, `/billing/invoices/${encodeURIComponent(invoiceId)}`));
  }

  /** Every charge of a statement, page by page. */
  async *statementCharges(customerId: string, statementId: string): AsyncGenerator<Record<string, unknown>> {
    for (let offset = 0; ; offset += PAGE) {
      const page = parseWire(
        SERVICE,
        Page,
        await this.get(customerId, `/billing/statements/${encodeURIComponent(statementId)}/charges?limit=${PAGE}&offset=${offset}`),
      );
      yield* page.data;
      const total = page.$meta.pagination.total ?? offset + page.data.length;
      if (page.data.length === 0 || offset + page.data.length >= total) return;
    }
  }

  /** The invoice's attachments that are not deleted. */
  async invoiceAttachments(customerId: string, invoiceId: string): Promise<{ id: string; filename?: string }[]> {
    const { data } = parseWire(
      SERVICE,
      Page,
      await this.get(customerId, `/billing/invoices/${encodeURIComponent(invoiceId)}/attachments?limit=${PAGE}&offset=0`),
    );
    return data.flatMap((item) => {
      const parsed = AttachmentWire.safeParse(item);
      if (!parsed.success || parsed.data.isDeleted) return [];
      return [{ id: parsed.data.id, ...(parsed.data.filename ? { filename: parsed.data.filename } : {}) }];
    });
  }

  /** The invoice's document (its first attachment); undefined when it has none. */
  async invoiceDocument(customerId: string, invoiceId: string): Promise<BillingDocument | undefined> {
    const [attachment] = await this.invoiceAttachments(customerId, invoiceId);
    if (!attachment) return undefined;
    const token = await this.tokenOf(customerId);
    const { retry } = this.options;
    return withRetries(
      async () =>
        downloadDocument(
          `${this.baseUrl}/billing/invoices/${encodeURIComponent(invoiceId)}/attachments/${encodeURIComponent(attachment.id)}`,
          {
            headers: { Authorization: `Bearer ${token}`, 'X-Correlation-Id': correlationIdForCall() },
            timeoutMs: retry.timeoutMs,
            maxBytes: MAX_DOCUMENT_BYTES,
            service: SERVICE,
            fallbackName: attachment.filename ?? `${invoiceId}.pdf`,
            redirectWithoutAuth: true,
          },
        ),
      retry,
    );
  }

  private async tokenOf(customerId: string): Promise<string> {
    const token = await this.tokens(customerId);
    if (!token)
      throw new ConnectorError('unauthorized', `marketplace: ${NOT_CONNECTED_MESSAGE}`, { service: SERVICE, code: 'not-connected' });
    return token;
  }

  private async get(customerId: string, path: string): Promise<unknown> {
    const token = await this.tokenOf(customerId);
    return getJsonWithRetries(this.options.log, this.options.retry, {
      service: SERVICE,
      baseUrl: this.baseUrl,
      path,
      headers: (correlationId) => ({ Authorization: `Bearer ${token}`, 'X-Correlation-Id': correlationId }),
      failure: (answer) => marketplaceFailure(answer.status, answer.text, answer.headers, token),
    });
  }
}
