// Latency and throughput figures from a list of measured durations.

export interface LoadFigures {
  turns: number;
  seconds: number;
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

/**
 * Figures for one scenario measured in several slices: the bench interleaves the slices of
 * the echo bot and of Quartermaster, so that both are measured on the same (shared, noisy)
 * machine at the same times, rather than one minute apart.
 */
export class Tally {
  private readonly latencies: number[] = [];
  private seconds = 0;
  private errors = 0;

  /**
   * Runs `jobs` with `concurrency` workers (each worker one conversation, one turn at a time,
   * like people typing) and adds every job's latency and the slice's duration.
   */
  async run<J>(jobs: readonly J[], concurrency: number, run: (job: J, worker: number) => Promise<boolean>): Promise<void> {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          const t0 = performance.now();
          const ok = await run(job, worker).catch(() => false);
          this.latencies.push(performance.now() - t0);
          if (!ok) this.errors++;
        }
      }),
    );
    this.seconds += (performance.now() - started) / 1000;
  }

  figures(): LoadFigures {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      turns: sorted.length,
      seconds: this.seconds,
      turnsPerSecond: sorted.length / this.seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      errors: this.errors,
    };
  }
}

/** One slice: `jobs` run with `concurrency` workers, and its figures. */
export async function runLoad<J>(
  jobs: readonly J[],
  concurrency: number,
  run: (job: J, worker: number) => Promise<boolean>,
): Promise<LoadFigures> {
  const tally = new Tally();
  await tally.run(jobs, concurrency, run);
  return tally.figures();
}
