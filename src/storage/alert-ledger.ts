// What the alert jobs remember between runs, in the Alerts table:
// - the ledger: one row per alert ever sent, keyed by what makes it unique (e.g. a
//   subscription and its renewal date). Claiming is an insert, so with restarts, reruns and
//   any number of instances exactly one claim wins and the alert goes out once;
// - the last seat state of each SKU per tenant, changed only with its ETag, so two instances
//   never both announce the same change;
// - short locks for admin actions that must not run twice at once (a double-clicked button).
// Only this file knows the keys.
import type { SeatState } from '../domain/seat-alerts.js';
import { DocumentRepository } from './documents.js';
import { ConcurrencyError } from './errors.js';
import { tenantPartition } from './keys.js';
import { filter, TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

type LedgerEntity = { Kind: string; Details: string; SentAt: string };

export class AlertLedger extends TableRepository<LedgerEntity> {
  constructor(store: TableStore) {
    super(store, 'Alerts');
  }

  /**
   * Records that the alert `kind`/`key` is being sent. True for the one caller that recorded it;
   * false when it was recorded before (by this or any other instance).
   */
  async claim(
    tenantId: string,
    kind: string,
    key: string,
    details: Record<string, unknown> = {},
    now = this.store.clock(),
  ): Promise<boolean> {
    try {
      await this.createRow(ledgerPartition(tenantId), `${kind}|${key}`, {
        Kind: kind,
        Details: JSON.stringify(details),
        SentAt: now.toISOString(),
      });
      return true;
    } catch (error) {
      if (error instanceof ConcurrencyError) return false;
      throw error;
    }
  }

  /** Forgets a claim whose alert reached nobody, so a later run tries again. */
  async release(tenantId: string, kind: string, key: string): Promise<void> {
    await this.deleteRow(ledgerPartition(tenantId), `${kind}|${key}`);
  }

  async wasSent(tenantId: string, kind: string, key: string): Promise<boolean> {
    return (await this.getRow(ledgerPartition(tenantId), `${kind}|${key}`)) !== undefined;
  }

  /** How many alerts (of any kind) the tenant was sent since `since` (a partner's `customers` card). */
  sentSince(tenantId: string, since: Date): Promise<number> {
    // SentAt is an ISO timestamp, so the string comparison is the time order.
    return this.countWhere(tenantId, filter`SentAt ge ${since.toISOString()}`);
  }

  /** How many alerts of `kind` the tenant was ever sent (for tests and diagnostics). */
  count(tenantId: string, kind: string): Promise<number> {
    return this.countWhere(tenantId, filter`Kind eq ${kind}`);
  }

  /** The tenant's ledger rows matching `where`, counted by the table service's filter (row keys only read). */
  private async countWhere(tenantId: string, where: string): Promise<number> {
    let count = 0;
    for await (const _row of this.partitionRows(ledgerPartition(tenantId), where, [])) count++;
    return count;
  }
}

interface SeatStatesDocument {
  states: Record<string, SeatState>;
  updatedAt: string;
}

export class SeatStates extends DocumentRepository<SeatStatesDocument> {
  constructor(store: TableStore) {
    super(store, 'Alerts');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  /** The states remembered for the tenant's SKUs (empty before the first run). */
  async get(tenantId: string): Promise<Record<string, SeatState>> {
    return (await this.getDocument(seatStatesPartition(tenantId), 'current'))?.value.states ?? {};
  }

  /**
   * Replaces the remembered states with what `decide` returns, ETag-checked: when another
   * instance wrote in between, `decide` runs again on what it wrote. Returns the `result` of
   * the attempt that was stored, or undefined when `decide` left the states alone.
   */
  async change<R>(
    tenantId: string,
    decide: (previous: Record<string, SeatState>) => { states: Record<string, SeatState>; result: R } | undefined,
    now = this.store.clock(),
  ): Promise<R | undefined> {
    let result: R | undefined;
    await this.mutateDocument(
      seatStatesPartition(tenantId),
      'current',
      (current) => {
        result = undefined; // decided afresh on every attempt
        const decision = decide(current.states);
        if (!decision) return undefined;
        result = decision.result;
        return { states: decision.states, updatedAt: now.toISOString() };
      },
      { createFrom: { states: {}, updatedAt: now.toISOString() }, attempts: 10 },
    );
    return result;
  }
}

type LockEntity = { Holder: string; ExpiresAt: string };

export class ActionLocks extends TableRepository<LockEntity> {
  constructor(store: TableStore) {
    super(store, 'Alerts');
  }

  /**
   * Takes the lock `key` for `ttlMs` (an insert, or an ETag-checked takeover of an expired
   * one). True when `holder` now has it.
   */
  async acquire(tenantId: string, key: string, holder: string, ttlMs: number, now = this.store.clock()): Promise<boolean> {
    const lock = { Holder: holder, ExpiresAt: new Date(now.getTime() + ttlMs).toISOString() };
    try {
      await this.createRow(locksPartition(tenantId), key, lock);
      return true;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    const current = await this.getRow(locksPartition(tenantId), key);
    if (current && Date.parse(current.value.ExpiresAt) > now.getTime()) return false;
    try {
      if (current) await this.replaceRow(locksPartition(tenantId), key, lock, current.etag);
      else await this.createRow(locksPartition(tenantId), key, lock);
      return true;
    } catch (error) {
      if (error instanceof ConcurrencyError) return false;
      throw error;
    }
  }

  /** Lets go of a lock this holder took (someone else's newer lock stays). */
  async release(tenantId: string, key: string, holder: string): Promise<void> {
    const current = await this.getRow(locksPartition(tenantId), key);
    if (current?.value.Holder !== holder) return;
    await this.deleteRow(locksPartition(tenantId), key, current.etag).catch((error: unknown) => {
      if (!(error instanceof ConcurrencyError)) throw error;
    });
  }
}

const ledgerPartition = (tenantId: string) => tenantPartition(tenantId, 'alerts-sent');
const seatStatesPartition = (tenantId: string) => tenantPartition(tenantId, 'seat-states');
const locksPartition = (tenantId: string) => tenantPartition(tenantId, 'locks');
