// Fulfilment of products whose seats the vendor assigns by e-mail (marketplace offers,
// `assignment: 'vendor'`), called by FulfilmentService for such requests:
//   a free seat on the tenant's subscription → add the beneficiary's e-mail;
//   otherwise a Change order (+seats) or a Purchase order (the request's idempotency key as
//   the client reference, so retries, restarts and double clicks find the same order);
//   then follow the order politely: a short wait inside the job, else come back later;
//   Querying → the requester (and admins) get one card per question round; their answer is
//   checked, sent, and the job queued again; Completed → assign; Failed → the vendor's reason.
import type { Clock } from '../clock.js';
import {
  ConnectorError,
  type CatalogOffer,
  type CommercePort,
  type CommerceSubscription,
  type MarketplaceOrderDetails,
  type MarketplacePort,
} from '../connectors/ports.js';
import { checkAnswers, freeVendorSeats, holdsSeat, type VendorQuestion } from '../domain/marketplace.js';
import type { Logger } from '../logger.js';
import type { AuditLog } from '../storage/audit-log.js';
import { randomUUID } from 'node:crypto';
import type { PurchaseLocks } from '../storage/purchase-locks.js';
import type { FulfilmentProgress, RequestRepository, StoredRequest } from '../storage/requests.js';
import type { RoleService } from './roles.js';
import { commerceRequestIdFor, type FulfilmentJob } from './requests.js';
import type { Actor } from '../domain/roles.js';
import { done, refused, type Outcome } from './outcome.js';

/** The order is still on its way: the queue brings the job back after this long (never block a worker). */
export class OrderFollowUp extends Error {
  override name = 'OrderFollowUp';
  constructor(
    readonly retryAfterSeconds: number,
    /** Waiting for a person's answer (Querying): nothing to retry until they answer. */
    readonly waitingForAnswer = false,
  ) {
    super(waitingForAnswer ? 'waiting for answers to the vendor' : 'order in progress');
  }
}

/** What a vendor question card needs. */
export interface VendorQuestionNotice {
  orderId: string;
  vendor: string;
  questions: VendorQuestion[];
  /** Changes per round (a wrong answer brings a new round with the vendor's complaint). */
  round: string;
}

export interface VendorNotifications {
  /** One card per round to the requester and the tenant's admins, asking for exactly these values. */
  askVendorQuestions(request: StoredRequest, notice: VendorQuestionNotice): Promise<void>;
}

export type VendorOutcome = { kind: 'assigned' | 'purchased'; message: string };

const LOCK_MS = 2 * 60_000;

export class VendorFulfilment {
  private readonly now: () => Date;

  constructor(
    private readonly d: {
      commerce: CommercePort;
      marketplace: MarketplacePort;
      requests: RequestRepository;
      locks: PurchaseLocks;
      notifications: VendorNotifications;
      roles: RoleService;
      audit: AuditLog;
      enqueueFulfilment: (job: FulfilmentJob) => Promise<void>;
      /** A 401 marks the connection "needs attention" (ConnectionService.noteMarketplaceFailure). */
      noteFailure: (tenantId: string, error: unknown) => Promise<void>;
      log: Logger;
      /** How long one job waits for an order before handing back to the queue (default 4 s). */
      waitMs?: number;
      /** When the queue brings an unfinished order back (default 15 s). */
      followUpSeconds?: number;
      /** The calendar decisions, windows and dates are read from. */
      clock: Clock;
    },
  ) {
    this.now = d.clock;
  }

  /** Runs (or continues) the request; throws OrderFollowUp while the order is under way. */
  /**
   * `mayBuy(shortfall)` is asked before any order: it throws when seats may not be bought now
   * (the policy forbids it, or the tenant's license settings wait for an admin to add seats).
   */
  async fulfil(
    request: StoredRequest,
    offer: CatalogOffer,
    mayBuy: (shortfall: number) => Promise<void> = async () => undefined,
  ): Promise<VendorOutcome> {
    try {
      return await this.run(request, offer, mayBuy);
    } catch (error) {
      await this.d.noteFailure(request.tenantId, error);
      throw error;
    }
  }

