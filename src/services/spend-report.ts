// `spend`: what the tenant spent this month (or last month), per provider and top services,
// against the month before: to the same day of the month (a fair comparison mid-month) and
// in full. Filters are typed words ("spend aws last month"); anything unknown gets a message
// listing what is accepted, never a guess. Sums are exact (minor units), per currency.
import type { Clock } from '../clock.js';
import { formatAmount, parseAmount, type Money } from '../domain/money.js';
import type { FocusCostRow, ProviderName } from '../domain/spend/focus.js';
import { COST_PROVIDER_WORDS, COST_PROVIDERS, listWords, providerByWord, providerDisplayName } from '../domain/spend/providers/index.js';
import { divideRounded } from '../domain/spend/forecast.js';
import { addDays, dayOf, daysBetween, periodContaining, previousPeriod, type Day, type Period } from '../domain/spend/periods.js';
import type { Actor } from '../domain/roles.js';
import { refused, type Refused } from './outcome.js';
import type { RoleService } from './roles.js';
import type { CostRowReader } from './spend-contracts.js';

export interface SpendFilter {
  provider?: ProviderName;
  month: 'this' | 'last';
}

export const ONLY_ADMINS_SPEND = 'Only admins can see cloud spend. Type **help** to see the commands you can use.';

export const SPEND_FILTER_HELP = `Filters I understand: ${COST_PROVIDER_WORDS.map((id) => `**${id}**`).join(', ')}, **this month**, **last month** (e.g. \`spend ${COST_PROVIDER_WORDS[0]} last month\`).`;
const FILLER = new Set(['month', 'for', 'in', 'the', 'of', 'spend', 'all', 'mtd', 'so', 'far']);

/** "aws last month", "Azure", "this month" → a filter; unknown or contradicting words → a message. */
export function parseSpendFilter(text: string): { ok: true; filter: SpendFilter } | { ok: false; message: string } {
  const words = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  const filter: SpendFilter = { month: 'this' };
  const unknown: string[] = [];
  let month: 'this' | 'last' | undefined;
  for (const word of words) {
    const provider = providerByWord(word)?.focusName;
    if (provider) {
      if (filter.provider && filter.provider !== provider)
        return {
          ok: false,
          message: `Pick one provider: ${listWords(COST_PROVIDER_WORDS, 'or')} (or none for ${COST_PROVIDER_WORDS.length === 2 ? 'both' : 'all'}). ${SPEND_FILTER_HELP}`,
        };
      filter.provider = provider;
    } else if (word === 'this' || word === 'current' || word === 'last' || word === 'previous') {
      const next = word === 'this' || word === 'current' ? 'this' : 'last';
      if (month && month !== next) return { ok: false, message: `Pick one month: this month or last month. ${SPEND_FILTER_HELP}` };
      month = next;
    } else if (!FILLER.has(word)) unknown.push(word);
  }
  if (unknown.length > 0)
    return { ok: false, message: `I don't know the filter "${unknown.join(' ').slice(0, 40)}". ${SPEND_FILTER_HELP}` };
  filter.month = month ?? 'this';
  return { ok: true, filter };
}

export interface SpendLine {
  name: string;
  amount: Money;
  /** Same span of the comparison month; null when it had no spend. */
  previous: Money;
  /** Percent change vs `previous`, one decimal; null when `previous` is zero. */
  changePercent: number | null;
}

export interface CurrencySpend {
  currency: string;
  total: Money;
  /** The comparison month up to the same day (this month) or in full (last month). */
  previousToDate: Money;
  previousTotal: Money;
  changePercent: number | null;
  providers: SpendLine[];
  topServices: SpendLine[];
}

export interface SpendSummary {
  filter: SpendFilter;
  period: Period;
  /** Last day included (today for this month: partial). */
  through: Day;
  comparison: Period;
  comparisonThrough: Day;
  currencies: CurrencySpend[];
  /** Latest sync, ISO; undefined when nothing was ever synced. */
  dataAsOf?: string;
  /** FOCUS data freshness per provider: when each last synced and through which day its data is complete. */
  freshness?: { provider: ProviderName; syncedAt: string; completeThrough?: Day }[];
  /** Rows of the period that correct figures reported earlier (FOCUS ChargeClass "Correction"). */
  corrections?: number;
}

const TOP = 5;

export class SpendReport {
  constructor(private readonly deps: { rows: CostRowReader; roles: RoleService; clock: Clock }) {}

