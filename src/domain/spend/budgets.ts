// Budgets: what an admin sets (scope, amount, period, thresholds), how an input is checked,
// how spend and forecast compare to the thresholds, and which alerts are due. The alert
// ledger (one row per alert ever sent) is the dedupe: a crossing is announced once per
// period, and a figure that only goes down never announces anything.

import { checkMoney, formatAmount, parseAmount, type Money } from '../money.js';
import { dailySpend, divideRounded, forecastPeriod, type PeriodForecast } from './forecast.js';
import { costAmount, type CostMetric, type FocusCostRow, type ProviderName } from './focus.js';
import { COST_PROVIDERS, listWords, providerInfoByFocusName } from './providers/index.js';
import { dayOf, firstIncompleteDay, periodContaining, periodIncludes, type Day, type Period, type PeriodKind } from './periods.js';

export type BudgetPeriodKind = Exclude<PeriodKind, 'day'>;
export type ThresholdKind = 'actual' | 'forecast';

export interface Threshold {
  /** Percent of the budget amount: 80 means "at 80 %". */
  percent: number;
  kind: ThresholdKind;
}

/** Every field optional: an empty scope is everything the tenant syncs. */
export interface BudgetScope {
  provider?: ProviderName;
  /** Azure subscription / AWS account. */
  subAccountId?: string;
  serviceName?: string;
  tag?: { key: string; value: string };
}

export interface Budget {
  id: string;
  name: string;
  scope: BudgetScope;
  amount: Money;
  period: BudgetPeriodKind;
  thresholds: Threshold[];
}

export const DEFAULT_THRESHOLDS: readonly Threshold[] = [
  { percent: 50, kind: 'actual' },
  { percent: 80, kind: 'actual' },
  { percent: 100, kind: 'actual' },
  { percent: 100, kind: 'forecast' },
];

/** Above this many whole units a budget is a typo, not a plan. */
export const MAX_BUDGET_UNITS = 1_000_000_000_000n;
/** 1000 % still allows "tell me at 2× and 5×"; beyond is a mistyped number. */
export const MAX_THRESHOLD_PERCENT = 1000;

// ISO 4217 codes the runtime knows (Node ships ICU): "USD" yes, "XYZ" or "EUD" no.
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export interface BudgetInput {
  id: string;
  name?: unknown;
  scope?: BudgetScope;
  amount: unknown;
  currency: unknown;
  period: unknown;
  /** Omitted → defaults; an empty list is an error (a budget that never alerts is a mistake). */
  thresholds?: unknown;
}

export type BudgetCheck = { ok: true; budget: Budget } | { ok: false; errors: string[] };

/** Checks an admin's input; on any error nothing should be saved, and every error is listed. */
export function validateBudget(input: BudgetInput): BudgetCheck {
  const errors: string[] = [];
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name) errors.push('Give the budget a name.');
  else if (name.length > 100) errors.push('The budget name is too long (100 characters at most).');

  const currency = typeof input.currency === 'string' ? input.currency.trim().toUpperCase() : '';
  let amount: Money | undefined;
  if (!KNOWN_CURRENCIES.has(currency)) {
    errors.push(`"${String(input.currency ?? '').slice(0, 20)}" is not a currency code we know (use an ISO 4217 code like USD or EUR).`);
  } else {
    const text = typeof input.amount === 'number' && Number.isFinite(input.amount) ? String(input.amount) : input.amount;
    const check = checkMoney(text, currency, { allowNegative: true });
    if (!check.ok) errors.push(check.code === 'too-large' ? 'The budget amount is absurdly large; check the number.' : check.message);
    else {
      const minor = parseAmount(check.value.amount, currency, { allowNegative: true });
      const max = parseAmount(MAX_BUDGET_UNITS.toString(), currency);
      if (minor < 0n) errors.push(`The budget amount cannot be negative (got ${check.value.amount}).`);
      else if (minor === 0n) errors.push('The budget amount must be more than zero.');
      else if (minor > max)
        errors.push(
          `The budget amount is absurdly large (more than ${MAX_BUDGET_UNITS.toLocaleString('en-US')} ${currency}); check the number.`,
        );
      else amount = check.value;
    }
  }

  const period = input.period;
  if (period !== 'month' && period !== 'quarter' && period !== 'year') errors.push('The period must be month, quarter or year.');

  const thresholds = validateThresholds(input.thresholds, errors);
  const scope = cleanScope(input.scope ?? {}, errors);

  if (errors.length > 0 || !amount) return { ok: false, errors };
  return { ok: true, budget: { id: input.id, name, scope, amount, period: period as BudgetPeriodKind, thresholds } };
}

