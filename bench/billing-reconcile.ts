// The reconciliation measurement of `npm run bench -- billing`, run as its own process by
// bench/billing.ts so that its peak RSS holds only what reconciliation needs. The billing
// emulator (in a child process: bench/sandbox-process.ts) issues a synthetic Partner Center
// invoice of 200,000 lines billing 50,000 orders (some lines with a price difference, some
// unexpected, some orders left unbilled); Quartermaster reads it as production does (Graph's
// billed reconciliation export: 202 + Location, polled operation, manifest, gzip JSON-lines
// blobs) and reconciles every line, streaming: only the orders and the findings are kept.
// - "our CPU": time between receiving a line and asking for the next one (the line turned
//   into an InvoiceLine with exact decimals, then matched). Waiting for the next line (the
//   emulator building the export, HTTP, gunzip and JSON parsing in the connector) is "fetch".
import { createBillingConnectors } from '../src/connectors/billing/index.js';
import { partnerCenterLine } from '../src/domain/billing/invoice-lines.js';
import { Reconciler, type OrderRecord } from '../src/domain/billing/reconciliation.js';
import { exitOnInterrupt } from '../src/local/child-processes.js';
import { createLogger } from '../src/logger.js';
import { syntheticOrders } from '../src/sandbox/billing-world.js';
import { startSandboxProcess } from './sandbox-process.js';
import type { LoadFigures } from './stats.js';

const LINES = Number(process.env.BENCH_BILLING_LINES ?? 200_000);
const ORDERS = Number(process.env.BENCH_BILLING_ORDERS ?? 50_000);
/** The synthetic invoice's id in the billing emulator. */
const INVOICE_ID = 'G099999999';

export interface BillingRow {
  scenario: string;
  figures: LoadFigures;
  goal: string;
  notes: string;
  details: Record<string, number | string | boolean>;
}

async function measure(): Promise<BillingRow> {
  const sandbox = await startSandboxProcess({ options: { billing: { synthetic: { rows: LINES, orders: ORDERS } } } });
  try {
    if (!sandbox.billing) throw new Error('the bench sandbox printed no billing endpoints');
    const connectors = createBillingConnectors(
      {
        mode: 'sandbox',
        sandbox: {
          billing: sandbox.billing,
          urls: { login: sandbox.urls.login },
          app: sandbox.app,
          partnerTenantId: sandbox.partnerTenantId,
        },
        pollIntervalMs: 50,
        // The emulator builds the synthetic invoice's 200,000 rows on request: its first answers take seconds.
        retry: { timeoutMs: 120_000 },
      },
      createLogger('silent'),
    );
    // What Quartermaster ordered, as BillingOrders reads it from completed requests.
    const orders: OrderRecord[] = syntheticOrders(ORDERS).map((o) => ({
      ...o,
      source: 'partner-center',
      monthlyUnitPrice: { amount: o.monthlyUnitPrice, currency: 'USD' },
      billingCycle: 'monthly',
    }));
    const header = await connectors.partnerCenter.getInvoice(INVOICE_ID);
    const started = process.hrtime.bigint();
    const reconciler = new Reconciler(
      { source: 'partner-center', invoiceId: INVOICE_ID, period: { start: '2026-05-01', end: '2026-06-01' } },
      orders,
      [],
    );
    let ours = process.hrtime.bigint() - started;
    let lines = 0;
    const rows = connectors.exports.billedReconciliation(header.id);
    for (;;) {
      const next = await rows.next();
      if (next.done) break;
      const t0 = process.hrtime.bigint();
      reconciler.add(partnerCenterLine(next.value, lines++, header.id));
      ours += process.hrtime.bigint() - t0;
    }
    const t1 = process.hrtime.bigint();
    const result = reconciler.finish();
    ours += process.hrtime.bigint() - t1;
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const ourSeconds = Number(ours) / 1e9;
    const counts = { 'price-difference': 0, unexpected: 0, missing: 0 };
    for (const finding of result.findings) counts[finding.kind]++;
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    const linesPerSecond = lines / ourSeconds;
    return {
      scenario: `billing: reconcile ${lines.toLocaleString('en-US')} invoice lines against ${ORDERS.toLocaleString('en-US')} orders`,
      figures: { turns: lines, seconds: ourSeconds, turnsPerSecond: linesPerSecond, p50Ms: 0, p99Ms: 0, errors: 0 },
      goal: `≥ 50,000 lines/s of our CPU (${linesPerSecond >= 50_000 ? 'met' : 'NOT met'}); peak RSS < 300 MB (${peakRssMb < 300 ? 'met' : 'NOT met'})`,
      notes:
        `${Math.round(linesPerSecond).toLocaleString('en-US')} lines/s of our CPU (${ourSeconds.toFixed(2)} s), ` +
        `${Math.round(lines / wallSeconds).toLocaleString('en-US')} lines/s with the export's fetch (${wallSeconds.toFixed(2)} s); ` +
        `matched ${result.matched.lines}, price differences ${counts['price-difference']}, unexpected ${counts.unexpected}, missing ${counts.missing}; peak RSS ${peakRssMb} MB`,
      details: {
        lines,
        orders: ORDERS,
        ourSeconds: Number(ourSeconds.toFixed(3)),
        wallSeconds: Number(wallSeconds.toFixed(3)),
        linesPerSecond: Math.round(linesPerSecond),
        linesPerSecondWithFetch: Math.round(lines / wallSeconds),
        matched: result.matched.lines,
        priceDifferences: counts['price-difference'],
        unexpected: counts.unexpected,
        missing: counts.missing,
        peakRssMb,
      },
    };
  } finally {
    await sandbox.stop();
  }
}

if (process.argv[1]?.endsWith('billing-reconcile.ts')) {
  exitOnInterrupt();
  measure().then(
    (row) => {
      process.stdout.write(`${JSON.stringify(row)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error('billing bench failed:', error);
      process.exit(1);
    },
  );
}
