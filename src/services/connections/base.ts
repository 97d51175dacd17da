// What every connection module shares: the dependencies, the shapes the connect card and
// the callbacks answer with, and the helpers that save, audit and tell without repeating.
import type { Clock } from '../../clock.js';
import type { HealthCheck, MarketplaceAgreementInfo, MarketplacePort, SignedInAgent, TokenCacheStore } from '../../connectors/ports.js';
import type { ConsentPage } from '../../domain/consent.js';
import type { Actor } from '../../domain/roles.js';
import type { Outcome } from '../outcome.js';
import { costProviderInfo, isCostProviderId } from '../../domain/spend/providers/index.js';
import type { Logger } from '../../logger.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { AlertLedger } from '../../storage/alert-ledger.js';
import type { AuditLog } from '../../storage/audit-log.js';
import type { Connection, ConnectionKind, ConnectionProblem, ConnectionRepository, NewConnection } from '../../storage/connections.js';
import type { ConsentPurpose, ConsentStates } from '../../storage/consent-states.js';
import { ConcurrencyError } from '../../storage/errors.js';
import type { CostProviderRegistry } from '../cost-providers/index.js';
import type { RoleService } from '../roles.js';

export const MICROSOFT_365 = 'microsoft365';
export const PARTNER_CENTER = 'partner-center';
export const MARKETPLACE = 'marketplace';

export type Admin = Actor;

/** The identity platform, as this service needs it (src/connectors/identity implements it). */
export interface ConnectionIdentity {
  /** The app admins consent to (Graph application permissions). */
  graphClientId: string;
  /** Login host browsers are sent to: Microsoft's, or the sandbox's loopback emulator. */
  browserAuthorityHost: string;
  /** Confirms consent by asking for an app-only token for `tenantId`. */
  confirmAdminConsent(tenantId: string): Promise<HealthCheck>;
  /**
   * Agent sign-in. `partnerTenantId` names the partner tenant the agent signs in to (partner
   * mode: each partner its own); absent, the deployment's default (PARTNER_CENTER_TENANT_ID).
   */
  partnerCenter: {
    signInUrl(request: { redirectUri: string; state: string; partnerTenantId?: string }): Promise<{ url: string; codeVerifier: string }>;
    completeSignIn(
      request: { code: string; codeVerifier: string; redirectUri: string; partnerTenantId?: string },
      cache: TokenCacheStore,
    ): Promise<SignedInAgent>;
    /** With forceRefresh the refresh token is redeemed and the rotated one written to `cache`. */
    accessToken(
      homeAccountId: string,
      cache: TokenCacheStore,
      options?: { forceRefresh?: boolean; partnerTenantId?: string },
    ): Promise<string>;
  };
  /** True for errors that only a new interactive sign-in can cure (AADSTS700082 and kin). */
  isReconsentRequired(error: unknown): boolean;
}

/** Teams side: a card or message to one admin, and alert cards to all admins of a tenant. */
export interface ConnectionNotices {
  tellAdmin(tenantId: string, adminObjectId: string, notice: ConnectionNotice): Promise<void>;
  alertAdmins(tenantId: string, notice: ConnectionNotice): Promise<number>;
}

export interface ConnectionNotice {
  outcome: 'connected' | 'failed' | 'needs-sign-in' | 'expiring';
  title: string;
  message: string;
  connection?: Connection;
}

export interface ConnectionServiceDeps {
  /** The calendar. */
  clock: Clock;
  connections: ConnectionRepository;
  states: ConsentStates;
  secrets: SecretBox;
  audit: AuditLog;
  roles: RoleService;
  ledger: AlertLedger;
  identity: ConnectionIdentity;
  /** The cloud cost providers of this installation (Azure scopes, AWS accounts, ...). */
  costProviders: CostProviderRegistry;
  /** Marketplace Platform (when configured): health check, agreements and their PO numbers. */
  marketplace?: MarketplacePort;
  /**
   * Sandbox mode only: the emulator's seeded token per tenant, used while a tenant has no
   * Marketplace connection, so a fresh `npm start` shows marketplace products at once.
   */
  sandboxMarketplaceTokens?: Record<string, string>;
  notices: ConnectionNotices;
  /**
   * A read on Partner Center with the tenant's agent token, on the API purchases use: the
   * health check runs it so that "connected" means a purchase will be let in.
   */
  partnerCenterProbe?: (tenantId: string) => Promise<void>;
  /**
   * A read a Partner Center account makes of itself (its customer list) with an agent token: the
   * health check of a tenant signed in to its own account (a partner, or an indirect reseller,
   * which may not read its customers' subscriptions: its provider manages them).
   */
  partnerAccountProbe?: (agentToken: string) => Promise<void>;
  /**
   * Local mode: the connectors talk to the sandbox, which forgets its sign-ins when npm start
   * restarts; the first connect card of each process checks a stored Partner Center sign-in
   * again, and the card offers the sandbox sign-in even when a connection exists.
   */
  localSandbox?: boolean;
  /** Local mode: the sandbox's Azure subscriptions and AWS keys that work, shown under the connect card's fields. */
  sandboxHints?: { azure: string; aws: string };
  /** Base URL browsers reach the bot on; the callback is {publicUrl}/api/consent/callback. */
  publicUrl(): string;
  log: Logger;
}

export type { Outcome };

