// Partner Center REST v1, the new-commerce calls Quartermaster makes: the customer catalog
// (products → skus → availabilities), subscriptions (read, PATCH the whole object) and
// orders. MS-RequestId makes orders and PATCHes idempotent: the same id gets the same
// answer and the change is applied once. Business rules follow new commerce: seats can be
// added any time but removed (or the subscription cancelled) only within 7 days of
// their purchase.
import { randomUUID } from 'node:crypto';
import { header, json, Router, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse, type Handled } from './http.js';
import {
  availabilityJson,
  billingCyclesOf,
  collection,
  customerJson,
  offerIdOf,
  orderJson,
  planPrice,
  priceSheetCsv,
  productJson,
  relationshipJson,
  skuJson,
  subscriptionJson,
  uniqueProducts,
  WINDOW_MS,
} from './partner-center-resources.js';
import type { SeedOffer, SeedPartner } from './seed.js';
import {
  subscriptionQuantity,
  type SandboxOrder,
  type SandboxState,
  type SandboxSubscription,
  type SandboxTenant,
  type ScheduledNextTermInstructions,
} from './state.js';
import { bearerToken, PARTNER_CENTER_RESOURCE, type TokenIssuer } from './tokens.js';

interface PcContext {
  customer: SandboxTenant;
  partner: SeedPartner;
}

