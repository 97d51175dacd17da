// AWS Cost Explorer (awsJson1_1): POST / with x-amz-target AWSInsightsIndexService.<Operation>.
// GetCostAndUsage serves the seeded daily costs (Start inclusive, End exclusive; today and
// yesterday Estimated) in pages of `pageSize` groups, a day split over pages when it does not
// fit, as AWS does; GetCostForecast extrapolates the last 14 complete days. Errors carry the
// real `__type` names and messages, with HTTP 400 as AWS sends them.
// In the request log, `tenantId` is the AWS account of the key that signed the request.
import { randomUUID } from 'node:crypto';
import { addDays, dayOf, daysBetween, isDay, periodContaining, type Day } from '../domain/spend/periods.js';
import {
  AWS_ACCOUNTS,
  AWS_DEMO_TAG_KEY,
  awsDailyCostMicros,
  awsServicesOf,
  awsTagSplit,
  formatMicros,
  syntheticDailyCostMicros,
  syntheticServiceName,
  type Micros,
} from './aws-cost-data.js';
import type { AwsIdentityState, AwsPrincipal } from './aws-identity.js';
import { header, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse } from './http.js';

export const COST_EXPLORER_TARGET_PREFIX = 'AWSInsightsIndexService.';

export interface CostExplorerOptions {
  /** Most groups per GetCostAndUsage page (default 2,000); tests use a few to exercise paging. */
  pageSize: number;
  /** "Today" for the seeded data (default: the UTC day now). */
  today: () => Day;
  /** Benchmark knob: the synthetic account has this many services with cost every day. */
  syntheticServicesPerDay?: number;
}

const METRICS = ['AmortizedCost', 'BlendedCost', 'NetAmortizedCost', 'NetUnblendedCost', 'UnblendedCost'];
const FORECAST_METRICS: Record<string, string> = {
  AMORTIZED_COST: 'AmortizedCost',
  BLENDED_COST: 'BlendedCost',
  NET_AMORTIZED_COST: 'NetAmortizedCost',
  NET_UNBLENDED_COST: 'NetUnblendedCost',
  UNBLENDED_COST: 'UnblendedCost',
};

const awsJson = (status: number, body: unknown): EmulatorResponse => ({
  status,
  body,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
});
export const ceError = (type: string, message: string, status = 400): EmulatorResponse => awsJson(status, { __type: type, message });

export function costExplorerEmulator(aws: AwsIdentityState, options: CostExplorerOptions): EmulatorDefinition {
  return {
    service: 'costExplorer',
    routeOf: (request) => operationOf(request) ?? 'unmatched',
    handle(request) {
      const operation = operationOf(request);
      if (request.method !== 'POST' || request.path !== '/')
        return {
          response: ceError('UnknownOperationException', `${request.method} ${request.path} is not a Cost Explorer operation.`, 404),
        };
      const auth = aws.authenticate(request);
      if ('failure' in auth) return { response: authFailure(auth.failure) };
      const { principal } = auth;
      const tenantId = principal.accountId;
      if (operation !== 'GetCostAndUsage' && operation !== 'GetCostForecast') {
        return {
          response: ceError('UnknownOperationException', `Operation ${header(request, 'x-amz-target') ?? '(none)'} is not supported.`),
          tenantId,
        };
      }
      if (!principal.permissions.includes(`ce:${operation}`)) {
        return {
          response: ceError(
            'AccessDeniedException',
            `User: ${principal.arn} is not authorized to perform: ce:${operation} on resource: arn:aws:ce:us-east-1:${principal.accountId}:/${operation}`,
          ),
          tenantId,
        };
      }
      const body = parseBody(request.body);
      if (!body) return { response: ceError('SerializationException', 'Start of structure or map found where not expected.'), tenantId };
      // An account that never enabled Cost Explorer: AWS answers AccessDenied with this message
      // (not DataUnavailable, which is for data not ingested yet).
      if (!aws.costExplorerEnabled.has(principal.accountId)) {
        return { response: ceError('AccessDeniedException', 'User not enabled for cost explorer access'), tenantId };
      }
      const response =
        operation === 'GetCostAndUsage' ? getCostAndUsage(body, principal, options) : getCostForecast(body, principal, options);
      return { response, tenantId };
    },
    renderFault(fault) {
      // Cost Explorer answers throttling with 400 LimitExceededException, not 429.
      const type =
        fault.code !== undefined ? String(fault.code) : fault.status >= 500 ? 'InternalServerException' : 'LimitExceededException';
      const message =
        fault.message ?? (type === 'LimitExceededException' ? 'Rate exceeded' : 'We encountered an internal error. Please try again.');
      return ceError(type, message, fault.status === 429 ? 400 : fault.status);
    },
    trace: (request) => ({ ...(header(request, 'amz-sdk-invocation-id') ? { requestId: header(request, 'amz-sdk-invocation-id')! } : {}) }),
    commonHeaders: () => ({ 'x-amzn-RequestId': randomUUID() }),
  };
}

