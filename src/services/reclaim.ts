// Reclaim: licenses held by people who stopped signing in, the subscriptions that could then
// renew with fewer seats, removing one such license (admins only, once), and the weekly job
// that sends each managed tenant's admins the list.
import type { Clock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import {
  ConnectorError,
  type CommerceSubscription,
  type DirectoryPort,
  type MarketplacePort,
  type SubscribedSku,
} from '../connectors/ports.js';
import { DEFAULT_INACTIVE_DAYS, reclaimCandidates, vendorSeatCandidates, type LicensedUser } from '../domain/reclaim.js';
import type { Logger } from '../logger.js';
import type { ActionLocks } from '../storage/alert-ledger.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { SettingsRepository } from '../storage/settings.js';
import {
  productNameOf,
  type AdminAlerts,
  type ReclaimReport,
  type ReclaimRow,
  type ReclaimSubscription,
  type VendorReclaimRow,
} from './admin-alerts.js';
import type { CatalogService } from './catalog.js';
import type { Actor } from '../domain/roles.js';
import type { RoleService } from './roles.js';
import { done, refused, type Outcome } from './outcome.js';

export const MIN_INACTIVE_DAYS = 7;
export const MAX_INACTIVE_DAYS = 365;
// Long enough for a Graph call with its retries; a crashed holder's lock runs out by itself.
const REMOVAL_LOCK_MS = 2 * 60_000;

export type RemovalOutcome =
  | { kind: 'forbidden'; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'busy'; message: string }
  | { kind: 'already-gone'; message: string }
  | { kind: 'removed'; message: string };

/** Who and what a removal is about, for the confirm step. */
export type RemovalPreview =
  | { ok: true; userId: string; skuId: string; displayName: string; userPrincipalName: string; productName: string }
  | { ok: false; outcome: Exclude<RemovalOutcome, { kind: 'removed' | 'busy' }> };

/** The confirm step of a vendor seat (marketplace): which subscription and e-mail. */
export type VendorRemovalPreview =
  | { ok: true; subscriptionId: string; email: string; displayName: string; productName: string; vendor?: string }
  | { ok: false; outcome: Exclude<RemovalOutcome, { kind: 'removed' | 'busy' }> };

export interface ReclaimDeps {
  /** The calendar. */
  clock: Clock;
  directory: DirectoryPort;
  commerce: {
    listSubscriptions(customerId: string): Promise<CommerceSubscription[]>;
    getSubscription(customerId: string, subscriptionId: string): Promise<CommerceSubscription>;
  };
  /** Vendor-assigned seats (marketplace subscriptions); absent when no marketplace is configured. */
  marketplace?: Pick<MarketplacePort, 'setAssignedUsers'>;
  catalog: CatalogService;
  settings: SettingsRepository;
  roles: RoleService;
  audit: AuditLog;
  locks: ActionLocks;
  alerts: AdminAlerts;
  log: Logger;
}

export const ONLY_ADMINS_RECLAIM = 'Only admins can see licenses to reclaim. Type **help** to see the commands you can use.';
export const ONLY_ADMINS_REMOVE = 'Only admins can remove licenses.';
export const ONLY_ADMINS_SETTINGS = 'Only admins can change the reclaim settings.';

export class ReclaimService {
  constructor(private readonly deps: ReclaimDeps) {}

  /** The reclaim card's content for an admin; Microsoft 365 or Partner Center failing is said in words. */
  async reportFor(actor: Actor, now = this.deps.clock()): Promise<Outcome<ReclaimReport>> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_RECLAIM);
    return whenReachable<Outcome<ReclaimReport>>(
      async () => done(await this.report(actor.tenantId, now)),
      (message) => refused('unavailable', message),
    );
  }

  async inactiveDays(tenantId: string): Promise<number> {
    return (await this.deps.settings.get(tenantId)).reclaimInactiveDays ?? DEFAULT_INACTIVE_DAYS;
  }

  /** Everything the reclaim card shows for one tenant, as of `now`. */
  async report(tenantId: string, now = this.deps.clock()): Promise<ReclaimReport> {
    const [inactiveDays, users, skus, subscriptions, offers] = await Promise.all([
      this.inactiveDays(tenantId),
      this.deps.directory.listUsersWithSignIn(tenantId),
      this.deps.directory.listSubscribedSkus(tenantId),
      // Partner Center only adds the renewal suggestions and product names: without it the
      // people are still worth listing.
      this.deps.commerce
        .listSubscriptions(tenantId)
        .catch((error: unknown) => this.withoutCommerce(error, tenantId, [] as CommerceSubscription[])),
      this.deps.catalog.offers(tenantId).catch((error: unknown) => this.withoutCommerce(error, tenantId, [])),
    ]);
    const partNumberOf = skuPartNumbers(skus);
    const licensed: LicensedUser[] = users.map((u) => ({
      id: u.id,
      displayName: u.displayName,
      userPrincipalName: u.userPrincipalName,
      ...(u.lastSignInAt ? { lastSignInAt: u.lastSignInAt } : {}),
      licenses: u.licenseSkuIds.map((skuId) => ({ skuId, skuPartNumber: partNumberOf(skuId) })),
    }));
    const rows: ReclaimRow[] = reclaimCandidates(licensed, now, inactiveDays).flatMap((c) =>
      c.licenses.map((license) => ({
        userId: c.id,
        displayName: c.displayName,
        userPrincipalName: c.userPrincipalName,
        skuId: license.skuId,
        skuPartNumber: license.skuPartNumber,
        productName: productNameOf(offers, license.skuPartNumber),
        neverSignedIn: c.neverSignedIn,
        ...(c.lastSignInAt ? { lastSignInAt: c.lastSignInAt } : {}),
        ...(c.daysInactive !== undefined ? { daysInactive: c.daysInactive } : {}),
      })),
    );
    const skuPartOfOffer = new Map(offers.map((o) => [o.offerId.toLowerCase(), o.skuPartNumber.toLowerCase()]));
    const vendorOf = new Map(offers.map((o) => [o.offerId.toLowerCase(), o.vendor]));
    const vendorSeats = subscriptions
      .filter((s) => s.provider === 'marketplace' && s.status === 'active' && (s.assignedEmails?.length ?? 0) > 0)
      .map((s) => ({
        subscriptionId: s.id,
        productName: s.offerName,
        vendor: vendorOf.get(s.offerId.toLowerCase()),
        emails: s.assignedEmails ?? [],
      }))
      .map(({ vendor, ...rest }) => (vendor ? { ...rest, vendor } : rest));
    const people = users.map((u) => ({
      id: u.id,
      displayName: u.displayName,
      userPrincipalName: u.userPrincipalName,
      ...(u.mail ? { mail: u.mail } : {}),
      ...(u.lastSignInAt ? { lastSignInAt: u.lastSignInAt } : {}),
    }));
    const vendorRows: VendorReclaimRow[] = vendorSeatCandidates(vendorSeats, people, now, inactiveDays).map(
      ({ userId: _userId, ...row }) => row,
    );
    return {
      tenantId,
      inactiveDays,
      generatedAt: now.toISOString(),
      rows,
      ...(vendorRows.length > 0 ? { vendorRows } : {}),
      subscriptions: renewalSuggestions(rows, skus, subscriptions, (s) => skuPartOfOffer.get(s.offerId.toLowerCase())),
    };
  }

  /** The confirm step: does the person still hold the license, and what are they called. */
  async previewRemoval(actor: Actor, userId: string, skuId: string): Promise<RemovalPreview> {
    if (!(await this.isAdmin(actor))) return { ok: false, outcome: FORBIDDEN };
    return whenReachable(() => this.previewLicense(actor, userId, skuId), unreachablePreview);
  }

  private async previewLicense(actor: Actor, userId: string, skuId: string): Promise<RemovalPreview> {
    const found = await this.lookUp(actor.tenantId, userId, skuId);
    if (!found.ok) return found;
    return {
      ok: true,
      userId,
      skuId,
      displayName: found.displayName,
      userPrincipalName: found.userPrincipalName,
      productName: found.productName,
    };
  }

  /**
   * Removes one license through Graph, once: a lock keeps concurrent clicks apart, and the
   * license is checked again under it, so a repeated click finds it gone and changes nothing.
   */
  async removeLicense(actor: Actor, userId: string, skuId: string, now = this.deps.clock()): Promise<RemovalOutcome> {
    if (!(await this.isAdmin(actor))) return FORBIDDEN;
    return whenReachable(() => this.removeLicenseOnce(actor, userId, skuId, now), unreachableRemoval);
  }

  private async removeLicenseOnce(actor: Actor, userId: string, skuId: string, now: Date): Promise<RemovalOutcome> {
    const lockKey = `license-removal|${userId.toLowerCase()}|${skuId.toLowerCase()}`;
    return this.underRemovalLock(
      actor.tenantId,
      lockKey,
      'Someone is removing this license right now. The list below is as it stands.',
      now,
      async (holder) => {
        const found = await this.lookUp(actor.tenantId, userId, skuId);
        if (!found.ok) return found.outcome;
        await this.deps.directory.removeLicense(actor.tenantId, userId, skuId);
        await this.deps.audit.record({
          tenantId: actor.tenantId,
          actorId: actor.aadObjectId,
          actorName: actor.name,
          action: 'license.removed',
          target: found.userPrincipalName || userId,
          before: { userId, licenses: found.heldPartNumbers },
          after: { userId, licenses: found.heldPartNumbers.filter((p) => p !== found.skuPartNumber) },
          correlationId: holder,
          at: now,
        });
        return { kind: 'removed', message: `Removed ${found.productName} from ${found.displayName}. The seat is free for someone else.` };
      },
    );
  }

  /** The confirm step of a vendor seat: does the e-mail still hold one, as the marketplace has it now. */
  async previewVendorRemoval(actor: Actor, subscriptionId: string, email: string): Promise<VendorRemovalPreview> {
    if (!(await this.isAdmin(actor))) return { ok: false, outcome: FORBIDDEN };
    return whenReachable(() => this.previewVendorSeat(actor, subscriptionId, email), unreachablePreview);
  }

  private async previewVendorSeat(actor: Actor, subscriptionId: string, email: string): Promise<VendorRemovalPreview> {
    const found = await this.lookUpVendorSeat(actor.tenantId, subscriptionId, email);
    if (!found.ok) return found;
    return {
      ok: true,
      subscriptionId: found.subscription.id,
      email: found.email,
      displayName: found.displayName,
      productName: found.subscription.offerName,
      ...(found.vendor ? { vendor: found.vendor } : {}),
    };
  }

  /**
   * Takes one e-mail off a vendor-assigned subscription (marketplace), once: the same lock as a
   * Graph license, and the seat checked again under it, so a repeated click changes nothing.
   */
  async removeVendorSeat(actor: Actor, subscriptionId: string, email: string, now = this.deps.clock()): Promise<RemovalOutcome> {
    if (!(await this.isAdmin(actor))) return FORBIDDEN;
    return whenReachable(() => this.removeVendorSeatOnce(actor, subscriptionId, email, now), unreachableRemoval);
  }

  private async removeVendorSeatOnce(actor: Actor, subscriptionId: string, email: string, now: Date): Promise<RemovalOutcome> {
    const lockKey = `vendor-seat-removal|${subscriptionId.toLowerCase()}|${email.toLowerCase()}`;
    return this.underRemovalLock(
      actor.tenantId,
      lockKey,
      'Someone is removing this seat right now. The list below is as it stands.',
      now,
      async (holder) => {
        const found = await this.lookUpVendorSeat(actor.tenantId, subscriptionId, email);
        if (!found.ok) return found.outcome;
        const before = found.subscription.assignedEmails ?? [];
        const after = before.filter((e) => e.toLowerCase() !== email.toLowerCase());
        await this.deps.marketplace!.setAssignedUsers(actor.tenantId, found.subscription.id, after);
        await this.deps.audit.record({
          tenantId: actor.tenantId,
          actorId: actor.aadObjectId,
          actorName: actor.name,
          action: 'license.removed',
          target: found.email,
          before: {
            subscriptionId: found.subscription.id,
            product: found.subscription.offerName,
            email: found.email,
            assignedEmails: before,
          },
          after: {
            subscriptionId: found.subscription.id,
            product: found.subscription.offerName,
            email: found.email,
            assignedEmails: after,
          },
          correlationId: holder,
          at: now,
        });
        return {
          kind: 'removed',
          message: `Removed ${found.subscription.offerName} from ${found.displayName}. The seat is free for someone else.`,
        };
      },
    );
  }

  /** Runs one removal under its lock (the holder id doubles as the audit's correlation id); busy when someone else holds it. */
  private async underRemovalLock(
    tenantId: string,
    lockKey: string,
    busyMessage: string,
    now: Date,
    remove: (holder: string) => Promise<RemovalOutcome>,
  ): Promise<RemovalOutcome> {
    const holder = randomUUID();
    if (!(await this.deps.locks.acquire(tenantId, lockKey, holder, REMOVAL_LOCK_MS, now))) return { kind: 'busy', message: busyMessage };
    try {
      return await remove(holder);
    } finally {
      await this.deps.locks
        .release(tenantId, lockKey, holder)
        .catch((error: unknown) => this.deps.log.warn({ err: error }, 'could not release a removal lock; it expires by itself'));
    }
  }

  /** `set reclaim days N`: whole days from 7 to 365. */
  async setInactiveDays(actor: Actor, text: string): Promise<Outcome> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SETTINGS);
    const days = /^\d{1,4}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
    if (!(days >= MIN_INACTIVE_DAYS && days <= MAX_INACTIVE_DAYS))
      return refused(
        'invalid',
        `Give a whole number of days from ${MIN_INACTIVE_DAYS} to ${MAX_INACTIVE_DAYS}, e.g. **set reclaim days 60**. Nothing was changed.`,
      );
    const { before, after } = await this.deps.settings.update(actor.tenantId, (current) => ({
      ...current,
      reclaimInactiveDays: days,
      updatedBy: actor.aadObjectId,
      updatedAt: this.deps.clock().toISOString(),
    }));
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'settings.reclaim-days',
      target: 'reclaim',
      before: { inactiveDays: before.reclaimInactiveDays ?? DEFAULT_INACTIVE_DAYS },
      after: { inactiveDays: after.reclaimInactiveDays },
    });
    return done(
      undefined,
      `Done: licenses of people who have not signed in for ${days} days or more are suggested for reclaim. Type **reclaim** to see them.`,
    );
  }

  /** The weekly job: one card per managed tenant that has something to reclaim. */
  async run(now: Date): Promise<{ tenants: number; sent: number; failed: number }> {
    const counts = { tenants: 0, sent: 0, failed: 0 };
    for (const tenantId of this.deps.roles.tenants()) {
      counts.tenants++;
      try {
        const report = await this.report(tenantId, now);
        if (report.rows.length === 0 && (report.vendorRows?.length ?? 0) === 0) continue;
        if ((await this.deps.alerts.sendReclaim(report)) > 0) counts.sent++;
      } catch (error) {
        counts.failed++;
        this.deps.log.warn({ err: error, tenantId }, 'reclaim: could not check this tenant');
      }
    }
    return counts;
  }

  private withoutCommerce<T>(error: unknown, tenantId: string, fallback: T): T {
    if (!(error instanceof ConnectorError)) throw error;
    this.deps.log.warn({ err: error, tenantId }, 'reclaim: Partner Center did not answer; listing people without renewal suggestions');
    return fallback;
  }

  private isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin({ tenantId: actor.tenantId, aadObjectId: actor.aadObjectId });
  }

  /** The person and whether they hold the license now (asked of Graph, never taken from the card). */
  private async lookUp(tenantId: string, userId: string, skuId: string) {
    const [user, held, skus, offers] = await Promise.all([
      this.deps.directory.getUser(tenantId, userId),
      this.deps.directory.licenseSkuIds(tenantId, userId).catch((error: unknown) => {
        if (error instanceof ConnectorError && error.kind === 'not-found') return undefined;
        throw error;
      }),
      this.deps.directory.listSubscribedSkus(tenantId),
      this.deps.catalog.offers(tenantId),
    ]);
    if (!user || !held)
      return {
        ok: false as const,
        outcome: { kind: 'not-found' as const, message: "I can't find that person in your directory any more." },
      };
    const partNumberOf = skuPartNumbers(skus);
    const skuPartNumber = partNumberOf(skuId);
    const productName = productNameOf(offers, skuPartNumber);
    if (!held.some((id) => id.toLowerCase() === skuId.toLowerCase())) {
      return {
        ok: false as const,
        outcome: { kind: 'already-gone' as const, message: `${user.displayName} no longer has ${productName}: nothing to remove.` },
      };
    }
    return {
      ok: true as const,
      displayName: user.displayName,
      userPrincipalName: user.userPrincipalName,
      skuPartNumber,
      productName,
      heldPartNumbers: held.map(partNumberOf),
    };
  }

  /** The subscription and whether the e-mail holds one of its seats now (asked of the marketplace, never taken from the card). */
  private async lookUpVendorSeat(tenantId: string, subscriptionId: string, email: string) {
    const gone = { ok: false as const, outcome: { kind: 'not-found' as const, message: "I can't find that subscription any more." } };
    if (!this.deps.marketplace) return gone;
    const [subscription, person] = await Promise.all([
      this.deps.commerce.getSubscription(tenantId, subscriptionId).catch((error: unknown) => {
        if (error instanceof ConnectorError && error.kind === 'not-found') return undefined;
        throw error;
      }),
      this.deps.directory.getUser(tenantId, email).catch((error: unknown) => {
        if (error instanceof ConnectorError && error.kind !== 'unauthorized' && !error.transient) return undefined;
        throw error;
      }),
    ]);
    if (!subscription || subscription.provider !== 'marketplace') return gone;
    const displayName = person?.displayName ? `${person.displayName} (${email})` : email;
    const held = (subscription.assignedEmails ?? []).find((e) => e.toLowerCase() === email.toLowerCase());
    if (!held || subscription.status !== 'active') {
      return {
        ok: false as const,
        outcome: {
          kind: 'already-gone' as const,
          message: `${email} no longer holds a seat of ${subscription.offerName}: nothing to remove.`,
        },
      };
    }
    const vendor = (await this.deps.catalog.offers(tenantId).catch(() => [])).find(
      (o) => o.offerId.toLowerCase() === subscription.offerId.toLowerCase(),
    )?.vendor;
    return { ok: true as const, subscription, email: held, displayName, ...(vendor ? { vendor } : {}) };
  }
}

