// The seams between spend sync (cost rows in, sync alerts) and what users see of spend
// (reports, budgets, anomalies, channel alerts). Two modules meet here; each side may
// only rely on what is written below.
import type { FocusCostRow, ProviderName } from '../domain/spend/focus.js';
import type { Day } from '../domain/spend/periods.js';
import { providerInfoByFocusName } from '../domain/spend/providers/index.js';

// The stored rows are read through the storage layer's reader (its shape is declared there).
import type { CostRowReader, ProviderForecast } from '../storage/cost-rows.js';
export type { CostRowQuery, CostRowReader, ProviderForecast } from '../storage/cost-rows.js';

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
 * The provider forecast that applies to a budget: the provider's own (where its sync stores
 * one: AWS), for a monthly budget on exactly one account of it (no service or tag filter,
 * which the provider's forecast was not asked for).
 */
export async function providerForecastFor(
  reader: CostRowReader,
  tenantId: string,
  budget: { period: string; scope: { provider?: ProviderName; subAccountId?: string; serviceName?: string; tag?: unknown } },
): Promise<ProviderForecast | undefined> {
  const { scope } = budget;
  if (
    budget.period !== 'month' ||
    !scope.provider ||
    !providerInfoByFocusName(scope.provider)?.ownForecast ||
    !scope.subAccountId ||
    scope.serviceName ||
    scope.tag ||
    !reader.providerForecast
  )
    return undefined;
  return reader.providerForecast(tenantId, scope.provider, scope.subAccountId);
}
