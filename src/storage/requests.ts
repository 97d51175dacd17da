// License requests: one JSON document per request in the tenant's partition, with the
// columns the lists filter on. Every change is an ETag-checked read-modify-write, which
// is what makes double clicks and concurrent approvers produce exactly one decision.
//
// "One open request per person and product" is a marker row beside the requests
// (RowKey open|<person>|<product>), written and removed in the same transaction as the
// request that opens or closes it: two submissions at once cannot both open one, and the
// check is a single insert instead of a scan of the tenant's requests.
//
// Seats an automatic approval counts on are held the same way: a row per holding request
// (RowKey hold|<product>|<request>), written and removed with the request, so counting the
// reserved seats of a license reads those few rows instead of scanning every request of the
// tenant (that scan grew with the tenant's history and serialised submissions behind it).
// A request approved before these rows existed holds none: its seat may be promised twice,
// and fulfilment then sends the second request back to people (see SeatReservations).
import { OPEN_STATUSES, reservedSeats, type LicenseRequest, type RequestStatus } from '../domain/request.js';
import type { VendorQuestion } from '../domain/marketplace.js';
import { DocumentRepository, type Versioned } from './documents.js';
import { ConcurrencyError, TransactionRefused } from './errors.js';
import { tenantPartition } from './keys.js';
import { filter, type RowAction } from './repository.js';
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
  /** Seats this request bought (reconciliation expects them on an invoice). */
  purchasedQuantity?: number;
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
  /**
   * The form message it was submitted from, in the requester's chat. That card shows the
   * request from then on (written with the request, so it is never missing), and a second
   * click on its Submit is the same request.
   */
  formMessage?: FormMessage;
  /** Counts the stored changes (1 when created): what a card shows is as new as the revision it was drawn from. */
  revision?: number;
}

export interface FormMessage {
  conversationId: string;
  activityId: string;
  /** The requester's Teams user id (29:...), for the card's refresh list. */
  requesterTeamsId: string;
}

/** Whether two references name the same Teams message. */
export function sameMessage(
  a?: { conversationId: string; activityId: string },
  b?: { conversationId: string; activityId: string },
): boolean {
  return !!a && !!b && a.conversationId === b.conversationId && a.activityId === b.activityId;
}

/** The person already has an open request for the product: `openRequestId`. */
export class AlreadyOpenError extends Error {
  override name = 'AlreadyOpenError';
  constructor(readonly openRequestId: string) {
    super(`request ${openRequestId} is still open`);
  }
}

/** The marker a license request holds while it is open; subscription changes hold none. */
function openMarkerOf(request: StoredRequest): string | undefined {
  if (request.change || !OPEN_STATUSES.includes(request.status)) return undefined;
  return `open|${request.beneficiary.id.toLowerCase()}|${request.product.productId.toLowerCase()}`;
}

/** The row a request holds while its seats are reserved and not yet assigned in Graph (assigned seats Graph counts itself). */
function holdMarkerOf(request: StoredRequest): string | undefined {
  if (reservedSeats(request) === 0 || request.fulfilment?.assigned) return undefined;
  return `${holdPrefix(request.product.productId)}${request.id}`;
}

const holdPrefix = (productId: string) => `hold|${productId.toLowerCase()}|`;

function holdRow(request: StoredRequest) {
  return { HeldBy: request.id, Seats: reservedSeats(request), SkuPartNumber: request.product.skuPartNumber };
}

/** Seats one request holds for a license. */
export interface SeatHold {
  requestId: string;
  seats: number;
  skuPartNumber: string;
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