  async report(actor: Actor, filterText: string, now = this.deps.clock()): Promise<{ ok: true; summary: SpendSummary } | Refused> {
    if (!(await this.deps.roles.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SPEND);
    const parsed = parseSpendFilter(filterText);
    if (!parsed.ok) return refused('invalid', parsed.message);
    return { ok: true, summary: await this.summarize(actor.tenantId, parsed.filter, now) };
  }

  async summarize(tenantId: string, filter: SpendFilter, now = this.deps.clock()): Promise<SpendSummary> {
    const today = dayOf(now);
    const thisMonth = periodContaining('month', today);
    const period = filter.month === 'this' ? thisMonth : previousPeriod(thisMonth);
    const comparison = previousPeriod(period);
    const through = filter.month === 'this' ? today : addDays(period.end, -1);
    // Same number of days into the comparison month, capped at its end (31 March → 28/29 Feb).
    const elapsed = daysBetween(period.start, through);
    const comparisonThrough = minDay(addDays(comparison.start, elapsed), addDays(comparison.end, -1));
    const provider = filter.provider ? { provider: filter.provider } : {};
    const [current, previous, freshness] = await Promise.all([
      this.deps.rows.rows(tenantId, { from: period.start, to: addDays(through, 1), ...provider }),
      this.deps.rows.rows(tenantId, { from: comparison.start, to: comparison.end, ...provider }),
      this.deps.rows.freshness(tenantId),
    ]);
    const previousToDate = previous.filter((row) => row.ChargePeriodStart <= comparisonThrough);
    const currencies = [...new Set([...current, ...previous].map((row) => row.BillingCurrency))].sort();
    const dataAsOf = freshness
      .map((f) => f.syncedAt)
      .sort()
      .at(-1);
    // Per provider: the latest sync of its connections, and the earliest day through which all of them are complete.
    const byProvider = new Map<ProviderName, { provider: ProviderName; syncedAt: string; completeThrough?: Day }>();
    for (const f of freshness) {
      if (!f.syncedAt || (filter.provider && f.provider !== filter.provider)) continue;
      const seen = byProvider.get(f.provider);
      const completeThrough =
        seen && seen.completeThrough && f.lastCompleteDay
          ? minDay(seen.completeThrough, f.lastCompleteDay)
          : (f.lastCompleteDay ?? seen?.completeThrough);
      byProvider.set(f.provider, {
        provider: f.provider,
        syncedAt: seen && seen.syncedAt > f.syncedAt ? seen.syncedAt : f.syncedAt,
        ...(completeThrough ? { completeThrough } : {}),
      });
    }
    const corrections = current.filter((row) => row.ChargeClass === 'Correction').length;
    return {
      filter,
      period,
      through,
      comparison,
      comparisonThrough,
      currencies: currencies.map((currency) => currencySpend(currency, current, previousToDate, previous)),
      ...(dataAsOf ? { dataAsOf } : {}),
      ...(byProvider.size > 0 ? { freshness: [...byProvider.values()].sort((a, b) => a.provider.localeCompare(b.provider)) } : {}),
      ...(corrections > 0 ? { corrections } : {}),
    };
  }
}

function currencySpend(currency: string, current: FocusCostRow[], previousToDate: FocusCostRow[], previous: FocusCostRow[]): CurrencySpend {
  const now = sums(current, currency, () => 'total');
  const before = sums(previousToDate, currency, () => 'total');
  const beforeFull = sums(previous, currency, () => 'total');
  const lines = (keyOf: (row: FocusCostRow) => string, limit?: number): SpendLine[] => {
    const a = sums(current, currency, keyOf);
    const b = sums(previousToDate, currency, keyOf);
    return [...a.entries()]
      .sort(([x, m], [y, n]) => (m === n ? x.localeCompare(y) : m > n ? -1 : 1))
      .slice(0, limit)
      .map(([name, minor]) => line(name, minor, b.get(name) ?? 0n, currency));
  };
  const totalLine = line('total', now.get('total') ?? 0n, before.get('total') ?? 0n, currency);
  return {
    currency,
    total: totalLine.amount,
    previousToDate: totalLine.previous,
    previousTotal: { amount: formatAmount(beforeFull.get('total') ?? 0n, currency), currency },
    changePercent: totalLine.changePercent,
    providers: lines((row) => providerDisplayName(row.ServiceProviderName)),
    topServices: lines((row) => row.ServiceName, TOP),
  };
}

function sums(rows: readonly FocusCostRow[], currency: string, keyOf: (row: FocusCostRow) => string): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const row of rows) {
    if (row.BillingCurrency !== currency || row.BilledCost === null) continue;
    const key = keyOf(row);
    totals.set(key, (totals.get(key) ?? 0n) + parseAmount(row.BilledCost, currency, { allowNegative: true }));
  }
  return totals;
}

function line(name: string, now: bigint, before: bigint, currency: string): SpendLine {
  return {
    name,
    amount: { amount: formatAmount(now, currency), currency },
    previous: { amount: formatAmount(before, currency), currency },
    // One decimal, exact: (now − before) × 1000 / before, rounded half away from zero.
    changePercent: before === 0n ? null : Number(divideRounded((now - before) * 1000n, before)) / 10,
  };
}

function minDay(a: Day, b: Day): Day {
  return a < b ? a : b;
}
