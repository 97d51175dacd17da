// Billing's part of the composition root, kept in one place so src/index.ts wires it in one
// block: the billing connectors (production, or the sandbox's billing emulator), the services
// (invoices and reconciliation, CSP daily usage, chargeback, cost owners, documents), their
// delivery through the outbox, the `billing` queue and its worker, the daily jobs, and the
// download route. Nothing here holds a rule; it only builds and connects.
import type { Clock } from './clock.js';
import type { AppConfig } from './config.js';
import { createBillingConnectors, type BillingConnectorSettings, type BillingConnectors } from './connectors/billing/index.js';
import type { CommercePort, DirectoryPort } from './connectors/ports.js';
import type { Logger } from './logger.js';
import type { BillingHandlerDeps } from './bot/billing-handlers.js';
import type { CardRenderer } from './bot/cards.js';
import { billingJobs } from './jobs/billing-jobs.js';
import { QueueWorker } from './jobs/queue-worker.js';
import type { ScheduledJob } from './jobs/scheduler.js';
import type { AdminCards } from './notify/admin-cards.js';
import { BillingCards } from './notify/billing-cards.js';
import type { DeliveryEngine } from './notify/outbox.js';
import type { OutboxMessenger } from './notify/outbox-messenger.js';
import { ChargebackService } from './services/billing/chargeback.js';
import { CostOwnerService } from './services/billing/cost-owners.js';
import { CspUsageSync } from './services/billing/csp-usage.js';
import { BillingDocuments } from './services/billing/documents.js';
import { InvoiceService } from './services/billing/invoices.js';
import { BillingOrders } from './services/billing/orders.js';
import { BillingRefresh, type BillingRefreshJob } from './services/billing/refresh.js';
import type { CatalogService } from './services/catalog.js';
import type { RoleService } from './services/roles.js';
import type { SpendEvaluator } from './services/spend-contracts.js';
import type { AlertLedger } from './storage/alert-ledger.js';
import type { AuditLog } from './storage/audit-log.js';
import { BillingLinks, ChargebackStore, CostOwnerStore, InvoiceStore, ProcessedInvoices, ReconciliationStore } from './storage/billing.js';
import type { ConnectionRepository } from './storage/connections.js';
import type { ConversationReferences } from './storage/conversation-references.js';
import type { CostRowStore } from './storage/cost-rows.js';
import type { WorkQueues } from './storage/queues.js';
import type { RequestRepository } from './storage/requests.js';
import type { TableStore } from './storage/table-store.js';

export interface BillingParts {
  /** What the Teams surface needs (createBot's `billing`). */
  bot: Omit<BillingHandlerDeps, 'cards' | 'log'>;
  invoices: InvoiceService;
  chargeback: ChargebackService;
  owners: CostOwnerService;
  usage: CspUsageSync;
  documents: BillingDocuments;
  worker: QueueWorker<BillingRefreshJob>;
  /** Resolves once the billing queue is empty and nothing is in hand. */
  settled(): Promise<boolean>;
  jobs: ScheduledJob[];
  /** GET /api/billing/documents/:token. */
  documentRoute(token: string): Promise<{ status: number; body: Buffer; contentType: string; filename?: string }>;
}

/** Billing connectors from the configuration (production) or a sandbox's billing emulator. */
export function billingConnectorsFor(
  config: Pick<AppConfig, 'connectors'>,
  sandbox: Extract<BillingConnectorSettings, { mode: 'sandbox' }>['sandbox'] | undefined,
  log: Logger,
): BillingConnectors | undefined {
  if (config.connectors.mode === 'production')
    return createBillingConnectors(
      {
        mode: 'production',
        partnerCenter: config.connectors.partnerCenter,
        ...(config.connectors.marketplace
          ? { marketplace: { ...(config.connectors.marketplace.baseUrl ? { baseUrl: config.connectors.marketplace.baseUrl } : {}) } }
          : {}),
      },
      log,
    );
  return sandbox ? createBillingConnectors({ mode: 'sandbox', sandbox }, log) : undefined;
}

