// What runs after new cost rows land (SpendEvaluator): every budget is evaluated on complete
// days and every (account, service) is checked for anomalies; each alert is claimed in the
// alert ledger first (insert-once: one alert per budget + period + threshold + kind, or per
// anomaly + day, ever, across reruns and instances) and only then handed to delivery. An alert
// that reached nobody is released, so a later run tries again.
import type { Clock } from '../clock.js';
import { formatAmount, parseAmount, type Money } from '../domain/money.js';
import { anomalyAlertsDue, detectAnomalies, type Anomaly } from '../domain/spend/anomaly.js';
import {
  budgetAlertKey,
  budgetAlertsDue,
  budgetStatus,
  rowInScope,
  type BudgetAlert,
  type BudgetEvaluation,
} from '../domain/spend/budgets.js';
import type { FocusCostRow } from '../domain/spend/focus.js';
import { addDays, dayOf, firstIncompleteDay, type Day } from '../domain/spend/periods.js';
import type { Logger } from '../logger.js';
import type { AlertLedger } from '../storage/alert-ledger.js';
import type { BudgetRepository, StoredBudget } from '../storage/budgets.js';
import type { SettingsRepository } from '../storage/settings.js';
import { budgetRowQuery } from './budgets.js';
import { providerForecastFor, type CostRowQuery, type CostRowReader, type SpendEvaluator } from './spend-contracts.js';

export interface ServiceSpend {
  serviceName: string;
  amount: Money;
}

export interface BudgetAlertNotice {
  tenantId: string;
  /** Ledger key: also the outbox dedupe key. */
  key: string;
  budget: StoredBudget;
  alert: BudgetAlert;
  evaluation: BudgetEvaluation;
  /** Biggest services in the budget's scope this period. */
  topServices: ServiceSpend[];
}

export interface AnomalyNotice {
  tenantId: string;
  key: string;
  anomaly: Anomaly;
}

/** Where alerts go: a channel when one is set, otherwise the admins' 1:1 chats (with a hint to set one). */
export interface SpendAlertDelivery {
  /** Returns how many conversations the alert was handed to (0: nobody reachable). */
  budgetAlert(notice: BudgetAlertNotice, channelId: string | undefined): Promise<number>;
  anomalyAlert(notice: AnomalyNotice, channelId: string | undefined): Promise<number>;
}

export interface SpendAlertSummary {
  budgetsEvaluated: number;
  budgetAlerts: number;
  anomalyAlerts: number;
  problems: string[];
}

/** Complete days judged for anomalies on each run (Azure data lags up to 3 days). */
export const ANOMALY_LOOKBACK_DAYS = 7;
const BASELINE_DAYS = 14;
const TOP_SERVICES = 5;

export class SpendAlertService implements SpendEvaluator {
  constructor(
    private readonly deps: {
      budgets: BudgetRepository;
      rows: CostRowReader;
      ledger: AlertLedger;
      settings: SettingsRepository;
      delivery: SpendAlertDelivery;
      log: Logger;
      clock: Clock;
    },
  ) {}

  async afterSync(tenantId: string, now: Date): Promise<void> {
    await this.evaluate(tenantId, now);
  }

