// Per-tenant settings an admin changes from chat (e.g. the approvals channel).
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

export interface TenantSettings {
  /** Conversation id of the channel where every approval card is also posted. */
  approvalsChannelId?: string;
  approvalsChannelName?: string;
  /** Reclaim: days without sign-in after which a license is suggested for removal (default 90). */
  reclaimInactiveDays?: number;
  /** Spend: conversation id of the channel set with `alerts here` (budget and anomaly alerts). */
  alertChannelId?: string;
  alertChannelName?: string;
  /** Every channel set with `alerts here`, newest first (at most 20): the channels a budget can post to. */
  alertChannels?: { id: string; name: string }[];
  /** Partner Center SKUs an admin mapped to a Graph license (the `catalog` card), beside Microsoft's reference. */
  skuOverrides?: { productSku: string; skuPartNumber: string }[];
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
  async update(
    tenantId: string,
    change: (current: TenantSettings) => TenantSettings,
  ): Promise<{ before: TenantSettings; after: TenantSettings }> {
    let before: TenantSettings = {};
    const result = await this.mutateDocument(
      tenantPartition(tenantId),
      'settings',
      (current) => {
        before = current;
        return change(current);
      },
      { createFrom: {} },
    );
    return { before, after: result!.value };
  }
}
