// Single-use `state` values for consent and sign-in redirects, in the ConsentStates table.
// A state is 32 random bytes handed to the browser; the table keeps only its SHA-256, so
// a dump of the table holds no usable state. Each is bound to the tenant and admin who
// asked and lives 10 minutes. Consuming marks the row used with its ETag, so of any
// number of concurrent callbacks exactly one succeeds; the used row stays until purged,
// so a replay is told "already used" rather than "unknown".
import { createHash, randomBytes } from 'node:crypto';
import { isWellFormedState } from '../domain/consent.js';
import { ConcurrencyError } from './errors.js';
import { filter, TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

export const CONSENT_STATE_TTL_MS = 10 * 60 * 1000;
/** Used and expired rows are kept this long after expiry so replays get a precise answer. */
const KEEP_AFTER_EXPIRY_MS = 24 * 60 * 60 * 1000;

export type ConsentPurpose = 'graph-admin-consent' | 'partner-center-sign-in';

export interface ConsentStateBinding {
  /** Teams tenant of the admin who asked. */
  tenantId: string;
  /** Entra object id of that admin. */
  adminObjectId: string;
  purpose: ConsentPurpose;
  /** What the callback needs besides the binding (e.g. a sealed PKCE verifier); opaque here. */
  payload?: string;
}

export interface IssuedState {
  /** The opaque value to put in the redirect URL. */
  state: string;
  expiresAt: Date;
}

export type ConsumeRefusal = 'unknown' | 'expired' | 'used';

export type ConsumeResult =
  | { ok: true; binding: ConsentStateBinding; issuedAt: Date }
  /** `binding` (when the state was ours) tells the caller whom to tell that it failed. */
  | { ok: false; reason: ConsumeRefusal; binding?: ConsentStateBinding };

type ConsentStateEntity = {
  TenantId: string;
  AdminObjectId: string;
  Purpose: string;
  IssuedAt: string;
  ExpiresAt: string;
  /** ISO time it was consumed; empty while unused. */
  UsedAt: string;
  Payload?: string;
};

export class ConsentStates extends TableRepository<ConsentStateEntity> {
  constructor(store: TableStore) {
    super(store, 'ConsentStates');
  }

  async issue(binding: ConsentStateBinding, now = this.store.clock()): Promise<IssuedState> {
    if (!binding.tenantId.trim() || !binding.adminObjectId.trim())
      throw new RangeError('A consent state needs the tenant and the admin who asked');
    const state = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + CONSENT_STATE_TTL_MS);
    const { partition, row } = keysOf(state);
    await this.createRow(partition, row, {
      TenantId: binding.tenantId,
      AdminObjectId: binding.adminObjectId.toLowerCase(),
      Purpose: binding.purpose,
      IssuedAt: now.toISOString(),
      ExpiresAt: expiresAt.toISOString(),
      UsedAt: '',
      ...(binding.payload ? { Payload: binding.payload } : {}),
    });
    return { state, expiresAt };
  }

  /** Adds what the callback will need (made only once the state existed, e.g. a URL's PKCE verifier). */
  async attachPayload(state: string, payload: string): Promise<void> {
    const { partition, row } = keysOf(state);
    const stored = await this.getRow(partition, row);
    if (!stored || stored.value.UsedAt) throw new RangeError('Only an unused state can take a payload');
    await this.replaceRow(partition, row, { ...stored.value, Payload: payload }, stored.etag);
  }

  /** Succeeds once for a state issued in the last 10 minutes; refuses with a reason otherwise. */
  async consume(state: string, now = this.store.clock()): Promise<ConsumeResult> {
    if (!isWellFormedState(state)) return { ok: false, reason: 'unknown' };
    const { partition, row } = keysOf(state);
    const stored = await this.getRow(partition, row);
    if (!stored) return { ok: false, reason: 'unknown' };
    const binding = bindingOf(stored.value);
    if (stored.value.UsedAt) return { ok: false, reason: 'used', binding };
    if (Date.parse(stored.value.ExpiresAt) <= now.getTime()) return { ok: false, reason: 'expired', binding };
    try {
      await this.replaceRow(partition, row, { ...stored.value, UsedAt: now.toISOString() }, stored.etag);
    } catch (error) {
      // Another callback with the same state got there first.
      if (error instanceof ConcurrencyError) return { ok: false, reason: 'used', binding };
      throw error;
    }
    return { ok: true, binding, issuedAt: new Date(stored.value.IssuedAt) };
  }

  /** Deletes rows that expired more than a day ago (for a daily job). Returns how many. */
  async purgeExpired(now = this.store.clock()): Promise<number> {
    const cutoff = new Date(now.getTime() - KEEP_AFTER_EXPIRY_MS).toISOString();
    let purged = 0;
    for await (const stale of this.queryRows(filter`ExpiresAt lt ${cutoff}`)) {
      try {
        await this.deleteRow(stale.partitionKey, stale.rowKey, stale.etag);
        purged++;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    return purged;
  }
}

/** The table never sees the state itself; the hash's first byte spreads rows over partitions. */
function keysOf(state: string): { partition: string; row: string } {
  const hash = createHash('sha256').update(state, 'utf8').digest('hex');
  return { partition: `consent-state|${hash.slice(0, 2)}`, row: hash };
}

function bindingOf(entity: ConsentStateEntity): ConsentStateBinding {
  return {
    tenantId: entity.TenantId,
    adminObjectId: entity.AdminObjectId,
    purpose: entity.Purpose as ConsentPurpose,
    ...(entity.Payload ? { payload: entity.Payload } : {}),
  };
}
