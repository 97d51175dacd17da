// Teams' per-tenant limit (50 in any second) as the limiter keeps it: sends still under way
// count in every window, however long they take, so slow sends never let a burst through.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeliveryRateLimiter } from '../../src/notify/rate-limits.js';

const TENANT = 'tenant-1';

describe('the delivery rate limiter', () => {
  it('lets 50 sends to a tenant start at once, and the 51st only a second after one finished', async () => {
    const limiter = new DeliveryRateLimiter();
    const slots = await Promise.all(Array.from({ length: 50 }, (_, i) => limiter.acquire(TENANT, `c-${i}`)));
    expect(slots.every((slot) => slot.waitedMs === 0)).toBe(true);
    let started = false;
    const next = limiter.acquire(TENANT, 'c-50').then((slot) => ((started = true), slot));
    // Slow sends: more than a window passes while all 50 are still under way.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(started).toBe(false);
    const finished = Date.now();
    slots[0]!.sent();
    await next;
    expect(Date.now() - finished).toBeGreaterThanOrEqual(990);
    for (const slot of slots.slice(1)) slot.sent();
  });

  describe('on a clock the test moves', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Lets every promise that can settle now settle. */
    const settle = () => vi.advanceTimersByTimeAsync(0);

    it('waits on a window full of sends under way without polling, and lets one more go a second after one of them finished', async () => {
      vi.useFakeTimers();
      const limiter = new DeliveryRateLimiter();
      const slots = await Promise.all(Array.from({ length: 50 }, (_, i) => limiter.acquire(TENANT, `c-${i}`)));
      const started: string[] = [];
      const waiting = ['a', 'b'].map((name) => limiter.acquire(TENANT, `late-${name}`).then((slot) => (started.push(name), slot)));
      await vi.advanceTimersByTimeAsync(5_000);
      expect(started).toEqual([]);
      // Nothing wakes the waiters but a send finishing: no timer runs while they wait.
      expect(vi.getTimerCount()).toBe(0);
      slots[0]!.sent();
      await vi.advanceTimersByTimeAsync(1000);
      expect(started).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      // Room for one: the other waits again, on the sends still under way.
      expect(started).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(started).toHaveLength(1);
      slots[1]!.sent();
      await vi.advanceTimersByTimeAsync(1001);
      expect(started).toHaveLength(2);
      for (const slot of [...slots.slice(2), ...(await Promise.all(waiting))]) slot.sent();
    });

    it('forgets the conversations of a fan-out once their windows have passed, without being asked about them again', async () => {
      vi.useFakeTimers();
      const limiter = new DeliveryRateLimiter();
      for (let i = 0; i < 200; i++) {
        const slot = await limiter.acquire(`tenant-${i % 4}`, `c-${i}`);
        slot.sent();
        if (i % 50 === 49) await vi.advanceTimersByTimeAsync(1001);
      }
      expect(limiter.trackedKeys).toBe(204); // 200 conversations, 4 tenants
      await vi.advanceTimersByTimeAsync(30_000);
      // The next send anywhere sweeps what no window still counts.
      (await limiter.acquire('tenant-9', 'someone-else')).sent();
      expect(limiter.trackedKeys).toBe(2);
    });

    it("keeps a conversation's windows: 7 in any second, 8 in any two", async () => {
      vi.useFakeTimers();
      const limiter = new DeliveryRateLimiter();
      const startedAt: number[] = [];
      const t0 = Date.now();
      const sends = Array.from({ length: 9 }, () =>
        limiter.acquire(TENANT, 'one-chat').then((slot) => {
          startedAt.push(Date.now() - t0);
          slot.sent(); // answered at once
        }),
      );
      await settle();
      expect(startedAt).toEqual([0, 0, 0, 0, 0, 0, 0]);
      await vi.advanceTimersByTimeAsync(1001);
      expect(startedAt).toHaveLength(8);
      expect(startedAt[7]).toBe(1001);
      // The ninth: the first seven and the eighth are 8 in the two seconds after 0.
      await vi.advanceTimersByTimeAsync(999);
      expect(startedAt).toHaveLength(8);
      await vi.advanceTimersByTimeAsync(1);
      expect(startedAt[8]).toBe(2001);
      await Promise.all(sends);
    });
  });
});
