// CommercePort on the Partner Center REST API (v1, new commerce). Every HTTP call sends
// MS-Contract-Version, a fresh MS-CorrelationId (new per call, retries included, as the REST
// headers reference asks) and an MS-RequestId; for orders and subscription changes the
// MS-RequestId is the caller's idempotency key, sent unchanged on every retry, so a retry after
// a timeout never buys twice. The catalog is the OnlineServices view filtered to new-commerce
// products (productType.id "OnlineServicesNCE"); it carries neither prices nor Graph licenses:
// the price sheet (fetchPriceSheet) and the SKU map (src/domain/catalog) supply those.
import { systemClock, type Clock } from '../../clock.js';
import { randomUUID } from 'node:crypto';
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { multiply } from '../../domain/money.js';
import type { Logger } from '../../logger.js';
import { PARTNER_CENTER_SCOPE, type TokenProvider } from '../identity/token-provider.js';
import { exchangeJson, parseJsonBody, parseWire } from '../outbound.js';
import {
  ConnectorError,
  type BilledLine,
  type BillingPeriod,
  type CatalogItem,
  type CommerceOrder,
  type CommercePort,
  type CommerceSubscription,
  type IndirectReseller,
  type PartnerAccountPort,
  type PartnerCustomer,
  type RefundOption,
  type SubscriptionChange,
  type SubscriptionStatus,
} from '../ports.js';
import { billedAmount } from '../billed-amount.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { partnerCenterFailure } from './partner-center-errors.js';

export const DEFAULT_PARTNER_CENTER_BASE_URL = 'https://api.partnercenter.microsoft.com';
const SERVICE = 'partner-center';

export interface PartnerCenterOptions {
  tokens: TokenProvider;
  /** The partner's own tenant: Partner Center tokens are issued there, not in customer tenants. */
  partnerTenantId: string;
  /** Default https://api.partnercenter.microsoft.com (the sandbox: its loopback URL). */
  baseUrl?: string;
  retry: RetryPolicy;
  log: Logger;
  /** The calendar refund windows are judged by. */
  clock?: Clock;
  /** Where the price sheet is served (default https://api.partner.microsoft.com; the sandbox: its Partner Center URL). */
  priceSheetBaseUrl?: string;
  /** Customers asked for per page of GET /v1/customers (default 100); every page is read. */
  customerPageSize?: number;
}

export const DEFAULT_PRICE_SHEET_BASE_URL = 'https://api.partner.microsoft.com';
/** The catalog view new-commerce license products come from (there is no "OnlineServicesNCE" view). */
export const CATALOG_TARGET_VIEW = 'OnlineServices';
const NEW_COMMERCE_PRODUCT_TYPE = 'OnlineServicesNCE';

// ---------------------------------------------------------------------------------------
// Wire shapes (only the fields used; the rest passes through untouched for PATCH)
// ---------------------------------------------------------------------------------------

const Collection = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item) });

const SubscriptionWire = z
  .object({
    id: z.string(),
    offerId: z.string(),
    offerName: z.string().nullish(),
    friendlyName: z.string().nullish(),
    quantity: z.number(),
    status: z.string(),
    autoRenewEnabled: z.boolean().nullish(),
    billingCycle: z.string().nullish(),
    termDuration: z.string().nullish(),
    commitmentEndDate: z.string().nullish(),
    creationDate: z.string().nullish(),
    refundOptions: z.array(z.object({ type: z.string(), expiresAt: z.string() }).passthrough()).nullish(),
    refundableQuantity: z
      .object({
        totalQuantity: z.number().nullish(),
        details: z.array(z.object({ quantity: z.number(), allowedUntilDateTime: z.string() }).passthrough()).nullish(),
      })
      .passthrough()
      .nullish(),
    cancellationAllowedUntilDate: z.string().nullish(),
    scheduledNextTermInstructions: z
      .object({
        product: z
          .object({
            productId: z.string(),
            skuId: z.string(),
            availabilityId: z.string(),
            billingCycle: z.string().nullish(),
            termDuration: z.string().nullish(),
          })
          .passthrough()
          .nullish(),
        quantity: z.number(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();

/** The SDK's Orders/Pricing: every field optional (an order may come without prices). */
const PricingWire = z.object({ price: z.number().nullish(), extendedPrice: z.number().nullish() }).passthrough().nullish();

const OrderWire = z.object({
  id: z.string(),
  status: z.string(),
  creationDate: z.string(),
  billingCycle: z.string().nullish(),
  currencyCode: z.string().nullish(),
  totalPrice: z.number().nullish(),
  lineItems: z.array(
    z.object({
      lineItemNumber: z.number(),
      offerId: z.string(),
      subscriptionId: z.string().nullish(),
      quantity: z.number(),
      termDuration: z.string().nullish(),
      pricing: PricingWire,
    }),
  ),
});

/** A collection's `links` (the SDK's StandardResourceCollectionLinks): `next` is there while more pages are. */
const LinkWire = z.object({
  uri: z.string(),
  method: z.string().nullish(),
  headers: z.array(z.object({ key: z.string(), value: z.string() })).nullish(),
});
const PagedCollection = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), links: z.object({ next: LinkWire.nullish() }).passthrough().nullish() });

const CustomerWire = z
  .object({
    id: z.string(),
    companyProfile: z
      .object({ tenantId: z.string().nullish(), domain: z.string().nullish(), companyName: z.string().nullish() })
      .passthrough(),
    associatedPartnerId: z.string().nullish(),
  })
  .passthrough();
const RelationshipWire = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    mpnId: z.string().nullish(),
    location: z.string().nullish(),
    state: z.string().nullish(),
  })
  .passthrough();

