// `npm run bench -- spend`: runs bench/spend-ingest.ts in a process of its own (the emulators
// in a third one), so that the peak RSS it reports is the ingest's alone, not that of the
// bot, the load generator and every module the other scenarios load.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import type { SpendRow } from './spend-ingest.js';

export type { SpendRow };

export async function spendScenario(storage: { kind: 'connection-string'; connectionString: string }): Promise<SpendRow> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', join(projectRoot, 'bench', 'spend-ingest.ts')], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_STORAGE_CONNECTION_STRING: storage.connectionString },
  });
  let out = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`the spend bench failed (exit ${String(code)}): ${errors.slice(-1000)}`);
  return JSON.parse(last) as SpendRow;
}
