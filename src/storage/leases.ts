// Table leases: a scheduled job runs a window only if this instance holds the lease for
// it. Taking one is an insert (409 = someone else has it) or, when the holder's lease
// has run out (it crashed), an ETag-checked takeover — so exactly one instance wins.
import { ConcurrencyError } from './errors.js';
import { encodeKey } from './keys.js';
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

type LeaseEntity = { Holder: string; ExpiresAt: string; Done: boolean };

export class Leases extends TableRepository<LeaseEntity> {
  constructor(
    store: TableStore,
    private readonly holder: string,
  ) {
    super(store, 'Leases');
  }

  /**
   * Takes the lease on (job, window) for `ttlMs`. True when this instance now holds it;
   * false when another holds it, or the window was already completed.
   */
  async acquire(job: string, window: string, ttlMs: number, now = this.store.clock()): Promise<boolean> {
    const partition = `lease|${encodeKey(job)}`;
    const lease = { Holder: this.holder, ExpiresAt: new Date(now.getTime() + ttlMs).toISOString(), Done: false };
    try {
      await this.createRow(partition, window, lease);
      return true;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
    const current = await this.getRow(partition, window);
    if (!current || current.value.Done || Date.parse(current.value.ExpiresAt) > now.getTime()) return false;
    try {
      await this.replaceRow(partition, window, lease, current.etag);
      return true;
    } catch (error) {
      if (error instanceof ConcurrencyError) return false;
      throw error;
    }
  }

  /**
   * Gives a lease this instance holds back before it runs out (a mutex rather than a
   * once-per-window lease): it expires now, so the next acquire takes it over at once.
   */
  async release(job: string, window: string, now = this.store.clock()): Promise<void> {
    const partition = `lease|${encodeKey(job)}`;
    const current = await this.getRow(partition, window);
    if (!current || current.value.Holder !== this.holder || current.value.Done) return;
    await this.replaceRow(partition, window, { ...current.value, ExpiresAt: now.toISOString() }, current.etag).catch((error: unknown) => {
      if (!(error instanceof ConcurrencyError)) throw error; // taken over meanwhile: theirs now
    });
  }

  /** Marks the window done, so no instance runs it again. */
  async complete(job: string, window: string): Promise<void> {
    const partition = `lease|${encodeKey(job)}`;
    const current = await this.getRow(partition, window);
    if (current && current.value.Holder === this.holder) {
      await this.replaceRow(partition, window, { ...current.value, Done: true }, current.etag);
    }
  }
}
