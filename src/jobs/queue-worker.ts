// Drains a work queue on every instance. A handler either finishes a message, asks for
// it back later (throttled, or waiting on something), or throws; failures come back
// with growing delays, and after `maxAttempts` go to `onPoison` instead of looping forever.
import type { Logger } from '../logger.js';
import { withCorrelation } from '../correlation.js';
import { StorageUnavailableError } from '../storage/errors.js';
import type { HandlerResult, QueueMessage, WorkQueue } from '../storage/queues.js';

export type { HandlerResult };

type Failed<T> = { body: T; error: unknown };

export interface QueueWorkerOptions<T> {
  name: string;
  /** The queue it drains; or, instead, */
  queue?: WorkQueue<T>;
  /**
   * several queues: each receive takes from the next of the `active` ones in turn (none
   * active: the loops wait), and a message is settled on the queue it came from.
   */
  queues?: { all: readonly WorkQueue<T>[]; active(): readonly WorkQueue<T>[] };
  handle(body: T, attempt: number): Promise<HandlerResult>;
  /** Called once when a message has failed `maxAttempts` times; then it is deleted. */
  onPoison(body: T, error: unknown): Promise<void>;
  log: Logger;
  maxAttempts?: number;
  /** How long a message stays hidden while being worked on. */
  visibilitySeconds?: number;
  idlePollMs?: number;
  batchSize?: number;
  /** Receive loops run side by side; at most `loops` × `batchSize` messages are in hand at once. */
  loops?: number;
  /** Delay before a failed message is tried again (default 2^attempt s, at most 5 min). */
  backoffSeconds?: (attempt: number) => number;
}

export class QueueWorker<T> {
  private running = false;
  private loop: Promise<unknown> | undefined;
  private readonly wakers = new Set<() => void>();
  /** Loops waiting for a message in hand to finish (all of this instance's room is taken). */
  private readonly roomWaiters = new Set<() => void>();
  /** Messages being handled on this instance now. */
  private inHand = 0;
  /** Which of several queues the next receive takes from. */
  private turn = 0;
  /** Receives in a row, by any loop, that found nothing. */
  private emptyReceives = 0;

  constructor(private readonly options: QueueWorkerOptions<T>) {
    if (!options.queue && !options.queues) throw new TypeError(`${options.name}: a queue worker needs a queue`);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = Promise.all(Array.from({ length: this.options.loops ?? 1 }, () => this.run()));
  }

