// The billing emulator's three vendors (Partner Center invoices, Graph's partner billing export,
// the Marketplace billing API, and the export's blobs of line items) are held to their fixtures like every other service: the vendors'
// own examples pass the checks (the schemas are not stricter than the vendor), and an answer of
// the wrong shape fails them (the check can fail). The emulator's real answers are checked in
// test/connectors/billing.test.ts and test/e2e/billing.test.ts.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { EmulatorExchange } from '../../src/sandbox/index.js';
import { contractFor, violations } from './exchanges.js';
import { graphDerivedEntity, graphEntity, partnerCenter, partnerCenterCollection } from './schemas.js';

const example = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const OK = { ok: true, errors: [] };

function exchange(
  method: string,
  route: string,
  status: number,
  responseBody: unknown,
  { path = route, headers = {} }: { path?: string; headers?: Record<string, string> } = {},
): EmulatorExchange {
  const base = { service: 'billing' as const, method, path, query: new URLSearchParams(), route, status, requestBody: '' };
  return { ...base, responseBody, responseHeaders: headers, faulted: false };
}

describe('the vendor examples pass the billing contracts', () => {
  it('Partner Center: a collection of invoices and an invoice by id', () => {
    expect(
      partnerCenterCollection('Invoices/Invoice', example('./partner-center/billing-examples/get-a-collection-of-invoices.json')),
    ).toEqual(OK);
    expect(partnerCenter('Invoices/Invoice', example('./partner-center/billing-examples/get-invoice-by-id.json'))).toEqual(OK);
  });

  it('Graph: the running, succeeded and failed operations and the manifest', () => {
    for (const name of ['operation-running', 'operation-succeeded', 'operation-failed'])
      expect(graphDerivedEntity('partners.billing.operation', example(`./graph/partners-billing-examples/${name}.json`))).toEqual(OK);
    expect(graphEntity('partners.billing.manifest', example('./graph/partners-billing-examples/manifest.json'))).toEqual(OK);
  });
});

