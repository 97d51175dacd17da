// Which vendor contract an emulator answer is held to, by service and route: every exchange
// a contract test records goes through contractFor(). A route the connectors use that has no
// contract here fails the test too (nothing slips through unchecked).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { EmulatorExchange } from '../../src/sandbox/index.js';
import {
  azureError,
  azureQueryResult,
  graphCollection,
  graphEntity,
  graphDerivedEntity,
  graphError,
  marketplaceBillingPaths,
  marketplaceBillingResponse,
  marketplacePaths,
  marketplaceResponse,
  partnerCenter,
  partnerCenterCollection,
  partnerCenterError,
  partnerCenterExportRow,
  partnerCenterReference,
  type ContractCheck,
} from './schemas.js';

/** Local-only fields the marketplace emulator declares (softwareone/extensions.json): removed before validating. */
const MARKETPLACE_EXTENSIONS = (
  JSON.parse(readFileSync(new URL('./softwareone/extensions.json', import.meta.url), 'utf8')) as { extensions: { field: string }[] }
).extensions.map((e) => e.field);

function withoutExtensions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutExtensions);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !MARKETPLACE_EXTENSIONS.includes(key))
      .map(([key, v]) => [key, withoutExtensions(v)]),
  );
}

/**
 * Price fields only SoftwareOne operations or vendors see (softwareone/marketplace-client-hidden.json,
 * from the openAPI document's field access): the sandbox's tokens are client accounts, so none
 * may appear anywhere in an answer.
 */
const MARKETPLACE_CLIENT_HIDDEN = new Set(
  (JSON.parse(readFileSync(new URL('./softwareone/marketplace-client-hidden.json', import.meta.url), 'utf8')) as { fields: string[] })
    .fields,
);

