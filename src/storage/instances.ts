// Which instances are alive, and which one owns each piece of shared work (a notifications
// queue and the tenants whose proactive messages it holds, src/notify/delivery.ts). Every
// instance writes a heartbeat row (in the Leases table) every few seconds and reads the rows
// seen within the TTL.
//
// A key's owner is chosen among the live instances that deliver by rendezvous hashing (the
// instance scoring highest for the key): every instance that sees the same instances picks the
// same owner, and when one joins or leaves only the keys it wins or held move. The keys divided
// up front (the eight notifications queues) are owned with bounded loads: no instance takes
// more than its share, rounded up (plain rendezvous hashing gave one of three instances four of
// the eight queues and another one).
//
// No two instances own a key at once, because a change is trusted only after it has settled:
// an instance takes a key it did not own before only once the instances it sees have not
// changed for `settleMs` (a heartbeat interval, by when every instance has seen the change too,
// plus Teams' window of a second and a margin); until then, only keys it owned before and owns
// still. An instance whose own heartbeat is older than the TTL less an interval owns nothing:
// the others are about to count it out and take its keys.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

type HeartbeatEntity = { Instance: string; SeenAt: string; Delivers?: boolean };

const PARTITION = 'instances';
const DEFAULT_INTERVAL_MS = 5_000;
const DEFAULT_TTL_MS = 30_000;
/** After a change, Teams' window of a second and a margin on top of a heartbeat interval. */
const SETTLE_MARGIN_MS = 2_000;
/** Owners remembered per view (a key's owner is hashed once). */
const OWNER_CACHE = 10_000;

