// Per-tenant settings an admin changes from chat (e.g. the approvals channel).
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

export interface TenantSettings {
  /** Conversation id of the channel where every approval card is also posted. */
  approvalsChannelId?: string;
  approvalsChannelName?: string;
  updatedBy?: string;
  updatedAt?: string;
}

export class SettingsRepository extends DocumentRepository<TenantSettings> {
  constructor(store: TableStore) {
    super(store, 'Settings');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  async get(tenantId: string): Promise<TenantSettings> {
    return (await this.getDocument(tenantPartition(tenantId), 'settings'))?.value ?? {};
  }

  /** Applies `change` to the current settings with an ETag check; returns before and after. */
  async update(tenantId: string, change: (current: TenantSettings) => TenantSettings): Promise<{ before: TenantSettings; after: TenantSettings }> {
    const partition = tenantPartition(tenantId);
    for (;;) {
      const current = await this.getDocument(partition, 'settings');
      const before = current?.value ?? {};
      const after = change(before);
      try {
        if (current) await this.replaceDocument(partition, 'settings', after, current.etag);
        else await this.createDocument(partition, 'settings', after);
        return { before, after };
      } catch (error) {
        if ((error as Error).name !== 'ConcurrencyError') throw error;
      }
    }
  }
}
