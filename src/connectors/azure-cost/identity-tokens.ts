// Production tokens for Azure Resource Manager: one @azure/identity ClientSecretCredential per
// tenant (the app registration is multi-tenant; each scope's tenant issues its own tokens).
// The credential caches and refreshes tokens itself; failures become ConnectorErrors that
// keep the AADSTS code and never a secret.
import { AuthenticationError, ClientSecretCredential } from '@azure/identity';
import type { ClientCredentials, TokenProvider } from '../identity/token-provider.js';
import { ConnectorError } from '../ports.js';

export class ClientSecretTokens implements TokenProvider {
  private readonly credentials = new Map<string, ClientSecretCredential>();

  constructor(
    private readonly app: ClientCredentials,
    private readonly options: { service: string; authorityHost?: string },
  ) {}

  async getToken(tenantId: string, scope: string): Promise<string> {
    let credential = this.credentials.get(tenantId);
    if (!credential) {
      credential = new ClientSecretCredential(
        tenantId,
        this.app.clientId,
        this.app.clientSecret,
        this.options.authorityHost ? { authorityHost: this.options.authorityHost } : {},
      );
      this.credentials.set(tenantId, credential);
    }
    const service = this.options.service;
    try {
      const token = await credential.getToken(scope);
      if (!token?.token)
        throw new ConnectorError('unauthorized', `${service}: sign-in for tenant ${tenantId} returned no access token`, { service });
      return token.token;
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      if (error instanceof AuthenticationError) {
        const description = error.errorResponse.errorDescription ?? '';
        const code = /AADSTS\d+/.exec(description)?.[0] ?? error.errorResponse.error;
        const summary = /AADSTS\d+:[\s\S]*?(?=\s+Trace ID:|$)/.exec(description)?.[0] ?? code;
        const kind = error.statusCode === 429 ? 'throttled' : error.statusCode >= 500 ? 'unavailable' : 'unauthorized';
        throw new ConnectorError(kind, `${service}: sign-in refused for tenant ${tenantId}: ${summary}`, {
          service,
          status: error.statusCode,
          code,
        });
      }
      throw new ConnectorError(
        'unavailable',
        `${service}: sign-in failed for tenant ${tenantId} (${error instanceof Error ? error.message : String(error)})`,
        { service },
      );
    }
  }
}
