// SoftwareOne Marketplace Platform "Commerce API" emulator (base /public/v1), held to the
// platform's openAPI.yaml (test/contracts/softwareone): catalog items (no price: prices are
// price-list items, found through the product's listing), licensees, product parameter
// definitions, agreements (PO number = externalIds.client, the "Additional ID"),
// subscriptions and orders of type Purchase / Change / Termination / Configuration. An order
// posted as Draft waits for its `process` action; the vendor clock then moves it along (see
// marketplace-state.ts). Lists take RQL; `audit` comes back (and can be filtered or sorted
// on) only when selected. Errors are RFC 9110 problem details. Every call needs
// `Authorization: Bearer <API token>`; a token belongs to one tenant's account.
//
// One local-only extension, declared in test/contracts/softwareone/extensions.json:
// a subscription's `assignedUsers` (who holds the vendor seats).
import { randomBytes } from 'node:crypto';
import { header, json, Router, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse } from './http.js';
import { salesPrice, type MarketplaceSeedItem, type MarketplaceSeedToken } from './marketplace-data.js';
import { applyQuery, parseQuery, RqlSyntaxError } from './marketplace-rql.js';
import type {
  MarketplaceAgreement,
  MarketplaceOrder,
  MarketplaceOrderLine,
  MarketplaceSubscription,
  MarketplaceWorld,
} from './marketplace-state.js';

export const MARKETPLACE_BASE_PATH = '/public/v1';
const ERRORS_URL = 'https://docs.platform.softwareone.com/developer-resources/rest-api/errors/commerce';

/** Sandbox error codes (the fragment of a problem's `type`), mapped by the connector. */
export const MARKETPLACE_ERROR_CODES = {
  downsizeWindow: 'MPTCOM-SBX-0090',
  orderInProgress: 'MPTCOM-SBX-0060',
  noFreeSeat: 'MPTCOM-SBX-0120',
  validation: 'MPTCOM-SBX-0400',
  notFound: 'MPTCOM-SBX-0404',
  unauthorized: 'MPTCOM-SBX-0401',
  rql: 'MPTCOM-SBX-0410',
} as const;

interface Context {
  account: MarketplaceSeedToken;
}

type Body = Record<string, unknown>;

export function problem(
  status: number,
  title: string,
  detail: string,
  code?: string,
  errors?: { message: string; properties: string[] }[],
): EmulatorResponse {
  const traceId = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
  return json(
    status,
    { type: `${ERRORS_URL}#${code ?? `MPTCOM-${status}`}`, title, status, detail, traceId, ...(errors ? { errors } : {}) },
    { 'content-type': 'application/problem+json; charset=utf-8' },
  );
}

const invalid = (detail: string, properties: string[] = []) =>
  problem(400, 'Validation failed', detail, MARKETPLACE_ERROR_CODES.validation, [{ message: detail, properties }]);
const notFound = (what: string, id: string) => problem(404, 'Not found', `${what} ${id} was not found.`, MARKETPLACE_ERROR_CODES.notFound);

/** `audit` is returned, and can be filtered or sorted on, only when the query selects it. */
function withoutAudit<T>(item: T, select: readonly string[]): T {
  if (select.includes('audit') || !item || typeof item !== 'object' || !('audit' in item)) return item;
  const { audit: _audit, ...rest } = item as Record<string, unknown>;
  return rest as T;
}

function list<T>(request: EmulatorRequest, items: T[]): EmulatorResponse {
  const raw = request.url.search;
  let query;
  try {
    query = parseQuery(raw);
  } catch (error) {
    if (error instanceof RqlSyntaxError) return problem(400, 'Invalid RQL expression', error.message, MARKETPLACE_ERROR_CODES.rql);
    throw error;
  }
  const { page, total, limit } = applyQuery(
    items.map((i) => withoutAudit(i, query.select)),
    query,
  );
  return json(200, { $meta: { pagination: { offset: query.offset, limit, total } }, data: page });
}

