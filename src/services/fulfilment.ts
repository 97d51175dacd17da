// Fulfilment, run from the queue (never inside a click): assign a free seat, or buy the
// missing seats first when the policy allows it. Every step is recorded on the request
// before the next, and the commerce calls carry an idempotency key derived from the
// request, so a retry or a restart continues where it stopped and never buys twice.
import { ConnectorError, type CommercePort, type DirectoryPort } from '../connectors/ports.js';
import type { Clock } from '../clock.js';
import {
  awaitSeats,
  completeFulfilment,
  failFulfilment,
  requestHeadline,
  returnForApproval,
  startFulfilment,
  type ResolvedStage,
} from '../domain/request.js';
import type { HandlerResult } from '../storage/queues.js';
import type { Logger } from '../logger.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { PolicyRepository } from '../storage/policies.js';
import type { PurchaseLocks } from '../storage/purchase-locks.js';
import { settleAbandonedPurchase } from './purchase-settlement.js';
import type { FulfilmentProgress, RequestRepository, StoredRequest } from '../storage/requests.js';
import type { CatalogService } from './catalog.js';
import type { RequestNotifications } from './notifications.js';
import type { FulfilmentJob } from './requests.js';
import { commerceRequestIdFor, summary } from './requests.js';
import { OrderFollowUp, type VendorFulfilment } from './vendor-fulfilment.js';
import { md } from '../domain/plain-text.js';
import type { SeatReservations } from './seat-reservations.js';

/** The free seats an automatic approval counted on are gone: the request went back to people. */
class SentBackForApproval extends Error {}

/** No seat is free and the tenant does not buy automatically: the request waits, approved, for seats. */
class WaitingForSeats extends Error {}

/** Longer than a purchase takes and than a throttled retry waits, so a live holder keeps it. */
const PURCHASE_LOCK_MS = 2 * 60_000;

type Outcome = { kind: 'assigned' | 'purchased' | 'changed'; message: string };

/** Carries out admins' subscription changes (SubscriptionService); licenses are handled here. */
export interface SubscriptionChanges {
  apply(request: StoredRequest): Promise<Outcome>;
  advice(error: ConnectorError, request: StoredRequest): string;
}