const FORBIDDEN = { kind: 'forbidden' as const, message: ONLY_ADMINS_REMOVE };

/**
 * Runs `call`; a Graph or Partner Center failure becomes `unreachable` with one line saying what
 * to do, anything else is rethrown (a fault of ours, for the error boundary).
 */
async function whenReachable<T>(call: () => Promise<T>, unreachable: (message: string) => T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    if (error.details.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant')
      return unreachable(
        'Reclaim needs the last sign-in of each person, and Microsoft shares it only with tenants that have Microsoft Entra ID P1 or P2 (included in Microsoft 365 E3, E5 and Business Premium). This tenant has neither. Add Entra ID P1 (a trial works), then type **reclaim** again; until then, check sign-ins in the Microsoft Entra admin center.',
      );
    if (error.kind === 'unauthorized')
      return unreachable(
        'Quartermaster may not read your directory or subscriptions: check the admin consent of the Quartermaster app in your tenant.',
      );
    if (error.transient) return unreachable('Microsoft 365 or Partner Center is not answering right now. Try again in a few minutes.');
    return unreachable(`Microsoft 365 or Partner Center refused the request (${error.message}). Nothing was changed.`);
  }
}
const unreachablePreview = (message: string) => ({ ok: false as const, outcome: { kind: 'unavailable' as const, message } });
const unreachableRemoval = (message: string): RemovalOutcome => ({ kind: 'unavailable', message });

