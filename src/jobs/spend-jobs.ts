// The spend sync schedule (UTC). It ticks hourly, but each connection syncs once a day: its
// own lease (`spend-sync|<connection>` for the day) is completed on success, so later ticks
// skip it, while a failed sync gives the lease back and is retried on the next tick.
import { COST_PROVIDER_IDS } from '../domain/spend/providers/index.js';
import type { Logger } from '../logger.js';
import type { SpendSync } from '../services/spend-contracts.js';
import type { ConnectionRepository } from '../storage/connections.js';
import type { ScheduledJob } from './scheduler.js';

/** Every tenant with at least one cloud cost connection (any provider). */
export async function tenantsWithCostConnections(connections: Pick<ConnectionRepository, 'allOfKind'>): Promise<string[]> {
  const tenants = new Set<string>();
  for (const kind of COST_PROVIDER_IDS) for await (const connection of connections.allOfKind(kind)) tenants.add(connection.tenantId);
  return [...tenants];
}

export function spendJobs(d: { sync: SpendSync; connections: Pick<ConnectionRepository, 'allOfKind'>; log: Logger }): ScheduledJob[] {
  return [
    {
      name: 'spend-sync',
      pattern: '37 * * * *',
      leaseMs: 50 * 60_000,
      run: async (now) => {
        for (const tenantId of await tenantsWithCostConnections(d.connections)) {
          try {
            const report = await d.sync.syncTenant(tenantId, { now });
            const ran = report.connections.filter((c) => !c.skipped);
            if (ran.length > 0)
              d.log.info(
                {
                  tenantId,
                  synced: ran.filter((c) => c.ok).length,
                  failed: ran.filter((c) => !c.ok).length,
                  calls: ran.reduce((n, c) => n + c.calls, 0),
                },
                'spend sync of a tenant done',
              );
          } catch (error) {
            // One tenant's storage trouble must not stop the others.
            d.log.error({ err: error, tenantId }, 'spend sync of a tenant failed');
          }
        }
      },
    },
  ];
}
