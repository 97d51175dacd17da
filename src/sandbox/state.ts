// The sandbox's in-memory world, shared by the emulators and open to tests. Partner Center
// data (subscriptions, orders) lives on the customer's tenant, so a seat bought through
// Partner Center shows up at once in Graph's subscribedSkus: seat totals are derived from
// subscriptions and seats used from users' licenses, never stored twice.
import { IdentityState } from './identity-state.js';
import { systemClock, type Clock } from '../clock.js';
import type { SandboxSeed, SeedApp, SeedOffer, SeedPartner, SeedUser } from './seed.js';

export type ServiceName = 'partnerCenter' | 'graph' | 'login' | 'costManagement' | 'costExplorer' | 'sts' | 'marketplace' | 'billing';

export interface RecordedRequest {
  service: ServiceName;
  method: string;
  /** Path without the query string. */
  path: string;
  /** The route pattern that matched, e.g. `/v1/customers/{customerId}/orders` ("unmatched" if none). */
  route: string;
  status: number;
  at: string;
  /** MS-RequestId (Partner Center) when sent. */
  requestId?: string;
  /** MS-CorrelationId (Partner Center) or client-request-id (Graph) when sent. */
  correlationId?: string;
  /** The tenant of the access token, when one was valid. */
  tenantId?: string;
  /** The signed-in user (userPrincipalName) of a delegated token (Partner Center: the agent), when one was valid. */
  user?: string;
  /** True when a fault switch answered (or replaced the answer). */
  faulted: boolean;
  /** True when Partner Center answered a repeated MS-RequestId with its earlier answer (nothing applied). */
  replayed: boolean;
}

export interface SandboxUser extends Omit<
  SeedUser,
  'licenses' | 'lastSignInDaysAgo' | 'lastNonInteractiveSignInDaysAgo' | 'lastSuccessfulSignInDaysAgo'
> {
  /** Graph skuIds the user holds; changed through SandboxState.setLicenses (it keeps the seat counts). */
  readonly assignedSkuIds: readonly string[];
  /** Per held skuId, the service plan ids switched off on assignment (Graph assignedLicenses[].disabledPlans). */
  readonly disabledPlans?: Readonly<Record<string, readonly string[]>>;
  /** Graph signInActivity; null (or absent) = never. */
  lastSignInDateTime?: Date | null;
  lastNonInteractiveSignInDateTime?: Date | null;
  /** Absent: the later of the two above (no failed attempts). */
  lastSuccessfulSignInDateTime?: Date | null;
}

/** Partner Center `scheduledNextTermInstructions`: what the subscription becomes at renewal. */
export interface ScheduledNextTermInstructions {
  product: { productId: string; skuId: string; availabilityId: string; billingCycle: string; termDuration: string };
  quantity: number;
}

export interface SeatLot {
  quantity: number;
  purchasedAt: Date;
}

export interface SandboxSubscription {
  id: string;
  offer: SeedOffer;
  friendlyName: string;
  /** As ordered: P1Y offers can be billed monthly or annually, P1M only monthly. */
  billingCycle: string;
  /** `pending`: ordered, still being provisioned (tests set it to see how it is shown). */
  status: 'active' | 'suspended' | 'deleted' | 'pending';
  autoRenewEnabled: boolean;
  creationDate: Date;
  /** Seats by purchase: each lot can be removed only within 7 days of its purchase. */
  lots: SeatLot[];
  /** The order that created it. */
  orderId?: string;
  /** A change scheduled for the next renewal (needs auto-renew). */
  scheduledNextTermInstructions?: ScheduledNextTermInstructions;
}

export interface SandboxOrderLine {
  lineItemNumber: number;
  offerId: string;
  subscriptionId: string;
  quantity: number;
  termDuration: string;
  transactionType: 'New';
  /**
   * What one seat cost for the order's billing plan on the price sheet when the order was placed
   * (decimal string, USD like the orders); absent for an order Partner Center did not price.
   */
  unitPrice?: string;
}