  private async run(delivered: StoredRequest, offer: CatalogOffer, mayBuy: (shortfall: number) => Promise<void>): Promise<VendorOutcome> {
    let request = delivered;
    const tenantId = request.tenantId;
    const email = emailOf(request);
    if (!request.fulfilment?.orderId) {
      const subscriptions = await this.subscriptionsOf(tenantId, offer.offerId);
      const holding = subscriptions.find((s) => holdsSeat(s, email));
      if (holding) return this.outcome(request, offer); // assigned by an earlier run
      const subscription = subscriptions[0];
      const lockKey = subscription?.id ?? `new:${offer.offerId}`;
      // Held by this run, not by the request: a second delivery of the same job at the same
      // instant must wait, not share the lock (after a crash the lock expires in LOCK_MS).
      const lock = await this.d.locks.acquire(tenantId, lockKey, `${request.id}#${randomUUID()}`, LOCK_MS, this.now());
      if (!lock.ok)
        throw new ConnectorError('throttled', 'Another purchase for this subscription is in progress.', {
          service: 'quartermaster',
          retryAfterSeconds: 2,
        });
      try {
        // Another delivery of this job may have ordered while this one waited for the lock:
        // follow its order instead of placing a second one.
        const latest = (await this.d.requests.get(tenantId, request.id))?.value;
        if (latest?.fulfilment?.orderId) return await this.follow(latest, offer, email);
        if (latest) request = latest;
        if (subscription && freeVendorSeats(subscription) >= 1) {
          await this.assign(request, subscription.id, email);
          return this.outcome(request, offer);
        }
        await mayBuy(Math.max(1, request.quantity - (subscription ? freeVendorSeats(subscription) : 0)));
        await this.order(request, offer, subscription);
      } finally {
        await this.d.locks.release(tenantId, lockKey, lock.etag).catch(() => undefined);
      }
    }
    return this.follow(request, offer, email);
  }

  /** A Change (+seats) on the running subscription, or a Purchase of a new one: placed once per request. */
  private async order(request: StoredRequest, offer: CatalogOffer, subscription: CommerceSubscription | undefined): Promise<void> {
    const tenantId = request.tenantId;
    const key = request.fulfilment?.commerceRequestId ?? commerceRequestIdFor(request.id);
    let orderId: string | undefined;
    if (subscription) {
      const target = subscription.quantity + Math.max(1, request.quantity - freeVendorSeats(subscription));
      const changed = await this.d.commerce.setQuantity(tenantId, subscription.id, target, key);
      orderId = changed.pendingOrderId ?? (await this.orderByReference(tenantId, key))?.id;
      await this.record(request, { subscriptionId: subscription.id, targetQuantity: target, ...(orderId && { orderId }) });
    } else {
      const order = await this.d.commerce.createOrder(
        tenantId,
        { offerId: offer.offerId, quantity: request.quantity, billingCycle: offer.billingCycle },
        key,
      );
      orderId = order.id;
      await this.record(request, { orderId, ...(order.purchaseOrderNumber && { purchaseOrderNumber: order.purchaseOrderNumber }) });
    }
    if (!orderId)
      throw new ConnectorError('unavailable', 'The Marketplace did not say which order it placed.', {
        service: 'marketplace',
        retryAfterSeconds: 5,
      });
    await this.d.audit.record({
      tenantId,
      actorId: 'system',
      actorName: 'Quartermaster',
      action: 'license.ordered',
      target: request.id,
      after: {
        product: request.product.name,
        order: orderId,
        type: subscription ? 'Change' : 'Purchase',
        subscription: subscription?.id ?? 'new',
      },
    });
  }

  private async follow(request: StoredRequest, offer: CatalogOffer, email: string): Promise<VendorOutcome> {
    const tenantId = request.tenantId;
    const orderId = request.fulfilment!.orderId!;
    const order = await this.d.marketplace.waitForOrder(tenantId, orderId, { timeoutMs: this.d.waitMs ?? 4000 });
    if (order.purchaseOrderNumber) await this.record(request, { purchaseOrderNumber: order.purchaseOrderNumber });
    if (order.status === 'Completed') {
      const subscriptionId = order.lines[0]?.subscriptionId ?? request.fulfilment?.subscriptionId;
      if (!subscriptionId)
        throw new ConnectorError('unavailable', 'The completed order names no subscription yet.', {
          service: 'marketplace',
          retryAfterSeconds: 5,
        });
      await this.record(request, { purchased: true, subscriptionId, orderStatus: order.status, vendorQuestions: [] });
      await this.assign(request, subscriptionId, email);
      return this.outcome(request, offer);
    }
    if (order.status === 'Failed' || order.status === 'Deleted') {
      await this.record(request, { orderStatus: order.status });
      const reason = order.statusNotes ?? `the order ended as ${order.status} without a reason`;
      throw new ConnectorError(
        'invalid-request',
        `${offer.vendor ?? 'The vendor'} did not accept order ${orderId}: ${reason} Nothing was bought. An admin can fix this with the Marketplace (or SoftwareOne support) and ask again.`,
        { service: 'marketplace', code: 'order-failed' },
      );
    }
    if (order.status === 'Querying') {
      await this.askOnce(request, offer, order);
      throw new OrderFollowUp(0, true);
    }
    await this.record(request, { orderStatus: order.status });
    throw new OrderFollowUp(this.d.followUpSeconds ?? 15);
  }

  /** One card per question round: a repeat of the same round (retry, restart) sends nothing new. */
  private async askOnce(request: StoredRequest, offer: CatalogOffer, order: MarketplaceOrderDetails): Promise<void> {
    const questions: VendorQuestion[] = order.parameters.map((p) => ({
      externalId: p.externalId,
      name: p.name,
      description: p.description,
      ...(p.pattern && { pattern: p.pattern }),
      ...(p.options && { options: p.options }),
      ...(p.error && { error: p.error }),
    }));
    await this.record(request, { orderStatus: 'Querying', vendorQuestions: questions, ...(offer.vendor && { vendor: offer.vendor }) });
    const round = `${order.updatedAt ?? ''}|${questions.map((q) => `${q.externalId}:${q.error ?? ''}`).join(',')}`;
    await this.d.notifications.askVendorQuestions(request, { orderId: order.id, vendor: offer.vendor ?? 'The vendor', questions, round });
  }