/** One resource, its audit only when selected. */
function one(request: EmulatorRequest, item: unknown): EmulatorResponse {
  let select: string[] = [];
  try {
    select = parseQuery(request.url.search).select;
  } catch {
    // a malformed query on a single resource: answer the resource without extras
  }
  return json(200, withoutAudit(item, select));
}

/** Parameter types as the platform names them. */
const PARAMETER_TYPES = { email: 'Email', text: 'SingleLineText', choice: 'Choice' } as const;
/** The one price list of the sandbox (USD), reached through each product's listing. */
export const SANDBOX_PRICE_LIST = { id: 'PRC-5100-0001', currency: 'USD' } as const;

function parseBody(request: EmulatorRequest): Body | undefined {
  try {
    const value = JSON.parse(request.body || '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined;
  } catch {
    return undefined;
  }
}

const obj = (v: unknown): Body => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Body) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isoDay = (d: Date) => d.toISOString();

export function marketplaceEmulator(world: MarketplaceWorld): EmulatorDefinition {
  const vendorJson = (v: { id: string; name: string }) => ({ id: v.id, name: v.name, type: 'Vendor', status: 'Active' });
  const productRef = (p: MarketplaceSeedItem['product']) => ({ id: p.id, name: p.name, vendor: vendorJson(p.vendor) });
  const itemJson = (i: MarketplaceSeedItem) => ({
    id: i.id,
    name: i.name,
    status: 'Published',
    product: productRef(i.product),
    terms: { ...i.terms },
  });
  const products = () => world.items.map((i) => i.product).filter((p, n, all) => all.findIndex((x) => x.id === p.id) === n);
  const listingJson = (p: MarketplaceSeedItem['product']) => ({
    id: `LST-${p.id.slice(4)}`,
    product: productRef(p),
    vendor: vendorJson(p.vendor),
    authorization: { id: `AUT-${p.id.slice(4)}`, name: `${p.name} for resale`, currency: SANDBOX_PRICE_LIST.currency },
    priceList: { ...SANDBOX_PRICE_LIST },
    primary: true,
  });
  /**
   * What a client account may see of a price, per unit and billing period of the item: the
   * sales price (`unitSP`) and its totals per month and year for `quantity` units (`SPxM`,
   * `SPxY`). Purchase prices, markup and margin are for SoftwareOne operations and vendors only
   * (common-api-objects/price.md: "clients cannot see purchase prices"); the sandbox's tokens
   * are client accounts, so those fields are never sent.
   */
  const clientPrice = (purchase: { amount: string; currency: string }, itemId: string, quantity: number) => {
    const unitSP = Number(salesPrice(purchase).amount);
    const perMonth = world.item(itemId)?.terms.period === '1y' ? unitSP / 12 : unitSP;
    return { currency: purchase.currency, unitSP, SPxM: cents(perMonth * quantity), SPxY: cents(perMonth * 12 * quantity) };
  };
  const priceItemJson = (i: MarketplaceSeedItem) => {
    const { unitSP, SPxM, SPxY } = clientPrice(i.purchasePrice, i.id, 1);
    return { id: `PRI-${i.id.slice(4)}`, status: 'ForSale', unitSP, SPxM, SPxY, item: { id: i.id, name: i.name } };
  };

  const agreementJson = (a: MarketplaceAgreement) => {
    const product = world.items.find((i) => i.product.id === a.productId)?.product;
    return {
      id: a.id,
      name: a.name,
      status: a.status,
      licensee: { ...a.licensee },
      product: { id: a.productId, name: product?.name ?? a.productId },
      ...(product ? { vendor: vendorJson(product.vendor) } : {}),
      externalIds: a.purchaseOrderNumber ? { client: a.purchaseOrderNumber } : {},
      subscriptions: [...world.subscriptions.values()].filter((s) => s.agreementId === a.id).map((s) => ({ id: s.id, status: s.status })),
      audit: { created: { at: isoDay(a.createdAt) } },
    };
  };

  const subscriptionJson = (s: MarketplaceSubscription) => {
    const item = world.item(s.itemId);
    const agreement = world.agreements.get(s.agreementId);
    const { next } = world.anniversaries(s);
    return {
      id: s.id,
      name: `Subscription for ${item?.name ?? s.itemId}`,
      status: s.status,
      startDate: isoDay(s.startDate),
      commitmentDate: isoDay(next),
      terms: item ? { ...item.terms } : undefined,
      autoRenew: s.autoRenew,
      agreement: { id: s.agreementId, name: agreement?.name },
      ...(item ? { product: productRef(item.product) } : {}),
      lines: [
        {
          id: `${s.id}-0001`,
          item: { id: s.itemId, name: item?.name },
          quantity: s.quantity,
          ...(item ? { price: clientPrice(item.purchasePrice, item.id, s.quantity) } : {}),
        },
      ],
      // Local-only extension (test/contracts/softwareone/extensions.json): who holds the vendor seats, by e-mail.
      assignedUsers: s.assignedEmails.map((email) => ({ email })),
      audit: { created: { at: isoDay(s.startDate) } },
    };
  };

  /** A line's price as the order contract shapes it for a client (OrderLinePrice): the sales price of the time it was ordered. */
  const linePrice = (l: MarketplaceOrderLine) => clientPrice(l.purchasePrice!, l.itemId, l.quantity);
  /** The order's totals (OrderSummaryPrice): its priced lines' sums. */
  const orderPrice = (o: MarketplaceOrder) => {
    const priced = o.lines.filter((l) => l.purchasePrice).map(linePrice);
    return {
      currency: priced[0]!.currency,
      SPxM: cents(priced.reduce((total, p) => total + p.SPxM, 0)),
      SPxY: cents(priced.reduce((total, p) => total + p.SPxY, 0)),
    };
  };
  const orderJson = (o: MarketplaceOrder) => {
    const agreement = world.agreements.get(o.agreementId);
    return {
      id: o.id,
      type: o.type,
      status: o.status,
      externalIds: o.clientReference ? { client: o.clientReference } : {},
      agreement: { id: o.agreementId, name: agreement?.name, externalIds: o.purchaseOrderNumber ? { client: o.purchaseOrderNumber } : {} },
      ...(agreement ? { product: { id: agreement.productId } } : {}),
      lines: o.lines.map((l) => ({
        id: l.id,
        item: { id: l.itemId, name: world.item(l.itemId)?.name },
        quantity: l.quantity,
        ...(l.oldQuantity !== undefined ? { oldQuantity: l.oldQuantity } : {}),
        ...(l.subscriptionId ? { subscription: { id: l.subscriptionId } } : {}),
        ...(l.purchasePrice ? { price: linePrice(l) } : {}),
      })),
      ...(o.lines.some((l) => l.purchasePrice) ? { price: orderPrice(o) } : {}),
      subscriptions: o.subscriptionIds.map((id) => ({ id })),
      parameters: {
        ordering: [],
        fulfillment: o.fulfillment.map((p) => ({
          id: p.id,
          externalId: p.externalId,
          name: p.name,
          type: PARAMETER_TYPES[p.type],
          phase: 'Fulfillment',
          value: p.value,
          constraints: { required: true, readonly: false, hidden: false },
          ...(p.rejected ? { error: { id: 'VND-PRM-0001', message: p.error } } : {}),
        })),
      },
      ...(o.statusNotes ? { statusNotes: { ...o.statusNotes } } : {}),
      audit: { created: { at: isoDay(o.createdAt) }, updated: { at: isoDay(o.updatedAt) } },
    };
  };

  const mine = <T extends { customerId: string }>(map: Map<string, T>, account: MarketplaceSeedToken) =>
    [...map.values()].filter((x) => x.customerId === account.customerId);

  const router = new Router<Context>()
    .add('GET', '/public/v1/catalog/items', (request) => list(request, world.items.map(itemJson)))
    .add('GET', '/public/v1/catalog/items/{id}', (request, { id }) => {
      const item = world.item(id!);
      return item ? one(request, itemJson(item)) : notFound('Item', id!);
    })
    .add('GET', '/public/v1/catalog/listings', (request) => list(request, products().map(listingJson)))
    .add('GET', '/public/v1/catalog/price-lists/{priceListId}/items', (request, { priceListId }) =>
      priceListId === SANDBOX_PRICE_LIST.id ? list(request, world.items.map(priceItemJson)) : notFound('Price list', priceListId!),
    )
    .add('GET', '/public/v1/catalog/products/{productId}/parameters', (request, { productId }) => {
      const items = world.items.filter((i) => i.product.id === productId);
      if (items.length === 0) return notFound('Product', productId!);
      const definitions = items
        .flatMap((i) => (i.vendorBehaviour.kind === 'queries' ? i.vendorBehaviour.parameters : []))
        .filter((p, n, all) => all.findIndex((x) => x.id === p.id) === n)
        .map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          scope: 'Order',
          phase: 'Fulfillment',
          context: 'Purchase',
          externalId: p.externalId,
          type: PARAMETER_TYPES[p.type],
          constraints: { required: true, hidden: false, readonly: false },
          options: p.options ?? null,
          status: 'Active',
        }));
      return list(request, definitions);
    })
    .add('GET', '/public/v1/accounts/licensees', (request, _p, { account }) =>
      list(request, [{ id: account.licensee.id, name: account.licensee.name, status: 'Active' }]),
    )
    .add('GET', '/public/v1/commerce/agreements', (request, _p, { account }) =>
      list(request, mine(world.agreements, account).map(agreementJson)),
    )
    .add('GET', '/public/v1/commerce/agreements/{id}', (request, { id }, { account }) => {
      const a = world.agreements.get(id!);
      return a && a.customerId === account.customerId ? one(request, agreementJson(a)) : notFound('Agreement', id!);
    })
    .add('PUT', '/public/v1/commerce/agreements/{id}', (request, { id }, { account }) => {
      const a = world.agreements.get(id!);
      if (!a || a.customerId !== account.customerId) return notFound('Agreement', id!);
      const body = parseBody(request);
      if (!body) return invalid('The request body is not a JSON object.');
      if ('externalIds' in body) {
        const client = obj(body.externalIds).client;
        if (client !== undefined && client !== null && typeof client !== 'string')
          return invalid('externalIds.client must be a string.', ['externalIds.client']);
        if (typeof client === 'string' && client.length > 50)
          return invalid('External ID is too long (at most 50 characters).', ['externalIds.client']);
        if (typeof client === 'string' && client.trim()) a.purchaseOrderNumber = client.trim();
        else delete a.purchaseOrderNumber;
      }
      if (typeof body.name === 'string' && body.name.trim()) a.name = body.name.trim();
      return json(200, agreementJson(a));
    })
    .add('GET', '/public/v1/commerce/subscriptions', (request, _p, { account }) =>
      list(request, mine(world.subscriptions, account).map(subscriptionJson)),
    )
    .add('GET', '/public/v1/commerce/subscriptions/{id}', (request, { id }, { account }) => {
      const s = world.subscriptions.get(id!);
      return s && s.customerId === account.customerId ? one(request, subscriptionJson(s)) : notFound('Subscription', id!);
    })
    .add('PUT', '/public/v1/commerce/subscriptions/{id}', (request, { id }, { account }) => {
      const s = world.subscriptions.get(id!);
      if (!s || s.customerId !== account.customerId) return notFound('Subscription', id!);
      const body = parseBody(request);
      if (!body) return invalid('The request body is not a JSON object.');
      if (s.status === 'Terminated' || s.status === 'Expired')
        return invalid(`Subscription ${s.id} is ${s.status} and cannot be changed.`, ['status']);
      if (body.autoRenew !== undefined)
        return invalid('autoRenew is changed by a Configuration order, not on the subscription.', ['autoRenew']);
      if (body.assignedUsers !== undefined) {
        const emails = arr(body.assignedUsers).map((u) => str(obj(u).email)?.trim().toLowerCase());
        if (emails.some((e) => !e || !/^[^@\s]+@[^@\s]+$/.test(e)))
          return invalid('assignedUsers must be [{ "email": "..." }].', ['assignedUsers']);
        const unique = [...new Set(emails as string[])];
        if (unique.length > s.quantity)
          return problem(
            400,
            'No free seat',
            `Subscription ${s.id} has ${s.quantity} seats; ${unique.length} users cannot be assigned.`,
            MARKETPLACE_ERROR_CODES.noFreeSeat,
          );
        s.assignedEmails = unique;
      }
      return json(200, subscriptionJson(s));
    })
    .add('GET', '/public/v1/commerce/orders', (request, _p, { account }) => list(request, mine(world.orders, account).map(orderJson)))
    .add('GET', '/public/v1/commerce/orders/{id}', (request, { id }, { account }) => {
      const o = world.orders.get(id!);
      return o && o.customerId === account.customerId ? one(request, orderJson(o)) : notFound('Order', id!);
    })
    .add('POST', '/public/v1/commerce/orders', (request, _p, { account }) => {
      const body = parseBody(request);
      if (!body) return invalid('The request body is not a JSON object.');
      const created = createOrder(world, account, body);
      if ('response' in created) return created.response;
      const answer = one(request, orderJson(created.order));
      return { ...answer, status: 201 };
    })
    .add('PUT', '/public/v1/commerce/orders/{id}', (request, { id }, { account }) => {
      const o = world.orders.get(id!);
      if (!o || o.customerId !== account.customerId) return notFound('Order', id!);
      const body = parseBody(request);
      if (!body) return invalid('The request body is not a JSON object.');
      const answers = arr(obj(body.parameters).fulfillment);
      if (answers.length > 0 && o.status !== 'Querying' && o.status !== 'Draft')
        return invalid(`Order ${o.id} is ${o.status}: its parameters can be changed only while it is Draft or Querying.`, ['status']);
      for (const answer of answers) {
        const externalId = str(obj(answer).externalId);
        const value = obj(answer).value;
        const parameter = o.fulfillment.find((p) => p.externalId === externalId);
        if (!parameter) return invalid(`Order ${o.id} has no fulfillment parameter "${externalId ?? ''}".`, ['parameters.fulfillment']);
        if (typeof value !== 'string')
          return invalid(`The value of "${parameter.externalId}" must be a string.`, ['parameters.fulfillment']);
        if (value !== parameter.value) delete parameter.rejected;
        parameter.value = value;
      }
      o.updatedAt = world.now();
      return one(request, orderJson(o));
    })
    .add('POST', '/public/v1/commerce/orders/{id}/process', (request, { id }, { account }) => {
      const o = world.orders.get(id!);
      if (!o || o.customerId !== account.customerId) return notFound('Order', id!);
      // A Draft is submitted; a Querying order goes back to the vendor with its answers.
      if (o.status !== 'Querying' && o.status !== 'Draft')
        return problem(
          400,
          'Order cannot be processed',
          `Order ${o.id} is ${o.status}; only a Draft or Querying order can be processed.`,
          MARKETPLACE_ERROR_CODES.validation,
          [{ message: `Order ${o.id} is ${o.status}.`, properties: ['status'] }],
        );
      world.resume(o);
      return one(request, orderJson(o));
    });

  return {
    service: 'marketplace',
    routeOf: (request) => router.match(request.method, request.path)?.pattern ?? 'unmatched',
    handle(request) {
      const token = /^Bearer\s+(.+)$/i.exec(header(request, 'authorization') ?? '')?.[1]?.trim();
      const account = token ? world.tokens.get(token) : undefined;
      if (!account)
        return {
          response: problem(
            401,
            'Unauthorized',
            token ? 'The API token is not valid.' : 'An API token is required (Authorization: Bearer <token>).',
            MARKETPLACE_ERROR_CODES.unauthorized,
          ),
        };
      if (account.expired)
        return {
          response: problem(401, 'Unauthorized', 'The API token has expired.', MARKETPLACE_ERROR_CODES.unauthorized),
          tenantId: account.customerId,
        };
      const match = router.match(request.method, request.path);
      if (!match) return { response: notFound('Resource', request.path), tenantId: account.customerId };
      if (!match.handler)
        return {
          response: problem(405, 'Method not allowed', `${request.method} is not supported on ${request.path}.`),
          tenantId: account.customerId,
        };
      return { response: match.handler(request, match.params, { account }), tenantId: account.customerId };
    },
    renderFault(fault) {
      const response = problem(
        fault.status,
        fault.status === 429 ? 'Too many requests' : 'Request failed',
        fault.message ?? (fault.status >= 500 ? 'The service encountered an error. Try again later.' : 'The request failed.'),
        fault.code === undefined ? undefined : String(fault.code),
      );
      if (fault.retryAfterSeconds !== undefined) response.headers = { ...response.headers, 'Retry-After': String(fault.retryAfterSeconds) };
      return response;
    },
    trace: () => ({}),
  };
}

