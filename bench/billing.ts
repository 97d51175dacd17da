// `npm run bench -- billing`: runs bench/billing-reconcile.ts in a process of its own (the
// emulators in a third one), so that the peak RSS it reports is reconciliation's alone.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import type { BillingRow } from './billing-reconcile.js';

export async function billingScenario(): Promise<BillingRow> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', join(projectRoot, 'bench', 'billing-reconcile.ts')], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => void (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`the billing bench failed (exit ${String(code)}): ${errors.slice(-1000)}`);
  return JSON.parse(last) as BillingRow;
}
