// One id per turn and per job, carried without passing it around: every log line written
// while it runs has it (logger.ts), and the connectors send it as the vendors' correlation
// header (MS-CorrelationId, client-request-id, X-Correlation-Id), so a turn can be followed
// from its log line into Partner Center's or Graph's support logs. When OpenTelemetry is
// on (telemetry.ts), the id is the trace id of the request's span, so Application Insights
// finds the same operation (its operation_Id is the id without dashes).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { isSpanContextValid, trace } from '@opentelemetry/api';

export interface CorrelationScope {
  readonly id: string;
  /** Set by the error boundary: the turn ended in an error the user was told about. */
  failed?: 'error' | 'storage-unavailable';
}

const scopes = new AsyncLocalStorage<CorrelationScope>();

/** Runs `work` in a new scope: what it logs and sends carries the scope's id. */
export function withCorrelation<T>(work: (scope: CorrelationScope) => T, id = newCorrelationId()): T {
  const scope: CorrelationScope = { id };
  return scopes.run(scope, () => work(scope));
}

export function currentCorrelation(): CorrelationScope | undefined {
  return scopes.getStore();
}

/** The id an outgoing call carries: the running turn's or job's, or a fresh one outside them. */
export function correlationIdForCall(): string {
  return scopes.getStore()?.id ?? randomUUID();
}

/** A GUID (the vendors' headers want one): the active trace id when tracing is on, else random. */
export function newCorrelationId(): string {
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span)) {
    const t = span.traceId;
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20)}`;
  }
  return randomUUID();
}
