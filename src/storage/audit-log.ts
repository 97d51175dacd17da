// Append-only audit log: who did what, when, with before/after. RowKeys sort newest
// first, so "recent activity" is the first page of the tenant's partition.
import { randomBytes } from 'node:crypto';
import { newestFirstRowKey, tenantPartition } from './keys.js';
import { TableRepository, type Page, type PageOptions } from './repository.js';
import type { TableStore } from './table-store.js';

export interface AuditEntry {
  tenantId: string;
  /** AAD object id (or Teams id when there is none) of whoever acted; "system" for jobs. */
  actorId: string;
  actorName?: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  correlationId?: string;
  at?: Date;
}

export interface AuditRecord extends Omit<AuditEntry, 'at'> {
  at: string;
}

type AuditEntity = {
  ActorId: string;
  ActorName: string;
  Action: string;
  Target: string;
  Before: string | null;
  After: string | null;
  CorrelationId: string;
  At: string;
};

export class AuditLog extends TableRepository<AuditEntity> {
  constructor(store: TableStore) {
    super(store, 'Audit');
  }

  async record(entry: AuditEntry): Promise<void> {
    const at = entry.at ?? this.store.clock();
    await this.appendRow(tenantPartition(entry.tenantId), newestFirstRowKey(at, randomBytes(6).toString('hex')), {
      ActorId: entry.actorId,
      ActorName: entry.actorName ?? '',
      Action: entry.action,
      Target: entry.target,
      Before: entry.before === undefined ? null : JSON.stringify(entry.before),
      After: entry.after === undefined ? null : JSON.stringify(entry.after),
      CorrelationId: entry.correlationId ?? '',
      At: at.toISOString(),
    });
  }

  /** Newest first. */
  async list(tenantId: string, options?: PageOptions): Promise<Page<AuditRecord>> {
    const page = await this.pageRows(tenantPartition(tenantId), options);
    return {
      ...page,
      items: page.items.map(({ value }) => ({
        tenantId,
        actorId: value.ActorId,
        ...(value.ActorName ? { actorName: value.ActorName } : {}),
        action: value.Action,
        target: value.Target,
        ...(value.Before !== null && value.Before !== undefined ? { before: JSON.parse(value.Before) } : {}),
        ...(value.After !== null && value.After !== undefined ? { after: JSON.parse(value.After) } : {}),
        ...(value.CorrelationId ? { correlationId: value.CorrelationId } : {}),
        at: value.At,
      })),
    };
  }
}
