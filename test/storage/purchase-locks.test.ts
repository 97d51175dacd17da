import { beforeAll, describe, expect, it } from 'vitest';
import { PurchaseLocks } from '../../src/storage/purchase-locks.js';
import { freshTableStore } from '../harness/storage.js';

let locks: PurchaseLocks;
const TENANT = 'cccccccc-0000-4000-8000-000000000001';
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  const store = await freshTableStore('pl');
  locks = new PurchaseLocks(store);
});

describe('purchase locks', () => {
  it('lets one request at a time buy for a subscription, and the holder come back to it', async () => {
    const first = await locks.acquire(TENANT, 'sub-1', 'REQ-A', 60_000, at('2026-11-22T10:00:00Z'));
    expect(first.ok).toBe(true);
    expect((await locks.acquire(TENANT, 'sub-1', 'REQ-B', 60_000, at('2026-11-22T10:00:30Z'))).ok).toBe(false);
    const again = await locks.acquire(TENANT, 'sub-1', 'REQ-A', 60_000, at('2026-11-22T10:00:30Z'));
    expect(again).toMatchObject({ ok: true, previous: { holder: 'REQ-A', base: -1, target: -1 } });
  });

  it("hands a dead holder's intent to whoever takes the lock over", async () => {
    const a = await locks.acquire(TENANT, 'sub-2', 'REQ-A', 60_000, at('2026-11-22T10:00:00Z'));
    if (!a.ok) throw new Error('no lock');
    await locks.declare(TENANT, 'sub-2', 'REQ-A', a.etag, 5, 6, 60_000, at('2026-11-22T10:00:01Z'));
    // REQ-A dies; its lock runs out.
    const b = await locks.acquire(TENANT, 'sub-2', 'REQ-B', 60_000, at('2026-11-22T10:05:00Z'));
    expect(b).toMatchObject({ ok: true, previous: { holder: 'REQ-A', base: 5, target: 6 } });
    // Only one of two racing takeovers wins.
    const racers = await Promise.all(
      ['REQ-C', 'REQ-D'].map((id) => locks.acquire(TENANT, 'sub-2', id, 60_000, at('2026-11-22T10:10:00Z'))),
    );
    expect(racers.filter((r) => r.ok)).toHaveLength(1);
  });

  it('is free again once released, and a stale release does not free a lock taken over', async () => {
    const a = await locks.acquire(TENANT, 'sub-3', 'REQ-A', 60_000, at('2026-11-22T10:00:00Z'));
    if (!a.ok) throw new Error('no lock');
    const b = await locks.acquire(TENANT, 'sub-3', 'REQ-B', 60_000, at('2026-11-22T10:02:00Z'));
    expect(b.ok).toBe(true);
    await locks.release(TENANT, 'sub-3', a.etag); // REQ-A wakes up late: must not free REQ-B's lock
    expect((await locks.acquire(TENANT, 'sub-3', 'REQ-C', 60_000, at('2026-11-22T10:02:30Z'))).ok).toBe(false);
    if (b.ok) await locks.release(TENANT, 'sub-3', b.etag);
    expect((await locks.acquire(TENANT, 'sub-3', 'REQ-C', 60_000, at('2026-11-22T10:02:30Z'))).ok).toBe(true);
  });
});