export function partnerCenterEmulator(state: SandboxState, tokens: TokenIssuer): EmulatorDefinition {
  const router = new Router<PcContext>()
    .add('GET', '/v1/customers/{customerId}', (_r, _p, { customer, partner }) => json(200, customerJson(state, partner, customer)))
    // Answered in handle(): resellers may read it too.
    .add('GET', '/v1/customers/{customerId}/relationships', () => json(500, {}))
    .add('GET', '/v1/customers/{customerId}/products', (request, _p, { customer }) => {
      // The REST reference's target views; new commerce is OnlineServices, marked by productType.id.
      const targetView = request.url.searchParams.get('targetView') ?? '';
      if (!TARGET_VIEWS.includes(targetView)) return pcError(request, 403, 400036, 'Access to the requested targetView is not allowed.');
      const products = targetView === 'OnlineServices' ? uniqueProducts(state.catalog) : [];
      return json(
        200,
        collection(
          products.map((o) => productJson(customer, o)),
          `/customers/${customer.id}/products?targetView=${targetView}`,
        ),
      );
    })
    .add('GET', '/v1/customers/{customerId}/products/{productId}/skus', (request, { productId }, { customer }) => {
      const offers = state.catalog.filter((o) => o.productId === productId);
      if (offers.length === 0) return pcError(request, 404, 404, `Product ${productId} was not found.`);
      return json(
        200,
        collection(
          offers.map((o) => skuJson(customer, o)),
          `/customers/${customer.id}/products/${productId}/skus`,
        ),
      );
    })
    .add(
      'GET',
      '/v1/customers/{customerId}/products/{productId}/skus/{skuId}/availabilities',
      (request, { productId, skuId }, { customer }) => {
        const offers = state.catalog.filter((o) => o.productId === productId && o.skuId === skuId);
        if (offers.length === 0) return pcError(request, 404, 404, `Sku ${productId}:${skuId} was not found.`);
        return json(
          200,
          collection(
            offers.map((o) => availabilityJson(customer, o)),
            `/customers/${customer.id}/products/${productId}/skus/${skuId}/availabilities`,
          ),
        );
      },
    )
    .add('GET', '/v1/customers/{customerId}/subscriptions', (_r, _p, { customer }) =>
      json(
        200,
        collection(
          [...customer.subscriptions.values()].map((s) => subscriptionJson(customer, s, state.clock())),
          `/customers/${customer.id}/subscriptions`,
        ),
      ),
    )
    .add('GET', '/v1/customers/{customerId}/subscriptions/{subscriptionId}', (request, { subscriptionId }, { customer }) => {
      const subscription = customer.subscriptions.get(subscriptionId!);
      return subscription
        ? json(200, subscriptionJson(customer, subscription, state.clock()))
        : subscriptionNotFound(request, subscriptionId!);
    })
    .add('PATCH', '/v1/customers/{customerId}/subscriptions/{subscriptionId}', (request, { subscriptionId }, { customer }) =>
      idempotent(state, request, `${customer.id} PATCH subscription ${subscriptionId}`, () =>
        patchSubscription(state, request, customer, subscriptionId!),
      ),
    )
    .add(
      'GET',
      '/v1/customers/{customerId}/subscriptions/{subscriptionId}/transitionEligibilities',
      (request, { subscriptionId }, { customer }) => {
        const subscription = customer.subscriptions.get(subscriptionId!);
        if (!subscription) return subscriptionNotFound(request, subscriptionId!);
        const type = request.url.searchParams.get('eligibilityType') ?? 'immediate';
        if (type !== 'immediate' && type !== 'scheduled')
          return pcError(request, 400, INVALID_INPUT, `eligibilityType must be immediate or scheduled, not '${type}'.`);
        // Offers of the same product (the subscription's own included: a renewal change of quantity or term).
        const targets = state.catalog.filter((o) => o.productId === subscription.offer.productId);
        const reason =
          subscription.status !== 'active' ? `Subscription is ${subscription.status}; only an active subscription can change.` : undefined;
        const items = targets.map((o) => ({
          catalogItemId: offerIdOf(o),
          title: o.title,
          eligibilities: [
            {
              isEligible: reason === undefined,
              transitionType: o === subscription.offer ? 'transition_only' : 'transition_with_license_transfer',
              ...(reason ? { errors: [{ code: 'SubscriptionNotActive', description: reason }] } : {}),
            },
          ],
        }));
        return json(200, collection(items, `/customers/${customer.id}/subscriptions/${subscription.id}/transitionEligibilities`));
      },
    )
    .add('GET', '/v1/customers/{customerId}/orders', (request, _p, { customer }) =>
      json(
        200,
        collection(
          [...customer.orders.values()].map((o) => orderJson(o, { includePrice: includePrice(request) })),
          `/customers/${customer.id}/orders`,
        ),
      ),
    )
    .add('POST', '/v1/customers/{customerId}/orders', (request, _p, { customer }) =>
      idempotent(state, request, `${customer.id} POST orders`, () => createOrder(state, request, customer)),
    )
    .add('GET', '/v1/customers/{customerId}/orders/{orderId}', (request, { orderId }, { customer }) => {
      const order = customer.orders.get(orderId!);
      return order
        ? json(200, orderJson(order, { includePrice: includePrice(request) }))
        : pcError(request, 404, 404, `Order ${orderId} was not found.`);
    })
    .add('GET', '/v1/customers/{customerId}/orders/{orderId}/provisioningstatus', (request, { orderId }, { customer }) => {
      const order = customer.orders.get(orderId!);
      if (!order) return pcError(request, 404, 404, `Order ${orderId} was not found.`);
      const items = order.lineItems.map((l) => ({
        lineItemNumber: l.lineItemNumber,
        status: 'fulfilled',
        quantityProvisioningInformation: [],
        attributes: { objectType: 'OrderLineItemProvisioningStatus' },
      }));
      return json(200, collection(items, `/customers/${customer.id}/orders/${order.id}/provisioningstatus`));
    });

  function handleRequest(request: EmulatorRequest): Handled {
    const token = bearerToken(header(request, 'authorization'));
    if (!token) return { response: unauthorized(request, 'Authorization token is missing.') };
    const verified = tokens.verify(token);
    if ('problem' in verified) return { response: unauthorized(request, verified.problem) };
    const { claims } = verified;
    if (claims.aud !== PARTNER_CENTER_RESOURCE) return { response: unauthorized(request, `Invalid audience '${claims.aud}'.`) };
    if (claims.scp !== undefined && !(claims.amr ?? []).includes('mfa'))
      return {
        response: pcError(
          request,
          401,
          401,
          'Authorization failed. Partner Center requires multi-factor authentication for App+User calls: the token carries no MFA claim (amr).',
        ),
        tenantId: claims.tid,
      };
    if (request.method === 'GET' && PRICE_SHEET_PATH.test(decodeURIComponent(request.path)))
      return { response: priceSheet(state, request, claims), tenantId: claims.tid };
    const partner = state.partnerAccount(claims.tid);
    if (!partner)
      return { response: pcError(request, 403, 403, `Tenant ${claims.tid} is not a Partner Center partner.`), tenantId: claims.tid };
    // App+user tokens act as the signed-in agent: without a Partner Center role, nothing is allowed.
    if (claims.scp !== undefined && (state.identity.accounts.get(claims.oid)?.partnerCenterRoles.length ?? 0) === 0) {
      return {
        response: pcError(
          request,
          403,
          403,
          `User ${claims.upn ?? claims.oid} has no Partner Center role (Admin agent, or Billing admin and Sales agent) and cannot call this API.`,
        ),
        tenantId: claims.tid,
      };
    }

    const path = request.path.replace(/\/$/, '');
    if (request.method === 'GET' && path === '/v1/customers')
      return { response: customerList(state, request, partner), tenantId: claims.tid };
    if (request.method === 'GET' && path === '/v1/relationships')
      return { response: relationships(state, request, partner), tenantId: claims.tid };
    const match = router.match(request.method, request.path);
    if (!match) return { response: pcError(request, 404, 404, `${request.path} is not a Partner Center resource.`), tenantId: claims.tid };
    if (!match.handler)
      return {
        response: pcError(request, 405, 405, `The requested resource does not support http method '${request.method}'.`),
        tenantId: claims.tid,
      };
    // customers/{id}/... exists only for the partner the customer belongs to; another partner's
    // customer is "not found" for the caller, whatever id it forges.
    const customerId = match.params.customerId ?? '';
    const customer = partner.customerIds.includes(customerId) ? state.tenant(customerId) : undefined;
    if (!customer)
      return {
        response: pcError(request, 404, 600008, `Customer ${customerId} was not found or has no relationship with this partner.`),
        tenantId: claims.tid,
      };
    if (match.pattern === '/v1/customers/{customerId}/relationships')
      return { response: customerRelationships(state, partner, customer), tenantId: claims.tid };
    // An indirect reseller sees its customers; their subscriptions and orders go through its provider.
    if (partner.kind === 'indirect-reseller')
      return {
        response: pcError(
          request,
          403,
          403,
          `${partner.companyName} is an indirect reseller of this customer: its subscriptions and orders are managed by the indirect provider.`,
        ),
        tenantId: claims.tid,
      };
    return { response: match.handler(request, match.params, { customer, partner }), tenantId: claims.tid };
  }

  return {
    service: 'partnerCenter',
    routeOf: (request) =>
      router.match(request.method, request.path)?.pattern ??
      (['/v1/customers', '/v1/relationships'].includes(request.path.replace(/\/$/, ''))
        ? request.path.replace(/\/$/, '')
        : PRICE_SHEET_PATH.test(decodeURIComponent(request.path))
          ? PRICE_SHEET_ROUTE
          : 'unmatched'),
    handle(request) {
      const handled = handleRequest(request);
      // The request log names the agent a delegated call acted as.
      const verified = handled.tenantId ? tokens.verify(bearerToken(header(request, 'authorization')) ?? '') : undefined;
      const user = verified && 'claims' in verified && verified.claims.scp !== undefined ? verified.claims.upn : undefined;
      return user ? { ...handled, user } : handled;
    },
    renderFault(fault, request) {
      const headers = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : undefined;
      if (fault.status === 429 && fault.code === undefined) {
        // Throttling answers come from the API gateway, in its own shape (no Partner Center error code).
        return json(
          429,
          { statusCode: 429, message: fault.message ?? `Rate limit is exceeded. Try again in ${fault.retryAfterSeconds ?? 60} seconds.` },
          headers,
        );
      }
      const response = pcError(
        request,
        fault.status,
        fault.code ?? fault.status,
        fault.message ?? (fault.status >= 500 ? 'The service encountered an error. Please try again.' : 'The request failed.'),
      );
      if (headers) response.headers = { ...response.headers, ...headers };
      return response;
    },
    trace: (request) => ({
      ...(header(request, 'ms-requestid') ? { requestId: header(request, 'ms-requestid')! } : {}),
      ...(header(request, 'ms-correlationid') ? { correlationId: header(request, 'ms-correlationid')! } : {}),
    }),
    commonHeaders: (request) => ({
      'MS-CorrelationId': header(request, 'ms-correlationid') ?? randomUUID(),
      'MS-RequestId': header(request, 'ms-requestid') ?? randomUUID(),
    }),
  };
}

