// A partner's indirect resellers and what each customer is sold at: both live in the partner's
// partitions (`{partner}|partner-resellers`, one row per reseller tenant; `{partner}|customer-pricing`,
// one row per customer tenant with its reseller and margin), so a partner lists its own and a
// customer's partitions never name a reseller or a margin (DESIGN.md, tenancy). Settings table.
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

export interface PartnerReseller {
  /** The reseller's own tenant (its id in Partner Center's relationships). */
  resellerTenantId: string;
  displayName: string;
  domain: string;
  /** Margin on cost for its customers, an exact decimal percent ("12.5"); absent: none. */
  marginPercent?: string;
  addedBy: string;
  addedAt: string;
}

export interface CustomerPricing {
  customerTenantId: string;
  /** The reseller the customer is assigned to (confirmed by a partner admin). */
  resellerTenantId?: string;
  /** The customer's own margin, overriding its reseller's. */
  marginPercent?: string;
  updatedBy: string;
  updatedAt: string;
}

/** One small document per row, in a partition of the partner. */
abstract class PartnerDocuments<T extends object> extends DocumentRepository<T> {
  constructor(
    store: TableStore,
    private readonly kind: string,
  ) {
    super(store, 'Settings');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  protected partition(partnerTenantId: string): string {
    return tenantPartition(partnerTenantId.toLowerCase(), this.kind);
  }

  async get(partnerTenantId: string, id: string): Promise<T | undefined> {
    return (await this.getDocument(this.partition(partnerTenantId), id.toLowerCase()))?.value;
  }

  async list(partnerTenantId: string): Promise<T[]> {
    const rows: T[] = [];
    for await (const stored of this.partitionDocuments(this.partition(partnerTenantId))) rows.push(stored.value);
    return rows;
  }

  /** Read-modify-write with the ETag; returns the row before and after (before undefined when new). */
  async change(partnerTenantId: string, id: string, next: (current: T | undefined) => T): Promise<{ before?: T; after: T }> {
    let before: T | undefined;
    let after: T | undefined;
    await this.mutateDocument(
      this.partition(partnerTenantId),
      id.toLowerCase(),
      (current) => {
        before = Object.keys(current).length > 0 ? current : undefined;
        after = next(before);
        return after;
      },
      { createFrom: {} as T },
    );
    return { ...(before ? { before } : {}), after: after! };
  }
}

export class PartnerResellerRepository extends PartnerDocuments<PartnerReseller> {
  constructor(store: TableStore) {
    super(store, 'partner-resellers');
  }
}

export class CustomerPricingRepository extends PartnerDocuments<CustomerPricing> {
  constructor(store: TableStore) {
    super(store, 'customer-pricing');
  }
}
