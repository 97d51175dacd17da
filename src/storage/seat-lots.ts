// Seats Quartermaster bought, per subscription, with when: Partner Center reports which refund
// windows are open but not how many seats each covers, so this record supplies the sizes.
// One document per subscription in the tenant's partition.
import type { SeatLot } from '../domain/commitment.js';
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

interface RecordedLot extends SeatLot {
  /** The request that bought it: a retry of the same request records it once. */
  source: string;
}

interface SeatLotsDocument {
  lots: RecordedLot[];
}

/** Lots older than this can never be removable again (7-day window), so they are dropped. */
const KEEP_MS = 30 * 24 * 60 * 60 * 1000;

export class SeatLotRepository extends DocumentRepository<SeatLotsDocument> {
  constructor(store: TableStore) {
    super(store, 'SeatLots');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  async list(tenantId: string, subscriptionId: string): Promise<SeatLot[]> {
    const lots = (await this.getDocument(tenantPartition(tenantId, 'seat-lots'), subscriptionId.toLowerCase()))?.value.lots ?? [];
    return lots.map(({ quantity, purchasedAt }) => ({ quantity, purchasedAt }));
  }

  /** Every subscription's lots in the tenant (keyed by lower-case id), in one partition query (for lists). */
  async listAll(tenantId: string): Promise<Map<string, SeatLot[]>> {
    const bySubscription = new Map<string, SeatLot[]>();
    for await (const stored of this.partitionRows(tenantPartition(tenantId, 'seat-lots')))
      bySubscription.set(
        stored.rowKey,
        this.fromStored(stored).value.lots.map(({ quantity, purchasedAt }) => ({ quantity, purchasedAt })),
      );
    return bySubscription;
  }

  /** Records seats bought at `purchasedAt` by `source` (a request id); once per source. */
  async add(tenantId: string, subscriptionId: string, lot: SeatLot, source: string, now = this.store.clock()): Promise<void> {
    await this.mutateDocument(
      tenantPartition(tenantId, 'seat-lots'),
      subscriptionId.toLowerCase(),
      (current) => {
        if (current.lots.some((l) => l.source === source)) return undefined;
        const recent = current.lots.filter((l) => now.getTime() - Date.parse(l.purchasedAt) < KEEP_MS);
        return { lots: [...recent, { quantity: lot.quantity, purchasedAt: lot.purchasedAt, source }] };
      },
      { createFrom: { lots: [] } },
    );
  }
}
