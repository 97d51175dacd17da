// SoftwareOne Marketplace Platform "Commerce API" emulator (base /public/v1): catalog items,
// agreements (PO number = externalIds.client, the "Additional ID"), subscriptions and orders
// of type Purchase / Change / Termination that the vendor clock moves along (see
// marketplace-state.ts). Lists take RQL. Errors are RFC 9110 problem details. Every call
// needs `Authorization: Bearer <API token>`; a token belongs to one tenant's account.
import { randomBytes } from 'node:crypto';
import { header, json, Router, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse } from './http.js';
import type { MarketplaceSeedItem, MarketplaceSeedToken } from './marketplace-data.js';
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

function list<T>(request: EmulatorRequest, items: T[]): EmulatorResponse {
  const raw = request.url.search;
  let query;
  try {
    query = parseQuery(raw);
  } catch (error) {
    if (error instanceof RqlSyntaxError) return problem(400, 'Invalid RQL expression', error.message, MARKETPLACE_ERROR_CODES.rql);
    throw error;
  }
  const { page, total, limit } = applyQuery(items, query);
  return json(200, { $meta: { pagination: { offset: query.offset, limit, total } }, data: page });
}

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
  const itemJson = (i: MarketplaceSeedItem) => ({
    id: i.id,
    href: `/catalog/items/${i.id}`,
    name: i.name,
    status: 'Published',
    product: { id: i.product.id, name: i.product.name },
    vendor: { ...i.product.vendor },
    terms: { ...i.terms },
    price: { unitPP: i.unitPrice.amount, currency: i.unitPrice.currency },
    // Sandbox extensions: how seats reach users, and the vendor's downsize rule.
    seatAssignment: { by: i.assignment, identifier: 'email' },
    downsizeOnlyAtAnniversary: i.downsizeOnlyAtAnniversary === true,
  });

  const agreementJson = (a: MarketplaceAgreement) => {
    const product = world.items.find((i) => i.product.id === a.productId)?.product;
    return {
      id: a.id,
      href: `/commerce/agreements/${a.id}`,
      name: a.name,
      status: a.status,
      licensee: { ...a.licensee },
      product: { id: a.productId, name: product?.name ?? a.productId },
      vendor: product ? { ...product.vendor } : undefined,
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
      href: `/commerce/subscriptions/${s.id}`,
      name: `Subscription for ${item?.name ?? s.itemId}`,
      status: s.status,
      startDate: isoDay(s.startDate),
      commitmentDate: isoDay(next),
      terms: item ? { ...item.terms } : undefined,
      autoRenew: s.autoRenew,
      agreement: { id: s.agreementId, name: agreement?.name },
      product: item ? { id: item.product.id, name: item.product.name } : undefined,
      lines: [
        {
          id: `${s.id}-0001`,
          item: { id: s.itemId, name: item?.name },
          quantity: s.quantity,
          price: item ? { unitPP: item.unitPrice.amount, currency: item.unitPrice.currency } : undefined,
        },
      ],
      // Sandbox extension: users the vendor assigned seats to, by e-mail.
      assignedUsers: s.assignedEmails.map((email) => ({ email })),
    };
  };

  const orderJson = (o: MarketplaceOrder) => {
    const agreement = world.agreements.get(o.agreementId);
    return {
      id: o.id,
      href: `/commerce/orders/${o.id}`,
      type: o.type,
      status: o.status,
      externalIds: o.clientReference ? { client: o.clientReference } : {},
      agreement: { id: o.agreementId, name: agreement?.name, externalIds: o.purchaseOrderNumber ? { client: o.purchaseOrderNumber } : {} },
      product: agreement ? { id: agreement.productId } : undefined,
      lines: o.lines.map((l) => ({
        id: l.id,
        item: { id: l.itemId, name: world.item(l.itemId)?.name },
        quantity: l.quantity,
        ...(l.oldQuantity !== undefined ? { oldQuantity: l.oldQuantity } : {}),
        ...(l.subscriptionId ? { subscription: { id: l.subscriptionId } } : {}),
      })),
      subscriptions: o.subscriptionIds.map((id) => ({ id })),
      parameters: {
        ordering: [],
        fulfillment: o.fulfillment.map((p) => ({
          id: p.id,
          externalId: p.externalId,
          name: p.name,
          description: p.description,
          type: p.type,
          value: p.value,
          constraints: {
            required: true,
            readonly: false,
            hidden: false,
            ...(p.pattern ? { pattern: p.pattern } : {}),
            ...(p.options ? { options: p.options } : {}),
          },
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
    .add('GET', '/public/v1/catalog/items/{id}', (_r, { id }) => {
      const item = world.item(id!);
      return item ? json(200, itemJson(item)) : notFound('Item', id!);
    })
    .add('GET', '/public/v1/commerce/agreements', (request, _p, { account }) =>
      list(request, mine(world.agreements, account).map(agreementJson)),
    )
    .add('GET', '/public/v1/commerce/agreements/{id}', (_r, { id }, { account }) => {
      const a = world.agreements.get(id!);
      return a && a.customerId === account.customerId ? json(200, agreementJson(a)) : notFound('Agreement', id!);
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
    .add('GET', '/public/v1/commerce/subscriptions/{id}', (_r, { id }, { account }) => {
      const s = world.subscriptions.get(id!);
      return s && s.customerId === account.customerId ? json(200, subscriptionJson(s)) : notFound('Subscription', id!);
    })
    .add('PUT', '/public/v1/commerce/subscriptions/{id}', (request, { id }, { account }) => {
      const s = world.subscriptions.get(id!);
      if (!s || s.customerId !== account.customerId) return notFound('Subscription', id!);
      const body = parseBody(request);
      if (!body) return invalid('The request body is not a JSON object.');
      if (s.status === 'Terminated' || s.status === 'Expired')
        return invalid(`Subscription ${s.id} is ${s.status} and cannot be changed.`, ['status']);
      if (body.autoRenew !== undefined) {
        if (typeof body.autoRenew !== 'boolean') return invalid('autoRenew must be true or false.', ['autoRenew']);
        s.autoRenew = body.autoRenew;
      }
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
    .add('GET', '/public/v1/commerce/orders/{id}', (_r, { id }, { account }) => {
      const o = world.orders.get(id!);
      return o && o.customerId === account.customerId ? json(200, orderJson(o)) : notFound('Order', id!);
    })
    .add('POST', '/public/v1/commerce/orders', (request, _p, { account }) => {
      const body = parseBody(request);
      if (!body) return invalid('The request body is not a JSON object.');
      const created = createOrder(world, account, body);
      return 'response' in created ? created.response : json(201, orderJson(created.order));
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
      return json(200, orderJson(o));
    })
    .add('POST', '/public/v1/commerce/orders/{id}/process', (_r, { id }, { account }) => {
      const o = world.orders.get(id!);
      if (!o || o.customerId !== account.customerId) return notFound('Order', id!);
      if (o.status !== 'Querying') return invalid(`Order ${o.id} is ${o.status}, not Querying.`, ['status']);
      world.resume(o);
      return json(200, orderJson(o));
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
  if (type !== 'Purchase' && type !== 'Change' && type !== 'Termination')
    return { response: invalid('type must be Purchase, Change or Termination.', ['type']) };
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

  if (type === 'Purchase') {
    for (const raw of arr(body.lines)) {
      const item = world.item(str(obj(obj(raw).item).id) ?? '');
      const quantity = obj(raw).quantity;
      if (!item) return { response: invalid(`Item ${str(obj(obj(raw).item).id) ?? ''} is not in the catalog.`, ['lines.item.id']) };
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 10000)
        return { response: invalid('quantity must be a whole number from 1 to 10000.', ['lines.quantity']) };
      lines.push({ id: world.newId('ALI'), itemId: item.id, quantity });
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
        lines.push({ id: world.newId('ALI'), itemId: s.itemId, quantity, oldQuantity: s.quantity, subscriptionId: s.id });
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