export class FulfilmentService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      catalog: CatalogService;
      commerce: CommercePort;
      directory: DirectoryPort;
      requests: RequestRepository;
      policies: PolicyRepository;
      audit: AuditLog;
      notifications: RequestNotifications;
      subscriptionChanges: SubscriptionChanges;
      locks: PurchaseLocks;
      log: Logger;
      /** The calendar decisions, windows and dates are read from. */
      clock: Clock;
      /** The Partner Center account purchases go to, in words ("…integration sandbox: nothing is billed"). */
      purchaseAccount?: (tenantId: string) => Promise<string | undefined>;
      /** Products whose seats the vendor assigns by e-mail (marketplace offers). */
      vendor?: VendorFulfilment;
      /** Seats that approvals counted on: not this request's to take. */
      seatReservations: SeatReservations;
      /** Who decides when an automatic approval would have to buy after all (RequestService.approvalIfPurchase). */
      approvalIfPurchase(request: StoredRequest): Promise<{ ok: true; stages: ResolvedStage[] } | { ok: false; message: string }>;
      /** The tenant's license settings: whether a missing seat is bought (absent: it is, as before these settings). */
      autoPurchase?: (tenantId: string) => Promise<boolean>;
      /** Queues a request again (requests waiting for seats, once seats were added). */
      enqueueFulfilment?: (job: FulfilmentJob) => Promise<void>;
    },
  ) {
    this.now = deps.clock;
  }

  async handle(job: FulfilmentJob): Promise<HandlerResult> {
    const { requests } = this.deps;
    let started = false;
    const current = await requests.mutate(job.tenantId, job.requestId, (request) => {
      const step = startFulfilment(request, this.now());
      started = step.ok && step.event === 'fulfilment-started';
      return started && step.ok ? { ...request, ...step.request } : undefined;
    });
    // Gone, cancelled while queued, or already finished by an earlier delivery: nothing to do.
    if (!current || current.value.status !== 'fulfilling') return { done: true };
    if (started) await this.deps.notifications.refreshCards(current.value);

    try {
      const outcome = current.value.change ? await this.deps.subscriptionChanges.apply(current.value) : await this.fulfil(current.value);
      await this.finish(current.value, (r) => completeFulfilment(r, outcome, this.now()), 'request.completed');
      // Seats an admin added are what requests waiting for seats of that product wait for.
      if (current.value.change?.action === 'add-seats')
        await this.releaseWaiting(job.tenantId, (r) => r.product.productId.toLowerCase() === current.value.product.productId.toLowerCase());
      return { done: true };
    } catch (error) {
      // A marketplace order under way: come back later, or (Querying) when someone answers.
      if (error instanceof OrderFollowUp) return error.waitingForAnswer ? { done: true } : { retryAfterSeconds: error.retryAfterSeconds };
      if (error instanceof SentBackForApproval || error instanceof WaitingForSeats) return { done: true };
      if (error instanceof ConnectorError && error.transient) {
        this.deps.log.warn(
          { requestId: job.requestId, kind: error.kind, service: error.details.service },
          'fulfilment delayed; will retry',
        );
        return { retryAfterSeconds: Math.max(1, error.details.retryAfterSeconds ?? 5) };
      }
      if (error instanceof ConnectorError) {
        await this.fail(
          current.value,
          current.value.change ? this.deps.subscriptionChanges.advice(error, current.value) : adviceFor(error, current.value),
        );
        return { done: true };
      }
      throw error;
    }
  }

  /** Called by the queue when a request kept failing for unknown reasons. */
  async giveUp(job: FulfilmentJob, error: unknown): Promise<void> {
    const request = (await this.deps.requests.get(job.tenantId, job.requestId))?.value;
    if (!request || request.status !== 'fulfilling') return;
    this.deps.log.error({ err: error, requestId: job.requestId }, 'fulfilment gave up');
    await this.fail(
      request,
      request.change
        ? 'Something kept going wrong while changing the subscription. Nothing more will be tried; check the subscription and ask again.'
        : 'Something kept going wrong while assigning the license. An admin has been told and can retry it.',
    );
  }

  private async fulfil(request: StoredRequest): Promise<Outcome> {
    const { catalog, directory } = this.deps;
    const tenantId = request.tenantId;
    const offer = await catalog.offer(tenantId, request.product.offerId);
    // A marketplace product whose catalog cannot be read now (outage, token): wait, never treat it as a Graph license.
    if (!offer && request.product.skuPartNumber.toUpperCase().startsWith('MKT:'))
      throw new ConnectorError('unavailable', 'The Marketplace catalog cannot be read right now.', {
        service: 'marketplace',
        retryAfterSeconds: 30,
      });
    if (offer?.assignment === 'vendor') {
      if (!this.deps.vendor)
        throw new ConnectorError(
          'invalid-request',
          `${request.product.name} is sold through the Marketplace, which is not available in this installation.`,
          { service: 'marketplace' },
        );
      return this.deps.vendor.fulfil(request, offer, async (shortfall) => {
        // As for Microsoft licenses: the tenant buys only when its admins add seats.
        if (this.deps.autoPurchase && !(await this.deps.autoPurchase(tenantId))) await this.waitForSeats(request, shortfall);
        await this.checkPurchaseAllowed(request);
      });
    }
    let seats = await catalog.seats(tenantId, request.product.skuPartNumber);
    const held = seats ? await directory.licenseSkuIds(tenantId, request.beneficiary.id) : [];
    if (seats && held.some((id) => id.toLowerCase() === seats!.skuId.toLowerCase())) {
      return await this.outcome(request); // assigned by an earlier run that stopped before recording it
    }

    // Enough free seats: count them and assign one as one step under the license's seat lock.
    if (seats && !request.fulfilment?.purchased) {
      const assigned = await this.deps.seatReservations.underLicenseLock(tenantId, request.product, request.id, async () => {
        const now = await catalog.seats(tenantId, request.product.skuPartNumber);
        if (!now) return false;
        const unreserved = await this.deps.seatReservations.unreserved(tenantId, request.product, now.free, request.id);
        if (request.quantity > Math.max(0, unreserved)) return false;
        await directory.assignLicense(tenantId, request.beneficiary.id, now.skuId, request.unit?.disabledPlans);
        await this.record(request, { assigned: true });
        return true;
      });
      if (assigned?.value) return await this.outcome(request);
      seats = await catalog.seats(tenantId, request.product.skuPartNumber);
    }

    // Seats other approvals counted on are not free for this one.
    const free = seats ? Math.max(0, await this.deps.seatReservations.unreserved(tenantId, request.product, seats.free, request.id)) : 0;
    const shortfall = Math.max(0, request.quantity - free);
    if (shortfall > 0 && !request.fulfilment?.purchased) {
      // The tenant buys only when its admins add seats: wait for them.
      if (this.deps.autoPurchase && !(await this.deps.autoPurchase(tenantId))) await this.waitForSeats(request, shortfall);
      // Approved only because seats were free: buying needs a person's decision.
      if (request.seatReserved) await this.sendBackForApproval(request);
      await this.purchase(request, shortfall);
      seats = await catalog.seats(tenantId, request.product.skuPartNumber);
    }
    if (!seats)
      throw new ConnectorError('unavailable', 'The purchased license has not shown up in Microsoft 365 yet.', {
        service: 'graph',
        retryAfterSeconds: 30,
      });
    // Under the license's seat lock, as an assignment of free seats is: this request's hold on
    // the seats it bought ends as Graph starts counting them, and nobody counts them twice.
    const assign = async () => {
      await directory.assignLicense(tenantId, request.beneficiary.id, seats!.skuId, request.unit?.disabledPlans);
      await this.record(request, { assigned: true });
    };
    if (!(await this.deps.seatReservations.underLicenseLock(tenantId, request.product, request.id, assign))) await assign();
    return await this.outcome(request);
  }

  /**
   * The seats the automatic approval counted on were taken (assigned outside Quartermaster,
   * say): back to the approvers the policy names when seats must be bought, with a word to the
   * requester. A policy that buys without people lets it carry on; one that cannot route it fails it.
   */
  private async sendBackForApproval(request: StoredRequest): Promise<void> {
    const routing = await this.deps.approvalIfPurchase(request);
    if (routing.ok && routing.stages.length === 0) return; // the policy buys without a person
    if (!routing.ok) throw new ConnectorError('no-free-seat', routing.message, { service: 'policy' });
    const result = await this.deps.requests.mutate(request.tenantId, request.id, (current) => {
      const step = returnForApproval(current, routing.stages, this.now());
      return step.ok ? { ...current, ...step.request } : undefined;
    });
    const pending = result?.value;
    if (pending?.status === 'pending') {
      await this.deps.audit.record({
        tenantId: pending.tenantId,
        actorId: 'system',
        actorName: 'Quartermaster',
        action: 'request.returned-for-approval',
        target: pending.id,
        before: summary(request),
        after: { ...summary(pending), reason: 'the free seats it was approved for were taken' },
      });
      await this.deps.notifications.refreshCards(pending);
      await this.deps.notifications.askApprovers(pending);
      await this.deps.notifications.tellRequester(
        pending,
        md`Your request ${pending.id} was approved because a ${pending.product.name} seat was free, but the seat was taken before it could be assigned. Buying one needs approval, so it went to ${routing.stages[0]!.label}. You will hear from me when they decide.`
          .text,
      );
    }
    throw new SentBackForApproval();
  }

  /**
   * No seat is free and the tenant's license settings say not to buy: the request goes back to
   * approved, waiting for seats (cancellable meanwhile), and the requester and the admins are
   * told once what it waits for. Queued again when an admin's added seats land, or by the
   * hourly check once seats are free (recheckWaiting).
   */
  private async waitForSeats(request: StoredRequest, shortfall: number): Promise<never> {
    let first = false;
    const result = await this.deps.requests.mutate(request.tenantId, request.id, (current) => {
      const step = awaitSeats(current, this.now());
      first = step.ok && !current.waitingForSeats;
      return step.ok ? { ...current, ...step.request } : undefined;
    });
    const waiting = result?.value;
    if (waiting?.status === 'approved' && first) {
      const seats = shortfall === 1 ? 'a seat' : `${shortfall} seats`;
      await this.deps.audit.record({
        tenantId: waiting.tenantId,
        actorId: 'system',
        actorName: 'Quartermaster',
        action: 'request.waiting-for-seats',
        target: waiting.id,
        before: summary(request),
        after: { ...summary(waiting), missingSeats: shortfall, reason: 'no free seat; automatic purchase is off (license settings)' },
      });
      await this.deps.notifications.tellRequester(
        waiting,
        md`Your request ${waiting.id} is approved, but no ${waiting.product.name} seat is free and your organisation buys seats only when an admin adds them. It is assigned as soon as a seat is free; you can still cancel it under my requests.`
          .text,
      );
      await this.deps.notifications.tellAdmins(
        waiting.tenantId,
        md`Request ${waiting.id} (${requestHeadline(waiting)}, asked by ${waiting.requester.name}) is approved and waits for ${seats} of ${waiting.product.name}: automatic purchase is off in the license settings. Add seats under subscriptions (or free a seat), and it is assigned then.`
          .text,
        `${waiting.id}:waiting-for-seats`,
      );
    }
    if (waiting) await this.deps.notifications.refreshCards(waiting);
    throw new WaitingForSeats();
  }

  /** Queues again the requests of a tenant that wait for seats (those `which` picks). */
  private async releaseWaiting(tenantId: string, which: (request: StoredRequest) => boolean): Promise<number> {
    if (!this.deps.enqueueFulfilment) return 0;
    const waiting = (await this.deps.requests.withStatus(tenantId, 'approved')).filter((r) => r.waitingForSeats && which(r));
    for (const request of waiting) await this.deps.enqueueFulfilment({ tenantId, requestId: request.id });
    return waiting.length;
  }

  /**
   * The hourly check of requests waiting for seats: each whose license now has enough free
   * seats (added in Partner Center or freed in Microsoft 365, outside Quartermaster) is queued again.
   */
  async recheckWaiting(): Promise<{ requeued: number; failed: number }> {
    const counts = { requeued: 0, failed: 0 };
    for await (const { value: request } of this.deps.requests.allWithStatus('approved')) {
      if (!request.waitingForSeats) continue;
      try {
        const seats = await this.deps.catalog.seats(request.tenantId, request.product.skuPartNumber);
        if (!seats || seats.free < request.quantity) continue;
        counts.requeued += await this.releaseWaiting(request.tenantId, (r) => r.id === request.id);
      } catch (error) {
        counts.failed++;
        this.deps.log.warn(
          { err: error, tenantId: request.tenantId, requestId: request.id },
          'could not check a request waiting for seats',
        );
      }
    }
    return counts;
  }

  private async purchase(request: StoredRequest, shortfall: number): Promise<void> {
    const { commerce } = this.deps;
    await this.checkPurchaseAllowed(request);
    const progress = request.fulfilment ?? { commerceRequestId: commerceRequestIdFor(request.id) };
    const subscription = (await commerce.listSubscriptions(request.tenantId)).find(
      (s) => s.offerId.toLowerCase() === request.product.offerId.toLowerCase() && s.status === 'active',
    );
    if (subscription) {
      await this.raiseSeats(request, subscription.id, shortfall, progress.commerceRequestId);
    } else {
      const offer = await this.deps.catalog.offer(request.tenantId, request.product.offerId);
      const order = await commerce.createOrder(
        request.tenantId,
        {
          offerId: request.product.offerId,
          quantity: shortfall,
          billingCycle: offer?.billingCycle ?? 'monthly',
          ...(offer && { termDuration: offer.termDuration }),
        },
        progress.commerceRequestId,
      );
      await this.record(request, {
        orderId: order.id,
        purchased: true,
        purchasedQuantity: shortfall,
        ...(order.lineItems[0]?.subscriptionId && { subscriptionId: order.lineItems[0].subscriptionId }),
      });
    }
    await this.deps.audit.record({
      tenantId: request.tenantId,
      actorId: 'system',
      actorName: 'Quartermaster',
      action: 'license.purchased',
      target: request.id,
      after: { product: request.product.name, seats: shortfall, subscription: subscription?.id ?? 'new order' },
    });
  }

  private async checkPurchaseAllowed(request: StoredRequest): Promise<void> {
    const policy = (await this.deps.policies.list(request.tenantId)).find((p) => p.id === request.policyId);
    if (policy && !policy.allowPurchase) {
      throw new ConnectorError('no-free-seat', 'No free seat and the policy does not allow buying one.', { service: 'policy' });
    }
  }

  /**
   * Adds `shortfall` seats to the subscription under its purchase lock: read the count, write
   * down the target (on the lock and on the request), set it, record it. A retry of the same
   * request still holds the lock and knows from the count whether its change landed; a lock
   * taken over from a request that died is settled for that request first.
   */
  private async raiseSeats(request: StoredRequest, subscriptionId: string, shortfall: number, commerceRequestId: string): Promise<void> {
    const { locks, commerce, requests } = this.deps;
    const tenantId = request.tenantId;
    const lock = await locks.acquire(tenantId, subscriptionId, request.id, PURCHASE_LOCK_MS, this.now());
    if (!lock.ok)
      throw new ConnectorError('throttled', 'Another purchase for this subscription is in progress.', {
        service: 'quartermaster',
        retryAfterSeconds: 2,
      });
    const current = (await commerce.getSubscription(tenantId, subscriptionId)).quantity;
    const retry = lock.previous?.holder === request.id;
    if (lock.previous && !retry) await settleAbandonedPurchase(requests, tenantId, lock.previous, current, this.deps.log);

    // Our own earlier attempt, or whoever settled it, may have decided already.
    const mine = (await requests.get(tenantId, request.id))?.value.fulfilment;
    if (!mine?.purchased) {
      const declared = retry && lock.previous!.target >= 0 ? lock.previous!.target : undefined;
      const target = declared ?? current + shortfall;
      const base = declared !== undefined ? lock.previous!.base : current;
      const etag = await locks.declare(tenantId, subscriptionId, request.id, lock.etag, base, target, PURCHASE_LOCK_MS, this.now());
      await this.record(request, { subscriptionId, targetQuantity: target, purchasedQuantity: target - base });
      try {
        // Below the target: the change did not land (or not yet): send it (same MS-RequestId).
        if (current < target) await commerce.setQuantity(tenantId, subscriptionId, target, commerceRequestId);
      } catch (error) {
        // Throttled or down: keep the lock, the retry comes back to it. Refused: let others buy.
        if (!(error instanceof ConnectorError && error.transient)) await locks.release(tenantId, subscriptionId, etag);
        throw error;
      }
      await this.record(request, { purchased: true });
      await locks.release(tenantId, subscriptionId, etag);
      return;
    }
    request.fulfilment = mine; // settled as bought by whoever took our lock over
    await locks.release(tenantId, subscriptionId, lock.etag);
  }

  /** Saves fulfilment progress on the stored request (and on our copy). */
  private async record(request: StoredRequest, progress: Partial<FulfilmentProgress>): Promise<void> {
    const merged = { commerceRequestId: commerceRequestIdFor(request.id), ...request.fulfilment, ...progress };
    request.fulfilment = merged;
    await this.deps.requests.mutate(request.tenantId, request.id, (current) => ({
      ...current,
      fulfilment: { ...current.fulfilment, ...merged },
    }));
  }

  private async outcome(request: StoredRequest): Promise<Outcome> {
    const who = request.beneficiary.name;
    // A purchase may have gone through in a run that stopped before recording it as done, or in
    // another delivery of the same job: what is stored says so even when this copy does not.
    const stored = await this.deps.requests.get(request.tenantId, request.id).catch(() => undefined);
    const progress = { ...stored?.value.fulfilment, ...request.fulfilment };
    if (stored?.value.fulfilment?.purchased) progress.purchased = true;
    // The unit's plan restrictions are part of what was assigned: say which plans stay off.
    const without = request.unit?.disabledPlanNames.length ? ` (without ${request.unit.disabledPlanNames.join(', ')})` : '';
    if (!(progress?.purchased || progress?.targetQuantity !== undefined || progress?.orderId))
      return { kind: 'assigned', message: `Assigned: ${who} now has ${request.product.name}${without}.` };
    // Every purchase confirmation says which account paid: sandbox or production.
    const account = await this.deps.purchaseAccount?.(request.tenantId).catch(() => undefined);
    return {
      kind: 'purchased',
      message: `Bought and assigned: ${who} now has ${request.product.name}${without}.${account ? ` Ordered through the ${account}.` : ''}`,
    };
  }

  private async fail(request: StoredRequest, reason: string): Promise<void> {
    const failed = await this.finish(request, (r) => failFulfilment(r, reason, this.now()), 'request.failed');
    if (failed)
      await this.deps.notifications.tellAdmins(
        request.tenantId,
        md`Request ${request.id} (${requestHeadline(request)}, asked by ${request.requester.name}) could not be completed: ${reason}`.text,
      );
  }

  private async finish(
    request: StoredRequest,
    step: (r: StoredRequest) => ReturnType<typeof completeFulfilment> | ReturnType<typeof failFulfilment>,
    action: string,
  ): Promise<StoredRequest | undefined> {
    const result = await this.deps.requests.mutate(request.tenantId, request.id, (current) => {
      const next = step(current);
      return next.ok ? { ...current, ...next.request } : undefined;
    });
    const done = result?.value;
    if (!done || (done.status !== 'completed' && done.status !== 'failed')) return undefined;
    await this.deps.audit.record({
      tenantId: done.tenantId,
      actorId: 'system',
      actorName: 'Quartermaster',
      action,
      target: done.id,
      // The whole request before, so the audit shows only what the outcome changed.
      before: summary(request),
      after: { ...summary(done), outcome: done.outcome?.message },
    });
    await this.deps.notifications.refreshCards(done);
    await this.deps.notifications.tellRequester(
      done,
      done.status === 'completed'
        ? md`Your request ${done.id} is done. ${done.outcome?.message ?? ''}`.text
        : md`Your request ${done.id} could not be completed: ${done.outcome?.message ?? ''}`.text,
    );
    return done;
  }
}