/**
 * GET /v1/customers: the caller's customers (an indirect reseller: those associated with it).
 * `filter` is the JSON the REST reference documents; the emulator knows the IndirectReseller field
 * (customers an indirect provider sells through one reseller) and CompanyName / Domain (starts_with).
 * Paged as the REST reference and the SDK (GetCustomers, BaseResourceCollectionEnumerator) say:
 * `size` asks for a page (absent or 0: every customer at once, the SDK's non-indexed query); a
 * page that is not the last carries `links.next`, `/customers?size=N&seekOperation=Next` with the
 * header MS-ContinuationToken, and that request (no filter: the token carries it) reads on.
 */
function customerList(state: SandboxState, request: EmulatorRequest, partner: SeedPartner): EmulatorResponse {
  const params = new Map([...request.url.searchParams].map(([k, v]) => [k.toLowerCase(), v]));
  let query: CustomerQuery;
  const seek = params.get('seekoperation');
  if (seek !== undefined) {
    if (seek.toLowerCase() !== 'next')
      return pcError(request, 400, INVALID_INPUT, `seekOperation '${seek}' is not supported here; follow links.next (Next).`);
    const token = continuationOf(header(request, 'ms-continuationtoken'));
    if (!token || token.partner !== partner.tenantId.toLowerCase())
      return pcError(request, 400, INVALID_INPUT, 'MS-ContinuationToken is missing or is not a token this partner was given.');
    query = token;
  } else {
    const sizeText = params.get('size') ?? '0';
    if (!/^\d{1,4}$/.test(sizeText)) return pcError(request, 400, INVALID_INPUT, `size must be a whole number, not '${sizeText}'.`);
    query = { partner: partner.tenantId.toLowerCase(), offset: 0, size: Number(sizeText), filter: params.get('filter') ?? null };
  }
  let customers = partner.customerIds.map((id) => state.tenant(id)).filter((t): t is SandboxTenant => t !== undefined);
  if (query.filter !== null) {
    const filter = parseJson(query.filter) as { Field?: unknown; Value?: unknown; Operator?: unknown } | undefined;
    const value = typeof filter?.Value === 'string' ? filter.Value.toLowerCase() : undefined;
    if (!filter || value === undefined || filter.Operator !== 'starts_with')
      return pcError(request, 400, INVALID_INPUT, 'filter must be {"Field":...,"Value":...,"Operator":"starts_with"}.');
    const fieldOf: Record<string, (c: SandboxTenant) => string> = {
      IndirectReseller: (c) => state.resellerOf(partner, c.id)?.tenantId ?? '',
      CompanyName: (c) => c.displayName,
      Domain: (c) => c.domain,
    };
    const field = fieldOf[String(filter.Field)];
    if (!field) return pcError(request, 400, INVALID_INPUT, `Field '${String(filter.Field)}' cannot be filtered on.`);
    customers = customers.filter((c) => value !== '' && field(c).toLowerCase().startsWith(value));
  }
  const end = query.size === 0 ? customers.length : Math.min(customers.length, query.offset + query.size);
  const page = customers.slice(query.offset, end);
  const self = query.size === 0 ? '/customers' : `/customers?size=${query.size}`;
  const body = collection(
    page.map((c) => customerJson(state, partner, c)),
    self,
  );
  if (end >= customers.length) return json(200, body);
  const token = Buffer.from(JSON.stringify({ ...query, offset: end })).toString('base64url');
  const next = { uri: `${self}&seekOperation=Next`, method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: token }] };
  return json(200, { ...body, links: { ...body.links, next } });
}

