// Composition root: config → platform (storage, connectors, Teams) → one feature at a time,
// each built by a function in src/composition/ from what the features before it return →
// the bot → workers, scheduler, server. The process's entry point is src/main.ts (`npm start`,
// and production's start command), which in local mode also starts Azurite and the Agents
// Playground; tests call startQuartermaster() directly with a config and options of their own.
import type { Surface } from './bot/surface.js';
import { systemClock, type Clock } from './clock.js';
import { createLogger, type Logger } from './logger.js';
import { startServer } from './server.js';
import type { Connectors } from './connectors/index.js';
import type { DeliveryEngine } from './notify/outbox.js';
import type { Sandbox } from './sandbox/index.js';
import type { AuditLog } from './storage/audit-log.js';
import type { ConversationReferences } from './storage/conversation-references.js';
import type { TableStore } from './storage/table-store.js';
import type { RequestRepository } from './storage/requests.js';
import type { SettingsRepository } from './storage/settings.js';
import type { ReminderService } from './services/reminders.js';
import type { StalledApprovals } from './services/stalled-approvals.js';
import type { ReclaimService } from './services/reclaim.js';
import type { RenewalAlertService } from './services/renewal-alerts.js';
import type { RenewalDecreaseService } from './services/renewal-decreases.js';
import type { LicenseSettingsService } from './services/license-settings.js';
import type { FulfilmentService } from './services/fulfilment.js';
import type { SeatWatchService } from './services/seat-watch.js';
import type { AlertLedger } from './storage/alert-ledger.js';
import type { ConnectionService } from './services/connections.js';
import type { ConnectionRepository } from './storage/connections.js';
import type { PartnerWorkspace } from './services/partner-workspace.js';
import type { CostRowReader, SpendSync } from './services/spend-contracts.js';
import type { BudgetService } from './services/budgets.js';
import type { SpendReport } from './services/spend-report.js';
import type { SpendAlertService } from './services/spend-alerts.js';
import type { VendorFulfilment } from './services/vendor-fulfilment.js';
import type { StuckOrderWatch } from './services/stuck-orders.js';
import { wirePlatform, type ResolvedConfig } from './composition/platform.js';
import { timingsWith, type TimingChoices } from './composition/timings.js';
import { wireOutbox } from './composition/outbox.js';
import { wireCatalog } from './composition/catalog.js';
import { wireResellers } from './composition/resellers.js';
import { wireConnections } from './composition/connections.js';
import { wireLicensing } from './composition/licensing.js';
import type { LicenseUnitService } from './services/license-units.js';
import { wireLicenseAlerts } from './composition/license-alerts.js';
import { wireSpend } from './composition/spend.js';
import { wireLanguage } from './composition/language.js';
import { wireBot } from './composition/bot.js';
import { wireBilling, type Billing } from './composition/billing.js';
import { startScheduler } from './composition/schedule.js';
import type { QueueWork } from './composition/queue-work.js';

export type { ResolvedConfig };
export { PRODUCTION_TIMINGS, type Timings, type TimingChoices } from './composition/timings.js';

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
  /** Delegated units (tests run the over-quota check themselves). */
  units: LicenseUnitService;
  /** The license alert jobs (tests run them with a chosen `now`). */
  licenseAlerts: {
    reclaim: ReclaimService;
    renewals: RenewalAlertService;
    seats: SeatWatchService;
    renewalDecreases: RenewalDecreaseService;
    ledger: AlertLedger;
  };
  /** A tenant's license settings, and fulfilment (tests check requests waiting for seats with it). */
  licenseSettings: LicenseSettingsService;
  fulfilment: FulfilmentService;
  connections: ConnectionService;
  /** The connections table itself (diagnostics and tests: secrets open only through it). */
  connectionStore: ConnectionRepository;
  /** Partner mode: partners' customer tenants and the partner serving a tenant. */
  partners: PartnerWorkspace;
  /** The delivery engine every proactive message goes through (tests and the benchmark enqueue on it). */
  outbox: DeliveryEngine;
  /** Spend: the daily cost sync and the rows it stored (the budgets side adds its members here). */
  spend: { sync: SpendSync; rows: CostRowReader; budgets: BudgetService; report: SpendReport; evaluator: SpendAlertService };
  /** Marketplace (when configured): vendor-assigned fulfilment and the stuck-order watch (tests run it with a chosen `now`). */
  marketplace?: { vendor: VendorFulfilment; stuckOrders: StuckOrderWatch };
  /** Billing (when there are billing connectors): invoices, chargeback, cost owners, CSP usage (tests run the jobs with a chosen `now`). */
  billing?: Pick<Billing, 'invoices' | 'chargeback' | 'owners' | 'usage'>;
  /** The loopback emulators, when this instance started them (sandbox connectors). */
  sandbox?: Sandbox;
  /** The Teams surface's registry: every card verb the bot routes (the fuzz test sends each), and help per role. */
  surface: Pick<Surface, 'verbs' | 'helpFor'>;
  /** Resolves once the language model has trained (free text is understood from then on). */
  languageReady: Promise<void>;
  /** Local mode: resolves once the stored connections were checked against the sandbox started now (and the notice logged). */
  connectionsRechecked: Promise<void>;
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
  /** Poll intervals, visibility and claim times, follow-ups: production's unless chosen here (tests choose short ones). */
  timings?: TimingChoices;
  /**
   * Names of the scheduled jobs this instance ticks (default: all of them). Tests leave off
   * the ones they run by hand with a chosen `now` (alerts, syncs, health checks).
   */
  scheduledJobs?: readonly string[];
  /**
   * Check every stored connection against the sandbox right after start and log which must be
   * signed in again (default: when this instance started the sandbox itself, as `npm start` does).
   */
  recheckConnectionsAtStart?: boolean;
}

