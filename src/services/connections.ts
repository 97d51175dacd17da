// Connections and consent (admins): Microsoft 365 admin consent, Partner Center app+user
// sign-in (PKCE; the refresh token sealed at rest and rotated on every use), Azure cost
// scopes and AWS accounts, each with a health check whose failures say how to fix them.
// Every change is audited without secret values. The browser side of consent and sign-in
// comes back through handleCallback(), which checks the error first, then the single-use
// state, then confirms the tenant (or redeems the code) before anything is stored.
import type { Clock } from '../clock.js';
import { randomBytes } from 'node:crypto';
import { validateAwsAccountInput, type AwsAccountInput } from '../domain/aws-account.js';
import { adminConsentUrl, consentFailurePage, parseConsentCallback, type ConsentPage } from '../domain/consent.js';
import type { Actor } from '../domain/roles.js';
import type { Logger } from '../logger.js';
import {
  ConnectorError,
  type SignedInAgent,
  type TokenCacheStore,
  type AwsCostPort,
  type AwsCredentialInput,
  type AzureCostPort,
  type HealthCheck,
  type MarketplaceAgreementInfo,
  type MarketplacePort,
} from '../connectors/ports.js';
import { validateMarketplaceToken, validatePurchaseOrderNumber } from '../domain/marketplace.js';
import { parseAzureScope } from '../connectors/azure-cost/scope.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { Connection, ConnectionKind, ConnectionProblem, ConnectionRepository, NewConnection } from '../storage/connections.js';
import type { ConsentStates, ConsumeRefusal, ConsentPurpose } from '../storage/consent-states.js';
import { ConcurrencyError } from '../storage/errors.js';
import type { AlertLedger } from '../storage/alert-ledger.js';
import type { SecretBox } from '../security/secret-box.js';
import type { RoleService } from './roles.js';
import type { Outcome } from './outcome.js';

/** The stored connection as the connect card shows it. */
export type { Connection };

export const MICROSOFT_365 = 'microsoft365';
export const PARTNER_CENTER = 'partner-center';
export const MARKETPLACE = 'marketplace';
/** Refresh well inside the 90-day inactivity limit: weekly. */
export type { SignedInAgent, TokenCacheStore };
export const TOKEN_KEEPER_INTERVAL_MS = 7 * 24 * 3600_000;
/** Warn admins when the token has not been refreshed for this long (it dies at 90 days). */
const TOKEN_WARNING_AGE_MS = 60 * 24 * 3600_000;

/** The identity platform, as this service needs it (src/connectors/identity implements it). */
export interface ConnectionIdentity {
  /** The app admins consent to (Graph application permissions). */
  graphClientId: string;
  /** Login host browsers are sent to: Microsoft's, or the sandbox's loopback emulator. */
  browserAuthorityHost: string;
  /** Confirms consent by asking for an app-only token for `tenantId`. */
  confirmAdminConsent(tenantId: string): Promise<HealthCheck>;
  partnerCenter: {
    signInUrl(request: { redirectUri: string; state: string }): Promise<{ url: string; codeVerifier: string }>;
    completeSignIn(request: { code: string; codeVerifier: string; redirectUri: string }, cache: TokenCacheStore): Promise<SignedInAgent>;
    /** With forceRefresh the refresh token is redeemed and the rotated one written to `cache`. */
    accessToken(homeAccountId: string, cache: TokenCacheStore, options?: { forceRefresh?: boolean }): Promise<string>;
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
  azureCost?: AzureCostPort;
  awsCost?: AwsCostPort;
  /** Marketplace Platform (when configured): health check, agreements and their PO numbers. */
  marketplace?: MarketplacePort;
  /**
   * Sandbox mode only: the emulator's seeded token per tenant, used while a tenant has no
   * Marketplace connection, so a fresh `npm start` shows marketplace products at once.
   */
  sandboxMarketplaceTokens?: Record<string, string>;
  notices: ConnectionNotices;
  /** Base URL browsers reach the bot on; the callback is {publicUrl}/api/consent/callback. */
  publicUrl(): string;
  log: Logger;
}

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
  /** Marketplace: the agreements with their PO numbers (empty when they could not be read). */
  agreements?: MarketplaceAgreementInfo[];
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
}

