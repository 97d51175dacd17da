// Instances count each other through heartbeats, so each takes 1/N of Teams' limits; one that
// stops (or dies: its heartbeat ages out) gives its share back.
import { testClock } from '../harness/clock.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { InstanceRegistry } from '../../src/storage/instances.js';
import { TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

let store: TableStore;
beforeAll(async () => {
  store = await freshTableStore('i');
});

describe('instance registry', () => {
  it('gives each of three instances a third, and the survivors more when one leaves or dies', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => new InstanceRegistry(store, name, { ttlMs: 60_000 }));
    const now = testClock();
    await a!.heartbeat(now);
    await b!.heartbeat(now);
    expect(await c!.heartbeat(now)).toBe(3);
    expect(c!.share()).toBeCloseTo(1 / 3);
    // Whole sends that add up to the limit: Teams' 50 a second per tenant, 7 a second per conversation.
    await Promise.all([a!.heartbeat(now), b!.heartbeat(now)]);
    expect([a, b, c].map((i) => i!.allotment(50))).toEqual([17, 17, 16]);
    expect([a, b, c].map((i) => i!.allotment(7))).toEqual([3, 2, 2]);
    await c!.stop();
    expect(await a!.heartbeat(now)).toBe(2);
    // b dies: its last heartbeat ages out after the TTL.
    expect(await a!.heartbeat(new Date(now.getTime() + 61_000))).toBe(1);
    expect(a!.share()).toBe(1);
    expect(a!.allotment(50)).toBe(50);
  });
});
