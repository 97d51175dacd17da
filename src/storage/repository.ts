// Base for table repositories: typed entities, tenant-first partition keys, ETag-checked
// updates and paging. Subclasses expose domain methods and never leak keys or ETags
// beyond the opaque `etag` they hand back for a later conditional update.
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { ConcurrencyError, guard, statusOf, TransactionRefused } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { decodeKey, encodeKey } from './keys.js';
import type { TableName, TableStore } from './table-store.js';

export type EntityValue = string | number | boolean | null;
export type EntityShape = Record<string, EntityValue>;

export interface Stored<T> {
  rowKey: string;
  value: T;
  etag: string;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last page. */
  continuationToken?: string;
}

/** One change inside a transaction (see `transact`). */
export type RowAction =
  | { kind: 'create'; rowKey: string; value: EntityShape }
  | { kind: 'replace'; rowKey: string; value: EntityShape; etag: string }
  | { kind: 'delete'; rowKey: string };

export interface PageOptions {
  pageSize?: number;
  continuationToken?: string;
}

/** Properties to read, when a reader needs only some (the row key always comes too). */
export type Selection<T> = readonly (keyof T & string)[];

/** Builds an OData filter with every value escaped: `filter\`Status eq ${status}\``. */
export const filter = odata;

/** The service names the failing action of a transaction first in its message: "1:The specified entity already exists." */
function failedActionOf(error: unknown): number | undefined {
  const index = /^(\d+):/.exec(error instanceof Error ? error.message : '')?.[1];
  return index === undefined ? undefined : Number(index);
}

const SYSTEM_PROPERTIES = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.etag', 'odata.metadata']);

export abstract class TableRepository<T extends EntityShape> {
  /** Transactions and appends, group-committed per partition (group-commit.ts). Results are ETags. */
  private readonly writes = new GroupCommit<TransactionAction, string>(
    (_partitionKey, actions) => this.submit(actions),
    (action) => JSON.stringify(action[1]).length,
    failedActionOf,
  );

  constructor(
    protected readonly store: TableStore,
    private readonly tableName: TableName,
  ) {}

  protected client(): Promise<TableClient> {
    return this.store.table(this.tableName);
  }

