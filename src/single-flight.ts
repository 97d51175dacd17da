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
