// Azure Cost Management, the one call Quartermaster makes: POST {scope}/providers/
// Microsoft.CostManagement/query for a subscription or a billing account. Faithful to the
// wire: ARM error bodies ({error: {code, message}}) with the codes Azure Resource Manager
// sends, pages of at most 5,000 rows with a nextLink carrying $skiptoken (the client POSTs
// the same body to it), rate-limit headers on every answer and a per-tenant QPU budget.
import { randomUUID } from 'node:crypto';
import { addDays, isDay, type Day } from '../domain/spend/periods.js';
import type { AzureCostWorld, CostRow } from './cost-data.js';
import type { FailureFault } from './faults.js';
import { header, json, Router, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse, type Handled } from './http.js';
import { bearerToken, type AccessTokenClaims, type TokenIssuer } from './tokens.js';

/** Audiences Azure Resource Manager accepts. */
const ARM_AUDIENCES = [
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
  'https://management.azure.com/',
  'https://management.azure.com',
];
const QUERY_ACTION = 'Microsoft.CostManagement/query/action';
const RATE_LIMIT = 'x-ms-ratelimit-microsoft.costmanagement';

interface Target {
  /** '/subscriptions/<id>' or '/providers/Microsoft.Billing/billingAccounts/<id>', as ARM names scopes. */
  scope: string;
  tenantId: string;
  readerAppIds: Set<string>;
  subscriptionIds: string[];
  providerRegistered: boolean;
  synthetic: boolean;
}

interface Query {
  costColumn: string;
  from: Day;
  to: Day;
  tagKey?: string;
  /** Months the window touches: Azure charges one QPU per month queried. */
  months: number;
}

