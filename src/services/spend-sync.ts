// Spend sync: daily cost of every Azure scope and AWS account a tenant connected, normalised
// to FOCUS-named rows and stored so that a re-run changes nothing and a corrected day
// replaces the old figures.
//
// - Once per connection per day across instances: the lease `spend-sync|<connection>` for the
//   window `<day>` (completed on success; given back on failure so the next hourly tick
//   retries). `sync now` (force) skips that lease, but every run, forced or not, also holds
//   the mutex `spend-sync-running|<connection>`, so one connection never syncs twice at once.
// - Window: 90 days on the first sync, then from the start of the previous month to today,
//   so late corrections (Azure closes a month up to 72 h after it ends) land.
// - Each connection's provider (src/services/cost-providers) fetches its rows, its own forecast
//   where it has one, and says what a failure means; this module never branches on a provider.
// - Everything is fetched before anything is written: a provider failing halfway keeps the
//   previous rows untouched. A lasting failure raises ONE alert per (connection, problem,
//   outage); data older than 48 hours raises one "stale data" alert per outage.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { CostDataError, type ProviderName } from '../domain/spend/focus.js';
import { addDays, dayOf, firstIncompleteDay, nextPeriod, periodContaining, type Day } from '../domain/spend/periods.js';
import { costProviderInfo, isCostProviderId } from '../domain/spend/providers/index.js';
import type { AlertLedger } from '../storage/alert-ledger.js';
import type { Connection, ConnectionRepository } from '../storage/connections.js';
import type { CostRowStore, SyncState, WriteCounts } from '../storage/cost-rows.js';
import { ConcurrencyError, StorageUnavailableError } from '../storage/errors.js';
import type { Leases } from '../storage/leases.js';
import type { ConnectionNotices } from './connections.js';
import { notConfigured } from './cost-providers/advice.js';
import type { CostProvider, CostProviderRegistry, DailyCostRows, SyncFailure } from './cost-providers/index.js';
import type { SpendEvaluator, SpendSync, SyncReport } from './spend-contracts.js';

export const SYNC_ALERT_KIND = 'spend-sync-failed';
export const STALE_ALERT_KIND = 'spend-data-stale';
const HOUR_MS = 3600_000;

export interface SpendSyncOptions {
  /** Days fetched on a connection's first sync (default 90). */
  firstSyncDays: number;
  /** How long a run may take before another instance may take it over (default 50 min). */
  leaseMs: number;
  /** Data older than this raises the stale-data alert (default 48 h). */
  staleAfterMs: number;
}

export const DEFAULT_SPEND_SYNC_OPTIONS: SpendSyncOptions = {
  firstSyncDays: 90,
  leaseMs: 50 * 60_000,
  staleAfterMs: 48 * HOUR_MS,
};

export interface SpendSyncDeps {
  /** The calendar. */
  clock: Clock;
  connections: Pick<ConnectionRepository, 'list' | 'update'>;
  /** The cost providers of this installation: each connection is synced by its kind's provider. */
  providers: CostProviderRegistry;
  rows: CostRowStore;
  leases: Leases;
  ledger: AlertLedger;
  notices: Pick<ConnectionNotices, 'alertAdmins'>;
  /** Budgets and anomalies, evaluated on the new rows. */
  evaluator?: SpendEvaluator;
  log: Logger;
  options?: Partial<SpendSyncOptions>;
}

type ConnectionReport = SyncReport['connections'][number];

export class SpendSyncService implements SpendSync {
  private readonly options: SpendSyncOptions;
  private readonly evaluator: SpendEvaluator | undefined;

  constructor(private readonly d: SpendSyncDeps) {
    this.options = { ...DEFAULT_SPEND_SYNC_OPTIONS, ...d.options };
    this.evaluator = d.evaluator;
  }

