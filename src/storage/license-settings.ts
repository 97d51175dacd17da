// A tenant's license settings (approval, auto-purchase, auto-decrease at renewal): one small
// document per tenant in the Settings table, row `license-settings` of the tenant's partition.
// Absent until an admin saves the card; readers apply the defaults (domain/license-settings).
import type { LicenseSettings } from '../domain/license-settings.js';
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

export interface StoredLicenseSettings extends LicenseSettings {
  updatedBy: string;
  updatedAt: string;
}

const ROW = 'license-settings';

export class LicenseSettingsRepository extends DocumentRepository<StoredLicenseSettings> {
  constructor(store: TableStore) {
    super(store, 'Settings');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  async get(tenantId: string): Promise<StoredLicenseSettings | undefined> {
    return (await this.getDocument(tenantPartition(tenantId.toLowerCase()), ROW))?.value;
  }

  /** Replaces the tenant's settings with an ETag check; returns what was stored before (undefined: never saved). */
  async save(tenantId: string, settings: StoredLicenseSettings): Promise<StoredLicenseSettings | undefined> {
    let before: StoredLicenseSettings | undefined;
    await this.mutateDocument(
      tenantPartition(tenantId.toLowerCase()),
      ROW,
      (current) => {
        before = current.updatedAt ? current : undefined;
        return settings;
      },
      { createFrom: {} as StoredLicenseSettings },
    );
    return before;
  }
}
