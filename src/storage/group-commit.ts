// Group commit for rows that are only ever inserted (the audit log): an insert into a
// partition that has a write in flight waits for it, and everything that waited is then
// sent as one entity group transaction. A lone insert goes at once, so nothing waits
// longer than one round trip more; under load, one call (and one billed transaction)
// carries many rows. Each caller's promise settles only when its own row is stored or
// refused: nothing is acknowledged before it is written.
import { isStorageUnavailable } from './errors.js';

/** What the service accepts in one transaction: 100 actions, 4 MiB of payload (kept well below). */
const MAX_ACTIONS = 100;
const MAX_PAYLOAD_CHARS = 1_000_000;

interface Waiting<A> {
  actions: A[];
  size: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<A> {
  /** Per partition: the writes waiting for the one in flight (present while one is in flight). */
  private readonly partitions = new Map<string, Waiting<A>[]>();

  constructor(
    /** Sends actions of one partition as one transaction. */
    private readonly commit: (partitionKey: string, actions: A[]) => Promise<void>,
    /** Payload size of an action, for the transaction size limit. */
    private readonly sizeOf: (action: A) => number,
  ) {}

  /** Stores `actions` (all in `partitionKey`), alone or with other writers' actions. */
  add(partitionKey: string, actions: A[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting<A> = { actions, size: actions.reduce((sum, action) => sum + this.sizeOf(action), 0), resolve, reject };
      const queue = this.partitions.get(partitionKey);
      if (queue) return void queue.push(waiting);
      this.partitions.set(partitionKey, [waiting]);
      void this.drain(partitionKey);
    });
  }

  private async drain(partitionKey: string): Promise<void> {
    const queue = this.partitions.get(partitionKey)!;
    while (queue.length > 0) {
      const batch = [queue.shift()!];
      let actions = batch[0]!.actions.length;
      let size = batch[0]!.size;
      while (queue.length > 0 && actions + queue[0]!.actions.length <= MAX_ACTIONS && size + queue[0]!.size <= MAX_PAYLOAD_CHARS) {
        const next = queue.shift()!;
        batch.push(next);
        actions += next.actions.length;
        size += next.size;
      }
      await this.send(partitionKey, batch);
    }
    this.partitions.delete(partitionKey);
  }

  private async send(partitionKey: string, batch: Waiting<A>[]): Promise<void> {
    try {
      await this.commit(partitionKey, batch.flatMap((waiting) => waiting.actions));
      for (const waiting of batch) waiting.resolve();
    } catch (error) {
      // Storage down: every writer hears it. Refused (one bad row fails the whole transaction):
      // each writer's rows go again on their own, so that only the bad one is refused.
      if (batch.length === 1 || isStorageUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      await Promise.all(batch.map((waiting) => this.commit(partitionKey, waiting.actions).then(waiting.resolve, waiting.reject)));
    }
  }
}