export interface SandboxOrder {
  id: string;
  customerId: string;
  billingCycle: string;
  lineItems: SandboxOrderLine[];
  creationDate: Date;
  status: 'pending' | 'completed' | 'cancelled';
  /** The MS-RequestId it was created with. */
  requestId?: string;
}

export interface SandboxTenant {
  id: string;
  displayName: string;
  domain: string;
  consentedAppIds: Set<string>;
  /** Tenant-wide user consent off (see SeedTenant). */
  userConsentDisabled?: boolean;
  users: Map<string, SandboxUser>;
  /** memberIds may name users or other groups (nested groups: Graph's transitiveMembers follows them). */
  groups: Map<string, { id: string; displayName: string; memberIds: string[] }>;
  administrativeUnits: Map<string, { id: string; displayName: string; memberIds: string[] }>;
  /** Partner Center view of this tenant as a customer. */
  subscriptions: Map<string, SandboxSubscription>;
  orders: Map<string, SandboxOrder>;
  /** Graph lists these as capabilityStatus "Deleted" (see SeedTenant.retiredSkus). */
  retiredSkus: { skuPartNumber: string; graphSkuId: string }[];
  /** Entra ID P1/P2: false makes signInActivity answer 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant. */
  entraIdPremium: boolean;
}

export interface SubscribedSkuState {
  offer: SeedOffer;
  enabled: number;
  suspended: number;
  consumed: number;
}

export const subscriptionQuantity = (subscription: SandboxSubscription) => subscription.lots.reduce((sum, lot) => sum + lot.quantity, 0);

const DAY_MS = 24 * 60 * 60 * 1000;

export class SandboxState {
  readonly apps = new Map<string, SeedApp>();
  /** Partner Center accounts (see SeedPartner); `partner` is the first, the one the app is configured for. */
  readonly partners: SeedPartner[];
  readonly catalog: SeedOffer[];
  readonly tenants = new Map<string, SandboxTenant>();
  readonly requests: RecordedRequest[] = [];
  /** Seats in use per tenant and Graph skuId (see usedSeats); dropped whenever a license changes. */
  private readonly seatsUsed = new Map<string, Map<string, number>>();
  /** Partner Center answers already given, by customer + route + MS-RequestId. */
  readonly idempotentResponses = new Map<string, { status: number; body: unknown }>();
  /** Interactive sign-ins: accounts, authorization codes, refresh tokens, and their clock. */
  readonly identity: IdentityState;

  /** The sandbox's calendar: seeded dates count back from it, purchases are stamped with it. */
  readonly clock: Clock;

