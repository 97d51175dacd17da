// Azure Cost Management as a cost provider: a connection is one scope (a subscription or a
// billing account) read with Quartermaster's app (Cost Management Reader on the scope).
// ActualCost → BilledCost, one month per query (one QPU each); AmortizedCost → EffectiveCost
// doubles the QPU cost, so it is opt-in (`effectiveCost`); without it EffectiveCost stays empty.
import { healthAdvice, toConnectorError } from '../../connectors/azure-cost/azure-cost-errors.js';
import { parseAzureScope } from '../../connectors/azure-cost/scope.js';
import type { AzureCostPort, HealthCheck, Price } from '../../connectors/ports.js';
import type { FocusCostRow } from '../../domain/spend/focus.js';
import { addDays } from '../../domain/spend/periods.js';
import { AZURE_INFO, normalizeAzureQuery } from '../../domain/spend/providers/azure.js';
import { parseTagKey } from '../../domain/spend/providers/tag-key.js';
import type { CostConnection, CostProvider, DailyCostRows, ParsedConnectionInput, SyncFailure } from './provider.js';

export interface AzureCostProviderOptions {
  port: AzureCostPort;
  /** Named in "how to fix" advice (the app to give Cost Management Reader). */
  clientId?: string;
  /** Also query AmortizedCost (→ EffectiveCost): a second QPU per month. Default off. */
  effectiveCost?: boolean;
}

export class AzureCostProvider implements CostProvider {
  readonly info = AZURE_INFO;

  constructor(private readonly o: AzureCostProviderOptions) {}

  parseInput(fields: Readonly<Record<string, unknown>>): ParsedConnectionInput {
    const parsed = parseAzureScope(typeof fields.scope === 'string' ? fields.scope : '');
    if (!parsed.ok) return { ok: false, message: parsed.message, fields: { scope: parsed.message } };
    const tag = parseTagKey(fields.tagKey);
    if (!tag.ok) return { ...tag, fields: { tagKey: tag.message } };
    const { scope } = parsed;
    return {
      ok: true,
      value: { id: `azure:${scope}`, label: scope, details: { scope, ...(tag.tagKey ? { tagKey: tag.tagKey } : {}) }, audit: { scope } },
    };
  }

  checkHealth(connection: Pick<CostConnection, 'tenantId' | 'details'>): Promise<HealthCheck> {
    return this.o.port.checkHealth({ tenantId: connection.tenantId, scope: connection.details.scope ?? '' });
  }

  async fetchDaily(connection: CostConnection, window: { from: string; to: string }): Promise<DailyCostRows> {
    const azure = this.o.port;
    const owner = this.info.owner(connection);
    const callsBefore = azure.calls;
    const rows: FocusCostRow[] = [];
    let pages = 0;
    // Grouped by a tag too when the admin named one for this connection (budgets by tag need it).
    const tagKey = connection.details.tagKey || undefined;
    const costTypes = this.o.effectiveCost ? (['ActualCost', 'AmortizedCost'] as const) : (['ActualCost'] as const);
    for (const costType of costTypes) {
      // The connector splits the window into one query per month and follows each nextLink.
      for await (const page of azure.dailyCost(
        { tenantId: connection.tenantId, scope: connection.details.scope ?? '' },
        { from: window.from, to: addDays(window.to, -1) },
        { costType, ...(tagKey ? { tagKey } : {}) },
      )) {
        pages++;
        for (const row of normalizeAzureQuery(page, { ...owner, costType, ...(tagKey ? { tagKey } : {}) })) rows.push(row);
      }
    }
    return { rows, pages, calls: azure.calls - callsBefore, estimatedDays: [] };
  }

  /** Cost Management's forecast is a separate query against the same QPU quota: not asked. */
  async forecast(): Promise<Price | undefined> {
    return undefined;
  }

  adviceFor(error: unknown, connection: CostConnection): SyncFailure {
    const failure = toConnectorError(error);
    return {
      transient: failure.transient,
      advice: healthAdvice(failure, {
        tenantId: connection.tenantId,
        scope: connection.details.scope ?? '',
        clientId: this.o.clientId ?? "Quartermaster's app",
      }),
    };
  }
}
