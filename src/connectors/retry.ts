// One retry policy for every connector: 429 → wait what Retry-After says (when short;
// otherwise hand the wait to the caller's queue), 5xx / network errors / timeouts →
// bounded exponential backoff with jitter, anything else → no retry. Attempts signal what
// happened by throwing a ConnectorError; the kind decides.
import pRetry from 'p-retry';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from './ports.js';

export interface RetryPolicy {
  /** Extra attempts after the first for 5xx / network / timeout failures; also the most 429s waited out. */
  retries: number;
  /** Backoff before the first retry; doubles (with jitter) each time, up to maxDelayMs. */
  minDelayMs: number;
  maxDelayMs: number;
  /** A 429 asking for a longer wait than this fails at once as 'throttled', carrying retryAfterSeconds. */
  maxInlineWaitSeconds: number;
  /** Per attempt, client side. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 4,
  minDelayMs: 500,
  maxDelayMs: 8_000,
  maxInlineWaitSeconds: 10,
  timeoutMs: 30_000,
};

export interface RetryNotice {
  error: ConnectorError;
  attemptNumber: number;
  /** The wait before the next attempt when it is a Retry-After (backoff waits are p-retry's). */
  waitMs?: number;
}

export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (notice: RetryNotice) => void,
): Promise<T> {
  let throttledAttempts = 0;
  return pRetry(attempt, {
    retries: policy.retries,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    factor: 2,
    randomize: true,
    // Throwing here ends the retries with that error.
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (!(error instanceof ConnectorError) || !error.transient) throw error;
      if (error.kind === 'throttled') {
        const retryAfter = error.details.retryAfterSeconds;
        if ((retryAfter ?? 0) > policy.maxInlineWaitSeconds || throttledAttempts >= policy.retries) throw error;
        throttledAttempts += 1;
        const waitMs =
          retryAfter !== undefined ? retryAfter * 1000 : Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** throttledAttempts);
        onRetry?.({ error, attemptNumber, waitMs });
        await sleep(waitMs);
      } else if (retriesLeft > 0) {
        onRetry?.({ error, attemptNumber });
      }
    },
    // A 429 already waited its Retry-After above: no extra backoff, and it does not use up a 5xx retry.
    shouldConsumeRetry: ({ error }) => !(error instanceof ConnectorError && error.kind === 'throttled'),
  });
}