const ProductWire = z.object({ id: z.string(), title: z.string(), productType: z.object({ id: z.string() }).passthrough().nullish() });
const SkuWire = z.object({ id: z.string(), productId: z.string(), title: z.string() });
// Terms hold {id, duration, description, billingCycle, renewalOptions, cancellationPolicies}: no price.
const AvailabilityWire = z.object({
  id: z.string(),
  productId: z.string(),
  skuId: z.string(),
  terms: z.array(z.object({ duration: z.string(), billingCycle: z.string() }).passthrough()).nullish(),
});
const TransitionEligibilityWire = z
  .object({
    catalogItemId: z.string(),
    eligibilities: z
      .array(
        z
          .object({
            isEligible: z.boolean(),
            transitionType: z.string().nullish(),
            errors: z.array(z.object({ code: z.unknown(), description: z.string().nullish() }).passthrough()).nullish(),
          })
          .passthrough(),
      )
      .nullish(),
  })
  .passthrough();

const SUBSCRIPTION_STATUSES: SubscriptionStatus[] = ['active', 'suspended', 'deleted', 'expired', 'disabled', 'pending', 'none'];

/**
 * App+user tokens of the customer's own Partner Center connection (an agent signed in with
 * `connect`); undefined when the customer has none and the app's own credentials apply.
 */
export type AgentTokenSource = (customerId: string) => Promise<string | undefined>;

export class PartnerCenterCommerce implements CommercePort, PartnerAccountPort {
  private readonly baseUrl: string;
  private agentTokens: AgentTokenSource | undefined;
  private agentRefused: ((customerId: string, error: ConnectorError) => void) | undefined;

  /** From now on, calls for a customer with a Partner Center connection use its agent's tokens. */
  actAs(source: AgentTokenSource): void {
    this.agentTokens = source;
  }

  /** Told whenever Partner Center refuses (401/403) a call made with a customer's agent token. */
  onAgentRefused(listener: (customerId: string, error: ConnectorError) => void): void {
    this.agentRefused = listener;
  }

  /**
   * A read with the customer's agent token on the API purchases use (its subscriptions): the
   * connection's health check, so "connected" means what a purchase will find.
   */
  async checkAgent(customerId: string): Promise<void> {
    // Quiet: the health check records and audits what it finds; the refusal listener would do it a second time.
    await this.send('GET', `/v1/customers/${encodeURIComponent(customerId)}/subscriptions`, { quiet: true });
  }