  /**
   * A person answered the vendor's questions on the card. Only the requester or an admin;
   * only while the order still asks (a stale card says so); values checked against the
   * vendor's patterns before anything is sent.
   */
  async answer(
    actor: Actor,
    input: { requestId: string; orderId: string; answers: Record<string, unknown> },
  ): Promise<Outcome<{ vendor: string }>> {
    const found = await this.d.requests.get(actor.tenantId, input.requestId);
    const request = found?.value;
    if (!request) return refused('not-found', "I can't find that request.");
    const isRequester = request.requester.aadObjectId.toLowerCase() === actor.aadObjectId.toLowerCase();
    if (!isRequester && !(await this.d.roles.isAdmin({ tenantId: actor.tenantId, aadObjectId: actor.aadObjectId }))) {
      return refused('forbidden', 'Only the person who asked for this license or an admin can answer the vendor.');
    }
    const questions = request.fulfilment?.vendorQuestions ?? [];
    if (request.status !== 'fulfilling' || request.fulfilment?.orderId !== input.orderId || questions.length === 0) {
      return refused(
        'conflict',
        `This card is out of date: order ${input.orderId} is not waiting for answers any more${request.status === 'fulfilling' ? '' : ` (the request is ${request.status})`}. Nothing was sent.`,
      );
    }
    const checked = checkAnswers(questions, input.answers);
    if (!checked.ok) return { ...refused('invalid', checked.message), fields: checked.fields };
    try {
      await this.d.marketplace.answerQuery(actor.tenantId, input.orderId, checked.value);
    } catch (error) {
      await this.d.noteFailure(actor.tenantId, error);
      if (error instanceof ConnectorError && error.kind === 'invalid-request')
        return refused('conflict', `This card is out of date: ${error.vendorWords}. Nothing was sent.`);
      throw error;
    }
    await this.record(request, { vendorQuestions: [], orderStatus: 'Processing' });
    await this.d.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'marketplace.query-answered',
      target: request.id,
      after: { order: input.orderId, parameters: Object.keys(checked.value) },
    });
    await this.d.enqueueFulfilment({ tenantId: actor.tenantId, requestId: request.id });
    const vendor = request.fulfilment?.vendor ?? 'the vendor';
    return done(
      { vendor },
      `Thanks, your answer went to ${vendor} with order ${input.orderId}. I will tell you when the license is assigned.`,
    );
  }

  private async assign(request: StoredRequest, subscriptionId: string, email: string): Promise<void> {
    const subscription = await this.d.commerce.getSubscription(request.tenantId, subscriptionId);
    if (!holdsSeat(subscription, email))
      await this.d.marketplace.setAssignedUsers(request.tenantId, subscriptionId, [...(subscription.assignedEmails ?? []), email]);
    await this.record(request, { assigned: true, subscriptionId });
  }

  private outcome(request: StoredRequest, offer: CatalogOffer): VendorOutcome {
    const who = request.beneficiary.name;
    const progress = request.fulfilment;
    if (!progress?.orderId)
      return {
        kind: 'assigned',
        message: `Assigned: ${who} now has ${request.product.name} (a free seat, given to ${emailOf(request)} by ${offer.vendor ?? 'the vendor'}).`,
      };
    const po = progress.purchaseOrderNumber ? `, PO ${progress.purchaseOrderNumber}` : '';
    return {
      kind: 'purchased',
      message: `Bought and assigned: ${who} now has ${request.product.name}. Ordered through the Marketplace (${offer.vendor ?? 'vendor'}), order ${progress.orderId}${po}.`,
    };
  }

  private async subscriptionsOf(tenantId: string, offerId: string): Promise<CommerceSubscription[]> {
    return (await this.d.commerce.listSubscriptions(tenantId)).filter(
      (s) => s.offerId.toLowerCase() === offerId.toLowerCase() && s.status === 'active',
    );
  }

  private async orderByReference(tenantId: string, reference: string): Promise<MarketplaceOrderDetails | undefined> {
    return (await this.d.marketplace.listOrders(tenantId)).find((o) => o.clientReference === reference);
  }

  private async record(request: StoredRequest, progress: Partial<FulfilmentProgress>): Promise<void> {
    const merged = { commerceRequestId: commerceRequestIdFor(request.id), ...request.fulfilment, ...progress };
    request.fulfilment = merged;
    await this.d.requests.mutate(request.tenantId, request.id, (current) => ({
      ...current,
      fulfilment: { ...current.fulfilment, ...merged },
    }));
  }
}

/** The beneficiary's e-mail: vendors assign seats to addresses. */
function emailOf(request: StoredRequest): string {
  return request.beneficiary.upn;
}
