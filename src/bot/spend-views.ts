// What the spend cards show: plain results of the spend services turned into the data their
// templates bind (cards/spend-summary.json, budget-list.json, budget-form.json,
// budget-alert.json, anomaly-alert.json). Money is formatted here, once, for people.
import { Markdown } from '../domain/plain-text.js';
import type { Text } from './cards.js';
import { formatMoney, type Money } from '../domain/money.js';
import type { BudgetScope, Threshold } from '../domain/spend/budgets.js';
import {
  COST_PROVIDER_WORDS,
  COST_PROVIDERS,
  listWords,
  providerDisplayName,
  providerInfoByFocusName,
  providerNames,
} from '../domain/spend/providers/index.js';

import { DEFAULT_CHANNEL_CHOICE, type BudgetFormInput, type BudgetStatusLine, type StoredBudget } from '../services/budgets.js';
import type { AnomalyNotice, BudgetAlertNotice } from '../services/spend-alerts.js';
import type { SpendLine, SpendSummary } from '../services/spend-report.js';
import type { SyncReport } from '../services/spend-contracts.js';

type Color = 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
type Fact = { title: string; value: string };

export interface SpendSummaryCardData {
  title: string;
  subtitle: Text;
  emptyText: Text;
  note: string;
  currencies: { heading: string; totals: Fact[]; providers: Fact[]; services: Fact[] }[];
}

export interface BudgetListCardData {
  subtitle: Text;
  note: string;
  noteColor: Color;
  emptyText: Text;
  items: { budgetId: string; etag: string; heading: string; statusText: string; statusColor: Color; facts: Fact[] }[];
}

export interface BudgetFormCardData {
  title: string;
  budgetId: string;
  etag: string;
  errors: { line: string }[];
  name: string;
  provider: string;
  account: string;
  service: string;
  tag: string;
  amount: string;
  currency: string;
  period: string;
  thresholds: string;
  forecast100: 'true' | 'false';
  /** "Any" and each cost provider (value: its FOCUS name, as budgets store it). */
  providerChoices: { title: string; value: string }[];
  accountPlaceholder: string;
  /** The chosen channel's conversation id, or "default" for the alerts channel. */
  channel: string;
  channelChoices: { title: string; value: string }[];
  channelNote: Text;
}

export interface BudgetAlertCardData {
  title: string;
  color: Color;
  message: string;
  facts: Fact[];
  chartTitle: string;
  currency: string;
  /** Chart.VerticalBar points; y is a number because the chart needs one (display only, never stored). */
  bars: { x: string; y: number }[];
  /** What hosts without chart support show instead. */
  chartFallback: string;
  services: Fact[];
  hint: Text;
}

export interface AnomalyAlertCardData {
  title: string;
  message: string;
  facts: Fact[];
  hint: Text;
}

export const ALERTS_HERE_HINT = Markdown.written(
  'These alerts come to your 1:1 chat because no alert channel is set. Type **alerts here** in a team channel to send them there.',
);

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const monthName = (day: string) => `${MONTHS[Number(day.slice(5, 7)) - 1]} ${day.slice(0, 4)}`;
const shortDay = (day: string) => `${MONTHS[Number(day.slice(5, 7)) - 1]!.slice(0, 3)} ${Number(day.slice(8, 10))}`;

export function changeText(percent: number | null): string {
  if (percent === null) return 'new';
  if (percent === 0) return 'no change';
  return `${percent > 0 ? '+' : ''}${percent.toFixed(1)} %`;
}

function spendLineFact(line: SpendLine): Fact {
  return { title: line.name, value: `${formatMoney(line.amount)} (${changeText(line.changePercent)} vs ${formatMoney(line.previous)})` };
}