export function costManagementEmulator(world: AzureCostWorld, tokens: TokenIssuer): EmulatorDefinition {
  const query = (request: EmulatorRequest, target: Target | EmulatorResponse) => answerQuery(world, tokens, request, target);
  const router = new Router<null>()
    .add('POST', '/subscriptions/{subscriptionId}/providers/Microsoft.CostManagement/query', (request, { subscriptionId }) => {
      const subscription = world.subscriptions.get(subscriptionId!.toLowerCase());
      return query(
        request,
        subscription
          ? {
              scope: `/subscriptions/${subscription.id}`,
              tenantId: subscription.tenantId,
              readerAppIds: subscription.readerAppIds,
              subscriptionIds: [subscription.id],
              providerRegistered: subscription.providerRegistered,
              synthetic: subscription.synthetic === true,
            }
          : armError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`),
      );
    })
    .add(
      'POST',
      '/providers/Microsoft.Billing/billingAccounts/{billingAccountId}/providers/Microsoft.CostManagement/query',
      (request, { billingAccountId }) => {
        const account = world.billingAccounts.get(billingAccountId!);
        return query(
          request,
          account
            ? {
                scope: `/providers/Microsoft.Billing/billingAccounts/${account.id}`,
                tenantId: account.tenantId,
                readerAppIds: account.readerAppIds,
                subscriptionIds: account.subscriptionIds,
                providerRegistered: true,
                synthetic: false,
              }
            : armError(404, 'NotFound', `Billing account '${billingAccountId}' was not found.`),
        );
      },
    );

  return {
    service: 'costManagement',
    routeOf: (request) => router.match(request.method, request.path)?.pattern ?? 'unmatched',
    handle(request): Handled {
      const match = router.match(request.method, request.path);
      if (!match)
        return {
          response: withRateLimit(
            world,
            undefined,
            armError(404, 'NotFound', `No HTTP resource was found that matches the request URI '${request.path}'.`),
          ),
        };
      if (!match.handler)
        return {
          response: withRateLimit(
            world,
            undefined,
            armError(405, 'MethodNotAllowed', `The requested resource does not support http method '${request.method}'.`),
          ),
        };
      const response = match.handler(request, match.params, null);
      const tenantId = validTokenTenant(tokens, request);
      return { response, ...(tenantId ? { tenantId } : {}) };
    },
    renderFault(fault, request) {
      const tenantId = validTokenTenant(tokens, request);
      if (fault.status === 429) return throttled(world, tenantId, fault.retryAfterSeconds ?? 1, true);
      const code = String(
        fault.code ?? (fault.status >= 500 ? (fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError') : 'BadRequest'),
      );
      const message =
        fault.message ??
        (fault.status >= 500 ? 'The service encountered an internal error. Please try again later.' : 'The request failed.');
      return withRateLimit(world, tenantId, armError(fault.status, code, message, retryAfter(fault)));
    },
    trace: (request) => ({
      ...(header(request, 'x-ms-client-request-id') ? { correlationId: header(request, 'x-ms-client-request-id')! } : {}),
    }),
    commonHeaders: (request) => ({
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': header(request, 'x-ms-client-request-id') ?? randomUUID(),
    }),
  };
}

// ---------------------------------------------------------------------------------------
// The query
// ---------------------------------------------------------------------------------------

function answerQuery(
  world: AzureCostWorld,
  tokens: TokenIssuer,
  request: EmulatorRequest,
  target: Target | EmulatorResponse,
): EmulatorResponse {
  const auth = authenticate(tokens, request);
  if ('response' in auth) return withRateLimit(world, undefined, auth.response);
  const { claims } = auth;
  const tenantId = claims.tid;
  const answer = (response: EmulatorResponse) => withRateLimit(world, tenantId, response);

  if (!('scope' in target)) return answer(target);
  if (target.tenantId !== claims.tid) {
    return answer(
      armError(
        401,
        'InvalidAuthenticationTokenTenant',
        `The access token is from the wrong issuer 'https://sts.windows.net/${claims.tid}/'. It must match the tenant 'https://sts.windows.net/${target.tenantId}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/${target.tenantId}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.`,
      ),
    );
  }
  if (!target.readerAppIds.has(claims.appid)) {
    return answer(
      armError(
        403,
        'AuthorizationFailed',
        `The client '${claims.appid}' with object id '${claims.oid}' does not have authorization to perform action '${QUERY_ACTION}' over scope '${target.scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      ),
    );
  }
  if (!target.providerRegistered) {
    const message =
      "The subscription is not registered to use namespace 'Microsoft.CostManagement'. See https://aka.ms/rps-not-found for how to register subscriptions.";
    return answer(
      armError(409, 'MissingSubscriptionRegistration', message, undefined, [
        { code: 'MissingSubscriptionRegistration', target: 'Microsoft.CostManagement', message },
      ]),
    );
  }
  const apiVersion = request.url.searchParams.get('api-version');
  if (!apiVersion)
    return answer(
      armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.'),
    );

  const parsed = parseQuery(request.body);
  if ('problem' in parsed)
    return answer(armError(400, 'BadRequest', `Invalid query definition: ${parsed.problem} (Request ID: ${randomUUID()})`));
  const query = parsed;

  const skipToken = request.url.searchParams.get('$skiptoken');
  const offset = skipToken === null ? 0 : decodeSkipToken(skipToken);
  if (offset === undefined)
    return answer(armError(400, 'BadRequest', 'The $skiptoken is invalid or has expired. Run the query again without it.'));

  // A query is charged once, on its first page; following its nextLink is free.
  const charge = world.spendQpu(tenantId, skipToken === null ? query.months : 0);
  if (!charge.ok) return throttled(world, tenantId, charge.retryAfterSeconds, false);

  const pageSize = Math.max(1, world.settings.pageSize);
  let page: CostRow[];
  let total: number;
  if (target.synthetic) {
    total = world.settings.syntheticRows;
    page = world.syntheticRows(query.from, query.to, offset, pageSize);
  } else {
    const all = world.rows(target.subscriptionIds, query.from, query.to, query.tagKey);
    total = all.length;
    page = all.slice(offset, offset + pageSize);
  }
  const nextOffset = offset + page.length;
  const nextLink = nextOffset < total ? nextLinkFor(request, apiVersion, nextOffset) : null;

  const columns: { name: string; type: string; value: (row: CostRow) => unknown }[] = [
    { name: query.costColumn, type: 'Number', value: (row) => row.cost },
    { name: 'UsageDate', type: 'Number', value: (row) => Number(row.day.replaceAll('-', '')) },
    { name: 'ServiceName', type: 'String', value: (row) => row.service },
    ...(query.tagKey !== undefined
      ? [
          { name: 'TagKey', type: 'String', value: () => query.tagKey },
          { name: 'TagValue', type: 'String', value: (row: CostRow) => row.tagValue },
        ]
      : []),
    { name: 'Currency', type: 'String', value: () => 'USD' },
  ];
  if (world.settings.shuffleColumns) columns.reverse();

  const id = randomUUID();
  const response = json(200, {
    id: `${target.scope.slice(1)}/providers/Microsoft.CostManagement/query/${id}`,
    name: id,
    type: 'Microsoft.CostManagement/query',
    location: null,
    sku: null,
    eTag: null,
    properties: {
      nextLink,
      columns: columns.map(({ name, type }) => ({ name, type })),
      rows: page.map((row) => columns.map((column) => column.value(row))),
    },
  });
  response.headers = { [`${RATE_LIMIT}-qpu-consumed`]: String(charge.consumed), [`${RATE_LIMIT}-qpu-remaining`]: String(charge.remaining) };
  return response;
}

/** The body as Azure validates it; only what the emulator can answer passes. */
function parseQuery(text: string): Query | { problem: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { problem: 'the request body is not JSON' };
  }
  if (!body || typeof body !== 'object') return { problem: 'the request body is not an object' };
  const b = body as Record<string, any>;
  if (!['ActualCost', 'AmortizedCost', 'Usage'].includes(b.type))
    return { problem: `type '${String(b.type)}' is not valid; use ActualCost or AmortizedCost` };
  if (b.timeframe !== 'Custom') return { problem: `timeframe '${String(b.timeframe)}' is not emulated; use Custom with a timePeriod` };
  const from = dayOfText(b.timePeriod?.from);
  const to = dayOfText(b.timePeriod?.to);
  if (!from || !to) return { problem: 'timePeriod needs from and to dates when timeframe is Custom' };
  if (from > to) return { problem: `timePeriod.from (${from}) is after timePeriod.to (${to})` };
  if (addDays(from, 366) <= to) return { problem: 'the time period cannot exceed one year' };
  const dataset = b.dataset;
  if (!dataset || typeof dataset !== 'object') return { problem: 'Dataset is invalid or not supplied' };
  if (dataset.granularity !== 'Daily') return { problem: `granularity '${String(dataset.granularity)}' is not emulated; use Daily` };
  const aggregations = Object.values(dataset.aggregation ?? {}) as { name?: unknown; function?: unknown }[];
  if (aggregations.length < 1 || aggregations.length > 2) return { problem: 'a dataset needs one or two aggregations' };
  const cost = aggregations[0]!;
  if (cost.function !== 'Sum' || !['Cost', 'PreTaxCost', 'CostUSD', 'PreTaxCostUSD'].includes(String(cost.name)))
    return { problem: `aggregation '${String(cost.name)}' with function '${String(cost.function)}' is not valid` };
  const grouping = (dataset.grouping ?? []) as { type?: unknown; name?: unknown }[];
  if (!Array.isArray(grouping) || grouping.length > 2) return { problem: 'a dataset takes at most two groupings' };
  if (!grouping.some((g) => g.type === 'Dimension' && g.name === 'ServiceName'))
    return { problem: 'the sandbox answers only queries grouped by the ServiceName dimension' };
  const tag = grouping.find((g) => g.type === 'TagKey');
  const others = grouping.filter((g) => !(g.type === 'Dimension' && g.name === 'ServiceName') && g.type !== 'TagKey');
  if (others.length > 0) return { problem: `grouping ${JSON.stringify(others[0])} is not valid` };
  if (tag && (typeof tag.name !== 'string' || !tag.name)) return { problem: 'a TagKey grouping needs the tag name' };
  const months = (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
  return { costColumn: String(cost.name), from, to, ...(tag ? { tagKey: tag.name as string } : {}), months };
}

/** "2024-01-01", "2024-01-01T00:00:00Z" or "2024-01-01T00:00:00.000Z" → the day. */
function dayOfText(value: unknown): Day | undefined {
  if (typeof value !== 'string') return undefined;
  const day = value.slice(0, 10);
  return isDay(day) && (value.length === 10 || value[10] === 'T') ? day : undefined;
}

function nextLinkFor(request: EmulatorRequest, apiVersion: string, offset: number): string {
  const host = header(request, 'host') ?? '127.0.0.1';
  const token = Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
  return `http://${host}${request.path}?api-version=${encodeURIComponent(apiVersion)}&$skiptoken=${token}`;
}

function decodeSkipToken(token: string): number | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown };
    return typeof value.o === 'number' && Number.isInteger(value.o) && value.o >= 0 ? value.o : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Authentication, throttling and errors
// ---------------------------------------------------------------------------------------

function authenticate(tokens: TokenIssuer, request: EmulatorRequest): { claims: AccessTokenClaims } | { response: EmulatorResponse } {
  const authorization = header(request, 'authorization');
  const token = bearerToken(authorization);
  if (!authorization)
    return { response: armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.") };
  if (!token)
    return {
      response: armError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
      ),
    };
  const verified = tokens.verify(token);
  if ('problem' in verified) {
    if (verified.problem.includes('expired')) {
      return {
        response: armError(
          401,
          'ExpiredAuthenticationToken',
          `The access token expiry UTC time is earlier than current UTC time '${new Date().toISOString()}'.`,
        ),
      };
    }
    return { response: armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.') };
  }
  if (!ARM_AUDIENCES.includes(verified.claims.aud)) {
    return {
      response: armError(
        401,
        'InvalidAuthenticationTokenAudience',
        `The access token has been obtained for wrong audience or resource '${verified.claims.aud}'. It should exactly match with one of the allowed audiences ${ARM_AUDIENCES.map((a) => `'${a}'`).join(',')}.`,
      ),
    };
  }
  return { claims: verified.claims };
}

function validTokenTenant(tokens: TokenIssuer, request: EmulatorRequest): string | undefined {
  const token = bearerToken(header(request, 'authorization'));
  if (!token) return undefined;
  const verified = tokens.verify(token);
  return 'claims' in verified ? verified.claims.tid : undefined;
}

/**
 * A 429 in Cost Management's shape. Its three retry-after headers differ on purpose (as
 * they can in Azure): only the largest is long enough, so clients must wait the maximum.
 */
function throttled(world: AzureCostWorld, tenantId: string | undefined, retryAfterSeconds: number, spread: boolean): EmulatorResponse {
  const seconds = Math.max(1, retryAfterSeconds);
  const response = json(429, { error: { code: '429', message: 'Too many requests. Please retry.' } });
  response.headers = {
    [`${RATE_LIMIT}-qpu-retry-after`]: String(spread ? Math.max(0, Math.floor(seconds / 2)) : seconds),
    [`${RATE_LIMIT}-entity-retry-after`]: String(seconds),
    [`${RATE_LIMIT}-tenant-retry-after`]: String(spread ? Math.ceil(seconds / 2) : seconds),
    [`${RATE_LIMIT}-qpu-consumed`]: '0',
    [`${RATE_LIMIT}-qpu-remaining`]: String(tenantId ? world.qpuRemaining(tenantId) : world.settings.qpuBudget),
  };
  return response;
}

/** Every answer carries the QPU headers, errors included. */
function withRateLimit(world: AzureCostWorld, tenantId: string | undefined, response: EmulatorResponse): EmulatorResponse {
  response.headers = {
    [`${RATE_LIMIT}-qpu-consumed`]: '0',
    [`${RATE_LIMIT}-qpu-remaining`]: String(tenantId ? world.qpuRemaining(tenantId) : world.settings.qpuBudget),
    ...response.headers,
  };
  return response;
}

/** Azure Resource Manager's error body. */
function armError(status: number, code: string, message: string, headers?: Record<string, string>, details?: unknown[]): EmulatorResponse {
  return json(status, { error: { code, message, ...(details ? { details } : {}) } }, headers);
}

function retryAfter(fault: FailureFault): Record<string, string> | undefined {
  return fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : undefined;
}
