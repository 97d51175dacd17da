// Billing: invoices from Partner Center and the marketplace with their reconciliation against
// what Quartermaster ordered (a queue of its own: Microsoft prepares exports on request, so
// `invoices` answers at once and a worker reads), the partner's daily unbilled usage stored as
// cost rows (counted by budgets and anomalies), cost owners and the monthly chargeback sent
// to them through the outbox, and the short-lived links behind which files are downloaded.
// Absent when there are no billing connectors (a sandbox without the billing emulator).
import type { BillingConnectors } from '../connectors/index.js';
import { uploadFile, uploadTargetAllowed, type UploadOptions } from '../connectors/onedrive-upload.js';
import { billingJobs } from '../jobs/billing-jobs.js';
import { QueueWorker } from '../jobs/queue-worker.js';
import { BillingCards } from '../notify/billing-cards.js';
import { ChargebackService } from '../services/billing/chargeback.js';
import { CostOwnerService } from '../services/billing/cost-owners.js';
import { CspUsageSync } from '../services/billing/csp-usage.js';
import { BillingDocuments } from '../services/billing/documents.js';
import { InvoiceService } from '../services/billing/invoices.js';
import { BillingOrders } from '../services/billing/orders.js';
import { BillingRefresh, type BillingRefreshJob } from '../services/billing/refresh.js';
import { BillingLinks, ChargebackStore, CostOwnerStore, InvoiceStore, ProcessedInvoices, ReconciliationStore } from '../storage/billing.js';
import type { Catalog } from './catalog.js';
import type { Connections } from './connections.js';
import type { Licensing } from './licensing.js';
import type { Outbox } from './outbox.js';
import type { Platform } from './platform.js';
import type { QueueWork } from './queue-work.js';
import type { Spend } from './spend.js';
import type { Timings } from './timings.js';

export type Billing = NonNullable<ReturnType<typeof wireBilling>>;

/** What GET /api/billing/documents/:token answers. */
export interface BillingDocumentAnswer {
  status: number;
  body: Buffer;
  contentType: string;
  filename?: string;
}

export function wireBilling(
  p: Platform,
  outbox: Outbox,
  f: { catalog: Catalog; connections: Connections; licensing: Licensing; spend: Spend },
  timings: Timings,
  publicUrl: () => string,
) {
  const connectors: BillingConnectors | undefined = p.connectors.billing;
  if (!connectors) return undefined;
  const { clock, store, roles, config } = p;
  const log = p.log.child({ feature: 'billing' });
  const marketplaceToken = (tenantId: string) => f.connections.connections.marketplaceToken(tenantId);
  connectors.marketplace?.useTokenSource(marketplaceToken);

  const delivery = new BillingCards({
    messenger: outbox.messenger,
    engine: outbox.delivery.engine,
    conversations: p.conversations,
    adminCards: outbox.adminCards,
    cards: p.teams.cards,
    log,
  });
  const orders = new BillingOrders({ requests: f.licensing.requests, catalog: f.catalog.catalog, commerce: p.connectors.commerce });
  const invoiceStore = new InvoiceStore(store);
  const invoices = new InvoiceService({
    clock,
    roles,
    partnerCenter: { partnerTenantId: connectors.partnerTenantId, invoices: connectors.partnerCenter, exports: connectors.exports },
    ...(connectors.marketplace ? { marketplace: connectors.marketplace, marketplaceToken } : {}),
    orders,
    invoices: invoiceStore,
    reconciliations: new ReconciliationStore(store),
    processed: new ProcessedInvoices(store),
    ledger: p.alertLedger,
    delivery,
    log,
  });
  const ownerStore = new CostOwnerStore(store);
  const owners = new CostOwnerService({ clock, store: ownerStore, directory: p.connectors.directory, roles, audit: p.audit });
  const chargeback = new ChargebackService({
    clock,
    roles,
    owners,
    directory: p.connectors.directory,
    catalog: f.catalog.catalog,
    commerce: p.connectors.commerce,
    invoices: invoiceStore,
    rows: f.spend.rows,
    chargebacks: new ChargebackStore(store),
    ledger: p.alertLedger,
    delivery,
    log,
  });
  const usage = new CspUsageSync({
    clock,
    partnerTenantId: connectors.partnerTenantId,
    exports: connectors.exports,
    rows: f.spend.rows,
    connections: f.connections.connectionStore,
    owners: ownerStore,
    evaluator: f.spend.evaluator,
    log,
  });
  const uploadOptions: UploadOptions = { allowLoopback: config.environment !== 'production', timeoutMs: 60_000 };
  const documents = new BillingDocuments({ clock, links: new BillingLinks(store), invoices, chargeback, publicUrl });

  const queue = p.queues.queue<BillingRefreshJob>('billing');
  const worker: QueueWorker<BillingRefreshJob> = new QueueWorker<BillingRefreshJob>({
    name: 'billing',
    queue,
    handle: (job) => refresh.handle(job),
    onPoison: async (job, error) => void log.error({ err: error, tenantId: job.tenantId }, 'an invoice refresh gave up'),
    log,
    // Microsoft's exports take minutes: a redelivery during one would only repeat it.
    visibilitySeconds: 30 * 60,
    idlePollMs: timings.queueIdlePollMs,
  });
  const refresh = new BillingRefresh({
    queue,
    invoices,
    tell: (job, list, report) => delivery.invoices(job, list, report),
    nudge: () => worker.nudge(),
  });

  return {
    invoices,
    chargeback,
    owners,
    usage,
    documents,
    /** What the Teams surface needs (createBot's `billing`). */
    forBot: {
      clock,
      invoices,
      refresh,
      chargeback,
      owners,
      documents,
      uploads: {
        allowed: (url: string) => uploadTargetAllowed(url, uploadOptions),
        put: (url: string, bytes: Buffer) => uploadFile(url, bytes, uploadOptions),
      },
    },
    work: { worker } satisfies QueueWork,
    jobs: billingJobs({ invoices, usage, chargeback, tenants: () => roles.tenants(), log }),
    /** GET /api/billing/documents/:token. */
    async documentRoute(token: string): Promise<BillingDocumentAnswer> {
      const answer = await documents.redeem(token);
      if (answer.ok)
        return { status: 200, body: answer.document.bytes, contentType: answer.document.contentType, filename: answer.document.filename };
      return { status: answer.status, body: Buffer.from(answer.message, 'utf8'), contentType: 'text/plain; charset=utf-8' };
    },
  };
}
