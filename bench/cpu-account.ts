// Where a scenario's CPU goes: each process's CPU time (from /proc) over the scenario's
// slices, per turn. The ratio to the echo bot is a throughput on a shared 2-core machine, so a
// turn's cost in every process beside the bot (Azurite, the emulators, the load generator)
// counts against it too: this says which.

type CpuSource = () => number | undefined;

export class CpuAccount {
  private readonly spent = new Map<string, { turns: number; ms: Map<string, number> }>();

  constructor(private readonly sources: Record<string, CpuSource>) {}

  /** Runs `slice` (of `turns` turns) and adds each process's CPU over it to `scenario`. */
  async measure(scenario: string, turns: number, slice: () => Promise<void>): Promise<void> {
    const before = this.read();
    await slice();
    const after = this.read();
    const account = this.spent.get(scenario) ?? { turns: 0, ms: new Map<string, number>() };
    account.turns += turns;
    for (const [name, ms] of after) {
      const start = before.get(name);
      if (start !== undefined) account.ms.set(name, (account.ms.get(name) ?? 0) + ms - start);
    }
    this.spent.set(scenario, account);
  }

  /** "bot 3.40 ms, azurite 2.10 ms, … (all 7.2 ms)": the processes that spent anything, per turn. */
  perTurn(scenario: string): string {
    const account = this.spent.get(scenario);
    if (!account || account.turns === 0) return 'not measured';
    const shares = [...account.ms].filter(([, ms]) => ms > 0).map(([name, ms]) => [name, ms / account.turns] as const);
    const all = shares.reduce((sum, [, ms]) => sum + ms, 0);
    return `${shares.map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`).join(', ')} (all ${all.toFixed(2)} ms)`;
  }

  private read(): Map<string, number> {
    const now = new Map<string, number>();
    for (const [name, source] of Object.entries(this.sources)) {
      const ms = source();
      if (ms !== undefined) now.set(name, ms);
    }
    return now;
  }
}

/** The sum of figures that may be missing (undefined if any is). */
export function sumOf(figures: readonly (number | undefined)[]): number | undefined {
  let sum = 0;
  for (const figure of figures) {
    if (figure === undefined) return undefined;
    sum += figure;
  }
  return sum;
}
