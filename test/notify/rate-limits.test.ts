// Teams' per-tenant limit (50 in any second) as the limiter keeps it: sends still under way
// count in every window, however long they take, so slow sends never let a burst through.
import { describe, expect, it } from 'vitest';
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
});
