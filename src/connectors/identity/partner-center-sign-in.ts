// Partner Center app+user sign-in (Secure Application Model): an agent signs in once with
// the authorization-code flow and PKCE; afterwards msal redeems the refresh token for
// access tokens. Refresh tokens rotate and die after 90 days unused, so the caller redeems
// one weekly (forceRefresh) and msal's whole cache, refresh token included, is written
// back to the connection's store after every change. Nothing lives only in memory: each
// call builds its own ConfidentialClientApplication over one connection's store, so two
// connections never see each other's tokens.
import {
  AuthError,
  ConfidentialClientApplication,
  CryptoProvider,
  InteractionRequiredAuthError,
  LogLevel,
  type ICachePlugin,
  type TokenCacheContext,
} from '@azure/msal-node';
import type { Logger } from '../../logger.js';
import { ConnectorError } from '../ports.js';
import { DEFAULT_AUTHORITY_HOST, SandboxLoginNetworkClient } from './sandbox-network-client.js';
import type { SignedInAgent, TokenCacheStore } from '../ports.js';
import { PARTNER_CENTER_SCOPE, tokenError, type ClientCredentials, type TokenProvider } from './token-provider.js';

export const PARTNER_CENTER_USER_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
const SCOPES = [PARTNER_CENTER_USER_SCOPE, 'offline_access'];
const SERVICE = 'partner-center';

export type { SignedInAgent, TokenCacheStore };

/** AADSTS codes and OAuth errors that only a new interactive sign-in cures. */
const RECONSENT_CODES = new Set([
  'AADSTS700082',
  'AADSTS70008',
  'AADSTS50173',
  'AADSTS700084',
  'AADSTS54005',
  'AADSTS501481',
  'AADSTS500112',
  'AADSTS70000',
  'AADSTS9002313',
  'AADSTS50076',
  'AADSTS50079',
]);
const RECONSENT_ERRORS = new Set([
  'invalid_grant',
  'interaction_required',
  'consent_required',
  'login_required',
  'bad_token',
  'no_tokens_found',
  'refresh_token_expired',
]);

/**
 * The stored sign-in is dead (expired after 90 days unused, revoked, or never completed):
 * an agent must sign in again. Not transient; `code` is the AADSTS code or OAuth error.
 */
export class ReconsentRequired extends ConnectorError {
  override name = 'ReconsentRequired';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super('unauthorized', message, { service: SERVICE, code });
  }
}

export const isReconsentRequired = (error: unknown): error is ReconsentRequired => error instanceof ReconsentRequired;

export interface PartnerCenterSignInOptions {
  credentials: ClientCredentials;
  /**
   * The partner's own tenant, where agents sign in unless a call names another partner tenant
   * (partner mode: each partner's connection signs in to that partner's tenant).
   */
  partnerTenantId: string;
  /** Default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Sandbox only: the loopback login emulator, where msal's requests and the browser are sent. */
  sandboxLoginUrl?: string;
  log: Logger;
}

/** Which partner tenant a call signs in to; absent: the default (PartnerCenterSignInOptions.partnerTenantId). */
export interface PartnerTenantChoice {
  partnerTenantId?: string;
}

export class PartnerCenterSignIn {
  /** The default partner tenant. */
  readonly partnerTenantId: string;
  private readonly host: string;
  private readonly sandboxNetwork: SandboxLoginNetworkClient | undefined;