  constructor(private readonly options: PartnerCenterOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_PARTNER_CENTER_BASE_URL).replace(/\/+$/, '');
  }

  /**
   * New-commerce catalog of the customer: products of the OnlineServices view whose productType is
   * OnlineServicesNCE → SKUs → availabilities, one item per term. No prices, no Graph license.
   */
  async listOffers(customerId: string): Promise<CatalogItem[]> {
    const customer = `/v1/customers/${encodeURIComponent(customerId)}`;
    const products = (await this.get(`${customer}/products?targetView=${CATALOG_TARGET_VIEW}`, Collection(ProductWire))).items.filter(
      (p) => p.productType?.id === NEW_COMMERCE_PRODUCT_TYPE,
    );
    const skus = (
      await Promise.all(
        products.map((p) =>
          this.get(`${customer}/products/${encodeURIComponent(p.id)}/skus`, Collection(SkuWire)).then((c) =>
            c.items.map((sku) => ({ product: p, sku })),
          ),
        ),
      )
    ).flat();
    const offers = await Promise.all(
      skus.map(async ({ product, sku }) => {
        const availabilities = (
          await this.get(
            `${customer}/products/${encodeURIComponent(product.id)}/skus/${encodeURIComponent(sku.id)}/availabilities`,
            Collection(AvailabilityWire),
          )
        ).items;
        return availabilities
          .flatMap((a) => (a.terms ?? []).map((term) => this.toOffer(product, sku, a, term)))
          .filter((o): o is CatalogItem => o !== undefined);
      }),
    );
    return offers.flat();
  }

  /**
   * The signed-in partner's customers (an indirect reseller: those associated with it), every
   * page: GET /v1/customers?size=N, then each `links.next` with the headers it names (its
   * MS-ContinuationToken) until a page has none, as the SDK's enumerator does.
   */
  async listCustomers(agentToken: string): Promise<PartnerCustomer[]> {
    const customers: z.infer<typeof CustomerWire>[] = [];
    const seen = new Set<string>();
    let path = `/v1/customers?size=${this.options.customerPageSize ?? DEFAULT_CUSTOMER_PAGE_SIZE}`;
    let headers: Record<string, string> = {};
    for (;;) {
      const { body } = await this.send('GET', path, { accessToken: agentToken, headers });
      const page = parse(PagedCollection(CustomerWire), body);
      customers.push(...page.items);
      const next = page.links?.next;
      if (!next) break;
      headers = Object.fromEntries((next.headers ?? []).filter((h) => !OWN_HEADERS.has(h.key.toLowerCase())).map((h) => [h.key, h.value]));
      // A service that hands out the same page again would loop for ever: stop and say so.
      const key = `${next.uri} ${JSON.stringify(headers)}`;
      if (seen.has(key))
        throw new ConnectorError('unavailable', 'partner-center: the customer list sent the same next page twice', {
          service: SERVICE,
          code: 'paging-loop',
        });
      seen.add(key);
      path = apiPath(next.uri);
    }
    return customers.map((c) => ({
      id: c.id,
      tenantId: c.companyProfile.tenantId ?? c.id,
      companyName: c.companyProfile.companyName ?? c.companyProfile.domain ?? c.id,
      domain: c.companyProfile.domain ?? '',
      ...(c.associatedPartnerId ? { resellerId: c.associatedPartnerId } : {}),
    }));
  }

  /** The indirect resellers of the signed-in indirect provider (none for a direct-bill partner). */
  async listIndirectResellers(agentToken: string): Promise<IndirectReseller[]> {
    const { body } = await this.send('GET', '/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf', {
      accessToken: agentToken,
    });
    return parse(Collection(RelationshipWire), body).items.map((r) => ({
      id: r.id,
      name: r.name ?? r.id,
      mpnId: r.mpnId ?? '',
      location: r.location ?? '',
      state: r.state ?? '',
    }));
  }

  async listSubscriptions(customerId: string): Promise<CommerceSubscription[]> {
    const { items } = await this.get(`/v1/customers/${encodeURIComponent(customerId)}/subscriptions`, Collection(SubscriptionWire));
    return items.map((s) => this.toSubscription(s));
  }

  async getSubscription(customerId: string, subscriptionId: string): Promise<CommerceSubscription> {
    return this.toSubscription(await this.get(this.subscriptionPath(customerId, subscriptionId), SubscriptionWire));
  }

  async setQuantity(customerId: string, subscriptionId: string, quantity: number, requestId: string): Promise<CommerceSubscription> {
    return this.patch(customerId, subscriptionId, () => ({ quantity }), requestId);
  }

  async updateSubscription(
    customerId: string,
    subscriptionId: string,
    change: SubscriptionChange,
    requestId: string,
  ): Promise<CommerceSubscription> {
    return this.patch(
      customerId,
      subscriptionId,
      () => ({
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.autoRenewEnabled !== undefined ? { autoRenewEnabled: change.autoRenewEnabled } : {}),
      }),
      requestId,
    );
  }

  async scheduleNextTerm(
    customerId: string,
    subscriptionId: string,
    quantity: number | null,
    requestId: string,
  ): Promise<CommerceSubscription> {
    if (quantity !== null) await this.checkScheduledTransition(customerId, subscriptionId);
    return this.patch(
      customerId,
      subscriptionId,
      (current) => {
        if (quantity === null) return { scheduledNextTermInstructions: null };
        // Same offer, term and billing cycle at renewal; only the seat count changes.
        const [productId, skuId, availabilityId] = current.offerId.split(':');
        if (!productId || !skuId || !availabilityId)
          throw new ConnectorError(
            'invalid-request',
            `partner-center: subscription ${current.id} has no new-commerce offer id (${current.offerId})`,
            { service: SERVICE },
          );
        const product = {
          productId,
          skuId,
          availabilityId,
          billingCycle: current.billingCycle ?? '',
          termDuration: current.termDuration ?? '',
        };
        return { scheduledNextTermInstructions: { product, quantity } };
      },
      requestId,
    );
  }

  async createOrder(
    customerId: string,
    line: { offerId: string; quantity: number; billingCycle: string; termDuration?: string },
    requestId: string,
  ): Promise<CommerceOrder> {
    const { body } = await this.send('POST', `/v1/customers/${encodeURIComponent(customerId)}/orders`, {
      body: {
        referenceCustomerId: customerId,
        billingCycle: line.billingCycle,
        lineItems: [
          {
            lineItemNumber: 0,
            offerId: line.offerId,
            quantity: line.quantity,
            // New-commerce availabilities offer several terms: the line says which one.
            ...(line.termDuration ? { termDuration: line.termDuration } : {}),
          },
        ],
        // The partner attests it is the partner of record for the customer (required for new-commerce orders).
        partnerOnRecordAttestationAccepted: true,
      },
      requestId,
    });
    return toOrder(parse(OrderWire, body));
  }

  async listCustomerOrders(customerId: string): Promise<CommerceOrder[]> {
    // Partner Center leaves prices out unless asked (include_price, default false).
    const { items } = await this.get(`/v1/customers/${encodeURIComponent(customerId)}/orders?include_price=true`, Collection(OrderWire));
    return items.map(toOrder).sort((a, b) => b.creationDate.localeCompare(a.creationDate));
  }

  async getOrder(customerId: string, orderId: string): Promise<CommerceOrder> {
    return toOrder(
      await this.get(`/v1/customers/${encodeURIComponent(customerId)}/orders/${encodeURIComponent(orderId)}?include_price=true`, OrderWire),
    );
  }

  /**
   * The partner's price sheet for one market (the new-commerce license-based view), as Partner
   * Center sends it: CSV text (unzipped when it comes zipped). Needs an agent's App+User token
   * (Admin or Sales agent): `customerId` picks whose connection signs the call; app-only tokens
   * are refused by the service, so without an agent this throws 'unauthorized'.
   */
  async fetchPriceSheet(customerId: string, market: string): Promise<string> {
    const { retry, log } = this.options;
    const agentToken = this.agentTokens ? await this.agentTokens(customerId) : undefined;
    if (!agentToken)
      throw new ConnectorError(
        'unauthorized',
        'partner-center: the price sheet needs an agent signed in to Partner Center (Admin or Sales agent); app-only access is not supported',
        { service: SERVICE, code: 'agent-required' },
      );
    const path = `/v1.0/sales/pricesheets(Market='${encodeURIComponent(market.toUpperCase())}',PricesheetView='updatedlicensebased')/$value`;
    const baseUrl = (this.options.priceSheetBaseUrl ?? DEFAULT_PRICE_SHEET_BASE_URL).replace(/\/+$/, '');
    return withRetries(
      async (attempt) => {
        const correlationId = randomUUID();
        const answer = await exchangeJson(log, {
          service: SERVICE,
          baseUrl,
          method: 'GET',
          path,
          headers: {
            Authorization: `Bearer ${agentToken}`,
            Accept: 'text/csv, application/zip, application/octet-stream',
            'MS-CorrelationId': correlationId,
            'MS-RequestId': randomUUID(),
          },
          timeoutMs: Math.max(retry.timeoutMs, 60_000),
          correlationId,
          attempt,
        });
        if (!answer.ok) throw this.refusedAgent(customerId, partnerCenterFailure(answer.status, answer.text, answer.headers));
        return priceSheetText(answer.bytes);
      },
      retry,
      ({ error, attemptNumber, waitMs }) =>
        log.warn(
          { kind: error.kind, status: error.details.status, attempt: attemptNumber, waitMs },
          'price sheet download failed; retrying',
        ),
    );
  }

  // -------------------------------------------------------------------------------------

  /**
   * A scheduled change must be one Partner Center lists among the subscription's eligible
   * scheduled transitions. The renewal quantity of the same offer needs no transition; a
   * listed target that is not eligible is refused with Partner Center's own reasons.
   */
  private async checkScheduledTransition(customerId: string, subscriptionId: string): Promise<void> {
    const current = await this.get(this.subscriptionPath(customerId, subscriptionId), SubscriptionWire);
    // Not active (suspended, pending...): the PATCH itself answers with Partner Center's own code (800091...).
    if (current.status.toLowerCase() !== 'active') return;
    const { items } = await this.get(
      `${this.subscriptionPath(customerId, subscriptionId)}/transitionEligibilities?eligibilityType=scheduled`,
      Collection(TransitionEligibilityWire),
    );
    const same = items.find((i) => i.catalogItemId.toLowerCase() === current.offerId.toLowerCase());
    const refusal = same?.eligibilities?.find((e) => !e.isEligible);
    if (refusal)
      throw new ConnectorError(
        'invalid-request',
        `partner-center: subscription ${subscriptionId} cannot be changed at renewal: ${
          (refusal.errors ?? [])
            .map((e) => e.description)
            .filter(Boolean)
            .join('; ') || 'not eligible'
        }`,
        { service: SERVICE, code: 'transition-not-eligible' },
      );
  }

  /**
   * Partner Center PATCHes the whole subscription object: read it, apply the change, send it
   * with the caller's MS-RequestId (the same on every retry).
   */
  private async patch(
    customerId: string,
    subscriptionId: string,
    change: (current: z.infer<typeof SubscriptionWire>) => Record<string, unknown>,
    requestId: string,
  ): Promise<CommerceSubscription> {
    const path = this.subscriptionPath(customerId, subscriptionId);
    const current = await this.get(path, SubscriptionWire);
    const { status, body } = await this.send('PATCH', path, { body: { ...current, ...change(current) }, requestId });
    // 202: accepted and still being applied; read back what is there now.
    if (status === 202) return this.getSubscription(customerId, subscriptionId);
    return this.toSubscription(parse(SubscriptionWire, body));
  }

  private subscriptionPath(customerId: string, subscriptionId: string): string {
    return `/v1/customers/${encodeURIComponent(customerId)}/subscriptions/${encodeURIComponent(subscriptionId)}`;
  }

  private async get<T extends z.ZodTypeAny>(path: string, schema: T): Promise<z.infer<T>> {
    return parse(schema, (await this.send('GET', path)).body);
  }

  /** A connected customer's agent token for calls about that customer (the app's own credentials otherwise). */
  private async agentTokenFor(path: string): Promise<string | undefined> {
    const customer = customerOf(path);
    return customer && this.agentTokens ? this.agentTokens(customer) : undefined;
  }

  /** A failure of a call made with an agent's token: a refusal (401/403) is told to the listener (the connection needs attention). */
  private refusedAgent(customerId: string, failure: ConnectorError): ConnectorError {
    const status = failure.details.status;
    if ((status === 401 || status === 403) && this.agentRefused) {
      try {
        this.agentRefused(customerId, failure);
      } catch (error) {
        this.options.log.warn({ err: error }, 'the agent-refused listener failed');
      }
    }
    return failure;
  }

  /**
   * One logical call under the retry policy. The MS-RequestId stays the same across its
   * attempts (idempotency); the MS-CorrelationId is new for each HTTP call.
   */
  private async send(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    options: { body?: unknown; requestId?: string; accessToken?: string; quiet?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown }> {
    const { tokens, partnerTenantId, retry, log } = this.options;
    const requestId = options.requestId ?? randomUUID();
    let correlationId = '';
    return withRetries(
      async (attempt) => {
        correlationId = randomUUID();
        // A call made with an explicit token (the partner's own agent) is not a customer's agent call.
        const agentToken = options.accessToken ? undefined : await this.agentTokenFor(path);
        const accessToken = options.accessToken ?? agentToken ?? (await tokens.getToken(partnerTenantId, PARTNER_CENTER_SCOPE));
        const answer = await exchangeJson(log, {
          service: SERVICE,
          baseUrl: this.baseUrl,
          method,
          path,
          headers: {
            ...options.headers,
            Authorization: `Bearer ${accessToken}`,
            'MS-Contract-Version': 'v1',
            'MS-CorrelationId': correlationId,
            'MS-RequestId': requestId,
          },
          body: options.body,
          timeoutMs: retry.timeoutMs,
          correlationId,
          attempt,
        });
        if (!answer.ok) {
          const failure = partnerCenterFailure(answer.status, answer.text, answer.headers);
          throw agentToken && !options.quiet ? this.refusedAgent(customerOf(path)!, failure) : failure;
        }
        return { status: answer.status, body: parseJsonBody(SERVICE, answer.text) };
      },
      retry,
      ({ error, attemptNumber, waitMs }) =>
        log.warn(
          {
            method,
            path: path.split('?')[0],
            correlationId,
            kind: error.kind,
            status: error.details.status,
            attempt: attemptNumber,
            waitMs,
          },
          'partner center call failed; retrying',
        ),
    );
  }

  private toSubscription(s: z.infer<typeof SubscriptionWire>): CommerceSubscription {
    const status = s.status.toLowerCase() as SubscriptionStatus;
    if (!SUBSCRIPTION_STATUSES.includes(status))
      this.options.log.warn({ subscriptionId: s.id, status: s.status }, 'unknown subscription status; treated as none');
    return {
      id: s.id,
      offerId: s.offerId,
      offerName: s.offerName ?? s.friendlyName ?? '',
      quantity: s.quantity,
      status: SUBSCRIPTION_STATUSES.includes(status) ? status : 'none',
      autoRenewEnabled: s.autoRenewEnabled ?? false,
      billingCycle: s.billingCycle ?? '',
      termDuration: s.termDuration ?? '',
      ...(s.commitmentEndDate ? { commitmentEndDate: s.commitmentEndDate } : {}),
      ...(s.creationDate ? { creationDate: s.creationDate } : {}),
      ...refundFields(s.refundOptions, (this.options.clock ?? systemClock)().getTime()),
      ...(s.refundableQuantity?.details
        ? {
            refundableSeats: s.refundableQuantity.details
              .filter((d) => d.quantity > 0)
              .map((d) => ({ quantity: d.quantity, allowedUntil: d.allowedUntilDateTime }))
              .sort((a, b) => Date.parse(a.allowedUntil) - Date.parse(b.allowedUntil)),
          }
        : {}),
      ...(s.cancellationAllowedUntilDate ? { cancellationAllowedUntil: s.cancellationAllowedUntilDate } : {}),
      ...(s.scheduledNextTermInstructions
        ? {
            scheduledNextTerm: {
              quantity: s.scheduledNextTermInstructions.quantity,
              ...(s.scheduledNextTermInstructions.product
                ? {
                    offerId: `${s.scheduledNextTermInstructions.product.productId}:${s.scheduledNextTermInstructions.product.skuId}:${s.scheduledNextTermInstructions.product.availabilityId}`,
                    ...(s.scheduledNextTermInstructions.product.billingCycle
                      ? { billingCycle: s.scheduledNextTermInstructions.product.billingCycle }
                      : {}),
                    ...(s.scheduledNextTermInstructions.product.termDuration
                      ? { termDuration: s.scheduledNextTermInstructions.product.termDuration }
                      : {}),
                  }
                : {}),
            },
          }
        : {}),
    };
  }

  private toOffer(
    product: z.infer<typeof ProductWire>,
    sku: z.infer<typeof SkuWire>,
    availability: z.infer<typeof AvailabilityWire>,
    term: NonNullable<z.infer<typeof AvailabilityWire>['terms']>[number],
  ): CatalogItem | undefined {
    const billingCycle = term.billingCycle.toLowerCase();
    const termDuration = term.duration;
    if ((termDuration !== 'P1M' && termDuration !== 'P1Y') || (billingCycle !== 'monthly' && billingCycle !== 'annual')) {
      this.options.log.debug(
        { productId: product.id, skuId: sku.id, availabilityId: availability.id, termDuration, billingCycle },
        'catalog term not offered (only one-month and one-year terms, billed monthly or annually)',
      );
      return undefined;
    }
    return {
      offerId: `${availability.productId}:${availability.skuId}:${availability.id}`,
      productId: availability.productId,
      skuId: availability.skuId,
      availabilityId: availability.id,
      name: sku.title || product.title,
      termDuration,
      billingCycle,
    };
  }
}

