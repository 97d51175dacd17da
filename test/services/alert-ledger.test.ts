// The alert ledger, seat states and action locks on a real Azurite: one claim wins however
// many race, tenants never share rows, ETag-checked state changes, locks that expire.
import { beforeAll, describe, expect, it } from 'vitest';
import { ActionLocks, AlertLedger, SeatStates } from '../../src/storage/alert-ledger.js';
import { TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

const T1 = 'tenant-one';
const T2 = 'tenant-two';
let store: TableStore;
beforeAll(async () => {
  store = await freshTableStore('l');
});

describe('alert ledger', () => {
  it('lets exactly one of many concurrent claims win, per tenant', async () => {
    const ledgers = Array.from({ length: 8 }, () => new AlertLedger(store));
    const wins = await Promise.all(ledgers.map((l) => l.claim(T1, 'renewal', 'sub-1|2026-06-01', { free: 5 })));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await ledgers[0]!.claim(T1, 'renewal', 'sub-1|2026-06-01')).toBe(false);
    // Another tenant, or another renewal date, is another alert.
    expect(await ledgers[0]!.claim(T2, 'renewal', 'sub-1|2026-06-01')).toBe(true);
    expect(await ledgers[0]!.claim(T1, 'renewal', 'sub-1|2026-07-01')).toBe(true);
    expect(await ledgers[0]!.count(T1, 'renewal')).toBe(2);
  });

  it('can release a claim so that a later run sends it, and keys with / # ? are fine', async () => {
    const ledger = new AlertLedger(store);
    const key = 'odd/key#with?chars|2026-01-01';
    // A tenant of its own: the test above counts the claims of T1.
    const T3 = 'tenant-three';
    expect(await ledger.claim(T3, 'renewal', key)).toBe(true);
    expect(await ledger.wasSent(T3, 'renewal', key)).toBe(true);
    await ledger.release(T3, 'renewal', key);
    expect(await ledger.wasSent(T3, 'renewal', key)).toBe(false);
    expect(await ledger.claim(T3, 'renewal', key)).toBe(true);
  });

  it('counts the alerts of every kind sent since a time, and not those before it', async () => {
    const ledger = new AlertLedger(store);
    const T4 = 'tenant-four';
    await ledger.claim(T4, 'renewal', 'sub-1|2026-06-01', {}, new Date('2026-05-01T09:00:00Z'));
    await ledger.claim(T4, 'seat', 'sku-1|exhausted', {}, new Date('2026-05-20T09:00:00Z'));
    await ledger.claim(T4, 'connection', 'pc|needs-sign-in', {}, new Date('2026-05-25T09:00:00Z'));
    expect(await ledger.sentSince(T4, new Date('2026-05-20T09:00:00Z'))).toBe(2);
    expect(await ledger.sentSince(T4, new Date('2026-06-01T00:00:00Z'))).toBe(0);
    expect(await ledger.sentSince('tenant-five', new Date('2026-01-01T00:00:00Z'))).toBe(0);
  });
});

describe('seat states', () => {
  it('start empty, and change with the ETag: of two racing writers each result is computed on what it replaced', async () => {
    const states = new SeatStates(store);
    expect(await states.get(T1)).toEqual({});
    const decide = (previous: Record<string, string>) =>
      previous.VISIOCLIENT === 'exhausted' ? undefined : { states: { VISIOCLIENT: 'exhausted' as const }, result: 'announced' };
    const results = await Promise.all([
      states.change(T1, decide),
      new SeatStates(store).change(T1, decide),
      new SeatStates(store).change(T1, decide),
    ]);
    expect(results.filter((r) => r === 'announced')).toHaveLength(1);
    expect(await states.get(T1)).toEqual({ VISIOCLIENT: 'exhausted' });
    expect(await states.get(T2)).toEqual({});
  });
});

describe('action locks', () => {
  it('are held by one holder until released or expired', async () => {
    const locks = new ActionLocks(store);
    const t0 = new Date('2026-03-01T10:00:00Z');
    const taken = await Promise.all(['a', 'b', 'c'].map((h) => locks.acquire(T1, 'license|u|s', h, 60_000, t0)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    const holder = ['a', 'b', 'c'][taken.indexOf(true)]!;
    await locks.release(T1, 'license|u|s', 'someone-else'); // not theirs: stays
    expect(await locks.acquire(T1, 'license|u|s', 'd', 60_000, t0)).toBe(false);
    expect(await locks.acquire(T2, 'license|u|s', 'd', 60_000, t0)).toBe(true); // other tenant
    await locks.release(T1, 'license|u|s', holder);
    expect(await locks.acquire(T1, 'license|u|s', 'd', 60_000, t0)).toBe(true);
    // d crashed: after the ttl someone else may take it.
    expect(await locks.acquire(T1, 'license|u|s', 'e', 60_000, new Date(t0.getTime() + 30_000))).toBe(false);
    expect(await locks.acquire(T1, 'license|u|s', 'e', 60_000, new Date(t0.getTime() + 61_000))).toBe(true);
  });
});
