// Checks the browser-facing endpoints (admin consent, authorize) make before anything else,
// in Entra's order: the tenant in the path, the app, then the redirect URI. Until the
// redirect URI is known to be the app's, errors are pages, never redirects.
import { aadErrorPage } from './aad-errors.js';
import type { EmulatorResponse } from './http.js';
import type { SeedApp } from './seed.js';
import type { SandboxState, SandboxTenant } from './state.js';

/** 'organizations' / 'common' accept any work account; otherwise one tenant, by id or domain. */
export type TenantSegment = { kind: 'any' } | { kind: 'tenant'; tenant: SandboxTenant };

export function resolveTenantSegment(state: SandboxState, segment: string): TenantSegment | undefined {
  const value = segment.toLowerCase();
  if (value === 'organizations' || value === 'common') return { kind: 'any' };
  const tenant = [...state.tenants.values()].find((t) => t.id.toLowerCase() === value || t.domain.toLowerCase() === value);
  return tenant ? { kind: 'tenant', tenant } : undefined;
}

/** Loopback http on any port (as Entra allows for native and local apps), or a registered URI exactly. */
export function isAllowedRedirectUri(app: SeedApp, redirectUri: string): boolean {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.hash) return false;
  if (url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')) return true;
  return (app.redirectUris ?? []).includes(redirectUri);
}

export interface CheckedClient {
  segment: TenantSegment;
  app: SeedApp;
  redirectUri: string;
}

/** The tenant, app and redirect URI of a browser request, or the error page to show. */
export function checkBrowserClient(
  state: SandboxState,
  tenantSegment: string,
  params: URLSearchParams,
): CheckedClient | { page: EmulatorResponse } {
  const segment = resolveTenantSegment(state, tenantSegment);
  if (!segment) {
    return {
      page: aadErrorPage(
        90002,
        `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      ),
    };
  }
  const clientId = params.get('client_id') ?? '';
  const app = state.apps.get(clientId);
  if (!app) {
    const directory = segment.kind === 'tenant' ? segment.tenant.displayName : 'Microsoft';
    return {
      page: aadErrorPage(
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      ),
    };
  }
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!isAllowedRedirectUri(app, redirectUri)) {
    return {
      page: aadErrorPage(
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
      ),
    };
  }
  return { segment, app, redirectUri };
}
