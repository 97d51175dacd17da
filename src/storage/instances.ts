// Which instances are alive, so that each takes its part of Teams' rate limits: every
// instance writes a heartbeat row (in the Leases table) every 20 seconds, and reads the rows
// seen in the last minute. An instance that dies stops counting within a minute; until then
// the others send a little slower than they could, never faster than Teams allows.
//
// A limit of N sends is dealt out whole: with 3 instances and 50 sends a second, the first two
// (in name order) get 17 and the last 16, so together they use all 50. (1/3 of 50 each,
// rounded down, would leave 2 of every 50 unused.)
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

type HeartbeatEntity = { Instance: string; SeenAt: string };

const PARTITION = 'instances';

export class InstanceRegistry extends TableRepository<HeartbeatEntity> {
  /** Names of the live instances, sorted; this one alone before the first heartbeat. */
  private live: string[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    store: TableStore,
    private readonly instance: string,
    private readonly options: { intervalMs?: number; ttlMs?: number } = {},
  ) {
    super(store, 'Leases');
    this.live = [instance];
  }

  /** Live instances (this one included) at the last heartbeat; 1 before the first. */
  liveCount(): number {
    return this.live.length;
  }

  /** This instance's fraction of a shared limit. */
  share(): number {
    return 1 / this.live.length;
  }

  /** This instance's whole part of a limit of `points`: the parts of all live instances add up to `points`. */
  allotment(points: number): number {
    const count = this.live.length;
    const rank = Math.max(0, this.live.indexOf(this.instance));
    return Math.floor(points / count) + (rank < points % count ? 1 : 0);
  }

  /** Writes this instance's heartbeat and counts the instances seen within the TTL. */
  async heartbeat(now = this.store.clock()): Promise<number> {
    await this.putRow(PARTITION, this.instance, { Instance: this.instance, SeenAt: now.toISOString() });
    const cutoff = now.getTime() - (this.options.ttlMs ?? 60_000);
    const live = new Set([this.instance]);
    for await (const row of this.partitionRows(PARTITION)) if (Date.parse(row.value.SeenAt) > cutoff) live.add(row.value.Instance);
    this.live = [...live].sort();
    return this.live.length;
  }

  start(onError: (error: unknown) => void): void {
    const beat = () => void this.heartbeat().catch(onError);
    beat();
    this.timer = setInterval(beat, this.options.intervalMs ?? 20_000);
    this.timer.unref();
  }

  /** Stops the heartbeat and removes this instance's row, so the others take its share at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.deleteRow(PARTITION, this.instance).catch(() => undefined);
  }
}