/** Where a customer list stands: the emulator's continuation token is this, opaque to callers. */
interface CustomerQuery {
  partner: string;
  offset: number;
  size: number;
  filter: string | null;
}

function continuationOf(token: string | undefined): CustomerQuery | undefined {
  if (!token) return undefined;
  const value = parseJson(Buffer.from(token, 'base64url').toString('utf8')) as Partial<CustomerQuery> | undefined;
  const ok =
    typeof value?.partner === 'string' &&
    Number.isInteger(value.offset) &&
    Number.isInteger(value.size) &&
    value.size! > 0 &&
    (value.filter === null || typeof value.filter === 'string');
  return ok ? (value as CustomerQuery) : undefined;
}

/**
 * GET /v1/relationships?relationship_type=: an indirect provider's resellers
 * (IsIndirectCloudSolutionProviderOf) or a reseller's providers (IsIndirectResellerOf).
 */
function relationships(state: SandboxState, request: EmulatorRequest, partner: SeedPartner): EmulatorResponse {
  const type = request.url.searchParams.get('relationship_type') ?? '';
  let items: ReturnType<typeof relationshipJson>[];
  if (type === 'IsIndirectCloudSolutionProviderOf') {
    items = state.partners
      .filter((p) => p.kind === 'indirect-reseller' && p.providerTenantId === partner.tenantId)
      .map((p) => relationshipJson(p, 'IsIndirectCloudSolutionProviderOf'));
  } else if (type === 'IsIndirectResellerOf') {
    const provider = partner.kind === 'indirect-reseller' ? state.partnerAccount(partner.providerTenantId ?? '') : undefined;
    items = provider ? [relationshipJson(provider, 'IsIndirectResellerOf')] : [];
  } else {
    return pcError(
      request,
      400,
      INVALID_INPUT,
      `relationship_type must be IsIndirectCloudSolutionProviderOf or IsIndirectResellerOf, not '${type}'.`,
    );
  }
  return json(200, collection(items, `/relationships?relationship_type=${type}`));
}

