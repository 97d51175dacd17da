// `npm start` to ready: the bot in local mode as a newcomer runs it (env/.env.local: Azurite,
// the sandbox emulators, three Agents Playgrounds), on free ports and a fresh data folder,
// timed from spawning node to the "started" log line (its startupSeconds: the process's own
// uptime, node's start included). Run twice: the first run also fills tsx's compile cache.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import { freePort } from '../test/harness/ports.js';

export interface StartupFigures {
  /** Seconds from spawn to the "started" line, per run. */
  runs: number[];
}

export async function measureStartup(runs = 2): Promise<StartupFigures> {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) seconds.push(await startOnce());
  return { runs: seconds };
}

async function startOnce(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'qm-bench-start-'));
  const env = {
    ...process.env,
    ENV_FILE: 'env/.env.local',
    PORT: String(await freePort()),
    AZURITE_TABLE_PORT: String(await freePort()),
    AZURITE_QUEUE_PORT: String(await freePort()),
    AZURITE_DATA_DIR: dataDir,
    PLAYGROUND_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  };
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', 'src/main.ts'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('npm start did not get ready within 180 s')), 180_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        if (buffered.includes('"msg":"started"')) {
          clearTimeout(timer);
          resolve((performance.now() - started) / 1000);
        }
        buffered = buffered.slice(-4000);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before it was ready: ${buffered.slice(-500)}`)));
    });
  } finally {
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
