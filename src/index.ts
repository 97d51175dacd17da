// Composition root: config → storage → services → bot → server. `npm start` runs main(),
// which in local mode also starts Azurite and the Agents Playground; tests call
// startQuartermaster() directly with a config of their own.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock, type Clock } from './clock.js';
import { ConfigError, loadConfig, loadEnvFile, type AppConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { routeConsoleToLogger } from './console-log.js';
import { flushTelemetry, telemetryStarted } from './telemetry.js';
import { languageDir, projectRoot } from './paths.js';
import { createAdapter, createBot } from './bot/app.js';
import type { Surface } from './bot/surface.js';
import { CardRenderer } from './bot/cards.js';
import { ChildProcesses } from './local/child-processes.js';
import { HealthService } from './services/health.js';
import { RoleService } from './services/roles.js';
import { startServer } from './server.js';
import { AuditLog } from './storage/audit-log.js';
import { ConversationReferences } from './storage/conversation-references.js';
import { TableStore } from './storage/table-store.js';
import { defaultPolicies } from './domain/policy.js';
import { createConnectors, type Connectors } from './connectors/index.js';
import { QueueWorker } from './jobs/queue-worker.js';
import { Scheduler } from './jobs/scheduler.js';
import { createDelivery } from './notify/delivery.js';
import { InstanceRegistry } from './storage/instances.js';
import { OutboxMessenger } from './notify/outbox-messenger.js';
import { syncReportTeller } from './notify/sync-reports.js';
import { SyncNowService, type SyncNowJob } from './services/sync-now.js';
import type { DeliveryEngine } from './notify/outbox.js';
import { createHash } from 'node:crypto';
import { TeamsRequestNotifier } from './notify/request-notifier.js';
import { ApprovalService } from './services/approvals.js';
import { CatalogService } from './services/catalog.js';
import { PartnerCenterPriceSources } from './services/price-sources.js';
import { PriceSheetCache } from './storage/price-sheets.js';
import { FulfilmentService } from './services/fulfilment.js';
import { ReminderService } from './services/reminders.js';
import { StalledApprovals } from './services/stalled-approvals.js';
import { SeatReservations } from './services/seat-reservations.js';
import { RequestService, type FulfilmentJob } from './services/requests.js';
import { CardRefs } from './storage/card-refs.js';
import { Leases } from './storage/leases.js';
import { PolicyRepository } from './storage/policies.js';
import { WorkQueues } from './storage/queues.js';
import { RequestRepository } from './storage/requests.js';
import { SettingsRepository } from './storage/settings.js';
import { SeatLotRepository } from './storage/seat-lots.js';
import { PurchaseLocks } from './storage/purchase-locks.js';
import { SubscriptionService } from './services/subscriptions.js';
import { AdminCards } from './notify/admin-cards.js';
import { ReclaimService } from './services/reclaim.js';
import { RenewalAlertService } from './services/renewal-alerts.js';
import { SeatWatchService } from './services/seat-watch.js';
import { ActionLocks, AlertLedger, SeatStates } from './storage/alert-ledger.js';
import { licenseAlertJobs } from './jobs/license-alert-jobs.js';
import { spendJobs } from './jobs/spend-jobs.js';
import { SpendSyncService } from './services/spend-sync.js';
import type { CostRowReader, SpendSync } from './services/spend-contracts.js';
import { CostRowStore } from './storage/cost-rows.js';
import { BudgetService } from './services/budgets.js';
import { SpendAlertService } from './services/spend-alerts.js';
import { SpendReport } from './services/spend-report.js';
import { BudgetRepository } from './storage/budgets.js';
import { SpendAlertCards } from './notify/spend-alert-cards.js';
import type { Sandbox } from './sandbox/index.js';
import { ConnectionService } from './services/connections.js';
import { ConnectionRepository } from './storage/connections.js';
import { ConsentStates } from './storage/consent-states.js';
import { renderConsentPage } from './http/consent-page.js';
import { TeamsConnectionNotices } from './notify/connection-notices.js';
import { SecretBox, parseKeyring, generateKeyText, type Keyring } from './security/secret-box.js';
import { localKeyring } from './local/secret-keys.js';
import { hostname, tmpdir } from 'node:os';
import { VendorFulfilment } from './services/vendor-fulfilment.js';
import { ConversationService } from './services/conversations.js';
import { AdminConsole } from './services/admin-console.js';
import { StuckOrderWatch } from './services/stuck-orders.js';
import { marketplaceJobs } from './jobs/marketplace-jobs.js';
import { loadLanguageData } from './language/corpus.js';
import { Understander } from './language/understand.js';
import { ApprovalPathService } from './services/approval-paths.js';
import { PeopleService } from './services/people.js';
import { ProductWishes } from './services/product-wishes.js';

export type ResolvedConfig = AppConfig & { storage: Exclude<AppConfig['storage'], { kind: 'local-azurite' }> };

export interface Quartermaster {
  url: string;
  port: number;
  log: Logger;
  store: TableStore;
  audit: AuditLog;
  conversations: ConversationReferences;
  requests: RequestRepository;
  settings: SettingsRepository;
  reminders: ReminderService;
  stalledApprovals: StalledApprovals;
  /** The license alert jobs (tests run them with a chosen `now`). */
  licenseAlerts: { reclaim: ReclaimService; renewals: RenewalAlertService; seats: SeatWatchService; ledger: AlertLedger };
  connections: ConnectionService;
  /** The connections table itself (diagnostics and tests: secrets open only through it). */
  connectionStore: ConnectionRepository;
  /** The delivery engine every proactive message goes through (tests and the benchmark enqueue on it). */
  outbox: DeliveryEngine;
  /** Spend: the daily cost sync and the rows it stored (the budgets side adds its members here). */
  spend: { sync: SpendSync; rows: CostRowReader; budgets: BudgetService; report: SpendReport; evaluator: SpendAlertService };
  /** Marketplace (when configured): vendor-assigned fulfilment and the stuck-order watch (tests run it with a chosen `now`). */
  marketplace?: { vendor: VendorFulfilment; stuckOrders: StuckOrderWatch };
  /** The loopback emulators, when this instance started them (sandbox connectors). */
  sandbox?: Sandbox;
  /** The Teams surface's registry: every card verb the bot routes (the fuzz test sends each), and help per role. */
  surface: Pick<Surface, 'verbs' | 'helpFor'>;
  /** Resolves once the language model has trained (free text is understood from then on). */
  languageReady: Promise<void>;
  /** Graceful: stop accepting, finish turns in flight, close workers. */
  stop(): Promise<void>;
  /**
   * Resolves once every queue this instance works (fulfilment, sync now, the outbox) is empty
   * and nothing is in hand: what tests await instead of sleeping before "nothing more happened".
   */
  drain(timeoutMs?: number): Promise<void>;
}

export interface StartOptions {
  /** Connectors to use instead of building them from the config (tests bring a sandbox). */
  connectors?: Connectors;
  /** Name of this instance in leases; defaults to host and pid. */
  instanceName?: string;
  /** False: take no queue work (tests that simulate a crash between approval and fulfilment). */
  startWorkers?: boolean;
  /** The calendar (default: the system clock); tests choose theirs. */
  clock?: Clock;
}

export async function startQuartermaster(
  config: ResolvedConfig,
  log = createLogger(config.logLevel),
  options: StartOptions = {},
): Promise<Quartermaster> {
  const clock = options.clock ?? systemClock;
  const store = new TableStore(config.storage, config.tablePrefix, clock);
  const audit = new AuditLog(store);
  const conversations = new ConversationReferences(store);
  const roles = new RoleService(config.bootstrapAdmins);
  const queues = new WorkQueues(config.storage, config.tablePrefix);
  // Ready when tables and queues answer, with operations the app's data-plane roles allow.
  const storagePing = { ping: async (timeoutMs?: number) => void (await Promise.all([store.ping(timeoutMs), queues.ping(timeoutMs)])) };
  const health = new HealthService(storagePing, { environment: config.environment, authentication: Boolean(config.bot.appId) });
  // Tables are created in the background; until then /readyz says 503 and turns say "try again".
  store.ensureTables().catch((error: unknown) => log.warn({ err: error }, 'storage not reachable yet; will retry on first use'));

  const { connectors, sandbox } = options.connectors
    ? { connectors: options.connectors, sandbox: undefined }
    : await buildConnectors(config, log, clock);
  const requests = new RequestRepository(store);
  const settings = new SettingsRepository(store);
  const policies = new PolicyRepository(store, () =>
    defaultPolicies(config.policy.currency, {
      approverGroupId: config.policy.approverGroupId ?? '',
      autoApproveBelow: config.policy.autoApproveBelow,
      secondStageAbove: config.policy.secondStageAbove,
    }),
  );
  const catalog = new CatalogService(
    connectors.commerce,
    connectors.directory,
    new PartnerCenterPriceSources({
      ...(connectors.partnerCenterPrices && {
        fetchPriceSheet: (tenantId, market) => connectors.partnerCenterPrices!.fetchPriceSheet(tenantId, market),
      }),
      cache: new PriceSheetCache(store),
      settings,
      ...(priceList(config, connectors) && { fallback: priceList(config, connectors)! }),
      market: config.prices?.market ?? 'US',
      clock,
      log: log.child({ component: 'prices' }),
    }),
  );
  const cards = new CardRenderer();
  // Language: the data files are read and checked now (a broken file stops start-up); the
  // model trains in the background, and free text waits for it while commands work at once.
  const languageData = loadLanguageData(languageDir);
  let understander: Understander | undefined;
  const trainingStarted = performance.now();
  const languageReady = Understander.train(languageData.languages, languageData.products, {
    cacheDir: join(tmpdir(), 'quartermaster-language'),
  }).then(
    (trained) => {
      understander = trained;
      log.info({ ms: Math.round(performance.now() - trainingStarted), languages: trained.languages }, 'language model trained');
    },
    (error: unknown) => log.error({ err: error }, 'language model failed to train; free text gets the plain "did not understand" card'),
  );

  // Grouped: the jobs of turns that end together travel in one message.
  const fulfilmentQueue = queues.queue<FulfilmentJob>('fulfilment', { groupSends: true });
  let worker: QueueWorker<FulfilmentJob> | undefined;
  const enqueueFulfilment = async (job: FulfilmentJob) => {
    await fulfilmentQueue.send(job);
    worker?.nudge();
  };

  const adapter = createAdapter(config.bot);
  const instanceName = options.instanceName ?? `${hostname()}:${process.pid}`;
  // Every proactive message goes through the durable outbox (write-ahead, then sent at once
  // within Teams' limits; retried from the queue by any instance when that fails).
  // Each instance sends within its share of Teams' limits (1 / live instances).
  const instances = new InstanceRegistry(store, instanceName);
  instances.start((error) => log.warn({ err: error }, 'instance heartbeat failed'));
  const delivery = createDelivery({
    share: () => instances.share(),
    store,
    storage: config.storage,
    tablePrefix: config.tablePrefix,
    adapter,
    botAppId: config.bot.appId ?? '',
    conversations,
    instanceName,
    log,
    idlePollMs: config.environment === 'test' ? 100 : 1000,
    // Tests watch the queued copy take over within a second or two.
    ...(config.environment === 'test' && { inlineHeadStartSeconds: 1, busyRetrySeconds: 1, visibilitySeconds: 10, claimMs: 25_000 }),
    hooks: {
      delivered: (message, activityId) => notifier.cardDelivered(message.tenantId, message.conversationId, message.context, activityId),
      blocked: (tenantId, conversationId) =>
        tellAdminsAboutDelivery(
          tenantId,
          `Teams blocks Quartermaster from posting in conversation ${conversationId} (MessageWritesBlocked), so nothing more is sent there. If the bot was removed on purpose, nothing needs doing; otherwise add it back.`,
        ),
      dead: (message, reason) =>
        tellAdminsAboutDelivery(
          message.tenantId,
          `A message could not be delivered to conversation ${message.conversationId} and was set aside: ${reason}`,
        ),
    },
  });
  const messenger = new OutboxMessenger(delivery.engine);
  // Delivery problems are told to admins once, and never about their own notices (no loops).
  const tellAdminsAboutDelivery = async (tenantId: string, text: string) => {
    for (const adminId of roles.adminIds(tenantId)) {
      const chat = await conversations.personalChatOf(tenantId, adminId);
      if (chat)
        await delivery.engine.enqueue({
          kind: 'text',
          text,
          key: `delivery-notice|${createHash('sha256').update(text).digest('base64url').slice(0, 22)}|${adminId}`,
          tenantId,
          conversationId: chat.reference.conversation!.id,
        });
    }
  };
  const notifier = new TeamsRequestNotifier({
    messenger,
    conversations,
    cardRefs: new CardRefs(store),
    settings,
    roles,
    catalog,
    cards,
    log,
  });
  const purchaseLocks = new PurchaseLocks(store);
  const seatReservations = new SeatReservations({ locks: purchaseLocks, requests, catalog, clock, log });
  const requestService = new RequestService({
    seatReservations,
    clock,
    catalog,
    directory: connectors.directory,
    requests,
    policies,
    roles,
    audit,
    notifications: notifier,
    enqueueFulfilment,
  });
  const approvals = new ApprovalService({ clock, requests, audit, notifications: notifier, enqueueFulfilment });
  // Seat counts are absolute: license purchases and admins' seat changes take turns per subscription.
  const subscriptions = new SubscriptionService({
    clock,
    commerce: connectors.commerce,
    directory: connectors.directory,
    catalog,
    seatLots: new SeatLotRepository(store),
    requests,
    requestService,
    policies,
    roles,
    audit,
    locks: purchaseLocks,
    log,
    ...(connectors.marketplace && { marketplace: connectors.marketplace }),
  });
  // Marketplace products: the vendor assigns seats by e-mail; orders are followed from the queue.
  const vendor = connectors.marketplace
    ? new VendorFulfilment({
        clock,
        commerce: connectors.commerce,
        marketplace: connectors.marketplace,
        requests,
        locks: purchaseLocks,
        notifications: notifier,
        roles,
        audit,
        enqueueFulfilment,
        noteFailure: (tenantId, error) => connections.noteMarketplaceFailure(tenantId, error),
        log,
        ...(config.environment === 'test' && { followUpSeconds: 1, waitMs: 2000 }),
      })
    : undefined;
  const fulfilment = new FulfilmentService({
    clock,
    catalog,
    commerce: connectors.commerce,
    directory: connectors.directory,
    requests,
    policies,
    audit,
    notifications: notifier,
    subscriptionChanges: subscriptions,
    locks: purchaseLocks,
    log,
    purchaseAccount: (tenantId) => connections.purchaseAccount(tenantId),
    ...(vendor && { vendor }),
    seatReservations,
    approvalIfPurchase: (request) => requestService.approvalIfPurchase(request),
  });
  const reminders = new ReminderService({ requests, notifications: notifier, audit });
  const stalledApprovals = new StalledApprovals({ requests, enqueueFulfilment, log });
  // License alerts (reclaim, renewals, seats): cards to every admin's 1:1 chat.
  const adminCards = new AdminCards({ messenger, conversations, roles, cards, log });
  const alertLedger = new AlertLedger(store);
  const reclaim = new ReclaimService({
    clock,
    directory: connectors.directory,
    commerce: connectors.commerce,
    ...(connectors.marketplace && { marketplace: connectors.marketplace }),
    catalog,
    settings,
    roles,
    audit,
    locks: new ActionLocks(store),
    alerts: adminCards,
    log,
  });
  const renewalAlerts = new RenewalAlertService({
    directory: connectors.directory,
    commerce: connectors.commerce,
    catalog,
    roles,
    ledger: alertLedger,
    alerts: adminCards,
    log,
  });
  const seatWatch = new SeatWatchService({
    directory: connectors.directory,
    catalog,
    roles,
    states: new SeatStates(store),
    alerts: adminCards,
    log,
  });
  // Connections: secrets sealed with the configured keys (local mode: a key kept under .data/).
  const secrets = new SecretBox(keyringFor(config));
  let publicUrl = config.publicUrl;
  const connectionStore = new ConnectionRepository(store, secrets);
  const connections = new ConnectionService({
    clock,
    connections: connectionStore,
    states: new ConsentStates(store),
    secrets,
    audit,
    roles,
    ledger: alertLedger,
    identity: connectors.identity,
    ...(connectors.azureCost ? { azureCost: connectors.azureCost } : {}),
    ...(connectors.awsCost ? { awsCost: connectors.awsCost } : {}),
    ...(connectors.marketplace ? { marketplace: connectors.marketplace } : {}),
    // Sandbox mode only: tenants without a Marketplace connection use the emulator's seeded token,
    // so `npm start` shows Adobe products out of the box. Never in production.
    ...(config.connectors.mode === 'sandbox' && connectors.sandboxMarketplaceTokens
      ? { sandboxMarketplaceTokens: connectors.sandboxMarketplaceTokens }
      : {}),
    notices: new TeamsConnectionNotices({ messenger, conversations, adminCards, cards, log }),
    publicUrl: () => publicUrl ?? '',
    log,
  });
  // Purchases for a customer whose agent signed in (connect) use that agent's tokens.
  connectors.partnerCenterAgent?.actAs((tenantId) => connections.partnerCenterTokenIfConnected(tenantId));
  // Marketplace calls use the tenant's stored API token (sandbox: the seeded one when none is stored).
  connectors.marketplace?.useTokenSource((tenantId) => connections.marketplaceToken(tenantId));
  // A 401 from any marketplace call (catalog and subscription lists included) marks the connection "needs attention".
  connectors.marketplace?.onTokenExpired(
    (tenantId, error) =>
      void connections
        .noteMarketplaceFailure(tenantId, error)
        .catch((e: unknown) => log.warn({ err: e, tenantId }, 'could not mark the marketplace connection')),
  );
  const stuckOrders = connectors.marketplace
    ? new StuckOrderWatch({
        clock,
        marketplace: connectors.marketplace,
        tenants: () => connections.marketplaceTenants(),
        ledger: alertLedger,
        notices: notifier,
        stuckAfterMinutes: config.marketplace?.stuckOrderMinutes ?? 120,
        noteFailure: (tenantId, error) => connections.noteMarketplaceFailure(tenantId, error),
        log,
      })
    : undefined;
  // Spend sync: daily cost rows from every Azure scope and AWS account a tenant connected.
  const costRows = new CostRowStore(store);
  const spendSync = new SpendSyncService({
    clock,
    connections: connectionStore,
    awsCredentials: (tenantId, id) => connections.awsCredentials(tenantId, id),
    rows: costRows,
    leases: new Leases(store, instanceName),
    ledger: alertLedger,
    notices: new TeamsConnectionNotices({ messenger, conversations, adminCards, cards, log }),
    ...(connectors.azureCost ? { azureCost: connectors.azureCost } : {}),
    ...(connectors.awsCost ? { awsCost: connectors.awsCost } : {}),
    ...(config.connectors.mode === 'production'
      ? {
          azureClientId: config.connectors.graph.clientId,
          ...(config.connectors.aws ? { awsAppPrincipalArn: config.connectors.aws.appPrincipalArn } : {}),
        }
      : sandbox
        ? { azureClientId: sandbox.app.clientId }
        : {}),
    log,
  });
  // Budgets, anomalies and the `spend` report read the synced rows; alerts go through the outbox.
  const budgetRepository = new BudgetRepository(store);
  const budgetService = new BudgetService({ clock, budgets: budgetRepository, rows: costRows, roles, audit, settings });
  const spendReport = new SpendReport({ clock, rows: costRows, roles });
  const spendAlerts = new SpendAlertService({
    clock,
    budgets: budgetRepository,
    rows: costRows,
    ledger: alertLedger,
    settings,
    delivery: new SpendAlertCards({ messenger, conversations, adminCards, cards, log }),
    log,
  });
  spendSync.useEvaluator(spendAlerts);
  // `sync now` runs from a queue of its own: the command answers at once, a worker syncs.
  let syncNowWorker: QueueWorker<SyncNowJob> | undefined;
  const syncNowQueue = queues.queue<SyncNowJob>('sync-now');
  const syncNow = new SyncNowService({
    clock,
    roles,
    queue: syncNowQueue,
    sync: spendSync,
    tell: syncReportTeller(delivery.engine),
    nudge: () => syncNowWorker?.nudge(),
  });
  const people = new PeopleService(connectors.directory, roles);
  const bot = createBot({
    adapter,
    auth: config.bot,
    cards,
    roles,
    conversations: new ConversationService({ conversations, audit }),
    console: new AdminConsole({ roles, policies, catalog, audit, settings, health, clock }),
    log,
    licensing: { requests: requestService, approvals, catalog },
    reclaim: { reclaim },
    subscriptions,
    connections,
    spend: { budgets: budgetService, report: spendReport, syncNow },
    ...(vendor && { vendor }),
    language: {
      understander: () => understander,
      approvalPaths: new ApprovalPathService({ catalog, policies, requests: requestService }),
      people,
      wishes: new ProductWishes({
        audit,
        tellAdmins: (tenantId, text, key) => notifier.tellAdmins(tenantId, text, key),
        now: clock,
      }),
    },
  });

  worker = new QueueWorker<FulfilmentJob>({
    name: 'fulfilment',
    queue: fulfilmentQueue,
    handle: (job) => fulfilment.handle(job),
    onPoison: (job, error) => fulfilment.giveUp(job, error),
    log,
    // Throttling and outages of the commerce APIs delay a request, they do not fail it.
    maxAttempts: 40,
    idlePollMs: config.environment === 'test' ? 100 : 1000,
  });
  syncNowWorker = new QueueWorker<SyncNowJob>({
    name: 'sync-now',
    queue: syncNowQueue,
    handle: (job) => syncNow.handle(job),
    onPoison: async (job, error) => void log.error({ err: error, tenantId: job.tenantId }, 'sync now gave up'),
    log,
    // A sync syncs its connections one by one; a redelivery during a long one is harmless but wasted.
    visibilitySeconds: 15 * 60,
    idlePollMs: config.environment === 'test' ? 100 : 1000,
  });
  if (options.startWorkers !== false) {
    worker.start();
    syncNowWorker.start();
    delivery.worker.start();
  }
  const scheduler = new Scheduler(new Leases(store, instanceName), log, clock);
  scheduler.add({
    name: 'request-reminders',
    pattern: '*/15 * * * *',
    leaseMs: 10 * 60_000,
    run: async (now) => void log.info(await reminders.run(now), 'reminders sent'),
  });
  // Tests run it with a chosen `now`.
  if (config.environment !== 'test')
    scheduler.add({
      name: 'stalled-approvals',
      pattern: '*/5 * * * *',
      leaseMs: 4 * 60_000,
      run: async (now) => void log.info(await stalledApprovals.run(now), 'stalled approvals checked'),
    });
  // License alerts post cards to admins: tests run them with a chosen `now`, never on the clock.
  if (config.environment !== 'test')
    for (const job of licenseAlertJobs({ reclaim, renewals: renewalAlerts, seats: seatWatch, log })) scheduler.add(job);

  if (config.environment !== 'test')
    scheduler.add({
      name: 'token-keeper',
      pattern: '17 3 * * *',
      leaseMs: 30 * 60_000,
      run: async (now) => void log.info(await connections.keepTokensAlive(now), 'partner center tokens kept alive'),
    });
  // Spend sync ticks hourly; each connection syncs once a day (tests call syncTenant themselves).
  if (config.environment !== 'test')
    for (const job of spendJobs({ sync: spendSync, connections: connectionStore, log })) scheduler.add(job);
  if (config.environment !== 'test' && stuckOrders) for (const job of marketplaceJobs({ stuckOrders, log })) scheduler.add(job);
  if (config.environment !== 'test')
    scheduler.add({
      name: 'connection-health',
      pattern: '23 5 * * *',
      leaseMs: 30 * 60_000,
      run: async (now) => void log.info(await connections.checkAll(now), 'connections checked'),
    });
  scheduler.add({
    name: 'consent-state-purge',
    pattern: '41 4 * * *',
    leaseMs: 10 * 60_000,
    run: async (now) => void log.info({ purged: await new ConsentStates(store).purgeExpired(now) }, 'expired consent states purged'),
  });

  const consentCallback = async (query: URLSearchParams) => {
    const { status, page } = await connections.handleCallback(query);
    return { status, html: renderConsentPage(page) };
  };
  const server = await startServer({ bot, consentCallback, storageReady: () => health.storageReady(), log }, config.host, config.port);
  publicUrl ??= server.url;

  return {
    url: server.url,
    port: server.port,
    log,
    store,
    audit,
    conversations,
    requests,
    settings,
    reminders,
    stalledApprovals,
    licenseAlerts: { reclaim, renewals: renewalAlerts, seats: seatWatch, ledger: alertLedger },
    languageReady,
    connections,
    connectionStore,
    outbox: delivery.engine,
    spend: { sync: spendSync, rows: costRows, budgets: budgetService, report: spendReport, evaluator: spendAlerts },
    ...(vendor && stuckOrders && { marketplace: { vendor, stuckOrders } }),
    ...(sandbox && { sandbox }),
    surface: bot.surface,
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const workers = [worker!, syncNowWorker!, delivery.worker];
      // Work makes work (a fulfilled request posts cards): drain until one pass finds all idle.
      for (;;) {
        for (const w of workers) await w.drain(Math.max(1, deadline - Date.now()));
        if ((await Promise.all([fulfilmentQueue.settled(), syncNowQueue.settled(), delivery.queue.settled()])).every(Boolean)) return;
      }
    },
    async stop() {
      await server.close(config.shutdownTimeoutMs);
      await Promise.all([
        worker?.stop(),
        syncNowWorker?.stop(),
        delivery.worker.stop(),
        scheduler.stop(),
        conversations.flush(config.shutdownTimeoutMs),
      ]);
      await instances.stop();
      await sandbox?.stop();
    },
  };
}

