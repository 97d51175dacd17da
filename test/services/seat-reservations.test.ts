// Seat decisions under the license's lock: one hold of the lock serves the submissions that
// keep arriving (no lease write, Graph read or holds query per submission), counting the free
// seats down, and the lock is let go once nobody comes within the linger.
import { beforeAll, describe, expect, it } from 'vitest';
import { SeatReservations, type SeatDecision } from '../../src/services/seat-reservations.js';
import type { CatalogService } from '../../src/services/catalog.js';
import { PurchaseLocks } from '../../src/storage/purchase-locks.js';
import { RequestRepository } from '../../src/storage/requests.js';
import type { TableStore } from '../../src/storage/table-store.js';
import { createLogger } from '../../src/logger.js';
import { testClock } from '../harness/clock.js';
import { freshTableStore } from '../harness/storage.js';

const TENANT = 'eeeeeeee-0000-4000-8000-0000000000a1';
const POWER_BI = { productId: 'CFQ7TTC0L3PB', skuPartNumber: 'POWER_BI_PRO' };
let store: TableStore;

beforeAll(async () => {
  store = await freshTableStore('sr');
});

/** Real locks and holds over Azurite; Graph's seat count stands still at `free` (counted reads). */
function reservations(free: number) {
  const locks = new PurchaseLocks(store);
  const acquired: string[] = [];
  const acquire = locks.acquire.bind(locks);
  locks.acquire = async (...args) => {
    const result = await acquire(...args);
    if (result.ok) acquired.push(args[2]);
    return result;
  };
  let seatReads = 0;
  const catalog = {
    seats: async () => {
      seatReads++;
      return { skuId: 'sku-power-bi', free, total: free, used: 0 };
    },
  } as unknown as CatalogService;
  const service = new SeatReservations({
    locks,
    requests: new RequestRepository(store),
    catalog,
    clock: testClock,
    log: createLogger('silent'),
    // Long enough that a loaded machine never ends the hold between two awaited submissions.
    timing: { lingerMs: 2_000, holdTurnsMs: 30_000 },
  });
  return { service, locks, acquired, seatReads: () => seatReads };
}

/** A submission of one seat that reserves it when a seat is free; records the count it saw. */
function oneSeat(seen: number[]): SeatDecision<boolean> {
  return {
    quantity: 1,
    decide: (freeSeats) => (seen.push(freeSeats), freeSeats >= 1),
    commit: async (reserves, stored) => {
      stored();
      return reserves;
    },
  };
}

describe('seat decisions under one hold of the lock', () => {
  it('decides submissions arriving one after another with one lock and one seat read, counting down', async () => {
    const { service, acquired, seatReads } = reservations(3);
    const seen: number[] = [];
    const outcomes: boolean[] = [];
    for (let i = 0; i < 5; i++) outcomes.push(await service.decide(TENANT, POWER_BI, oneSeat(seen)));

    expect(seen).toEqual([3, 2, 1, 0, 0]);
    expect(outcomes).toEqual([true, true, true, false, false]);
    expect(acquired).toHaveLength(1);
    expect(seatReads()).toBe(1);
  });

  it('lets the lock go once nobody comes within the linger, so another instance can take it', async () => {
    const first = reservations(2);
    const product = { productId: 'CFQ7TTC0HD33', skuPartNumber: 'VISIOCLIENT' };
    await first.service.decide(TENANT, product, oneSeat([]));
    // Lingering: the lock row is there. After the linger it is gone.
    const lockKey = `seats|${product.skuPartNumber.toLowerCase()}`;
    const held = await first.locks.acquire(TENANT, lockKey, 'someone-else', 10_000, testClock());
    expect(held.ok).toBe(false);
    const deadline = Date.now() + 15_000;
    let free = false;
    while (!free && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const attempt = await first.locks.acquire(TENANT, lockKey, 'someone-else', 10_000, testClock());
      if (attempt.ok) {
        free = true;
        await first.locks.release(TENANT, lockKey, attempt.etag);
      }
    }
    expect(free).toBe(true);
  });
});
