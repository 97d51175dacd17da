// License requests: one JSON document per request in the tenant's partition, with the
// columns the lists filter on. Every change is an ETag-checked read-modify-write, which
// is what makes double clicks and concurrent approvers produce exactly one decision.
import type { LicenseRequest, RequestStatus } from '../domain/request.js';
import type { VendorQuestion } from '../domain/marketplace.js';
import { DocumentRepository, type Versioned } from './documents.js';
import { tenantPartition } from './keys.js';
import { filter } from './repository.js';
import type { TableStore } from './table-store.js';

/** What fulfilment has done so far, so a retry after a crash continues instead of repeating. */
export interface FulfilmentProgress {
  /** Idempotency key sent to the commerce API (MS-RequestId); fixed per request. */
  commerceRequestId: string;
  subscriptionId?: string;
  /** The seat count the subscription is raised to, decided once. */
  targetQuantity?: number;
  orderId?: string;
  purchased?: boolean;
  assigned?: boolean;
  /** Marketplace: what the vendor asks for while the order is Querying (cleared once answered). */
  vendorQuestions?: VendorQuestion[];
  /** Marketplace: the order's last known status (Processing, Querying, …). */
  orderStatus?: string;
  /** Marketplace: the vendor the order went to (for cards). */
  vendor?: string;
  /** Marketplace: the PO number the order carried. */
  purchaseOrderNumber?: string;
}

export interface StoredRequest extends LicenseRequest {
  /** Reminder keys already sent (domain reminderKey), so each goes out once. */
  remindersSent?: string[];
  fulfilment?: FulfilmentProgress;
}

export class RequestRepository extends DocumentRepository<StoredRequest> {
  constructor(store: TableStore) {
    super(store, 'Requests');
  }

  protected indexColumns(request: StoredRequest) {
    return {
      Status: request.status,
      RequesterId: request.requester.aadObjectId.toLowerCase(),
      BeneficiaryId: request.beneficiary.id.toLowerCase(),
      ProductId: request.product.productId,
      SubscriptionId: request.change?.subscriptionId.toLowerCase() ?? '',
      CreatedAt: request.createdAt,
      UpdatedAt: request.updatedAt,
    };
  }

  async create(request: StoredRequest): Promise<void> {
    await this.createDocument(tenantPartition(request.tenantId, 'requests'), request.id, request);
  }

  async get(tenantId: string, id: string): Promise<Versioned<StoredRequest> | undefined> {
    return this.getDocument(tenantPartition(tenantId, 'requests'), id);
  }

  /** ETag-checked change; `change` returns undefined to leave the request as it is. */
  async mutate(tenantId: string, id: string, change: (current: StoredRequest) => StoredRequest | undefined): Promise<Versioned<StoredRequest> | undefined> {
    return this.mutateDocument(tenantPartition(tenantId, 'requests'), id, change);
  }

  async byRequester(tenantId: string, requesterId: string, limit = 20): Promise<StoredRequest[]> {
    return this.where(tenantId, filter`RequesterId eq ${requesterId.toLowerCase()}`, limit);
  }

  async openFor(tenantId: string, beneficiaryId: string, productId: string): Promise<StoredRequest[]> {
    const open = await this.where(tenantId, filter`BeneficiaryId eq ${beneficiaryId.toLowerCase()} and ProductId eq ${productId} and (Status eq 'pending' or Status eq 'approved' or Status eq 'fulfilling')`);
    return open.filter((request) => !request.change); // an admin's subscription change is not a license for them
  }

  /** Open changes (pending, approved or being applied) to one subscription. */
  async openChangesFor(tenantId: string, subscriptionId: string): Promise<StoredRequest[]> {
    return this.where(tenantId, filter`SubscriptionId eq ${subscriptionId.toLowerCase()} and (Status eq 'pending' or Status eq 'approved' or Status eq 'fulfilling')`);
  }

  async withStatus(tenantId: string, status: RequestStatus): Promise<StoredRequest[]> {
    return this.where(tenantId, filter`Status eq ${status}`, 1000);
  }

  /** Requests in `status` across all tenants (jobs). */
  async *allWithStatus(status: RequestStatus): AsyncIterable<Versioned<StoredRequest>> {
    for await (const row of this.queryRows(filter`Status eq ${status}`)) yield this.fromStored(row);
  }

  /** Newest first; at most `limit`. A filtered query can return short pages, so follow them. */
  private async where(tenantId: string, where: string, limit = 100): Promise<StoredRequest[]> {
    const found: StoredRequest[] = [];
    let token: string | undefined;
    do {
      const page = await this.pageDocuments(tenantPartition(tenantId, 'requests'), { pageSize: 1000, ...(token ? { continuationToken: token } : {}) }, where);
      found.push(...page.items.map((i) => i.value));
      token = page.continuationToken;
    } while (token && found.length < 5000);
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }
}
