// CommercePort (and MarketplacePort) on the SoftwareOne Marketplace Platform Commerce API
// (`/public/v1`), held to the platform's openAPI.yaml. Every change is an order, posted as a
// Draft and then sent with the order's `process` action: a new subscription is a Purchase (for
// a new agreement: with the licensee and the listing's authorization), a seat change a Change
// (quantity + oldQuantity), a cancellation a Termination, auto-renew a Configuration. Orders
// carry the caller's request id as their client reference (externalIds.client): before
// placing one, the connector looks that reference up, so a retry finds the order it already
// placed instead of buying twice. Catalog items carry no price: it comes from the price list of
// the product's listing: the sales price (`unitSP`), the one a client account sees (purchase
// prices, markup and margin are for SoftwareOne operations and vendors only). Audit dates come back only when `audit` is
// selected. Orders are followed politely (growing intervals, bounded by a deadline). Lists
// are filtered with RQL built by ./rql.ts.
import { randomUUID } from 'node:crypto';
import { correlationIdForCall } from '../../correlation.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { exchangeJson, parseJsonBody, parseWire } from '../outbound.js';
import {
  ConnectorError,
  type CatalogItem,
  type CommerceOrder,
  type CommercePort,
  type CommerceSubscription,
  type HealthCheck,
  type MarketplaceAgreementInfo,
  type MarketplaceOrderDetails,
  type MarketplacePort,
  type SubscriptionChange,
  type SubscriptionStatus,
} from '../ports.js';
import { billedAmount } from '../billed-amount.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { marketplaceFailure, NOT_CONNECTED_MESSAGE, TOKEN_EXPIRED_MESSAGE } from './marketplace-errors.js';
import { downsizeOnlyAtAnniversary } from '../../domain/marketplace.js';
import { and, eq, inList, rql, type RqlExpression, type RqlOptions } from './rql.js';

const SERVICE = 'marketplace';
export const DEFAULT_MARKETPLACE_BASE_URL = 'https://api.platform.softwareone.com/public/v1';

/** Marketplace offer ids are "mkt:<itemId>"; subscription and order ids keep the platform's prefixes. */
export const MARKETPLACE_OFFER_PREFIX = 'mkt:';
export const isMarketplaceOfferId = (offerId: string) => offerId.startsWith(MARKETPLACE_OFFER_PREFIX);
export const isMarketplaceSubscriptionId = (id: string) => id.startsWith('SUB-');
export const isMarketplaceOrderId = (id: string) => id.startsWith('ORD-');
export const marketplaceOfferId = (itemId: string) => `${MARKETPLACE_OFFER_PREFIX}${itemId}`;
export const itemIdOf = (offerId: string) => (isMarketplaceOfferId(offerId) ? offerId.slice(MARKETPLACE_OFFER_PREFIX.length) : offerId);

/** The customer's API token (stored encrypted by `connect`); undefined when not connected. */
export type MarketplaceTokenSource = (customerId: string) => Promise<string | undefined>;

export interface MarketplaceOptions {
  /** Default https://api.platform.softwareone.com/public/v1 (the sandbox: its loopback URL). */
  baseUrl?: string;
  tokens: MarketplaceTokenSource;
  retry: RetryPolicy;
  log: Logger;
  /** Order polling: first wait, then doubling up to the max (defaults 1 s → 15 s). */
  polling?: { minIntervalMs?: number; maxIntervalMs?: number; defaultTimeoutMs?: number };
}

// ---------------------------------------------------------------------------------------
// Wire shapes (only the fields used)
// ---------------------------------------------------------------------------------------

const Page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    $meta: z.object({ pagination: z.object({ total: z.number().nullish(), offset: z.number(), limit: z.number() }) }),
    data: z.array(item),
  });
const Ref = z.object({ id: z.string(), name: z.string().nullish() }).passthrough();
const ExternalIds = z.object({ client: z.string().nullish() }).passthrough().nullish();

const Vendor = z.object({ name: z.string() }).passthrough().nullish();
const Terms = z.object({ period: z.string().nullish(), commitment: z.string().nullish() }).passthrough();
const ItemWire = z
  .object({
    id: z.string(),
    name: z.string(),
    product: z.object({ id: z.string(), name: z.string().nullish(), vendor: Vendor }).passthrough(),
    terms: Terms.nullish(),
  })
  .passthrough();
