// What every outbound HTTP call shares: HTTP status → ConnectorError kind, Retry-After,
// transport failures (network, timeout), and the one debug line per call (never a token).
import type { Logger } from '../logger.js';
import { ConnectorError, type ConnectorErrorKind } from './ports.js';

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
  const reason = timedOut ? 'timed out' : `could not be reached (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`;
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