export function spendSummaryCardData(summary: SpendSummary): SpendSummaryCardData {
  const which = summary.filter.provider ? providerDisplayName(summary.filter.provider) : providerNames('and');
  const toDate = summary.filter.month === 'this';
  return {
    title: `Cloud spend, ${which}: ${monthName(summary.period.start)}${toDate ? ' to date' : ''}`,
    subtitle: `${shortDay(summary.period.start)} – ${shortDay(summary.through)}, compared with ${shortDay(summary.comparison.start)} – ${shortDay(summary.comparisonThrough)}${toDate ? ' (today is still partial)' : ''}.`,
    emptyText: summary.dataAsOf
      ? 'No spend recorded for this period.'
      : Markdown.written(`No cost data yet. Connect ${providerNames('or')} with **connect**, then type **sync now**.`),
    note: summary.dataAsOf ? `${freshnessText(summary)} Filters: ${[...COST_PROVIDER_WORDS, 'this month', 'last month'].join(', ')}.` : '',
    currencies: summary.currencies.map((c) => ({
      heading: `Total ${formatMoney(c.total)}`,
      totals: [
        {
          title: toDate ? `${monthName(summary.comparison.start)} to the same day` : monthName(summary.comparison.start),
          value: formatMoney(c.previousToDate),
        },
        { title: 'Change', value: changeText(c.changePercent) },
        ...(toDate ? [{ title: `${monthName(summary.comparison.start)} in full`, value: formatMoney(c.previousTotal) }] : []),
      ],
      providers: c.providers.map(spendLineFact),
      services: c.topServices.map(spendLineFact),
    })),
  };
}

export function scopeText(scope: BudgetScope): string {
  const parts: string[] = [];
  if (scope.provider) parts.push(providerDisplayName(scope.provider));
  if (scope.subAccountId) parts.push(`account ${scope.subAccountId}`);
  if (scope.serviceName) parts.push(scope.serviceName);
  if (scope.tag) parts.push(`tag ${scope.tag.key}=${scope.tag.value}`);
  return parts.length > 0 ? parts.join(', ') : `everything (${providerNames('and')})`;
}

export function thresholdsText(thresholds: readonly Threshold[]): string {
  return thresholds.map((t) => `${t.percent} % ${t.kind}`).join(', ');
}

export function budgetListCardData(
  lines: readonly BudgetStatusLine[],
  options: { alertChannelName?: string; note?: string; noteColor?: Color } = {},
): BudgetListCardData {
  return {
    subtitle: options.alertChannelName
      ? `Alerts go to ${options.alertChannelName} unless a budget says otherwise. Spend includes today's partial figures.`
      : Markdown.written("No alert channel yet: alerts go to admins' 1:1 chats. Type **alerts here** in a team channel to change that."),
    note: options.note ?? '',
    noteColor: options.noteColor ?? 'Default',
    emptyText: 'No budgets yet. Add one to be told before the invoice arrives.',
    items: lines.map(({ budget, etag, evaluation }) => {
      const crossed = evaluation.thresholds.filter((t) => t.crossed);
      const over = evaluation.actualPercent >= 100;
      return {
        budgetId: budget.id,
        etag,
        heading: `${budget.name}: ${formatMoney(budget.amount)} per ${budget.period}`,
        statusText: `${evaluation.actualPercent.toFixed(1)} % spent${evaluation.forecastPercent === null ? '' : `, forecast ${evaluation.forecastPercent.toFixed(1)} %`}`,
        statusColor: over ? 'Attention' : crossed.length > 0 ? 'Warning' : 'Good',
        facts: [
          // Which days each figure counts, said on the card: alerts count complete days only, so they may show less.
          { title: 'Spent', value: `${formatMoney(evaluation.actual)} (today's partial figures included)` },
          {
            title: 'Forecast',
            value: evaluation.forecast ? `${formatMoney(evaluation.forecast)} (${FORECAST_METHOD})` : 'not yet (no complete day)',
          },
          { title: 'Period', value: `${evaluation.period.start} – ${evaluation.period.end} (end excluded)` },
          { title: 'Scope', value: scopeText(budget.scope) },
          { title: 'Alerts at', value: thresholdsText(budget.thresholds) },
          ...(budget.channelName ? [{ title: 'Channel', value: budget.channelName }] : []),
        ],
      };
    }),
  };
}

