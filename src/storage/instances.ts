// Which instances are alive, so that each takes its fair share of Teams' rate limits: every
// instance writes a heartbeat row (in the Leases table) every 20 seconds, and counts the rows
// seen in the last minute. An instance that dies stops counting within a minute; until then
// the others send a little slower than they could, never faster than Teams allows.
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

type HeartbeatEntity = { Instance: string; SeenAt: string };

const PARTITION = 'instances';

export class InstanceRegistry extends TableRepository<HeartbeatEntity> {
  private live = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    store: TableStore,
    private readonly instance: string,
    private readonly options: { intervalMs?: number; ttlMs?: number } = {},
  ) {
    super(store, 'Leases');
  }

  /** Live instances (this one included) at the last heartbeat; 1 before the first. */
  liveCount(): number {
    return this.live;
  }

  /** This instance's fraction of a shared limit. */
  share(): number {
    return 1 / Math.max(1, this.live);
  }

  /** Writes this instance's heartbeat and counts the instances seen within the TTL. */
  async heartbeat(now = this.store.clock()): Promise<number> {
    await this.putRow(PARTITION, this.instance, { Instance: this.instance, SeenAt: now.toISOString() });
    const cutoff = now.getTime() - (this.options.ttlMs ?? 60_000);
    let live = 0;
    let continuationToken: string | undefined;
    do {
      const page = await this.pageRows(PARTITION, { pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
      live += page.items.filter((row) => Date.parse(row.value.SeenAt) > cutoff).length;
      continuationToken = page.continuationToken;
    } while (continuationToken);
    this.live = Math.max(1, live);
    return this.live;
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