  constructor(
    private readonly seed: SandboxSeed,
    clock: Clock = systemClock,
  ) {
    this.clock = clock;
    const now = clock();
    for (const app of seed.apps) this.apps.set(app.clientId, { ...app });
    this.identity = new IdentityState(seed.signInAccounts ?? [], clock);
    this.partners = seed.partners.map((p) => ({ ...p, customerIds: [...p.customerIds] }));
    this.catalog = seed.catalog.map((offer) => ({ ...offer, servicePlans: offer.servicePlans.map((p) => ({ ...p })) }));

    for (const t of seed.tenants) {
      const tenant: SandboxTenant = {
        id: t.id,
        displayName: t.displayName,
        domain: t.domain,
        consentedAppIds: new Set(t.consentedAppIds),
        ...(t.userConsentDisabled ? { userConsentDisabled: true } : {}),
        users: new Map(),
        groups: new Map(t.groups.map((g) => [g.id, { ...g, memberIds: [...g.memberIds] }])),
        administrativeUnits: new Map((t.administrativeUnits ?? []).map((a) => [a.id, { ...a, memberIds: [...a.memberIds] }])),
        subscriptions: new Map(),
        orders: new Map(),
        retiredSkus: (t.retiredSkus ?? []).map((r) => ({ ...r })),
        entraIdPremium: t.entraIdPremium ?? true,
      };
      for (const s of t.subscriptions) {
        const offer = this.offer(s.offerId);
        if (!offer) throw new Error(`sandbox seed: subscription ${s.id} names unknown offer ${s.offerId}`);
        const purchasedAt = new Date(now.getTime() - s.purchasedDaysAgo * DAY_MS);
        const addedLots = (s.addedLots ?? []).map((lot) => ({
          quantity: lot.quantity,
          purchasedAt: new Date(now.getTime() - lot.purchasedDaysAgo * DAY_MS),
        }));
        tenant.subscriptions.set(s.id, {
          id: s.id,
          offer,
          friendlyName: offer.title,
          billingCycle: offer.billingCycle,
          status: s.status,
          autoRenewEnabled: s.autoRenewEnabled,
          creationDate: purchasedAt,
          lots: [{ quantity: s.quantity, purchasedAt }, ...addedLots].sort((a, b) => a.purchasedAt.getTime() - b.purchasedAt.getTime()),
        });
      }
      for (const { licenses, lastSignInDaysAgo, lastNonInteractiveSignInDaysAgo, lastSuccessfulSignInDaysAgo, ...user } of t.users) {
        const assignedSkuIds = licenses.map((part) => {
          const offer = this.catalog.find((o) => o.skuPartNumber === part);
          if (!offer) throw new Error(`sandbox seed: user ${user.id} holds unknown license ${part}`);
          return offer.graphSkuId;
        });
        if (assignedSkuIds.length > 0 && !user.usageLocation)
          throw new Error(`sandbox seed: user ${user.id} holds licenses without a usage location`);
        const daysAgo = (days: number | null | undefined) => (days === null ? null : new Date(now.getTime() - (days ?? 1) * DAY_MS));
        tenant.users.set(user.id, {
          ...user,
          assignedSkuIds,
          lastSignInDateTime: daysAgo(lastSignInDaysAgo),
          lastNonInteractiveSignInDateTime: daysAgo(lastNonInteractiveSignInDaysAgo),
          ...(lastSuccessfulSignInDaysAgo !== undefined ? { lastSuccessfulSignInDateTime: daysAgo(lastSuccessfulSignInDaysAgo) } : {}),
        });
      }
      this.tenants.set(tenant.id, tenant);
      for (const sku of this.subscribedSkus(tenant.id)) {
        if (sku.consumed > sku.enabled)
          throw new Error(`sandbox seed: tenant ${tenant.id} uses ${sku.consumed} ${sku.offer.skuPartNumber} seats of ${sku.enabled}`);
      }
    }
  }

  /**
   * Back to the seeded world, dated from the clock's now: tenants, users and their licenses,
   * subscriptions, orders, recorded requests, Partner Center's replay memory. In place, as
   * the emulators hold this object. Sign-ins (identity) stay, so issued tokens keep working.
   */
  reset(): void {
    Object.assign(this, new SandboxState(this.seed, this.clock), { identity: this.identity });
  }

  /** By new-commerce offer id `productId:skuId:availabilityId`. */
  offer(offerId: string): SeedOffer | undefined {
    return this.catalog.find((o) => `${o.productId}:${o.skuId}:${o.availabilityId}` === offerId);
  }

  tenant(tenantId: string): SandboxTenant | undefined {
    return this.tenants.get(tenantId);
  }

  /** The partner the app's configuration names (the first account of the seed). */
  get partner(): SeedPartner {
    return this.partners[0]!;
  }

  /** The Partner Center account of a partner tenant, if it has one. */
  partnerAccount(tenantId: string): SeedPartner | undefined {
    return this.partners.find((p) => p.tenantId.toLowerCase() === tenantId.toLowerCase());
  }

  /** The indirect reseller a customer of `provider` buys through, if any. */
  resellerOf(provider: SeedPartner, customerId: string): SeedPartner | undefined {
    return this.partners.find(
      (p) => p.kind === 'indirect-reseller' && p.providerTenantId === provider.tenantId && p.customerIds.includes(customerId),
    );
  }

  /** A user by object id or userPrincipalName (case-insensitive, as Graph). */
  findUser(tenantId: string, idOrUpn: string): SandboxUser | undefined {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return undefined;
    const direct = tenant.users.get(idOrUpn);
    if (direct) return direct;
    const upn = idOrUpn.toLowerCase();
    return [...tenant.users.values()].find((u) => u.userPrincipalName.toLowerCase() === upn);
  }

