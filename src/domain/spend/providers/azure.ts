// Azure as a cloud cost provider, the pure half: its names, what its connections store, and
// Cost Management query pages → FOCUS rows. The connector (src/connectors/azure-cost) fetches
// the pages; the service side (src/services/cost-providers/azure.ts) ties them together.
import { normalizeCurrency } from '../../money.js';
import { costAmount, CostDataError, type CostMetric, type FocusCostRow } from '../focus.js';
import { addDays, isDay, type Day } from '../periods.js';
import type { CostProviderInfo } from './info.js';

export const AZURE_INFO = {
  id: 'azure',
  focusName: 'Microsoft',
  displayName: 'Azure',
  chatWords: ['azure'],
  accountNoun: 'Subscription',
  // A subscription id or a billing scope path.
  connectionIdPattern: '[^\\s]{1,380}',
  description: 'Daily costs from Azure Cost Management.',
  connectionTitle: (label) => `Azure ${label}`,
  connectionSummary: () => 'Daily costs from Azure Cost Management',
  // A subscription scope bills as itself: the scope's last segment is both accounts.
  owner: ({ details }) => {
    const scope = details.scope ?? '';
    const id = scope.split('/').pop() ?? scope;
    return { billingAccountId: id, subAccountId: id };
  },
  // Cost Management's forecast is not queried: budgets use the run-rate.
  ownForecast: false,
} as const satisfies CostProviderInfo;

/** Azure UsageDate arrives as 20261101, "20261101" or "2026-11-01T00:00:00" depending on API version. */
export function parseAzureUsageDate(value: unknown): Day {
  let day: string | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) day = compactToDay(String(value));
  else if (typeof value === 'string' && /^\d{8}$/.test(value.trim())) day = compactToDay(value.trim());
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T00:00:00(\.0+)?(Z|[+-]00:?00)?)?$/.test(value.trim()))
    day = value.trim().slice(0, 10);
  if (day === undefined || !isDay(day)) throw new CostDataError(`"${String(value).slice(0, 30)}" is not a usage date.`);
  return day;
}

function compactToDay(text: string): string {
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

/** The parts of the SDK's QueryResult we read (`properties` already flattened). */
export interface AzureQueryResult {
  columns?: { name?: string; type?: string }[];
  rows?: unknown[][];
  nextLink?: string | null;
}

export interface AzureQueryContext {
  billingAccountId: string;
  subAccountId: string;
  /** ActualCost fills BilledCost, AmortizedCost fills EffectiveCost (FOCUS mapping). */
  costType: 'ActualCost' | 'AmortizedCost';
  /** The tag key grouped by, when the sync groups by a tag. */
  tagKey?: string;
}

// Column names vary by API version and cost type; the first present wins.
const AZURE_COST_COLUMNS = ['Cost', 'PreTaxCost', 'CostUSD', 'PreTaxCostUSD'];
const AZURE_DATE_COLUMNS = ['UsageDate'];
const AZURE_SERVICE_COLUMNS = ['ServiceName'];
const AZURE_CURRENCY_COLUMNS = ['Currency', 'BillingCurrency', 'BillingCurrencyCode'];

function columnIndex(columns: { name?: string }[], names: string[], required: boolean): number {
  const lower = columns.map((column) => (column.name ?? '').toLowerCase());
  for (const name of names) {
    const index = lower.indexOf(name.toLowerCase());
    if (index >= 0) return index;
  }
  if (required) throw new CostDataError(`The Cost Management result has no ${names[0]} column (columns: ${lower.join(', ') || 'none'}).`);
  return -1;
}

/**
 * One page of a Daily query grouped by ServiceName (and optionally a TagKey) → rows.
 * Columns are found by name, never by position: Azure orders them as it likes.
 */
export function normalizeAzureQuery(result: AzureQueryResult, context: AzureQueryContext): FocusCostRow[] {
  const columns = result.columns ?? [];
  const cost = columnIndex(columns, AZURE_COST_COLUMNS, true);
  const date = columnIndex(columns, AZURE_DATE_COLUMNS, true);
  const service = columnIndex(columns, AZURE_SERVICE_COLUMNS, true);
  const currency = columnIndex(columns, AZURE_CURRENCY_COLUMNS, true);
  // Grouping by a tag adds TagKey and TagValue columns.
  const tagValue = context.tagKey ? columnIndex(columns, ['TagValue'], true) : -1;
  const costField: CostMetric = context.costType === 'ActualCost' ? 'BilledCost' : 'EffectiveCost';

  return (result.rows ?? []).map((row) => {
    const day = parseAzureUsageDate(row[date]);
    const rowCurrency = normalizeCurrency(row[currency]);
    const tag = tagValue >= 0 ? String(row[tagValue] ?? '') : '';
    return {
      ServiceProviderName: 'Microsoft',
      HostProviderName: 'Microsoft',
      BillingAccountId: context.billingAccountId,
      SubAccountId: context.subAccountId,
      ChargePeriodStart: day,
      ChargePeriodEnd: addDays(day, 1),
      BilledCost: null,
      EffectiveCost: null,
      [costField]: costAmount(row[cost], rowCurrency),
      BillingCurrency: rowCurrency,
      ServiceName: String(row[service] ?? '').trim() || 'Unassigned',
      Tags: context.tagKey && tag ? { [context.tagKey]: tag } : {},
      estimated: false,
    };
  });
}