export class InstanceRegistry extends TableRepository<HeartbeatEntity> {
  /** Names of the live instances, sorted; this one alone before the first heartbeat. */
  private live: string[];
  /**
   * The views of the senders to trust while the last change settles: the last settled view
   * (empty at start when others were already there), then every view seen since. Settled,
   * only the current one.
   */
  private views: string[][] = [];
  private changedAt = -Infinity;
  /** When this instance's last heartbeat that was stored began (monotonic ms). */
  private beatAt: number | undefined;
  private readonly owners = new Map<string, boolean>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    store: TableStore,
    private readonly instance: string,
    private readonly options: {
      intervalMs?: number;
      ttlMs?: number;
      /** Whether this instance sends proactive messages (runs the outbox's worker); default true. */
      delivers?: boolean;
      /** Monotonic milliseconds (tests move it). */
      now?: () => number;
      /** The keys divided evenly among the instances (ownersOf); any other key goes by ownerOf. */
      shared?: readonly string[];
    } = {},
  ) {
    super(store, 'Leases');
    this.live = [instance];
  }

  /** Live instances (this one included) at the last heartbeat; 1 before the first. */
  liveCount(): number {
    return this.live.length;
  }

  private get intervalMs(): number {
    return this.options.intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  private get ttlMs(): number {
    return this.options.ttlMs ?? DEFAULT_TTL_MS;
  }

  /** How long a change of the senders takes to be trusted. */
  get settleMs(): number {
    return this.intervalMs + SETTLE_MARGIN_MS;
  }

  private monotonic(): number {
    return this.options.now?.() ?? performance.now();
  }

  /** Does this instance own the key now? One instance at most does. */
  owns(key: string): boolean {
    const now = this.monotonic();
    if (this.beatAt === undefined || now - this.beatAt > this.ttlMs - this.intervalMs) return false;
    if (this.views.length > 1 && now >= this.changedAt + this.settleMs) {
      this.views = [this.views[this.views.length - 1]!];
      this.owners.clear();
    }
    let mine = this.owners.get(key);
    if (mine === undefined) {
      mine = this.views.every((view) => this.ownerIn(view, key) === this.instance);
      if (this.owners.size >= OWNER_CACHE) this.owners.clear();
      this.owners.set(key, mine);
    }
    return mine;
  }

  /** The key's owner in a view of the senders (`owns` remembers the answer until the view changes). */
  private ownerIn(view: readonly string[], key: string): string | undefined {
    const shared = this.options.shared;
    return shared?.includes(key) ? ownersOf(view, shared).get(key) : ownerOf(view, key);
  }

  /** True once no change of the senders is still settling (the bench waits for it before measuring). */
  settled(): boolean {
    return this.beatAt !== undefined && this.monotonic() >= this.changedAt + this.settleMs;
  }

  /** Writes this instance's heartbeat and reads which instances are live; returns how many. */
  async heartbeat(now = this.store.clock()): Promise<number> {
    const started = this.monotonic();
    const delivers = this.options.delivers ?? true;
    await this.putRow(PARTITION, this.instance, { Instance: this.instance, SeenAt: now.toISOString(), Delivers: delivers });
    const cutoff = now.getTime() - this.ttlMs;
    const live = new Map<string, boolean>([[this.instance, delivers]]);
    for await (const row of this.partitionRows(PARTITION))
      if (Date.parse(row.value.SeenAt) > cutoff) live.set(row.value.Instance, row.value.Delivers !== false);
    this.live = [...live.keys()].sort();
    // The instances that deliver own the keys; when none of the live ones does (tests), all of them do.
    const delivering = this.live.filter((name) => live.get(name));
    this.see(delivering.length > 0 ? delivering : this.live, started);
    this.beatAt = started;
    return this.live.length;
  }

  private see(senders: string[], at: number): void {
    const current = this.views[this.views.length - 1];
    if (current && sameNames(current, senders)) return;
    this.owners.clear();
    if (!current && this.live.length === 1) {
      this.views = [senders]; // alone from the start: nobody else can own anything
      return;
    }
    // At start, others may own any key: none is this instance's until it settles.
    if (!current) this.views = [[]];
    else if (at >= this.changedAt + this.settleMs) this.views = [current];
    this.views.push(senders);
    this.changedAt = at;
  }

  start(onError: (error: unknown) => void): void {
    const beat = () => void this.heartbeat().catch(onError);
    beat();
    this.timer = setInterval(beat, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the heartbeat and sending, and removes this instance's row: the others count it out at their next heartbeat. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.beatAt = undefined;
    await this.deleteRow(PARTITION, this.instance).catch(() => undefined);
  }
}

/** The key's owner among these instances: the one scoring highest (rendezvous hashing). */
export function ownerOf(instances: readonly string[], key: string): string | undefined {
  let owner: string | undefined;
  let best = -1;
  for (const instance of instances) {
    const score = scoreOf(instance, key);
    if (score > best || (score === best && owner !== undefined && instance < owner)) {
      best = score;
      owner = instance;
    }
  }
  return owner;
}

/**
 * Each key's owner among these instances, none owning more than its share (the keys over the
 * instances, rounded up): rendezvous hashing with bounded loads. The pairs of key and instance
 * are taken best score first, and a pair gives the key to the instance unless the key has an
 * owner already or the instance has its share. Every instance that sees the same instances
 * computes the same owners, whatever order it lists the keys in.
 */
export function ownersOf(instances: readonly string[], keys: readonly string[]): Map<string, string> {
  const owners = new Map<string, string>();
  if (instances.length === 0) return owners;
  const share = Math.ceil(new Set(keys).size / instances.length);
  const pairs = keys.flatMap((key) => instances.map((instance) => ({ key, instance, score: scoreOf(instance, key) })));
  pairs.sort((a, b) => b.score - a.score || compare(a.instance, b.instance) || compare(a.key, b.key));
  const taken = new Map<string, number>();
  for (const { key, instance } of pairs) {
    if (owners.has(key) || (taken.get(instance) ?? 0) >= share) continue;
    owners.set(key, instance);
    taken.set(instance, (taken.get(instance) ?? 0) + 1);
  }
  return owners;
}

function scoreOf(instance: string, key: string): number {
  return createHash('sha256').update(`${instance}\n${key}`).digest().readUInt32BE(0);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