  async syncTenant(tenantId: string, options: { now?: Date; force?: boolean } = {}): Promise<SyncReport> {
    const now = options.now ?? this.d.clock();
    const costConnections = (await this.d.connections.list(tenantId)).filter((c) => isCostProviderId(c.kind));
    const report: SyncReport = { tenantId, connections: [] };
    // One after another: Azure's query quota is per tenant, and AWS bills every call anyway.
    for (const connection of costConnections) report.connections.push(await this.syncConnection(connection, now, options.force === true));
    if (this.evaluator && report.connections.some((c) => c.ok && !c.skipped)) {
      try {
        await this.evaluator.afterSync(tenantId, now);
      } catch (error) {
        this.d.log.error({ err: error, tenantId }, 'spend evaluation after the sync failed');
      }
    }
    return report;
  }

  private async syncConnection(connection: Connection, now: Date, force: boolean): Promise<ConnectionReport> {
    const provider = focusNameOf(connection);
    const report: ConnectionReport = {
      connectionId: connection.id,
      provider,
      ok: false,
      calls: 0,
      minimumCalls: 0,
      rowsWritten: 0,
      rowsUnchanged: 0,
    };
    const dailyJob = `spend-sync|${connection.id}`;
    const day = dayOf(now);
    // Lease expiry is about real time (a crashed holder), whatever `now` the data is synced for.
    if (!force && !(await this.d.leases.acquire(dailyJob, day, this.options.leaseMs, this.d.clock())))
      return { ...report, ok: true, skipped: true };
    const mutex = `spend-sync-running|${connection.id}`;
    if (!(await this.d.leases.acquire(mutex, 'run', this.options.leaseMs, this.d.clock()))) {
      if (!force) await this.d.leases.release(dailyJob, day);
      return { ...report, ok: true, skipped: true };
    }
    let succeeded = false;
    try {
      const previous = await this.d.rows.syncState(connection.tenantId, connection.id);
      const result = await this.runSync(connection, provider, previous, now);
      Object.assign(report, result);
      succeeded = report.ok;
      return report;
    } finally {
      if (!force) await (succeeded ? this.d.leases.complete(dailyJob, day) : this.d.leases.release(dailyJob, day));
      else if (succeeded) {
        // A forced run covers today's daily run too (when no instance took it yet).
        if (await this.d.leases.acquire(dailyJob, day, this.options.leaseMs, this.d.clock())) await this.d.leases.complete(dailyJob, day);
      }
      await this.d.leases.release(mutex, 'run');
    }
  }

  private async runSync(
    connection: Connection,
    provider: ProviderName,
    previous: SyncState | undefined,
    now: Date,
  ): Promise<Partial<ConnectionReport>> {
    const { tenantId } = connection;
    const window = this.windowFor(previous, now);
    const found = this.d.providers.lookup(connection.kind);
    if (!found.ok) {
      const failure = { transient: false, advice: notConfigured(costProviderInfo(kindOf(connection)).displayName) };
      await this.recordFailure(connection, provider, previous, failure, now);
      return { ok: false, problem: `${failure.advice.problem} ${failure.advice.fix}` };
    }
    const source = found.provider;
    const owner = { connectionId: connection.id, provider, ...costProviderInfo(kindOf(connection)).owner(connection) };
    const started = performance.now();
    let fetched: DailyCostRows;
    try {
      fetched = await source.fetchDaily(connection, window);
    } catch (error) {
      if (error instanceof StorageUnavailableError) throw error;
      const failure = failureOf(source, connection, error);
      await this.recordFailure(connection, provider, previous, failure, now);
      return { ok: false, problem: `${failure.advice.problem} ${failure.advice.fix}` };
    }
    const counts: WriteCounts = await this.d.rows.replaceDays(tenantId, owner, window, fetched.rows);
    const lastCompleteDay = addDays(firstIncompleteDay(now, fetched.estimatedDays), -1);
    const state: SyncState = {
      connectionId: connection.id,
      provider,
      subAccountId: owner.subAccountId,
      syncedAt: now.toISOString(),
      lastCompleteDay,
      syncedFrom: previous?.syncedFrom && previous.syncedFrom < window.from ? previous.syncedFrom : window.from,
      lastAttemptAt: now.toISOString(),
    };
    const providerForecast = await this.providerForecast(source, connection, now);
    if (providerForecast) state.providerForecast = providerForecast;
    await this.d.rows.saveSyncState(tenantId, state);
    await this.markHealthy(connection, now);
    this.d.log.info(
      {
        tenantId,
        connection: connection.id,
        provider,
        from: window.from,
        to: window.to,
        calls: fetched.calls,
        minimumCalls: fetched.pages,
        rowsWritten: counts.written,
        rowsUnchanged: counts.unchanged,
        rowsDeleted: counts.deleted,
        transactions: counts.transactions,
        ms: Math.round(performance.now() - started),
      },
      fetched.calls === fetched.pages
        ? 'spend sync done (API calls = the minimum the pages required)'
        : 'spend sync done (extra API calls: retries after throttling or errors)',
    );
    return {
      ok: true,
      calls: fetched.calls,
      minimumCalls: fetched.pages,
      rowsWritten: counts.written + counts.deleted,
      rowsUnchanged: counts.unchanged,
    };
  }