/** Configured keys; outside production a key file under .data/ (tests: a key per process). */
function keyringFor(config: ResolvedConfig): Keyring {
  if (config.secretKeys) return config.secretKeys;
  if (config.environment === 'production') throw new ConfigError('SECRET_KEYS: required when NODE_ENV=production');
  if (config.environment === 'test') return (testKeyring ??= parseKeyring(`test:${generateKeyText()}`));
  return localKeyring(join(projectRoot, '.data', 'secret-keys'));
}
let testKeyring: Keyring | undefined;

/** Production connectors, or the loopback emulators started here for local runs. */
async function buildConnectors(config: ResolvedConfig, log: Logger, clock: Clock): Promise<{ connectors: Connectors; sandbox?: Sandbox }> {
  if (config.connectors.mode === 'production')
    return {
      connectors: createConnectors(
        {
          mode: 'production',
          graph: config.connectors.graph,
          partnerCenter: config.connectors.partnerCenter,
          ...(config.connectors.aws ? { aws: config.connectors.aws } : {}),
          ...(config.connectors.marketplace ? { marketplace: { ...config.connectors.marketplace, routing: true } } : {}),
          clock,
        },
        log,
      ),
    };
  const { startSandbox } = await import('./sandbox/index.js');
  const sandbox = await startSandbox({ clock });
  log.info(
    { graph: sandbox.urls.graph, partnerCenter: sandbox.urls.partnerCenter },
    'sandbox connectors: loopback emulators with demo data',
  );
  // Partner Center and the marketplace together: ids decide where each call goes.
  return { connectors: createConnectors({ mode: 'sandbox', sandbox: { ...sandbox, marketplaceRouting: true }, clock }, log), sandbox };
}

