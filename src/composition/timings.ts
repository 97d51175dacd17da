// Every wait the running app is built with, in one place. Production runs on these values;
// tests pass shorter ones through StartOptions.timings (they watch a retry or a take-over
// happen within a second or two instead of a minute).

export interface Timings {
  /** How often an idle queue worker (fulfilment, sync now, the outbox) looks for new work. */
  queueIdlePollMs: number;
  /**
   * How often an instance writes its heartbeat and reads which instances are live; a tenant
   * moving to another instance (one joined or left) waits this long and 2 s more.
   */
  heartbeatMs: number;
  outbox: {
    /** How long the queued copy of a message sent inline waits before a worker may take it. */
    inlineHeadStartSeconds: number;
    /** How soon a message claimed by another sender is looked at again. */
    busyRetrySeconds: number;
    /** How long a message taken from the queue stays hidden (longer than any rate-limit wait). */
    visibilitySeconds: number;
    /** How long a ledger claim protects a send; after a crash another instance sends once it runs out. */
    claimMs: number;
    /**
     * How often an idle instance looks at each of its notifications queues: a message queued
     * for a tenant by another instance, or a fan-out queued elsewhere, waits about this long.
     */
    idlePollMs: number;
  };
  marketplace: {
    /** How long a purchase waits for the vendor's order to settle before following up from the queue. */
    orderWaitMs: number;
    /** How long until an order still in progress is looked at again. */
    followUpSeconds: number;
  };
}

export const PRODUCTION_TIMINGS: Timings = {
  queueIdlePollMs: 1000,
  heartbeatMs: 5000,
  outbox: { inlineHeadStartSeconds: 60, busyRetrySeconds: 15, visibilitySeconds: 300, claimMs: 5 * 60_000, idlePollMs: 500 },
  marketplace: { orderWaitMs: 4000, followUpSeconds: 15 },
};

/** The production timings with the ones a caller chose put over them. */
export function timingsWith(chosen: TimingChoices = {}): Timings {
  return {
    queueIdlePollMs: chosen.queueIdlePollMs ?? PRODUCTION_TIMINGS.queueIdlePollMs,
    heartbeatMs: chosen.heartbeatMs ?? PRODUCTION_TIMINGS.heartbeatMs,
    outbox: { ...PRODUCTION_TIMINGS.outbox, ...chosen.outbox },
    marketplace: { ...PRODUCTION_TIMINGS.marketplace, ...chosen.marketplace },
  };
}

export type TimingChoices = {
  queueIdlePollMs?: number;
  heartbeatMs?: number;
  outbox?: Partial<Timings['outbox']>;
  marketplace?: Partial<Timings['marketplace']>;
};