/** GET /v1/customers/{id}/relationships: the indirect resellers (or, for a reseller, providers) the customer has. */
function customerRelationships(state: SandboxState, partner: SeedPartner, customer: SandboxTenant): EmulatorResponse {
  const items =
    partner.kind === 'indirect-reseller'
      ? [state.partnerAccount(partner.providerTenantId ?? '')]
          .filter((p): p is SeedPartner => p !== undefined)
          .map((p) => relationshipJson(p, 'IsIndirectResellerOf'))
      : [state.resellerOf(partner, customer.id)]
          .filter((p): p is SeedPartner => p !== undefined)
          .map((p) => relationshipJson(p, 'IsIndirectCloudSolutionProviderOf'));
  return json(200, collection(items, `/customers/${customer.id}/relationships`));
}

/**
 * Answers a retried MS-RequestId with the answer it already got, so the change is never
 * applied twice. Only successes are kept: a refused change changed nothing.
 */
/** `include_price=true` on an order read (the REST reference's query parameter; default false). */
function includePrice(request: EmulatorRequest): boolean {
  const value = [...request.url.searchParams].find(([k]) => k.toLowerCase() === 'include_price')?.[1];
  return value?.toLowerCase() === 'true';
}

function idempotent(state: SandboxState, request: EmulatorRequest, operation: string, apply: () => EmulatorResponse): EmulatorResponse {
  const requestId = header(request, 'ms-requestid');
  const key = requestId ? `${operation} ${requestId}` : undefined;
  const earlier = key ? state.idempotentResponses.get(key) : undefined;
  if (earlier) return { ...json(earlier.status, earlier.body), replayed: true };
  const response = apply();
  if (key && response.status < 300) state.idempotentResponses.set(key, { status: response.status, body: response.body });
  return response;
}

// ---------------------------------------------------------------------------------------
// Orders and subscription changes
// ---------------------------------------------------------------------------------------

function createOrder(state: SandboxState, request: EmulatorRequest, customer: SandboxTenant): EmulatorResponse {
  const body = parseJson(request.body) as
    | {
        lineItems?: { lineItemNumber?: number; offerId?: string; quantity?: number; termDuration?: string }[];
        billingCycle?: string;
        partnerOnRecordAttestationAccepted?: boolean;
      }
    | undefined;
  if (!body || !Array.isArray(body.lineItems) || body.lineItems.length === 0)
    return pcError(request, 400, 400, 'The order must have at least one line item.');
  if (body.partnerOnRecordAttestationAccepted !== true)
    return pcError(
      request,
      400,
      INVALID_INPUT,
      'The partner of record attestation is required: set partnerOnRecordAttestationAccepted to true to confirm you are the partner of record for this customer.',
    );
  const billingCycle = String(body.billingCycle ?? '').toLowerCase();

  const lines: { offer: SeedOffer; quantity: number; lineItemNumber: number }[] = [];
  for (const [index, item] of body.lineItems.entries()) {
    const offer = state.offer(item.offerId ?? '');
    if (!offer)
      return pcError(request, 400, 400, `Offer ${item.offerId ?? '(none)'} was not found in the catalog of customer ${customer.id}.`);
    const quantity = item.quantity;
    if (
      typeof quantity !== 'number' ||
      !Number.isInteger(quantity) ||
      quantity < offer.minimumQuantity ||
      quantity > offer.maximumQuantity
    ) {
      return pcError(
        request,
        400,
        2002,
        `Quantity ${String(quantity)} is out of range for offer ${item.offerId}: it must be between ${offer.minimumQuantity} and ${offer.maximumQuantity}.`,
      );
    }
    if (!billingCyclesOf(offer).includes(billingCycle)) {
      return pcError(
        request,
        400,
        400,
        `Billing cycle '${body.billingCycle ?? ''}' is not available for offer ${item.offerId}; use ${billingCyclesOf(offer)
          .map((c) => `'${c}'`)
          .join(' or ')}.`,
      );
    }
    if (item.termDuration && item.termDuration !== offer.termDuration)
      return pcError(request, 400, 400, `Term duration '${item.termDuration}' is not available for offer ${item.offerId}.`);
    lines.push({ offer, quantity, lineItemNumber: item.lineItemNumber ?? index });
  }

  const now = state.clock();
  const requestId = header(request, 'ms-requestid');
  const order: SandboxOrder = {
    id: randomUUID(),
    customerId: customer.id,
    billingCycle,
    creationDate: now,
    status: 'completed',
    lineItems: [],
    ...(requestId ? { requestId } : {}),
  };
  for (const line of lines) {
    // A new-commerce purchase is a new subscription, even when one for the offer exists.
    const subscription: SandboxSubscription = {
      id: randomUUID(),
      offer: line.offer,
      friendlyName: line.offer.title,
      billingCycle,
      status: 'active',
      autoRenewEnabled: true,
      creationDate: now,
      lots: [{ quantity: line.quantity, purchasedAt: now }],
      orderId: order.id,
    };
    customer.subscriptions.set(subscription.id, subscription);
    order.lineItems.push({
      lineItemNumber: line.lineItemNumber,
      offerId: offerIdOf(line.offer),
      subscriptionId: subscription.id,
      quantity: line.quantity,
      termDuration: line.offer.termDuration,
      transactionType: 'New',
      // Priced from the price sheet as it is now: a later price change leaves the order as billed.
      unitPrice: planPrice(line.offer, billingCycle === 'annual' ? 'Annual' : 'Monthly'),
    });
  }
  customer.orders.set(order.id, order);
  return json(201, orderJson(order));
}

