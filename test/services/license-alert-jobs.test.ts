// The alert jobs on their schedules and leases: when each runs (UTC), and one run per window
// however many instances tick at once.
import { testClock } from '../harness/clock.js';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { licenseAlertJobs } from '../../src/jobs/license-alert-jobs.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { Leases } from '../../src/storage/leases.js';
import { DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { alertServicesPerTest } from './fixture.js';

const f = alertServicesPerTest();
const jobsOf = (instance: ReturnType<typeof f.secondInstance>) => licenseAlertJobs({ ...instance, log: f.connectors.log });
const next = (pattern: string, after: string) => new Cron(pattern, { timezone: 'UTC' }).nextRun(new Date(after))!.toISOString();

describe('license alert jobs', () => {
  it('run reclaim on Mondays at 06:00, renewals daily at 07:00, seats hourly, in UTC', () => {
    const byName = Object.fromEntries(jobsOf(f.secondInstance()).map((j) => [j.name, j.pattern]));
    expect(next(byName.reclaim!, '2026-03-04T12:00:00Z')).toBe('2026-03-09T06:00:00.000Z'); // a Wednesday → next Monday
    expect(next(byName['renewal-alerts']!, '2026-03-04T07:00:00Z')).toBe('2026-03-05T07:00:00.000Z');
    expect(next(byName['seat-alerts']!, '2026-03-04T07:10:00Z')).toBe('2026-03-04T08:05:00.000Z');
  });

  it('do a window once across three instances ticking together', async () => {
    const now = testClock();
    const instances = ['i1', 'i2', 'i3'].map((name) => ({
      scheduler: new Scheduler(new Leases(f.store, name), f.connectors.log),
      jobs: jobsOf(f.secondInstance()),
    }));
    for (const name of ['reclaim', 'renewal-alerts', 'seat-alerts']) {
      const ran = await Promise.all(
        instances.map((i) =>
          i.scheduler.runWindow(
            i.jobs.find((j) => j.name === name)!,
            now,
          ),
        ),
      );
      expect(ran.filter(Boolean), name).toHaveLength(1);
    }
    expect(f.alerts.reclaims.map((r) => r.tenantId)).toEqual([DEMO_TENANT_ID]);
    expect(f.alerts.renewals).toHaveLength(3); // E3 and Power BI Pro of the demo tenant, Fabrikam's Power BI Pro
    expect(f.alerts.seatChanges.filter((c) => c.tenantId === DEMO_TENANT_ID).map((c) => c.skuPartNumber)).toEqual(['VISIOCLIENT']);
  });
});
