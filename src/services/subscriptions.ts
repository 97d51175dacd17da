// Admins' view of what the tenant pays for, and their changes to it. A subscription is read
// from Partner Center (quantity, term, refund windows) joined with Graph (seats assigned);
// a confirmed change becomes a request so the tenant's approval policies, the exactly-once
// decisions and the fulfilment queue apply to it as to a license. `apply` runs from the queue.
import type { Clock } from '../clock.js';
import {
  ConnectorError,
  type CatalogOffer,
  type CommercePort,
  type CommerceSubscription,
  type MarketplacePort,
  type SubscribedSku,
} from '../connectors/ports.js';
import { downsizeWindow, freeVendorSeats, planVendorChange } from '../domain/marketplace.js';
import { OrderFollowUp } from './vendor-fulfilment.js';
import { removableSeats, toUtc, type SeatLot, type SubscriptionTerms } from '../domain/commitment.js';
import { monthlyCost, type Money } from '../domain/money.js';
import { evaluatePolicy } from '../domain/policy.js';
import {
  describeChange,
  planChange,
  progressOf,
  reconcileLots,
  seatsAdded,
  snapshotOf,
  snapshotVersion,
  type SubscriptionAction,
  type SubscriptionChange,
  type SubscriptionSnapshot,
} from '../domain/subscription-change.js';
import type { Alternative } from '../domain/commitment.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { PolicyRepository } from '../storage/policies.js';
import type { RequestRepository, StoredRequest } from '../storage/requests.js';
import type { SeatLotRepository } from '../storage/seat-lots.js';
import type { CatalogService } from './catalog.js';
import { requestIdFor, type RequestService } from './requests.js';
import type { Actor } from '../domain/roles.js';
import { randomBytes } from 'node:crypto';
import type { RoleService } from './roles.js';
import { done, refused, type Outcome, type Refused } from './outcome.js';
import type { DirectoryPort } from '../connectors/ports.js';
import type { Logger } from '../logger.js';
import type { PurchaseLocks } from '../storage/purchase-locks.js';
import { settleAbandonedPurchase } from './purchase-settlement.js';
import { autoRenewOffWarning, termEndOutcome, type TermEndOutcome } from '../domain/extended-service-term.js';

export interface SubscriptionView {
  id: string;
  productName: string;
  offerId: string;
  productId?: string;
  skuPartNumber?: string;
  /** Per seat per month, when the catalog knows the offer. */
  unitPrice?: Money;
  status: CommerceSubscription['status'];
  bought: number;
  /** Graph consumedUnits of the license, for every subscription of that license together. */
  assigned?: number;
  /** Unassigned seats of the license (never more than this subscription has). */
  free?: number;
  termDuration: 'P1M' | 'P1Y';
  billingCycle: string;
  commitmentEndDate: string;
  autoRenewEnabled: boolean;
  scheduledQuantity?: number;
  removable: { seats: number; until?: string; exact: boolean };
  /** What the end of the current term brings (renews, ends, Extended Service Term at +x %). */
  termEnd: TermEndOutcome;
  /** Partner Center: until when the whole subscription may still be cancelled (refunded). */
  cancellationAllowedUntil?: string;
  terms: SubscriptionTerms & { scheduledQuantity?: number };
  /** Changes when anything a card shows changes: a card with another version is stale. */
  version: string;
  /** Sold through the marketplace: seats are the vendor's, assigned by e-mail. */
  marketplace?: {
    vendor: string;
    downsizeOnlyAtAnniversary: boolean;
    anniversaryDate?: string;
    downsize?: { open: boolean; opensAt: string; closesAt: string };
  };
}

/** A change refused: why, and the subscription as it is now with what could be done instead, when there is one. */
export type ChangeRefused = Refused & { view?: SubscriptionView; alternatives?: Alternative[] };

export type PrepareResult =
  | { ok: true; view: SubscriptionView; change: SubscriptionChange; summary: string; costDelta?: Money; confirmationId: string }
  | ChangeRefused;

export type SubmitResult = { ok: true; request: StoredRequest } | Exclude<PrepareResult, { ok: true }>;

