// `npm run bench -- billing`: runs bench/billing-reconcile.ts in a process of its own (the
// emulators in a third one), so that the peak RSS it reports is reconciliation's alone.
import type { BillingRow } from './billing-reconcile.js';
import { runBenchScript } from './child.js';

export function billingScenario(): Promise<BillingRow> {
  return runBenchScript<BillingRow>('billing-reconcile.ts', 'billing');
}
