// The worker that drains a queue (or several) on this instance, as the composition root starts,
// drains and stops them (fulfilment, sync now, the outbox).
export interface QueueWork {
  worker: {
    start(): void;
    stop(): Promise<void>;
    drain(timeoutMs?: number): Promise<void>;
    /** No job in any of its queues, visible or waiting, and no send to them under way (false when storage did not answer). */
    looksSettled(): Promise<boolean>;
  };
}