export interface SubscriptionServiceDeps {
  commerce: CommercePort;
  directory: DirectoryPort;
  catalog: CatalogService;
  seatLots: SeatLotRepository;
  requests: RequestRepository;
  requestService: RequestService;
  policies: PolicyRepository;
  roles: RoleService;
  audit: AuditLog;
  locks: PurchaseLocks;
  log: Logger;
  /** The calendar decisions, windows and dates are read from. */
  clock: Clock;
  /** Marketplace subscriptions: their Change orders are followed until they complete. */
  marketplace?: MarketplacePort;
  /** How long one job waits for a Change order before handing back to the queue (default 4 s). */
  orderWaitMs?: number;
}

export const PAGE_SIZE = 8;
export const ONLY_ADMINS_SUBSCRIPTIONS = 'Only admins can manage subscriptions. Type **help** to see the commands you can use.';
const NOT_FOUND = 'I can’t find that subscription in your tenant. Type **subscriptions** to see the current list.';
/** As long as a license purchase holds it (src/services/fulfilment.ts). */
const SEAT_LOCK_MS = 2 * 60_000;

export class SubscriptionService {
  private readonly now: () => Date;

  constructor(private readonly deps: SubscriptionServiceDeps) {
    this.now = deps.clock;
  }

  private isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin(actor);
  }

  /** What an admin sees: every subscription still in force, by product name, filtered by a part of it. */
  async list(actor: Actor, nameFilter = ''): Promise<Outcome<SubscriptionView[]>> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SUBSCRIPTIONS);
    return done(await this.inForce(actor.tenantId, nameFilter));
  }

  /** One subscription with everything its card shows, for an admin. */
  async show(actor: Actor, subscriptionId: string): Promise<Outcome<SubscriptionView>> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SUBSCRIPTIONS);
    const view = await this.get(actor.tenantId, subscriptionId);
    return view ? done(view) : refused('not-found', NOT_FOUND);
  }

  /** Every subscription still in force (active or suspended), by product name, filtered by a part of it. */
  private async inForce(tenantId: string, nameFilter: string): Promise<SubscriptionView[]> {
    const [subscriptions, offers, skus, lots] = await Promise.all([
      this.deps.commerce.listSubscriptions(tenantId),
      this.deps.catalog.offers(tenantId),
      this.deps.directory.listSubscribedSkus(tenantId),
      this.deps.seatLots.listAll(tenantId),
    ]);
    const wanted = nameFilter.trim().toLowerCase();
    // Pending ones are bought and being provisioned: listed, with their status, so nobody buys them twice.
    const inForce = subscriptions.filter((s) => s.status === 'active' || s.status === 'suspended' || s.status === 'pending');
    const views = inForce.map((s) => this.view(s, offers, skus, lots.get(s.id.toLowerCase()) ?? []));
    return views
      .filter((v) => !wanted || v.productName.toLowerCase().includes(wanted))
      .sort((a, b) => a.productName.localeCompare(b.productName) || a.id.localeCompare(b.id));
  }

  private async get(tenantId: string, subscriptionId: string): Promise<SubscriptionView | undefined> {
    let subscription: CommerceSubscription;
    try {
      subscription = await this.deps.commerce.getSubscription(tenantId, subscriptionId);
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === 'not-found') return undefined;
      throw error;
    }
    const [offers, skus, lots] = await Promise.all([
      this.deps.catalog.offers(tenantId),
      this.deps.directory.listSubscribedSkus(tenantId),
      this.deps.seatLots.list(tenantId, subscriptionId),
    ]);
    return this.view(subscription, offers, skus, lots);
  }

  /** Checks a change before the admin confirms it; nothing is stored or sent. */
  async prepare(actor: Actor, subscriptionId: string, action: SubscriptionAction, seats?: number): Promise<PrepareResult> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SUBSCRIPTIONS);
    const view = await this.get(actor.tenantId, subscriptionId);
    if (!view)
      return refused('not-found', 'I can’t find that subscription in your tenant any more. Type "subscriptions" to see the current list.');
    const plan = this.plan(view, action, seats);
    if (!plan.ok) return { ok: false, reason: 'invalid', message: plan.message, view, alternatives: plan.alternatives };
    const added = seatsAdded(plan.change);
    // One id per drawn confirmation: clicking its Confirm twice opens one request.
    const confirmationId = randomBytes(12).toString('hex');
    return {
      ok: true,
      view,
      change: plan.change,
      summary: plan.summary,
      confirmationId,
      ...(added > 0 && view.unitPrice && { costDelta: monthlyCost(view.unitPrice, added) }),
    };
  }

  /**
   * The admin confirmed: check again against the subscription as it is now (refusing if the
   * card was drawn from other numbers), then open a request through the approval policies.
   */
  async submit(
    actor: Actor,
    input: { subscriptionId: string; action: SubscriptionAction; seats?: number; version: string; confirmationId: string; reason?: string },
  ): Promise<SubmitResult> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SUBSCRIPTIONS);
    const id = requestIdFor(actor.tenantId, input.confirmationId);
    const already = await this.deps.requestService.get(actor.tenantId, id);
    if (already) return { ok: true, request: already }; // a second click on the same Confirm
    const prepared = await this.prepare(actor, input.subscriptionId, input.action, input.seats);
    if (!prepared.ok) return prepared;
    const { view, change } = prepared;
    if (view.version !== input.version) {
      return {
        ok: false,
        reason: 'conflict',
        view,
        message:
          'This subscription changed since the card was drawn, so nothing was done. Here it is as it is now; check the numbers and try again.',
      };
    }
    const busy = (await this.deps.requests.openChangesFor(actor.tenantId, view.id))[0];
    if (busy)
      return {
        ok: false,
        reason: 'conflict',
        view,
        message: `${busy.id} is already changing this subscription (${busy.change ? describeChange(busy.change) : 'a change'}, ${busy.status}). Wait for it to finish, or cancel it, before starting another.`,
      };

    const policies = await this.deps.policies.list(actor.tenantId);
    const unitPrice = view.unitPrice ?? { amount: '0', currency: policies[0]?.currency ?? 'USD' };
    const added = seatsAdded(change);
    const reason = input.reason?.trim().slice(0, 1000) ?? '';
    const evaluation = evaluatePolicy(policies, {
      productId: view.productId ?? view.offerId,
      monthlyCost: monthlyCost(unitPrice, added),
      freeSeats: added > 0 ? 0 : 1,
      quantity: Math.max(1, added),
    });
    if (evaluation.outcome === 'error') {
      const message =
        evaluation.reason === 'quantity-above-maximum'
          ? `The approval policy "${evaluation.policy?.name}" allows at most ${evaluation.policy?.maxQuantity} seats per change. Add them in smaller steps, or raise the policy's maximum.`
          : evaluation.message;
      return { ok: false, reason: 'invalid', view, message };
    }
    if (evaluation.policy.requireJustification && added > 0 && reason === '') {
      return {
        ok: false,
        reason: 'invalid',
        view,
        message: `The approval policy "${evaluation.policy.name}" needs a reason for buying seats. Add one on the card and confirm again.`,
      };
    }
    const opened = await this.deps.requestService.open(
      actor,
      {
        beneficiary: { id: actor.aadObjectId, upn: '', name: actor.name },
        product: {
          offerId: view.offerId,
          productId: view.productId ?? view.offerId,
          name: view.productName,
          skuPartNumber: view.skuPartNumber ?? '',
        },
        quantity: added,
        unitPrice,
        justification: reason,
        change,
      },
      evaluation,
      { id },
    );
    return opened.ok ? opened : { ok: false, reason: 'conflict', view, message: opened.message };
  }

  /**
   * Carries out an approved change (from the fulfilment queue). Safe to run again: a change
   * already in place is reported done, the Partner Center calls carry the request's
   * idempotency key, and a subscription changed by someone else meanwhile is left alone.
   */
  async apply(request: StoredRequest): Promise<{ kind: 'changed'; message: string }> {
    const change = request.change;
    if (!change) throw new Error(`Request ${request.id} is not a subscription change`);
    if (change.action !== 'add-seats' && change.action !== 'remove-seats') return this.applyChange(request, change);
    // Seat counts are absolute: take turns with license purchases for this subscription.
    const { locks, requests, commerce, log } = this.deps;
    const lock = await locks.acquire(request.tenantId, change.subscriptionId, request.id, SEAT_LOCK_MS, this.now());
    if (!lock.ok)
      throw new ConnectorError('throttled', 'Another purchase for this subscription is in progress.', {
        service: 'quartermaster',
        retryAfterSeconds: 2,
      });
    if (lock.previous && lock.previous.holder !== request.id) {
      const current = (await commerce.getSubscription(request.tenantId, change.subscriptionId)).quantity;
      await settleAbandonedPurchase(requests, request.tenantId, lock.previous, current, log);
    }
    const etag = await locks.declare(
      request.tenantId,
      change.subscriptionId,
      request.id,
      lock.etag,
      change.before.quantity,
      change.after.quantity,
      SEAT_LOCK_MS,
      this.now(),
    );
    try {
      const outcome = await this.applyChange(request, change);
      await locks.release(request.tenantId, change.subscriptionId, etag);
      return outcome;
    } catch (error) {
      // Throttled or down: keep the lock for the retry. Refused or changed: let others go.
      if (!(error instanceof ConnectorError && error.transient)) await locks.release(request.tenantId, change.subscriptionId, etag);
      throw error;
    }
  }

  private async applyChange(request: StoredRequest, change: SubscriptionChange): Promise<{ kind: 'changed'; message: string }> {
    const tenantId = request.tenantId;
    const requestId = request.fulfilment?.commerceRequestId ?? request.id;
    const current = await this.get(tenantId, change.subscriptionId);
    if (!current) throw new ConnectorError('not-found', 'The subscription no longer exists.', { service: 'partner-center' });

    const progress = progressOf(change, snapshotOf(current.terms));
    if (progress === 'changed') {
      throw new ConnectorError(
        'invalid-request',
        `The subscription changed after this was asked (it now has ${current.bought} seats, ${current.status}, auto-renew ${current.autoRenewEnabled ? 'on' : 'off'}), so nothing was done. Review it with "subscriptions" and ask again.`,
        { service: 'quartermaster' },
      );
    }
    let orderId: string | undefined;
    if (progress === 'to-do') {
      // The rules are checked again: days may have passed since the admin confirmed. A marketplace
      // Termination already placed (a retry while it is Processing) is followed, not planned again.
      const placed = current.marketplace && change.action === 'cancel' && (await this.orderFor(tenantId, requestId)) !== undefined;
      const plan = placed ? undefined : this.plan(current, change.action, change.seats);
      if (plan && !plan.ok) throw new ConnectorError('invalid-request', `${plan.message}`, { service: 'quartermaster' });
      if (!placed) await this.call(tenantId, change, requestId);
      if (current.marketplace && (change.action === 'add-seats' || change.action === 'remove-seats' || change.action === 'cancel'))
        orderId = await this.followChangeOrder(tenantId, requestId, current.marketplace.vendor);
      if (change.action === 'add-seats') {
        await this.deps.seatLots.add(
          tenantId,
          change.subscriptionId,
          { quantity: change.seats ?? 0, purchasedAt: this.now().toISOString() },
          request.id,
        );
      }
    }
    if (progress === 'done' && current.marketplace && change.action === 'cancel') {
      // A retry after the Termination completed: name the order it was.
      const placed = await this.orderFor(tenantId, requestId);
      if (placed?.status === 'Completed') orderId = placed.id;
    }
    const after = (await this.get(tenantId, change.subscriptionId)) ?? current;
    await this.deps.audit.record({
      tenantId,
      actorId: request.requester.aadObjectId,
      actorName: request.requester.name,
      action: `subscription.${change.action}`,
      target: `${request.product.name} (${change.subscriptionId})`,
      before: auditSnapshot(change.before),
      after: { ...auditSnapshot(snapshotOf(after.terms)), request: request.id },
    });
    const through = orderId
      ? ` ${change.action === 'cancel' ? 'Termination' : 'Change'} order ${orderId} completed through the Marketplace (${current.marketplace?.vendor}).`
      : '';
    return { kind: 'changed', message: `${describeChange(change)} on ${request.product.name}: done.${through}` };
  }

  /** The rules of the subscription's provider: new commerce (Partner Center) or the marketplace vendor's. */
  private plan(view: SubscriptionView, action: SubscriptionAction, seats: number | undefined) {
    if (view.marketplace) {
      const { vendor, downsizeOnlyAtAnniversary, anniversaryDate } = view.marketplace;
      return planVendorChange(
        view.terms,
        view.id,
        action,
        seats,
        { freeSeats: view.free ?? 0, vendor, downsizeOnlyAtAnniversary, ...(anniversaryDate && { anniversaryDate }) },
        this.now(),
      );
    }
    const plan = planChange(
      view.terms,
      view.id,
      action,
      seats,
      { freeSeats: view.free ?? 0, removableExact: view.removable.exact },
      this.now(),
    );
    // Turning auto-renew off no longer stops a new-commerce subscription: say so on the confirmation.
    const warning =
      action === 'auto-renew-off' ? autoRenewOffWarning(view.termEnd, view.commitmentEndDate, view.cancellationAllowedUntil) : '';
    return plan.ok && warning ? { ...plan, summary: warning } : plan;
  }

  /**
   * A marketplace seat change is a Change order, a cancellation a Termination order: wait a little for it, else let the queue
   * come back (OrderFollowUp); Failed ends the change with the vendor's reason.
   */
  private async followChangeOrder(tenantId: string, requestId: string, vendor: string): Promise<string | undefined> {
    const { marketplace } = this.deps;
    if (!marketplace) return undefined;
    const order = await this.orderFor(tenantId, requestId);
    if (!order) return undefined; // nothing needed ordering (already at the target)
    const now = order.final ? order : await marketplace.waitForOrder(tenantId, order.id, { timeoutMs: this.deps.orderWaitMs ?? 4000 });
    if (now.status === 'Completed') return now.id;
    if (now.status === 'Failed' || now.status === 'Deleted') {
      throw new ConnectorError(
        'invalid-request',
        `${vendor} did not accept ${now.type} order ${now.id}: ${now.statusNotes ?? `it ended as ${now.status}`} Nothing was changed.`,
        { service: 'marketplace', code: 'order-failed' },
      );
    }
    throw new OrderFollowUp(15);
  }

  /** The marketplace order placed for this request (its client reference), if any. */
  private async orderFor(tenantId: string, requestId: string) {
    return (await this.deps.marketplace?.listOrders(tenantId))?.find((o) => o.clientReference === requestId);
  }

  advice(error: ConnectorError, request: StoredRequest): string {
    return changeAdvice(error, request);
  }

  private async call(tenantId: string, change: SubscriptionChange, requestId: string): Promise<void> {
    const { commerce } = this.deps;
    const id = change.subscriptionId;
    switch (change.action) {
      case 'add-seats':
      case 'remove-seats':
        await commerce.setQuantity(tenantId, id, change.after.quantity, requestId);
        return;
      case 'reduce-at-renewal':
        await commerce.scheduleNextTerm(tenantId, id, change.after.scheduledQuantity ?? null, requestId);
        return;
      case 'cancel-scheduled-change':
        await commerce.scheduleNextTerm(tenantId, id, null, requestId);
        return;
      case 'suspend':
      case 'reactivate':
      case 'cancel':
        await commerce.updateSubscription(tenantId, id, { status: change.after.status as 'active' | 'suspended' | 'deleted' }, requestId);
        return;
      case 'auto-renew-on':
      case 'auto-renew-off':
        await commerce.updateSubscription(tenantId, id, { autoRenewEnabled: change.after.autoRenewEnabled }, requestId);
        return;
    }
  }

  /** A subscription as the cards show it, with the seat lots Quartermaster recorded for it. */
  private view(
    s: CommerceSubscription,
    offers: readonly CatalogOffer[],
    skus: readonly SubscribedSku[],
    recorded: readonly SeatLot[],
  ): SubscriptionView {
    const offer = offers.find((o) => o.offerId.toLowerCase() === s.offerId.toLowerCase());
    const sku = offer && skus.find((k) => k.skuPartNumber.toLowerCase() === offer.skuPartNumber.toLowerCase());
    const termDuration = s.termDuration === 'P1M' ? 'P1M' : 'P1Y';
    const commitmentEndDate = s.commitmentEndDate ? toUtc(s.commitmentEndDate) : new Date(0).toISOString();
    const { lots, exact } = reconcileLots(s.quantity, s.refundOptions ?? [], recorded, this.now());
    const terms: SubscriptionView['terms'] = {
      status: s.status,
      quantity: s.quantity,
      lots,
      commitmentEndDate,
      autoRenewEnabled: s.autoRenewEnabled,
      termDuration,
      ...(s.scheduledNextTerm && { scheduledQuantity: s.scheduledNextTerm.quantity }),
    };
    const removable = removableSeats(terms, this.now());
    const vendorSeats = s.provider === 'marketplace';
    const free = vendorSeats
      ? freeVendorSeats(s)
      : sku
        ? Math.max(0, Math.min(sku.enabledUnits - sku.consumedUnits, s.quantity))
        : undefined;
    const assigned = vendorSeats ? (s.assignedEmails?.length ?? 0) : sku?.consumedUnits;
    return {
      id: s.id,
      productName: offer?.name ?? s.offerName,
      offerId: s.offerId,
      ...(offer && { productId: offer.productId, skuPartNumber: offer.skuPartNumber, unitPrice: offer.unitPrice }),
      status: s.status,
      bought: s.quantity,
      ...(assigned !== undefined && { assigned, free }),
      termDuration,
      billingCycle: s.billingCycle,
      commitmentEndDate,
      autoRenewEnabled: s.autoRenewEnabled,
      ...(s.scheduledNextTerm && { scheduledQuantity: s.scheduledNextTerm.quantity }),
      removable: { seats: removable.seats, ...(removable.until && { until: removable.until }), exact },
      termEnd: termEndOutcome({
        provider: vendorSeats ? 'marketplace' : 'partner-center',
        status: s.status,
        autoRenewEnabled: s.autoRenewEnabled,
        // The uplift is 3 % where the same SKU is also sold on a one-month term, 23 % where not.
        monthlyTermExists: offers.some(
          (o) => offer !== undefined && o.productId === offer.productId && o.skuId === offer.skuId && o.termDuration === 'P1M',
        ),
      }),
      ...(s.cancellationAllowedUntil && { cancellationAllowedUntil: s.cancellationAllowedUntil }),
      terms,
      version: snapshotVersion(snapshotOf(terms)),
      ...(vendorSeats && {
        marketplace: {
          vendor: offer?.vendor ?? 'The vendor',
          downsizeOnlyAtAnniversary: s.downsizeOnlyAtAnniversary === true,
          ...(s.anniversaryDate && { anniversaryDate: s.anniversaryDate, downsize: downsizeWindow(s.anniversaryDate, this.now()) }),
        },
      }),
    };
  }
}

