// CommercePort on the Partner Center REST API (v1, new commerce), with fetch. Every call
// sends MS-Contract-Version, a fresh MS-CorrelationId and an MS-RequestId; for orders and
// subscription changes the MS-RequestId is the caller's idempotency key, sent unchanged on
// every retry, so a retry after a timeout never buys twice.
import { systemClock, type Clock } from '../../clock.js';
import { correlationIdForCall } from '../../correlation.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { PARTNER_CENTER_SCOPE, type TokenProvider } from '../identity/token-provider.js';
import { exchangeJson, parseJsonBody, parseWire } from '../outbound.js';
import {
  ConnectorError,
  type CatalogOffer,
  type CommerceOrder,
  type CommercePort,
  type CommerceSubscription,
  type RefundOption,
  type SubscriptionChange,
  type SubscriptionStatus,
} from '../ports.js';
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
}

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

const OrderWire = z.object({
  id: z.string(),
  status: z.string(),
  creationDate: z.string(),
  lineItems: z.array(
    z.object({
      lineItemNumber: z.number(),
      offerId: z.string(),
      subscriptionId: z.string().nullish(),
      quantity: z.number(),
      termDuration: z.string().nullish(),
    }),
  ),
});

const ProductWire = z.object({ id: z.string(), title: z.string() });
// `dynamicAttributes.skuPartNumber` and `terms[].price` are sandbox extensions: real Partner
// Center publishes prices in price sheets, and has no Graph license mapping.
const SkuWire = z.object({ id: z.string(), productId: z.string(), title: z.string(), dynamicAttributes: z.record(z.unknown()).nullish() });
const AvailabilityWire = z.object({
  id: z.string(),
  productId: z.string(),
  skuId: z.string(),
  terms: z
    .array(
      z.object({
        duration: z.string(),
        billingCycle: z.string(),
        price: z.object({ unitPrice: z.string(), currencyCode: z.string() }).nullish(),
      }),
    )
    .nullish(),
});

const SUBSCRIPTION_STATUSES: SubscriptionStatus[] = ['active', 'suspended', 'deleted', 'expired', 'disabled'];

/**
 * App+user tokens of the customer's own Partner Center connection (an agent signed in with
 * `connect`); undefined when the customer has none and the app's own credentials apply.
 */
export type AgentTokenSource = (customerId: string) => Promise<string | undefined>;

export class PartnerCenterCommerce implements CommercePort {
  private readonly baseUrl: string;
  private agentTokens: AgentTokenSource | undefined;

  /** From now on, calls for a customer with a Partner Center connection use its agent's tokens. */
  actAs(source: AgentTokenSource): void {
    this.agentTokens = source;
  }

