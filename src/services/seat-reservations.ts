// Seats that automatic approvals count on. "Approve when a seat is free" must not approve
// seven requests for four free seats: an approval that relies on free seats reserves them
// (the request itself, approved with `seatReserved`, is the reservation: see reservedSeats();
// the requests repository keeps a hold row per such request), and the next decision for the
// same license sees the free seats minus those held.
//
// Decisions for one tenant and license take turns under a table lock (PurchaseLocks, keyed by
// the license), so instances agree. An instance that takes the lock reads the free seats once,
// then decides the submissions waiting for it in arrival order, counting down, for as long as
// they keep coming (up to HOLD_TURNS_MS, so other instances get their turn; a gap shorter than
// LINGER_MS does not end the hold, and a submission is decided on arrival, while the holds
// decided before it are still being stored). It lets go once
// every hold it promised is stored (the request written; its audit and queue writes need not
// be), so the next holder counts them. A lock that stays busy (another instance stuck) is not
// waited for long: the decision is then made as if no seat were free, which sends the request
// to people.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PurchaseLocks } from '../storage/purchase-locks.js';
import type { RequestRepository } from '../storage/requests.js';
import type { CatalogService } from './catalog.js';

/** Longer than one turn of decisions takes; a holder that died frees it after this. */
const LOCK_MS = 10_000;
/** How long a decision waits for another instance's turn before deciding without free seats. */
const WAIT_MS = 3_000;
/** How long an instance keeps the lock for consecutive turns before giving other instances theirs. */
const HOLD_TURNS_MS = 1_000;
/**
 * How long a holder with nobody waiting keeps the lock for the next submission. Under load the
 * queue empties for a moment between turns (everyone is storing, auditing or replying); letting
 * go then means the next arrival takes the lock again and reads the free seats again (a lease
 * write, a Graph read and the holds query) for a turn of a few decisions.
 */
const LINGER_MS = 100;

export interface SeatDecision<T> {
  /** Seats asked for. */
  quantity: number;
  /** Decides with `freeSeats` unreserved seats; true when the outcome counts on them (reserves `quantity`). */
  decide(freeSeats: number): boolean;
  /**
   * Stores the outcome decided last, calling `stored` once the request (and so its hold) is
   * written: when it reserves, the next turn waits for that (or for commit to settle), not for
   * the rest of commit.
   */
  commit(reserves: boolean, stored: () => void): Promise<T>;
}

