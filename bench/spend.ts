// `npm run bench -- spend`: runs bench/spend-ingest.ts in a process of its own (the emulators
// in a third one), so that the peak RSS it reports is the ingest's alone, not that of the
// bot, the load generator and every module the other scenarios load.
import { runBenchScript } from './child.js';
import type { SpendRow } from './spend-ingest.js';

export type { SpendRow };

export function spendScenario(storage: { kind: 'connection-string'; connectionString: string }): Promise<SpendRow> {
  return runBenchScript<SpendRow>('spend-ingest.ts', 'spend', {
    ...process.env,
    BENCH_STORAGE_CONNECTION_STRING: storage.connectionString,
  });
}
