// Billing emulator: on one loopback server, the three billing surfaces Quartermaster reads,
// each as its vendor publishes it (test/contracts/*/SOURCES.md):
// - Partner Center invoices (REST v1): GET /v1/invoices, /v1/invoices/{id} and the invoice PDF
//   at /v1/invoices/{id}/documents/statement; tokens for Partner Center of the partner tenant.
// - Microsoft Graph partner billing (v1.0): the asynchronous exports of billed and unbilled
//   reconciliation and of unbilled daily usage (POST → 202 + Location; GET the operation until
//   it succeeds; GET the manifest), app-only Graph tokens of the partner tenant.
// - The manifests' blobs, as Azure Blob Storage serves them: gzip of JSON lines, read with the
//   manifest's SAS (no bearer token), refused once the SAS has expired or does not match.
// - Marketplace Platform billing (/public/v1/billing/...): statements, their charges, invoices
//   and their attachments (metadata for Accept: application/json, else a 301 to the file), RQL
//   lists, problem details, API tokens of the client account.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decimalToMinor, parseDecimal } from '../domain/decimal.js';
import { fromMinor } from '../domain/money.js';
import { decimalFromWire } from '../domain/spend/focus.js';
import { gzipSync } from 'node:zlib';
import { sandboxPdf, type BillingWorld, type MarketplaceStatement, type PartnerInvoice, type Row } from './billing-world.js';
import { header, json, Router, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse } from './http.js';
import { MARKETPLACE_ERROR_CODES, problem } from './marketplace-emulator.js';
import { pcError } from './partner-center-emulator.js';
import { applyQuery, parseQuery, RqlSyntaxError } from './marketplace-rql.js';
import type { MarketplaceWorld } from './marketplace-state.js';
import type { MarketplaceSeedToken } from './marketplace-data.js';
import type { SandboxState } from './state.js';
import { bearerToken, GRAPH_RESOURCE, PARTNER_CENTER_RESOURCE, type TokenIssuer } from './tokens.js';

const GRAPH_BILLING = '/v1.0/reports/partners/billing';
const BLOB_CONTAINER = '/blobs/reconfastpath/v1';
const SAS_LIFETIME_MS = 60 * 60 * 1000;

type Ctx = { base: string; account?: MarketplaceSeedToken };

