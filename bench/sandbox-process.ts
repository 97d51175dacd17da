// The sandbox emulators (Graph, Partner Center, login, Cost Management, Cost Explorer, STS,
// Marketplace) in a child process of the bench. In production these services are remote, so
// their work must not share the bot's event loop or count as Quartermaster's CPU and memory
// (Azurite runs in its own process for the same reason).
//
// Run as a child: reads its settings from stdin (the bench seed's size can be thousands of
// users), prints the endpoints as one JSON line, then serves until SIGTERM, or until the
// bench is gone (its IPC channel closes), so that an interrupted bench leaves no emulators.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { SandboxEndpoints } from '../src/connectors/index.js';
import type { Day } from '../src/domain/spend/periods.js';
import { projectRoot } from '../src/paths.js';
import { startSandbox, type SandboxOptions } from '../src/sandbox/index.js';
import { benchSeed } from './bench-seed.js';

/** What the child is started with: sandbox options without a seed, and how many bench colleagues to add to the demo directory. */
export interface SandboxProcessSettings {
  options?: Omit<SandboxOptions, 'seed'>;
  benchUsers?: number;
}

export type SandboxProcess = SandboxEndpoints & { aws: NonNullable<SandboxEndpoints['aws']>; today: Day; stop(): Promise<void> };

/** Starts this file as a child process and reads the endpoints it prints. */
export async function startSandboxProcess(settings: SandboxProcessSettings = {}): Promise<SandboxProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', join(projectRoot, 'bench', 'sandbox-process.ts')], { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
  // Pipes asked for above: present (the types lose them with the 'ipc' entry).
  const [stdin, stdout, stderr] = [child.stdin!, child.stdout!, child.stderr!];
  let errors = '';
  stderr.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
  // The channel only tells the child when the bench is gone; it must not keep the bench alive.
  child.channel?.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stdin.end(JSON.stringify(settings));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    lines.once('line', (text) => resolve(text));
    child.once('exit', (code) => reject(new Error(`the bench sandbox stopped (${String(code)}): ${errors.slice(-500)}`)));
  });
  return {
    ...(JSON.parse(line) as Omit<SandboxProcess, 'stop'>),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function serve(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const settings = JSON.parse(input || '{}') as SandboxProcessSettings;
  const sandbox = await startSandbox({ ...settings.options, ...(settings.benchUsers !== undefined && { seed: benchSeed(settings.benchUsers) }) });
  const stop = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
  const endpoints: Omit<SandboxProcess, 'stop'> = {
    urls: sandbox.urls,
    app: sandbox.app,
    partnerTenantId: sandbox.partnerTenantId,
    marketplaceTokens: sandbox.marketplaceTokens,
    aws: { baseIdentity: sandbox.aws.baseIdentity },
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
