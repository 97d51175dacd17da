// The start options that replace environment checks: chosen timings go over production's,
// and a scheduled job named wrongly stops start-up instead of silently never running.
import { describe, expect, it } from 'vitest';
import { startScheduler } from '../../src/composition/schedule.js';
import { PRODUCTION_TIMINGS, timingsWith } from '../../src/composition/timings.js';
import type { ScheduledJob } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { TableStore } from '../../src/storage/table-store.js';
import { testClock } from '../harness/clock.js';

describe('start options', () => {
  it('runs on production timings unless a caller chooses some', () => {
    expect(timingsWith()).toEqual(PRODUCTION_TIMINGS);
    const chosen = timingsWith({ queueIdlePollMs: 100, outbox: { claimMs: 25_000 } });
    expect(chosen.queueIdlePollMs).toBe(100);
    expect(chosen.outbox).toEqual({ ...PRODUCTION_TIMINGS.outbox, claimMs: 25_000 });
    expect(chosen.marketplace).toEqual(PRODUCTION_TIMINGS.marketplace);
  });

  it('refuses to start with a scheduled job name that no feature has', () => {
    const job: ScheduledJob = { name: 'request-reminders', pattern: '*/15 * * * *', leaseMs: 60_000, run: async () => {} };
    const platform = {
      // Never reached: the names are checked before anything is scheduled.
      store: new TableStore({ kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' }, 'tunused', testClock),
      instanceName: 'test',
      log: createLogger('silent'),
      clock: testClock,
    };
    expect(() => startScheduler(platform, [job], ['request-reminders', 'stalled-aprovals'])).toThrow(
      'scheduledJobs: no job named stalled-aprovals (known: request-reminders)',
    );
  });
});