/** The form, empty (add), filled from a budget (edit), or echoing what was typed with its errors. */
export function budgetFormCardData(options: {
  budget?: StoredBudget;
  etag?: string;
  input?: BudgetFormInput;
  errors?: string[];
  alertChannelName?: string;
  channels?: { id: string; name: string }[];
}): BudgetFormCardData {
  const { budget, input } = options;
  const typed = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : typeof value === 'number' ? String(value) : '');
  const fromBudget = budget
    ? {
        name: budget.name,
        provider: budget.scope.provider ?? 'any',
        account: budget.scope.subAccountId ?? '',
        service: budget.scope.serviceName ?? '',
        tag: budget.scope.tag ? `${budget.scope.tag.key}=${budget.scope.tag.value}` : '',
        amount: budget.amount.amount,
        currency: budget.amount.currency,
        period: budget.period,
        thresholds: budget.thresholds
          .filter((t) => t.kind === 'actual')
          .map((t) => String(t.percent))
          .join(','),
        forecast100: budget.thresholds.some((t) => t.kind === 'forecast' && t.percent === 100) ? ('true' as const) : ('false' as const),
      }
    : {
        name: '',
        provider: 'any',
        account: '',
        service: '',
        tag: '',
        amount: '',
        currency: 'USD',
        period: 'month',
        thresholds: '50,80,100',
        forecast100: 'true' as const,
      };
  const values = input
    ? {
        name: typed(input.name),
        provider: typed(input.provider) || 'any',
        account: typed(input.account),
        service: typed(input.service),
        tag: typed(input.tag),
        amount: typed(input.amount),
        currency: typed(input.currency),
        period: typed(input.period) || 'month',
        thresholds: typed(input.thresholds),
        forecast100: input.forecast100 === true || input.forecast100 === 'true' ? ('true' as const) : ('false' as const),
      }
    : fromBudget;
  const channel = (input ? typed(input.channel) : budget?.channelId) || DEFAULT_CHANNEL_CHOICE;
  const channels = [...(options.channels ?? [])];
  // The budget's own channel stays a choice even if it left the list.
  if (budget?.channelId && !channels.some((c) => c.id === budget.channelId))
    channels.push({ id: budget.channelId, name: budget.channelName ?? budget.channelId });
  const channelChoices = [
    {
      title: options.alertChannelName
        ? `The alerts channel: ${options.alertChannelName}`
        : "The alerts channel: admins' 1:1 chats until one is set",
      value: DEFAULT_CHANNEL_CHOICE,
    },
    ...channels.map((c) => ({ title: c.name, value: c.id })),
  ];
  return {
    title: budget ? `Edit budget: ${budget.name}` : 'Add a budget',
    budgetId: budget?.id ?? '',
    etag: options.etag ?? '',
    errors: (options.errors ?? []).map((line) => ({ line })),
    ...values,
    providerChoices: [
      { title: `Any (${providerNames('and')})`, value: 'any' },
      ...COST_PROVIDERS.map((p) => ({ title: p.displayName, value: p.focusName })),
    ],
    accountPlaceholder: listWords(
      COST_PROVIDERS.map((p) => `${p.displayName} ${p.accountNoun.toLowerCase()} id`),
      'or',
    ),
    channel,
    channelChoices,
    channelNote:
      channels.length > 0
        ? Markdown.written('A channel is offered here once someone types **alerts here** in it (the last one becomes the alerts channel).')
        : Markdown.written("Alerts go to admins' 1:1 chats until someone types **alerts here** in a team channel."),
  };
}

const money = (m: Money | null) => (m ? formatMoney(m) : 'n/a');

/** How the forecast is made (src/domain/spend/forecast.ts), in words: it may exceed every past month when recent days cost more. */
const FORECAST_METHOD = 'the average of the complete days so far × the days in the period';
/** Chart bars need numbers; this is display only and never flows back into sums. */
const chartNumber = (m: Money | null) => (m ? Number(m.amount) : 0);

export function budgetAlertCardData(notice: BudgetAlertNotice, hint: Text = ''): BudgetAlertCardData {
  const { budget, alert, evaluation } = notice;
  const kind = alert.threshold.kind === 'actual' ? 'spend' : 'forecast';
  const over = alert.threshold.percent >= 100;
  const percentNow = alert.threshold.kind === 'actual' ? evaluation.actualPercent : evaluation.forecastPercent;
  const bars = [
    { x: 'Spent', y: chartNumber(evaluation.actual) },
    ...(evaluation.forecast ? [{ x: 'Forecast', y: chartNumber(evaluation.forecast) }] : []),
    { x: 'Budget', y: chartNumber(budget.amount) },
  ];
  return {
    title: `${budget.name}: ${kind} reached ${alert.threshold.percent} % of the budget`,
    color: over ? 'Attention' : 'Warning',
    message: `${alert.threshold.kind === 'actual' ? 'Spend so far' : 'The forecast for this period'} is ${formatMoney(alert.spend)}${percentNow === null ? '' : `, ${percentNow.toFixed(1)} %`} of the ${formatMoney(budget.amount)} budget for this ${budget.period} (complete days only).`,
    facts: [
      { title: 'Threshold crossed', value: `${alert.threshold.percent} % of ${alert.threshold.kind} spend` },
      {
        title: 'Spent',
        value: `${money(evaluation.actual)} (${evaluation.actualPercent.toFixed(1)} %), complete days only: today is left out until it is complete, so "budgets" can show more`,
      },
      {
        title: 'Forecast',
        value: evaluation.forecast
          ? `${money(evaluation.forecast)} (${evaluation.forecastPercent?.toFixed(1)} %; ${FORECAST_METHOD})`
          : 'not yet',
      },
      { title: 'Budget', value: formatMoney(budget.amount) },
      { title: 'Period', value: `${evaluation.period.start} – ${evaluation.period.end} (end excluded)` },
      { title: 'Scope', value: scopeText(budget.scope) },
    ],
    chartTitle: 'Spent, forecast and budget',
    currency: budget.amount.currency,
    bars,
    chartFallback: bars
      .map((bar) => `${bar.x.padEnd(9)} ${formatMoney({ amount: barAmount(bar.x, evaluation, budget), currency: budget.amount.currency })}`)
      .join('\n\n'),
    services: notice.topServices.map((s) => ({ title: s.serviceName, value: formatMoney(s.amount) })),
    hint,
  };
}