  constructor(private readonly options: PartnerCenterSignInOptions) {
    this.host = (options.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
    this.partnerTenantId = options.partnerTenantId;
    this.sandboxNetwork = options.sandboxLoginUrl ? new SandboxLoginNetworkClient(options.sandboxLoginUrl, this.host) : undefined;
  }

  /** The URL to open in the agent's browser, and the PKCE verifier to keep (server side) until the callback. */
  async signInUrl(request: { redirectUri: string; state: string } & PartnerTenantChoice): Promise<{ url: string; codeVerifier: string }> {
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    let url: string;
    try {
      url = await this.client(undefined, request.partnerTenantId).getAuthCodeUrl({
        scopes: SCOPES,
        redirectUri: request.redirectUri,
        state: request.state,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        responseMode: 'query',
        prompt: 'select_account',
      });
    } catch (error) {
      throw this.failure(error, request.partnerTenantId);
    }
    // msal names the real login host; in sandbox mode the browser must reach the emulator.
    return { url: this.sandboxNetwork ? this.sandboxNetwork.redirect(url) : url, codeVerifier: verifier };
  }

  /** Redeems the callback's code; the tokens (refresh token included) land in `cache`. */
  async completeSignIn(
    request: { code: string; codeVerifier: string; redirectUri: string } & PartnerTenantChoice,
    cache: TokenCacheStore,
  ): Promise<SignedInAgent> {
    const partnerTenantId = request.partnerTenantId ?? this.partnerTenantId;
    let result;
    try {
      result = await this.client(cache, partnerTenantId).acquireTokenByCode({
        code: request.code,
        codeVerifier: request.codeVerifier,
        redirectUri: request.redirectUri,
        scopes: SCOPES,
      });
    } catch (error) {
      throw this.failure(error, partnerTenantId);
    }
    const account = result?.account;
    if (!account) throw new ConnectorError('unauthorized', `${SERVICE}: the sign-in returned no account`, { service: SERVICE });
    if (account.tenantId.toLowerCase() !== partnerTenantId.toLowerCase()) {
      throw new ReconsentRequired(
        'wrong_tenant',
        `${SERVICE}: the agent signed in to tenant ${account.tenantId}, not the partner tenant ${partnerTenantId}`,
      );
    }
    // Partner Center refuses every App+User call without MFA since 1 April 2026: say so now, not at the first purchase.
    const methods = authenticationMethods(result.accessToken);
    if (!methods.includes('mfa'))
      throw new ReconsentRequired(
        'mfa_missing',
        `${SERVICE}: ${account.username} signed in without multi-factor authentication, and Partner Center accepts App+User calls only with MFA. Turn on MFA for this agent account (https://aka.ms/mfasetup, or a Conditional Access policy requiring MFA for Partner Center), then sign in again and complete the MFA prompt.`,
      );
    return {
      username: account.username,
      ...(account.name ? { displayName: account.name } : {}),
      authenticationMethods: methods,
      homeAccountId: account.homeAccountId,
      tenantId: account.tenantId,
    };
  }

  /**
   * A Partner Center access token for the signed-in agent. Cached tokens are reused; with
   * `forceRefresh` the refresh token is redeemed (the token keeper), and the rotated one
   * is written back to `cache`.
   */
  async accessToken(
    homeAccountId: string,
    cache: TokenCacheStore,
    options: { forceRefresh?: boolean } & PartnerTenantChoice = {},
  ): Promise<string> {
    const app = this.client(cache, options.partnerTenantId);
    try {
      const account = await app.getTokenCache().getAccountByHomeId(homeAccountId);
      if (!account) throw new ReconsentRequired('no_cached_sign_in', `${SERVICE}: no stored Partner Center sign-in for this connection`);
      const result = await app.acquireTokenSilent({
        account,
        scopes: [PARTNER_CENTER_USER_SCOPE],
        forceRefresh: options.forceRefresh === true,
      });
      if (!result?.accessToken)
        throw new ConnectorError('unauthorized', `${SERVICE}: the sign-in returned no access token`, { service: SERVICE });
      return result.accessToken;
    } catch (error) {
      throw this.failure(error, options.partnerTenantId);
    }
  }

  /** One app per call, its cache bound to one connection's store, its authority the partner's tenant. */
  private client(cache?: TokenCacheStore, partnerTenantId = this.partnerTenantId): ConfidentialClientApplication {
    const log = this.options.log;
    const authority = `${this.host}/${encodeURIComponent(partnerTenantId)}`;
    return new ConfidentialClientApplication({
      auth: { clientId: this.options.credentials.clientId, clientSecret: this.options.credentials.clientSecret, authority },
      ...(cache ? { cache: { cachePlugin: storePlugin(cache) } } : {}),
      system: {
        ...(this.sandboxNetwork ? { networkClient: this.sandboxNetwork } : {}),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message, containsPii) => {
            if (containsPii) return;
            if (level === LogLevel.Error) log.warn({ msal: true }, message);
            else log.debug({ msal: true }, message);
          },
        },
      },
    });
  }

  private failure(error: unknown, partnerTenantId = this.partnerTenantId): Error {
    if (error instanceof ConnectorError) return error;
    if (error instanceof AuthError) {
      const code = /AADSTS\d+/.exec(error.errorMessage)?.[0];
      if ((code && RECONSENT_CODES.has(code)) || RECONSENT_ERRORS.has(error.errorCode) || error instanceof InteractionRequiredAuthError) {
        // The AADSTS sentence only: it never holds a token.
        const summary = /AADSTS\d+:[\s\S]*?(?=\s+Trace ID:|$)/.exec(error.errorMessage)?.[0] ?? error.errorCode;
        return new ReconsentRequired(
          code ?? error.errorCode,
          `${SERVICE}: the Partner Center sign-in must be renewed by an agent (${summary})`,
        );
      }
    }
    return tokenError(SERVICE, partnerTenantId, error);
  }
}

/** msal's cache, read from the store before each access and written back when it changed. */
function storePlugin(store: TokenCacheStore): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const serialized = await store.read();
      if (serialized) context.tokenCache.deserialize(serialized);
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (context.cacheHasChanged) await store.write(context.tokenCache.serialize());
    },
  };
}

/**
 * A TokenProvider over one connection's app+user sign-in, so the Partner Center commerce
 * connector can call as the agent instead of app-only.
 */
export class PartnerCenterUserTokens implements TokenProvider {
  constructor(
    private readonly signIn: PartnerCenterSignIn,
    private readonly connection: { homeAccountId: string; cache: TokenCacheStore },
  ) {}

  async getToken(tenantId: string, scope: string): Promise<string> {
    if (tenantId.toLowerCase() !== this.signIn.partnerTenantId.toLowerCase()) {
      throw new ConnectorError('unauthorized', `${SERVICE}: the agent sign-in is for the partner tenant, not ${tenantId}`, {
        service: SERVICE,
      });
    }
    if (scope !== PARTNER_CENTER_SCOPE && scope !== PARTNER_CENTER_USER_SCOPE) {
      throw new ConnectorError('unauthorized', `${SERVICE}: the agent sign-in grants Partner Center only, not ${scope}`, {
        service: SERVICE,
      });
    }
    return this.signIn.accessToken(this.connection.homeAccountId, this.connection.cache);
  }
}

/** The `amr` claim of an access token (how the user authenticated); [] when the token says nothing. */
export function authenticationMethods(accessToken: string): string[] {
  try {
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { amr?: unknown };
    return Array.isArray(payload.amr) ? payload.amr.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return [];
  }
}