export async function main(): Promise<void> {
  let config: AppConfig;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Quartermaster cannot start. ${error.message}`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  // Every line JSON: libraries that print with console.* (botbuilder) go through the logger.
  routeConsoleToLogger(log);
  const children = new ChildProcesses(log);
  const stops: (() => Promise<void>)[] = [() => flushTelemetry(), () => children.stopAll()];
  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A step that hangs must not keep the process: the platform would kill it less gently.
    setTimeout(() => process.exit(exitCode || 1), config.shutdownTimeoutMs + 5000).unref();
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log.error({ err: error }, 'shutdown step failed'));
    log.info('stopped');
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // Logged (synchronously) before the process goes; the state after them is unknown, so it goes.
  process.on('uncaughtException', (error, origin) => {
    log.fatal({ err: error, origin }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled promise rejection');
    void shutdown('unhandledRejection', 1);
  });
  // Node's own warnings too (printed raw unless node runs with --no-warnings, as the template starts it).
  process.on('warning', (warning) => log[warning.name === 'DeprecationWarning' ? 'debug' : 'warn']({ err: warning }, 'node warning'));
  if (process.env.APPLICATIONINSIGHTS_CONNECTION_STRING && !telemetryStarted())
    log.warn(
      'APPLICATIONINSIGHTS_CONNECTION_STRING is set but telemetry did not start: run node with --import ./dist/src/telemetry-preload.js',
    );

  try {
    let storage = config.storage;
    if (storage.kind === 'local-azurite') {
      const { startAzurite } = await import('./local/azurite.js');
      const dataDir = resolve(projectRoot, storage.dataDir);
      const azurite = await startAzurite(children, { tablePort: storage.tablePort, queuePort: storage.queuePort, dataDir });
      log.info({ dataDir }, `Azurite: tables on :${storage.tablePort}, queues on :${storage.queuePort}`);
      storage = { kind: 'connection-string', connectionString: azurite.connectionString };
    }
    const qm = await startQuartermaster({ ...config, storage }, log);
    stops.push(qm.stop);
    const lines = [`Quartermaster bot: ${qm.url}/api/messages`];
    if (config.playground) {
      const { startPlayground } = await import('./local/playground.js');
      const { PLAYGROUND_USERS, writePlaygroundConfig } = await import('./local/playground-users.js');
      for (const [index, key] of config.playground.users.entries()) {
        const person = PLAYGROUND_USERS.find((u) => u.key === key);
        if (!person)
          throw new ConfigError(
            `PLAYGROUND_USERS: no Playground user named "${key}" (known: ${PLAYGROUND_USERS.map((u) => u.key).join(', ')})`,
          );
        const workDir = join(projectRoot, '.data', 'playground', person.key);
        writePlaygroundConfig(workDir, person);
        const playground = await startPlayground(children, {
          port: config.playground.port + index,
          botEndpoint: `${qm.url}/api/messages`,
          workDir,
        });
        lines.push(
          `Agents Playground as ${person.name}: ${playground.url}${index === 0 ? '  <- open this in your browser and say "help"' : ''}`,
        );
      }
    }
    log.info({ url: qm.url, environment: config.environment, telemetry: telemetryStarted() ? 'application-insights' : 'off' }, 'started');
    // Local runs greet a person at a terminal; production writes log lines only.
    if (config.environment !== 'production') {
      lines.push('Press Ctrl-C to stop.');
      process.stdout.write(`\n${lines.join('\n')}\n\n`);
    }
  } catch (error) {
    log.fatal({ err: error }, 'start-up failed');
    process.stderr.write(`Quartermaster cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown('start-up failure', 1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}

/**
 * The fallback price list: the configured file (read at start-up, so a wrong path stops the bot
 * with one line), else in sandbox mode the emulator's own price sheet.
 */
function priceList(config: ResolvedConfig, connectors: Connectors): { csv: string; name: string } | undefined {
  const file = config.prices?.priceListFile;
  if (file) {
    try {
      return { csv: readFileSync(file, 'utf8'), name: file };
    } catch (error) {
      throw new Error(
        `Quartermaster cannot start. PRICE_LIST_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  }
  return connectors.sandboxPriceList ? { csv: connectors.sandboxPriceList, name: 'the sandbox price sheet' } : undefined;
}
