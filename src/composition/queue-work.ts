// A queue and the worker that drains it on this instance, as the composition root starts,
// drains and stops them (fulfilment, sync now, the outbox).
export interface QueueWork {
  worker: { start(): void; stop(): Promise<void>; drain(timeoutMs?: number): Promise<void> };
  queue: { settled(): Promise<boolean> };
}
