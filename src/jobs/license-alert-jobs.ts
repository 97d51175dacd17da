// The license alert schedules (UTC). Each runs under the scheduler's table lease, so with any
// number of instances one of them does a window's work.
import type { Logger } from '../logger.js';
import type { ReclaimService } from '../services/reclaim.js';
import type { RenewalAlertService } from '../services/renewal-alerts.js';
import type { RenewalDecreaseService } from '../services/renewal-decreases.js';
import type { SeatWatchService } from '../services/seat-watch.js';
import type { ScheduledJob } from './scheduler.js';

export function licenseAlertJobs(d: {
  reclaim: ReclaimService;
  renewals: RenewalAlertService;
  seats: SeatWatchService;
  /** Auto-decrease at renewal (license settings). */
  renewalDecreases?: RenewalDecreaseService;
  log: Logger;
}): ScheduledJob[] {
  return [
    // Mondays 06:00: one reclaim card per managed tenant.
    {
      name: 'reclaim',
      pattern: '0 6 * * 1',
      leaseMs: 30 * 60_000,
      run: async (now) => void d.log.info(await d.reclaim.run(now), 'reclaim cards sent'),
    },
    // Daily 07:00: renewals within 30 days with unused seats (the ledger sends each once).
    {
      name: 'renewal-alerts',
      pattern: '0 7 * * *',
      leaseMs: 30 * 60_000,
      run: async (now) => void d.log.info(await d.renewals.run(now), 'renewal alerts sent'),
    },
    // Hourly at :05: seat states, a card per change.
    {
      name: 'seat-alerts',
      pattern: '5 * * * *',
      leaseMs: 20 * 60_000,
      run: async (now) => void d.log.info(await d.seats.run(now), 'seat alerts sent'),
    },
    // Daily 06:30, before the renewal alerts: auto-decrease schedules answer those alerts.
    ...(d.renewalDecreases ? [renewalDecreaseJob(d.renewalDecreases, d.log)] : []),
  ];
}

function renewalDecreaseJob(renewalDecreases: RenewalDecreaseService, log: Logger): ScheduledJob {
  return {
    name: 'renewal-decreases',
    pattern: '30 6 * * *',
    leaseMs: 30 * 60_000,
    run: async (now) => void log.info(await renewalDecreases.run(now), 'auto-decreases at renewal scheduled'),
  };
}