/** Partner Center's generic invalid-input code (error-codes table: 400056 "Invalid input"). */
const INVALID_INPUT = 400056;

/** The catalog target views the REST reference lists (get-a-list-of-products-by-customer). */
const TARGET_VIEWS = [
  'Azure',
  'AzureReservations',
  'AzureReservationsVM',
  'AzureReservationsSQL',
  'AzureReservationsCosmosDb',
  'MicrosoftAzure',
  'OnlineServices',
  'Software',
  'SoftwareSUSELinux',
  'SoftwarePerpetual',
  'SoftwareSubscriptions',
];

export const PRICE_SHEET_ROUTE = "/v1.0/sales/pricesheets(Market='{market}',PricesheetView='{view}')/$value";
/** The price sheet (Partner pricing API, api.partner.microsoft.com): served here on the Partner Center emulator. */
const PRICE_SHEET_PATH = /^\/v1\.0\/sales\/pricesheets\(Market='([A-Za-z]{2})',PricesheetView='(\w+)'\)\/\$value$/;

/** App+User only (Admin or Sales agent), as the price sheet page says; CSV of the seeded catalog. */
function priceSheet(state: SandboxState, request: EmulatorRequest, claims: { tid: string; scp?: string; oid: string }): EmulatorResponse {
  const [, market = '', view = ''] = PRICE_SHEET_PATH.exec(decodeURIComponent(request.path)) ?? [];
  const partner = state.partnerAccount(claims.tid);
  if (!partner || partner.kind === 'indirect-reseller')
    return pcError(request, 403, 403, `Tenant ${claims.tid} is not a Partner Center partner that buys from Microsoft.`);
  if (claims.scp === undefined)
    return pcError(
      request,
      401,
      401,
      'Authorization failed. The price sheet needs App+User authentication; application-only is not supported.',
    );
  const roles = state.identity.accounts.get(claims.oid)?.partnerCenterRoles ?? [];
  if (!roles.includes('Admin agent') && !roles.includes('Sales agent'))
    return pcError(request, 403, 403, 'The price sheet needs the Admin agent or Sales agent role.');
  if (view.toLowerCase() !== 'updatedlicensebased')
    return pcError(request, 400, INVALID_INPUT, `Pricesheet view '${view}' is not available.`);
  return {
    status: 200,
    text: priceSheetCsv(state.catalog, market.toUpperCase(), state.clock()),
    headers: { 'content-type': 'text/csv; charset=utf-8' },
  };
}

