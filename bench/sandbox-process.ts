// The sandbox emulators (Graph, Partner Center, login, Cost Management, Cost Explorer, STS,
// Marketplace) in a child process of the bench. In production these services are remote, so
// their work must not share the bot's event loop or count as Quartermaster's CPU and memory
// (Azurite runs in its own process for the same reason).
//
// Run as a child (through ChildProcesses, as local mode runs Azurite: stopped with the bench,
// and killed if the bench exits without stopping it): takes its settings as its argument (the
// bench's directory is built from a count, not passed), prints the endpoints as one JSON
// line, then serves until SIGTERM.
import { join } from 'node:path';
import type { SandboxEndpoints } from '../src/connectors/index.js';
import type { Day } from '../src/domain/spend/periods.js';
import { ChildProcesses, waitUntilReady } from '../src/local/child-processes.js';
import { createLogger } from '../src/logger.js';
import { projectRoot } from '../src/paths.js';
import { startSandbox, type SandboxOptions } from '../src/sandbox/index.js';
import { testClock } from '../test/harness/clock.js';
import { benchSeed } from './bench-seed.js';
import { cpuMsOf } from './child.js';

/** What the child is started with: sandbox options without a seed, and how many bench colleagues to add to the demo directory. */
export interface SandboxProcessSettings {
  options?: Omit<SandboxOptions, 'seed'>;
  benchUsers?: number;
}

export type SandboxProcess = SandboxEndpoints & {
  aws: NonNullable<SandboxEndpoints['aws']>;
  today: Day;
  /** The emulators' CPU time so far, in ms (a function: not part of the endpoints passed on as JSON). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
};
type Endpoints = Omit<SandboxProcess, 'stop' | 'cpuMs'>;

/** Starts this file as a child process and reads the endpoints it prints. */
export async function startSandboxProcess(settings: SandboxProcessSettings = {}): Promise<SandboxProcess> {
  const children = new ChildProcesses(createLogger('silent'));
  const child = children.start(
    'bench sandbox',
    process.execPath,
    ['--import', 'tsx', '--no-deprecation', join(projectRoot, 'bench', 'sandbox-process.ts'), JSON.stringify(settings)],
    { cwd: projectRoot },
  );
  let endpoints: Endpoints | undefined;
  try {
    await waitUntilReady(child, async () => Boolean((endpoints = endpointsIn(child.output()))), 60_000);
  } catch (error) {
    await children.stopAll();
    throw error;
  }
  const pid = child.process.pid!;
  return { ...endpoints!, cpuMs: () => cpuMsOf(pid), stop: () => children.stopAll() };
}

function endpointsIn(output: string): Endpoints | undefined {
  const line = output.split('\n').find((text) => text.startsWith('{"urls"'));
  return line ? (JSON.parse(line) as Endpoints) : undefined;
}

async function serve(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as SandboxProcessSettings;
  const sandbox = await startSandbox({
    // The bots the bench starts run on the test clock (BotHarness): the sandbox's data (price
    // sheet dates, subscription terms, cost days) must be of the same calendar.
    clock: testClock,
    ...settings.options,
    ...(settings.benchUsers !== undefined && { seed: benchSeed(settings.benchUsers) }),
  });
  const stop = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const endpoints: Endpoints = {
    urls: sandbox.urls,
    app: sandbox.app,
    partnerTenantId: sandbox.partnerTenantId,
    marketplaceTokens: sandbox.marketplaceTokens,
    priceListCsv: sandbox.priceListCsv,
    aws: { baseIdentity: sandbox.aws.baseIdentity },
    billing: { urls: sandbox.billing.urls },
    today: sandbox.azureCosts.today,
  };
  process.stdout.write(`${JSON.stringify(endpoints)}\n`);
}

if (process.argv[1]?.endsWith('sandbox-process.ts')) {
  serve().catch((error: unknown) => {
    console.error('bench sandbox failed:', error);
    process.exit(1);
  });
}
