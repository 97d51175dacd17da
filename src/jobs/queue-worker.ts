// Drains a work queue on every instance. A handler either finishes a message, asks for
// it back later (throttled, or waiting on something), or throws; failures come back
// with growing delays, and after `maxAttempts` go to `onPoison` instead of looping forever.
import type { Logger } from '../logger.js';
import type { QueueMessage, WorkQueue } from '../storage/queues.js';

export type HandlerResult = { done: true } | { retryAfterSeconds: number };

export interface QueueWorkerOptions<T> {
  name: string;
  queue: WorkQueue<T>;
  handle(body: T, attempt: number): Promise<HandlerResult>;
  /** Called once when a message has failed `maxAttempts` times; then it is deleted. */
  onPoison(body: T, error: unknown): Promise<void>;
  log: Logger;
  maxAttempts?: number;
  /** How long a message stays hidden while being worked on. */
  visibilitySeconds?: number;
  idlePollMs?: number;
  batchSize?: number;
  /** Receive loops run side by side (a slow message holds up only its own loop's batch). */
  loops?: number;
  /** Delay before a failed message is tried again (default 2^attempt s, at most 5 min). */
  backoffSeconds?: (attempt: number) => number;
}

export class QueueWorker<T> {
  private running = false;
  private loop: Promise<unknown> | undefined;
  private readonly wakers = new Set<() => void>();

  constructor(private readonly options: QueueWorkerOptions<T>) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = Promise.all(Array.from({ length: this.options.loops ?? 1 }, () => this.run()));
  }

  /** Finishes the messages in hand, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
  }

  /** Polls now instead of at the next idle tick (after sending a message ourselves). */
  nudge(): void {
    for (const wake of this.wakers) wake();
  }

  private async run(): Promise<void> {
    const { queue, log, name } = this.options;
    while (this.running) {
      let messages: QueueMessage<T>[] = [];
      try {
        messages = await queue.receive(this.options.batchSize ?? 8, this.options.visibilitySeconds ?? 120);
      } catch (error) {
        log.warn({ err: error, queue: name }, 'queue not reachable; will retry');
      }
      await Promise.all(messages.map((message) => this.process(message)));
      if (messages.length === 0 && this.running) await this.idle(this.options.idlePollMs ?? 1000);
    }
  }

  private async process(message: QueueMessage<T>): Promise<void> {
    const { queue, log, name } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 8;
    try {
      const result = await this.options.handle(message.body, message.dequeueCount);
      if ('done' in result) await queue.complete(message);
      else await queue.retryLater(message, result.retryAfterSeconds);
    } catch (error) {
      if (message.dequeueCount >= maxAttempts) {
        log.error({ err: error, queue: name, attempts: message.dequeueCount }, 'giving up on a message');
        await this.options.onPoison(message.body, error).catch((e: unknown) => log.error({ err: e, queue: name }, 'poison handler failed'));
        await queue.complete(message).catch(() => undefined);
        return;
      }
      const delay = (this.options.backoffSeconds ?? ((n: number) => Math.min(2 ** n, 300)))(message.dequeueCount);
      log.warn({ err: error, queue: name, attempt: message.dequeueCount, retryInSeconds: delay }, 'message failed; will retry');
      await queue.retryLater(message, delay).catch(() => undefined); // else it reappears after its visibility timeout
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