function skuPartNumbers(skus: readonly SubscribedSku[]): (skuId: string) => string {
  const byId = new Map(skus.map((s) => [s.skuId.toLowerCase(), s.skuPartNumber]));
  return (skuId) => byId.get(skuId.toLowerCase()) ?? skuId;
}

/**
 * Per license in the report, the subscription to shrink at renewal: the active, auto-renewing
 * one that renews first (a subscription that will not renew ends anyway). Seats beyond what the
 * remaining active people need can go, keeping at least one.
 */
function renewalSuggestions(
  rows: readonly ReclaimRow[],
  skus: readonly SubscribedSku[],
  subscriptions: readonly CommerceSubscription[],
  skuPartOf: (s: CommerceSubscription) => string | undefined,
): ReclaimSubscription[] {
  const inactiveBySku = new Map<string, number>();
  for (const row of rows) inactiveBySku.set(row.skuPartNumber.toLowerCase(), (inactiveBySku.get(row.skuPartNumber.toLowerCase()) ?? 0) + 1);
  const suggestions: ReclaimSubscription[] = [];
  for (const [part, inactive] of inactiveBySku) {
    const sku = skus.find((s) => s.skuPartNumber.toLowerCase() === part);
    if (!sku) continue;
    const renewing = subscriptions
      .filter((s) => s.status === 'active' && s.autoRenewEnabled && skuPartOf(s) === part)
      .sort((a, b) => (a.commitmentEndDate ?? '9999').localeCompare(b.commitmentEndDate ?? '9999'));
    const first = renewing[0];
    if (!first) continue;
    const spare = sku.enabledUnits - (sku.consumedUnits - inactive);
    const suggestedQuantity = Math.max(1, first.quantity - spare);
    // Already scheduled that low: nothing more to suggest.
    if (suggestedQuantity >= first.quantity || (first.scheduledNextTerm && first.scheduledNextTerm.quantity <= suggestedQuantity)) continue;
    suggestions.push({
      subscriptionId: first.id,
      productName: first.offerName,
      quantity: first.quantity,
      assigned: sku.consumedUnits,
      inactiveAssigned: inactive,
      suggestedQuantity,
      ...(first.commitmentEndDate ? { renewsAt: first.commitmentEndDate } : {}),
    });
  }
  return suggestions.sort((a, b) => a.productName.localeCompare(b.productName));
}