/** Where a marketplace answer shows a client a field it may not see (JSON paths), if anywhere. */
export function clientHiddenFields(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => clientHiddenFields(v, `${at}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => [
    ...(MARKETPLACE_CLIENT_HIDDEN.has(key) ? [`${at}.${key} is not visible to a client account`] : []),
    ...clientHiddenFields(v, `${at}.${key}`),
  ]);
}

const PRICE_SHEET_ROUTE = "/v1.0/sales/pricesheets(Market='{market}',PricesheetView='{view}')/$value";

/** The price sheet is CSV: its header must carry the columns the reference names (any order). */
function priceSheetColumns(text: string | undefined): ContractCheck {
  const header = (text ?? '')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/, 1)[0]!
    .split(',');
  const missing = (partnerCenterReference.priceSheet.columns as string[]).filter((c) => !header.includes(c));
  return missing.length === 0 ? { ok: true, errors: [] } : { ok: false, errors: [`price sheet columns missing: ${missing.join(', ')}`] };
}

/** Services whose contracts are kept (sign-in, STS and Cost Explorer speak protocols the SDKs check). */
const CHECKED = new Set(['partnerCenter', 'graph', 'marketplace', 'costManagement', 'billing']);

const PARTNER_CENTER_ROUTES: Record<string, { collection?: string; entity?: string }> = {
  'GET /v1/customers': { collection: 'Customers/Customer' },
  'GET /v1/customers/{customerId}': { entity: 'Customers/Customer' },
  'GET /v1/customers/{customerId}/relationships': { collection: 'Relationships/PartnerRelationship' },
  'GET /v1/relationships': { collection: 'Relationships/PartnerRelationship' },
  'GET /v1/customers/{customerId}/products': { collection: 'Products/Product' },
  'GET /v1/customers/{customerId}/products/{productId}/skus': { collection: 'Products/Sku' },
  'GET /v1/customers/{customerId}/products/{productId}/skus/{skuId}/availabilities': { collection: 'Products/Availability' },
  'GET /v1/customers/{customerId}/subscriptions': { collection: 'Subscriptions/Subscription' },
  'GET /v1/customers/{customerId}/subscriptions/{subscriptionId}': { entity: 'Subscriptions/Subscription' },
  'PATCH /v1/customers/{customerId}/subscriptions/{subscriptionId}': { entity: 'Subscriptions/Subscription' },
  'GET /v1/customers/{customerId}/subscriptions/{subscriptionId}/transitionEligibilities': {
    collection: 'Subscriptions/TransitionEligibility',
  },
  'GET /v1/customers/{customerId}/orders': { collection: 'Orders/Order' },
  'POST /v1/customers/{customerId}/orders': { entity: 'Orders/Order' },
  'GET /v1/customers/{customerId}/orders/{orderId}': { entity: 'Orders/Order' },
};

const GRAPH_ROUTES: Record<string, { collection?: string; entity?: string }> = {
  'GET /v1.0/organization': { collection: 'organization' },
  'GET /v1.0/subscribedSkus': { collection: 'subscribedSku' },
  'GET /v1.0/users': { collection: 'user' },
  'GET /v1.0/users/{id}': { entity: 'user' },
  'GET /v1.0/users/{id}/manager': { entity: 'user' },
  'GET /v1.0/users/{id}/licenseDetails': { collection: 'licenseDetails' },
  'POST /v1.0/users/{id}/assignLicense': { entity: 'user' },
  'GET /v1.0/groups/{id}/members': { collection: 'user' },
  'GET /v1.0/groups/{id}/transitiveMembers': { collection: 'user' },
  'GET /v1.0/directory/administrativeUnits/{id}/members': { collection: 'user' },
};

/** Billing's Partner Center invoices (partner-center/billing-models.json). */
const PARTNER_CENTER_BILLING_ROUTES: Record<string, { collection?: string; entity?: string }> = {
  'GET /v1/invoices': { collection: 'Invoices/Invoice' },
  'GET /v1/invoices/{id}': { entity: 'Invoices/Invoice' },
};

const GRAPH_BILLING = '/v1.0/reports/partners/billing';
const OPERATION_LOCATION = /^https?:\/\/[^/]+\/v1\.0\/reports\/partners\/billing\/operations\/[^/?#]+$/;
/** Graph's partner billing export (graph/partners-billing.csdl.xml): the actions answer 202 and a Location, no body. */
const GRAPH_BILLING_ROUTES: Record<string, { accepted?: true; entity?: string; derivedFrom?: string }> = {
  [`POST ${GRAPH_BILLING}/reconciliation/billed/export`]: { accepted: true },
  [`POST ${GRAPH_BILLING}/reconciliation/unbilled/export`]: { accepted: true },
  [`POST ${GRAPH_BILLING}/usage/unbilled/export`]: { accepted: true },
  [`GET ${GRAPH_BILLING}/operations/{id}`]: { derivedFrom: 'partners.billing.operation' },
  [`GET ${GRAPH_BILLING}/manifests/{id}`]: { entity: 'partners.billing.manifest' },
};

const EXPORT_BLOB_ROUTE = '/blobs/reconfastpath/v1/{path}';
const PDF_STATEMENT_ROUTE = '/v1/invoices/{id}/documents/statement';

/**
 * The invoice PDF as the REST reference describes it (partner-center/SOURCES.md): the file
 * itself, `application/pdf`, `attachment; filename=Invoice_<id>.pdf`. The marketplace
 * attachment's file has no fixture and stays unchecked.
 */
function invoicePdf(exchange: EmulatorExchange): ContractCheck {
  const id = decodeURIComponent(exchange.path.split('/')[3] ?? '');
  const errors = [
    ...(exchange.responseHeaders['content-type'] === 'application/pdf' ? [] : ['content-type is not application/pdf']),
    ...(exchange.responseHeaders['content-disposition'] === `attachment; filename=Invoice_${id}.pdf`
      ? []
      : [`content-disposition is not attachment; filename=Invoice_${id}.pdf`]),
    ...(Buffer.from(exchange.responseBytes ?? [])
      .subarray(0, 5)
      .toString() === '%PDF-'
      ? []
      : ['the body is not a PDF']),
  ];
  return { ok: errors.length === 0, errors };
}

/** An export blob is gzip of JSON lines, each a row of the SDK's line item models (graph/SOURCES.md). */
function exportRows(bytes: Uint8Array | undefined): ContractCheck {
  const lines = gunzipSync(bytes ?? new Uint8Array())
    .toString('utf8')
    .split('\n')
    .filter(Boolean);
  const errors = lines.flatMap((line, i) => partnerCenterExportRow(JSON.parse(line)).errors.map((e) => `line ${i + 1}${e}`));
  return { ok: errors.length === 0, errors };
}

/** The billing emulator serves three vendors on one server: the path says whose contract applies. */
function billingContract(exchange: EmulatorExchange): ContractVerdict {
  const body = exchange.responseBody;
  const key = `${exchange.method} ${exchange.route}`;
  if (exchange.route === '/attachments/{id}') return { ok: 'unchecked' };
  if (exchange.route === PDF_STATEMENT_ROUTE && exchange.status === 200) return invoicePdf(exchange);
  if (exchange.route === EXPORT_BLOB_ROUTE) return exchange.status === 200 ? exportRows(exchange.responseBytes) : { ok: 'unchecked' };
  if (exchange.path.startsWith('/public/v1/')) {
    if (marketplaceBillingPaths.includes(exchange.route))
      return marketplaceBillingResponse(exchange.method, exchange.route, exchange.status, body);
    if (exchange.status >= 400) return marketplaceBillingResponse('GET', '/public/v1/billing/invoices', exchange.status, body);
    return { ok: false, errors: [`no marketplace billing contract for ${key}`] };
  }
  if (exchange.path.startsWith('/v1.0/')) {
    if (exchange.status >= 400) return graphError(body);
    const route = GRAPH_BILLING_ROUTES[key];
    if (!route) return { ok: false, errors: [`no Graph billing contract for ${key}`] };
    if (route.accepted)
      return exchange.status === 202 && body === undefined && OPERATION_LOCATION.test(exchange.responseHeaders.location ?? '')
        ? { ok: true, errors: [] }
        : { ok: false, errors: [`${key}: expected 202 Accepted, no body, a Location naming the operation; got ${exchange.status}`] };
    return route.derivedFrom ? graphDerivedEntity(route.derivedFrom, body) : graphEntity(route.entity!, body);
  }
  if (exchange.status >= 400) return partnerCenterError(body);
  const route = PARTNER_CENTER_BILLING_ROUTES[key];
  if (!route) return { ok: false, errors: [`no Partner Center billing contract for ${key}`] };
  return route.collection ? partnerCenterCollection(route.collection, body) : partnerCenter(route.entity!, body);
}

export type ContractVerdict = ContractCheck | { ok: 'unchecked' };

export function contractFor(exchange: EmulatorExchange): ContractVerdict {
  if (!CHECKED.has(exchange.service)) return { ok: 'unchecked' };
  const body = exchange.responseBody;
  const key = `${exchange.method} ${exchange.route}`;
  switch (exchange.service) {
    case 'partnerCenter': {
      if (exchange.status >= 400) {
        // Throttling comes from the gateway in its own shape (commerce.md); everything else is PC's error body.
        if (exchange.status === 429 && body && typeof body === 'object' && 'statusCode' in body) return { ok: true, errors: [] };
        return partnerCenterError(body);
      }
      if (exchange.route === PRICE_SHEET_ROUTE) return priceSheetColumns(exchange.responseText);
      const route = PARTNER_CENTER_ROUTES[key];
      if (!route) return { ok: false, errors: [`no Partner Center contract for ${key}`] };
      return route.collection ? partnerCenterCollection(route.collection, body) : partnerCenter(route.entity!, body);
    }
    case 'graph': {
      if (exchange.status >= 400) return graphError(body);
      const route = GRAPH_ROUTES[key];
      if (!route) return { ok: false, errors: [`no Graph contract for ${key}`] };
      return route.collection ? graphCollection(route.collection, body) : graphEntity(route.entity!, body);
    }
    case 'marketplace': {
      if (!marketplacePaths.includes(exchange.route) && exchange.status < 400)
        return { ok: false, errors: [`no marketplace contract for ${key}`] };
      const path = marketplacePaths.includes(exchange.route) ? exchange.route : '/public/v1/commerce/orders';
      const shape = marketplaceResponse(exchange.method, path, exchange.status, withoutExtensions(body));
      const hidden = clientHiddenFields(body);
      return hidden.length === 0 ? shape : { ok: false, errors: [...shape.errors, ...hidden] };
    }
    case 'costManagement':
      if (exchange.status === 429 || exchange.status >= 400) return azureError(body);
      return azureQueryResult(body);
    case 'billing':
      return billingContract(exchange);
  }
  return { ok: 'unchecked' };
}

/** Every exchange that broke its contract, as readable lines (empty when all kept it). */
export function violations(exchanges: readonly EmulatorExchange[]): string[] {
  const lines: string[] = [];
  for (const exchange of exchanges) {
    const verdict = contractFor(exchange);
    if (verdict.ok === true || verdict.ok === 'unchecked') continue;
    lines.push(`${exchange.service} ${exchange.method} ${exchange.route} → ${exchange.status}: ${verdict.errors.slice(0, 8).join('; ')}`);
  }
  return [...new Set(lines)];
}