function operationOf(request: EmulatorRequest): string | undefined {
  const target = header(request, 'x-amz-target');
  return target?.startsWith(COST_EXPLORER_TARGET_PREFIX) ? target.slice(COST_EXPLORER_TARGET_PREFIX.length) : undefined;
}

export function authFailure(failure: string): EmulatorResponse {
  switch (failure) {
    case 'missing':
      return ceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    case 'malformed':
      return ceError(
        'IncompleteSignatureException',
        "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters (AWS4-HMAC-SHA256).",
      );
    case 'expired-token':
      return ceError('ExpiredTokenException', 'The security token included in the request is expired');
    case 'bad-signature':
      return ceError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    default:
      return ceError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text || '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface TimePeriod {
  start: Day;
  end: Day;
}

function timePeriodOf(body: Record<string, unknown>): TimePeriod | EmulatorResponse {
  const period = body.TimePeriod as { Start?: unknown; End?: unknown } | undefined;
  if (!period || typeof period !== 'object')
    return ceError(
      'ValidationException',
      "1 validation error detected: Value null at 'timePeriod' failed to satisfy constraint: Member must not be null",
    );
  for (const [name, value] of [
    ['Start', period.Start],
    ['End', period.End],
  ] as const) {
    if (!isDay(value))
      return ceError(
        'ValidationException',
        `${name} date is invalid: "${String(value).slice(0, 30)}". Dates must be in the format yyyy-MM-dd.`,
      );
  }
  const start = period.Start as Day;
  const end = period.End as Day;
  if (end <= start) return ceError('ValidationException', 'Start date (and hour) should be before end date (and hour)');
  return { start, end };
}

// ---------------------------------------------------------------------------------------
// GetCostAndUsage
// ---------------------------------------------------------------------------------------

type GroupDimension = { type: 'SERVICE' } | { type: 'LINKED_ACCOUNT' } | { type: 'TAG'; key: string };

/** One day's groups: keys (per GroupBy entry) and amount. */
interface DayGroup {
  keys: string[];
  micros: Micros;
}

interface PageToken {
  /** Index of the first slot of the page: a slot is one group, or a day without any. */
  offset: number;
  /** The query the token belongs to: a token is valid only for the same request. */
  query: string;
}

function getCostAndUsage(body: Record<string, unknown>, principal: AwsPrincipal, options: CostExplorerOptions): EmulatorResponse {
  const period = timePeriodOf(body);
  if ('status' in period) return period;
  const granularity = body.Granularity;
  if (granularity !== 'DAILY' && granularity !== 'MONTHLY') {
    if (granularity === 'HOURLY')
      return ceError('ValidationException', 'Hourly granularity is not enabled for this account. Enable it in Cost Explorer preferences.');
    return ceError(
      'ValidationException',
      `Granularity must be one of DAILY, MONTHLY, HOURLY (got ${JSON.stringify(granularity ?? null)}).`,
    );
  }
  const metrics = body.Metrics;
  if (!Array.isArray(metrics) || metrics.length === 0) return ceError('ValidationException', 'Metrics must contain at least one metric.');
  const unknownMetric = metrics.find((m) => !METRICS.includes(String(m)));
  if (unknownMetric !== undefined)
    return ceError('ValidationException', `Invalid metric: ${String(unknownMetric)}. Valid metrics are ${METRICS.join(', ')}.`);

  const groupBy = Array.isArray(body.GroupBy) ? (body.GroupBy as { Type?: unknown; Key?: unknown }[]) : [];
  if (groupBy.length > 2) return ceError('ValidationException', 'You can only group by up to two different groups.');
  const dimensions: GroupDimension[] = [];
  for (const g of groupBy) {
    if (g.Type === 'DIMENSION' && (g.Key === 'SERVICE' || g.Key === 'LINKED_ACCOUNT')) dimensions.push({ type: g.Key });
    else if (g.Type === 'TAG' && typeof g.Key === 'string' && g.Key.length > 0) dimensions.push({ type: 'TAG', key: g.Key });
    else
      return ceError(
        'ValidationException',
        `Group Definition ${String(g.Type)} ${String(g.Key)} is not supported by the sandbox (use DIMENSION SERVICE or LINKED_ACCOUNT, or TAG).`,
      );
  }

  const today = options.today();
  const intervals = granularity === 'DAILY' ? dailyIntervals(period) : monthlyIntervals(period);
  const costsOf = (interval: TimePeriod) => groupsOf(principal.accountId, interval, dimensions, today, options);
  const query = JSON.stringify([principal.accountId, period, granularity, metrics, dimensions]);

  let offset = 0;
  if (body.NextPageToken !== undefined && body.NextPageToken !== null) {
    const token = decodeToken(body.NextPageToken);
    if (!token || token.query !== query)
      return ceError('InvalidNextTokenException', 'The NextPageToken is invalid or does not match the request.');
    offset = token.offset;
  }

  // Slots: each interval contributes its groups, or one empty slot when it has none (so that
  // empty days are reported too). Only the page's slice is materialised.
  const counts = intervals.map((interval) => Math.max(1, groupCount(principal.accountId, interval, dimensions, today, options)));
  const totalSlots = counts.reduce((a, b) => a + b, 0);
  const pageEnd = Math.min(totalSlots, offset + Math.max(1, options.pageSize));
  const resultsByTime: unknown[] = [];
  let slot = 0;
  for (const [index, interval] of intervals.entries()) {
    const count = counts[index] ?? 1;
    const first = Math.max(slot, offset);
    const last = Math.min(slot + count, pageEnd);
    if (first < last) {
      const groups = dimensions.length > 0 ? costsOf(interval).slice(first - slot, last - slot) : [];
      const total =
        dimensions.length > 0
          ? {}
          : Object.fromEntries(metrics.map((m) => [String(m), { Amount: formatMicros(sumOf(costsOf(interval))), Unit: 'USD' }]));
      resultsByTime.push({
        TimePeriod: { Start: interval.start, End: interval.end },
        Total: total,
        Groups: groups.map((g) => ({
          Keys: g.keys,
          Metrics: Object.fromEntries(metrics.map((m) => [String(m), { Amount: formatMicros(g.micros), Unit: 'USD' }])),
        })),
        // Still being billed: today, and yesterday until AWS finalises it.
        Estimated: interval.end > addDays(today, -1),
      });
    }
    slot += count;
    if (slot >= pageEnd) break;
  }

  return awsJson(200, {
    GroupDefinitions: groupBy.map((g) => ({ Type: g.Type, Key: g.Key })),
    ResultsByTime: resultsByTime,
    DimensionValueAttributes: [],
    ...(pageEnd < totalSlots ? { NextPageToken: encodeToken({ offset: pageEnd, query }) } : {}),
  });
}

function dailyIntervals(period: TimePeriod): TimePeriod[] {
  const days: TimePeriod[] = [];
  for (let day = period.start; day < period.end; day = addDays(day, 1)) days.push({ start: day, end: addDays(day, 1) });
  return days;
}

function monthlyIntervals(period: TimePeriod): TimePeriod[] {
  const months: TimePeriod[] = [];
  for (let from = period.start; from < period.end;) {
    const monthEnd = periodContaining('month', from).end;
    const to = monthEnd < period.end ? monthEnd : period.end;
    months.push({ start: from, end: to });
    from = to;
  }
  return months;
}

function isSynthetic(accountId: string, options: CostExplorerOptions): boolean {
  return accountId === AWS_ACCOUNTS.synthetic && (options.syntheticServicesPerDay ?? 0) > 0;
}

/** Groups of an interval without building them, for the synthetic account's cheap paging. */
function groupCount(
  accountId: string,
  interval: TimePeriod,
  dimensions: GroupDimension[],
  today: Day,
  options: CostExplorerOptions,
): number {
  if (dimensions.length === 0) return 0;
  if (isSynthetic(accountId, options) && dimensions.length === 1 && dimensions[0]?.type === 'SERVICE') {
    const days = Math.max(0, Math.min(daysBetween(interval.start, interval.end), daysBetween(interval.start, addDays(today, 1))));
    return days > 0 ? (options.syntheticServicesPerDay ?? 0) : 0;
  }
  return groupsOf(accountId, interval, dimensions, today, options).length;
}

/** The interval's groups, sorted by keys, amounts summed over the days of the interval. */
function groupsOf(
  accountId: string,
  interval: TimePeriod,
  dimensions: GroupDimension[],
  today: Day,
  options: CostExplorerOptions,
): DayGroup[] {
  const byKeys = new Map<string, DayGroup>();
  const addCell = (service: string, tagValue: string, micros: Micros) => {
    if (micros === 0) return;
    const keys = dimensions.map((d) =>
      d.type === 'SERVICE' ? service : d.type === 'LINKED_ACCOUNT' ? accountId : `${d.key}$${d.key === AWS_DEMO_TAG_KEY ? tagValue : ''}`,
    );
    const id = JSON.stringify(keys);
    const group = byKeys.get(id);
    if (group) group.micros += micros;
    else byKeys.set(id, { keys, micros });
  };
  const wantsDemoTag = dimensions.some((d) => d.type === 'TAG' && d.key === AWS_DEMO_TAG_KEY);
  for (let day = interval.start; day < interval.end && day <= today; day = addDays(day, 1)) {
    if (isSynthetic(accountId, options)) {
      for (let i = 0; i < (options.syntheticServicesPerDay ?? 0); i++)
        addCell(syntheticServiceName(i), '', syntheticDailyCostMicros(i, day));
      continue;
    }
    for (const service of awsServicesOf(accountId)) {
      const micros = awsDailyCostMicros(accountId, service, day, today);
      if (wantsDemoTag) for (const part of awsTagSplit(micros)) addCell(service, part.value, part.micros);
      else addCell(service, '', micros);
    }
  }
  return [...byKeys.values()].sort((a, b) => (a.keys.join('\u0000') < b.keys.join('\u0000') ? -1 : 1));
}

const sumOf = (groups: DayGroup[]) => groups.reduce((sum, g) => sum + g.micros, 0);

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64');
}