/**
 * PATCH with the whole subscription. What it can do, one at a time or together where
 * Partner Center allows: quantity, status (suspend / reactivate / cancel), autoRenewEnabled,
 * scheduledNextTermInstructions (null clears it). A suspended subscription accepts only its
 * reactivation; seats (and the whole subscription) go only within 7 days of their purchase.
 */
function patchSubscription(
  state: SandboxState,
  request: EmulatorRequest,
  customer: SandboxTenant,
  subscriptionId: string,
): EmulatorResponse {
  const subscription = customer.subscriptions.get(subscriptionId);
  if (!subscription) return subscriptionNotFound(request, subscriptionId);
  const body = parseJson(request.body) as
    { id?: string; quantity?: unknown; status?: unknown; autoRenewEnabled?: unknown; scheduledNextTermInstructions?: unknown } | undefined;
  if (!body || typeof body !== 'object') return pcError(request, 400, 400, 'The request body is not a subscription.');
  if (body.id !== undefined && body.id !== subscription.id)
    return pcError(request, 400, 400, 'The subscription id in the body does not match the URL.');
  if (subscription.status === 'deleted') return pcError(request, 400, 400, 'The subscription is cancelled and can no longer be changed.');

  const current = subscriptionQuantity(subscription);
  const quantity = body.quantity === undefined ? current : body.quantity;
  const status = body.status === undefined ? subscription.status : String(body.status).toLowerCase();
  const autoRenewEnabled = body.autoRenewEnabled === undefined ? subscription.autoRenewEnabled : body.autoRenewEnabled;
  if (typeof autoRenewEnabled !== 'boolean') return pcError(request, 400, 400, 'autoRenewEnabled must be true or false.');
  if (status !== 'active' && status !== 'suspended' && status !== 'deleted')
    return pcError(request, 400, 400, `Status '${status}' cannot be set.`);

  // undefined: unchanged; null: clear; otherwise the instructions to validate and keep.
  const scheduledBody = body.scheduledNextTermInstructions;
  const scheduledChanged =
    scheduledBody !== undefined &&
    JSON.stringify(normalizeInstructions(scheduledBody)) !==
      JSON.stringify(normalizeInstructions(subscription.scheduledNextTermInstructions ?? null));
  const otherChanges = quantity !== current || autoRenewEnabled !== subscription.autoRenewEnabled || scheduledChanged;

  if (subscription.status === 'suspended' && !(status === 'active' && !otherChanges)) {
    return pcError(
      request,
      400,
      800091,
      'The subscription is suspended and cannot be updated. Reactivate the subscription (status active) before making other changes.',
    );
  }
  if (status !== subscription.status && otherChanges) {
    return pcError(request, 400, INVALID_INPUT, `Change the subscription status to '${status}' on its own, without other changes.`);
  }
  if (
    typeof quantity !== 'number' ||
    !Number.isInteger(quantity) ||
    quantity < subscription.offer.minimumQuantity ||
    quantity > subscription.offer.maximumQuantity
  ) {
    return pcError(
      request,
      400,
      2002,
      `Quantity ${String(quantity)} is out of range: it must be between ${subscription.offer.minimumQuantity} and ${subscription.offer.maximumQuantity}.`,
    );
  }
  const now = state.clock().getTime();
  const inWindow = subscription.lots.filter((lot) => now - lot.purchasedAt.getTime() < WINDOW_MS);
  const removable = inWindow.reduce((sum, lot) => sum + lot.quantity, 0);
  if (quantity < current && current - quantity > removable)
    return pcError(request, 400, 800090, 'Subscription quantity cannot be decreased');
  if (status === 'deleted' && removable < current) {
    return pcError(
      request,
      400,
      800090,
      'Subscription cannot be cancelled: the cancellation window (7 days from purchase) has passed for some of its seats.',
    );
  }

  let scheduled = subscription.scheduledNextTermInstructions;
  if (scheduledChanged) {
    if (scheduledBody === null) scheduled = undefined;
    else {
      const checked = checkInstructions(state, subscription, scheduledBody);
      if ('problem' in checked) return pcError(request, 400, INVALID_INPUT, checked.problem);
      if (!autoRenewEnabled)
        return pcError(
          request,
          400,
          INVALID_INPUT,
          'Scheduled changes need auto-renew: turn on autoRenewEnabled to schedule next term instructions.',
        );
      scheduled = checked.instructions;
    }
  }

  if (quantity > current) {
    subscription.lots.push({ quantity: quantity - current, purchasedAt: new Date(now) });
  } else if (quantity < current) {
    // Seats removed come from the newest lots still inside their window.
    let toRemove = current - quantity;
    for (const lot of [...inWindow].sort((a, b) => b.purchasedAt.getTime() - a.purchasedAt.getTime())) {
      const taken = Math.min(lot.quantity, toRemove);
      lot.quantity -= taken;
      toRemove -= taken;
    }
    subscription.lots = subscription.lots.filter((lot) => lot.quantity > 0);
  }
  // A mid-term change of seats deletes what was scheduled for renewal, as in Partner Center.
  if (quantity !== current && !scheduledChanged) scheduled = undefined;
  // Without auto-renew, or once cancelled, nothing renews.
  if (!autoRenewEnabled || status === 'deleted') scheduled = undefined;

  subscription.status = status;
  subscription.autoRenewEnabled = status === 'deleted' ? false : autoRenewEnabled;
  if (scheduled) subscription.scheduledNextTermInstructions = scheduled;
  else delete subscription.scheduledNextTermInstructions;
  return json(200, subscriptionJson(customer, subscription, state.clock()));
}