  /** Finishes the messages in hand, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    this.roomMade();
    await this.loop;
  }

  /**
   * Resolves once there is nothing left to do: no message in hand here and none on the
   * queue, visible or waiting to come back (a retry, a delayed copy). Lets tests and tools
   * await "all work done" instead of sleeping; throws when work is still there at `timeoutMs`.
   */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.inHand === 0 && (await this.looksSettled()) && this.inHand === 0) return;
      if (Date.now() > deadline) throw new Error(`${this.options.name}: work still under way after ${timeoutMs} ms`);
      this.nudge();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** True when no job is in any of its queues, visible or waiting, and no send to them is under way. */
  async settled(): Promise<boolean> {
    const all = this.options.queues?.all ?? [this.options.queue!];
    return (await Promise.all(all.map((queue) => queue.settled()))).every(Boolean);
  }

  /**
   * settled(), where a look that storage did not answer (a keep-alive connection reset as it
   * was reused, seen with eleven queues looked at every 25 ms) counts as not settled yet:
   * whoever waits looks again, until their own deadline.
   */
  async looksSettled(): Promise<boolean> {
    try {
      return await this.settled();
    } catch (error) {
      if (error instanceof StorageUnavailableError) return false;
      throw error;
    }
  }

  /** The queues receives take from now, in turn. */
  private activeQueues(): readonly WorkQueue<T>[] {
    return this.options.queues?.active() ?? [this.options.queue!];
  }

  /** Polls now instead of at the next idle tick (after sending a message ourselves). */
  nudge(): void {
    for (const wake of this.wakers) wake();
  }

  /**
   * One receive loop. It receives again as soon as messages in hand leave room (at most `loops`
   * × `batchSize` in hand on this instance), rather than when all of its last receive are done:
   * a message that takes long (a fan-out's part, sent at its tenant's rate) holds up nothing
   * but its own slot, and what comes back on the queue is taken up again without waiting for it.
   */
  private async run(): Promise<void> {
    const { log, name } = this.options;
    const batchSize = this.options.batchSize ?? 8;
    const capacity = batchSize * (this.options.loops ?? 1);
    const underWay = new Set<Promise<void>>();
    while (this.running) {
      const room = Math.min(batchSize, capacity - this.inHand);
      if (room <= 0) {
        await this.untilRoom();
        continue;
      }
      const active = this.activeQueues();
      const queue = active[this.turn++ % Math.max(1, active.length)];
      if (!queue) {
        await this.idle(this.pollMs());
        continue;
      }
      // Counted in hand while the receive is under way, so that loops side by side never take more than the capacity.
      this.inHand += room;
      let messages: QueueMessage<T>[] = [];
      try {
        messages = await queue.receive(room, this.options.visibilitySeconds ?? 120);
      } catch (error) {
        log.warn({ err: error, queue: name }, 'queue not reachable; will retry');
      }
      this.inHand -= room - messages.length;
      for (const message of messages) {
        const handled = this.process(message, queue).finally(() => {
          this.inHand--;
          underWay.delete(handled);
          this.roomMade();
        });
        underWay.add(handled);
      }
      // A loop rests once every queue was found empty since anything was last received (by any
      // loop). With several queues, the loops' rests add up to one receive per queue and poll
      // interval: each queue is looked at as often as a queue of its own would be.
      this.emptyReceives = messages.length === 0 ? this.emptyReceives + 1 : 0;
      if (this.emptyReceives >= active.length && this.running)
        await this.idle(this.pollMs() * (this.options.queues ? (this.options.loops ?? 1) / active.length : 1));
    }
    await Promise.all(underWay);
  }

  /**
   * The idle poll, jittered: loops polling in step (of this instance and of the others) would
   * all look at the same moment and leave the queue unwatched in between.
   */
  private pollMs(): number {
    return (this.options.idlePollMs ?? 1000) * (0.5 + Math.random());
  }

  private untilRoom(): Promise<void> {
    return new Promise((resolve) => this.roomWaiters.add(resolve));
  }

  private roomMade(): void {
    for (const wake of this.roomWaiters) wake();
    this.roomWaiters.clear();
  }

  /**
   * Runs every job of the message. A message of one job comes back later as a whole (asked
   * to, or failed). In a message of several (grouped sends), each job that asked to wait
   * goes into a message of its own, the failed ones stay in this one (so their attempts
   * keep counting), and the finished ones leave it.
   */
  private async process(message: QueueMessage<T>, queue: WorkQueue<T>): Promise<void> {
    const { log, name } = this.options;
    const attempt = message.dequeueCount;
    const outcomes = await Promise.all(message.bodies.map((body) => this.runJob(body, attempt, message.messageId)));
    let failed = outcomes.filter((o): o is Failed<T> => 'error' in o);
    const waiting = outcomes.flatMap((o) =>
      'result' in o && 'retryAfterSeconds' in o.result ? [{ body: o.body, delay: o.result.retryAfterSeconds }] : [],
    );
    if (failed.length > 0 && attempt >= (this.options.maxAttempts ?? 8)) {
      for (const { body, error } of failed) {
        log.error({ err: error, queue: name, attempts: attempt }, 'giving up on a message');
        await this.options.onPoison(body, error).catch((e: unknown) => log.error({ err: e, queue: name }, 'poison handler failed'));
      }
      failed = [];
    }
    const backoff = (this.options.backoffSeconds ?? ((n: number) => Math.min(2 ** n, 300)))(attempt);
    for (const { error } of failed) log.warn({ err: error, queue: name, attempt, retryInSeconds: backoff }, 'message failed; will retry');
    try {
      if (message.bodies.length === 1) {
        if (failed.length > 0) await queue.retryLater(message, backoff);
        else if (waiting[0]) await queue.retryLater(message, waiting[0].delay);
        else await queue.complete(message);
        return;
      }
      // Stored elsewhere before this message changes: a stop in between repeats work, never loses it.
      await Promise.all(waiting.map(({ body, delay }) => queue.send(body, delay)));
      if (failed.length > 0)
        await queue.retryLater(
          message,
          backoff,
          failed.map((f) => f.body),
        );
      else await queue.complete(message);
    } catch (error) {
      // It reappears after its visibility timeout, and its jobs run again.
      log.warn({ err: error, queue: name }, 'could not settle a queue message');
    }
  }

  /** One job in its own correlation scope, ending with one "job" log line. */
  private runJob(body: T, attempt: number, messageId: string): Promise<{ body: T; result: HandlerResult } | Failed<T>> {
    return withCorrelation(async (scope) => {
      const started = performance.now();
      let outcome = 'failed';
      try {
        const result = await this.options.handle(body, attempt);
        outcome = 'retryAfterSeconds' in result ? 'retry-later' : 'done';
        return { body, result };
      } catch (error) {
        return { body, error };
      } finally {
        this.options.log.info(
          {
            job: this.options.name,
            jobId: scope.id,
            messageId,
            attempt,
            outcome,
            durationMs: Math.round(performance.now() - started),
          },
          'job',
        );
      }
    });
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