function auditSnapshot(s: SubscriptionSnapshot) {
  return {
    quantity: s.quantity,
    status: s.status,
    autoRenew: s.autoRenewEnabled,
    ...(s.scheduledQuantity !== undefined && { quantityAtRenewal: s.scheduledQuantity }),
  };
}

/** What to do next when Partner Center refused a change, for the admin who asked. */
export function changeAdvice(error: ConnectorError, request: StoredRequest): string {
  const product = request.product.name;
  // The marketplace's and the vendor's own words (a Failed order, a refused downsize) say what happened.
  if (error.details.service === 'marketplace') return error.vendorWords;
  switch (error.kind) {
    case 'cannot-decrease':
      return `Partner Center refused: those ${product} seats are past their 7-day window (800090). Use "Reduce at renewal" on the subscription instead.`;
    case 'subscription-suspended':
      return `The ${product} subscription is suspended, and a suspended subscription cannot be changed (800091). Reactivate it first.`;
    case 'quantity-out-of-range':
      return `Partner Center refused the new seat count for ${product} (out of range for this offer).`;
    case 'order-in-progress':
      return `Partner Center is still processing an earlier change to ${product}. Try again in a few minutes.`;
    case 'unauthorized':
      return 'Quartermaster is not allowed to change subscriptions in your tenant any more (the connection needs attention). Reconnect it, then try again.';
    case 'not-found':
      return `The ${product} subscription no longer exists in Partner Center.`;
    default:
      return error.message;
  }
}