interface Waiting {
  decision: SeatDecision<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class SeatReservations {
  private readonly queues = new Map<string, Waiting[]>();
  /** Per license: wakes a holder lingering for the next submission. */
  private readonly lingering = new Map<string, () => void>();

  constructor(
    private readonly deps: {
      locks: PurchaseLocks;
      requests: RequestRepository;
      catalog: CatalogService;
      clock: Clock;
      log: Logger;
      /** Overrides of LINGER_MS and HOLD_TURNS_MS (tests on a loaded machine). */
      timing?: { lingerMs?: number; holdTurnsMs?: number };
    },
  ) {}

  private get lingerMs(): number {
    return this.deps.timing?.lingerMs ?? LINGER_MS;
  }

  private get holdTurnsMs(): number {
    return this.deps.timing?.holdTurnsMs ?? HOLD_TURNS_MS;
  }

  /** Unreserved free seats of a license right now (fulfilment: `except` is the request itself). */
  async unreserved(
    tenantId: string,
    product: { productId: string; skuPartNumber: string },
    free: number,
    except?: string,
  ): Promise<number> {
    return free - (await this.reserved(tenantId, product, except));
  }

  /** Seats held by requests approved on free seats and not assigned yet. */
  private async reserved(tenantId: string, product: { productId: string; skuPartNumber: string }, except?: string): Promise<number> {
    // A hold ends when its seat is assigned: Graph counts it from then on (assigned under the license's lock).
    const holds = await this.deps.requests.seatHolds(tenantId, product.productId);
    return holds
      .filter((hold) => hold.requestId !== except && hold.skuPartNumber.toLowerCase() === product.skuPartNumber.toLowerCase())
      .reduce((n, hold) => n + hold.seats, 0);
  }

  /** Decides (and stores) one submission for this license in its turn; resolves with what commit returned. */
  decide<T>(tenantId: string, product: { productId: string; skuPartNumber: string }, decision: SeatDecision<T>): Promise<T> {
    const key = `${tenantId.toLowerCase()}|${product.skuPartNumber.toLowerCase()}`;
    return new Promise<T>((resolve, reject) => {
      const queue = this.queues.get(key);
      const waiting: Waiting = { decision, resolve: resolve as (value: unknown) => void, reject };
      if (queue) {
        queue.push(waiting);
        this.lingering.get(key)?.();
        return;
      }
      this.queues.set(key, [waiting]);
      void this.drain(key, tenantId, product);
    });
  }

  /**
   * Turns of the lock for one license until nobody waits. Free seats are read once per hold
   * of the lock; while this instance keeps holding it, each turn counts down from what the
   * last one left, since only holders of the lock add holds or assign seats (a hold that ends
   * meanwhile, say a cancelled request, only frees a seat: counting it still is the safe side).
   * The lock is released only once every hold promised under it is stored.
   */
  private async drain(key: string, tenantId: string, product: { productId: string; skuPartNumber: string }): Promise<void> {
    const lockKey = seatLockKey(product);
    let held: { etag: string; since: number; free: number } | undefined;
    let storing: Promise<unknown>[] = [];
    const letGo = async () => {
      await Promise.all(storing);
      storing = [];
      if (held) await this.deps.locks.release(tenantId, lockKey, held.etag).catch(() => undefined);
      held = undefined;
    };
    try {
      for (;;) {
        let batch = this.queues.get(key)!.splice(0);
        if (batch.length === 0 && held && Date.now() - held.since < this.holdTurnsMs) {
          // While holding, the next submissions are decided as they come: the count is this
          // holder's to keep, and the holds still being stored need only be stored before letting go.
          await this.nextArrival(key);
          batch = this.queues.get(key)!.splice(0);
        }
        if (batch.length === 0 && storing.length > 0) {
          // Submissions arriving while the last turns' holds are stored are decided under the same hold.
          await Promise.all(storing);
          storing = [];
          batch = this.queues.get(key)!.splice(0);
        }
        if (batch.length === 0) {
          this.queues.delete(key);
          return;
        }
        if (held && Date.now() - held.since > this.holdTurnsMs) await letGo();
        if (!held) {
          const etag = await this.acquire(tenantId, lockKey, `seat-decisions|${randomUUID()}`);
          if (etag) held = { etag, since: Date.now(), free: 0 };
          try {
            if (held) held.free = await this.freeSeats(tenantId, product);
          } catch (error) {
            for (const waiting of batch) waiting.reject(error);
            await letGo();
            continue;
          }
        }
        if (!held)
          this.deps.log.warn({ tenantId, sku: product.skuPartNumber }, 'seat decisions busy elsewhere; deciding as if no seat were free');
        const left = this.turn(batch, held?.free ?? 0);
        if (held) held.free = left.free;
        storing.push(...left.storing);
      }
    } finally {
      await letGo();
    }
  }

  /** Resolves when a submission for this license arrives, or after the linger. */
  private nextArrival(key: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(wake, this.lingerMs);
      function wake() {
        clearTimeout(timer);
        resolve();
      }
      this.lingering.set(key, wake);
    }).finally(() => this.lingering.delete(key));
  }

  /** Unreserved free seats, read from Graph and the hold rows (under the lock). */
  private async freeSeats(tenantId: string, product: { productId: string; skuPartNumber: string }): Promise<number> {
    // Both read under the lock, side by side: Graph's count and the holds do not depend on each other.
    const [seats, reserved] = await Promise.all([
      this.deps.catalog.seats(tenantId, product.skuPartNumber),
      this.reserved(tenantId, product),
    ]);
    return seats ? seats.free - reserved : 0;
  }

  /** Decides a batch in arrival order against `free`; returns what is left and the holds being stored. */
  private turn(batch: Waiting[], free: number): { free: number; storing: Promise<unknown>[] } {
    const storing: Promise<unknown>[] = [];
    for (const waiting of batch) {
      try {
        const reserves = waiting.decision.decide(free);
        if (reserves) free -= waiting.decision.quantity;
        let stored!: () => void;
        const holdWritten = new Promise<void>((resolve) => (stored = resolve));
        const committed = waiting.decision.commit(reserves, stored);
        committed.then(waiting.resolve, waiting.reject);
        // Only what holds seats must be stored before the lock is let go (others count the stored holds).
        if (reserves) storing.push(Promise.race([holdWritten, committed.catch(() => undefined)]));
      } catch (error) {
        waiting.reject(error);
      }
    }
    return { free, storing };
  }

  /**
   * Runs `work` holding the license's seat lock, the one decisions take turns under: fulfilment
   * counts free seats and assigns one as one step, so no other fulfilment or decision sees the
   * seat both taken in Graph and still reserved. Undefined when the lock stayed busy (the caller
   * then takes its ordinary path).
   */
  async underLicenseLock<T>(
    tenantId: string,
    product: { skuPartNumber: string },
    holder: string,
    work: () => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    const lockKey = seatLockKey(product);
    const lock = await this.acquire(tenantId, lockKey, `fulfilment|${holder}|${randomUUID()}`);
    if (!lock) return undefined;
    try {
      return { value: await work() };
    } finally {
      await this.deps.locks.release(tenantId, lockKey, lock).catch(() => undefined);
    }
  }

  /** The lock's etag, or undefined when it stayed busy for WAIT_MS. */
  private async acquire(tenantId: string, lockKey: string, holder: string): Promise<string | undefined> {
    const deadline = Date.now() + WAIT_MS;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const lock = await this.deps.locks.acquire(tenantId, lockKey, holder, LOCK_MS, this.deps.clock());
      if (lock.ok) return lock.etag;
      if (Date.now() + pause > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The lock seat decisions and seat-taking fulfilment share, per license. */
function seatLockKey(product: { skuPartNumber: string }): string {
  return `seats|${product.skuPartNumber.toLowerCase()}`;
}