describe('a billing answer of the wrong shape breaks its contract', () => {
  const invoice = example('./partner-center/billing-examples/get-invoice-by-id.json');
  const marketplaceInvoice = (client: object) => ({
    $meta: { pagination: { offset: 0, limit: 10, total: 1 } },
    data: [{ id: 'INV-1234-5678-9012', name: 'SWO-1', client }],
  });

  it('an invoice with a field Partner Center does not send (a due date) or a total as text', () => {
    expect(contractFor(exchange('GET', '/v1/invoices/{id}', 200, { ...invoice, dueDate: '2018-03-10T00:00:00Z' }))).toMatchObject({
      ok: false,
      errors: ['/: must NOT have additional properties (dueDate)'],
    });
    expect(contractFor(exchange('GET', '/v1/invoices', 200, { totalCount: 1, items: [{ ...invoice, totalCharges: '2076.63' }] })).ok).toBe(
      false,
    );
  });

  it('an export operation that is not an operation, a manifest with a count as text, an export answered with a body', () => {
    const succeeded = example('./graph/partners-billing-examples/operation-succeeded.json');
    const operations = '/v1.0/reports/partners/billing/operations/{id}';
    expect(
      contractFor(exchange('GET', operations, 200, { ...succeeded, '@odata.type': '#microsoft.graph.partners.billing.manifest' })),
    ).toEqual({
      ok: false,
      errors: ['/@odata.type: #microsoft.graph.partners.billing.manifest is not a partners.billing.operation'],
    });
    expect(contractFor(exchange('GET', operations, 200, { ...succeeded, status: 'done' })).ok).toBe(false);
    const manifest = example('./graph/partners-billing-examples/manifest.json');
    expect(contractFor(exchange('GET', '/v1.0/reports/partners/billing/manifests/{id}', 200, { ...manifest, blobCount: '1' })).ok).toBe(
      false,
    );
    expect(contractFor(exchange('POST', '/v1.0/reports/partners/billing/usage/unbilled/export', 200, succeeded)).ok).toBe(false);
    const location = { location: 'http://127.0.0.1:1/v1.0/reports/partners/billing/operations/9ab9cb54-d07f-4f52-9ea6-a09d7de52c14' };
    const exportRoute = '/v1.0/reports/partners/billing/usage/unbilled/export';
    expect(contractFor(exchange('POST', exportRoute, 202, undefined, { headers: location }))).toEqual(OK);
    expect(contractFor(exchange('POST', exportRoute, 202, undefined)).ok).toBe(false);
  });

  it('an export blob with a line that is not a line item of the SDK (an invented column, a quantity as text)', () => {
    const blob = (...rows: object[]) => ({
      ...exchange('GET', '/blobs/reconfastpath/v1/{path}', 200, undefined),
      responseBytes: gzipSync(rows.map((r) => JSON.stringify(r)).join('\n')),
    });
    const line = { InvoiceNumber: 'G016907411', OrderId: 'order-1', Quantity: 2, Subtotal: 24, ChargeStartDate: '2026-05-01T00:00:00Z' };
    const usage = { UsageDate: '2026-05-02T00:00:00Z', MeterName: 'D2s v3', Quantity: 1.5, BillingPreTaxTotal: 0.41 };
    expect(contractFor(blob(line, usage))).toEqual(OK);
    expect(contractFor(blob(line, { ...line, DueDate: '2026-06-10' }))).toEqual({
      ok: false,
      errors: ['line 2/: must NOT have additional properties (DueDate)'],
    });
    expect(contractFor(blob({ ...usage, Quantity: '1.5' })).ok).toBe(false);
  });

  it('a marketplace invoice whose client is not an AccountRef (no type, no status)', () => {
    const route = '/public/v1/billing/invoices';
    expect(contractFor(exchange('GET', route, 200, marketplaceInvoice({ id: 'ACC-1234-5678', name: 'Contoso', icon: '' }))).ok).toBe(false);
    const client = { id: 'ACC-1234-5678', name: 'Contoso', icon: '', type: 'Client', status: 'Active' };
    expect(contractFor(exchange('GET', route, 200, marketplaceInvoice(client)))).toEqual(OK);
  });

  it('a billing route no contract describes fails; errors are held to each vendor’s error shape; the attachment file is left unchecked', () => {
    expect(violations([exchange('GET', '/v1/invoices/{id}/lineitems', 200, { items: [] })])).toEqual([
      'billing GET /v1/invoices/{id}/lineitems → 200: no Partner Center billing contract for GET /v1/invoices/{id}/lineitems',
    ]);
    expect(contractFor(exchange('GET', '/v1/invoices/{id}', 404, { error: 'not found' })).ok).toBe(false);
    expect(contractFor(exchange('GET', '/v1.0/reports/partners/billing/manifests/{id}', 404, { code: 'NotFound' })).ok).toBe(false);
    expect(contractFor(exchange('GET', '/public/v1/billing/statements/{id}', 404, { title: 'Not found', status: 404 })).ok).toBe(true);
    expect(contractFor(exchange('GET', '/public/v1/billing/invoices/{invoiceId}/attachments/{id}', 301, undefined))).toEqual(OK);
    expect(contractFor(exchange('GET', '/attachments/{id}', 200, undefined))).toEqual({ ok: 'unchecked' });
  });

  it('an invoice PDF without the content type and file name the REST reference gives', () => {
    const pdf = (headers: Record<string, string>) => ({
      ...exchange('GET', '/v1/invoices/{id}/documents/statement', 200, undefined, {
        path: '/v1/invoices/G000024135/documents/statement',
        headers,
      }),
      responseBytes: Buffer.from('%PDF-1.7'),
    });
    const disposition = 'attachment; filename=Invoice_G000024135.pdf';
    expect(contractFor(pdf({ 'content-type': 'application/pdf', 'content-disposition': disposition }))).toEqual(OK);
    expect(contractFor(pdf({ 'content-type': 'application/octet-stream', 'content-disposition': disposition }))).toEqual({
      ok: false,
      errors: ['content-type is not application/pdf'],
    });
  });
});
