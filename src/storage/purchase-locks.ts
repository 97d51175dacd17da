// One purchase at a time per subscription. Partner Center sets a seat count (absolute), so
// two requests that each read the count and add their seats would overwrite each other.
// The lock row also says what its holder was about to do (from which count to which), so
// whoever takes over a lock whose holder died can tell whether that change landed.
import { ConcurrencyError } from './errors.js';
import { tenantPartition } from './keys.js';
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

type LockEntity = { Holder: string; ExpiresAt: string; Base: number; Target: number };

export interface PurchaseIntent {
  /** The request that held the lock. */
  holder: string;
  /** Seat count it read, and the count it was setting (-1: not decided yet). */
  base: number;
  target: number;
}

export type LockResult = { ok: true; etag: string; previous?: PurchaseIntent } | { ok: false };

export class PurchaseLocks extends TableRepository<LockEntity> {
  constructor(store: TableStore) {
    super(store, 'Leases');
  }

  /**
   * Takes the lock for `requestId`: free, already its own (a retry), or expired (its holder
   * died; `previous` then says what that holder was doing). Otherwise { ok: false }: wait.
   */
  async acquire(tenantId: string, subscriptionId: string, requestId: string, ttlMs: number, now = this.store.clock()): Promise<LockResult> {
    const partition = tenantPartition(tenantId, 'purchase-locks');
    const row: LockEntity = { Holder: requestId, ExpiresAt: new Date(now.getTime() + ttlMs).toISOString(), Base: -1, Target: -1 };
    try {
      return { ok: true, etag: await this.createRow(partition, subscriptionId, row) };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    const current = await this.getRow(partition, subscriptionId);
    if (!current) return { ok: false };
    const mine = current.value.Holder === requestId;
    if (!mine && Date.parse(current.value.ExpiresAt) > now.getTime()) return { ok: false };
    const previous: PurchaseIntent = { holder: current.value.Holder, base: current.value.Base, target: current.value.Target };
    try {
      // A retry keeps its own intent; a takeover starts afresh.
      const etag = await this.replaceRow(
        partition,
        subscriptionId,
        mine ? { ...current.value, ExpiresAt: row.ExpiresAt } : row,
        current.etag,
      );
      return { ok: true, etag, previous };
    } catch (error) {
      if (error instanceof ConcurrencyError) return { ok: false };
      throw error;
    }
  }

  /** Writes down the change about to be made, before making it. */
  async declare(
    tenantId: string,
    subscriptionId: string,
    requestId: string,
    etag: string,
    base: number,
    target: number,
    ttlMs: number,
    now = this.store.clock(),
  ): Promise<string> {
    return this.replaceRow(
      tenantPartition(tenantId, 'purchase-locks'),
      subscriptionId,
      { Holder: requestId, ExpiresAt: new Date(now.getTime() + ttlMs).toISOString(), Base: base, Target: target },
      etag,
    );
  }

  async release(tenantId: string, subscriptionId: string, etag: string): Promise<void> {
    await this.deleteRow(tenantPartition(tenantId, 'purchase-locks'), subscriptionId, etag).catch((error: unknown) => {
      if (!(error instanceof ConcurrencyError)) throw error; // taken over meanwhile: theirs now
    });
  }
}