export const ONLY_ADMINS_CONNECTIONS = 'Only admins can see or change connections. Type **help** to see the commands you can use.';

export class ConnectionService {
  constructor(private readonly d: ConnectionServiceDeps) {}

  callbackUrl(): string {
    return `${this.d.publicUrl()}/api/consent/callback`;
  }

  /** Everything the connect card shows, with fresh single-use sign-in links for `actor`. */
  async overview(actor: Actor): Promise<Outcome<ConnectionOverview>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS_CONNECTIONS, reason: 'forbidden' };
    const connections = await this.d.connections.list(actor.tenantId);
    const byId = new Map(connections.map((c) => [c.id, c]));
    const consent = await this.issueState(actor, 'graph-admin-consent');
    const m365Url = adminConsentUrl({
      tenant: 'organizations',
      clientId: this.d.identity.graphClientId,
      redirectUri: this.callbackUrl(),
      state: consent.state,
      authorityHost: this.d.identity.browserAuthorityHost,
    });
    const production = await this.partnerCenterLink(actor, 'production');
    const sandbox = await this.partnerCenterLink(actor, 'sandbox');
    const rows: ConnectionRow[] = [
      { id: MICROSOFT_365, kind: 'microsoft365', title: 'Microsoft 365', ...stateOf(byId.get(MICROSOFT_365)), signInUrl: m365Url },
      {
        id: PARTNER_CENTER,
        kind: 'partner-center',
        title: 'Partner Center',
        ...stateOf(byId.get(PARTNER_CENTER)),
        signInUrl: production,
        sandboxSignInUrl: sandbox,
      },
      ...(this.d.marketplace ? [await this.marketplaceRow(actor.tenantId, byId.get(MARKETPLACE))] : []),
      ...connections.filter((c) => c.kind === 'azure').map((c) => ({ id: c.id, kind: c.kind, title: `Azure ${c.label}`, ...stateOf(c) })),
      ...connections
        .filter((c) => c.kind === 'aws')
        .map((c) => ({ id: c.id, kind: c.kind, title: `AWS account ${c.label}`, ...stateOf(c) })),
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
      },
    };
  }

  // ---- the browser's return: GET /api/consent/callback ----------------------------------

  /** Answers the browser with a small page; changes nothing unless every check passes. */
  async handleCallback(query: URLSearchParams): Promise<{ status: number; page: ConsentPage }> {
    const callback = parseConsentCallback(query);
    if (callback.kind === 'failed') {
      // The admin said no, or Microsoft refused: spend the state and tell whoever started it.
      const spent = callback.state ? await this.d.states.consume(callback.state) : undefined;
      if (spent?.ok) {
        await this.auditAs(
          spent.binding.tenantId,
          spent.binding.adminObjectId,
          `connection.${purposeTarget(spent.binding.purpose)}.refused`,
          purposeTarget(spent.binding.purpose),
          { error: callback.error, code: callback.code ?? '' },
        );
        await this.tell(spent.binding.tenantId, spent.binding.adminObjectId, {
          outcome: 'failed',
          title: callback.title,
          message: callback.advice,
        });
      }
      return { status: 400, page: consentFailurePage(callback) };
    }
    if (callback.kind === 'invalid')
      return {
        status: 400,
        page: failurePage(
          'This sign-in link cannot be used',
          `${callback.reason}. Nothing was changed. Type connect in Teams for a new link.`,
        ),
      };

    const spent = await this.d.states.consume(callback.state);
    if (!spent.ok)
      return {
        status: 400,
        page: failurePage(
          'This sign-in link cannot be used',
          `${refusalText(spent.reason)} Nothing was changed. Type connect in Teams for a new link.`,
        ),
      };
    const { binding } = spent;

    if (callback.kind === 'granted') {
      if (binding.purpose !== 'graph-admin-consent')
        return {
          status: 400,
          page: failurePage(
            'This sign-in link cannot be used',
            'The link was made for another kind of connection. Nothing was changed. Type connect in Teams for a new link.',
          ),
        };
      return this.completeAdminConsent(binding.tenantId, binding.adminObjectId, callback.tenantId);
    }
    if (binding.purpose !== 'partner-center-sign-in' || !binding.payload)
      return {
        status: 400,
        page: failurePage(
          'This sign-in link cannot be used',
          'The link was made for another kind of connection. Nothing was changed. Type connect in Teams for a new link.',
        ),
      };
    return this.completePartnerCenterSignIn(binding.tenantId, binding.adminObjectId, callback.code, binding.payload);
  }

  private async completeAdminConsent(
    tenantId: string,
    adminObjectId: string,
    consentedTenant: string,
  ): Promise<{ status: number; page: ConsentPage }> {
    if (consentedTenant.toLowerCase() !== tenantId.toLowerCase()) {
      await this.auditAs(tenantId, adminObjectId, 'connection.microsoft365.refused', MICROSOFT_365, {
        reason: 'tenant mismatch',
        consentedTenant,
      });
      const message = `Consent was given for tenant ${consentedTenant}, but your Teams tenant is ${tenantId}. Sign in with an administrator of your own tenant and try again.`;
      await this.tell(tenantId, adminObjectId, { outcome: 'failed', title: 'Microsoft 365 is not connected', message });
      return { status: 400, page: failurePage('Wrong tenant', `${message} Nothing was changed.`) };
    }
    const confirmed = await this.d.identity.confirmAdminConsent(tenantId);
    if (!confirmed.ok) {
      await this.auditAs(tenantId, adminObjectId, 'connection.microsoft365.refused', MICROSOFT_365, { code: confirmed.code });
      await this.tell(tenantId, adminObjectId, {
        outcome: 'failed',
        title: 'Microsoft 365 is not connected',
        message: `${confirmed.problem} ${confirmed.fix}`,
      });
      return { status: 400, page: failurePage('Microsoft 365 is not connected', `${confirmed.problem} ${confirmed.fix}`) };
    }
    const now = this.d.clock().toISOString();
    const connection = await this.d.connections.save({
      tenantId,
      id: MICROSOFT_365,
      kind: 'microsoft365',
      label: `tenant ${tenantId}`,
      state: 'connected',
      details: { tenantId },
      connectedAt: now,
      connectedBy: adminObjectId,
      lastCheckedAt: now,
      lastUsedAt: now,
    });
    await this.auditAs(tenantId, adminObjectId, 'connection.microsoft365.connected', MICROSOFT_365, { tenantId });
    await this.tell(tenantId, adminObjectId, {
      outcome: 'connected',
      title: 'Microsoft 365 is connected',
      message: 'Admin consent was granted and confirmed. Quartermaster can now read licenses and assign them in your tenant.',
      connection,
    });
    return {
      status: 200,
      page: {
        outcome: 'connected',
        title: 'Connected',
        message: 'Microsoft 365 is connected to Quartermaster. You can close this tab and go back to Teams.',
      },
    };
  }

  private async completePartnerCenterSignIn(
    tenantId: string,
    adminObjectId: string,
    code: string,
    payload: string,
  ): Promise<{ status: number; page: ConsentPage }> {
    const { codeVerifier, environment } = JSON.parse(this.d.secrets.open(payload, [tenantId, 'partner-center-sign-in'])) as {
      codeVerifier: string;
      environment: 'sandbox' | 'production';
    };
    // The token cache lives in memory until the connection row exists, then is sealed into it.
    let cache: string | undefined;
    const pending: TokenCacheStore = { read: async () => cache, write: async (value) => void (cache = value) };
    let agent: SignedInAgent;
    try {
      agent = await this.d.identity.partnerCenter.completeSignIn({ code, codeVerifier, redirectUri: this.callbackUrl() }, pending);
    } catch (error) {
      this.d.log.warn({ err: error, tenantId }, 'partner center sign-in could not be completed');
      const message =
        error instanceof ConnectorError && error.details.code === 'mfa_missing'
          ? error.message.replace(/^partner-center: /, '')
          : 'Microsoft did not accept the sign-in. Start again from the Connect card; sign in with an agent account (Admin agent) of your Partner Center.';
      await this.auditAs(tenantId, adminObjectId, 'connection.partner-center.refused', PARTNER_CENTER, {
        reason: 'code redemption failed',
      });
      await this.tell(tenantId, adminObjectId, { outcome: 'failed', title: 'Partner Center is not connected', message });
      return { status: 400, page: failurePage('Partner Center is not connected', message) };
    }
    if (!cache) throw new Error('partner center sign-in returned no token cache');
    const now = this.d.clock().toISOString();
    const connection = await this.d.connections.save(
      {
        tenantId,
        id: PARTNER_CENTER,
        kind: 'partner-center',
        label: agent.username,
        state: 'connected',
        environment,
        details: { homeAccountId: agent.homeAccountId, partnerTenantId: agent.tenantId, tokenRefreshedAt: now },
        connectedAt: now,
        connectedBy: adminObjectId,
        lastCheckedAt: now,
        lastUsedAt: now,
      },
      cache,
    );
    await this.auditAs(tenantId, adminObjectId, 'connection.partner-center.connected', PARTNER_CENTER, {
      agent: agent.username,
      environment,
    });
    const kind = environment === 'sandbox' ? 'the integration sandbox account (nothing is billed)' : 'the production account';
    await this.tell(tenantId, adminObjectId, {
      outcome: 'connected',
      title: 'Partner Center is connected',
      message: `Signed in as ${agent.username} to ${kind}. Quartermaster keeps the sign-in alive by itself.`,
      connection,
    });
    return {
      status: 200,
      page: {
        outcome: 'connected',
        title: 'Connected',
        message: `Partner Center is connected (${environment === 'sandbox' ? 'integration sandbox' : 'production'}). You can close this tab and go back to Teams.`,
      },
    };
  }

  // ---- Azure and AWS --------------------------------------------------------------------

  async addAzureScope(actor: Actor, scopeText: unknown, tagKeyText?: unknown): Promise<Outcome<Connection>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS_CONNECTIONS, reason: 'forbidden' };
    if (!this.d.azureCost)
      return { ok: false, message: 'Azure cost connections are not available in this installation.', reason: 'invalid' };
    const parsed = parseAzureScope(typeof scopeText === 'string' ? scopeText : '');
    if (!parsed.ok) return { ok: false, message: parsed.message, reason: 'invalid' };
    const scope = parsed.scope;
    const tag = parseTagKey(tagKeyText);
    if (!tag.ok) return { ok: false, message: tag.message, reason: 'invalid' };
    const check = await this.d.azureCost.checkHealth({ tenantId: actor.tenantId, scope });
    const connection = await this.saveChecked(
      {
        tenantId: actor.tenantId,
        id: `azure:${scope}`,
        kind: 'azure',
        label: scope,
        details: { scope, ...(tag.tagKey ? { tagKey: tag.tagKey } : {}) },
      },
      actor,
      check,
    );
    await this.auditAs(actor.tenantId, actor.aadObjectId, 'connection.azure.added', connection.id, { scope, healthy: check.ok });
    return {
      ok: true,
      value: connection,
      message: check.ok
        ? `Azure ${scope} is connected: a one-day cost query worked.`
        : `Azure ${scope} was added, but it does not work yet: ${check.problem} ${check.fix}`,
    };
  }

  async addAwsAccount(actor: Actor, input: AwsAccountInput & { tagKey?: unknown }): Promise<Outcome<Connection>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS_CONNECTIONS, reason: 'forbidden' };
    if (!this.d.awsCost) return { ok: false, message: 'AWS cost connections are not available in this installation.', reason: 'invalid' };
    const valid = validateAwsAccountInput(input);
    if (!valid.ok) return { ok: false, message: valid.message, reason: 'invalid' };
    const { accountId, credentials } = valid.value;
    const check = await this.d.awsCost.checkHealth({ accountId, credentials });
    const details: Record<string, string> =
      credentials.kind === 'access-key'
        ? { accountId, credentialKind: 'access-key', keyHint: `…${credentials.accessKeyId.slice(-4)}` }
        : { accountId, credentialKind: 'assume-role', roleArn: credentials.roleArn };
    const tag = parseTagKey(input.tagKey);
    if (!tag.ok) return { ok: false, message: tag.message, reason: 'invalid' };
    if (tag.tagKey) details.tagKey = tag.tagKey;
    const connection = await this.saveChecked(
      { tenantId: actor.tenantId, id: `aws:${accountId}`, kind: 'aws', label: accountId, details },
      actor,
      check,
      JSON.stringify(credentials),
    );
    await this.auditAs(actor.tenantId, actor.aadObjectId, 'connection.aws.added', connection.id, { ...details, healthy: check.ok });
    return {
      ok: true,
      value: connection,
      message: check.ok
        ? `AWS account ${accountId} is connected: a one-day cost query worked.`
        : `AWS account ${accountId} was added, but it does not work yet: ${check.problem} ${check.fix}`,
    };
  }

  /** The stored AWS credentials of a connection, opened for the connector that needs them. */
  async awsCredentials(tenantId: string, id: string): Promise<AwsCredentialInput | undefined> {
    const secret = await this.d.connections.readSecret(tenantId, id);
    return secret ? (JSON.parse(secret) as AwsCredentialInput) : undefined;
  }

  // ---- Marketplace ---------------------------------------------------------------------

  private async marketplaceRow(tenantId: string, connection: Connection | undefined): Promise<ConnectionRow> {
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
  async connectMarketplace(actor: Actor, tokenText: unknown): Promise<Outcome<Connection>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS_CONNECTIONS, reason: 'forbidden' };
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
  async setPurchaseOrderNumber(actor: Actor, agreementId: string, poText: unknown): Promise<Outcome<MarketplaceAgreementInfo>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS_CONNECTIONS, reason: 'forbidden' };
    if (!this.d.marketplace)
      return { ok: false, message: 'Marketplace connections are not available in this installation.', reason: 'invalid' };
    const valid = validatePurchaseOrderNumber(poText);
    if (!valid.ok) return { ok: false, message: valid.message, reason: 'invalid' };
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
    const connection = await this.d.connections.get(tenantId, MARKETPLACE);
    if (!connection || connection.state === 'needs-attention') return;
    const problem = {
      code: 'token-expired',
      problem: 'The Marketplace API token expired or was revoked.',
      fix: 'Create a new token in the Marketplace portal, then type connect and enter it under Marketplace.',
    };
    const updated = await this.updateQuietly(connection, { state: 'needs-attention', problem, lastCheckedAt: now.toISOString() });
    await this.auditAs(
      tenantId,
      'system',
      'connection.marketplace.broken',
      MARKETPLACE,
      { code: problem.code },
      { state: connection.state },
    );
    if (await this.d.ledger.claim(tenantId, 'connection-broken', `${MARKETPLACE}|${connection.connectedAt}|${problem.code}`, {}, now)) {
      await this.d.notices.alertAdmins(tenantId, {
        outcome: 'failed',
        title: 'Marketplace needs attention',
        message: `${problem.problem} Marketplace orders stop until it is fixed. What to do: ${problem.fix}`,
        connection: updated ?? connection,
      });
    }
  }

  // ---- health, disconnect ---------------------------------------------------------------

  /** Runs the health check of one connection (or all of the tenant's) and records the result. */
  async check(actor: Actor, id?: string): Promise<Outcome<Connection[]>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS_CONNECTIONS, reason: 'forbidden' };
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
      message: broken
        ? `${broken} of ${checked.length} connection${checked.length === 1 ? '' : 's'} need${broken === 1 ? 's' : ''} attention.`
        : `All ${checked.length} connection${checked.length === 1 ? ' works' : 's work'}.`,
    };
  }

  /**
   * The daily health check of every connection in every tenant. A connection that stops
   * working is audited and its admins get one alert card per problem (the fix included).
   */
  async checkAll(now = this.d.clock()): Promise<{ checked: number; broken: number }> {
    const result = { checked: 0, broken: 0 };
    for (const kind of ['microsoft365', 'partner-center', 'azure', 'aws', 'marketplace'] as const) {
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

  async disconnect(actor: Actor, id: string): Promise<Outcome<Connection | undefined>> {
    if (!(await this.d.roles.isAdmin(actor))) return { ok: false, message: ONLY_ADMINS_CONNECTIONS, reason: 'forbidden' };
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

  // ---- Partner Center tokens -------------------------------------------------------------

  /** An app+user Partner Center access token for the tenant's connection (rotation stored). */
  async partnerCenterToken(tenantId: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const connection = await this.d.connections.get(tenantId, PARTNER_CENTER);
    if (!connection?.details.homeAccountId) throw new Error('Partner Center is not connected');
    return this.d.identity.partnerCenter.accessToken(connection.details.homeAccountId, this.cacheOf(tenantId), options);
  }

  /**
   * For the commerce connector: the agent's token when the customer connected Partner
   * Center, undefined when it has no connection (the app's own credentials apply). An
   * expired sign-in is an error, not a silent fall-back to other credentials.
   */
  async partnerCenterTokenIfConnected(tenantId: string): Promise<string | undefined> {
    // One read on every Partner Center call: the row and msal's cache (its secret) together.
    const found = await this.d.connections.getWithSecret(tenantId, PARTNER_CENTER);
    const connection = found?.connection;
    if (!connection?.details.homeAccountId) return undefined;
    if (connection.state === 'expired') {
      throw new ConnectorError('unauthorized', 'The Partner Center sign-in expired: an admin must type connect and choose Sign in again.', {
        service: 'partner-center',
        code: 'reconsent-required',
      });
    }
    const token = await this.d.identity.partnerCenter.accessToken(connection.details.homeAccountId, this.cacheOf(tenantId, found?.secret));
    // "Last used" on the card; one write an hour is plenty.
    if (!connection.lastUsedAt || this.d.clock().getTime() - Date.parse(connection.lastUsedAt) > 3600_000)
      await this.updateQuietly(connection, { lastUsedAt: this.d.clock().toISOString() });
    return token;
  }

  /** Which Partner Center account purchases go to, in words for confirmations. */
  async purchaseAccount(tenantId: string): Promise<string | undefined> {
    const connection = await this.d.connections.get(tenantId, PARTNER_CENTER);
    if (!connection) return undefined;
    return connection.environment === 'sandbox'
      ? 'Partner Center integration sandbox: nothing is billed'
      : `Partner Center production account (${connection.label}): this is billed`;
  }

  /**
   * The token keeper: redeems each Partner Center refresh token at least weekly so that it
   * never reaches the 90-day inactivity expiry. A token only a new sign-in can cure makes
   * the connection "expired" and alerts the admins once, with a sign-in button.
   */
  async keepTokensAlive(now = this.d.clock()): Promise<{ refreshed: number; expired: number; failed: number }> {
    const result = { refreshed: 0, expired: 0, failed: 0 };
    for await (const connection of this.d.connections.allOfKind('partner-center')) {
      if (connection.state === 'expired') continue;
      const refreshedAt = Date.parse(connection.details.tokenRefreshedAt ?? connection.connectedAt);
      if (now.getTime() - refreshedAt < TOKEN_KEEPER_INTERVAL_MS - 3600_000) continue;
      try {
        await this.partnerCenterToken(connection.tenantId, { forceRefresh: true });
        await this.updateQuietly(connection, {
          details: { ...connection.details, tokenRefreshedAt: now.toISOString() },
          lastUsedAt: now.toISOString(),
          state: 'connected',
          problem: null,
        });
        result.refreshed++;
      } catch (error) {
        if (this.d.identity.isReconsentRequired(error)) {
          result.expired++;
          await this.markExpired(connection, now);
        } else {
          result.failed++;
          this.d.log.warn({ err: error, tenantId: connection.tenantId }, 'partner center token refresh failed; will retry');
          await this.warnBeforeExpiry(connection, refreshedAt, now);
        }
      }
    }
    return result;
  }

  private async markExpired(connection: Connection, now: Date): Promise<void> {
    const problem = {
      code: 'AADSTS700082',
      problem: 'The Partner Center sign-in expired (or was revoked).',
      fix: 'An agent must sign in again: open connect and choose Sign in to Partner Center.',
    };
    const updated = await this.updateQuietly(connection, { state: 'expired', problem, lastCheckedAt: now.toISOString() });
    await this.auditAs(
      connection.tenantId,
      'system',
      'connection.partner-center.expired',
      PARTNER_CENTER,
      { state: connection.state },
      { state: 'expired' },
    );
    // Once per sign-in: a reconnect starts a new connectedAt and so a new alert key.
    if (await this.d.ledger.claim(connection.tenantId, 'connection-expired', `${PARTNER_CENTER}|${connection.connectedAt}`, {}, now)) {
      await this.d.notices.alertAdmins(connection.tenantId, {
        outcome: 'needs-sign-in',
        title: 'Partner Center needs a new sign-in',
        message: `${problem.problem} License purchases through Partner Center stop until an agent signs in again. Type "connect" and choose Sign in to Partner Center.`,
        connection: updated ?? connection,
      });
    }
  }

  private async warnBeforeExpiry(connection: Connection, refreshedAt: number, now: Date): Promise<void> {
    if (now.getTime() - refreshedAt < TOKEN_WARNING_AGE_MS) return;
    const daysLeft = Math.max(0, Math.ceil((refreshedAt + 90 * 24 * 3600_000 - now.getTime()) / (24 * 3600_000)));
    if (
      await this.d.ledger.claim(
        connection.tenantId,
        'connection-expiring',
        `${PARTNER_CENTER}|${connection.connectedAt}`,
        { daysLeft },
        now,
      )
    ) {
      await this.d.notices.alertAdmins(connection.tenantId, {
        outcome: 'expiring',
        title: 'Partner Center sign-in expires soon',
        message: `Quartermaster could not refresh the Partner Center sign-in for a while; it expires in about ${daysLeft} days. If this continues, type "connect" and sign in again.`,
        connection,
      });
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  private async healthOf(connection: Connection): Promise<HealthCheck> {
    try {
      switch (connection.kind) {
        case 'microsoft365':
          return await this.d.identity.confirmAdminConsent(connection.tenantId);
        case 'partner-center':
          if (connection.state === 'expired')
            return {
              ok: false,
              code: 'reconsent-required',
              problem: connection.problem?.problem ?? 'The Partner Center sign-in expired.',
              fix: 'An agent must sign in again: choose Sign in to Partner Center.',
            };
          await this.partnerCenterToken(connection.tenantId);
          return { ok: true };
        case 'azure':
          if (!this.d.azureCost)
            return {
              ok: false,
              code: 'unavailable',
              problem: 'Azure cost connections are not available in this installation.',
              fix: 'Ask the operator of Quartermaster.',
            };
          return await this.d.azureCost.checkHealth({ tenantId: connection.tenantId, scope: connection.details.scope ?? '' });
        case 'marketplace':
          if (!this.d.marketplace)
            return {
              ok: false,
              code: 'unavailable',
              problem: 'Marketplace connections are not available in this installation.',
              fix: 'Ask the operator of Quartermaster.',
            };
          return await this.d.marketplace.checkHealth(connection.tenantId);
        case 'aws': {
          const credentials = await this.awsCredentials(connection.tenantId, connection.id);
          if (!this.d.awsCost || !credentials)
            return {
              ok: false,
              code: 'unavailable',
              problem: 'The AWS credentials are missing.',
              fix: 'Disconnect the account and add it again.',
            };
          return await this.d.awsCost.checkHealth({ accountId: connection.details.accountId ?? '', credentials });
        }
      }
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

  private async saveChecked(
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

  private async updateQuietly(
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

  /** msal's token cache for the tenant's agent; `alreadyRead` serves the first read when the caller just read the row. */
  private cacheOf(tenantId: string, alreadyRead?: string): TokenCacheStore {
    let known = alreadyRead;
    return {
      read: async () => {
        if (known === undefined) return this.d.connections.readSecret(tenantId, PARTNER_CENTER);
        const value = known;
        known = undefined;
        return value;
      },
      write: async (value) => {
        await this.d.connections.writeSecret(tenantId, PARTNER_CENTER, value);
      },
    };
  }

  private async issueState(actor: Actor, purpose: ConsentPurpose, payload?: string) {
    return this.d.states.issue({ tenantId: actor.tenantId, adminObjectId: actor.aadObjectId, purpose, ...(payload ? { payload } : {}) });
  }

  private async partnerCenterLink(actor: Actor, environment: 'sandbox' | 'production'): Promise<string> {
    // The verifier must come back with the state; it is sealed so the table holds nothing usable.
    const issued = await this.issueState(actor, 'partner-center-sign-in');
    const { url, codeVerifier } = await this.d.identity.partnerCenter.signInUrl({ redirectUri: this.callbackUrl(), state: issued.state });
    await this.d.states.attachPayload(
      issued.state,
      this.d.secrets.seal(JSON.stringify({ codeVerifier, environment }), [actor.tenantId, 'partner-center-sign-in']),
    );
    return url;
  }

  private async tell(tenantId: string, adminObjectId: string, notice: ConnectionNotice): Promise<void> {
    try {
      await this.d.notices.tellAdmin(tenantId, adminObjectId, notice);
    } catch (error) {
      this.d.log.warn({ err: error, tenantId }, 'could not tell the admin about a connection');
    }
  }

  private async auditAs(
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

/** An optional cost tag to group by: Azure and AWS tag keys, without characters either refuses. */
function parseTagKey(value: unknown): { ok: true; tagKey?: string } | { ok: false; message: string } {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) return { ok: true };
  if (!/^[\p{L}\p{N} _.:=+\-@]{1,128}$/u.test(text))
    return {
      ok: false,
      message: 'A tag to group costs by is 1-128 letters, digits, spaces and _ . : = + - @ (for example "environment" or "cost-center").',
    };
  return { ok: true, tagKey: text };
}

function stateOf(connection: Connection | undefined): Pick<ConnectionRow, 'state'> & { connection?: Connection } {
  return connection ? { state: connection.state, connection } : { state: 'not-connected' };
}

function problemOf(check: Extract<HealthCheck, { ok: false }>): ConnectionProblem {
  return { code: check.code, problem: check.problem, fix: check.fix };
}

function titleOf(connection: Connection): string {
  switch (connection.kind) {
    case 'microsoft365':
      return 'Microsoft 365';
    case 'partner-center':
      return 'Partner Center';
    case 'azure':
      return `Azure ${connection.label}`;
    case 'aws':
      return `AWS account ${connection.label}`;
    case 'marketplace':
      return 'Marketplace';
  }
}

function purposeTarget(purpose: ConsentPurpose): string {
  return purpose === 'graph-admin-consent' ? MICROSOFT_365 : PARTNER_CENTER;
}

function refusalText(reason: ConsumeRefusal): string {
  if (reason === 'used') return 'This link was already used.';
  if (reason === 'expired') return 'This link expired (links work for 10 minutes).';
  return 'This link was not made by Quartermaster.';
}

function failurePage(title: string, message: string): ConsentPage {
  return { outcome: 'failed', title, message };
}
