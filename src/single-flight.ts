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