export function billingEmulator(
  state: SandboxState,
  tokens: TokenIssuer,
  world: BillingWorld,
  marketplace: MarketplaceWorld,
): EmulatorDefinition {
  const pc = new Router<Ctx>()
    .add('GET', '/v1/invoices', (_r, _p, ctx) => {
      const items = world.listPartnerInvoices().map((invoice) => partnerInvoiceJson(world, invoice, false));
      return json(200, {
        totalCount: items.length,
        items,
        links: { self: { uri: '/invoices', method: 'GET', headers: [] } },
        attributes: { objectType: 'Collection' },
      });
    })
    .add('GET', '/v1/invoices/{id}', (request, { id }) => {
      const invoice = world.partnerInvoice(id!);
      return invoice ? json(200, partnerInvoiceJson(world, invoice, true)) : pcError(request, 404, 10003, `Invoice ${id} was not found.`);
    })
    .add('GET', '/v1/invoices/{id}/documents/statement', (request, { id }) => {
      const invoice = world.partnerInvoice(id!);
      if (!invoice) return pcError(request, 404, 10003, `Invoice ${id} was not found.`);
      const totals = world.partnerInvoiceTotals(invoice);
      return {
        status: 200,
        bytes: sandboxPdf(`Microsoft invoice ${invoice.id}`, [
          `Billing period: ${invoice.month}`,
          `Total charges: ${totals.total.toFixed(2)} ${invoice.currency}`,
          `Lines: ${totals.rows}`,
          'Sandbox document: not a real invoice.',
        ]),
        headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename=Invoice_${invoice.id}.pdf` },
      };
    });

  const graph = new Router<Ctx>()
    .add('POST', `${GRAPH_BILLING}/reconciliation/billed/export`, (request, _p, ctx) => {
      const body = parseBody(request);
      const invoiceId = typeof body?.invoiceId === 'string' ? body.invoiceId : '';
      if (!invoiceId) return graphError(400, 'BadRequest', "The parameter 'invoiceId' is required.");
      if (!checkAttributeSet(body)) return graphError(400, 'BadRequest', "attributeSet must be 'full' or 'basic'.");
      const invoice = world.partnerInvoice(invoiceId);
      if (!invoice) return graphError(404, 'NotFound', `Invoice ${invoiceId} was not found.`);
      return accepted(ctx, world.startExport('billed-reconciliation', world.invoiceRows(invoice), `InvoiceId=${invoice.id}`));
    })
    .add('POST', `${GRAPH_BILLING}/reconciliation/unbilled/export`, (request, _p, ctx) => {
      const body = parseBody(request);
      const checked = periodAndCurrency(body);
      if ('error' in checked) return checked.error;
      const rows = world.unbilledRows(checked.period, checked.currency);
      const source =
        rows === undefined
          ? { failure: { code: '5000', message: 'No data available' } }
          : { count: rows.length, row: (i: number) => rows[i]! };
      return accepted(ctx, world.startExport('unbilled-reconciliation', source, `BillingPeriod=${checked.period}`));
    })
    .add('POST', `${GRAPH_BILLING}/usage/unbilled/export`, (request, _p, ctx) => {
      const body = parseBody(request);
      const checked = periodAndCurrency(body);
      if ('error' in checked) return checked.error;
      const rows = world.usageRows(checked.period, checked.currency);
      return accepted(
        ctx,
        world.startExport('unbilled-usage', { count: rows.length, row: (i) => rows[i]! }, `BillingPeriod=${checked.period}`),
      );
    })
    .add('GET', `${GRAPH_BILLING}/operations/{id}`, (_r, { id }, ctx) => {
      const operation = world.exports.get(id!);
      if (!operation) return graphError(404, 'NotFound', `Operation ${id} was not found.`);
      operation.polls++;
      const common = {
        id: operation.id,
        createdDateTime: operation.createdAt.toISOString(),
        lastActionDateTime: state.clock().toISOString(),
      };
      if (operation.polls <= world.exportPollsBeforeReady)
        return json(200, { '@odata.type': '#microsoft.graph.partners.billing.runningOperation', ...common, status: 'running' });
      if (operation.failure)
        return json(200, {
          '@odata.type': '#microsoft.graph.partners.billing.failedOperation',
          ...common,
          status: 'failed',
          error: operation.failure,
        });
      return json(200, {
        '@odata.type': '#microsoft.graph.partners.billing.exportSuccessOperation',
        ...common,
        status: 'succeeded',
        'resourceLocation@odata.navigationLink': `${ctx.base}${GRAPH_BILLING}/manifests/${operation.id}`,
      });
    })
    .add('GET', `${GRAPH_BILLING}/manifests/{id}`, (_r, { id }, ctx) => {
      const operation = world.exports.get(id!);
      if (!operation || operation.failure || operation.polls <= world.exportPollsBeforeReady)
        return graphError(404, 'NotFound', `Manifest ${id} was not found.`);
      const directory = `${BLOB_CONTAINER}/PartnerTenantId=${state.partner.tenantId}/${operation.label}/ExportId=${operation.id}`;
      const blobCount = Math.ceil(operation.count / world.rowsPerBlob);
      const expires = new Date(Date.now() + SAS_LIFETIME_MS).toISOString().replace(/\.\d+Z$/, 'Z');
      return json(200, {
        id: operation.id,
        schemaVersion: '2',
        dataFormat: 'compressedJSON',
        createdDateTime: operation.createdAt.toISOString(),
        eTag: operation.id.slice(0, 17),
        partnerTenantId: state.partner.tenantId,
        rootDirectory: `${ctx.base}${directory}`,
        sasToken: `sv=2021-08-06&sr=d&sp=rl&se=${encodeURIComponent(expires)}&sdd=7&sig=${encodeURIComponent(sign(world, directory, expires))}`,
        partitionType: 'Default',
        blobCount,
        blobs: Array.from({ length: blobCount }, (_, i) => ({ name: blobName(operation.id, i), partitionValue: 'default' })),
      });
    });

  const blobs = (request: EmulatorRequest): EmulatorResponse => {
    const slash = request.path.lastIndexOf('/');
    const directory = decodeURIComponent(request.path.slice(0, slash));
    const name = request.path.slice(slash + 1);
    const expires = request.url.searchParams.get('se') ?? '';
    const signature = request.url.searchParams.get('sig') ?? '';
    const expected = sign(world, directory, expires);
    const valid =
      signature.length === expected.length &&
      timingSafeEqual(Buffer.from(signature), Buffer.from(expected)) &&
      Date.parse(expires) > Date.now();
    if (!valid)
      return {
        status: 403,
        text: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message></Error>',
        headers: { 'content-type': 'application/xml' },
      };
    const exportId = /ExportId=([^/]+)$/.exec(directory)?.[1] ?? '';
    const operation = world.exports.get(exportId);
    const part = Array.from({ length: Math.ceil((operation?.count ?? 0) / world.rowsPerBlob) }, (_, i) => i).find(
      (i) => blobName(exportId, i) === name,
    );
    if (!operation || part === undefined)
      return {
        status: 404,
        text: '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>',
        headers: { 'content-type': 'application/xml' },
      };
    const lines: string[] = [];
    const end = Math.min(operation.count, (part + 1) * world.rowsPerBlob);
    for (let i = part * world.rowsPerBlob; i < end; i++) lines.push(JSON.stringify(operation.rows(i)));
    return {
      status: 200,
      bytes: gzipSync(lines.length > 0 ? `${lines.join('\n')}\n` : ''),
      headers: { 'content-type': 'application/octet-stream', 'x-ms-blob-type': 'BlockBlob', 'x-ms-version': '2021-08-06' },
    };
  };

  const mkt = new Router<Ctx>()
    .add('GET', '/public/v1/billing/statements', (request, _p, { account }) =>
      list(
        request,
        world.marketplaceStatements(account!.customerId).map((s) => statementJson(marketplace, s)),
      ),
    )
    .add('GET', '/public/v1/billing/statements/{id}', (_r, { id }, { account }) => {
      const statement = world.statementById(account!.customerId, id!);
      return statement ? json(200, statementJson(marketplace, statement)) : mktNotFound('Statement', id!);
    })
    .add('GET', '/public/v1/billing/statements/{statementId}/charges', (request, { statementId }, { account }) => {
      const statement = world.statementById(account!.customerId, statementId!);
      return statement ? list(request, statement.charges) : mktNotFound('Statement', statementId!);
    })
    .add('GET', '/public/v1/billing/invoices', (request, _p, { account }) =>
      list(
        request,
        world.marketplaceStatements(account!.customerId).map((s) => invoiceJson(marketplace, s)),
      ),
    )
    .add('GET', '/public/v1/billing/invoices/{id}', (_r, { id }, { account }) => {
      const statement = world.statementByInvoice(account!.customerId, id!);
      return statement ? json(200, invoiceJson(marketplace, statement)) : mktNotFound('Invoice', id!);
    })
    .add('GET', '/public/v1/billing/invoices/{invoiceId}/attachments', (request, { invoiceId }, { account }) => {
      const statement = world.statementByInvoice(account!.customerId, invoiceId!);
      return statement ? list(request, [attachmentJson(statement)]) : mktNotFound('Invoice', invoiceId!);
    })
    .add('GET', '/public/v1/billing/invoices/{invoiceId}/attachments/{id}', (request, { invoiceId, id }, ctx) => {
      const statement = world.statementByInvoice(ctx.account!.customerId, invoiceId!);
      if (!statement || statement.invoice.attachmentId !== id) return mktNotFound('Attachment', id!);
      if ((header(request, 'accept') ?? '').includes('application/json')) return json(200, attachmentJson(statement));
      // The file itself lives elsewhere: a short-lived signed location, as with blob storage.
      const path = `/attachments/${statement.invoice.attachmentId}`;
      const expires = new Date(Date.now() + 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
      return {
        status: 301,
        headers: { location: `${ctx.base}${path}?se=${encodeURIComponent(expires)}&sig=${encodeURIComponent(sign(world, path, expires))}` },
      };
    });

  const attachmentFile = (request: EmulatorRequest): EmulatorResponse => {
    const expires = request.url.searchParams.get('se') ?? '';
    const expected = sign(world, request.path, expires);
    const signature = request.url.searchParams.get('sig') ?? '';
    if (signature !== expected || Date.parse(expires) <= Date.now())
      return { status: 403, text: '<Error><Code>AuthenticationFailed</Code></Error>', headers: { 'content-type': 'application/xml' } };
    const id = request.path.split('/').pop() ?? '';
    for (const customerId of new Set([...marketplace.tokens.values()].map((t) => t.customerId)))
      for (const statement of world.marketplaceStatements(customerId))
        if (statement.invoice.attachmentId === id) {
          const invoice = invoiceJson(marketplace, statement);
          return {
            status: 200,
            bytes: sandboxPdf(`SoftwareOne invoice ${statement.invoice.documentNo}`, [
              `Invoice ${statement.invoice.id}, statement ${statement.id}`,
              `Period: ${statement.month}`,
              `Total before tax: ${invoice.price.totalSP} ${statement.currency}`,
              `Tax: ${invoice.price.totalST} ${statement.currency}`,
              `Total: ${invoice.price.totalGT} ${statement.currency}`,
              `Due: ${statement.invoice.dueDate.toISOString().slice(0, 10)}`,
              'Sandbox document: not a real invoice.',
            ]),
            headers: {
              'content-type': 'application/pdf',
              'content-disposition': `attachment; filename="${statement.invoice.documentNo}.pdf"`,
            },
          };
        }
    return { status: 404, text: '<Error><Code>BlobNotFound</Code></Error>', headers: { 'content-type': 'application/xml' } };
  };

  const routeOf = (request: EmulatorRequest) =>
    request.path.startsWith(BLOB_CONTAINER)
      ? `${BLOB_CONTAINER}/{path}`
      : request.path.startsWith('/attachments/')
        ? '/attachments/{id}'
        : ((pc.match(request.method, request.path) ?? graph.match(request.method, request.path) ?? mkt.match(request.method, request.path))
            ?.pattern ?? 'unmatched');

  return {
    service: 'billing',
    routeOf,
    handle(request) {
      const base = `http://${header(request, 'host') ?? '127.0.0.1'}`;
      if (request.method === 'GET' && request.path.startsWith(`${BLOB_CONTAINER}/`)) return { response: blobs(request) };
      if (request.method === 'GET' && request.path.startsWith('/attachments/')) return { response: attachmentFile(request) };
      if (request.path.startsWith('/public/v1/')) {
        const token = /^Bearer\s+(.+)$/i.exec(header(request, 'authorization') ?? '')?.[1]?.trim();
        const account = token ? marketplace.tokens.get(token) : undefined;
        if (!account || account.expired)
          return {
            response: problem(
              401,
              'Unauthorized',
              account ? 'The API token has expired.' : 'The API token is not valid.',
              MARKETPLACE_ERROR_CODES.unauthorized,
            ),
          };
        const match = mkt.match(request.method, request.path);
        if (!match?.handler) return { response: mktNotFound('Resource', request.path), tenantId: account.customerId };
        return { response: match.handler(request, match.params, { base, account }), tenantId: account.customerId };
      }
      const isGraph = request.path.startsWith('/v1.0/');
      const token = bearerToken(header(request, 'authorization'));
      const verified = token ? tokens.verify(token) : { problem: 'Access token is empty.' };
      if ('problem' in verified)
        return {
          response: isGraph
            ? graphError(401, 'InvalidAuthenticationToken', verified.problem)
            : pcError(request, 401, 401, `Authorization failed. ${verified.problem}`),
        };
      const { claims } = verified;
      if (claims.aud !== (isGraph ? GRAPH_RESOURCE : PARTNER_CENTER_RESOURCE))
        return {
          response: isGraph
            ? graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.')
            : pcError(request, 401, 401, `Authorization failed. Invalid audience '${claims.aud}'.`),
        };
      if (claims.tid !== state.partner.tenantId)
        return {
          response: isGraph
            ? graphError(403, 'Forbidden', 'This API is available to CSP partners only: the token is not of the partner tenant.')
            : pcError(request, 403, 403, `Tenant ${claims.tid} is not a Partner Center partner.`),
          tenantId: claims.tid,
        };
      const match = (isGraph ? graph : pc).match(request.method, request.path);
      if (!match)
        return {
          response: isGraph
            ? graphError(400, 'BadRequest', `Resource not found for the segment '${request.path.split('/').pop()}'.`)
            : pcError(request, 404, 404, `${request.path} is not a Partner Center resource.`),
          tenantId: claims.tid,
        };
      if (!match.handler)
        return {
          response: isGraph
            ? graphError(405, 'BadRequest', 'The requested resource does not support this method.')
            : pcError(request, 405, 405, `The requested resource does not support http method '${request.method}'.`),
          tenantId: claims.tid,
        };
      return { response: match.handler(request, match.params, { base }), tenantId: claims.tid };
    },
    renderFault(fault, request) {
      const headers = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : undefined;
      const response = request.path.startsWith('/v1.0/')
        ? graphError(fault.status, fault.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', fault.message ?? 'The request failed.')
        : request.path.startsWith('/public/v1/')
          ? problem(fault.status, 'Request failed', fault.message ?? 'The request failed.')
          : pcError(request, fault.status, fault.code ?? fault.status, fault.message ?? 'The request failed.');
      if (headers) response.headers = { ...response.headers, ...headers };
      return response;
    },
    trace: (request) => ({
      ...(header(request, 'ms-requestid') ? { requestId: header(request, 'ms-requestid')! } : {}),
      ...(header(request, 'ms-correlationid') ? { correlationId: header(request, 'ms-correlationid')! } : {}),
      ...(header(request, 'client-request-id') ? { correlationId: header(request, 'client-request-id')! } : {}),
    }),
  };
}

// ---- shapes ---------------------------------------------------------------------------

function partnerInvoiceJson(world: BillingWorld, invoice: PartnerInvoice, byId: boolean): Record<string, unknown> {
  const totals = world.partnerInvoiceTotals(invoice);
  const start = `${invoice.month}-01`;
  const end = new Date(Date.UTC(Number(invoice.month.slice(0, 4)), Number(invoice.month.slice(5, 7)), 0)).toISOString().slice(0, 10);
  return {
    id: invoice.id,
    invoiceDate: invoice.invoiceDate.toISOString(),
    billingPeriodStartDate: `${start}T00:00:00Z`,
    billingPeriodEndDate: `${end}T00:00:00Z`,
    totalCharges: totals.total,
    paidAmount: 0,
    currencyCode: invoice.currency,
    currencySymbol: '$',
    ...(byId ? { pdfDownloadLink: `/invoices/${invoice.id}/documents/statement` } : {}),
    invoiceDetails: [
      {
        invoiceLineItemType: 'billing_line_items',
        billingProvider: 'one_time',
        links: { self: { uri: `/invoices/OneTime-${invoice.id}/lineitems/OneTime/BillingLineItems`, method: 'GET', headers: [] } },
        attributes: { objectType: 'InvoiceDetail' },
      },
    ],
    documentType: 'invoice',
    invoiceType: 'OneTime',
    links: { self: { uri: `/invoices/OneTime-${invoice.id}`, method: 'GET', headers: [] } },
    attributes: { objectType: 'Invoice' },
  };
}

/** Exact sum of a money field over rows, as minor units of `currency`. */
function sumOf(rows: readonly Row[], field: string, currency: string): bigint {
  return rows.reduce((sum, row) => sum + decimalToMinor(parseDecimal(decimalFromWire(row[field] ?? 0)), currency), 0n);
}

const asNumber = (minor: bigint, currency: string) => Number(fromMinor(minor, currency).amount);

function marketplaceRefs(marketplace: MarketplaceWorld, statement: MarketplaceStatement) {
  const agreement = marketplace.agreements.get(statement.agreementId)!;
  const item = marketplace.items.find((i) => i.product.id === agreement.productId);
  const account = [...marketplace.tokens.values()].find((t) => t.customerId === statement.customerId);
  return {
    // Accounts are AccountRef (type and status required); buyers, sellers and licensees are plain refs.
    client: { id: account?.accountId ?? 'ACC-0000-0000', name: agreement.licensee.name, icon: '', type: 'Client', status: 'Active' },
    buyer: { id: `BUY-${(account?.accountId ?? 'ACC-0000-0000').slice(4)}`, name: agreement.licensee.name, icon: '' },
    seller: { id: 'SEL-7032-1456', name: 'SoftwareOne Deutschland GmbH', icon: '' },
    vendor: {
      id: item?.product.vendor.id ?? 'ACC-0000-0000',
      name: item?.product.vendor.name ?? 'Vendor',
      icon: '',
      type: 'Vendor',
      status: 'Active',
    },
    product: { id: agreement.productId, name: item?.product.name ?? agreement.productId, icon: '', status: 'Published', externalIds: {} },
    agreement: { id: agreement.id, name: agreement.name, status: agreement.status },
    licensee: { id: agreement.licensee.id, name: agreement.licensee.name },
  };
}

function statementJson(marketplace: MarketplaceWorld, statement: MarketplaceStatement): Record<string, unknown> {
  const totalSP = asNumber(
    sumOf(
      statement.charges.map((c) => ({ sp: (c.price as { SPx1: number }).SPx1 })),
      'sp',
      statement.currency,
    ),
    statement.currency,
  );
  return {
    id: statement.id,
    name: `${marketplaceRefs(marketplace, statement).product.name} ${statement.month}`,
    type: 'Debit',
    billingType: 'Automated',
    status: 'Issued',
    ...marketplaceRefs(marketplace, statement),
    externalIds: { vendor: statement.invoice.documentNo },
    price: { currency: { purchase: statement.currency, sale: statement.currency }, markup: 0, margin: 0, totalPP: 0, totalSP },
    invoice: { id: statement.invoice.id, name: statement.invoice.documentNo },
    audit: { created: { at: statement.issuedAt.toISOString() } },
  };
}

function invoiceJson(marketplace: MarketplaceWorld, statement: MarketplaceStatement) {
  const { lines } = statement.invoice;
  const net = sumOf(lines, 'amount', statement.currency);
  const gross = sumOf(lines, 'amountIncludingVat', statement.currency);
  const [totalSP, totalGT, totalST] = [net, gross, gross - net].map((minor) => asNumber(minor, statement.currency)) as [
    number,
    number,
    number,
  ];
  const refs = marketplaceRefs(marketplace, statement);
  return {
    id: statement.invoice.id,
    name: statement.invoice.documentNo,
    buyer: refs.buyer,
    seller: refs.seller,
    status: 'Generated',
    type: 'Debit',
    statement: { id: statement.id, name: `${refs.product.name} ${statement.month}` },
    agreement: refs.agreement,
    billingType: 'Automated',
    client: refs.client,
    licensee: refs.licensee,
    product: refs.product,
    vendor: refs.vendor,
    erpData: {
      documentNo: statement.invoice.documentNo,
      documentDate: statement.invoice.documentDate.toISOString(),
      postingDate: statement.invoice.documentDate.toISOString(),
      dueDate: statement.invoice.dueDate.toISOString(),
      invoiceTotal: totalGT,
      balanceDue: totalGT,
      addresses: {},
    },
    price: { currency: statement.currency, totalSP, totalST, totalGT },
    lines,
    audit: { created: { at: statement.issuedAt.toISOString() } },
  };
}

function attachmentJson(statement: MarketplaceStatement): Record<string, unknown> {
  return {
    id: statement.invoice.attachmentId,
    name: `Invoice ${statement.invoice.documentNo}`,
    type: 'Output',
    filename: `${statement.invoice.documentNo}.pdf`,
    contentType: 'application/pdf',
    description: 'Invoice document',
    isDeleted: false,
    isExternal: false,
    invoice: { id: statement.invoice.id, name: statement.invoice.documentNo },
    audit: { created: { at: statement.issuedAt.toISOString() } },
  };
}

// ---- helpers --------------------------------------------------------------------------

function sign(world: BillingWorld, path: string, expires: string): string {
  return createHmac('sha256', world.sasKey).update(`${path}\n${expires}`).digest('base64');
}

const blobName = (exportId: string, part: number) => `part-${String(part).padStart(5, '0')}-${exportId}.c000.json.gz`;

function accepted(ctx: Ctx, operation: { id: string }): EmulatorResponse {
  return { status: 202, headers: { location: `${ctx.base}${GRAPH_BILLING}/operations/${operation.id}` } };
}

function parseBody(request: EmulatorRequest): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(request.body || '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function checkAttributeSet(body: Record<string, unknown> | undefined): boolean {
  return body?.attributeSet === undefined || body.attributeSet === 'full' || body.attributeSet === 'basic';
}

function periodAndCurrency(
  body: Record<string, unknown> | undefined,
): { period: 'current' | 'last'; currency: string } | { error: EmulatorResponse } {
  const currency = typeof body?.currencyCode === 'string' ? body.currencyCode : '';
  const period = body?.billingPeriod;
  if (!/^[A-Za-z]{3}$/.test(currency)) return { error: graphError(400, 'BadRequest', "The parameter 'currencyCode' is required.") };
  if (period !== 'current' && period !== 'last')
    return { error: graphError(400, 'BadRequest', "billingPeriod must be 'current' or 'last'.") };
  if (!checkAttributeSet(body)) return { error: graphError(400, 'BadRequest', "attributeSet must be 'full' or 'basic'.") };
  return { period, currency };
}

function graphError(status: number, code: string, message: string): EmulatorResponse {
  return json(status, {
    error: { code, message, innerError: { date: new Date().toISOString().replace(/\.\d+Z$/, ''), 'request-id': randomId() } },
  });
}

const mktNotFound = (what: string, id: string) =>
  problem(404, 'Not found', `${what} ${id} was not found.`, MARKETPLACE_ERROR_CODES.notFound);

function list(request: EmulatorRequest, items: unknown[]): EmulatorResponse {
  try {
    const query = parseQuery(request.url.search);
    const { page, total, limit } = applyQuery(items, query);
    return json(200, { $meta: { pagination: { offset: query.offset, limit, total } }, data: page });
  } catch (error) {
    if (error instanceof RqlSyntaxError) return problem(400, 'Invalid RQL expression', error.message, MARKETPLACE_ERROR_CODES.rql);
    throw error;
  }
}

function randomId(): string {
  return `${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 10)}`;
}