const ListingWire = z
  .object({
    id: z.string(),
    product: z.object({ id: z.string() }).passthrough(),
    authorization: z.object({ id: z.string() }).passthrough().nullish(),
    priceList: z.object({ id: z.string(), currency: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough();
const PriceItemWire = z
  .object({ item: z.object({ id: z.string() }).passthrough(), unitSP: z.number().nullish(), status: z.string().nullish() })
  .passthrough();
const LicenseeWire = z.object({ id: z.string(), status: z.string().nullish() }).passthrough();
const ParameterDefinitionWire = z
  .object({ externalId: z.string().nullish(), name: z.string(), description: z.string().nullish(), options: z.unknown() })
  .passthrough();

const AgreementWire = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.string(),
    licensee: Ref,
    product: Ref,
    vendor: z.object({ name: z.string() }).passthrough().nullish(),
    externalIds: ExternalIds,
  })
  .passthrough();

const SubscriptionWire = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    status: z.string(),
    startDate: z.string().nullish(),
    commitmentDate: z.string().nullish(),
    terms: Terms.nullish(),
    autoRenew: z.boolean().nullish(),
    agreement: Ref,
    product: z.object({ id: z.string(), vendor: Vendor }).passthrough().nullish(),
    lines: z.array(z.object({ item: Ref, quantity: z.number() }).passthrough()),
    assignedUsers: z.array(z.object({ email: z.string() }).passthrough()).nullish(),
  })
  .passthrough();

const ParameterWire = z
  .object({
    externalId: z.string(),
    name: z.string(),
    description: z.string().nullish(),
    type: z.string().nullish(),
    value: z.unknown(),
    error: z.object({ message: z.string() }).passthrough().nullish(),
  })
  .passthrough();

/** OrderLinePrice / OrderSummaryPrice: the month's total of the line (or order) at the client's sales price is what is read. */
const PriceWire = z.object({ currency: z.string().nullish(), SPxM: z.number().nullish() }).passthrough().nullish();

