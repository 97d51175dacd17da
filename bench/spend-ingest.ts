// The spend ingest measurement of `npm run bench -- spend`, run as its own process by
// bench/spend.ts so that its peak RSS holds only what the ingest needs. About 1,000,000 cost
// rows from the emulators (the synthetic Azure subscription: one month query answered in 200
// pages of 5,000 rows; the synthetic AWS account: NextPageToken pages), normalised to FOCUS
// rows, turned into CostRows entities and transaction batches, and folded into every budget,
// which is then evaluated (pure domain).
//
// The emulators run in a child process (bench/sandbox-process.ts), so this process's CPU and
// peak RSS are Quartermaster's own. Memory stays bounded: pages are streamed and dropped;
// only the open transaction batch and one spend-per-day map per budget are kept. (The sync
// service itself holds one connection's window, e.g. 90 days × services, before writing:
// realistic accounts are thousands of rows, not a million.)
// What is measured separately, and why:
// - "our CPU": time between receiving a page and asking for the next one (normalise, entity
//   and batch preparation, budget folding). Waiting for the next page (the emulator building
//   it, HTTP, and the SDK parsing the JSON) is "emulator time".
// - Storing: writing a million rows into Azurite on a 2-core machine takes minutes and
//   gigabytes inside Azurite, so the store rate is measured on a 20,000-row sample written
//   through CostRowStore.replaceDays (transactions of 100), and the time for all extrapolated.
import { createConnectors } from '../src/connectors/index.js';
import type { FocusCostRow } from '../src/domain/spend/focus.js';
import { normalizeAwsPage } from '../src/domain/spend/providers/aws.js';
import { normalizeAzureQuery } from '../src/domain/spend/providers/azure.js';
import { budgetStatus, evaluateBudget, rowInScope, validateBudget, type Budget } from '../src/domain/spend/budgets.js';
import { forecastPeriod } from '../src/domain/spend/forecast.js';
import { parseAmount } from '../src/domain/money.js';
import { addDays, firstIncompleteDay, periodContaining, type Day } from '../src/domain/spend/periods.js';
import { exitOnInterrupt } from '../src/local/child-processes.js';
import { createLogger } from '../src/logger.js';
import { AWS_ACCOUNTS, AWS_SYNTHETIC_KEY, AZURE_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../src/sandbox/index.js';
import { CostRowStore, MAX_TRANSACTION_ACTIONS, toCostEntity, type KeyedCostEntity } from '../src/storage/cost-rows.js';
import { TableStore } from '../src/storage/table-store.js';
import { startSandboxProcess } from './sandbox-process.js';
import type { LoadFigures } from './stats.js';

const AZURE_PAGES = 200;
const AZURE_PAGE_ROWS = 5000;
const AWS_SERVICES_PER_DAY = Number(process.env.BENCH_AWS_SERVICES ?? 1000);
const STORE_SAMPLE_ROWS = Number(process.env.BENCH_SPEND_STORE_ROWS ?? 20_000);
const STORE_ROWS_PER_ACCOUNT = 1000;

export interface SpendRow {
  scenario: string;
  figures: LoadFigures;
  goal: string;
  notes: string;
  details: Record<string, number | string | boolean>;
}

/** Budgets across the synthetic data: everything, per provider, per account, per service. */
function benchBudgets(): Budget[] {
  const inputs = [
    { id: 'all', scope: {} },
    { id: 'azure', scope: { provider: 'Microsoft' as const } },
    { id: 'aws', scope: { provider: 'AWS' as const } },
    { id: 'azure-synthetic', scope: { provider: 'Microsoft' as const, subAccountId: AZURE_SUBSCRIPTIONS.synthetic } },
    { id: 'aws-synthetic', scope: { provider: 'AWS' as const, subAccountId: AWS_ACCOUNTS.synthetic } },
    ...Array.from({ length: 5 }, (_, i) => ({
      id: `aws-service-${i}`,
      scope: { provider: 'AWS' as const, serviceName: `Synthetic Service ${String(i + 1).padStart(5, '0')}` },
    })),
    ...Array.from({ length: 5 }, (_, i) => ({ id: `azure-service-${i}`, scope: { serviceName: `Synthetic service ${i * 7}` } })),
  ];
  return inputs.map(({ id, scope }) => {
    const check = validateBudget({ id, name: id, scope, amount: '100000000', currency: 'USD', period: 'month' });
    if (!check.ok) throw new Error(`bench budget ${id}: ${check.errors.join('; ')}`);
    return check.budget;
  });
}

/** Spend per day per budget, folded page by page (the rows themselves are not kept). */
class BudgetFold {
  private readonly daily = new Map<string, Map<Day, bigint>>();
  private readonly estimated = new Set<Day>();
  constructor(readonly budgets: Budget[]) {
    for (const budget of budgets) this.daily.set(budget.id, new Map());
  }

  /** Each amount parsed once, then added to every budget whose scope holds the row (all USD here). */
  add(rows: readonly FocusCostRow[]): void {
    const targets = this.budgets.map((budget) => ({ budget, daily: this.daily.get(budget.id)! }));
    for (const row of rows) {
      if (row.estimated) this.estimated.add(row.ChargePeriodStart);
      if (row.BilledCost === null) continue;
      let minor: bigint | undefined;
      for (const { budget, daily } of targets) {
        if (row.BillingCurrency !== budget.amount.currency || !rowInScope(budget.scope, row)) continue;
        minor ??= parseAmount(row.BilledCost, row.BillingCurrency, { allowNegative: true });
        daily.set(row.ChargePeriodStart, (daily.get(row.ChargePeriodStart) ?? 0n) + minor);
      }
    }
  }

  evaluate(now: Date) {
    return this.budgets.map((budget) => {
      const period = periodContaining(budget.period, now.toISOString().slice(0, 10));
      return evaluateBudget(
        budget,
        forecastPeriod(period, this.daily.get(budget.id)!, budget.amount.currency, firstIncompleteDay(now, this.estimated)),
      );
    });
  }
}

/** Entities in transaction batches of ≤ 100 per partition, as CostRowStore submits them; counted, then dropped. */
class BatchPlanner {
  batches = 0;
  entities = 0;
  private readonly open = new Map<string, KeyedCostEntity[]>();
  add(rows: readonly FocusCostRow[], connectionId: string): void {
    for (const row of rows) {
      const entity = toCostEntity(DEMO_TENANT_ID, row, connectionId);
      const batch = this.open.get(entity.partitionKey) ?? [];
      batch.push(entity);
      this.entities++;
      if (batch.length === MAX_TRANSACTION_ACTIONS) {
        this.batches++;
        this.open.delete(entity.partitionKey);
      } else this.open.set(entity.partitionKey, batch);
    }
  }
  flush(): void {
    this.batches += this.open.size;
    this.open.clear();
  }
}

export async function spendScenario(storage: { kind: 'connection-string'; connectionString: string }): Promise<SpendRow> {
  const log = createLogger('silent');
  // The synthetic Azure scope answers AZURE_PAGES × AZURE_PAGE_ROWS rows to a one-month query.
  const sandbox = await startSandboxProcess({
    options: {
      costManagement: { pageSize: AZURE_PAGE_ROWS, syntheticRows: AZURE_PAGES * AZURE_PAGE_ROWS },
      aws: { syntheticServicesPerDay: AWS_SERVICES_PER_DAY },
    },
  });
  try {
    const connectors = createConnectors({ mode: 'sandbox', sandbox }, log);
    const azure = connectors.azureCost!;
    const aws = connectors.awsCost!;
    const today = sandbox.today;
    // Last month: complete days, one Azure query (one QPU), a month of AWS days.
    const month = periodContaining('month', addDays(periodContaining('month', today).start, -1));
    const now = new Date(`${addDays(month.end, -1)}T12:00:00Z`);
    const fold = new BudgetFold(benchBudgets());
    const planner = new BatchPlanner();
    let waitMs = 0;
    let ownMs = 0;
    let rows = 0;
    const pages = { azure: 0, aws: 0 };
    const calls = { azure: azure.calls, aws: aws.calls };
    const rssStart = process.memoryUsage().rss;
    const started = performance.now();

    // Streams one connector's pages, timing the wait for each page apart from our own work.
    const consume = async <P>(source: AsyncIterable<P>, handle: (page: P) => void) => {
      const iterator = source[Symbol.asyncIterator]();
      for (;;) {
        const t0 = performance.now();
        const next = await iterator.next();
        const t1 = performance.now();
        waitMs += t1 - t0;
        if (next.done) return;
        handle(next.value);
        ownMs += performance.now() - t1;
      }
    };

    const azureScope = `subscriptions/${AZURE_SUBSCRIPTIONS.synthetic}`;
    await consume(
      azure.dailyCost({ tenantId: DEMO_TENANT_ID, scope: azureScope }, { from: month.start, to: addDays(month.end, -1) }),
      (page) => {
        pages.azure++;
        const normalized = normalizeAzureQuery(page, {
          billingAccountId: AZURE_SUBSCRIPTIONS.synthetic,
          subAccountId: AZURE_SUBSCRIPTIONS.synthetic,
          costType: 'ActualCost',
        });
        rows += normalized.length;
        planner.add(normalized, `azure:${azureScope}`);
        fold.add(normalized);
      },
    );
    const awsAccount = {
      accountId: AWS_ACCOUNTS.synthetic,
      credentials: {
        kind: 'access-key' as const,
        accessKeyId: AWS_SYNTHETIC_KEY.accessKeyId,
        secretAccessKey: AWS_SYNTHETIC_KEY.secretAccessKey,
      },
    };
    await consume(aws.dailyCost(awsAccount, { start: month.start, endExclusive: month.end }), (page) => {
      pages.aws++;
      const normalized = normalizeAwsPage(page, { billingAccountId: AWS_ACCOUNTS.synthetic, subAccountId: AWS_ACCOUNTS.synthetic }).rows;
      rows += normalized.length;
      planner.add(normalized, `aws:${AWS_ACCOUNTS.synthetic}`);
      fold.add(normalized);
    });
    planner.flush();
    const peakAfterIngestMb = Math.round(process.resourceUsage().maxRSS / 1024);
    const tEval = performance.now();
    const evaluations = fold.evaluate(now);
    const evalMs = performance.now() - tEval;
    ownMs += evalMs;
    const totalMs = performance.now() - started;
    const made = { azure: azure.calls - calls.azure, aws: aws.calls - calls.aws };

    // Cross-check the streamed fold against the domain's whole-chain function on one small budget.
    const check = evaluations.find((e) => e.budget.id === 'aws-service-0')!;
    const awsOnly: FocusCostRow[] = [];
    for await (const page of aws.dailyCost(awsAccount, { start: month.start, endExclusive: month.end }))
      awsOnly.push(
        ...normalizeAwsPage(page, { billingAccountId: AWS_ACCOUNTS.synthetic, subAccountId: AWS_ACCOUNTS.synthetic }).rows.filter(
          (r) => r.ServiceName === 'Synthetic Service 00001',
        ),
      );
    const direct = budgetStatus(check.budget, awsOnly, now);
    if (direct.actual.amount !== check.actual.amount)
      throw new Error(`bench: streamed budget ${check.actual.amount} ≠ direct ${direct.actual.amount}`);

    // Store rate on a sample, through the real repository: the first rows of the Azure month
    // spread over accounts of STORE_ROWS_PER_ACCOUNT rows each, the size of a real month
    // partition (the synthetic month's 1,000,000 rows in ONE partition would measure Azurite's
    // slow large-partition batches rather than ours).
    const store = new TableStore(storage, `spend${Date.now().toString(36)}`);
    await store.ensureTables();
    const costRows = new CostRowStore(store);
    const sample: FocusCostRow[] = [];
    for await (const page of azure.dailyCost(
      { tenantId: DEMO_TENANT_ID, scope: azureScope },
      { from: month.start, to: addDays(month.end, -1) },
    )) {
      sample.push(
        ...normalizeAzureQuery(page, {
          billingAccountId: AZURE_SUBSCRIPTIONS.synthetic,
          subAccountId: AZURE_SUBSCRIPTIONS.synthetic,
          costType: 'ActualCost',
        }),
      );
      if (sample.length >= STORE_SAMPLE_ROWS) break;
    }
    sample.length = Math.min(sample.length, STORE_SAMPLE_ROWS);
    const accounts = Array.from({ length: Math.ceil(sample.length / STORE_ROWS_PER_ACCOUNT) }, (_, i) => {
      const id = `synthetic-account-${i}`;
      const rowsOf = sample
        .slice(i * STORE_ROWS_PER_ACCOUNT, (i + 1) * STORE_ROWS_PER_ACCOUNT)
        .map((r) => ({ ...r, BillingAccountId: id, SubAccountId: id }));
      return {
        owner: { connectionId: `azure:subscriptions/${id}`, provider: 'Microsoft' as const, billingAccountId: id, subAccountId: id },
        rows: rowsOf,
      };
    });
    const writeAll = async () => {
      const total = { written: 0, unchanged: 0, transactions: 0 };
      for (const { owner, rows: accountRows } of accounts) {
        const counts = await costRows.replaceDays(DEMO_TENANT_ID, owner, { from: month.start, to: month.end }, accountRows);
        total.written += counts.written;
        total.unchanged += counts.unchanged;
        total.transactions += counts.transactions;
      }
      return total;
    };
    const tStore = performance.now();
    const written = await writeAll();
    const storeMs = performance.now() - tStore;
    const tRerun = performance.now();
    const rerun = await writeAll();
    const rerunMs = performance.now() - tRerun;

    const rowsPerSecond = rows / (ownMs / 1000);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const storeRate = written.written / (storeMs / 1000);
    const minimum = pages.azure + pages.aws;
    const callsMade = made.azure + made.aws;
    const details = {
      rows,
      azurePages: pages.azure,
      awsPages: pages.aws,
      apiCalls: callsMade,
      minimumCalls: minimum,
      callsEqualMinimum: callsMade === minimum,
      ownCpuSeconds: round(ownMs / 1000, 2),
      emulatorWaitSeconds: round(waitMs / 1000, 2),
      wallSeconds: round(totalMs / 1000, 2),
      rowsPerSecondExcludingEmulator: Math.round(rowsPerSecond),
      rowsPerSecondEndToEnd: Math.round(rows / (totalMs / 1000)),
      transactionBatches: planner.batches,
      budgetsEvaluated: evaluations.length,
      budgetEvaluationMs: round(evalMs, 1),
      storeSampleRows: written.written,
      storeSampleAccounts: accounts.length,
      storeTransactions: written.transactions,
      storeRowsPerSecond: Math.round(storeRate),
      storeAllRowsEstimateSeconds: Math.round(rows / storeRate),
      resyncSampleUnchanged: rerun.unchanged,
      resyncSampleWritten: rerun.written,
      resyncSampleSeconds: round(rerunMs / 1000, 2),
      rssAtStartMb: Math.round(rssStart / 1048576),
      peakRssAfterIngestMb: peakAfterIngestMb,
      rssGrowthMb: Math.round((process.memoryUsage().rss - rssStart) / 1048576),
      peakRssMb: Math.round(peakRssMb),
    };
    return {
      scenario: `spend: ${rows.toLocaleString('en-US')} cost rows, ${evaluations.length} budgets`,
      figures: {
        turns: rows,
        seconds: ownMs / 1000,
        turnsPerSecond: rowsPerSecond,
        p50Ms: 0,
        p99Ms: 0,
        errors: callsMade === minimum ? 0 : callsMade - minimum,
      },
      goal: '≥ 100,000 rows/s excl. emulator, RSS < 300 MB, calls = minimum',
      notes:
        `${Math.round(rowsPerSecond).toLocaleString('en-US')} rows/s excluding emulator (${Math.round(rows / (totalMs / 1000)).toLocaleString('en-US')} end to end); ` +
        `API calls ${callsMade} = minimum ${minimum} (${pages.azure} Azure + ${pages.aws} AWS pages); peak RSS ${Math.round(peakRssMb)} MB; ` +
        `Azurite store measured on ${written.written.toLocaleString('en-US')} rows (${accounts.length} accounts × ${STORE_ROWS_PER_ACCOUNT}): ${Math.round(storeRate).toLocaleString('en-US')} rows/s (re-sync of them: ${rerun.written} written)`,
      details,
    };
  } finally {
    await sandbox.stop();
  }
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

// Run by bench/spend.ts: storage from the environment, the result as the last stdout line.
if (process.argv[1]?.endsWith('spend-ingest.ts')) {
  const connectionString = process.env.BENCH_STORAGE_CONNECTION_STRING ?? '';
  exitOnInterrupt();
  spendScenario({ kind: 'connection-string', connectionString }).then(
    (row) => {
      process.stdout.write(`${JSON.stringify(row)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error('spend bench failed:', error);
      process.exit(1);
    },
  );
}
