// The seams between spend sync (cost rows in, sync alerts) and what users see of spend
// (reports, budgets, anomalies, channel alerts). Two modules meet here; each side may
// only rely on what is written below.
import type { FocusCostRow, ProviderName } from '../domain/spend/focus.js';
import type { Day } from '../domain/spend/periods.js';

/** Which stored cost rows to read. `to` is exclusive. */
export interface CostRowQuery {
  from: Day;
  to: Day;
  provider?: ProviderName;
  /** Azure subscription id / AWS linked account id. */
  subAccountId?: string;
}

/** Reads the daily cost rows the sync stored (FOCUS-named, decimal strings). */
export interface CostRowReader {
  rows(tenantId: string, query: CostRowQuery): Promise<FocusCostRow[]>;
  /** The last complete sync per connection of the tenant (for "data as of" and staleness). */
  freshness(
    tenantId: string,
  ): Promise<{ connectionId: string; provider: ProviderName; subAccountId: string; syncedAt: string; lastCompleteDay?: Day }[]>;
  /** The provider's own forecast for one account from its last sync (AWS GetCostForecast), when it gave one. */
  providerForecast?(tenantId: string, provider: ProviderName, subAccountId: string): Promise<ProviderForecast | undefined>;
}

/** A provider's forecast of the spend in [from, to). */
export interface ProviderForecast {
  from: Day;
  to: Day;
  amount: string;
  currency: string;
}

export interface SyncReport {
  tenantId: string;
  connections: {
    connectionId: string;
    provider: ProviderName;
    ok: boolean;
    /** API calls made (each AWS page costs money) and the minimum the pages required. */
    calls: number;
    minimumCalls: number;
    rowsWritten: number;
    rowsUnchanged: number;
    /** Plain words when it failed (the connection's health advice). */
    problem?: string;
    /** True when another instance held this connection's sync lease: nothing was done here. */
    skipped?: boolean;
  }[];
}

/** What runs after new rows land: budgets and anomalies are evaluated on the new data. */
export interface SpendEvaluator {
  afterSync(tenantId: string, now: Date): Promise<void>;
}

/** The sync, as `sync now` and the daily job call it. */
export interface SpendSync {
  /** Syncs every cost connection of the tenant (the lease makes it once per connection per day unless forced). */
  syncTenant(tenantId: string, options: { now?: Date; force?: boolean }): Promise<SyncReport>;
}

/**
 * The provider forecast that applies to a budget: AWS's own, for a monthly budget on exactly
 * one AWS account (no service or tag filter, which GetCostForecast was not asked for).
 */
export async function providerForecastFor(
  reader: CostRowReader,
  tenantId: string,
  budget: { period: string; scope: { provider?: ProviderName; subAccountId?: string; serviceName?: string; tag?: unknown } },
): Promise<ProviderForecast | undefined> {
  const { scope } = budget;
  if (
    budget.period !== 'month' ||
    scope.provider !== 'AWS' ||
    !scope.subAccountId ||
    scope.serviceName ||
    scope.tag ||
    !reader.providerForecast
  )
    return undefined;
  return reader.providerForecast(tenantId, 'AWS', scope.subAccountId);
}
