// Partner Center: an agent signs in (authorization code with PKCE); the msal token cache with
// the refresh token is sealed into the connection and rotated on every use. The token keeper
// redeems it weekly so it never reaches the 90-day inactivity expiry.
import type { ConsentPage } from '../../domain/consent.js';
import { ConnectorError, type HealthCheck, type SignedInAgent, type TokenCacheStore } from '../../connectors/ports.js';
import type { Connection, ConnectionState } from '../../storage/connections.js';
import { ConnectionModule, failurePage, PARTNER_CENTER, type Admin } from './base.js';

/** What a refused agent token means and what fixes it (the local sandbox forgets its sign-ins when it restarts). */
const AGENT_REFUSED = {
  problem: 'Partner Center refused the signed-in agent (the sign-in is no longer valid, or the agent lost its role).',
  fix: 'Choose Sign in again under Partner Center and sign in with an Admin agent. In local mode this is needed after every restart of npm start: its sandbox forgets sign-ins.',
};

const isRefusal = (error: unknown): boolean =>
  error instanceof ConnectorError && (error.details.status === 401 || error.details.status === 403);

/** Refresh well inside the 90-day inactivity limit: weekly. */
export const TOKEN_KEEPER_INTERVAL_MS = 7 * 24 * 3600_000;
/** Warn admins when the token has not been refreshed for this long (it dies at 90 days). */
const TOKEN_WARNING_AGE_MS = 60 * 24 * 3600_000;

export class PartnerCenterConnection extends ConnectionModule {
  async signInLink(actor: Admin, environment: 'sandbox' | 'production'): Promise<string> {
    // The verifier must come back with the state; it is sealed so the table holds nothing usable.
    const issued = await this.issueState(actor, 'partner-center-sign-in');
    const partnerTenantId = await this.signInTenantOf(actor.tenantId);
    const { url, codeVerifier } = await this.d.identity.partnerCenter.signInUrl({
      redirectUri: this.callbackUrl(),
      state: issued.state,
      ...(partnerTenantId ? { partnerTenantId } : {}),
    });
    await this.d.states.attachPayload(
      issued.state,
      this.d.secrets.seal(JSON.stringify({ codeVerifier, environment, partnerTenantId }), [actor.tenantId, 'partner-center-sign-in']),
    );
    return url;
  }