// ---------------------------------------------------------------------------------------
// POST /commerce/orders
// ---------------------------------------------------------------------------------------

function createOrder(
  world: MarketplaceWorld,
  account: MarketplaceSeedToken,
  body: Body,
): { order: MarketplaceOrder } | { response: EmulatorResponse } {
  const type = body.type;
  if (type !== 'Purchase' && type !== 'Change' && type !== 'Termination' && type !== 'Configuration')
    return { response: invalid('type must be Purchase, Change, Termination or Configuration.', ['type']) };
  if (body.status !== undefined && body.status !== 'Draft')
    return { response: invalid('A new order is created as Draft (or without a status).', ['status']) };
  const draft = body.status === 'Draft';
  const agreementRef = obj(body.agreement);
  const clientReference = str(obj(body.externalIds).client);
  if (clientReference !== undefined && clientReference.length > 100)
    return { response: invalid('External ID is too long.', ['externalIds.client']) };

  let agreement = str(agreementRef.id) ? world.agreements.get(str(agreementRef.id)!) : undefined;
  if (str(agreementRef.id) && (!agreement || agreement.customerId !== account.customerId))
    return { response: notFound('Agreement', str(agreementRef.id)!) };
  if (agreement && agreement.status !== 'Active')
    return { response: invalid(`Agreement ${agreement.id} is ${agreement.status}: order through an Active agreement.`, ['agreement.id']) };

  const lines: MarketplaceOrderLine[] = [];
  const subscriptionIds: string[] = [];
  const configuration: { subscriptionId: string; autoRenew: boolean }[] = [];

  if (type === 'Purchase') {
    for (const raw of arr(body.lines)) {
      const item = world.item(str(obj(obj(raw).item).id) ?? '');
      const quantity = obj(raw).quantity;
      if (!item) return { response: invalid(`Item ${str(obj(obj(raw).item).id) ?? ''} is not in the catalog.`, ['lines.item.id']) };
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 10000)
        return { response: invalid('quantity must be a whole number from 1 to 10000.', ['lines.quantity']) };
      lines.push({ id: world.newId('ALI'), itemId: item.id, quantity, purchasePrice: { ...item.purchasePrice } });
    }
    if (lines.length === 0) return { response: invalid('A Purchase order needs at least one line.', ['lines']) };
    const productId = world.item(lines[0]!.itemId)!.product.id;
    if (lines.some((l) => world.item(l.itemId)!.product.id !== productId))
      return { response: invalid('All lines of an order must belong to one product.', ['lines']) };
    if (agreement && agreement.productId !== productId)
      return { response: invalid(`Agreement ${agreement.id} is for another product.`, ['agreement.id']) };
    if (!agreement) {
      const requested = str(obj(agreementRef.product).id);
      if (requested && requested !== productId)
        return { response: invalid('agreement.product.id does not match the items ordered.', ['agreement.product.id']) };
      // A new agreement needs its licensee and the authorization it is sold under.
      const licenseeId = str(obj(agreementRef.licensee).id);
      const authorizationId = str(obj(body.authorization).id);
      if (!licenseeId || licenseeId !== account.licensee.id)
        return {
          response: invalid('A purchase for a new agreement needs agreement.licensee.id (one of your licensees).', [
            'agreement.licensee.id',
          ]),
        };
      if (authorizationId !== `AUT-${productId.slice(4)}`)
        return {
          response: invalid(`A purchase for a new agreement needs authorization.id (the listing's authorization for ${productId}).`, [
            'authorization.id',
          ]),
        };
      const po = str(obj(agreementRef.externalIds).client)?.trim();
      agreement = {
        id: world.newId('AGR'),
        name: `${world.item(lines[0]!.itemId)!.product.name} for ${account.licensee.name}`,
        customerId: account.customerId,
        licensee: { ...account.licensee },
        productId,
        status: 'Active',
        ...(po ? { purchaseOrderNumber: po } : {}),
        createdAt: world.now(),
      };
      world.agreements.set(agreement.id, agreement);
    }
  } else if (type === 'Configuration') {
    if (!agreement) return { response: invalid('A Configuration order needs agreement.id.', ['agreement.id']) };
    const refs = arr(body.subscriptions).map((raw) => ({ id: str(obj(raw).id), autoRenew: obj(raw).autoRenew }));
    if (refs.length === 0 || refs.some((r) => typeof r.autoRenew !== 'boolean'))
      return { response: invalid('A Configuration order names its subscriptions with the autoRenew they should have.', ['subscriptions']) };
    for (const ref of refs) {
      const s = ref.id ? world.subscriptions.get(ref.id) : undefined;
      if (!s || s.customerId !== account.customerId || s.agreementId !== agreement.id)
        return { response: invalid(`Subscription ${ref.id ?? ''} is not part of agreement ${agreement.id}.`, ['subscriptions.id']) };
      if (s.status !== 'Active') return { response: invalid(`Subscription ${s.id} is ${s.status}.`, ['subscriptions.id']) };
      subscriptionIds.push(s.id);
      configuration.push({ subscriptionId: s.id, autoRenew: ref.autoRenew as boolean });
    }
  } else {
    if (!agreement) return { response: invalid(`A ${type} order needs agreement.id.`, ['agreement.id']) };
    const refs: { id: string | undefined; quantity?: unknown; oldQuantity?: unknown }[] =
      type === 'Change'
        ? arr(body.lines).map((raw) => ({
            id: str(obj(obj(raw).subscription).id),
            quantity: obj(raw).quantity,
            oldQuantity: obj(raw).oldQuantity,
          }))
        : [
            ...arr(body.subscriptions).map((raw) => ({ id: str(obj(raw).id) })),
            ...arr(body.lines).map((raw) => ({ id: str(obj(obj(raw).subscription).id) })),
          ];
    if (refs.length === 0)
      return {
        response: invalid(
          type === 'Change'
            ? 'A Change order needs lines with subscription.id, quantity and oldQuantity.'
            : 'A Termination order names its subscriptions.',
          [type === 'Change' ? 'lines' : 'subscriptions'],
        ),
      };
    for (const ref of refs) {
      const s = ref.id ? world.subscriptions.get(ref.id) : undefined;
      if (!s || s.customerId !== account.customerId || s.agreementId !== agreement.id)
        return { response: invalid(`Subscription ${ref.id ?? ''} is not part of agreement ${agreement.id}.`, ['subscription.id']) };
      if (s.status === 'Updating' || s.status === 'Terminating' || openOrderFor(world, s.id)) {
        return {
          response: problem(
            409,
            'Order in progress',
            `Subscription ${s.id} already has an order in progress; wait until it completes.`,
            MARKETPLACE_ERROR_CODES.orderInProgress,
          ),
        };
      }
      if (s.status !== 'Active') return { response: invalid(`Subscription ${s.id} is ${s.status}.`, ['subscription.id']) };
      const item = world.item(s.itemId)!;
      const window = world.anniversaries(s);
      if (type === 'Change') {
        const { quantity, oldQuantity } = ref;
        if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 10000)
          return { response: invalid('quantity must be a whole number from 1 to 10000.', ['lines.quantity']) };
        if (oldQuantity !== s.quantity)
          return { response: invalid(`oldQuantity must be the subscription's current quantity (${s.quantity}).`, ['lines.oldQuantity']) };
        if (quantity === s.quantity) return { response: invalid('quantity is unchanged.', ['lines.quantity']) };
        if (quantity < s.quantity && item.downsizeOnlyAtAnniversary && !window.inWindow)
          return { response: downsizeRefused(item, s, window.next, 'reduced') };
        lines.push({
          id: world.newId('ALI'),
          itemId: s.itemId,
          quantity,
          oldQuantity: s.quantity,
          subscriptionId: s.id,
          purchasePrice: { ...item.purchasePrice },
        });
      } else {
        if (item.downsizeOnlyAtAnniversary && !window.inWindow) return { response: downsizeRefused(item, s, window.next, 'terminated') };
        subscriptionIds.push(s.id);
        lines.push({ id: world.newId('ALI'), itemId: s.itemId, quantity: 0, oldQuantity: s.quantity, subscriptionId: s.id });
      }
    }
  }

  const order = world.addOrder({
    customerId: account.customerId,
    type,
    draft,
    ...(configuration.length > 0 ? { configuration } : {}),
    agreementId: agreement.id,
    ...(clientReference ? { clientReference } : {}),
    lines,
    subscriptionIds,
    ...(agreement.purchaseOrderNumber ? { purchaseOrderNumber: agreement.purchaseOrderNumber } : {}),
  });
  return { order };
}

function openOrderFor(world: MarketplaceWorld, subscriptionId: string): boolean {
  return [...world.orders.values()].some(
    (o) =>
      ['Draft', 'Processing', 'Querying'].includes(o.status) &&
      (o.subscriptionIds.includes(subscriptionId) || o.lines.some((l) => l.subscriptionId === subscriptionId)),
  );
}

function downsizeRefused(
  item: MarketplaceSeedItem,
  s: MarketplaceSubscription,
  nextAnniversary: Date,
  what: 'reduced' | 'terminated',
): EmulatorResponse {
  const day = nextAnniversary.toISOString().slice(0, 10);
  return problem(
    400,
    'Downsize not allowed',
    `${item.product.vendor.name} allows ${item.name} seats to be ${what} only in the 14 days after the subscription's anniversary. The next window for ${s.id} opens on ${day}: change it then (or turn off auto-renew to end it at the anniversary).`,
    MARKETPLACE_ERROR_CODES.downsizeWindow,
    [{ message: `Seats can be ${what} from ${day}.`, properties: ['lines.quantity'] }],
  );
}

/** A price as the platform's JSON gives it: a number, rounded to cents. */
const cents = (value: number) => Math.round(value * 100) / 100;