export function createBilling(d: {
  clock: Clock;
  config: Pick<AppConfig, 'environment'>;
  connectors: BillingConnectors;
  commerce: CommercePort;
  directory: DirectoryPort;
  catalog: CatalogService;
  store: TableStore;
  queues: WorkQueues;
  requests: RequestRepository;
  roles: RoleService;
  audit: AuditLog;
  ledger: AlertLedger;
  connections: Pick<ConnectionRepository, 'list'>;
  /** The tenant's Marketplace API token (its connection; the sandbox's seeded one in local mode). */
  marketplaceToken: (tenantId: string) => Promise<string | undefined>;
  costRows: CostRowStore;
  spendEvaluator: SpendEvaluator;
  messenger: OutboxMessenger;
  engine: DeliveryEngine;
  conversations: ConversationReferences;
  adminCards: AdminCards;
  cards: CardRenderer;
  publicUrl: () => string;
  log: Logger;
}): BillingParts {
  const log = d.log.child({ feature: 'billing' });
  d.connectors.marketplace?.useTokenSource(d.marketplaceToken);
  const delivery = new BillingCards({
    messenger: d.messenger,
    engine: d.engine,
    conversations: d.conversations,
    adminCards: d.adminCards,
    cards: d.cards,
    log,
  });
  const orders = new BillingOrders({ requests: d.requests, catalog: d.catalog, commerce: d.commerce });
  const invoiceStore = new InvoiceStore(d.store);
  const invoices = new InvoiceService({
    clock: d.clock,
    roles: d.roles,
    partnerCenter: { partnerTenantId: d.connectors.partnerTenantId, invoices: d.connectors.partnerCenter, exports: d.connectors.exports },
    ...(d.connectors.marketplace ? { marketplace: d.connectors.marketplace, marketplaceToken: d.marketplaceToken } : {}),
    orders,
    invoices: invoiceStore,
    reconciliations: new ReconciliationStore(d.store),
    processed: new ProcessedInvoices(d.store),
    ledger: d.ledger,
    delivery,
    log,
  });
  const ownerStore = new CostOwnerStore(d.store);
  const owners = new CostOwnerService({ clock: d.clock, store: ownerStore, directory: d.directory, roles: d.roles, audit: d.audit });
  const chargeback = new ChargebackService({
    clock: d.clock,
    roles: d.roles,
    owners,
    directory: d.directory,
    catalog: d.catalog,
    commerce: d.commerce,
    invoices: invoiceStore,
    rows: d.costRows,
    chargebacks: new ChargebackStore(d.store),
    ledger: d.ledger,
    delivery,
    log,
  });
  const usage = new CspUsageSync({
    clock: d.clock,
    partnerTenantId: d.connectors.partnerTenantId,
    exports: d.connectors.exports,
    rows: d.costRows,
    connections: d.connections,
    owners: ownerStore,
    evaluator: d.spendEvaluator,
    log,
  });
  const documents = new BillingDocuments({
    clock: d.clock,
    links: new BillingLinks(d.store),
    invoices,
    chargeback,
    publicUrl: d.publicUrl,
  });
  const queue = d.queues.queue<BillingRefreshJob>('billing');
  let worker: QueueWorker<BillingRefreshJob> | undefined;
  const refresh = new BillingRefresh({
    queue,
    invoices,
    tell: (job, list, report) => delivery.invoices(job, list, report),
    nudge: () => worker?.nudge(),
  });
  worker = new QueueWorker<BillingRefreshJob>({
    name: 'billing',
    queue,
    handle: (job) => refresh.handle(job),
    onPoison: async (job, error) => void log.error({ err: error, tenantId: job.tenantId }, 'an invoice refresh gave up'),
    log,
    // Microsoft's exports take minutes: a redelivery during one would only repeat it.
    visibilitySeconds: 30 * 60,
    idlePollMs: d.config.environment === 'test' ? 100 : 1000,
  });
  return {
    bot: {
      clock: d.clock,
      invoices,
      refresh,
      chargeback,
      owners,
      documents,
      uploads: { allowLoopback: d.config.environment !== 'production', timeoutMs: 60_000 },
    },
    invoices,
    chargeback,
    owners,
    usage,
    documents,
    worker,
    settled: () => queue.settled(),
    jobs: billingJobs({ invoices, usage, chargeback, tenants: () => d.roles.tenants(), log }),
    async documentRoute(token) {
      const answer = await documents.redeem(token);
      if (answer.ok)
        return { status: 200, body: answer.document.bytes, contentType: answer.document.contentType, filename: answer.document.filename };
      return { status: answer.status, body: Buffer.from(answer.message, 'utf8'), contentType: 'text/plain; charset=utf-8' };
    },
  };
}
