// Connections and consent (admins): Microsoft 365 admin consent, Partner Center app+user
// sign-in, the Marketplace API token, and cloud cost connections (one per Azure scope, AWS
// account, ... through the cost provider registry), each with a health check whose failures
// say how to fix them. Every change is audited without secret values.
//
// This is the one door the bot, the server and the jobs use; each kind of connection lives in
// its own module under ./connections/ (the browser's return in consent-callback.ts).
import { randomBytes } from 'node:crypto';
import type { ConsentPage } from '../domain/consent.js';
import type { AwsAccountInput } from '../domain/spend/providers/aws-account.js';
import type { ConnectionKind, Connection } from '../storage/connections.js';
import type { MarketplaceAgreementInfo } from '../connectors/ports.js';
import {
  ConnectionModule,
  MARKETPLACE,
  MICROSOFT_365,
  ONLY_ADMINS,
  PARTNER_CENTER,
  stateOf,
  titleOf,
  type Admin,
  type ConnectionOverview,
  type ConnectionRow,
  type ConnectionServiceDeps,
  type Outcome,
} from './connections/base.js';
import { ConsentCallback } from './connections/consent-callback.js';
import { CostConnections } from './connections/cost.js';
import { ConnectionHealth, type HealthChecker, type RecheckSummary } from './connections/health.js';
import { MarketplaceConnection } from './connections/marketplace.js';
import { Microsoft365Connection } from './connections/microsoft365.js';
import { PartnerCenterConnection } from './connections/partner-center.js';

export {
  MARKETPLACE,
  MICROSOFT_365,
  PARTNER_CENTER,
  type ConnectionIdentity,
  type ConnectionNotice,
  type ConnectionNotices,
  type ConnectionOverview,
  type ConnectionRow,
  type ConnectionServiceDeps,
  type Outcome,
} from './connections/base.js';
export { TOKEN_KEEPER_INTERVAL_MS } from './connections/partner-center.js';
export type { SignedInAgent, TokenCacheStore } from '../connectors/ports.js';
/** The stored connection as the connect card shows it. */
export type { Connection };
/** What anyone but an admin is told by every connection action. */
export { ONLY_ADMINS as ONLY_ADMINS_CONNECTIONS } from './connections/base.js';

export class ConnectionService extends ConnectionModule {
  private readonly m365: Microsoft365Connection;
  private readonly partnerCenter: PartnerCenterConnection;
  private readonly marketplace: MarketplaceConnection;
  private readonly cost: CostConnections;
  private readonly health: ConnectionHealth;
  private readonly callback: ConsentCallback;
  private readonly recheckedTenants = new Set<string>();

  constructor(d: ConnectionServiceDeps) {
    super(d);
    this.m365 = new Microsoft365Connection(d);
    this.partnerCenter = new PartnerCenterConnection(d);
    this.cost = new CostConnections(d);
    this.marketplace = new MarketplaceConnection(d, (connection) => this.health.checkOne(connection));
    const checkers: Record<'microsoft365' | 'partner-center' | 'marketplace', HealthChecker> = {
      microsoft365: (c) => this.m365.health(c),
      'partner-center': (c) => this.partnerCenter.health(c),
      marketplace: (c) => this.marketplace.health(c),
    };
    this.health = new ConnectionHealth(d, (kind: ConnectionKind) =>
      kind in checkers ? checkers[kind as keyof typeof checkers] : (c) => this.cost.health(c),
    );
    this.callback = new ConsentCallback(d, this.m365, this.partnerCenter);
  }