  /** [from, to): today included (partial), back to 90 days at first, else the previous month's start. */
  private windowFor(previous: SyncState | undefined, now: Date): { from: Day; to: Day } {
    const today = dayOf(now);
    const to = addDays(today, 1);
    const earliest = addDays(today, -this.options.firstSyncDays);
    if (!previous?.syncedAt) return { from: earliest, to };
    const previousMonth = periodContaining('month', addDays(periodContaining('month', today).start, -1)).start;
    // After a long outage, go back to the last day synced (never beyond the first-sync depth).
    const lastSynced = addDays(dayOf(new Date(previous.syncedAt)), -1);
    const from = lastSynced < previousMonth ? lastSynced : previousMonth;
    return { from: from < earliest ? earliest : from, to };
  }

  // ---- failures, alerts, connection state ------------------------------------------------

  /**
   * The provider's own forecast for the rest of this month (from today, so the estimated days
   * and today are its to predict). Where it gives none (a provider without one, a new account,
   * too little history) the budgets keep the run-rate forecast.
   */
  private async providerForecast(source: CostProvider, connection: Connection, now: Date): Promise<SyncState['providerForecast']> {
    if (!source.info.ownForecast) return undefined;
    const today = dayOf(now);
    const to = nextPeriod(periodContaining('month', today)).start;
    try {
      const forecast = await source.forecast(connection, { from: today, to });
      return forecast ? { from: today, to, amount: forecast.amount, currency: forecast.currency } : undefined;
    } catch (error) {
      this.d.log.info(
        {
          tenantId: connection.tenantId,
          connection: connection.id,
          err: error,
        },
        `no ${source.info.displayName} forecast; budgets use the run-rate`,
      );
      return undefined;
    }
  }

  private async recordFailure(
    connection: Connection,
    provider: ProviderName,
    previous: SyncState | undefined,
    failure: SyncFailure,
    now: Date,
  ): Promise<void> {
    const { tenantId } = connection;
    const { advice } = failure;
    this.d.log.warn(
      { tenantId, connection: connection.id, provider, code: advice.code, transient: failure.transient },
      'spend sync failed; the stored cost rows are kept',
    );
    // Keeps syncedAt and lastCompleteDay: the data shown stays what it was, and says so.
    await this.d.rows.saveSyncState(tenantId, {
      ...(previous ?? {
        connectionId: connection.id,
        provider,
        subAccountId: costProviderInfo(kindOf(connection)).owner(connection).subAccountId,
      }),
      lastAttemptAt: now.toISOString(),
      lastError: { code: advice.code, problem: advice.problem },
    });
    if (!failure.transient) {
      await this.updateConnection(connection, {
        state: 'needs-attention',
        problem: { code: advice.code, problem: advice.problem, fix: advice.fix },
      });
      // One alert per outage: the key names the last good sync, which a recovery moves on.
      const outage = previous?.syncedAt ?? `never|${connection.connectedAt}`;
      const key = `${connection.id}|${advice.code}|${outage}`;
      if (await this.d.ledger.claim(tenantId, SYNC_ALERT_KIND, key, { code: advice.code }, now)) {
        // The daily health check may have told the admins about this very problem already.
        const told = await this.d.ledger.wasSent(
          tenantId,
          'connection-broken',
          `${connection.id}|${connection.connectedAt}|${advice.code}`,
        );
        if (!told) {
          const kept = previous?.lastCompleteDay
            ? ` Quartermaster keeps the cost data it has (complete up to ${previous.lastCompleteDay}) and tries again every hour.`
            : ' Quartermaster tries again every hour.';
          await this.alert(
            tenantId,
            SYNC_ALERT_KIND,
            key,
            connection,
            `${titleOf(connection)}: cost sync failed`,
            `${advice.problem} What to do: ${advice.fix}${kept}`,
          );
        }
      }
    }
    await this.checkStale(connection, previous, now);
  }

