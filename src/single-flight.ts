// Concurrent callers asking for the same thing share one call: a burst of turns that all
// miss a cache makes one request, not one each. Nothing is kept once the call settles, so
// a caller that starts after it sees fresh data.
export class SingleFlight<T> {
  private readonly pending = new Map<string, Promise<T>>();

  run(key: string, call: () => Promise<T>): Promise<T> {
    const running = this.pending.get(key);
    if (running) return running;
    const started = (async () => call())().finally(() => this.pending.delete(key));
    this.pending.set(key, started);
    return started;
  }
}

/**
 * Reads of one key that overlap share calls without ever answering a caller with data read
 * before it asked: a caller that arrives while a read is under way waits for the next read,
 * which starts once that one settles and serves everyone who arrived meanwhile. A write that
 * finished before a caller asked is therefore always seen (unlike joining the read already
 * under way), and a burst of N overlapping reads of a key makes two calls, not N. Every call
 * passed for a key must read the same thing.
 */
export class SharedReads<T> {
  private readonly reads = new Map<string, { current: Promise<T>; following?: Promise<T> }>();

  read(key: string, call: () => Promise<T>): Promise<T> {
    const under = this.reads.get(key);
    if (!under) return this.begin(key, call);
    under.following ??= settled(under.current).then(() => this.begin(key, call));
    return under.following;
  }

  private begin(key: string, call: () => Promise<T>): Promise<T> {
    const entry: { current: Promise<T>; following?: Promise<T> } = { current: (async () => call())() };
    this.reads.set(key, entry);
    void settled(entry.current).then(() => {
      if (this.reads.get(key) === entry && !entry.following) this.reads.delete(key);
    });
    return entry.current;
  }
}

const settled = (promise: Promise<unknown>): Promise<void> =>
  promise.then(
    () => undefined,
    () => undefined,
  );

/** Values kept per key for `ttlMs` after they load; a key with nothing kept loads once, however many ask at once. */
export class KeptFor<T> {
  private readonly kept = new Map<string, { at: number; value: T }>();
  private readonly loading = new SingleFlight<T>();

  constructor(private readonly ttlMs: number) {}

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.kept.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    return this.loading.run(key, async () => {
      const value = await load();
      this.kept.set(key, { at: Date.now(), value });
      return value;
    });
  }

  /** Forgets what is kept for the key: the next get loads again. */
  delete(key: string): void {
    this.kept.delete(key);
  }
}