function validateThresholds(value: unknown, errors: string[]): Threshold[] {
  if (value === undefined) return DEFAULT_THRESHOLDS.map((threshold) => ({ ...threshold }));
  if (!Array.isArray(value) || value.length === 0) {
    errors.push('Add at least one threshold (for example 80 % of actual spend).');
    return [];
  }
  const seen = new Set<string>();
  const result: Threshold[] = [];
  for (const item of value as Partial<Threshold>[]) {
    const percent = item?.percent;
    const kind = item?.kind;
    if (kind !== 'actual' && kind !== 'forecast') {
      errors.push(`A threshold must be on actual or forecast spend (got ${String(kind)}).`);
      continue;
    }
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0 || percent > MAX_THRESHOLD_PERCENT) {
      errors.push(`A threshold must be a percentage above 0 and at most ${MAX_THRESHOLD_PERCENT} (got ${String(percent)}).`);
      continue;
    }
    if (Math.round(percent * 100) !== percent * 100) {
      errors.push(`A threshold has at most two decimals (got ${percent}).`);
      continue;
    }
    const id = `${kind}:${percent}`;
    if (seen.has(id)) {
      errors.push(`The threshold ${percent} % of ${kind} spend is listed twice.`);
      continue;
    }
    seen.add(id);
    result.push({ percent, kind });
  }
  return result.sort((a, b) => (a.kind === b.kind ? a.percent - b.percent : a.kind === 'actual' ? -1 : 1));
}

function cleanScope(scope: BudgetScope, errors: string[]): BudgetScope {
  const clean: BudgetScope = {};
  if (scope.provider !== undefined) {
    const known = providerInfoByFocusName(scope.provider);
    if (known) clean.provider = known.focusName;
    else
      errors.push(
        `The provider must be ${listWords(
          COST_PROVIDERS.map((p) => (p.focusName === p.displayName ? p.focusName : `${p.focusName} (${p.displayName})`)),
          'or',
        )}.`,
      );
  }
  const subAccountId = scope.subAccountId?.trim();
  if (subAccountId) clean.subAccountId = subAccountId;
  const serviceName = scope.serviceName?.trim();
  if (serviceName) clean.serviceName = serviceName;
  if (scope.tag) {
    const key = scope.tag.key?.trim();
    const value = scope.tag.value?.trim();
    if (!key || !value) errors.push('A tag scope needs both a tag name and a value.');
    else clean.tag = { key, value };
  }
  return clean;
}

/** Whether a cost row counts toward the budget. Service names compare case-insensitively. */
export function rowInScope(scope: BudgetScope, row: FocusCostRow): boolean {
  if (scope.provider && row.ServiceProviderName !== scope.provider) return false;
  if (scope.subAccountId && row.SubAccountId.toLowerCase() !== scope.subAccountId.toLowerCase()) return false;
  if (scope.serviceName && row.ServiceName.toLowerCase() !== scope.serviceName.toLowerCase()) return false;
  if (scope.tag && row.Tags[scope.tag.key] !== scope.tag.value) return false;
  return true;
}

export interface ThresholdStatus extends Threshold {
  crossed: boolean;
}

export interface BudgetEvaluation {
  budget: Budget;
  period: Period;
  actual: Money;
  forecast: Money | null;
  /** One decimal, for display. */
  actualPercent: number;
  forecastPercent: number | null;
  thresholds: ThresholdStatus[];
}

// spend ≥ percent % of amount, exactly: spend × 10000 ≥ amount × basis points.
function reaches(spend: bigint, amount: bigint, percent: number): boolean {
  return spend * 10_000n >= amount * BigInt(Math.round(percent * 100));
}

function percentOf(spend: bigint, amount: bigint): number {
  return Number(divideRounded(spend * 1000n, amount)) / 10;
}

export interface EvaluateOptions {
  /**
   * Alerts judge complete days only (the default): today's partial figure must not fire a
   * threshold. A `budgets` listing may include partial days to show the latest figure; the
   * forecast is then never shown below that figure.
   */
  includePartialDays?: boolean;
}

/** Spend and forecast (of rows already in scope, in the budget's currency) against thresholds. */
export function evaluateBudget(budget: Budget, forecast: PeriodForecast, options: EvaluateOptions = {}): BudgetEvaluation {
  const currency = budget.amount.currency;
  if (forecast.actual.currency !== currency)
    throw new RangeError(`Budget ${budget.name} is in ${currency} but its spend is in ${forecast.actual.currency}.`);
  const spent = options.includePartialDays ? forecast.actual : forecast.completeSpend;
  const amount = parseAmount(budget.amount.amount, currency);
  const actual = parseAmount(spent.amount, currency, { allowNegative: true });
  let projected = forecast.forecast ? parseAmount(forecast.forecast.amount, currency, { allowNegative: true }) : null;
  // For display only: a forecast below what the latest figures already show looks wrong.
  if (options.includePartialDays && projected !== null && projected < actual) projected = actual;
  return {
    budget,
    period: forecast.period,
    actual: spent,
    forecast: projected === null ? null : { amount: formatAmount(projected, currency), currency },
    actualPercent: percentOf(actual, amount),
    forecastPercent: projected === null ? null : percentOf(projected, amount),
    thresholds: budget.thresholds.map((threshold) => ({
      ...threshold,
      crossed:
        threshold.kind === 'actual'
          ? reaches(actual, amount, threshold.percent)
          : projected !== null && reaches(projected, amount, threshold.percent),
    })),
  };
}

