// Spend: the daily cost sync of every Azure scope and AWS account a tenant connected, the
// budgets and anomaly alerts evaluated on each sync's new rows (cards through the outbox),
// the `spend` report, and `sync now`, which runs from a queue of its own: the command
// answers at once and a worker syncs.
import { QueueWorker } from '../jobs/queue-worker.js';
import { spendJobs } from '../jobs/spend-jobs.js';
import { SpendAlertCards } from '../notify/spend-alert-cards.js';
import { syncReportTeller } from '../notify/sync-reports.js';
import { BudgetService } from '../services/budgets.js';
import { SpendAlertService } from '../services/spend-alerts.js';
import { SpendReport } from '../services/spend-report.js';
import { SpendSyncService } from '../services/spend-sync.js';
import { SyncNowService, type SyncNowJob } from '../services/sync-now.js';
import { BudgetRepository } from '../storage/budgets.js';
import { CostRowStore } from '../storage/cost-rows.js';
import { Leases } from '../storage/leases.js';
import type { Connections } from './connections.js';
import type { Outbox } from './outbox.js';
import type { Platform } from './platform.js';
import type { QueueWork } from './queue-work.js';
import type { Timings } from './timings.js';

export type Spend = ReturnType<typeof wireSpend>;

export function wireSpend(p: Platform, outbox: Outbox, { connectionStore, notices, costProviders }: Connections, timings: Timings) {
  const { store, clock, roles, settings, log } = p;
  const rows = new CostRowStore(store);
  const budgetRepository = new BudgetRepository(store);
  // Budgets and anomalies read the synced rows; alerts go through the outbox.
  const evaluator = new SpendAlertService({
    clock,
    budgets: budgetRepository,
    rows,
    ledger: p.alertLedger,
    settings,
    delivery: new SpendAlertCards({
      messenger: outbox.messenger,
      conversations: p.conversations,
      adminCards: outbox.adminCards,
      cards: p.teams.cards,
      log,
    }),
    log,
  });
  const sync = new SpendSyncService({
    clock,
    connections: connectionStore,
    providers: costProviders,
    rows,
    leases: new Leases(store, p.instanceName),
    ledger: p.alertLedger,
    notices,
    evaluator,
    log,
  });
  const budgets = new BudgetService({ clock, budgets: budgetRepository, rows, roles, audit: p.audit, settings });
  const report = new SpendReport({ clock, rows, roles });

  const syncNowQueue = p.queues.queue<SyncNowJob>('sync-now');
  const syncNowWorker = new QueueWorker<SyncNowJob>({
    name: 'sync-now',
    queue: syncNowQueue,
    handle: (job) => syncNow.handle(job),
    onPoison: async (job, error) => void log.error({ err: error, tenantId: job.tenantId }, 'sync now gave up'),
    log,
    // A sync syncs its connections one by one; a redelivery during a long one is harmless but wasted.
    visibilitySeconds: 15 * 60,
    idlePollMs: timings.queueIdlePollMs,
  });
  const syncNow = new SyncNowService({
    clock,
    roles,
    queue: syncNowQueue,
    sync,
    tell: syncReportTeller(outbox.delivery.engine),
    nudge: () => syncNowWorker.nudge(),
  });

  return {
    sync,
    rows,
    budgets,
    report,
    evaluator,
    syncNow,
    work: { worker: syncNowWorker } satisfies QueueWork,
    // Ticks hourly; each connection syncs once a day.
    jobs: spendJobs({ sync, connections: connectionStore, log }),
  };
}