  /** Data older than 48 h: one alert per outage (keyed by the last good sync). */
  private async checkStale(connection: Connection, previous: SyncState | undefined, now: Date): Promise<void> {
    const since = previous?.syncedAt ?? connection.connectedAt;
    if (now.getTime() - Date.parse(since) < this.options.staleAfterMs) return;
    const key = `${connection.id}|${since}`;
    if (!(await this.d.ledger.claim(connection.tenantId, STALE_ALERT_KIND, key, {}, now))) return;
    const hours = Math.floor((now.getTime() - Date.parse(since)) / HOUR_MS);
    const asOf = previous?.syncedAt
      ? `was last synced ${hours} hours ago (${previous.syncedAt.slice(0, 16).replace('T', ' ')} UTC)`
      : `has not synced since it was connected ${hours} hours ago`;
    await this.alert(
      connection.tenantId,
      STALE_ALERT_KIND,
      key,
      connection,
      `${titleOf(connection)}: cost data is out of date`,
      `The cost data of ${titleOf(connection)} ${asOf}, so budgets and anomaly alerts for it are late. Type "connect" and check the connection.`,
    );
  }

  private async alert(tenantId: string, kind: string, key: string, connection: Connection, title: string, message: string): Promise<void> {
    let reached = 0;
    try {
      reached = await this.d.notices.alertAdmins(tenantId, { outcome: 'failed', title, message, connection });
    } catch (error) {
      this.d.log.warn({ err: error, tenantId, kind }, 'could not post a spend sync alert');
    }
    // Reached nobody (no admin installed the bot yet): let a later run try again.
    if (reached === 0) await this.d.ledger.release(tenantId, kind, key);
  }

  private async markHealthy(connection: Connection, now: Date): Promise<void> {
    const repaired = connection.state === 'needs-attention' ? { state: 'connected' as const, problem: null } : {};
    // "Last used" on the connect card: one write an hour is plenty.
    if (!('state' in repaired) && connection.lastUsedAt && now.getTime() - Date.parse(connection.lastUsedAt) < HOUR_MS) return;
    await this.updateConnection(connection, { lastUsedAt: now.toISOString(), ...repaired });
  }

  private async updateConnection(connection: Connection, change: Parameters<ConnectionRepository['update']>[1]): Promise<void> {
    try {
      await this.d.connections.update(connection, change);
    } catch (error) {
      // Disconnected, reconnected or checked meanwhile: the newer row wins.
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
}

function kindOf(connection: Connection) {
  if (!isCostProviderId(connection.kind)) throw new RangeError(`${connection.id} is not a cost connection`);
  return connection.kind;
}

function focusNameOf(connection: Connection): ProviderName {
  return costProviderInfo(kindOf(connection)).focusName;
}

function titleOf(connection: Connection): string {
  return costProviderInfo(kindOf(connection)).connectionTitle(connection.label);
}

/** Data the provider sent that cannot be read is every provider's problem alike; the rest is the provider's to explain. */
function failureOf(source: CostProvider, connection: Connection, error: unknown): SyncFailure {
  if (error instanceof CostDataError)
    return {
      transient: false,
      advice: {
        ok: false,
        code: 'UnexpectedCostData',
        problem: `The provider sent cost data Quartermaster cannot read (${error.message})`,
        fix: 'Report this to the operator of Quartermaster; the data already stored is kept.',
      },
    };
  return source.adviceFor(error, connection);
}
