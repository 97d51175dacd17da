// A partner's profile (the display name its admins set with `partner`): one small document per
// partner tenant in the Settings table, row `partner-profile` of the partner's partition, shared
// by every instance. Absent until an admin saves the card; the configured name applies until then.
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

export interface StoredPartnerProfile {
  name: string;
  updatedBy: string;
  updatedAt: string;
}

const ROW = 'partner-profile';

export class PartnerProfileRepository extends DocumentRepository<StoredPartnerProfile> {
  constructor(store: TableStore) {
    super(store, 'Settings');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  async get(partnerTenantId: string): Promise<StoredPartnerProfile | undefined> {
    return (await this.getDocument(tenantPartition(partnerTenantId.toLowerCase()), ROW))?.value;
  }

  /** Replaces the partner's profile with an ETag check; returns what was stored before (undefined: never saved). */
  async save(partnerTenantId: string, profile: StoredPartnerProfile): Promise<StoredPartnerProfile | undefined> {
    let before: StoredPartnerProfile | undefined;
    await this.mutateDocument(
      tenantPartition(partnerTenantId.toLowerCase()),
      ROW,
      (current) => {
        before = current.updatedAt ? current : undefined;
        return profile;
      },
      { createFrom: {} as StoredPartnerProfile },
    );
    return before;
  }
}
