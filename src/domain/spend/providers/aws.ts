// AWS as a cloud cost provider, the pure half: its names, what its connections store, and
// Cost Explorer's GetCostAndUsage pages → FOCUS rows. The connector (src/connectors/aws-cost)
// fetches the pages; the service side (src/services/cost-providers/aws.ts) ties them together.
import { normalizeCurrency } from '../../money.js';
import { costAmount, CostDataError, type FocusCostRow } from '../focus.js';
import { addDays, isDay, type Day } from '../periods.js';
import type { CostProviderInfo } from './info.js';

export const AWS_INFO = {
  id: 'aws',
  focusName: 'AWS',
  displayName: 'AWS',
  chatWords: ['aws', 'amazon'],
  accountNoun: 'Account',
  connectionIdPattern: '\\d{12}',
  description: 'Daily costs from AWS Cost Explorer.',
  connectionTitle: (label) => `AWS account ${label}`,
  connectionSummary: (details) =>
    details.credentialKind === 'assume-role' ? `Role ${details.roleArn ?? ''}` : `Access key ${details.keyHint ?? ''}`,
  // The linked account is both accounts of its rows.
  owner: ({ label, details }) => ({ billingAccountId: details.accountId ?? label, subAccountId: details.accountId ?? label }),
  // GetCostForecast: budgets on one AWS account use it instead of the run-rate.
  ownForecast: true,
} as const satisfies CostProviderInfo;

interface AwsMetric {
  Amount?: string;
  Unit?: string;
}

/** The parts of GetCostAndUsageResponse we read. */
export interface AwsCostPage {
  ResultsByTime?: {
    TimePeriod?: { Start?: string; End?: string };
    Groups?: { Keys?: string[]; Metrics?: Record<string, AwsMetric> }[];
    Estimated?: boolean;
  }[];
  NextPageToken?: string;
}

export interface AwsCostContext {
  billingAccountId: string;
  subAccountId: string;
  /** When GroupBy has a second TAG entry; AWS returns its key as "tagKey$value". */
  tagKey?: string;
}

/** What a page says about each day, even a day with no spend (no Groups). */
export interface AwsDayStatus {
  day: Day;
  estimated: boolean;
}

export interface AwsNormalized {
  rows: FocusCostRow[];
  days: AwsDayStatus[];
}

// FOCUS mapping: net (after discounts) when present, else unblended / amortized.
const AWS_BILLED = ['NetUnblendedCost', 'UnblendedCost'];
const AWS_EFFECTIVE = ['NetAmortizedCost', 'AmortizedCost'];

function pickMetric(metrics: Record<string, AwsMetric>, names: string[]): AwsMetric | undefined {
  for (const name of names) if (metrics[name]?.Amount !== undefined) return metrics[name];
  return undefined;
}

/**
 * One GetCostAndUsage page (DAILY, GroupBy SERVICE [, TAG]) → rows. A day is keyed by its
 * Start: End is exclusive, and keying by End shifts every cost one day late.
 */
export function normalizeAwsPage(page: AwsCostPage, context: AwsCostContext): AwsNormalized {
  const rows: FocusCostRow[] = [];
  const days: AwsDayStatus[] = [];
  for (const result of page.ResultsByTime ?? []) {
    const start = result.TimePeriod?.Start;
    const end = result.TimePeriod?.End;
    if (!isDay(start) || !isDay(end))
      throw new CostDataError(`AWS returned a time period that is not a day: ${String(start)} – ${String(end)}.`);
    if (end !== addDays(start, 1))
      throw new CostDataError(`AWS returned ${start} – ${end}; expected DAILY granularity (End is the next day, exclusive).`);
    const estimated = result.Estimated === true;
    days.push({ day: start, estimated });
    for (const group of result.Groups ?? []) {
      const metrics = group.Metrics ?? {};
      const billed = pickMetric(metrics, AWS_BILLED);
      const effective = pickMetric(metrics, AWS_EFFECTIVE);
      const unit = billed?.Unit ?? effective?.Unit;
      if (!billed && !effective) continue;
      const currency = normalizeCurrency(unit);
      const [service = '', tagKeyValue] = group.Keys ?? [];
      rows.push({
        ServiceProviderName: 'AWS',
        HostProviderName: 'AWS',
        BillingAccountId: context.billingAccountId,
        SubAccountId: context.subAccountId,
        ChargePeriodStart: start,
        ChargePeriodEnd: end,
        BilledCost: billed ? costAmount(billed.Amount, currency) : null,
        EffectiveCost: effective ? costAmount(effective.Amount, currency) : null,
        BillingCurrency: currency,
        ServiceName: service.trim() || 'Unassigned',
        Tags: awsTag(context.tagKey, tagKeyValue),
        estimated,
      });
    }
  }
  return { rows, days };
}

// "env$prod" → { env: "prod" }; "env$" means untagged.
function awsTag(tagKey: string | undefined, keyValue: string | undefined): Record<string, string> {
  if (!tagKey || keyValue === undefined) return {};
  const separator = keyValue.indexOf('$');
  const value = separator >= 0 ? keyValue.slice(separator + 1) : keyValue;
  return value ? { [tagKey]: value } : {};
}
