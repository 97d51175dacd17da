// AzureCostPort on the Cost Management query API through the official SDK
// (@azure/arm-costmanagement): client.query.usage() for the first page of each month, then
// the nextLink by hand (the SDK does not follow it): the same body POSTed to the nextLink
// through the client's own pipeline. One client per tenant. The SDK's bearer-token policy
// is replaced by ours, which asks a TokenProvider for a token of the scope's tenant (msal in
// the sandbox, @azure/identity in production) and works over the sandbox's plain http.
// The SDK's own retries are off: the shared retry policy decides, waiting the LONGEST of
// Azure's rate-limit headers on a 429 (the SDK ignores them).
import { systemClock, type Clock } from '../../clock.js';
import { CostManagementClient, type QueryDefinition, type QueryResult } from '@azure/arm-costmanagement';
import {
  bearerTokenAuthenticationPolicyName,
  createHttpHeaders,
  createPipelineRequest,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import type { Logger } from '../../logger.js';
import { addDays, dayOf, isDay, monthlyQueryWindows } from '../../domain/spend/periods.js';
import type { TokenProvider } from '../identity/token-provider.js';
import { logCall } from '../outbound.js';
import { ConnectorError, type AzureCostPage, type AzureCostPort, type AzureCostScope, type HealthCheck } from '../ports.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { azureCostFailure, healthAdvice, SERVICE, toConnectorError } from './azure-cost-errors.js';
import { parseAzureScope } from './scope.js';

export const AZURE_MANAGEMENT_SCOPE = 'https://management.azure.com/.default';
export const DEFAULT_AZURE_MANAGEMENT_ENDPOINT = 'https://management.azure.com';

export interface AzureCostOptions {
  tokens: TokenProvider;
  /** The app registration's client id (named in "how to fix" advice). */
  clientId: string;
  /** Default https://management.azure.com; the sandbox: its loopback URL. */
  endpoint?: string;
  /** Sandbox only: the emulator speaks plain http. */
  allowInsecureConnection?: boolean;
  /** Overrides the SDK's default api-version (2022-10-01). */
  apiVersion?: string;
  retry: RetryPolicy;
  log: Logger;
  /** The calendar (the health check reads yesterday). */
  clock?: Clock;
}

type CostType = 'ActualCost' | 'AmortizedCost';

export class AzureCostManagement implements AzureCostPort {
  private readonly endpoint: string;
  private readonly clients = new Map<string, CostManagementClient>();
  private callCount = 0;

  private readonly clock: Clock;

  constructor(private readonly options: AzureCostOptions) {
    this.endpoint = (options.endpoint ?? DEFAULT_AZURE_MANAGEMENT_ENDPOINT).replace(/\/+$/, '');
    this.clock = options.clock ?? systemClock;
  }

  get calls(): number {
    return this.callCount;
  }

  async *dailyCost(
    target: AzureCostScope,
    window: { from: string; to: string },
    options: { costType?: CostType; tagKey?: string } = {},
  ): AsyncIterable<AzureCostPage> {
    const scope = checkedScope(target.scope);
    if (!isDay(window.from) || !isDay(window.to) || window.from > window.to) {
      throw new ConnectorError(
        'invalid-request',
        `${SERVICE}: the window ${String(window.from)} – ${String(window.to)} is not two days in order (YYYY-MM-DD, to inclusive)`,
        { service: SERVICE },
      );
    }
    // One month per query: Azure charges a query processing unit per month queried.
    for (const month of monthlyQueryWindows(window.from, addDays(window.to, 1))) {
      yield* this.pages(
        target.tenantId,
        scope,
        definition(month.start, month.lastDay, options.costType ?? 'ActualCost', options.tagKey),
        this.options.retry,
      );
    }
  }

  async checkHealth(target: AzureCostScope): Promise<HealthCheck> {
    const parsed = parseAzureScope(target.scope);
    if (!parsed.ok) return { ok: false, code: 'InvalidScope', problem: parsed.message, fix: 'Correct the scope and add it again.' };
    const yesterday = addDays(dayOf(this.clock()), -1);
    // Fail fast: a health check should report a 429, not sit it out.
    const policy: RetryPolicy = { ...this.options.retry, retries: Math.min(1, this.options.retry.retries), maxInlineWaitSeconds: 0 };
    try {
      for await (const _page of this.pages(target.tenantId, parsed.scope, definition(yesterday, yesterday, 'ActualCost'), policy)) break;
      return { ok: true };
    } catch (error) {
      const failure = toConnectorError(error);
      this.options.log.info(
        { scope: parsed.scope, tenantId: target.tenantId, kind: failure.kind, code: failure.details.code },
        'azure cost health check failed',
      );
      return healthAdvice(failure, { tenantId: target.tenantId, scope: parsed.scope, clientId: this.options.clientId });
    }
  }

  // -------------------------------------------------------------------------------------

  private async *pages(tenantId: string, scope: string, query: QueryDefinition, policy: RetryPolicy): AsyncIterable<AzureCostPage> {
    const client = this.client(tenantId);
    let result = await this.attempt(policy, scope, (abortSignal) => client.query.usage(scope, query, { abortSignal }));
    yield toPage(result);
    while (result.nextLink) {
      const nextLink = result.nextLink;
      result = await this.attempt(policy, scope, (abortSignal) => this.postNextLink(client, nextLink, query, abortSignal));
      yield toPage(result);
    }
  }

  /** The nextLink takes the same body as the first request (its $skiptoken says where to go on). */
  private async postNextLink(
    client: CostManagementClient,
    nextLink: string,
    query: QueryDefinition,
    abortSignal: AbortSignal,
  ): Promise<QueryResult> {
    const response = await client.sendRequest(
      createPipelineRequest({
        url: nextLink,
        method: 'POST',
        body: JSON.stringify(wireBody(query)),
        headers: createHttpHeaders({ 'content-type': 'application/json; charset=utf-8', accept: 'application/json' }),
        allowInsecureConnection: this.options.allowInsecureConnection === true,
        abortSignal,
      }),
    );
    const text = response.bodyAsText ?? '';
    if (response.status !== 200) throw azureCostFailure(response.status, text, (name) => response.headers.get(name));
    let body: { properties?: { columns?: { name?: string; type?: string }[]; rows?: unknown[][]; nextLink?: string | null } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ConnectorError('unavailable', `${SERVICE}: a nextLink page is not JSON`, { service: SERVICE });
    }
    const properties = body.properties ?? {};
    return {
      columns: properties.columns ?? [],
      rows: properties.rows ?? [],
      ...(properties.nextLink ? { nextLink: properties.nextLink } : {}),
    } as QueryResult;
  }

  private attempt<T>(policy: RetryPolicy, scope: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetries(
      async () => {
        try {
          return await call(AbortSignal.timeout(policy.timeoutMs));
        } catch (error) {
          throw toConnectorError(error);
        }
      },
      policy,
      ({ error, attemptNumber, waitMs }) =>
        this.options.log.warn(
          { scope, kind: error.kind, status: error.details.status, code: error.details.code, attempt: attemptNumber, waitMs },
          'azure cost query failed; retrying',
        ),
    );
  }

  private client(tenantId: string): CostManagementClient {
    const existing = this.clients.get(tenantId);
    if (existing) return existing;
    const { tokens, log } = this.options;
    // The SDK insists on a credential; ours replaces its policy below, so this one is never asked.
    const unused = { getToken: async () => null };
    const client = new CostManagementClient(unused, {
      endpoint: this.endpoint,
      $host: this.endpoint,
      ...(this.options.apiVersion ? { apiVersion: this.options.apiVersion } : {}),
      ...(this.options.allowInsecureConnection ? { allowInsecureConnection: true } : {}),
      retryOptions: { maxRetries: 0 },
    });
    client.pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
    const origin = new URL(this.endpoint).origin;
    const sameOrigin: PipelinePolicy = {
      name: 'quartermasterSameOrigin',
      // Never send a token elsewhere, whatever a nextLink says (and in the sandbox, nothing leaves loopback).
      sendRequest: (request, next) => {
        if (new URL(request.url).origin !== origin)
          return Promise.reject(
            new ConnectorError('invalid-request', `${SERVICE}: refusing to send a request to ${new URL(request.url).host}`, {
              service: SERVICE,
            }),
          );
        return next(request);
      },
    };
    const bearer: PipelinePolicy = {
      name: 'quartermasterBearerToken',
      sendRequest: async (request, next) => {
        request.headers.set('Authorization', `Bearer ${await tokens.getToken(tenantId, AZURE_MANAGEMENT_SCOPE)}`);
        return next(request);
      },
    };
    const counter: PipelinePolicy = {
      name: 'quartermasterCallCounter',
      sendRequest: async (request, next) => {
        this.callCount += 1;
        const started = performance.now();
        const path = new URL(request.url).pathname;
        try {
          const response = await next(request);
          logCall(log, {
            service: SERVICE,
            method: request.method,
            path,
            status: response.status,
            ms: Math.round(performance.now() - started),
            correlationId: request.requestId,
          });
          return response;
        } catch (error) {
          logCall(log, {
            service: SERVICE,
            method: request.method,
            path,
            status: 'no-response',
            ms: Math.round(performance.now() - started),
            correlationId: request.requestId,
          });
          throw error;
        }
      },
    };
    client.pipeline.addPolicy(sameOrigin, { phase: 'Sign' });
    client.pipeline.addPolicy(bearer, { phase: 'Sign', afterPolicies: [sameOrigin.name] });
    client.pipeline.addPolicy(counter, { afterPhase: 'Sign' });
    this.clients.set(tenantId, client);
    return client;
  }
}

function checkedScope(text: string): string {
  const parsed = parseAzureScope(text);
  if (!parsed.ok) throw new ConnectorError('invalid-request', `${SERVICE}: ${parsed.message}`, { service: SERVICE });
  return parsed.scope;
}

/** Daily cost grouped by service (and a tag), `to` inclusive as Azure reads it. */
function definition(from: string, to: string, costType: CostType, tagKey?: string): QueryDefinition {
  return {
    type: costType,
    timeframe: 'Custom',
    timePeriod: { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T00:00:00Z`) },
    dataset: {
      granularity: 'Daily',
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [{ type: 'Dimension', name: 'ServiceName' }, ...(tagKey ? [{ type: 'TagKey', name: tagKey }] : [])],
    },
  };
}

/** The definition as the SDK serializes it (dates as ISO strings). */
function wireBody(query: QueryDefinition): unknown {
  return {
    ...query,
    ...(query.timePeriod ? { timePeriod: { from: query.timePeriod.from.toISOString(), to: query.timePeriod.to.toISOString() } } : {}),
  };
}

function toPage(result: QueryResult): AzureCostPage {
  return { columns: (result.columns ?? []).map((c) => ({ name: c.name ?? '', type: c.type ?? '' })), rows: result.rows ?? [] };
}
