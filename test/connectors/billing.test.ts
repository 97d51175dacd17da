// The billing connectors against the sandbox's billing emulator: Partner Center invoices and
// their PDF, the Graph v2 exports (202, polling, manifest, gzip blobs with a SAS, "no data"),
// Marketplace invoices, statement charges (paged) and the document behind a redirect.
import { describe, expect, it } from 'vitest';
import { createBillingConnectors, NoExportData, type BillingConnectors } from '../../src/connectors/billing/index.js';
import { partnerCenterLine, InvoiceTotalsFold } from '../../src/domain/billing/invoice-lines.js';
import { ConnectorError } from '../../src/connectors/ports.js';
import {
  CSP_USAGE_LEVELS,
  DEMO_CUSTOMER_ID,
  DEMO_SUBSCRIPTIONS,
  MARKETPLACE_SUBSCRIPTIONS,
  MARKETPLACE_TOKENS,
} from '../../src/sandbox/index.js';
import { FAST_RETRY, sandboxPerTest } from './sandbox-connectors.js';

const fixture = sandboxPerTest({ billing: { exportPollsBeforeReady: 2, rowsPerBlob: 3 } });

function billing(): BillingConnectors {
  return createBillingConnectors(
    {
      mode: 'sandbox',
      sandbox: fixture.sandbox,
      retry: FAST_RETRY,
      pollIntervalMs: 10,
      marketplaceTokens: async (customerId) => (customerId === DEMO_CUSTOMER_ID ? MARKETPLACE_TOKENS.demo : undefined),
    },
    fixture.log,
  );
}

describe('Partner Center invoices', () => {
  it('lists the invoices of closed months, newest first, and reads one with its PDF', async () => {
    const pc = billing().partnerCenter;
    const invoices = await pc.listInvoices();
    // The suite's clock is 17 June 2026: May's invoice came on 8 June; March and April before.
    expect(invoices.map((i) => i.periodStart)).toEqual(['2026-05-01', '2026-04-01', '2026-03-01']);
    expect(invoices.every((i) => !i.hasDocument)).toBe(true);
    const may = await pc.getInvoice(invoices[0]!.id);
    expect(may).toMatchObject({ currency: 'USD', hasDocument: true, periodEnd: '2026-05-31' });
    const pdf = await pc.invoiceDocument(may.id);
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.filename).toBe(`Invoice_${may.id}.pdf`);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it("exports an invoice's reconciliation rows (polled, several blobs) that add up to the header's total", async () => {
    const { partnerCenter, exports } = billing();
    const [may] = await partnerCenter.listInvoices();
    const fold = new InvoiceTotalsFold();
    const subscriptions = new Set<string>();
    let position = 0;
    for await (const row of exports.billedReconciliation(may!.id)) {
      const line = partnerCenterLine(row, position++, may!.id);
      fold.add(line);
      subscriptions.add(line.subscriptionId ?? '');
    }
    const [usd] = fold.totals();
    expect(usd!.total.amount).toBe(Number(may!.totalCharges).toFixed(2));
    expect(subscriptions).toContain(DEMO_SUBSCRIPTIONS.m365E3);
    // The emulator answered "running" twice before the manifest, and split the rows into blobs of 3.
    expect(fixture.sandbox.state.countRequests({ service: 'billing', route: '/v1.0/reports/partners/billing/operations/{id}' })).toBe(3);
    expect(fixture.sandbox.state.countRequests({ service: 'billing', route: '/blobs/reconfastpath/v1/{path}' })).toBe(
      Math.ceil(position / 3),
    );
  });

  it('says when there is no data (a period already invoiced) and reads unbilled usage of the month so far', async () => {
    const { exports } = billing();
    await expect(async () => {
      for await (const _ of exports.unbilledReconciliation('USD', 'last')) void _;
    }).rejects.toThrow(NoExportData);
    const rows = [];
    for await (const row of exports.unbilledUsage('USD', 'current')) rows.push(row);
    // 1–16 June, complete days only, every meter of the demo Azure plan.
    expect(rows).toHaveLength(16 * CSP_USAGE_LEVELS.length);
    expect(rows[0]).toMatchObject({ CustomerId: DEMO_CUSTOMER_ID, BillingCurrency: 'USD', UsageDate: '2026-06-01T00:00:00Z' });
  });

  it('refuses a blob without a valid signature, and a Location on another origin', async () => {
    const { exports } = billing();
    const base = fixture.sandbox.billing.urls.graph;
    const answer = await fetch(`${base}/blobs/reconfastpath/v1/anything/part-00000-x.c000.json.gz?se=2099-01-01T00:00:00Z&sig=forged`);
    expect(answer.status).toBe(403);
    fixture.sandbox.faults.billing.failNext({ status: 503, path: '/usage/unbilled/export', times: 10 });
    await expect(async () => {
      for await (const _ of exports.unbilledUsage('USD', 'current')) void _;
    }).rejects.toSatisfy((error: unknown) => error instanceof ConnectorError && error.kind === 'unavailable');
  });
});

describe('Marketplace billing', () => {
  it("lists the client's invoices with lines, due date and tax, their statement's charges, and the document behind the redirect", async () => {
    const mkt = billing().marketplace!;
    const invoices = await mkt.listInvoices(DEMO_CUSTOMER_ID);
    expect(invoices.map((i) => i.statement?.id).length).toBe(3);
    const [latest] = invoices;
    expect(latest!.erpData?.dueDate).toMatch(/^2026-07-/);
    expect(latest!.lines?.length).toBeGreaterThan(0);
    const charges = [];
    for await (const charge of mkt.statementCharges(DEMO_CUSTOMER_ID, latest!.statement!.id)) charges.push(charge);
    expect(charges).toEqual([
      expect.objectContaining({ subscription: expect.objectContaining({ id: MARKETPLACE_SUBSCRIPTIONS.demoAcrobat }), quantity: 10 }),
    ]);
    // The client is charged its sales price (26.39 an Acrobat seat), not the vendor's purchase price (23.99).
    expect(charges[0]).toMatchObject({ price: { unitSP: 26.39 } });
    const document = await mkt.invoiceDocument(DEMO_CUSTOMER_ID, latest!.id);
    expect(document?.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(document?.filename).toMatch(/\.pdf$/);
    await expect(mkt.listInvoices('no-such-tenant')).rejects.toMatchObject({ kind: 'unauthorized' });
  });
});