// The fallback text shows the exact decimal strings, not the chart's numbers.
function barAmount(x: string, evaluation: BudgetAlertNotice['evaluation'], budget: StoredBudget): string {
  if (x === 'Spent') return evaluation.actual.amount;
  if (x === 'Forecast') return evaluation.forecast?.amount ?? '0';
  return budget.amount.amount;
}

export function anomalyAlertCardData(notice: AnomalyNotice, hint: Text = ''): AnomalyAlertCardData {
  const a = notice.anomaly;
  const provider = providerDisplayName(a.ProviderName);
  const accountLabel = providerInfoByFocusName(a.ProviderName)?.accountNoun ?? 'Account';
  const change = a.changePercent === null ? 'new spend' : `+${a.changePercent.toFixed(1)} %`;
  return {
    title: `Spend spike: ${a.ServiceName} on ${provider}`,
    message: `${a.ServiceName} cost ${formatMoney(a.amount)} on ${a.day} in ${accountLabel.toLowerCase()} ${a.SubAccountId}, ${formatMoney(a.change)} more than its usual ${formatMoney(a.baseline)} a day (${change}).`,
    facts: [
      { title: 'Service', value: a.ServiceName },
      { title: accountLabel, value: a.SubAccountId },
      { title: 'Day', value: a.day },
      { title: 'Amount', value: formatMoney(a.amount) },
      { title: 'Usual (14-day median)', value: formatMoney(a.baseline) },
      { title: 'Change', value: `+${formatMoney(a.change)} (${change})` },
    ],
    hint,
  };
}

/** `sync now`: one line per connection. */
export function syncReportText(report: SyncReport): string {
  if (report.connections.length === 0) return `There is no ${providerNames('or')} connection to sync. Type **connect** to add one.`;
  const lines = report.connections.map((c) => {
    const name = `${providerDisplayName(c.provider)} ${c.connectionId.replace(/^[^:]+:/, '')}`;
    if (c.skipped) return `- ${name}: another instance is syncing it right now.`;
    if (!c.ok) return `- ${name}: failed. ${c.problem ?? 'No details.'}`;
    // In the reader's words: cost lines saved and already up to date (API call counts go to the log).
    const saved = `${c.rowsWritten} cost line${c.rowsWritten === 1 ? '' : 's'} saved`;
    return `- ${name}: ${saved}, ${c.rowsUnchanged} already up to date.${c.problem ? ` ${c.problem}` : ''}`;
  });
  return `Cost sync finished:\n\n${lines.join('\n')}`;
}

/** FOCUS data freshness, in words: per provider, when it last synced and through which day it is complete; corrections counted. */
export function freshnessText(summary: Pick<SpendSummary, 'dataAsOf' | 'freshness' | 'corrections'>): string {
  const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  const parts = (summary.freshness ?? []).map(
    (f) =>
      `${providerDisplayName(f.provider)} synced ${utc(f.syncedAt)}${f.completeThrough ? `, complete through ${f.completeThrough}` : ', no complete day yet'}`,
  );
  const data = parts.length > 0 ? `Data: ${parts.join('; ')}.` : `Data as of ${utc(summary.dataAsOf ?? '')}.`;
  const corrections = summary.corrections
    ? ` Includes ${summary.corrections} correction${summary.corrections === 1 ? '' : 's'} of figures reported earlier.`
    : '';
  return `${data}${corrections}`;
}