const OrderWire = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.string(),
    externalIds: ExternalIds,
    agreement: z.object({ id: z.string(), externalIds: ExternalIds }).passthrough(),
    product: z.object({ id: z.string() }).passthrough().nullish(),
    lines: z.array(
      z
        .object({ item: Ref, quantity: z.number(), oldQuantity: z.number().nullish(), subscription: Ref.nullish(), price: PriceWire })
        .passthrough(),
    ),
    price: PriceWire,
    parameters: z
      .object({ fulfillment: z.array(ParameterWire).nullish() })
      .passthrough()
      .nullish(),
    statusNotes: z.object({ message: z.string() }).passthrough().nullish(),
    audit: z
      .object({
        created: z.object({ at: z.string() }).passthrough().nullish(),
        updated: z.object({ at: z.string() }).passthrough().nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();

/** A catalog item with what its listing adds: price per billing period (price list) and the authorization it is sold under. */
type Item = z.infer<typeof ItemWire> & { unitSP?: number; currency?: string; authorizationId?: string };
type Order = z.infer<typeof OrderWire>;
type Subscription = z.infer<typeof SubscriptionWire>;

const FINAL_ORDER_STATUSES = ['Completed', 'Failed', 'Deleted'];
const ITEM_CACHE_MS = 10 * 60 * 1000;

export class MarketplaceCommerce implements CommercePort, MarketplacePort {
  private readonly baseUrl: string;
  private tokens: MarketplaceTokenSource;
  private failureListener: ((customerId: string, error: ConnectorError) => void) | undefined;
  private itemCache: { at: number; items: Map<string, Item> } | undefined;

  constructor(private readonly options: MarketplaceOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_MARKETPLACE_BASE_URL).replace(/\/+$/, '');
    this.tokens = options.tokens;
  }

  /** From now on, API tokens come from this source (the composition root: the stored connections). */
  useTokenSource(source: MarketplaceTokenSource): void {
    this.tokens = source;
  }

  /**
   * Told of every 401 (the token expired or was revoked), whichever call got it, even when the
   * caller swallows the error (RoutingCommerce's merged lists): the composition root marks the
   * connection "needs attention".
   */
  onTokenExpired(listener: (customerId: string, error: ConnectorError) => void): void {
    this.failureListener = listener;
  }

  // ---- CommercePort ------------------------------------------------------------------

  /** One offer per catalog item: offerId "mkt:<itemId>", seats assigned by the vendor; priced from its listing's price list. */
  async listOffers(customerId: string): Promise<CatalogItem[]> {
    const items = await this.items(customerId, true);
    return [...items.values()].map((item) => toOffer(item));
  }

  async listSubscriptions(customerId: string): Promise<CommerceSubscription[]> {
    const [subscriptions, items] = await Promise.all([
      this.listAll(customerId, '/commerce/subscriptions', SubscriptionWire, undefined, ['startDate']),
      this.items(customerId),
    ]);
    return subscriptions.map((s) => toSubscription(s, items));
  }

  async getSubscription(customerId: string, subscriptionId: string): Promise<CommerceSubscription> {
    const [subscription, items] = await Promise.all([
      this.get(customerId, `/commerce/subscriptions/${encodeURIComponent(subscriptionId)}`, SubscriptionWire),
      this.items(customerId),
    ]);
    return toSubscription(subscription, items);
  }

  /** Purchase order for a new subscription, under the tenant's Active agreement for the product (or a new one). */
  async createOrder(
    customerId: string,
    line: { offerId: string; quantity: number; billingCycle: string; termDuration?: string },
    requestId: string,
  ): Promise<CommerceOrder> {
    const itemId = itemIdOf(line.offerId);
    const item = (await this.items(customerId)).get(itemId);
    if (!item) throw new ConnectorError('not-found', `marketplace: item ${itemId} is not in the catalog`, { service: SERVICE });
    const order = await this.placeOrder(customerId, requestId, async () => {
      const agreement = await this.activeAgreementFor(customerId, item.product.id);
      if (agreement)
        return {
          type: 'Purchase',
          status: 'Draft',
          agreement: { id: agreement.id },
          externalIds: { client: requestId },
          lines: [{ item: { id: item.id }, quantity: line.quantity }],
          parameters: { ordering: [], fulfillment: [] },
        };
      // A new agreement: whose it is (the account's licensee) and under which authorization (the listing's) it is sold.
      const licensee = await this.licenseeOf(customerId);
      if (!item.authorizationId)
        throw new ConnectorError('invalid-request', `marketplace: ${item.name} has no listing with an authorization to buy it under`, {
          service: SERVICE,
          code: 'no-authorization',
        });
      return {
        type: 'Purchase',
        status: 'Draft',
        agreement: { licensee: { id: licensee }, product: { id: item.product.id } },
        authorization: { id: item.authorizationId },
        externalIds: { client: requestId },
        lines: [{ item: { id: item.id }, quantity: line.quantity }],
        parameters: { ordering: [], fulfillment: [] },
      };
    });
    return toOrder(order!);
  }

  async getOrder(customerId: string, orderId: string): Promise<CommerceOrder> {
    return toOrder(await this.getOrderWire(customerId, orderId));
  }

  async listCustomerOrders(customerId: string): Promise<CommerceOrder[]> {
    return (await this.listAll(customerId, '/commerce/orders', OrderWire, undefined, ['-audit.created.at'], ['audit'])).map(toOrder);
  }

  /**
   * Change order (quantity and oldQuantity). Returns the subscription as it is now, with
   * `pendingOrderId`: the change lands when the order completes (waitForOrder).
   */
  async setQuantity(customerId: string, subscriptionId: string, quantity: number, requestId: string): Promise<CommerceSubscription> {
    let unchanged: CommerceSubscription | undefined;
    const order = await this.placeOrder(customerId, requestId, async () => {
      const current = await this.getSubscription(customerId, subscriptionId);
      if (current.quantity === quantity) {
        unchanged = current;
        return undefined;
      }
      const wire = await this.get(customerId, `/commerce/subscriptions/${encodeURIComponent(subscriptionId)}`, SubscriptionWire);
      return {
        type: 'Change',
        status: 'Draft',
        agreement: { id: wire.agreement.id },
        externalIds: { client: requestId },
        lines: [{ item: { id: itemIdOf(current.offerId) }, quantity, oldQuantity: current.quantity, subscription: { id: subscriptionId } }],
      };
    });
    if (!order) return unchanged!;
    return this.withPendingOrder(customerId, subscriptionId, order);
  }

  /**
   * Cancel ('deleted') = Termination order; auto-renew = Configuration order (the platform
   * changes a subscription's terms through orders only). The marketplace has no suspend:
   * 'suspended' is refused as 'invalid-request'.
   */
  async updateSubscription(
    customerId: string,
    subscriptionId: string,
    change: SubscriptionChange,
    requestId: string,
  ): Promise<CommerceSubscription> {
    if (change.status === 'suspended')
      throw new ConnectorError(
        'invalid-request',
        'marketplace: marketplace subscriptions cannot be suspended; terminate the subscription or turn off auto-renew',
        { service: SERVICE },
      );
    if (change.autoRenewEnabled !== undefined) {
      const autoRenew = change.autoRenewEnabled;
      let unchanged = false;
      const order = await this.placeOrder(customerId, `${requestId}:auto-renew`, async () => {
        const wire = await this.get(customerId, `/commerce/subscriptions/${encodeURIComponent(subscriptionId)}`, SubscriptionWire);
        if ((wire.autoRenew ?? false) === autoRenew) {
          unchanged = true;
          return undefined;
        }
        return {
          type: 'Configuration',
          status: 'Draft',
          agreement: { id: wire.agreement.id },
          externalIds: { client: `${requestId}:auto-renew` },
          subscriptions: [{ id: subscriptionId, autoRenew }],
        };
      });
      if (order && !unchanged && change.status === undefined) return this.withPendingOrder(customerId, subscriptionId, order);
    }
    if (change.status === 'active') {
      const current = await this.getSubscription(customerId, subscriptionId);
      if (current.status !== 'active')
        throw new ConnectorError(
          'invalid-request',
          `marketplace: subscription ${subscriptionId} is ${current.providerStatus ?? current.status} and cannot be reactivated`,
          { service: SERVICE },
        );
      return current;
    }
    if (change.status === 'deleted') {
      const order = await this.placeOrder(customerId, requestId, async () => {
        const wire = await this.get(customerId, `/commerce/subscriptions/${encodeURIComponent(subscriptionId)}`, SubscriptionWire);
        return {
          type: 'Termination',
          status: 'Draft',
          agreement: { id: wire.agreement.id },
          externalIds: { client: requestId },
          subscriptions: [{ id: subscriptionId }],
        };
      });
      return this.withPendingOrder(customerId, subscriptionId, order!);
    }
    return this.getSubscription(customerId, subscriptionId);
  }

  /** The marketplace has no scheduled renewal changes: reduce at the anniversary, or turn auto-renew off. */
  async scheduleNextTerm(_customerId: string, subscriptionId: string): Promise<CommerceSubscription> {
    throw new ConnectorError(
      'invalid-request',
      `marketplace: changes cannot be scheduled for renewal (${subscriptionId}); change the quantity at the anniversary or turn off auto-renew`,
      { service: SERVICE },
    );
  }

  // ---- MarketplacePort ---------------------------------------------------------------

  async listAgreements(customerId: string): Promise<MarketplaceAgreementInfo[]> {
    return (await this.listAll(customerId, '/commerce/agreements', AgreementWire, undefined, ['name'])).map(toAgreement);
  }

  async setPurchaseOrderNumber(customerId: string, agreementId: string, purchaseOrderNumber: string): Promise<MarketplaceAgreementInfo> {
    const po = purchaseOrderNumber.trim();
    if (po.length > 50)
      throw new ConnectorError('invalid-request', 'marketplace: a PO number has at most 50 characters', { service: SERVICE });
    const { body } = await this.send(customerId, 'PUT', `/commerce/agreements/${encodeURIComponent(agreementId)}`, {
      body: { externalIds: { client: po } },
    });
    return toAgreement(parse(AgreementWire, body));
  }

  async getOrderDetails(customerId: string, orderId: string): Promise<MarketplaceOrderDetails> {
    const order = await this.getOrderWire(customerId, orderId);
    const details = toDetails(order);
    if (details.parameters.length === 0 || !order.product?.id) return details;
    // What each asked value is for: the product's parameter definitions (descriptions, choices).
    const definitions = await this.listAll(
      customerId,
      `/catalog/products/${encodeURIComponent(order.product.id)}/parameters`,
      ParameterDefinitionWire,
      undefined,
      undefined,
    ).catch(() => []);
    return {
      ...details,
      parameters: details.parameters.map((p) => {
        const definition = definitions.find((d) => d.externalId === p.externalId);
        const options = Array.isArray(definition?.options)
          ? (definition.options as unknown[]).filter((o): o is string => typeof o === 'string')
          : [];
        return {
          ...p,
          ...(definition?.description && !p.description ? { description: definition.description } : {}),
          ...(options.length > 0 && !p.options ? { options } : {}),
        };
      }),
    };
  }

  /** Orders of the tenant, newest first (e.g. the open ones, for the stuck-order alert). */
  async listOrders(customerId: string, filter: { statuses?: string[] } = {}): Promise<MarketplaceOrderDetails[]> {
    const where = filter.statuses?.length ? inList('status', filter.statuses) : undefined;
    // Audit dates (and sorting on them) only come with `select=audit`: the stuck-order alert needs them.
    return (await this.listAll(customerId, '/commerce/orders', OrderWire, where, ['-audit.created.at'], ['audit'])).map(toDetails);
  }

  async answerQuery(customerId: string, orderId: string, values: Record<string, string>): Promise<MarketplaceOrderDetails> {
    const order = await this.getOrderWire(customerId, orderId);
    if (order.status !== 'Querying')
      throw new ConnectorError('invalid-request', `marketplace: order ${orderId} is ${order.status} and is not waiting for answers`, {
        service: SERVICE,
      });
    const asked = order.parameters?.fulfillment ?? [];
    const unknown = Object.keys(values).filter((key) => !asked.some((p) => p.externalId === key));
    if (unknown.length > 0)
      throw new ConnectorError('invalid-request', `marketplace: order ${orderId} did not ask for ${unknown.join(', ')}`, {
        service: SERVICE,
      });
    const fulfillment = asked
      .filter((p) => values[p.externalId] !== undefined)
      .map((p) => ({ externalId: p.externalId, value: values[p.externalId]! }));
    const path = `/commerce/orders/${encodeURIComponent(orderId)}`;
    await this.send(customerId, 'PUT', path, { body: { parameters: { fulfillment } } });
    await this.send(customerId, 'POST', `${path}/process`, { body: {} });
    return this.getOrderDetails(customerId, orderId);
  }

  async waitForOrder(customerId: string, orderId: string, options: { timeoutMs?: number } = {}): Promise<MarketplaceOrderDetails> {
    const { minIntervalMs = 1000, maxIntervalMs = 15_000, defaultTimeoutMs = 60_000 } = this.options.polling ?? {};
    const deadline = Date.now() + (options.timeoutMs ?? defaultTimeoutMs);
    let interval = minIntervalMs;
    for (;;) {
      const details = await this.getOrderDetails(customerId, orderId);
      if (details.final || details.status === 'Querying' || Date.now() + interval > deadline) return details;
      await sleep(interval);
      interval = Math.min(maxIntervalMs, interval * 2);
    }
  }

  async setAssignedUsers(customerId: string, subscriptionId: string, emails: string[]): Promise<CommerceSubscription> {
    await this.send(customerId, 'PUT', `/commerce/subscriptions/${encodeURIComponent(subscriptionId)}`, {
      body: { assignedUsers: emails.map((email) => ({ email })) },
    });
    return this.getSubscription(customerId, subscriptionId);
  }

  async checkHealth(customerId: string): Promise<HealthCheck> {
    try {
      await this.listAgreements(customerId);
      return { ok: true };
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      if (error.details.code === 'not-connected')
        return {
          ok: false,
          code: 'not-connected',
          problem: `${NOT_CONNECTED_MESSAGE}.`,
          fix: 'Create an API token in the Marketplace portal and enter it in connect.',
        };
      if (error.details.code === 'token-expired')
        return {
          ok: false,
          code: 'token-expired',
          problem: 'The Marketplace API token expired or was revoked.',
          fix: 'Create a new token in the Marketplace portal and enter it in connect.',
        };
      if (error.kind === 'unauthorized')
        return {
          ok: false,
          code: 'forbidden',
          problem: error.message,
          fix: "Give the token's account access to the agreements in the Marketplace portal, or use a token of an account that has it.",
        };
      if (error.transient)
        return {
          ok: false,
          code: error.kind,
          problem: 'The Marketplace Platform is not answering right now.',
          fix: 'Nothing to change: try again in a few minutes.',
        };
      return {
        ok: false,
        code: String(error.details.code ?? error.kind),
        problem: error.message,
        fix: 'Check the connection in connect; if it persists, contact SoftwareOne support.',
      };
    }
  }

  // ---- internals ---------------------------------------------------------------------

  /**
   * Looks the client reference up first, then posts the order as a Draft and processes it:
   * inside one retry loop with no retries of their own, so a POST whose answer was lost is
   * found, not repeated, and a Draft found on a retry is processed then.
   * `build` returning undefined means nothing needs ordering.
   */
  private async placeOrder(
    customerId: string,
    requestId: string,
    build: () => Promise<Record<string, unknown> | undefined>,
  ): Promise<Order | undefined> {
    return withRetries(
      async () => {
        const { body: found } = await this.send(
          customerId,
          'GET',
          `/commerce/orders?${rql(eq('externalIds.client', requestId), { limit: 1 })}`,
          { retries: false },
        );
        let order = parse(Page(OrderWire), found).data[0];
        if (!order) {
          const draft = await build();
          if (!draft) return undefined;
          const { body } = await this.send(customerId, 'POST', '/commerce/orders', { body: draft, retries: false });
          order = parse(OrderWire, body);
        }
        if (order.status !== 'Draft') return order;
        const { body } = await this.send(customerId, 'POST', `/commerce/orders/${encodeURIComponent(order.id)}/process`, {
          body: {},
          retries: false,
        });
        return parse(OrderWire, body);
      },
      this.options.retry,
      ({ error, attemptNumber, waitMs }) =>
        this.options.log.warn(
          { kind: error.kind, status: error.details.status, attempt: attemptNumber, waitMs },
          'marketplace order call failed; retrying',
        ),
    );
  }

  private async withPendingOrder(customerId: string, subscriptionId: string, order: Order): Promise<CommerceSubscription> {
    const subscription = await this.getSubscription(customerId, subscriptionId);
    return FINAL_ORDER_STATUSES.includes(order.status) ? subscription : { ...subscription, pendingOrderId: order.id };
  }

  private async activeAgreementFor(customerId: string, productId: string): Promise<z.infer<typeof AgreementWire> | undefined> {
    const page = await this.get(
      customerId,
      `/commerce/agreements?${rql(and(eq('product.id', productId), eq('status', 'Active')), { order: ['audit.created.at'], limit: 1 })}`,
      Page(AgreementWire),
    );
    return page.data[0];
  }

  private getOrderWire(customerId: string, orderId: string): Promise<Order> {
    return this.get(customerId, `/commerce/orders/${encodeURIComponent(orderId)}?${rql(undefined, { select: ['audit'] })}`, OrderWire);
  }

  /** The account's licensee a new agreement is made for (the first active one). */
  private async licenseeOf(customerId: string): Promise<string> {
    const licensees = await this.listAll(customerId, '/accounts/licensees', LicenseeWire, undefined, undefined);
    const licensee = licensees.find((l) => !l.status || l.status === 'Active' || l.status === 'Enabled');
    if (!licensee)
      throw new ConnectorError(
        'invalid-request',
        'marketplace: the account has no active licensee to buy for; add one in the Marketplace portal',
        {
          service: SERVICE,
          code: 'no-licensee',
        },
      );
    return licensee.id;
  }

  /**
   * The catalog with prices, cached for a while (it changes rarely; subscriptions need it for
   * item rules): items, the listings of their products (authorization, price list), and the
   * price lists' items (`unitSP`, the client's sales price, per item and billing period).
   */
  private async items(customerId: string, fresh = false): Promise<Map<string, Item>> {
    if (!fresh && this.itemCache && Date.now() - this.itemCache.at < ITEM_CACHE_MS) return this.itemCache.items;
    const [items, listings] = await Promise.all([
      this.listAll(customerId, '/catalog/items', ItemWire, undefined, ['name']),
      this.listAll(customerId, '/catalog/listings', ListingWire, undefined, undefined),
    ]);
    const priceListIds = [...new Set(listings.map((l) => l.priceList?.id).filter((id): id is string => Boolean(id)))];
    const prices = new Map<string, { unitSP: number; currency: string }>();
    for (const priceListId of priceListIds) {
      const currency = listings.find((l) => l.priceList?.id === priceListId)?.priceList?.currency ?? 'USD';
      const priceItems = await this.listAll(
        customerId,
        `/catalog/price-lists/${encodeURIComponent(priceListId)}/items`,
        PriceItemWire,
        eq('status', 'ForSale'),
        undefined,
      );
      for (const p of priceItems)
        if (typeof p.unitSP === 'number' && !prices.has(p.item.id)) prices.set(p.item.id, { unitSP: p.unitSP, currency });
    }
    const priced = items.map((i): Item => {
      const listing = listings.find((l) => l.product.id === i.product.id);
      const price = prices.get(i.id);
      return {
        ...i,
        ...(price ? { unitSP: price.unitSP, currency: price.currency } : {}),
        ...(listing?.authorization?.id ? { authorizationId: listing.authorization.id } : {}),
      };
    });
    this.itemCache = { at: Date.now(), items: new Map(priced.map((i) => [i.id, i])) };
    return this.itemCache.items;
  }

  /** Every page of a list ($meta.pagination.total says when to stop). */
  private async listAll<T extends z.ZodTypeAny>(
    customerId: string,
    path: string,
    schema: T,
    filter: RqlExpression | undefined,
    order: RqlOptions['order'],
    select?: string[],
  ): Promise<z.infer<T>[]> {
    const limit = 100;
    const all: z.infer<T>[] = [];
    for (let offset = 0; ; offset += limit) {
      const page = await this.get(
        customerId,
        `${path}?${rql(filter, { ...(order ? { order } : {}), ...(select ? { select } : {}), limit, offset })}`,
        Page(schema),
      );
      all.push(...page.data);
      if (page.data.length === 0 || offset + limit >= (page.$meta.pagination.total ?? 0)) return all;
    }
  }

  private async get<T extends z.ZodTypeAny>(customerId: string, path: string, schema: T): Promise<z.infer<T>> {
    return parse(schema, (await this.send(customerId, 'GET', path)).body);
  }

  private async send(
    customerId: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { body?: unknown; retries?: boolean } = {},
  ): Promise<{ status: number; body: unknown }> {
    const { retry, log } = this.options;
    const token = await this.tokens(customerId);
    if (!token)
      throw new ConnectorError('unauthorized', `marketplace: ${NOT_CONNECTED_MESSAGE}`, { service: SERVICE, code: 'not-connected' });
    // The turn's or job's id, so one user action can be followed across the vendor's logs.
    const correlationId = correlationIdForCall();
    const attempt = async (attemptNumber: number) => {
      const answer = await exchangeJson(log, {
        service: SERVICE,
        baseUrl: this.baseUrl,
        method,
        path,
        headers: { Authorization: `Bearer ${token}`, 'X-Correlation-Id': correlationId },
        body: options.body,
        timeoutMs: retry.timeoutMs,
        correlationId,
        attempt: attemptNumber,
      });
      if (!answer.ok) {
        const failure = marketplaceFailure(answer.status, answer.text, answer.headers, token);
        if (failure.details.code === 'token-expired') this.failureListener?.(customerId, failure);
        throw failure;
      }
      return { status: answer.status, body: parseJsonBody(SERVICE, answer.text) };
    };
    if (options.retries === false) return attempt(1);
    return withRetries(attempt, retry, ({ error, attemptNumber, waitMs }) =>
      log.warn(
        { method, path: path.split('?')[0], correlationId, kind: error.kind, status: error.details.status, attempt: attemptNumber, waitMs },
        'marketplace call failed; retrying',
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------
// Wire → port
// ---------------------------------------------------------------------------------------

// A null commitment means none: month to month.
const termDuration = (commitment: string | null | undefined): 'P1M' | 'P1Y' => (commitment === '1y' ? 'P1Y' : 'P1M');
const billingCycle = (period: string | null | undefined): 'monthly' | 'annual' => (period === '1y' ? 'annual' : 'monthly');

/** unitSP is per billing period: a yearly period's price is spread over 12 months (the catalog shows a month). */
function monthlyUnitPrice(item: Item): { amount: string; currency: string } | undefined {
  if (item.unitSP === undefined) return undefined;
  const perMonth = billingCycle(item.terms?.period) === 'annual' ? item.unitSP / 12 : item.unitSP;
  return { amount: perMonth.toFixed(2), currency: item.currency ?? 'USD' };
}

function toOffer(item: Item): CatalogItem {
  return {
    offerId: marketplaceOfferId(item.id),
    // The item is the product as requests and policies see it: Acrobat and Creative Cloud
    // share Adobe's product id but are separate things to ask for. Orders still find the
    // agreement through the item's vendor product (createOrder reads the item).
    productId: item.id,
    skuId: item.id,
    availabilityId: '',
    name: item.name,
    // No Graph license behind a vendor-assigned seat: a stable synthetic part number.
    skuPartNumber: `MKT:${item.id}`,
    // Unpriced (no price list item for sale) → the catalog shows it as not orderable.
    ...(monthlyUnitPrice(item) ? { unitPrice: monthlyUnitPrice(item)! } : {}),
    termDuration: termDuration(item.terms?.commitment),
    billingCycle: billingCycle(item.terms?.period),
    provider: 'marketplace',
    ...(item.product.vendor?.name ? { vendor: item.product.vendor.name } : {}),
    // Marketplace seats reach people through the vendor (e.g. the Adobe Admin Console), by e-mail.
    assignment: 'vendor',
  };
}

const SUBSCRIPTION_STATUS: Record<string, SubscriptionStatus> = {
  Active: 'active',
  Updating: 'active',
  Terminating: 'active',
  Terminated: 'deleted',
  Expired: 'expired',
};

function toSubscription(s: Subscription, items: Map<string, Item>): CommerceSubscription {
  const line = s.lines[0];
  const item = line ? items.get(line.item.id) : undefined;
  const vendor = item?.product.vendor?.name ?? s.product?.vendor?.name;
  const anniversaryRule = vendor !== undefined && downsizeOnlyAtAnniversary(vendor);
  return {
    id: s.id,
    offerId: marketplaceOfferId(line?.item.id ?? ''),
    offerName: item?.name ?? line?.item.name ?? s.name ?? '',
    quantity: s.lines.reduce((sum, l) => sum + l.quantity, 0),
    status: SUBSCRIPTION_STATUS[s.status] ?? 'disabled',
    autoRenewEnabled: s.autoRenew ?? false,
    billingCycle: billingCycle(s.terms?.period),
    termDuration: termDuration(s.terms?.commitment),
    ...(s.commitmentDate ? { commitmentEndDate: s.commitmentDate } : {}),
    ...(s.startDate ? { creationDate: s.startDate } : {}),
    provider: 'marketplace',
    providerStatus: s.status,
    ...(anniversaryRule ? { downsizeOnlyAtAnniversary: true, ...(s.commitmentDate ? { anniversaryDate: s.commitmentDate } : {}) } : {}),
    assignedEmails: (s.assignedUsers ?? []).map((u) => u.email),
  };
}

function toOrder(o: Order): CommerceOrder {
  const orderTotal = billedAmount(o.price?.SPxM, o.price?.currency);
  return {
    id: o.id,
    status: o.status === 'Completed' ? 'completed' : o.status === 'Failed' || o.status === 'Deleted' ? 'cancelled' : 'pending',
    lineItems: o.lines.map((l, i) => {
      // The line's price as ordered, for a month of its seats at the sales price (SPxM): what the order itself says, not today's price list.
      const total = billedAmount(l.price?.SPxM, l.price?.currency);
      return {
        lineItemNumber: i,
        offerId: marketplaceOfferId(l.item.id),
        quantity: l.quantity,
        ...(l.subscription?.id ? { subscriptionId: l.subscription.id } : {}),
        ...(total ? { billed: { total, per: 'month' as const } } : {}),
      };
    }),
    ...(orderTotal ? { totalPrice: orderTotal, totalPer: 'month' as const } : {}),
    creationDate: o.audit?.created?.at ?? '',
    ...(o.agreement.externalIds?.client ? { purchaseOrderNumber: o.agreement.externalIds.client } : {}),
    providerStatus: o.status,
    provider: 'marketplace',
  };
}

const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';

/** The platform's parameter types (Email, SingleLineText, Choice, DropDown...) as the cards know them. */
function parameterType(type: string | null | undefined): string {
  if (type === 'Email') return 'email';
  if (type === 'Choice' || type === 'DropDown') return 'choice';
  return 'text';
}

function toDetails(o: Order): MarketplaceOrderDetails {
  return {
    id: o.id,
    type: o.type,
    status: o.status,
    final: FINAL_ORDER_STATUSES.includes(o.status),
    ...(o.statusNotes?.message ? { statusNotes: o.statusNotes.message } : {}),
    parameters:
      o.status === 'Querying'
        ? (o.parameters?.fulfillment ?? []).map((p) => ({
            externalId: p.externalId,
            name: p.name,
            description: p.description ?? '',
            type: parameterType(p.type),
            ...(typeof p.value === 'string' && p.value ? { value: p.value } : {}),
            // The platform gives no pattern; an Email parameter must at least look like an address.
            ...(parameterType(p.type) === 'email' ? { pattern: EMAIL_PATTERN } : {}),
            ...(p.error?.message ? { error: p.error.message } : {}),
          }))
        : [],
    agreementId: o.agreement.id,
    ...(o.agreement.externalIds?.client ? { purchaseOrderNumber: o.agreement.externalIds.client } : {}),
    lines: o.lines.map((l) => ({
      itemId: l.item.id,
      offerId: marketplaceOfferId(l.item.id),
      quantity: l.quantity,
      ...(l.oldQuantity !== undefined && l.oldQuantity !== null ? { oldQuantity: l.oldQuantity } : {}),
      ...(l.subscription?.id ? { subscriptionId: l.subscription.id } : {}),
    })),
    ...(o.audit?.created?.at ? { createdAt: o.audit.created.at } : {}),
    ...(o.audit?.updated?.at ? { updatedAt: o.audit.updated.at } : {}),
    ...(o.externalIds?.client ? { clientReference: o.externalIds.client } : {}),
  };
}

function toAgreement(a: z.infer<typeof AgreementWire>): MarketplaceAgreementInfo {
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    licensee: { id: a.licensee.id, name: a.licensee.name ?? '' },
    product: { id: a.product.id, name: a.product.name ?? '' },
    ...(a.vendor?.name ? { vendor: a.vendor.name } : {}),
    ...(a.externalIds?.client ? { purchaseOrderNumber: a.externalIds.client } : {}),
  };
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  return parseWire(SERVICE, schema, value);
}

export { TOKEN_EXPIRED_MESSAGE };
