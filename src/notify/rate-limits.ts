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

/** One send: counted as happening now while it is under way, then at when it finished. */
interface Send {
  at: number;
  pending: boolean;
}

/** While a window is full of sends still under way, look again this soon. */
const PENDING_POLL_MS = 10;

/** Send times per key within the longest window; a key with none left is forgotten. */
class SlidingLog {
  private readonly times = new Map<string, Send[]>();
  private readonly longest: number;

  constructor(private readonly windows: readonly Window[]) {
    this.longest = Math.max(...windows.map((w) => w.ms));
  }

  /** Milliseconds until one more send fits every window (0 = now). */
  waitMs(key: string, now: number): number {
    const log = this.prune(key, now);
    let wait = 0;
    for (const window of this.windows) {
      const allowed = window.points;
      // A send under way may reach Teams any moment: it counts in every window until it is done.
      const inWindow = log
        .filter((send) => send.pending || send.at > now - window.ms)
        .map((send) => (send.pending ? Infinity : send.at))
        .sort((a, b) => a - b);
      if (inWindow.length >= allowed) {
        const blocker = inWindow[inWindow.length - allowed]!;
        wait = Math.max(wait, blocker === Infinity ? PENDING_POLL_MS : blocker + window.ms - now + 1);
      }
    }
    return wait;
  }

  record(key: string, send: Send): void {
    const log = this.times.get(key) ?? [];
    log.push(send);
    this.times.set(key, log);
  }

  private prune(key: string, now: number): Send[] {
    const log = this.times.get(key);
    if (!log) return [];
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
    let waited = 0;
    for (;;) {
      const now = Date.now();
      const wait = Math.max(this.tenants.waitMs(tenantId, now), this.conversations.waitMs(`${tenantId}|${conversationId}`, now));
      if (wait === 0) {
        // Checked and recorded with no await in between: one event loop turn, so no other send slips in.
        const send: Send = { at: now, pending: true };
        this.tenants.record(tenantId, send);
        this.conversations.record(`${tenantId}|${conversationId}`, send);
        return {
          waitedMs: waited,
          sent: () => {
            send.at = Math.max(send.at, Date.now());
            send.pending = false;
          },
        };
      }
      waited += wait;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** How many sends a second may go to one tenant. */
  tenantSendsPerSecond(): number {
    return TEAMS_LIMITS.perTenant[0]!.points * (1000 / TEAMS_LIMITS.perTenant[0]!.ms);
  }

  /** Keys tracked right now (memory stays bounded by recent activity). */
  get trackedKeys(): number {
    return this.conversations.size + this.tenants.size;
  }
}