  protected async getRow(partitionKey: string, rowKey: string): Promise<Stored<T> | undefined> {
    const table = await this.client();
    return guard(async () => {
      try {
        return this.toStored(await table.getEntity<T>(partitionKey, encodeKey(rowKey)));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    });
  }

  /** Creates the entity; ConcurrencyError when it already exists. Returns the new ETag. */
  protected async createRow(partitionKey: string, rowKey: string, value: T): Promise<string> {
    const table = await this.client();
    return guard(async () => {
      try {
        const result = await table.createEntity({ ...value, partitionKey, rowKey: encodeKey(rowKey) });
        return result.etag ?? '';
      } catch (error) {
        if (statusOf(error) === 409) throw new ConcurrencyError(`${this.tableName} entity already exists`);
        throw error;
      }
    });
  }

  /**
   * Inserts a row whose key is unique by construction (a log entry), possibly in one
   * transaction with other writes to the partition. Resolves once this row is stored.
   */
  protected async appendRow(partitionKey: string, rowKey: string, value: T): Promise<void> {
    try {
      await this.writes.add(partitionKey, [['create', { ...value, partitionKey, rowKey: encodeKey(rowKey) }]]);
    } catch (error) {
      if (statusOf(error) === 409) throw new ConcurrencyError(`${this.tableName} entity already exists`);
      throw error;
    }
  }

  /** One transaction (a lone create or upsert: a plain insert or upsert, which costs less); one ETag per action. */
  private async submit(actions: TransactionAction[]): Promise<string[]> {
    const table = await this.client();
    return guard(async () => {
      const [only] = actions;
      if (actions.length === 1 && only?.[0] === 'create') return [(await table.createEntity(only[1])).etag ?? ''];
      if (actions.length === 1 && only?.[0] === 'upsert') return [(await table.upsertEntity(only[1], 'Replace')).etag ?? ''];
      const result = await table.submitTransaction(actions);
      return actions.map((_, i) => result.subResponses[i]?.etag ?? '');
    });
  }

  /** Creates or replaces the entity unconditionally. Returns the new ETag. */
  protected async putRow(partitionKey: string, rowKey: string, value: T): Promise<string> {
    const table = await this.client();
    const result = await guard(() => table.upsertEntity({ ...value, partitionKey, rowKey: encodeKey(rowKey) }, 'Replace'));
    return result.etag ?? '';
  }

  /**
   * Creates or replaces the entity unconditionally, possibly in one transaction with other
   * writes to the partition (group commit): for rows many turns write at once. Returns the new ETag.
   */
  protected async putRowGrouped(partitionKey: string, rowKey: string, value: T): Promise<string> {
    const [etag] = await this.writes.add(partitionKey, [['upsert', { ...value, partitionKey, rowKey: encodeKey(rowKey) }, 'Replace']]);
    return etag ?? '';
  }

  /** Replaces the entity only if nobody changed it since `etag`; ConcurrencyError otherwise. */
  protected async replaceRow(partitionKey: string, rowKey: string, value: T, etag: string): Promise<string> {
    const table = await this.client();
    return guard(async () => {
      try {
        const result = await table.updateEntity({ ...value, partitionKey, rowKey: encodeKey(rowKey) }, 'Replace', { etag });
        return result.etag ?? '';
      } catch (error) {
        const status = statusOf(error);
        if (status === 412 || status === 404) throw new ConcurrencyError(`${this.tableName} entity changed since it was read`);
        throw error;
      }
    });
  }

  /**
   * Several changes to one partition, all or none (an entity group transaction, at most 100
   * actions). Returns each action's new ETag ('' for a delete); TransactionRefused when the
   * service refuses one of them, and then nothing was written.
   */
  protected async transact(partitionKey: string, actions: readonly RowAction[]): Promise<string[]> {
    const batch: TransactionAction[] = actions.map((action) => {
      const keys = { partitionKey, rowKey: encodeKey(action.rowKey) };
      if (action.kind === 'create') return ['create', { ...action.value, ...keys }];
      if (action.kind === 'replace') return ['update', { ...action.value, ...keys }, 'Replace', { etag: action.etag }];
      // Unconditional: a row that is part of the same all-or-none change (the ETag check is on its partner).
      return ['delete', keys];
    });
    try {
      return await this.writes.add(partitionKey, batch);
    } catch (error) {
      const status = statusOf(error);
      // A lone create went as a plain insert, whose message names no action: it was action 0.
      const failed = failedActionOf(error) ?? (actions.length === 1 ? 0 : undefined);
      if (status === 409 || status === 412 || status === 404) throw new TransactionRefused(status, failed);
      throw error;
    }
  }

  /** Deletes the entity (only if unchanged, when `etag` is given); deleting nothing is fine. */
  protected async deleteRow(partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    const table = await this.client();
    await guard(async () => {
      try {
        await table.deleteEntity(partitionKey, encodeKey(rowKey), etag ? { etag } : {});
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return;
        if (status === 412) throw new ConcurrencyError(`${this.tableName} entity changed since it was read`);
        throw error;
      }
    });
  }

  /** One page of a partition, in RowKey order; `where` (from `filter`) narrows it further. */
  protected async pageRows(
    partitionKey: string,
    options: PageOptions = {},
    where?: string,
    select?: Selection<T>,
  ): Promise<Page<Stored<T>>> {
    const table = await this.client();
    const pageSize = Math.min(Math.max(options.pageSize ?? 50, 1), 1000);
    const inPartition = odata`PartitionKey eq ${partitionKey}`;
    return guard(async () => {
      const matching = where ? `${inPartition} and (${where})` : inPartition;
      const pages = table
        .listEntities<T>({ queryOptions: { filter: matching, ...(select && { select: ['RowKey', ...select] }) } })
        .byPage({ maxPageSize: pageSize, ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}) });
      const first = await pages.next();
      if (first.done || !first.value) return { items: [] };
      const page = first.value;
      return {
        items: page.map((entity) => this.toStored(entity)),
        ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
      };
    });
  }

  /** Every row of a partition (narrowed by `where`, with only the `select`ed properties), page after page. */
  protected async *partitionRows(partitionKey: string, where?: string, select?: Selection<T>): AsyncIterable<Stored<T>> {
    let continuationToken: string | undefined;
    do {
      const page = await this.pageRows(
        partitionKey,
        { pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) },
        where,
        select,
      );
      yield* page.items;
      continuationToken = page.continuationToken;
    } while (continuationToken);
  }

  /** Every row matching `where`, across partitions (for jobs; keep the filter selective). */
  protected async *queryRows(where: string): AsyncIterable<Stored<T> & { partitionKey: string }> {
    const table = await this.client();
    const rows = table.listEntities<T>({ queryOptions: { filter: where } });
    const iterator = rows[Symbol.asyncIterator]();
    for (;;) {
      const next = await guard(() => iterator.next());
      if (next.done) return;
      yield { ...this.toStored(next.value), partitionKey: next.value.partitionKey ?? '' };
    }
  }

  private toStored(entity: TableEntityResult<T>): Stored<T> {
    const value: EntityShape = {};
    for (const [name, property] of Object.entries(entity)) {
      if (!SYSTEM_PROPERTIES.has(name)) value[name] = property as EntityValue;
    }
    return { rowKey: decodeKey(entity.rowKey ?? ''), value: value as T, etag: entity.etag };
  }
}