  constructor(private readonly options: PartnerCenterOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_PARTNER_CENTER_BASE_URL).replace(/\/+$/, '');
  }

  /** New-commerce catalog of the customer: products → SKUs → availabilities, one offer per term. */
  async listOffers(customerId: string): Promise<CatalogOffer[]> {
    const customer = `/v1/customers/${encodeURIComponent(customerId)}`;
    const products = (await this.get(`${customer}/products?targetView=OnlineServicesNCE`, Collection(ProductWire))).items;
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
          .filter((o): o is CatalogOffer => o !== undefined);
      }),
    );
    return offers.flat();
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
    line: { offerId: string; quantity: number; billingCycle: string },
    requestId: string,
  ): Promise<CommerceOrder> {
    const { body } = await this.send('POST', `/v1/customers/${encodeURIComponent(customerId)}/orders`, {
      body: {
        referenceCustomerId: customerId,
        billingCycle: line.billingCycle,
        lineItems: [{ lineItemNumber: 0, offerId: line.offerId, quantity: line.quantity }],
      },
      requestId,
    });
    return toOrder(parse(OrderWire, body));
  }

  async getOrder(customerId: string, orderId: string): Promise<CommerceOrder> {
    return toOrder(await this.get(`/v1/customers/${encodeURIComponent(customerId)}/orders/${encodeURIComponent(orderId)}`, OrderWire));
  }

  // -------------------------------------------------------------------------------------

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
    const customer = /^\/v1\/customers\/([^/?]+)/.exec(path)?.[1];
    return customer && this.agentTokens ? this.agentTokens(decodeURIComponent(customer)) : undefined;
  }

  /**
   * One logical call under the retry policy. The correlation id and the request id stay the
   * same across its attempts: the first traces them together, the second makes them idempotent.
   */
  private async send(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    options: { body?: unknown; requestId?: string } = {},
  ): Promise<{ status: number; body: unknown }> {
    const { tokens, partnerTenantId, retry, log } = this.options;
    // The turn's or job's id, so one user action can be followed across the vendor's logs.
    const correlationId = correlationIdForCall();
    const requestId = options.requestId ?? randomUUID();
    return withRetries(
      async (attempt) => {
        const accessToken = (await this.agentTokenFor(path)) ?? (await tokens.getToken(partnerTenantId, PARTNER_CENTER_SCOPE));
        const answer = await exchangeJson(log, {
          service: SERVICE,
          baseUrl: this.baseUrl,
          method,
          path,
          headers: {
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
        if (!answer.ok) throw partnerCenterFailure(answer.status, answer.text, answer.headers);
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
      this.options.log.warn({ subscriptionId: s.id, status: s.status }, 'unknown subscription status; treated as disabled');
    return {
      id: s.id,
      offerId: s.offerId,
      offerName: s.offerName ?? s.friendlyName ?? '',
      quantity: s.quantity,
      status: SUBSCRIPTION_STATUSES.includes(status) ? status : 'disabled',
      autoRenewEnabled: s.autoRenewEnabled ?? false,
      billingCycle: s.billingCycle ?? '',
      termDuration: s.termDuration ?? '',
      ...(s.commitmentEndDate ? { commitmentEndDate: s.commitmentEndDate } : {}),
      ...(s.creationDate ? { creationDate: s.creationDate } : {}),
      ...refundFields(s.refundOptions, (this.options.clock ?? systemClock)().getTime()),
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
  ): CatalogOffer | undefined {
    const skuPartNumber = sku.dynamicAttributes?.skuPartNumber;
    const billingCycle = term.billingCycle.toLowerCase();
    const termDuration = term.duration;
    if (
      typeof skuPartNumber !== 'string' ||
      !term.price ||
      (termDuration !== 'P1M' && termDuration !== 'P1Y') ||
      (billingCycle !== 'monthly' && billingCycle !== 'annual')
    ) {
      this.options.log.warn(
        { productId: product.id, skuId: sku.id, availabilityId: availability.id, termDuration, billingCycle },
        'catalog item without license mapping, price or supported term; left out',
      );
      return undefined;
    }
    return {
      offerId: `${availability.productId}:${availability.skuId}:${availability.id}`,
      productId: availability.productId,
      skuId: availability.skuId,
      availabilityId: availability.id,
      name: sku.title || product.title,
      skuPartNumber,
      unitPrice: { amount: term.price.unitPrice, currency: term.price.currencyCode },
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

function toOrder(o: z.infer<typeof OrderWire>): CommerceOrder {
  const status = o.status.toLowerCase();
  return {
    id: o.id,
    status: status === 'completed' || status === 'cancelled' ? status : 'pending',
    creationDate: o.creationDate,
    lineItems: o.lineItems.map((l) => ({
      lineItemNumber: l.lineItemNumber,
      offerId: l.offerId,
      quantity: l.quantity,
      ...(l.subscriptionId ? { subscriptionId: l.subscriptionId } : {}),
      ...(l.termDuration ? { termDuration: l.termDuration } : {}),
    })),
  };
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  return parseWire(SERVICE, schema, value);
}