  async completeSignIn(
    tenantId: string,
    adminObjectId: string,
    code: string,
    payload: string,
  ): Promise<{ status: number; page: ConsentPage }> {
    const { codeVerifier, environment, partnerTenantId } = JSON.parse(
      this.d.secrets.open(payload, [tenantId, 'partner-center-sign-in']),
    ) as {
      codeVerifier: string;
      environment: 'sandbox' | 'production';
      /** Absent in a sign-in started before partner tenants signed in to their own tenant: the default. */
      partnerTenantId?: string;
    };
    // The token cache lives in memory until the connection row exists, then is sealed into it.
    let cache: string | undefined;
    const pending: TokenCacheStore = { read: async () => cache, write: async (value) => void (cache = value) };
    let agent: SignedInAgent;
    try {
      agent = await this.d.identity.partnerCenter.completeSignIn(
        { code, codeVerifier, redirectUri: this.callbackUrl(), ...(partnerTenantId ? { partnerTenantId } : {}) },
        pending,
      );
    } catch (error) {
      this.d.log.warn({ err: error, tenantId }, 'partner center sign-in could not be completed');
      const message =
        error instanceof ConnectorError && error.details.code === 'mfa_missing'
          ? error.vendorWords
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
        // The sign-in was refused above unless the token carried MFA (amr): recorded for the card.
        details: { homeAccountId: agent.homeAccountId, partnerTenantId: agent.tenantId, tokenRefreshedAt: now, mfaVerifiedAt: now },
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

  /** An app+user Partner Center access token for the tenant's connection (rotation stored). */
  async partnerCenterToken(tenantId: string, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const connection = await this.d.connections.get(tenantId, PARTNER_CENTER);
    if (!connection?.details.homeAccountId) throw new Error('Partner Center is not connected');
    return this.d.identity.partnerCenter.accessToken(connection.details.homeAccountId, this.cacheOf(tenantId), {
      ...options,
      ...signedInTo(connection),
    });
  }

  /**
   * The tenant an agent of this Teams tenant signs in to: a partner tenant (partner mode) signs
   * in to itself, so two partners in one deployment each use their own Partner Center; so does a
   * tenant a partner added as its indirect reseller (its own Partner Center account: the same
   * multi-tenant app, consented by the reseller's admin in its tenant, as each partner does). Any
   * other tenant (a company running Quartermaster for itself) signs in to the deployment's
   * default partner tenant (PARTNER_CENTER_TENANT_ID), as before partner mode.
   */
  private async signInTenantOf(tenantId: string): Promise<string | undefined> {
    if (this.d.roles.isPartnerTenant(tenantId)) return tenantId.toLowerCase();
    return (await this.d.roles.resellerPartnerOf(tenantId)) !== undefined ? tenantId.toLowerCase() : undefined;
  }

  /**
   * For the commerce connector: the agent's token when the customer connected Partner
   * Center, undefined when it has no connection (the app's own credentials apply). An
   * expired sign-in is an error, not a silent fall-back to other credentials.
   */
  async partnerCenterTokenIfConnected(tenantId: string): Promise<string | undefined> {
    // One read on every Partner Center call: the row and msal's cache (its secret) together.
    return this.tokenFrom(tenantId, await this.d.connections.getWithSecret(tenantId, PARTNER_CENTER));
  }

  /**
   * A tenant's own Partner Center connection in one read: its state, and its agent token (as
   * partnerCenterTokenIfConnected gives it) for a caller that decides from the state first.
   */
  async ownConnection(tenantId: string): Promise<{ state: ConnectionState; token(): Promise<string | undefined> } | undefined> {
    const found = await this.d.connections.getWithSecret(tenantId, PARTNER_CENTER);
    return found && { state: found.connection.state, token: () => this.tokenFrom(tenantId, found) };
  }

  private async tokenFrom(tenantId: string, found: { connection: Connection; secret?: string } | undefined): Promise<string | undefined> {
    const connection = found?.connection;
    if (!connection?.details.homeAccountId) return undefined;
    if (connection.state === 'expired') {
      throw new ConnectorError('unauthorized', 'The Partner Center sign-in expired: an admin must type connect and choose Sign in again.', {
        service: 'partner-center',
        code: 'reconsent-required',
      });
    }
    const token = await this.d.identity.partnerCenter.accessToken(
      connection.details.homeAccountId,
      this.cacheOf(tenantId, found?.secret),
      signedInTo(connection),
    );
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

  async health(connection: Connection): Promise<HealthCheck> {
    if (connection.state === 'expired')
      return {
        ok: false,
        code: 'reconsent-required',
        problem: connection.problem?.problem ?? 'The Partner Center sign-in expired.',
        fix: 'An agent must sign in again: choose Sign in to Partner Center.',
      };
    const token = await this.partnerCenterToken(connection.tenantId);
    try {
      // The token alone proves little (msal serves a cached one): read what a purchase reads, or,
      // for a tenant signed in to its own Partner Center account, what that account reads.
      if (signedInToOwnAccount(connection)) await this.d.partnerAccountProbe?.(token);
      else await this.d.partnerCenterProbe?.(connection.tenantId);
    } catch (error) {
      if (isRefusal(error)) return { ok: false, code: 'unauthorized', ...AGENT_REFUSED };
      throw error;
    }
    return { ok: true };
  }

  /**
   * Partner Center refused a call made with the tenant's agent token (401/403), wherever it
   * was made (a purchase, the subscriptions list): the connection needs attention, with the
   * fix on the connect card, and the admins are told once per sign-in.
   */
  async notePartnerCenterRefusal(tenantId: string, error: unknown, now = this.d.clock()): Promise<void> {
    if (!isRefusal(error)) return;
    await this.markRefused(
      tenantId,
      PARTNER_CENTER,
      { code: 'unauthorized', ...AGENT_REFUSED },
      { stops: 'License purchases through Partner Center stop until it is fixed.', now },
    );
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
}

/** The partner tenant a connection's agent signed in to (recorded at sign-in), where its tokens are refreshed. */
function signedInTo(connection: Connection): { partnerTenantId?: string } {
  return connection.details.partnerTenantId ? { partnerTenantId: connection.details.partnerTenantId } : {};
}

/** A partner's or indirect reseller's connection: its agent signed in to the tenant's own Partner Center account. */
function signedInToOwnAccount(connection: Connection): boolean {
  return connection.details.partnerTenantId?.toLowerCase() === connection.tenantId.toLowerCase();
}
