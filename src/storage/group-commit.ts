// Group commit: a write to a partition that has a write in flight waits for it, and every
// write that waited is then sent as one entity group transaction. A write to an idle
// partition goes at the end of the current event-loop turn, with every write to that
// partition made in the same turn (a burst of answers read in one turn all reach their
// writes in it); nothing waits longer than that and one round trip more. Under load, one
// call (and one billed transaction) carries many writers' rows. Each writer's promise
// settles only when its own rows are stored or refused: nothing is acknowledged before it
// is written. When the service refuses the shared transaction (one writer's ETag, an
// existing row, two writers touching one row), each writer's rows go again alone, so that
// each hears its own answer, exactly as if it had never shared.
import { isStorageUnavailable } from './errors.js';

/** What the service takes in one write; the default is a table transaction's (100 actions, 4 MiB, kept well below). */
export interface GroupLimits {
  maxActions: number;
  /** In `sizeOf` units. */
  maxSize: number;
}
const TABLE_TRANSACTION: GroupLimits = { maxActions: 100, maxSize: 1_000_000 };

interface Waiting<A, R> {
  actions: A[];
  /** Measured only when a writer may share a transaction (a lone write never is). */
  size?: number;
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<A, R> {
  /** Per partition: the writes waiting to be sent (present from a partition's first write until its queue is drained). */
  private readonly partitions = new Map<string, Waiting<A, R>[]>();

  constructor(
    /** Sends actions of one partition as one transaction; one result per action, in order. */
    private readonly commit: (partitionKey: string, actions: A[]) => Promise<R[]>,
    /** Payload size of an action, for the transaction size limit. */
    private readonly sizeOf: (action: A) => number,
    /** The index of the action a refused transaction failed on, when the service says. */
    private readonly failedAction: (error: unknown) => number | undefined = () => undefined,
    private readonly limits: GroupLimits = TABLE_TRANSACTION,
  ) {}

  /** Stores `actions` (all in `partitionKey`), alone or with other writers' actions; their results. */
  add(partitionKey: string, actions: A[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      const waiting: Waiting<A, R> = { actions, resolve, reject };
      const queue = this.partitions.get(partitionKey);
      if (queue) return void queue.push(waiting);
      this.partitions.set(partitionKey, [waiting]);
      setImmediate(() => void this.drain(partitionKey));
    });
  }

  private async drain(partitionKey: string): Promise<void> {
    const queue = this.partitions.get(partitionKey)!;
    while (queue.length > 0) {
      const batch = [queue.shift()!];
      let actions = batch[0]!.actions.length;
      let size = queue.length > 0 ? this.sizeOfWriter(batch[0]!) : 0;
      while (
        queue.length > 0 &&
        actions + queue[0]!.actions.length <= this.limits.maxActions &&
        size + this.sizeOfWriter(queue[0]!) <= this.limits.maxSize
      ) {
        const next = queue.shift()!;
        batch.push(next);
        actions += next.actions.length;
        size += this.sizeOfWriter(next);
      }
      await this.send(partitionKey, batch);
    }
    this.partitions.delete(partitionKey);
  }

  private sizeOfWriter(waiting: Waiting<A, R>): number {
    return (waiting.size ??= waiting.actions.reduce((sum, action) => sum + this.sizeOf(action), 0));
  }

  private async send(partitionKey: string, batch: Waiting<A, R>[]): Promise<void> {
    try {
      const results = await this.commit(
        partitionKey,
        batch.flatMap((waiting) => waiting.actions),
      );
      let offset = 0;
      for (const waiting of batch) {
        waiting.resolve(results.slice(offset, offset + waiting.actions.length));
        offset += waiting.actions.length;
      }
    } catch (error) {
      // Storage down: every writer hears it. Refused: each writer's rows go again on their own.
      if (batch.length === 1 || isStorageUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // The writer the service names goes alone; the others share a transaction again.
      const culprit = this.writerOf(batch, this.failedAction(error));
      if (culprit === undefined) {
        await Promise.all(batch.map((waiting) => this.alone(partitionKey, waiting)));
        return;
      }
      await Promise.all([
        this.alone(partitionKey, batch[culprit]!),
        this.send(
          partitionKey,
          batch.filter((_, i) => i !== culprit),
        ),
      ]);
    }
  }

  private alone(partitionKey: string, waiting: Waiting<A, R>): Promise<void> {
    return this.commit(partitionKey, waiting.actions).then(waiting.resolve, waiting.reject);
  }

  /** Which writer of the batch owns the action at `index`. */
  private writerOf(batch: Waiting<A, R>[], index: number | undefined): number | undefined {
    if (index === undefined) return undefined;
    let end = 0;
    for (const [i, waiting] of batch.entries()) {
      end += waiting.actions.length;
      if (index < end) return i;
    }
    return undefined;
  }
}
