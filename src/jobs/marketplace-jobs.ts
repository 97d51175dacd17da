// Marketplace schedules (UTC), each under the scheduler's table lease so one instance does it.
import type { Logger } from '../logger.js';
import type { StuckOrderWatch } from '../services/stuck-orders.js';
import type { ScheduledJob } from './scheduler.js';

export function marketplaceJobs(d: { stuckOrders: StuckOrderWatch; log: Logger }): ScheduledJob[] {
  return [
    // Every 15 minutes: orders stuck in Processing (the ledger alerts each once).
    {
      name: 'marketplace-stuck-orders',
      pattern: '*/15 * * * *',
      leaseMs: 10 * 60_000,
      run: async (now) => void d.log.info(await d.stuckOrders.run(now), 'stuck marketplace orders checked'),
    },
  ];
}
