// Marketplace: the tenant's API token (sealed), its agreements and their PO numbers. A 401
// anywhere marks the connection "needs attention" and tells the admins once.
import { ConnectorError, type HealthCheck, type MarketplaceAgreementInfo } from '../../connectors/ports.js';
import { validateMarketplaceToken, validatePurchaseOrderNumber } from '../../domain/marketplace.js';
import type { Connection } from '../../storage/connections.js';
import {
  ConnectionModule,
  MARKETPLACE,
  ONLY_ADMINS,
  stateOf,
  type Admin,
  type ConnectionRow,
  type ConnectionServiceDeps,
  type Outcome,
} from './base.js';

export class MarketplaceConnection extends ConnectionModule {
  constructor(
    d: ConnectionServiceDeps,
    /** The health check that records its verdict (ConnectionHealth.checkOne). */
    private readonly checkOne: (connection: Connection) => Promise<Connection>,
  ) {
    super(d);
  }

  async row(tenantId: string, connection: Connection | undefined): Promise<ConnectionRow> {
    const fallback = !connection && Boolean(this.d.sandboxMarketplaceTokens?.[tenantId]);
    let agreements: MarketplaceAgreementInfo[] = [];
    if (connection?.state === 'connected' || fallback) {
      agreements = await this.d.marketplace!.listAgreements(tenantId).catch(async (error: unknown) => {
        await this.noteMarketplaceFailure(tenantId, error);
        return [];
      });
    }
    return { id: MARKETPLACE, kind: 'marketplace', title: 'Marketplace', ...stateOf(connection), agreements, sandboxFallback: fallback };
  }

  /** Stores the tenant's Marketplace API token (sealed) and checks it by listing agreements. */
  async connectMarketplace(actor: Admin, tokenText: unknown): Promise<Outcome<Connection>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS, reason: 'forbidden' };
    if (!this.d.marketplace)
      return { ok: false, message: 'Marketplace connections are not available in this installation.', reason: 'invalid' };
    const valid = validateMarketplaceToken(tokenText);
    if (!valid.ok) return { ok: false, message: valid.message, reason: 'invalid' };
    const now = this.d.clock().toISOString();
    // Saved first: the connector reads the token through marketplaceToken(), then the check records its verdict.
    const saved = await this.d.connections.save(
      {
        tenantId: actor.tenantId,
        id: MARKETPLACE,
        kind: 'marketplace',
        label: `token …${valid.value.slice(-4)}`,
        state: 'connected',
        details: { tokenHint: `…${valid.value.slice(-4)}` },
        connectedAt: now,
        connectedBy: actor.aadObjectId,
      },
      valid.value,
    );
    const connection = await this.checkOne(saved);
    await this.auditAs(actor.tenantId, actor.aadObjectId, 'connection.marketplace.connected', MARKETPLACE, {
      tokenHint: saved.details.tokenHint,
      healthy: connection.state === 'connected',
    });
    return {
      ok: true,
      value: connection,
      message:
        connection.state === 'connected'
          ? 'Marketplace is connected: the token can list your agreements.'
          : `The Marketplace token was stored, but it does not work: ${connection.problem?.problem ?? ''} ${connection.problem?.fix ?? ''}`.trim(),
    };
  }

  /**
   * The API token for the marketplace connector: the tenant's connection, or (sandbox mode
   * only, when the tenant has no connection) the emulator's seeded token.
   */
  async marketplaceToken(tenantId: string): Promise<string | undefined> {
    const found = await this.d.connections.getWithSecret(tenantId, MARKETPLACE);
    return found ? found.secret : this.d.sandboxMarketplaceTokens?.[tenantId];
  }

  /** Tenants whose marketplace can be reached (connected, or the sandbox's seeded ones). */
  async marketplaceTenants(): Promise<string[]> {
    const tenants = new Set(Object.keys(this.d.sandboxMarketplaceTokens ?? {}));
    for await (const connection of this.d.connections.allOfKind('marketplace')) tenants.add(connection.tenantId);
    return [...tenants];
  }

  /** Sets (or clears, with '') the PO number ("Additional ID") of one agreement. */
  async setPurchaseOrderNumber(actor: Admin, agreementId: string, poText: unknown): Promise<Outcome<MarketplaceAgreementInfo>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS, reason: 'forbidden' };
    if (!this.d.marketplace)
      return { ok: false, message: 'Marketplace connections are not available in this installation.', reason: 'invalid' };
    const valid = validatePurchaseOrderNumber(poText);
    if (!valid.ok) return { ok: false, message: valid.message, reason: 'invalid', fields: { purchaseOrderNumber: valid.message } };
    let before: MarketplaceAgreementInfo | undefined;
    try {
      before = (await this.d.marketplace.listAgreements(actor.tenantId)).find((a) => a.id === agreementId);
      if (!before)
        return {
          ok: false,
          message: 'That agreement is not in your Marketplace account any more. Type "connect" for the current list.',
          reason: 'not-found',
        };
      const after = await this.d.marketplace.setPurchaseOrderNumber(actor.tenantId, agreementId, valid.value);
      await this.auditAs(
        actor.tenantId,
        actor.aadObjectId,
        'marketplace.po-number',
        agreementId,
        { purchaseOrderNumber: after.purchaseOrderNumber ?? '' },
        { purchaseOrderNumber: before.purchaseOrderNumber ?? '' },
      );
      return {
        ok: true,
        value: after,
        message: valid.value
          ? `PO number ${valid.value} is set on ${after.name}; the next orders under it carry it.`
          : `The PO number of ${after.name} is cleared.`,
      };
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      await this.noteMarketplaceFailure(actor.tenantId, error);
      return { ok: false, message: `The Marketplace did not take the PO number: ${error.message}`, reason: 'invalid' };
    }
  }

  /**
   * Called wherever a marketplace call failed: a 401 (the token expired or was revoked)
   * marks the tenant's Marketplace connection "needs attention", with the fix, and tells
   * the admins once per connection.
   */
  async noteMarketplaceFailure(tenantId: string, error: unknown, now = this.d.clock()): Promise<void> {
    if (!(error instanceof ConnectorError) || error.details.code !== 'token-expired') return;
    const problem = {
      code: 'token-expired',
      problem: 'The Marketplace API token expired or was revoked.',
      fix: 'Create a new token in the Marketplace portal, then type connect and enter it under Marketplace.',
    };
    await this.markRefused(tenantId, MARKETPLACE, problem, { stops: 'Marketplace orders stop until it is fixed.', now });
  }

  health(connection: Connection): Promise<HealthCheck> {
    if (!this.d.marketplace)
      return Promise.resolve({
        ok: false,
        code: 'unavailable',
        problem: 'Marketplace connections are not available in this installation.',
        fix: 'Ask the operator of Quartermaster.',
      });
    return this.d.marketplace.checkHealth(connection.tenantId);
  }
}
