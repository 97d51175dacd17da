// Entities that are a JSON document plus a few index columns to filter on. The document
// is the truth; the columns are derived from it on every write so they never disagree.
import { ConcurrencyError } from './errors.js';
import { TableRepository, type EntityValue, type Page, type PageOptions, type Stored } from './repository.js';
import type { TableName, TableStore } from './table-store.js';

type DocumentEntity = Record<string, EntityValue> & { Data: string };

export interface Versioned<T> {
  value: T;
  etag: string;
}

// A string property holds at most 64 KiB (32K UTF-16 characters).
const MAX_DOCUMENT_CHARS = 32_000;

export abstract class DocumentRepository<T> extends TableRepository<DocumentEntity> {
  constructor(store: TableStore, table: TableName) {
    super(store, table);
  }

  /** Columns to store beside the document, for server-side filters. */
  protected abstract indexColumns(value: T): Record<string, EntityValue>;

  protected toEntity(value: T): DocumentEntity {
    const data = JSON.stringify(value);
    if (data.length > MAX_DOCUMENT_CHARS) throw new RangeError(`Document too large to store (${data.length} characters)`);
    return { ...this.indexColumns(value), Data: data };
  }

  protected fromStored(stored: Stored<DocumentEntity>): Versioned<T> {
    return { value: JSON.parse(stored.value.Data) as T, etag: stored.etag };
  }

  protected async getDocument(partitionKey: string, rowKey: string): Promise<Versioned<T> | undefined> {
    const stored = await this.getRow(partitionKey, rowKey);
    return stored && this.fromStored(stored);
  }

  protected createDocument(partitionKey: string, rowKey: string, value: T): Promise<string> {
    return this.createRow(partitionKey, rowKey, this.toEntity(value));
  }

  protected putDocument(partitionKey: string, rowKey: string, value: T): Promise<string> {
    return this.putRow(partitionKey, rowKey, this.toEntity(value));
  }

  protected replaceDocument(partitionKey: string, rowKey: string, value: T, etag: string): Promise<string> {
    return this.replaceRow(partitionKey, rowKey, this.toEntity(value), etag);
  }

  protected async pageDocuments(partitionKey: string, options?: PageOptions, where?: string): Promise<Page<Versioned<T>>> {
    const page = await this.pageRows(partitionKey, options, where);
    return { ...page, items: page.items.map((s) => this.fromStored(s)) };
  }

  /** Every document of a partition (narrowed by `where`), page after page. */
  protected async *partitionDocuments(partitionKey: string, where?: string): AsyncIterable<Versioned<T>> {
    for await (const stored of this.partitionRows(partitionKey, where)) yield this.fromStored(stored);
  }

  /**
   * Read-modify-write with the ETag, retried when someone else wrote in between.
   * `change` returns the new value, or undefined to leave the entity alone. With
   * `createFrom`, a missing entity starts from that value (created with an insert).
   */
  protected async mutateDocument(
    partitionKey: string,
    rowKey: string,
    change: (current: T) => T | undefined,
    options: { createFrom?: T; attempts?: number } = {},
  ): Promise<Versioned<T> | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.getDocument(partitionKey, rowKey);
      if (!current && options.createFrom === undefined) return undefined;
      const next = change(current?.value ?? options.createFrom!);
      if (next === undefined) return current;
      try {
        const etag = current
          ? await this.replaceDocument(partitionKey, rowKey, next, current.etag)
          : await this.createDocument(partitionKey, rowKey, next);
        return { value: next, etag };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= (options.attempts ?? 5)) throw error;
      }
    }
  }
}