function normalizeInstructions(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value ?? null;
  const v = value as { product?: Record<string, unknown>; quantity?: unknown };
  const p = v.product ?? {};
  return {
    product: {
      productId: p.productId,
      skuId: p.skuId,
      availabilityId: p.availabilityId,
      billingCycle: typeof p.billingCycle === 'string' ? p.billingCycle.toLowerCase() : p.billingCycle,
      termDuration: p.termDuration,
    },
    quantity: v.quantity,
  };
}

/** scheduledNextTermInstructions must name a catalog offer of the same product, a term and billing cycle it has, and a quantity in range. */
function checkInstructions(
  state: SandboxState,
  subscription: SandboxSubscription,
  value: unknown,
): { instructions: ScheduledNextTermInstructions } | { problem: string } {
  const v = normalizeInstructions(value) as { product: Record<string, unknown>; quantity: unknown } | null;
  if (!v || typeof v !== 'object') return { problem: 'scheduledNextTermInstructions must be an object with product and quantity.' };
  const { productId, skuId, availabilityId, billingCycle, termDuration } = v.product;
  if (
    typeof productId !== 'string' ||
    typeof skuId !== 'string' ||
    typeof availabilityId !== 'string' ||
    typeof billingCycle !== 'string' ||
    typeof termDuration !== 'string'
  ) {
    return { problem: 'scheduledNextTermInstructions.product needs productId, skuId, availabilityId, billingCycle and termDuration.' };
  }
  const offer = state.offer(`${productId}:${skuId}:${availabilityId}`);
  if (!offer) return { problem: `Offer ${productId}:${skuId}:${availabilityId} was not found in the catalog.` };
  if (offer.productId !== subscription.offer.productId)
    return {
      problem: `Next term product ${productId} is not eligible for subscription ${subscription.id} (product ${subscription.offer.productId}).`,
    };
  if (termDuration !== offer.termDuration)
    return { problem: `Term duration '${termDuration}' is not available for offer ${offerIdOf(offer)}.` };
  if (!billingCyclesOf(offer).includes(billingCycle))
    return { problem: `Billing cycle '${billingCycle}' is not available for offer ${offerIdOf(offer)}.` };
  const quantity = v.quantity;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < offer.minimumQuantity || quantity > offer.maximumQuantity) {
    return {
      problem: `Next term quantity ${String(quantity)} is out of range: it must be between ${offer.minimumQuantity} and ${offer.maximumQuantity}.`,
    };
  }
  return { instructions: { product: { productId, skuId, availabilityId, billingCycle, termDuration }, quantity } };
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/** Partner Center's error body. Codes other than those Partner Center documents for these calls are approximate. */
export function pcError(request: EmulatorRequest, status: number, code: number | string, description: string): EmulatorResponse {
  return json(status, {
    code,
    description,
    data: [],
    source: 'PartnerFD',
    correlationId: header(request, 'ms-correlationid') ?? randomUUID(),
  });
}

function unauthorized(request: EmulatorRequest, description: string): EmulatorResponse {
  const response = pcError(request, 401, 401, `Authorization failed. ${description}`);
  response.headers = { 'WWW-Authenticate': 'Bearer' };
  return response;
}

function subscriptionNotFound(request: EmulatorRequest, subscriptionId: string): EmulatorResponse {
  return pcError(request, 404, 800002, `Subscription ${subscriptionId} was not found.`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
