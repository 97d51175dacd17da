// A partner's customer tenants: which Teams tenant is which Partner Center customer. The rows
// live in the partner's partition (`{partnerTenantId}|partner-customers`, one row per customer
// tenant), so the partner lists its customers and a customer tenant's own partitions never name
// a partner (DESIGN.md, tenancy). Kept in the Settings table: one small document per customer.
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

export interface PartnerCustomerLink {
  /** The customer's Teams (Entra) tenant. */
  customerTenantId: string;
  /** The Partner Center customer it is linked to (the customer's Microsoft ID). */
  pcCustomerId: string;
  companyName: string;
  domain: string;
  /** The indirect reseller the customer buys through, as Partner Center says. */
  resellerId?: string;
  linkedBy: string;
  linkedAt: string;
}

export class PartnerCustomerRepository extends DocumentRepository<PartnerCustomerLink> {
  constructor(store: TableStore) {
    super(store, 'Settings');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  async get(partnerTenantId: string, customerTenantId: string): Promise<PartnerCustomerLink | undefined> {
    return (await this.getDocument(partition(partnerTenantId), customerTenantId.toLowerCase()))?.value;
  }

  /** Every customer tenant linked to the partner. */
  async list(partnerTenantId: string): Promise<PartnerCustomerLink[]> {
    const links: PartnerCustomerLink[] = [];
    for await (const stored of this.partitionDocuments(partition(partnerTenantId))) links.push(stored.value);
    return links;
  }

  /** Links (or re-links) a customer tenant; returns what was there before. */
  async link(partnerTenantId: string, link: PartnerCustomerLink): Promise<PartnerCustomerLink | undefined> {
    let before: PartnerCustomerLink | undefined;
    await this.mutateDocument(
      partition(partnerTenantId),
      link.customerTenantId.toLowerCase(),
      (current) => {
        before = current.customerTenantId ? current : undefined;
        return link;
      },
      { createFrom: {} as PartnerCustomerLink },
    );
    return before;
  }

  /** Removes the link (nothing when there is none). */
  async unlink(partnerTenantId: string, customerTenantId: string): Promise<void> {
    await this.deleteRow(partition(partnerTenantId), customerTenantId.toLowerCase());
  }
}

const partition = (partnerTenantId: string) => tenantPartition(partnerTenantId.toLowerCase(), 'partner-customers');
