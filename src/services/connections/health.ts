// Health of every kind of connection: on request (Check), daily for every tenant (one alert
// per problem), and after a change. Each kind's module says how its health is checked.
import type { HealthCheck } from '../../connectors/ports.js';
import { COST_PROVIDER_IDS } from '../../domain/spend/providers/index.js';
import type { Connection, ConnectionKind } from '../../storage/connections.js';
import { ConcurrencyError } from '../../storage/errors.js';
import { ConnectionModule, ONLY_ADMINS, problemOf, titleOf, type Admin, type ConnectionServiceDeps, type Outcome } from './base.js';

/** What a check of every stored connection found: the tenants checked, and the connections that do not work. */
export interface RecheckSummary {
  checked: number;
  tenants: string[];
  failing: { tenantId: string; title: string; problem: string; fix: string }[];
}

/** How one kind of connection checks its health. */
export type HealthChecker = (connection: Connection) => Promise<HealthCheck>;

export class ConnectionHealth extends ConnectionModule {
  constructor(
    d: ConnectionServiceDeps,
    private readonly checkers: (kind: ConnectionKind) => HealthChecker,
  ) {
    super(d);
  }

  /** Runs the health check of one connection (or all of the tenant's) and records the result. */
  async check(actor: Admin, id?: string): Promise<Outcome<Connection[]>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS, reason: 'forbidden' };
    const all = await this.d.connections.list(actor.tenantId);
    const targets = id ? all.filter((c) => c.id === id) : all;
    if (id && targets.length === 0)
      return { ok: false, message: 'That connection no longer exists. Type "connect" for the current list.', reason: 'not-found' };
    const checked: Connection[] = [];
    for (const connection of targets) checked.push(await this.checkOne(connection));
    const broken = checked.filter((c) => c.state !== 'connected').length;
    return {
      ok: true,
      value: checked,
      message: checkedMessage(checked.length, broken),
    };
  }

  /**
   * The daily health check of every connection in every tenant. A connection that stops
   * working is audited and its admins get one alert card per problem (the fix included).
   */
  async checkAll(now = this.d.clock()): Promise<{ checked: number; broken: number }> {
    const result = { checked: 0, broken: 0 };
    for (const kind of ['microsoft365', 'partner-center', ...COST_PROVIDER_IDS, 'marketplace'] as const) {
      for await (const connection of this.d.connections.allOfKind(kind)) {
        const checked = await this.checkOne(connection);
        result.checked++;
        if (checked.state === 'connected' || !checked.problem) continue;
        result.broken++;
        if (
          await this.d.ledger.claim(
            connection.tenantId,
            'connection-broken',
            `${connection.id}|${connection.connectedAt}|${checked.problem.code}`,
            {},
            now,
          )
        ) {
          await this.d.notices.alertAdmins(connection.tenantId, {
            outcome: checked.state === 'expired' ? 'needs-sign-in' : 'failed',
            title: `${titleOf(connection)} needs attention`,
            message: `${checked.problem.problem} What to do: ${checked.problem.fix}`,
            connection: checked,
          });
        }
      }
    }
    return result;
  }

  /**
   * Every stored connection of every tenant checked now (no alerts): what start-up in local
   * mode runs against its freshly started sandbox. Says how many were checked and which do
   * not work, each with its fix.
   */
  async recheckEverything(): Promise<RecheckSummary> {
    const summary: RecheckSummary = { checked: 0, tenants: [], failing: [] };
    for (const kind of ['microsoft365', 'partner-center', ...COST_PROVIDER_IDS, 'marketplace'] as const) {
      for await (const connection of this.d.connections.allOfKind(kind)) {
        const checked = await this.checkOne(connection);
        summary.checked++;
        if (!summary.tenants.includes(connection.tenantId)) summary.tenants.push(connection.tenantId);
        if (checked.state === 'connected') continue;
        summary.failing.push({
          tenantId: connection.tenantId,
          title: titleOf(connection),
          problem: checked.problem?.problem ?? 'It does not work.',
          fix: checked.problem?.fix ?? 'Type connect and choose Check.',
        });
      }
    }
    return summary;
  }

  async checkOne(connection: Connection): Promise<Connection> {
    const check = await this.healthOf(connection);
    const now = this.d.clock().toISOString();
    if (check.ok !== (connection.state === 'connected')) {
      await this.auditAs(
        connection.tenantId,
        'system',
        `connection.${connection.kind}.${check.ok ? 'healthy' : 'broken'}`,
        connection.id,
        check.ok ? { state: 'connected' } : { code: check.code },
        { state: connection.state },
      );
    }
    try {
      return await this.d.connections.update(connection, {
        lastCheckedAt: now,
        ...(check.ok
          ? { state: 'connected' as const, problem: null, lastUsedAt: now }
          : {
              state: check.code === 'reconsent-required' ? ('expired' as const) : ('needs-attention' as const),
              problem: problemOf(check),
            }),
      });
    } catch (error) {
      // Disconnected or reconnected while the check ran: the newer row wins.
      if (error instanceof ConcurrencyError) return (await this.d.connections.get(connection.tenantId, connection.id)) ?? connection;
      throw error;
    }
  }

  private async healthOf(connection: Connection): Promise<HealthCheck> {
    try {
      return await this.checkers(connection.kind)(connection);
    } catch (error) {
      if (this.d.identity.isReconsentRequired(error))
        return {
          ok: false,
          code: 'reconsent-required',
          problem: 'The Partner Center sign-in expired (or was revoked).',
          fix: 'An agent must sign in again: choose Sign in to Partner Center.',
        };
      this.d.log.warn({ err: error, tenantId: connection.tenantId, connection: connection.id }, 'health check failed');
      return {
        ok: false,
        code: 'unreachable',
        problem: 'The service did not answer the health check.',
        fix: 'Try Check again in a few minutes.',
      };
    }
  }
}

/** "The connection works.", "All 3 connections work.", "1 of 3 connections needs attention." */
export function checkedMessage(checked: number, broken: number): string {
  if (checked === 1) return broken ? 'The connection needs attention.' : 'The connection works.';
  if (checked === 0) return 'There are no connections to check yet.';
  return broken ? `${broken} of ${checked} connections need${broken === 1 ? 's' : ''} attention.` : `All ${checked} connections work.`;
}
