// Teams' documented limits for proactive messages (the Teams platform's rate limits): per conversation
// 7 in any 1 s, 8 in any 2 s, 60 in any 30 s; per tenant 50 in any 1 s. The limits hold
// across instances because one instance at a time sends a tenant's messages
// (InstanceRegistry.owns), so each instance keeps the whole limit of the tenants it sends to.
//
// Sliding windows, counted from a log of send times, rather than a limiter library: the
// well-kept ones (rate-limiter-flexible, bottleneck, limiter) use fixed windows or token
// buckets, which let twice the limit through around a window boundary, and Teams answers
// 429 to any window over the limit.

export interface Window {
  points: number;
  ms: number;
}

export const TEAMS_LIMITS = {
  perConversation: [
    { points: 7, ms: 1000 },
    { points: 8, ms: 2000 },
    { points: 60, ms: 30_000 },
  ] satisfies Window[],
  perTenant: [{ points: 50, ms: 1000 }] satisfies Window[],
};

/** How many sends a second may go to one tenant. */
export const TENANT_SENDS_PER_SECOND = TEAMS_LIMITS.perTenant[0]!.points * (1000 / TEAMS_LIMITS.perTenant[0]!.ms);

/**
 * One send: counted as happening now while it is under way, then at when it finished. Those
 * waiting on it (a window full of sends under way) are woken when it finishes, not polled.
 */
class Send {
  pending = true;
  private waiters: (() => void)[] | undefined;

  constructor(public at: number) {}

  finished(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  finish(now: number): void {
    this.at = Math.max(this.at, now);
    this.pending = false;
    for (const wake of this.waiters ?? []) wake();
    this.waiters = undefined;
  }
}

/**
 * Send times per key within the longest window; a key with none left is forgotten, when it is
 * looked at again or by the sweep once per longest window (a fan-out reaches thousands of
 * conversations that may not hear from the bot again for days).
 */
class SlidingLog {
  private readonly times = new Map<string, Send[]>();
  private readonly longest: number;
  private lastSweep = 0;

  constructor(private readonly windows: readonly Window[]) {
    this.longest = Math.max(...windows.map((w) => w.ms));
  }

  /**
   * Milliseconds until one more send fits every window (0 = now), or a send under way that
   * must finish first (it counts in every window until then, so no wait can be told).
   */
  waitFor(key: string, now: number): number | Send {
    const log = this.prune(key, now);
    let wait = 0;
    for (const window of this.windows) {
      if (log.length < window.points) continue;
      // A send under way may reach Teams any moment: it counts in the window until it is done.
      const done: number[] = [];
      let underWay: Send | undefined;
      let pending = 0;
      for (const send of log) {
        if (send.pending) {
          pending++;
          underWay ??= send;
        } else if (send.at > now - window.ms) done.push(send.at);
      }
      const over = done.length + pending - window.points;
      if (over < 0) continue;
      // The send whose leaving the window makes room: the over-th oldest, sends under way last.
      if (over >= done.length) return underWay!;
      done.sort((a, b) => a - b);
      wait = Math.max(wait, done[over]! + window.ms - now + 1);
    }
    return wait;
  }

  record(key: string, send: Send): void {
    if (send.at - this.lastSweep >= this.longest) this.sweep(send.at);
    const log = this.times.get(key) ?? [];
    log.push(send);
    this.times.set(key, log);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const key of this.times.keys()) this.prune(key, now); // a Map may lose entries while iterated
  }

  private prune(key: string, now: number): Send[] {
    const log = this.times.get(key);
    if (!log) return [];
    if (!log.some((send) => !send.pending && send.at <= now - this.longest)) return log;
    const kept = log.filter((send) => send.pending || send.at > now - this.longest);
    if (kept.length === 0) this.times.delete(key);
    else this.times.set(key, kept);
    return kept;
  }

  get size(): number {
    return this.times.size;
  }
}

export class DeliveryRateLimiter {
  private readonly conversations = new SlidingLog(TEAMS_LIMITS.perConversation);
  private readonly tenants = new SlidingLog(TEAMS_LIMITS.perTenant);

  /**
   * Waits until a message to this conversation fits every limit and counts it; call the
   * returned `sent` once it has gone (also when it failed). Until then it counts in every
   * window, then from when it finished: Teams counts when the message arrived, which is
   * between the two, so the next send is held back until a full window after the last one
   * could have arrived.
   */
  async acquire(tenantId: string, conversationId: string): Promise<{ waitedMs: number; sent(): void }> {
    const started = Date.now();
    const conversationKey = `${tenantId}|${conversationId}`;
    for (;;) {
      const now = Date.now();
      const waits = [this.tenants.waitFor(tenantId, now), this.conversations.waitFor(conversationKey, now)];
      const underWay = waits.find((wait) => wait instanceof Send);
      if (underWay) {
        await underWay.finished();
        continue;
      }
      const wait = Math.max(...(waits as number[]));
      if (wait === 0) {
        // Checked and recorded with no await in between: one event loop turn, so no other send slips in.
        const send = new Send(now);
        this.tenants.record(tenantId, send);
        this.conversations.record(conversationKey, send);
        return { waitedMs: now - started, sent: () => send.finish(Date.now()) };
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Keys tracked right now (memory stays bounded by recent activity). */
  get trackedKeys(): number {
    return this.conversations.size + this.tenants.size;
  }
}