/** What happened and what to do next, for the requester and the admins. */
function adviceFor(error: ConnectorError, request: StoredRequest): string {
  switch (error.kind) {
    case 'usage-location':
      return `${request.beneficiary.name} has no usage location in Microsoft 365, which licenses need. An admin can set it in the Microsoft 365 admin center (user > Account > Usage location) and retry.`;
    case 'no-free-seat':
      return `There is no free ${request.product.name} seat and buying one is not allowed for this request. An admin can free a seat or buy more, then retry.`;
    case 'order-in-progress':
      return 'Partner Center is still processing an earlier order for this subscription. It will show up shortly; an admin can retry then.';
    case 'subscription-suspended':
      return `The ${request.product.name} subscription is suspended, so no seats can be added. An admin needs to reactivate it in Partner Center.`;
    case 'quantity-out-of-range':
      return `Partner Center refused the new seat count for ${request.product.name} (out of range for this offer). An admin should check the subscription.`;
    case 'unauthorized':
      return 'Quartermaster is not allowed to do this in your tenant any more (the connection needs attention). An admin can reconnect it and retry.';
    default:
      // The vendor's own reason (a Failed marketplace order) already says what to do.
      if (error.details.code === 'order-failed') return error.message;
      return `The license could not be assigned: ${error.message}`;
  }
}