/** refundOptions (only those not yet expired, soonest first) and the latest expiry; nothing when none. */
function refundFields(
  options: { type: string; expiresAt: string }[] | null | undefined,
  now = Date.now(),
): { refundOptions?: RefundOption[]; refundableUntil?: string } {
  const open = (options ?? [])
    .filter((o) => Date.parse(o.expiresAt) > now)
    .map((o): RefundOption => ({ type: o.type.toLowerCase() === 'partial' ? 'Partial' : 'Full', expiresAt: o.expiresAt }))
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
  if (open.length === 0) return {};
  return { refundOptions: open, refundableUntil: open[open.length - 1]!.expiresAt };
}

/** A Partner Center order body (as POST, GET by id and the list's items answer it) as the commerce port's order. */
export function orderFromWire(body: unknown): CommerceOrder {
  return toOrder(parse(OrderWire, body));
}

function toOrder(o: z.infer<typeof OrderWire>): CommerceOrder {
  const status = o.status.toLowerCase();
  const currency = o.currencyCode ?? undefined;
  const totalPrice = billedAmount(o.totalPrice, currency);
  // Partner Center prices a line for the order's billing cycle: a month, or a year when billed annually.
  const cycle = o.billingCycle?.toLowerCase();
  const per: BillingPeriod | undefined = cycle === 'monthly' ? 'month' : cycle === 'annual' ? 'year' : undefined;
  return {
    id: o.id,
    status: status === 'completed' || status === 'cancelled' ? status : 'pending',
    creationDate: o.creationDate,
    lineItems: o.lineItems.map((l) => {
      const billed = billedLine(l.pricing, l.quantity, currency, per);
      return {
        lineItemNumber: l.lineItemNumber,
        offerId: l.offerId,
        quantity: l.quantity,
        ...(l.subscriptionId ? { subscriptionId: l.subscriptionId } : {}),
        ...(l.termDuration ? { termDuration: l.termDuration } : {}),
        ...(billed ? { billed } : {}),
      };
    }),
    ...(totalPrice ? { totalPrice } : {}),
    ...(totalPrice && per ? { totalPer: per } : {}),
  };
}

