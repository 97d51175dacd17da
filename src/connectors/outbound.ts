// What every outbound HTTP call shares: HTTP status → ConnectorError kind, Retry-After,
// transport failures (network, timeout), the one debug line per call (never a token), and
// for the REST connectors that build their own requests, the exchange and reading its JSON.
import type { z } from 'zod';
import { correlationIdForCall } from '../correlation.js';
import type { Logger } from '../logger.js';
import { sendHttp, type HttpAnswer } from './http-transport.js';
import { ConnectorError, type ConnectorErrorKind } from './ports.js';
import { withRetries, type RetryPolicy } from './retry.js';

export function kindForStatus(status: number): ConnectorErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 429) return 'throttled';
  if (status === 408 || status >= 500) return 'unavailable';
  return 'invalid-request';
}

/** Seconds to wait from a Retry-After header (delta-seconds or HTTP date). */
export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** A request that never got an HTTP answer: refused connection, reset, DNS, client-side timeout. */
export function transportFailure(service: string, error: unknown): ConnectorError {
  const name = error instanceof Error ? error.name : '';
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  const reason = timedOut
    ? 'timed out'
    : `could not be reached (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`;
  return new ConnectorError('unavailable', `${service} ${reason}`, { service });
}

export interface CallRecord {
  service: string;
  method: string;
  /** Path only: query strings can carry user names, and URLs never carry tokens here. */
  path: string;
  status: number | 'no-response';
  ms: number;
  correlationId: string;
  attempt?: number;
}

export function logCall(log: Logger, call: CallRecord): void {
  log.debug({ outbound: call }, `${call.service} ${call.method} ${call.path} → ${call.status} in ${call.ms} ms`);
}

/** One JSON request with a timeout; the answer read as text and logged. No answer at all → transportFailure; HTTP errors are the caller's to map. */
export async function exchangeJson(
  log: Logger,
  call: {
    service: string;
    baseUrl: string;
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: unknown;
    timeoutMs: number;
    correlationId: string;
    attempt: number;
  },
): Promise<HttpAnswer> {
  const { service, method, path, correlationId, attempt } = call;
  const started = performance.now();
  const record = (status: number | 'no-response') =>
    logCall(log, {
      service,
      method,
      path: path.split('?')[0]!,
      status,
      ms: Math.round(performance.now() - started),
      correlationId,
      attempt,
    });
  try {
    const hasBody = call.body !== undefined;
    const answer = await sendHttp(`${call.baseUrl}${path}`, {
      method,
      headers: { Accept: 'application/json', ...call.headers, ...(hasBody ? { 'Content-Type': 'application/json' } : {}) },
      ...(hasBody ? { body: JSON.stringify(call.body) } : {}),
      timeoutMs: call.timeoutMs,
    });
    record(answer.status);
    return answer;
  } catch (error) {
    record('no-response');
    throw transportFailure(service, error);
  }
}

/**
 * A GET read as JSON, retried by the policy under one correlation id: the service's own
 * failure mapping turns a non-2xx answer into the ConnectorError its callers know.
 */
export async function getJsonWithRetries(
  log: Logger,
  retry: RetryPolicy,
  call: {
    service: string;
    baseUrl: string;
    path: string;
    headers: (correlationId: string) => Promise<Record<string, string>> | Record<string, string>;
    failure: (answer: HttpAnswer) => ConnectorError;
  },
): Promise<unknown> {
  const correlationId = correlationIdForCall();
  return withRetries(async (attempt) => {
    const answer = await exchangeJson(log, {
      service: call.service,
      baseUrl: call.baseUrl,
      method: 'GET',
      path: call.path,
      headers: await call.headers(correlationId),
      timeoutMs: retry.timeoutMs,
      correlationId,
      attempt,
    });
    if (!answer.ok) throw call.failure(answer);
    return parseJsonBody(call.service, answer.text);
  }, retry);
}

/** A response body as JSON (undefined when empty); anything else is the service misbehaving. */
export function parseJsonBody(service: string, text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ConnectorError('unavailable', `${service}: response is not JSON`, { service });
  }
}

/** A response checked against the shape we rely on; a different shape is the service misbehaving. */
export function parseWire<T extends z.ZodTypeAny>(service: string, schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConnectorError('unavailable', `${service}: unexpected response (${issue?.path.join('.')}: ${issue?.message})`, { service });
  }
  return result.data;
}