/** Ledger dedupe key: budget + period + threshold + kind. A new period starts afresh. */
export function budgetAlertKey(budgetId: string, period: Period, threshold: Threshold): string {
  return ['budget', budgetId, period.kind, period.start, threshold.kind, String(threshold.percent)].map(encodeURIComponent).join('|');
}

export interface BudgetAlert {
  key: string;
  budget: Budget;
  period: Period;
  /** The highest threshold newly crossed for this kind. */
  threshold: Threshold;
  /** Keys to record in the ledger: this one and any lower threshold crossed in the same jump. */
  ledgerKeys: string[];
  spend: Money;
  amount: Money;
}

/**
 * Alerts due now: per kind, the highest crossed threshold whose key is not in the ledger.
 * When spend jumps past 50 % and 80 % in one day, one alert (80 %) goes out and both keys
 * are recorded, so the 50 % alert never arrives late. With `previous` (the last evaluation
 * of the same period), a figure that did not go up sends nothing even if the ledger lacks
 * the key (a threshold added while already above it).
 */
export function budgetAlertsDue(
  evaluation: BudgetEvaluation,
  ledger: ReadonlySet<string>,
  previous?: Pick<BudgetEvaluation, 'actual' | 'forecast'>,
): BudgetAlert[] {
  const { budget, period } = evaluation;
  const currency = budget.amount.currency;
  const minor = (value: Money | null): bigint | null =>
    value === null ? null : parseAmount(value.amount, currency, { allowNegative: true });
  const alerts: BudgetAlert[] = [];
  for (const kind of ['actual', 'forecast'] as const) {
    const now = minor(evaluation[kind]);
    if (now === null) continue;
    const before = previous ? minor(previous[kind]) : null;
    if (before !== null && now <= before) continue; // only went down (or stayed): never alert
    const fresh = evaluation.thresholds.filter((t) => t.kind === kind && t.crossed && !ledger.has(budgetAlertKey(budget.id, period, t)));
    const highest = fresh.reduce<ThresholdStatus | undefined>((top, t) => (!top || t.percent > top.percent ? t : top), undefined);
    if (!highest) continue;
    const threshold = { percent: highest.percent, kind };
    alerts.push({
      key: budgetAlertKey(budget.id, period, threshold),
      budget,
      period,
      threshold,
      ledgerKeys: fresh.map((t) => budgetAlertKey(budget.id, period, t)),
      spend: { amount: formatAmount(now, currency), currency },
      amount: budget.amount,
    });
  }
  return alerts;
}

export interface BudgetStatusOptions extends EvaluateOptions {
  /** BilledCost (what the invoice says, the default) or EffectiveCost (amortized). */
  metric?: CostMetric;
  /**
   * The provider's own forecast of [from, to) for the budget's scope (AWS GetCostForecast
   * for one account). Used when it runs to the end of the period in the budget's currency:
   * forecast = spend of the days before `from` + the provider's figure.
   */
  providerForecast?: { from: Day; to: Day; amount: string; currency: string };
}

/**
 * The whole chain for one budget at `now`: rows in scope → spend per day → forecast of the
 * open period → thresholds. Days a row marks as estimated (AWS) end the complete days.
 */
export function budgetStatus(
  budget: Budget,
  rows: readonly FocusCostRow[],
  now: Date | number,
  options: BudgetStatusOptions = {},
): BudgetEvaluation {
  const period = periodContaining(budget.period, dayOf(now));
  const inScope = rows.filter((row) => rowInScope(budget.scope, row));
  const estimated = inScope.filter((row) => row.estimated).map((row) => row.ChargePeriodStart);
  const daily = dailySpend(inScope, options.metric ?? 'BilledCost', budget.amount.currency);
  const forecast = forecastPeriod(period, daily, budget.amount.currency, firstIncompleteDay(now, estimated));
  return evaluateBudget(budget, withProviderForecast(forecast, daily, options.providerForecast), options);
}

/** The run-rate forecast, replaced by the provider's own where it covers the rest of the period. */
export function withProviderForecast(
  forecast: PeriodForecast,
  daily: ReadonlyMap<Day, bigint>,
  provider: BudgetStatusOptions['providerForecast'],
): PeriodForecast {
  const currency = forecast.actual.currency;
  if (
    !provider ||
    provider.to !== forecast.period.end ||
    provider.currency.toUpperCase() !== currency ||
    !periodIncludes(forecast.period, provider.from)
  )
    return forecast;
  let before = 0n;
  for (const [day, amount] of daily) if (periodIncludes(forecast.period, day) && day < provider.from) before += amount;
  const total = before + parseAmount(costAmount(provider.amount, currency), currency, { allowNegative: true });
  return { ...forecast, forecast: { amount: formatAmount(total, currency), currency } };
}
