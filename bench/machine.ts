// How fast the machine is while the bench runs: the same fixed piece of CPU work, timed.
// Shared machines change speed from one minute to the next (6 December 2026: the spend ingest
// measured 146,416 rows/s, then 97,087–103,906 a few hours later on the same code, then 142,923;
// this yardstick read 186, 117 and 92 ms within fifteen seconds), so a figure that moved says
// little until this one says whether the machine moved with it.
// The work runs in a fresh process each time: timed inside the bench process it measured that
// process's heap as much as the machine (103 ms before a billing run, 119 ms after it, 92 ms in a
// process of its own).
import { loadavg } from 'node:os';
import { runBenchScript, runIfEntry } from './child.js';

/** Short strings built and hashed, numbers mixed: JIT-compiled work with a small, steady heap. */
const STEPS = 10_000_000;

/** Where the work's result goes, so that none of it can be left out. */
let sink = 0;

/** The yardstick's work, once. */
function fixedWork(): void {
  let hash = 0;
  for (let i = 0; i < STEPS; i++) {
    const key = `row-${i % 9973}`;
    hash = (hash * 31 + key.charCodeAt(key.length - 1) + Math.round(Math.sqrt(i))) | 0;
  }
  sink ^= hash;
}

/**
 * Milliseconds the fixed work takes once compiled: the best of eight, after three runs that let
 * the JIT compile it (the machine's speed rather than a moment's contention).
 */
function timeFixedWork(): number {
  for (let run = 0; run < 3; run++) fixedWork();
  let best = Infinity;
  for (let run = 0; run < 8; run++) {
    const started = performance.now();
    fixedWork();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** The yardstick, measured in a process of its own. */
export async function yardstickMs(): Promise<number> {
  return (await runBenchScript<{ ms: number }>('machine.ts', 'machine yardstick')).ms;
}

/** The one-minute load average (other work on the machine), to one decimal. */
export function loadAverage(): string {
  return loadavg()[0]!.toFixed(1);
}

runIfEntry('machine.ts', async () => console.log(JSON.stringify({ ms: timeFixedWork() })));
