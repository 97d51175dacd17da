// Scheduled jobs that run once per window across any number of instances: every instance
// ticks on the same cron pattern (croner), and only the one that takes the window's
// table lease does the work. A crashed holder's lease expires; the next tick retries.
import { systemClock, type Clock } from '../clock.js';
import { Cron } from 'croner';
import type { Logger } from '../logger.js';
import { withCorrelation } from '../correlation.js';
import type { Leases } from '../storage/leases.js';

export interface ScheduledJob {
  name: string;
  /** Cron pattern, UTC. */
  pattern: string;
  /** How long one run may take before another instance may take over. */
  leaseMs: number;
  run(now: Date): Promise<void>;
}

export class Scheduler {
  private readonly crons: Cron[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly leases: Leases,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  add(job: ScheduledJob): void {
    this.crons.push(new Cron(job.pattern, { timezone: 'UTC', protect: true }, () => this.track(this.runWindow(job, this.clock()))));
  }

  /**
   * Runs the job for the window containing `now`, if no instance has run it yet; a run ends
   * with one "job" log line (the instance that did not get the lease writes none).
   */
  runWindow(job: ScheduledJob, now: Date): Promise<boolean> {
    return withCorrelation(async (scope) => {
      const window = now.toISOString().slice(0, 16); // one window per minute tick
      if (!(await this.leases.acquire(job.name, window, job.leaseMs, now))) return false;
      const started = performance.now();
      let outcome = 'failed';
      try {
        await job.run(now);
        await this.leases.complete(job.name, window);
        outcome = 'done';
        return true;
      } catch (error) {
        this.log.error({ err: error, job: job.name, window }, 'scheduled job failed');
        return false;
      } finally {
        this.log.info({ job: job.name, jobId: scope.id, window, outcome, durationMs: Math.round(performance.now() - started) }, 'job');
      }
    });
  }

  async stop(): Promise<void> {
    for (const cron of this.crons) cron.stop();
    await Promise.allSettled([...this.running]);
  }

  private track(run: Promise<unknown>): void {
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
  }
}