export async function startQuartermaster(
  config: ResolvedConfig,
  log = createLogger(config.logLevel),
  options: StartOptions = {},
): Promise<Quartermaster> {
  const timings = timingsWith(options.timings);
  const platform = await wirePlatform(config, log, {
    clock: options.clock ?? systemClock,
    connectors: options.connectors,
    instanceName: options.instanceName,
    delivers: options.startWorkers !== false,
    heartbeatMs: timings.heartbeatMs,
  });
  // The consent and sign-in redirects come back to PUBLIC_URL, else to where the server listens.
  let listeningUrl = '';
  const publicUrl = () => config.publicUrl ?? listeningUrl;

  // One feature per line, in dependency order: each takes what the ones above it return.
  const outbox = wireOutbox(platform, timings); // proactive messages
  const catalog = wireCatalog(platform); // policies, products, prices
  const connections = wireConnections(platform, outbox, publicUrl); // tenants' connections, secrets
  const resellers = wireResellers(platform, catalog, connections); // partner mode: resellers, margins
  const licensing = wireLicensing(platform, outbox, catalog, connections, timings); // requests → approvals → fulfilment
  const licenseAlerts = wireLicenseAlerts(platform, outbox, catalog, licensing); // reclaim, renewals, seats, auto-decrease
  const spend = wireSpend(platform, outbox, connections, timings); // cost sync, budgets, sync now
  const language = wireLanguage(platform, catalog, licensing); // free text
  const billing = wireBilling(platform, outbox, { catalog, connections, licensing, spend }, timings, publicUrl); // invoices, chargeback
  const bot = wireBot(platform, { catalog, connections, resellers, licensing, licenseAlerts, spend, language, billing });

  const queueWork: QueueWork[] = [licensing.work, spend.work, outbox.delivery, ...(billing ? [billing.work] : [])];
  if (options.startWorkers !== false) for (const { worker } of queueWork) worker.start();
  const scheduler = startScheduler(
    platform,
    [...licensing.jobs, ...licenseAlerts.jobs, ...connections.jobs, ...spend.jobs, ...(billing?.jobs ?? [])],
    options.scheduledJobs,
  );
  const server = await startServer(
    {
      bot,
      consentCallback: connections.consentCallback,
      storageReady: () => platform.health.storageReady(),
      ...(billing && { billingDocument: billing.documentRoute }),
      log,
    },
    config.host,
    config.port,
  );
  listeningUrl = server.url;

  const { store, audit, conversations, instances, sandbox } = platform;
  // In the background: start-up does not wait on the emulators' answers.
  const connectionsRechecked =
    (options.recheckConnectionsAtStart ?? !!sandbox)
      ? connections
          .noticeAfterSandboxStart()
          .then(() => undefined)
          .catch((error: unknown) => log.warn({ err: error }, 'local mode: could not check the stored connections at start-up'))
      : Promise.resolve();
  return {
    url: server.url,
    port: server.port,
    log,
    store,
    audit,
    conversations,
    requests: licensing.requests,
    settings: platform.settings,
    reminders: licensing.reminders,
    stalledApprovals: licensing.stalledApprovals,
    units: licensing.units,
    licenseAlerts: {
      reclaim: licenseAlerts.reclaim,
      renewals: licenseAlerts.renewals,
      seats: licenseAlerts.seats,
      renewalDecreases: licenseAlerts.renewalDecreases,
      ledger: licenseAlerts.ledger,
    },
    licenseSettings: catalog.licenseSettings,
    fulfilment: licensing.fulfilment,
    languageReady: language.ready,
    connectionsRechecked,
    connections: connections.connections,
    connectionStore: connections.connectionStore,
    partners: connections.partners,
    outbox: outbox.delivery.engine,
    spend: { sync: spend.sync, rows: spend.rows, budgets: spend.budgets, report: spend.report, evaluator: spend.evaluator },
    ...(licensing.marketplace && { marketplace: licensing.marketplace }),
    ...(billing && {
      billing: { invoices: billing.invoices, chargeback: billing.chargeback, owners: billing.owners, usage: billing.usage },
    }),
    ...(sandbox && { sandbox }),
    surface: bot.surface,
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      // Work makes work (a fulfilled request posts cards): drain until one pass finds all idle.
      for (;;) {
        for (const { worker } of queueWork) await worker.drain(Math.max(1, deadline - Date.now()));
        if ((await Promise.all(queueWork.map(({ worker }) => worker.looksSettled()))).every(Boolean)) return;
      }
    },
    async stop() {
      await server.close(config.shutdownTimeoutMs);
      await connectionsRechecked;
      await Promise.all([...queueWork.map(({ worker }) => worker.stop()), scheduler.stop(), conversations.flush(config.shutdownTimeoutMs)]);
      await instances.stop();
      await sandbox?.stop();
    },
  };
}
