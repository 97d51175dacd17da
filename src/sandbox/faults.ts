// Fault switches: tests make an emulator throttle, fail or answer slowly, then check that
// the connectors cope. Each switch can be narrowed to one method and path.
import type { ServiceName } from './state.js';

export interface RequestMatcher {
  /** Only this HTTP method (e.g. "POST"). */
  method?: string;
  /** Only paths containing this text, or matching this pattern. */
  path?: string | RegExp;
}

export interface FailureFault extends RequestMatcher {
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /**
   * Sent as the Retry-After header (and in the 429 message). With status 429, a matching
   * request that comes back sooner is throttled again (it does not use up `times`).
   */
  retryAfterSeconds?: number;
  /** A service error code for the body (e.g. 800060 for Partner Center, "Request_BadRequest" for Graph). */
  code?: string | number;
  message?: string;
  /**
   * Do the work first, then answer with the failure: the change is applied but the
   * caller never learns it (a gateway error after the backend committed).
   */
  afterProcessing?: boolean;
}

export interface DelayFault extends RequestMatcher {
  /** How many matching responses are slow (default: all, until reset). */
  times?: number;
}

export interface ServiceFaults {
  failNext(fault: FailureFault): void;
  /** Holds matching responses for `ms` after the work is done (the change is applied; the answer is late). */
  delay(ms: number, options?: DelayFault): void;
  reset(): void;
}

export interface FaultSwitches {
  partnerCenter: ServiceFaults;
  graph: ServiceFaults;
  login: ServiceFaults;
  costManagement: ServiceFaults;
  costExplorer: ServiceFaults;
  sts: ServiceFaults;
  marketplace: ServiceFaults;
  /** Partner Center invoices, Graph's partner billing exports and blobs, Marketplace billing (one emulator). */
  billing: ServiceFaults;
  reset(): void;
}

interface Pending<T> {
  remaining: number;
  value: T;
  matcher: RequestMatcher;
}

function matches(matcher: RequestMatcher, method: string, path: string): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== method) return false;
  if (matcher.path === undefined) return true;
  return typeof matcher.path === 'string' ? path.includes(matcher.path) : matcher.path.test(path);
}

/** A client coming back this much early is still let through (timer and clock granularity). */
const THROTTLE_TOLERANCE_MS = 100;

/** One service's switches, plus what the emulator's server asks of them per request. */
export class ServiceFaultQueue implements ServiceFaults {
  private failures: Pending<FailureFault>[] = [];
  private delays: Pending<number>[] = [];
  /** After a 429 with Retry-After, matching requests are throttled again until it has passed (as real services do). */
  private throttle: { until: number; matcher: RequestMatcher; fault: FailureFault } | undefined;

  failNext(fault: FailureFault): void {
    this.failures.push({ remaining: fault.times ?? 1, value: fault, matcher: fault });
  }

  delay(ms: number, options: DelayFault = {}): void {
    this.delays.push({ remaining: options.times ?? Number.POSITIVE_INFINITY, value: ms, matcher: options });
  }

  reset(): void {
    this.failures = [];
    this.delays = [];
    this.throttle = undefined;
  }

  /** The failure this request gets, if any (consumes one). */
  takeFailure(method: string, path: string): FailureFault | undefined {
    const now = Date.now();
    if (this.throttle && now < this.throttle.until - THROTTLE_TOLERANCE_MS && matches(this.throttle.matcher, method, path)) {
      // Came back before Retry-After passed: throttled again, and no queued fault is used up.
      return { ...this.throttle.fault, retryAfterSeconds: Math.ceil((this.throttle.until - now) / 1000) };
    }
    const fault = take(this.failures, method, path);
    if (fault?.status === 429 && fault.retryAfterSeconds)
      this.throttle = { until: now + fault.retryAfterSeconds * 1000, matcher: fault, fault };
    return fault;
  }

  /** How long to hold this response (consumes one). */
  takeDelay(method: string, path: string): number {
    return take(this.delays, method, path) ?? 0;
  }
}

function take<T>(queue: Pending<T>[], method: string, path: string): T | undefined {
  const index = queue.findIndex((p) => matches(p.matcher, method, path));
  const pending = queue[index];
  if (!pending) return undefined;
  pending.remaining -= 1;
  if (pending.remaining <= 0) queue.splice(index, 1);
  return pending.value;
}

export function createFaultSwitches(): FaultSwitches & Record<ServiceName, ServiceFaultQueue> {
  const partnerCenter = new ServiceFaultQueue();
  const graph = new ServiceFaultQueue();
  const login = new ServiceFaultQueue();
  const costManagement = new ServiceFaultQueue();
  const costExplorer = new ServiceFaultQueue();
  const sts = new ServiceFaultQueue();
  const marketplace = new ServiceFaultQueue();
  const billing = new ServiceFaultQueue();
  return {
    partnerCenter,
    graph,
    login,
    costManagement,
    costExplorer,
    sts,
    marketplace,
    billing,
    reset() {
      partnerCenter.reset();
      graph.reset();
      login.reset();
      costManagement.reset();
      costExplorer.reset();
      sts.reset();
      marketplace.reset();
      billing.reset();
    },
  };
}