  /** ConcurrencyError when the id exists; AlreadyOpenError when the person has this product open. */
  async create(created: StoredRequest): Promise<void> {
    const request: StoredRequest = { ...created, revision: created.revision ?? 1 };
    const partition = tenantPartition(request.tenantId, 'requests');
    const marker = openMarkerOf(request);
    const hold = holdMarkerOf(request);
    if (!marker && !hold) {
      await this.createDocument(partition, request.id, request);
      return;
    }
    const actions: RowAction[] = [{ kind: 'create', rowKey: request.id, value: this.toEntity(request) }];
    if (marker) actions.push({ kind: 'create', rowKey: marker, value: { OpenRequestId: request.id } });
    if (hold) actions.push({ kind: 'create', rowKey: hold, value: holdRow(request) });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transact(partition, actions);
        return;
      } catch (error) {
        const markerRefused = marker && error instanceof TransactionRefused && error.status === 409 && error.actionIndex === 1;
        if (!markerRefused || attempt > 2) throw error;
        await this.refuseIfHeld(request.tenantId, partition, marker);
      }
    }
  }

  /**
   * ETag-checked change; `change` returns undefined to leave the request as it is. Opening
   * or closing the request takes or frees its marker in the same transaction.
   */
  async mutate(
    tenantId: string,
    id: string,
    change: (current: StoredRequest) => StoredRequest | undefined,
  ): Promise<Versioned<StoredRequest> | undefined> {
    const partition = tenantPartition(tenantId, 'requests');
    let markerMissing = false;
    let holdMissing = false;
    let holdPresent = false;
    for (let attempt = 1; ; attempt++) {
      const current = await this.getDocument(partition, id);
      if (!current) return undefined;
      const changed = change(current.value);
      if (changed === undefined) return current;
      const next: StoredRequest = { ...changed, revision: (current.value.revision ?? 0) + 1 };
      const [before, after] = [openMarkerOf(current.value), openMarkerOf(next)];
      const [heldBefore, heldAfter] = [holdMarkerOf(current.value), holdMarkerOf(next)];
      const steps: { step: 'write' | 'free' | 'take' | 'unhold' | 'hold'; action: RowAction }[] = [
        { step: 'write', action: { kind: 'replace', rowKey: id, value: this.toEntity(next), etag: current.etag } },
      ];
      if (before && before !== after && !markerMissing) steps.push({ step: 'free', action: { kind: 'delete', rowKey: before } });
      if (after && before !== after) steps.push({ step: 'take', action: { kind: 'create', rowKey: after, value: { OpenRequestId: id } } });
      if (heldBefore && heldBefore !== heldAfter && !holdMissing)
        steps.push({ step: 'unhold', action: { kind: 'delete', rowKey: heldBefore } });
      if (heldAfter && heldBefore !== heldAfter && !holdPresent)
        steps.push({ step: 'hold', action: { kind: 'create', rowKey: heldAfter, value: holdRow(next) } });
      try {
        if (steps.length === 1) return { value: next, etag: await this.replaceDocument(partition, id, next, current.etag) };
        const [etag] = await this.transact(
          partition,
          steps.map((s) => s.action),
        );
        return { value: next, etag: etag ?? '' };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 5) throw error;
        const failed = error instanceof TransactionRefused && error.actionIndex !== undefined ? steps[error.actionIndex]?.step : 'write';
        if (failed === 'free' && error instanceof TransactionRefused && error.status === 404) markerMissing = true; // nothing to free (removed by hand): close without it
        if (failed === 'take' && after) await this.refuseIfHeld(tenantId, partition, after);
        if (failed === 'unhold' && error instanceof TransactionRefused && error.status === 404) holdMissing = true; // held before these rows existed
        if (failed === 'hold' && error instanceof TransactionRefused && error.status === 409) holdPresent = true; // this request's own row, left by a failed write
        // 'write': the request changed meanwhile; read it again
      }
    }
  }

  /** AlreadyOpenError when an open request holds `marker`; a marker left by a closed one is cleared. */
  private async refuseIfHeld(tenantId: string, partition: string, marker: string): Promise<void> {
    const held = await this.getRow(partition, marker);
    if (!held) return;
    const holderId = String(held.value.OpenRequestId ?? '');
    const holder = holderId ? await this.get(tenantId, holderId) : undefined;
    if (holder && openMarkerOf(holder.value) === marker) throw new AlreadyOpenError(holderId);
    await this.deleteRow(partition, marker, held.etag);
  }

  async get(tenantId: string, id: string): Promise<Versioned<StoredRequest> | undefined> {
    return this.getDocument(tenantPartition(tenantId, 'requests'), id);
  }

  async byRequester(tenantId: string, requesterId: string, limit = 20): Promise<StoredRequest[]> {
    return this.where(tenantId, filter`RequesterId eq ${requesterId.toLowerCase()}`, limit);
  }

  /** Open changes (pending, approved or being applied) to one subscription. */
  async openChangesFor(tenantId: string, subscriptionId: string): Promise<StoredRequest[]> {
    return this.where(
      tenantId,
      filter`SubscriptionId eq ${subscriptionId.toLowerCase()} and (Status eq 'pending' or Status eq 'approved' or Status eq 'fulfilling')`,
    );
  }

  /** Requests holding seats of a product (approved by policy on a free seat, not yet assigned): their hold rows. */
  async seatHolds(tenantId: string, productId: string): Promise<SeatHold[]> {
    const prefix = holdPrefix(productId);
    const holds: SeatHold[] = [];
    for await (const row of this.partitionRows(
      tenantPartition(tenantId, 'requests'),
      filter`RowKey ge ${prefix} and RowKey lt ${`${prefix}~`}`,
    )) {
      const value = row.value as unknown as Record<string, unknown>;
      holds.push({ requestId: String(value.HeldBy), seats: Number(value.Seats), skuPartNumber: String(value.SkuPartNumber) });
    }
    return holds;
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
      const page = await this.pageDocuments(
        tenantPartition(tenantId, 'requests'),
        { pageSize: 1000, ...(token ? { continuationToken: token } : {}) },
        where,
      );
      found.push(...page.items.map((i) => i.value));
      token = page.continuationToken;
    } while (token && found.length < 5000);
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }
}
