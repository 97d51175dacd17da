// A part of the bench in a process of its own (the bot, the echo bot, a delivery instance),
// as in production: its CPU and memory are its own, and measured as such. The child prints
// one line `{"ready": …}` when it serves, then runs until SIGTERM; its resident memory is read
// from /proc (Linux), now and at its peak.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildProcesses, waitUntilReady } from '../src/local/child-processes.js';
import { createLogger } from '../src/logger.js';
import { projectRoot } from '../src/paths.js';

export interface BenchChild<R> {
  ready: R;
  pid: number;
  /** Resident memory now and at its peak, in MB (undefined where /proc is not there). */
  memory(): { rssMb: number; peakRssMb: number } | undefined;
  /** The child's own account of its memory (process.memoryUsage(), in MB), asked for with SIGUSR2. */
  heap(): Promise<{ rss: number; heapUsed: number; heapTotal: number; external: number } | undefined>;
  /** CPU time it has used so far (user + system), in ms (undefined where /proc is not there). */
  cpuMs(): number | undefined;
  /** The last lines it printed. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `bench/<file>` with `settings` (JSON) as its argument and waits for its ready line. */
export async function startBenchChild<R>(name: string, file: string, settings: unknown, timeoutMs = 60_000): Promise<BenchChild<R>> {
  const children = new ChildProcesses(createLogger('silent'));
  const child = children.start(
    name,
    process.execPath,
    [
      // BENCH_CPU_PROF=<directory>: each child writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      // The heap's figures are taken after a full collection: what is kept, not garbage not yet swept.
      '--expose-gc',
      '--import',
      'tsx',
      '--no-deprecation',
      join(projectRoot, 'bench', file),
      JSON.stringify(settings),
    ],
    { cwd: projectRoot },
  );
  let ready: R | undefined;
  const readyIn = (output: string) => {
    const line = output.split('\n').find((text) => text.startsWith('{"ready"'));
    return line ? (JSON.parse(line) as { ready: R }).ready : undefined;
  };
  try {
    await waitUntilReady(child, async () => (ready = readyIn(child.output())) !== undefined, timeoutMs);
  } catch (error) {
    await children.stopAll();
    throw error;
  }
  const pid = child.process.pid!;
  return {
    ready: ready!,
    pid,
    memory: () => memoryOf(pid),
    heap: async () => {
      const before = child
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{"heap"')).length;
      child.process.kill('SIGUSR2');
      for (let i = 0; i < 50; i++) {
        const lines = child
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{"heap"'));
        if (lines.length > before)
          return (JSON.parse(lines[lines.length - 1]!) as { heap: Awaited<ReturnType<BenchChild<R>['heap']>> }).heap;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return undefined;
    },
    cpuMs: () => cpuMsOf(pid),
    output: () => child.output(),
    stop: () => children.stopAll(),
  };
}

/** In the child: says it is ready, and stops cleanly on SIGTERM / SIGINT. */
export function serveAsChild(ready: unknown, stop: () => Promise<void>): void {
  const exit = () =>
    void stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  // The bench asks for the heap's figures (what the resident memory is made of) with SIGUSR2.
  process.on('SIGUSR2', () => {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    const heap = { rss: mb(usage.rss), heapUsed: mb(usage.heapUsed), heapTotal: mb(usage.heapTotal), external: mb(usage.external) };
    process.stdout.write(`${JSON.stringify({ heap })}\n`);
  });
  process.stdout.write(`${JSON.stringify({ ready })}\n`);
}

/** The child's settings (its first argument). */
export function childSettings<S>(): S {
  return JSON.parse(process.argv[2] ?? '{}') as S;
}

/** CPU time process `pid` has used so far (user + system), in ms; undefined where /proc is not there. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the command in parentheses): utime and stime, in clock ticks (100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the child is idle (under 5 % of a core over a quarter second), at most `timeoutMs`:
 * work a warm-up left behind (references being stored) is not measured as the next scenario's.
 */
export async function untilIdle(child: BenchChild<unknown>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const first = child.cpuMs();
  if (first === undefined) return;
  let last: number = first;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now: number = child.cpuMs() ?? last;
    if (now - last < 0.05 * 250) return;
    last = now;
  }
}

function memoryOf(pid: number): { rssMb: number; peakRssMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Runs `main` when this file is the process's entry point. */
export function runIfEntry(file: string, main: () => Promise<void>): void {
  if (!process.argv[1]?.endsWith(file)) return;
  main().catch((error: unknown) => {
    console.error(`${file} failed:`, error);
    process.exit(1);
  });
}

/**
 * Runs `bench/<file>` to its end in a process of its own (its peak RSS is then its own) and
 * answers the JSON object it printed last; `what` names it in the error when it fails.
 */
export async function runBenchScript<R>(file: string, what: string, env: NodeJS.ProcessEnv = process.env): Promise<R> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', join(projectRoot, 'bench', file)], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`the ${what} bench failed (exit ${String(code)}): ${errors.slice(-1000)}`);
  return JSON.parse(last) as R;
}