/**
 * A line's pricing as billed: the extended price (price × quantity less refunds, the SDK says),
 * else the price times the quantity; nothing when the line or the order's currency is missing.
 */
function billedLine(
  pricing: z.infer<typeof PricingWire>,
  quantity: number,
  currency: string | undefined,
  per: BillingPeriod | undefined,
): BilledLine | undefined {
  const unitPrice = billedAmount(pricing?.price, currency);
  const total = billedAmount(pricing?.extendedPrice, currency) ?? (unitPrice ? multiply(unitPrice, quantity) : undefined);
  if (!total) return undefined;
  return { ...(unitPrice ? { unitPrice } : {}), total, ...(per ? { per } : {}) };
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  return parseWire(SERVICE, schema, value);
}

/** The price sheet's CSV: as sent, or out of the zip Partner Center may send instead. */
export function priceSheetText(bytes: Uint8Array): string {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b; // "PK"
  if (!isZip) return Buffer.from(bytes).toString('utf8');
  const files = unzipSync(bytes, { filter: (file) => file.name.toLowerCase().endsWith('.csv') });
  const first = Object.values(files)[0];
  if (!first)
    throw new ConnectorError('invalid-request', 'partner-center: the price sheet zip holds no CSV file', {
      service: SERVICE,
      code: 'price-sheet-empty',
    });
  return Buffer.from(first).toString('utf8');
}

const DEFAULT_CUSTOMER_PAGE_SIZE = 100;
/** Headers this connector sets itself: a link's copy of them is not sent. */
const OWN_HEADERS = new Set(['authorization', 'ms-contract-version', 'ms-correlationid', 'ms-requestid']);

/** A link's uri as a path under the API root: relative to /v1 unless it names the version (the SDK's rule). */
function apiPath(uri: string): string {
  const path = uri.replace(/^https?:\/\/[^/]+/i, '');
  return /^\/v1(\/|$|\?)/i.test(path) ? path : `/v1/${path.replace(/^\/+/, '')}`;
}

/** The customer a Partner Center path is about (/v1/customers/{id}/...), or undefined. */
function customerOf(path: string): string | undefined {
  const customer = /^\/v1\/customers\/([^/?]+)/.exec(path)?.[1];
  return customer === undefined ? undefined : decodeURIComponent(customer);
}