  /** Everything the connect card shows, with fresh single-use sign-in links for `actor`. */
  async overview(actor: Admin): Promise<Outcome<ConnectionOverview>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS, reason: 'forbidden' };
    const connections = await this.d.connections.list(actor.tenantId);
    const byId = new Map(connections.map((c) => [c.id, c]));
    await this.recheckSandboxSignIn(actor.tenantId, byId);
    const consent = await this.m365.consentLink(actor);
    const production = await this.partnerCenter.signInLink(actor, 'production');
    const sandbox = await this.partnerCenter.signInLink(actor, 'sandbox');
    const rows: ConnectionRow[] = [
      {
        id: MICROSOFT_365,
        kind: 'microsoft365',
        title: 'Microsoft 365',
        ...(await this.m365.rowState(actor.tenantId, byId.get(MICROSOFT_365))),
        signInUrl: consent.url,
      },
      {
        id: PARTNER_CENTER,
        kind: 'partner-center',
        title: 'Partner Center',
        ...stateOf(byId.get(PARTNER_CENTER)),
        signInUrl: production,
        sandboxSignInUrl: sandbox,
        ...(this.d.localSandbox ? { offerSandboxSignIn: true } : {}),
      },
      ...(this.d.marketplace ? [await this.marketplace.row(actor.tenantId, byId.get(MARKETPLACE))] : []),
      ...this.cost.rows(connections),
    ];
    return {
      ok: true,
      message: '',
      value: {
        tenantId: actor.tenantId,
        rows,
        suggestedExternalId: `qm-${randomBytes(12).toString('hex')}`,
        linksExpireAt: consent.expiresAt.toISOString(),
        asOf: this.d.clock().toISOString(),
        ...(this.d.sandboxHints ? { hints: this.d.sandboxHints } : {}),
      },
    };
  }

  /**
   * Local mode: a stored Partner Center sign-in may belong to a sandbox that has since restarted
   * (and forgotten it). The first connect card of each process checks it as a purchase would, so the card says "needs attention" with the fix instead of
   * "connected".
   */
  private async recheckSandboxSignIn(tenantId: string, byId: Map<string, Connection>): Promise<void> {
    if (!this.d.localSandbox || this.recheckedTenants.has(tenantId)) return;
    this.recheckedTenants.add(tenantId);
    const stored = byId.get(PARTNER_CENTER);
    if (stored?.state !== 'connected') return;
    byId.set(PARTNER_CENTER, await this.health.checkOne(stored));
  }

  /** The browser's return from consent or sign-in: a small page; nothing changes unless every check passes. */
  handleCallback(query: URLSearchParams): Promise<{ status: number; page: ConsentPage }> {
    return this.callback.handleCallback(query);
  }

  // ---- cloud cost connections ----------------------------------------------------------

  /** A cost connection of provider `providerId` from the connect card's fields (the provider parses them). */
  addCostConnection(actor: Admin, providerId: string, fields: Readonly<Record<string, unknown>>): Promise<Outcome<Connection>> {
    return this.cost.add(actor, providerId, fields);
  }

  /** The connect card's "Add Azure scope" verb. */
  addAzureScope(actor: Admin, scope: unknown, tagKey?: unknown): Promise<Outcome<Connection>> {
    return this.addCostConnection(actor, 'azure', { scope, tagKey });
  }

  /** The connect card's "Add AWS account" verb. */
  addAwsAccount(actor: Admin, input: AwsAccountInput & { tagKey?: unknown }): Promise<Outcome<Connection>> {
    return this.addCostConnection(actor, 'aws', { ...input });
  }

  // ---- Marketplace ---------------------------------------------------------------------

  connectMarketplace(actor: Admin, tokenText: unknown): Promise<Outcome<Connection>> {
    return this.marketplace.connectMarketplace(actor, tokenText);
  }

  marketplaceToken(tenantId: string): Promise<string | undefined> {
    return this.marketplace.marketplaceToken(tenantId);
  }

  marketplaceTenants(): Promise<string[]> {
    return this.marketplace.marketplaceTenants();
  }

  setPurchaseOrderNumber(actor: Admin, agreementId: string, poText: unknown): Promise<Outcome<MarketplaceAgreementInfo>> {
    return this.marketplace.setPurchaseOrderNumber(actor, agreementId, poText);
  }

  noteMarketplaceFailure(tenantId: string, error: unknown, now = this.d.clock()): Promise<void> {
    return this.marketplace.noteMarketplaceFailure(tenantId, error, now);
  }

  // ---- Partner Center ------------------------------------------------------------------

  partnerCenterToken(tenantId: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    return this.partnerCenter.partnerCenterToken(tenantId, options);
  }

  /** Partner Center refused a call with the tenant's agent token: the connection needs attention. */
  notePartnerCenterRefusal(tenantId: string, error: unknown): Promise<void> {
    return this.partnerCenter.notePartnerCenterRefusal(tenantId, error);
  }

  /** Graph refused the app for the tenant (401, or 403 for a missing permission): Microsoft 365 needs attention. */
  noteGraphRefusal(tenantId: string, error: unknown): Promise<void> {
    return this.m365.noteGraphRefusal(tenantId, error);
  }

  partnerCenterTokenIfConnected(tenantId: string): Promise<string | undefined> {
    return this.partnerCenter.partnerCenterTokenIfConnected(tenantId);
  }

  ownPartnerCenter(tenantId: string): ReturnType<PartnerCenterConnection['ownConnection']> {
    return this.partnerCenter.ownConnection(tenantId);
  }

  purchaseAccount(tenantId: string): Promise<string | undefined> {
    return this.partnerCenter.purchaseAccount(tenantId);
  }

  keepTokensAlive(now = this.d.clock()): Promise<{ refreshed: number; expired: number; failed: number }> {
    return this.partnerCenter.keepTokensAlive(now);
  }

  // ---- health, disconnect ---------------------------------------------------------------

  check(actor: Admin, id?: string): Promise<Outcome<Connection[]>> {
    return this.health.check(actor, id);
  }

  checkAll(now = this.d.clock()): Promise<{ checked: number; broken: number }> {
    return this.health.checkAll(now);
  }

  /**
   * Local mode, at start-up: the sandbox has just started afresh (new signing keys; no sign-ins
   * or consents of the last run), so every stored connection is checked against it at once.
   * Those it refuses are marked "needs attention" with the fix (as the connect card then shows)
   * and returned, so start-up can say which must be signed in again. Elsewhere: nothing.
   */
  async recheckAfterSandboxStart(): Promise<RecheckSummary> {
    if (!this.d.localSandbox) return { checked: 0, tenants: [], failing: [] };
    const summary = await this.health.recheckEverything();
    // Checked already: the first connect card need not check again.
    for (const tenantId of summary.tenants) this.recheckedTenants.add(tenantId);
    return summary;
  }

  checkOne(connection: Connection): Promise<Connection> {
    return this.health.checkOne(connection);
  }

  async disconnect(actor: Admin, id: string): Promise<Outcome<Connection | undefined>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS, reason: 'forbidden' };
    const existing = await this.d.connections.get(actor.tenantId, id);
    if (!existing) return { ok: true, value: undefined, message: 'That connection was already removed.' };
    await this.d.connections.remove(actor.tenantId, id);
    await this.auditAs(actor.tenantId, actor.aadObjectId, `connection.${existing.kind}.disconnected`, id, undefined, {
      label: existing.label,
      state: existing.state,
    });
    return { ok: true, value: existing, message: `${titleOf(existing)} is disconnected; its stored secrets are deleted.` };
  }

  async get(tenantId: string, id: string): Promise<Connection | undefined> {
    return this.d.connections.get(tenantId, id);
  }
}
