import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeptFor, SharedReads, SingleFlight } from '../../src/single-flight.js';

describe('SingleFlight', () => {
  it('lets concurrent callers share one call, and a later caller make a fresh one', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const slow = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 20));
    const together = await Promise.all([flights.run('a', slow), flights.run('a', slow), flights.run('a', slow)]);
    expect(together).toEqual([1, 1, 1]);
    expect(await flights.run('a', slow)).toBe(2);
    expect(await Promise.all([flights.run('b', slow), flights.run('c', slow)])).toEqual([3, 4]);
  });

  it('shares a failure with the callers that waited for it, then tries again', async () => {
    const flights = new SingleFlight<string>();
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('down');
    };
    const results = await Promise.allSettled([flights.run('x', failing), flights.run('x', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await flights.run('x', async () => 'up')).toBe('up');
  });

  it('turns a call that throws at once into a rejection', async () => {
    const flights = new SingleFlight<string>();
    await expect(
      flights.run('y', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(await flights.run('y', async () => 'fine')).toBe('fine');
  });
});

describe('KeptFor', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps a value for its time, loads once for a burst, and again once it is older', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 0 });
    const kept = new KeptFor<number>(1_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([kept.get('a', load), kept.get('a', load), kept.get('b', load)])).toEqual([1, 1, 2]);
    vi.setSystemTime(999);
    expect(await kept.get('a', load)).toBe(1);
    vi.setSystemTime(1_000);
    expect(await kept.get('a', load)).toBe(3);
  });

  it('keeps no failure', async () => {
    const kept = new KeptFor<string>(60_000);
    await expect(kept.get('a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await kept.get('a', async () => 'up')).toBe('up');
  });
});

describe('SharedReads', () => {
  /** A store whose reads take a moment and return what was written when the read started. */
  function slowStore() {
    const store = { value: 0, reads: 0 };
    const read = async () => {
      store.reads++;
      const seen = store.value;
      await new Promise((resolve) => setTimeout(resolve, 15));
      return seen;
    };
    return { store, read };
  }

  it('serves a burst of overlapping reads with two calls', async () => {
    const shared = new SharedReads<number>();
    const { store, read } = slowStore();
    const first = shared.read('k', read);
    const burst = Array.from({ length: 30 }, () => shared.read('k', read));
    expect(await Promise.all([first, ...burst])).toEqual(Array(31).fill(0));
    expect(store.reads).toBe(2);
    expect(await shared.read('other', read)).toBe(0);
    expect(store.reads).toBe(3);
  });

  it('never answers a caller with a read that started before it asked', async () => {
    const shared = new SharedReads<number>();
    const { store, read } = slowStore();
    const before = shared.read('k', read);
    store.value = 1; // written after the first read started, before the next caller asks
    const after = shared.read('k', read);
    expect(await before).toBe(0);
    expect(await after).toBe(1);
  });

  it('reads afresh once nothing is under way, and shares no failure with later callers', async () => {
    const shared = new SharedReads<number>();
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('down');
    };
    const failed = shared.read('k', failing);
    const waiting = shared.read('k', async () => 7);
    await expect(failed).rejects.toThrow('down');
    expect(await waiting).toBe(7);
    expect(calls).toBe(1);
    expect(await shared.read('k', async () => 8)).toBe(8);
    await expect(
      shared.read('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });
});
