// Child processes that local mode starts (Azurite, the Agents Playground). Each is
// tracked so that shutdown stops them all, politely first (SIGTERM), then for sure.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logger.js';

export interface Child {
  name: string;
  /** The signal that makes it shut down cleanly (Azurite saves its data only on SIGINT). */
  stopSignal: NodeJS.Signals;
  process: ChildProcess;
  /** The last lines it printed, for a useful message when it dies. */
  output(): string;
  exited: Promise<number | null>;
}

export class ChildProcesses {
  private readonly children: Child[] = [];

  constructor(private readonly log: Logger) {
    // Last resort if this process dies without a clean shutdown: no child outlives it.
    process.once('exit', () => {
      for (const child of this.children) child.process.kill('SIGKILL');
    });
  }

  start(
    name: string,
    command: string,
    args: string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; stopSignal?: NodeJS.Signals } = {},
  ): Child {
    const process = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? globalThis.process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group: Ctrl-C in the terminal reaches only us, and we stop children
      // in order (a second SIGINT would kill Azurite while it saves).
      detached: true,
    });
    const lines: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split(/\r?\n/).filter(Boolean)) {
        lines.push(line);
        if (lines.length > 20) lines.shift();
        this.log.debug({ child: name }, line);
      }
    };
    process.stdout?.on('data', collect);
    process.stderr?.on('data', collect);
    const exited = new Promise<number | null>((resolve) => {
      process.once('exit', (code) => resolve(code));
      process.once('error', (error) => {
        lines.push(error.message);
        resolve(-1);
      });
    });
    const child: Child = { name, stopSignal: options.stopSignal ?? 'SIGTERM', process, output: () => lines.join('\n'), exited };
    this.children.push(child);
    return child;
  }

  /** Stops every child, newest first; SIGKILL for any still running after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    for (const child of this.children.splice(0).reverse()) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) continue;
      child.process.kill(child.stopSignal);
      const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
      await child.exited;
      clearTimeout(timer);
      this.log.debug({ child: child.name }, 'stopped');
    }
  }
}

/** Resolves when `probe` succeeds; rejects if the child exits first or time runs out. */
export async function waitUntilReady(child: Child, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} stopped while starting:\n${child.output() || '(no output)'}`);
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${child.name} did not answer within ${Math.round(timeoutMs / 1000)} s:\n${child.output() || '(no output)'}`);
}

/**
 * For scripts with no shutdown of their own (the bench): Ctrl-C or SIGTERM exits through
 * 'exit', where every ChildProcesses kills its children (they are detached, so the terminal's
 * signal never reaches them).
 */
export function exitOnInterrupt(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}
