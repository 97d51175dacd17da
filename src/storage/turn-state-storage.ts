// The botbuilder/teams-ai `Storage` contract on Azure Tables. Keys look like
// "<tenantId>/<scope>/<id>" (see bot/turn-state.ts): the tenant becomes the partition,
// the rest the row. Each item is stored as JSON; ETags give optimistic concurrency.
import type { Storage, StoreItems } from 'botbuilder';
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';
import { tenantPartition } from './keys.js';

type StateEntity = { Json: string };

// A string property holds at most 64 KiB (32K UTF-16 characters).
const MAX_JSON_CHARS = 32_000;
/**
 * Items read or written lately are remembered for a short while: most turns read state and
 * change none of it, and two table reads per turn were most of a simple turn's cost. Another
 * instance's newer write stays unseen here for at most REMEMBER_MS; writes stay ETag-checked,
 * so a stale copy is refused rather than written over newer state.
 */
const REMEMBERED_ITEMS = 5_000;
const REMEMBER_MS = 30_000;

export class TableTurnStateStorage extends TableRepository<StateEntity> implements Storage {
  /** json null: the item does not exist. */
  private readonly lastRead = new Map<string, { json: string | null; etag: string; at: number }>();

  constructor(store: TableStore) {
    super(store, 'State');
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    await Promise.all(
      keys.map(async (key) => {
        const { partitionKey, rowKey } = splitKey(key);
        const known = this.lastRead.get(key);
        if (known && Date.now() - known.at < REMEMBER_MS) {
          if (known.json !== null) items[key] = { ...JSON.parse(known.json), eTag: known.etag };
          return;
        }
        const stored = await this.getRow(partitionKey, rowKey);
        if (stored) items[key] = { ...JSON.parse(stored.value.Json), eTag: stored.etag };
        this.remember(key, stored ? stored.value.Json : null, stored?.etag ?? '');
      }),
    );
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await Promise.all(
      Object.entries(changes).map(async ([key, item]) => {
        const { partitionKey, rowKey } = splitKey(key);
        const { eTag, ...value } = (item ?? {}) as { eTag?: string };
        const json = JSON.stringify(value);
        if (json.length > MAX_JSON_CHARS) throw new RangeError(`State for "${key}" is too large to store (${json.length} characters)`);
        // Unchanged since this very read: nothing to write (the stored ETag stays valid).
        const read = this.lastRead.get(key);
        if (read && eTag && read.etag === eTag && read.json === json) return;
        const written = !eTag || eTag === '*' ? await this.putRow(partitionKey, rowKey, { Json: json }) : await this.replaceRow(partitionKey, rowKey, { Json: json }, eTag);
        this.remember(key, json, written);
      }),
    );
  }

  private remember(key: string, json: string | null, etag: string): void {
    this.lastRead.delete(key);
    this.lastRead.set(key, { json, etag, at: Date.now() });
    if (this.lastRead.size > REMEMBERED_ITEMS) this.lastRead.delete(this.lastRead.keys().next().value!);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.lastRead.delete(key);
    await Promise.all(
      keys.map((key) => {
        const { partitionKey, rowKey } = splitKey(key);
        return this.deleteRow(partitionKey, rowKey);
      }),
    );
  }
}

function splitKey(key: string): { partitionKey: string; rowKey: string } {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1) throw new RangeError(`State key "${key}" must look like "<tenantId>/<scope>/<id>"`);
  return { partitionKey: tenantPartition(key.slice(0, slash)), rowKey: key.slice(slash + 1) };
}