/** One row of the connect card. */
export interface ConnectionRow {
  id: string;
  kind: ConnectionKind;
  title: string;
  state: 'not-connected' | Connection['state'];
  connection?: Connection;
  /** Sign-in or consent link for this admin (single-use, 10 minutes). */
  signInUrl?: string;
  sandboxSignInUrl?: string;
  /** Local mode: offer the sandbox sign-in even over an existing connection (the sandbox forgets sign-ins at restart). */
  offerSandboxSignIn?: boolean;
  /** Marketplace: the agreements with their PO numbers (empty when they could not be read). */
  agreements?: MarketplaceAgreementInfo[];
  /** Microsoft 365: no connection stored, yet Graph accepts the app (consent given outside Quartermaster, or local mode's demo tenant). */
  consentOutside?: boolean;
  /** Marketplace: no connection of its own, the sandbox's demo token is in use. */
  sandboxFallback?: boolean;
}

export interface ConnectionOverview {
  tenantId: string;
  rows: ConnectionRow[];
  /** Suggested external id for a new AWS role (the admin puts it in the role's trust policy). */
  suggestedExternalId: string;
  linksExpireAt: string;
  /** When the overview was read (the card says "checked 2 h ago" from it). */
  asOf: string;
  /** Local mode: what to type to try Azure and AWS (the sandbox's values). */
  hints?: { azure: string; aws: string };
}

export const ONLY_ADMINS = 'Only admins can see or change connections. Type **help** to see the commands you can use.';

/** The helpers every connection module uses; each module is one kind of connection. */
export abstract class ConnectionModule {
  constructor(protected readonly d: ConnectionServiceDeps) {}

  callbackUrl(): string {
    return `${this.d.publicUrl()}/api/consent/callback`;
  }

  protected async saveChecked(
    base: Pick<NewConnection, 'tenantId' | 'id' | 'kind' | 'label' | 'details'>,
    actor: { aadObjectId: string },
    check: HealthCheck,
    secret?: string,
  ): Promise<Connection> {
    const now = this.d.clock().toISOString();
    return this.d.connections.save(
      {
        ...base,
        state: check.ok ? 'connected' : 'needs-attention',
        connectedAt: now,
        connectedBy: actor.aadObjectId,
        lastCheckedAt: now,
        ...(check.ok ? { lastUsedAt: now } : { problem: problemOf(check) }),
      },
      secret,
    );
  }

  protected async updateQuietly(
    connection: Connection,
    change: Parameters<ConnectionRepository['update']>[1],
  ): Promise<Connection | undefined> {
    // Read again: the token cache write above moved the ETag on.
    const current = await this.d.connections.get(connection.tenantId, connection.id);
    if (!current) return undefined;
    try {
      return await this.d.connections.update(current, change);
    } catch (error) {
      if (error instanceof ConcurrencyError) return current;
      throw error;
    }
  }

  /**
   * A vendor refused a call made for the tenant, wherever it was made (a purchase, a list, a
   * license assignment): a working connection needs attention, with the fix on the connect card,
   * and its admins are told once per connection and `alertCode`. `stops` says what stops.
   */
  protected async markRefused(
    tenantId: string,
    id: string,
    problem: ConnectionProblem,
    { stops, alertCode = problem.code, now }: { stops: string; alertCode?: string; now: Date },
  ): Promise<void> {
    const connection = await this.d.connections.get(tenantId, id);
    if (!connection || connection.state !== 'connected') return;
    const updated = await this.updateQuietly(connection, { state: 'needs-attention', problem, lastCheckedAt: now.toISOString() });
    await this.auditAs(
      tenantId,
      'system',
      `connection.${connection.kind}.broken`,
      id,
      { state: 'needs-attention', code: problem.code },
      { state: connection.state },
    );
    if (await this.d.ledger.claim(tenantId, 'connection-broken', `${id}|${connection.connectedAt}|${alertCode}`, {}, now)) {
      await this.d.notices.alertAdmins(tenantId, {
        outcome: 'failed',
        title: `${titleOf(connection)} needs attention`,
        message: `${problem.problem} ${stops} What to do: ${problem.fix}`,
        connection: updated ?? connection,
      });
    }
  }

  protected async issueState(actor: Admin, purpose: ConsentPurpose, payload?: string) {
    return this.d.states.issue({ tenantId: actor.tenantId, adminObjectId: actor.aadObjectId, purpose, ...(payload ? { payload } : {}) });
  }

  protected async tell(tenantId: string, adminObjectId: string, notice: ConnectionNotice): Promise<void> {
    try {
      await this.d.notices.tellAdmin(tenantId, adminObjectId, notice);
    } catch (error) {
      this.d.log.warn({ err: error, tenantId }, 'could not tell the admin about a connection');
    }
  }

  protected async auditAs(
    tenantId: string,
    actorId: string,
    action: string,
    target: string,
    after?: unknown,
    before?: unknown,
  ): Promise<void> {
    await this.d.audit.record({
      tenantId,
      actorId,
      action,
      target,
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    });
  }
}

export function stateOf(connection: Connection | undefined): Pick<ConnectionRow, 'state'> & { connection?: Connection } {
  return connection ? { state: connection.state, connection } : { state: 'not-connected' };
}

export function problemOf(check: Extract<HealthCheck, { ok: false }>): ConnectionProblem {
  return { code: check.code, problem: check.problem, fix: check.fix };
}

/** A connection as cards and alerts name it. */
export function titleOf(connection: Connection): string {
  if (isCostProviderId(connection.kind)) return costProviderInfo(connection.kind).connectionTitle(connection.label);
  switch (connection.kind) {
    case 'microsoft365':
      return 'Microsoft 365';
    case 'partner-center':
      return 'Partner Center';
    case 'marketplace':
      return 'Marketplace';
  }
}

export function failurePage(title: string, message: string): ConsentPage {
  return { outcome: 'failed', title, message };
}