  /** One pass over budgets and anomalies; a failing budget is logged and the others go on. */
  async evaluate(tenantId: string, now = this.deps.clock()): Promise<SpendAlertSummary> {
    const summary: SpendAlertSummary = { budgetsEvaluated: 0, budgetAlerts: 0, anomalyAlerts: 0, problems: [] };
    const settings = await this.deps.settings.get(tenantId);
    // Budgets of the same period and scope read the same rows: one read each per pass.
    const reads = new Map<string, Promise<FocusCostRow[]>>();
    const rowsOf = (query: CostRowQuery) => {
      const key = JSON.stringify(query);
      if (!reads.has(key)) reads.set(key, this.deps.rows.rows(tenantId, query));
      return reads.get(key)!;
    };
    for (const { budget } of await this.deps.budgets.list(tenantId)) {
      try {
        summary.budgetAlerts += await this.evaluateBudget(
          tenantId,
          budget,
          budget.channelId ?? settings.alertChannelId,
          await rowsOf(budgetRowQuery(budget, now)),
          now,
        );
        summary.budgetsEvaluated++;
      } catch (error) {
        this.deps.log.warn({ err: error, tenantId, budgetId: budget.id }, 'budget evaluation failed');
        summary.problems.push(`Budget ${budget.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    try {
      summary.anomalyAlerts += await this.checkAnomalies(tenantId, settings.alertChannelId, now);
    } catch (error) {
      this.deps.log.warn({ err: error, tenantId }, 'anomaly check failed');
      summary.problems.push(`Anomalies: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.deps.log.info({ tenantId, ...summary }, 'spend alerts evaluated');
    return summary;
  }

  private async evaluateBudget(
    tenantId: string,
    budget: StoredBudget,
    channelId: string | undefined,
    rows: FocusCostRow[],
    now: Date,
  ): Promise<number> {
    const { ledger } = this.deps;
    const providerForecast = await providerForecastFor(this.deps.rows, tenantId, budget);
    // Complete days only: a partial day never fires. AWS's own forecast where it applies.
    const evaluation = budgetStatus(budget, rows, now, providerForecast ? { providerForecast } : {});
    const sent = new Set<string>();
    for (const threshold of evaluation.thresholds.filter((t) => t.crossed)) {
      const key = budgetAlertKey(budget.id, evaluation.period, threshold);
      if (await ledger.wasSent(tenantId, 'budget', key)) sent.add(key);
    }
    const memo = await this.deps.budgets.lastEvaluation(tenantId, budget.id);
    const previous = memo && memo.periodStart === evaluation.period.start ? memo : undefined;
    let delivered = 0;
    let allReached = true;
    for (const alert of budgetAlertsDue(evaluation, sent, previous)) {
      if (!(await ledger.claim(tenantId, 'budget', alert.key, { budget: budget.name, threshold: alert.threshold }, now))) continue; // another run has it
      const lower = alert.ledgerKeys.filter((key) => key !== alert.key);
      for (const key of lower) await ledger.claim(tenantId, 'budget', key, { budget: budget.name, coveredBy: alert.key }, now);
      const notice: BudgetAlertNotice = {
        tenantId,
        key: alert.key,
        budget,
        alert,
        evaluation,
        topServices: topServices(
          rows.filter((row) => rowInScope(budget.scope, row) && row.ChargePeriodStart >= evaluation.period.start),
          budget.amount.currency,
        ),
      };
      const reached = await this.deliverOrRelease(tenantId, 'budget', [alert.key, ...lower], () =>
        this.deps.delivery.budgetAlert(notice, channelId),
      );
      if (reached) delivered++;
      else allReached = false;
    }
    // Remember the figures only when nothing is owed, so an undelivered alert is not silenced by "did not go up".
    if (allReached)
      await this.deps.budgets.rememberEvaluation(tenantId, budget.id, {
        periodStart: evaluation.period.start,
        actual: evaluation.actual,
        forecast: evaluation.forecast,
        evaluatedAt: now.toISOString(),
      });
    return delivered;
  }

  private async checkAnomalies(tenantId: string, channelId: string | undefined, now: Date): Promise<number> {
    const today = dayOf(now);
    const rows = await this.deps.rows.rows(tenantId, {
      from: addDays(today, -(BASELINE_DAYS + ANOMALY_LOOKBACK_DAYS + 2)),
      to: addDays(today, 1),
    });
    let delivered = 0;
    // Completeness differs per account: an AWS estimate must not hold back Azure's final days.
    for (const group of groupBy(rows, (row) => `${row.ServiceProviderName}|${row.SubAccountId}`).values()) {
      const firstIncomplete = firstIncompleteDay(
        now,
        group.filter((row) => row.estimated).map((row) => row.ChargePeriodStart),
      );
      const coveredFrom = group.reduce<Day>((first, row) => (row.ChargePeriodStart < first ? row.ChargePeriodStart : first), today);
      for (let day = addDays(firstIncomplete, -ANOMALY_LOOKBACK_DAYS); day < firstIncomplete; day = addDays(day, 1)) {
        const anomalies = detectAnomalies({ rows: group, day, firstIncomplete, coveredFrom });
        const sent = new Set<string>();
        for (const anomaly of anomalies) if (await this.deps.ledger.wasSent(tenantId, 'anomaly', anomaly.key)) sent.add(anomaly.key);
        for (const anomaly of anomalyAlertsDue(anomalies, sent)) {
          if (
            !(await this.deps.ledger.claim(
              tenantId,
              'anomaly',
              anomaly.key,
              { service: anomaly.ServiceName, account: anomaly.SubAccountId, day: anomaly.day },
              now,
            ))
          )
            continue;
          const notice: AnomalyNotice = { tenantId, key: anomaly.key, anomaly };
          if (await this.deliverOrRelease(tenantId, 'anomaly', [anomaly.key], () => this.deps.delivery.anomalyAlert(notice, channelId)))
            delivered++;
        }
      }
    }
    return delivered;
  }

  /** Hands an alert over; when it reached nobody (or failed), forgets the claims so a later run retries. */
  private async deliverOrRelease(tenantId: string, kind: string, keys: string[], send: () => Promise<number>): Promise<boolean> {
    let reached = 0;
    try {
      reached = await send();
    } catch (error) {
      this.deps.log.warn({ err: error, tenantId, key: keys[0] }, 'spend alert could not be handed to delivery');
    }
    if (reached > 0) return true;
    for (const key of keys) await this.deps.ledger.release(tenantId, kind, key);
    return false;
  }
}

/** Biggest services by billed cost, exact sums in minor units; rows in other currencies are left out. */
export function topServices(rows: readonly FocusCostRow[], currency: string, count = TOP_SERVICES): ServiceSpend[] {
  const byService = new Map<string, bigint>();
  for (const row of rows) {
    if (row.BilledCost === null || row.BillingCurrency !== currency) continue;
    byService.set(row.ServiceName, (byService.get(row.ServiceName) ?? 0n) + parseAmount(row.BilledCost, currency, { allowNegative: true }));
  }
  return [...byService.entries()]
    .sort(([a, x], [b, y]) => (x === y ? a.localeCompare(b) : x > y ? -1 : 1))
    .slice(0, count)
    .map(([serviceName, minor]) => ({ serviceName, amount: { amount: formatAmount(minor, currency), currency } }));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  return groups;
}
