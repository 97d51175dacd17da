// The scheduler every instance runs: each feature's jobs on their cron patterns, one
// instance per window (a table lease). A caller may name the jobs to tick (tests leave the
// ones they run by hand, with a chosen `now`, off the clock).
import { Scheduler, type ScheduledJob } from '../jobs/scheduler.js';
import { Leases } from '../storage/leases.js';
import type { Platform } from './platform.js';

export function startScheduler(
  p: Pick<Platform, 'store' | 'instanceName' | 'log' | 'clock'>,
  jobs: ScheduledJob[],
  only?: readonly string[],
): Scheduler {
  const unknown = only?.filter((name) => !jobs.some((job) => job.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(`scheduledJobs: no job named ${unknown.join(', ')} (known: ${jobs.map((job) => job.name).join(', ')})`);
  const scheduler = new Scheduler(new Leases(p.store, p.instanceName), p.log, p.clock);
  for (const job of jobs) if (!only || only.includes(job.name)) scheduler.add(job);
  return scheduler;
}
