// Cloud cost connections (an Azure scope, an AWS account, ...): whatever the provider, the
// card's fields are parsed by the provider (nothing stored or sent when they are wrong), a
// one-day query checks them, and the connection is stored with its verdict and audited.
import type { HealthCheck } from '../../connectors/ports.js';
import { COST_PROVIDER_IDS } from '../../domain/spend/providers/index.js';
import type { Connection } from '../../storage/connections.js';
import { ConnectionModule, ONLY_ADMINS, stateOf, titleOf, type Admin, type ConnectionRow, type Outcome } from './base.js';

export class CostConnections extends ConnectionModule {
  /** Adds (or replaces) the connection the card's `fields` describe for provider `providerId`. */
  async add(actor: Admin, providerId: string, fields: Readonly<Record<string, unknown>>): Promise<Outcome<Connection>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS, reason: 'forbidden' };
    const found = this.d.costProviders.lookup(providerId);
    if (!found.ok) return { ok: false, message: found.message, reason: 'invalid' };
    const { provider } = found;
    const parsed = provider.parseInput(fields);
    if (!parsed.ok) return { ok: false, message: parsed.message, reason: 'invalid', ...(parsed.fields && { fields: parsed.fields }) };
    const draft = parsed.value;
    const check = await provider.checkHealth({ tenantId: actor.tenantId, id: draft.id, details: draft.details }, draft.secret);
    const connection = await this.saveChecked(
      { tenantId: actor.tenantId, id: draft.id, kind: provider.info.id, label: draft.label, details: draft.details },
      actor,
      check,
      draft.secret,
    );
    await this.auditAs(actor.tenantId, actor.aadObjectId, `connection.${provider.info.id}.added`, connection.id, {
      ...draft.audit,
      healthy: check.ok,
    });
    const title = provider.info.connectionTitle(draft.label);
    return {
      ok: true,
      value: connection,
      message: check.ok
        ? `${title} is connected: a one-day cost query worked.`
        : `${title} was added, but it does not work yet: ${check.problem} ${check.fix}`,
    };
  }

  /** The connect card's rows of the tenant's cost connections, provider by provider. */
  rows(connections: readonly Connection[]): ConnectionRow[] {
    return COST_PROVIDER_IDS.flatMap((kind) =>
      connections.filter((c) => c.kind === kind).map((c) => ({ id: c.id, kind: c.kind, title: titleOf(c), ...stateOf(c) })),
    );
  }

  async health(connection: Connection): Promise<HealthCheck> {
    const found = this.d.costProviders.lookup(connection.kind);
    if (!found.ok) return { ok: false, code: 'unavailable', problem: found.message, fix: 'Ask the operator of Quartermaster.' };
    return found.provider.checkHealth(connection);
  }
}
