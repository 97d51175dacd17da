// App-only access tokens (client credentials) from Microsoft Entra ID through msal-node.
// One ConfidentialClientApplication per app registration; the tenant is chosen per request
// (https://login.microsoftonline.com/{tenant}). Tokens are kept per tenant and scope until
// five minutes before they expire, as msal's own cache does, but looked up in a map: msal's
// cache lookup costs more CPU than the HTTP call it precedes. Concurrent callers that find
// no token share one request for it (a burst of cold turns made one each).
// Failures become ConnectorErrors; messages keep the AADSTS code and never a secret.
import { AuthError, ConfidentialClientApplication, LogLevel, ServerError, type INetworkModule } from '@azure/msal-node';
import type { Logger } from '../../logger.js';
import { SingleFlight } from '../../single-flight.js';
import { ConnectorError } from '../ports.js';
import { DEFAULT_AUTHORITY_HOST } from './sandbox-network-client.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const PARTNER_CENTER_SCOPE = 'https://api.partnercenter.microsoft.com/.default';

export interface TokenProvider {
  /** A bearer token for `scope` in `tenantId`; throws ConnectorError. */
  getToken(tenantId: string, scope: string): Promise<string>;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface MsalTokenProviderOptions {
  /** Default https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Replaces msal's HTTP client; only the sandbox sets it (see SandboxLoginNetworkClient). */
  networkClient?: INetworkModule;
  /** Names the caller in errors ("graph", "partner-center"). */
  service: string;
  log: Logger;
}

/** msal's default tokenRenewalOffsetSeconds: a token this close to expiry is renewed. */
const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

export class MsalTokenProvider implements TokenProvider {
  private readonly app: ConfidentialClientApplication;
  private readonly authorityHost: string;
  private readonly tokens = new Map<string, { accessToken: string; renewAt: number }>();
  private readonly acquiring = new SingleFlight<string>();

  constructor(
    credentials: ClientCredentials,
    private readonly options: MsalTokenProviderOptions,
  ) {
    this.authorityHost = (options.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '');
    const log = options.log;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        // Placeholder; every request names its tenant.
        authority: `${this.authorityHost}/organizations`,
      },
      system: {
        ...(options.networkClient ? { networkClient: options.networkClient } : {}),
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

  async getToken(tenantId: string, scope: string): Promise<string> {
    const key = `${tenantId} ${scope}`;
    const kept = this.tokens.get(key);
    if (kept && Date.now() < kept.renewAt) return kept.accessToken;
    return this.acquiring.run(key, () => this.acquire(tenantId, scope, key));
  }

  private async acquire(tenantId: string, scope: string, key: string): Promise<string> {
    let result;
    try {
      result = await this.app.acquireTokenByClientCredential({
        scopes: [scope],
        authority: `${this.authorityHost}/${encodeURIComponent(tenantId)}`,
      });
    } catch (error) {
      throw tokenError(this.options.service, tenantId, error);
    }
    if (!result?.accessToken)
      throw new ConnectorError('unauthorized', `${this.options.service}: sign-in for tenant ${tenantId} returned no access token`, {
        service: this.options.service,
      });
    if (result.expiresOn)
      this.tokens.set(key, { accessToken: result.accessToken, renewAt: result.expiresOn.getTime() - RENEW_BEFORE_EXPIRY_MS });
    return result.accessToken;
  }
}

/** Entra ID's answer as a ConnectorError kind: bad credentials or missing consent → 'unauthorized'. */
export function tokenError(service: string, tenantId: string, error: unknown): ConnectorError {
  if (error instanceof ServerError || error instanceof AuthError) {
    // "... Description: AADSTS7000215: Invalid client secret provided. ... Trace ID: ..." → the AADSTS sentence(s).
    const aadsts = /AADSTS\d+/.exec(error.errorMessage)?.[0];
    const summary =
      /AADSTS\d+:[\s\S]*?(?=\s+Trace ID:|$)/.exec(error.errorMessage)?.[0] ?? (error.errorMessage.slice(0, 300) || error.errorCode);
    const details = { service, code: aadsts ?? error.errorCode };
    const status = error instanceof ServerError ? error.status : undefined;
    if (status === 429)
      return new ConnectorError('throttled', `${service}: sign-in throttled for tenant ${tenantId}`, { ...details, status });
    if (
      (status !== undefined && status >= 500) ||
      ['network_error', 'endpoints_resolution_error', 'temporarily_unavailable', 'request_timeout'].includes(error.errorCode)
    ) {
      return new ConnectorError('unavailable', `${service}: sign-in service unavailable for tenant ${tenantId} (${summary})`, {
        ...details,
        ...(status ? { status } : {}),
      });
    }
    return new ConnectorError('unauthorized', `${service}: sign-in refused for tenant ${tenantId}: ${summary}`, {
      ...details,
      ...(status ? { status } : {}),
    });
  }
  return new ConnectorError(
    'unavailable',
    `${service}: sign-in failed for tenant ${tenantId} (${error instanceof Error ? error.message : String(error)})`,
    { service },
  );
}