  /** Replaces the licenses a user holds. */
  setLicenses(tenantId: string, userId: string, skuIds: readonly string[]): void {
    const user = this.findUser(tenantId, userId);
    if (!user) throw new Error(`sandbox: no user ${userId} in tenant ${tenantId}`);
    const held = [...new Set(skuIds)];
    (user as { assignedSkuIds: readonly string[] }).assignedSkuIds = held;
    // A license removed takes its disabled plans with it.
    const disabled = Object.entries(user.disabledPlans ?? {}).filter(([skuId]) => held.includes(skuId));
    (user as { disabledPlans?: Record<string, readonly string[]> }).disabledPlans = Object.fromEntries(disabled);
    this.seatsUsed.delete(tenantId);
  }

  /** The service plans switched off for the user's license (as assignLicense's disabledPlans sets them). */
  setDisabledPlans(tenantId: string, userId: string, skuId: string, planIds: readonly string[]): void {
    const user = this.findUser(tenantId, userId);
    if (!user) throw new Error(`sandbox: no user ${userId} in tenant ${tenantId}`);
    (user as { disabledPlans?: Record<string, readonly string[]> }).disabledPlans = { ...user.disabledPlans, [skuId]: [...planIds] };
  }

  /** Seats in use per Graph skuId, counted once per license change (as Graph keeps consumedUnits), not per read. */
  private usedSeats(tenant: SandboxTenant): Map<string, number> {
    let used = this.seatsUsed.get(tenant.id);
    if (!used) {
      used = new Map();
      for (const user of tenant.users.values()) for (const skuId of user.assignedSkuIds) used.set(skuId, (used.get(skuId) ?? 0) + 1);
      this.seatsUsed.set(tenant.id, used);
    }
    return used;
  }

  /** Graph's subscribedSkus for a tenant: every license it has subscriptions for or users hold. */
  subscribedSkus(tenantId: string): SubscribedSkuState[] {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return [];
    const result = new Map<string, SubscribedSkuState>();
    const entry = (offer: SeedOffer) => {
      let sku = result.get(offer.graphSkuId);
      if (!sku) result.set(offer.graphSkuId, (sku = { offer, enabled: 0, suspended: 0, consumed: 0 }));
      return sku;
    };
    for (const s of tenant.subscriptions.values()) {
      if (s.status === 'deleted') continue;
      const sku = entry(s.offer);
      if (s.status === 'active') sku.enabled += subscriptionQuantity(s);
      else sku.suspended += subscriptionQuantity(s);
    }
    for (const [skuId, count] of this.usedSeats(tenant)) {
      const offer = this.catalog.find((o) => o.graphSkuId === skuId);
      if (offer) entry(offer).consumed += count;
    }
    return [...result.values()];
  }

  /** prepaidUnits.enabled - consumedUnits for one license (0 when the tenant has none). */
  freeSeats(tenantId: string, skuPartNumber: string): number {
    const sku = this.subscribedSkus(tenantId).find((s) => s.offer.skuPartNumber === skuPartNumber);
    return sku ? sku.enabled - sku.consumed : 0;
  }

  /** Orders of one customer, oldest first. */
  orders(customerId: string): SandboxOrder[] {
    return [...(this.tenants.get(customerId)?.orders.values() ?? [])];
  }

  subscriptions(customerId: string): SandboxSubscription[] {
    return [...(this.tenants.get(customerId)?.subscriptions.values() ?? [])];
  }

  /** Requests matching every given field (route is the pattern, e.g. `/v1/customers/{customerId}/orders`). */
  countRequests(
    filter: Partial<
      Pick<RecordedRequest, 'service' | 'method' | 'route' | 'path' | 'status' | 'requestId' | 'tenantId' | 'faulted' | 'replayed'>
    > = {},
  ): number {
    return this.requests.filter((r) => Object.entries(filter).every(([key, value]) => r[key as keyof RecordedRequest] === value)).length;
  }

  /** Request counts keyed "service METHOD route". */
  requestCountsByRoute(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.requests) {
      const key = `${r.service} ${r.method} ${r.route}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }
}