function decodeToken(value: unknown): PageToken | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const token = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as PageToken;
    return Number.isInteger(token.offset) && token.offset >= 0 && typeof token.query === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// GetCostForecast
// ---------------------------------------------------------------------------------------

/** The mean of the last 14 complete days per day, times the days of each interval; ±10 % bands. */
function getCostForecast(body: Record<string, unknown>, principal: AwsPrincipal, options: CostExplorerOptions): EmulatorResponse {
  const period = timePeriodOf(body);
  if ('status' in period) return period;
  const today = options.today();
  if (period.start < today) return ceError('ValidationException', `Start date must be equal to or later than the current date (${today}).`);
  const metric = typeof body.Metric === 'string' ? FORECAST_METRICS[body.Metric] : undefined;
  if (!metric) return ceError('ValidationException', `Metric must be one of ${Object.keys(FORECAST_METRICS).join(', ')}.`);
  const granularity = body.Granularity;
  if (granularity !== 'MONTHLY' && granularity !== 'DAILY')
    return ceError('ValidationException', 'Granularity must be DAILY or MONTHLY for forecasts.');

  // Complete days: before yesterday (today and yesterday are still estimated).
  const baseline = { start: addDays(today, -15), end: addDays(today, -1) };
  const dailyMean = sumOf(groupsOf(principal.accountId, baseline, [{ type: 'SERVICE' }], today, options)) / 14;
  if (dailyMean === 0) return ceError('DataUnavailableException', 'Insufficient amount of historical data to generate forecast.');
  const intervals = granularity === 'DAILY' ? dailyIntervals(period) : monthlyIntervals(period);
  const results = intervals.map((interval) => {
    const mean = Math.round(dailyMean * daysBetween(interval.start, interval.end));
    return {
      TimePeriod: { Start: interval.start, End: interval.end },
      MeanValue: formatMicros(mean),
      PredictionIntervalLowerBound: formatMicros(Math.round(mean * 0.9)),
      PredictionIntervalUpperBound: formatMicros(Math.round(mean * 1.1)),
    };
  });
  const total = Math.round(dailyMean * daysBetween(period.start, period.end));
  return awsJson(200, { Total: { Amount: formatMicros(total), Unit: 'USD' }, ForecastResultsByTime: results });
}
