// Partner Center price sheets, cached per tenant, market and day (Partner Center publishes one
// a month and the download is large): chunks of rows in the Settings table, under
// tenant|price-sheet|<market>, RowKeys "<day>|<chunk>", and "<day>|complete" written last so a
// half-written day is never read. Older days are deleted when a new one is stored.
import { odata, type TransactionAction } from '@azure/data-tables';
import type { PriceSheetRow } from '../domain/catalog/price-sheet.js';
import { guard } from './errors.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

const ROWS_PER_CHUNK = 250; // ~120 characters a row: well inside a property's 64 KiB
const BATCH = 100; // entity group transactions take at most 100 operations

interface ChunkEntity {
  partitionKey: string;
  rowKey: string;
  Rows?: string;
  Chunks?: number;
  StoredAt?: string;
}

export class PriceSheetCache {
  constructor(private readonly store: TableStore) {}

  /** The rows stored for this day, or undefined when that day was not stored (completely). */
  async get(tenantId: string, market: string, day: string): Promise<PriceSheetRow[] | undefined> {
    const table = await this.store.table('Settings');
    const partitionKey = tenantPartition(tenantId, 'price-sheet', market.toUpperCase());
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${`${day}|`} and RowKey lt ${`${day}|~`}`;
    const entities: ChunkEntity[] = [];
    await guard(async () => {
      for await (const entity of table.listEntities<ChunkEntity>({ queryOptions: { filter } })) entities.push(entity);
    });
    const complete = entities.find((e) => e.rowKey === `${day}|complete`);
    if (!complete) return undefined;
    const chunks = entities.filter((e) => e.rowKey !== `${day}|complete`).sort((a, b) => a.rowKey.localeCompare(b.rowKey));
    if (chunks.length !== complete.Chunks) return undefined;
    return chunks.flatMap((c) => JSON.parse(c.Rows ?? '[]') as PriceSheetRow[]);
  }

  /** Stores the day's rows (replacing that day), then drops earlier days of the market. */
  async put(tenantId: string, market: string, day: string, rows: readonly PriceSheetRow[], storedAt: Date): Promise<void> {
    const table = await this.store.table('Settings');
    const partitionKey = tenantPartition(tenantId, 'price-sheet', market.toUpperCase());
    const chunks: ChunkEntity[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_CHUNK)
      chunks.push({
        partitionKey,
        rowKey: `${day}|${String(chunks.length).padStart(5, '0')}`,
        Rows: JSON.stringify(rows.slice(i, i + ROWS_PER_CHUNK)),
      });
    for (let i = 0; i < chunks.length; i += BATCH) {
      const actions: TransactionAction[] = chunks.slice(i, i + BATCH).map((c) => ['upsert', { ...c }, 'Replace'] as TransactionAction);
      await guard(() => table.submitTransaction(actions));
    }
    await guard(() =>
      table.upsertEntity({ partitionKey, rowKey: `${day}|complete`, Chunks: chunks.length, StoredAt: storedAt.toISOString() }, 'Replace'),
    );
    const old: TransactionAction[] = [];
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey lt ${`${day}|`}`;
    await guard(async () => {
      for await (const entity of table.listEntities<ChunkEntity>({ queryOptions: { filter, select: ['RowKey'] } }))
        old.push(['delete', { partitionKey, rowKey: entity.rowKey }]);
    });
    for (let i = 0; i < old.length; i += BATCH) await guard(() => table.submitTransaction(old.slice(i, i + BATCH)));
  }
}
