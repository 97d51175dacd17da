// Microsoft identity platform, the parts msal-node uses: the v2 token endpoint (client
// credentials here; authorization code and refresh token in user-token-grants.ts), the
// discovery documents, and the browser pages: admin consent (consent-pages.ts) and
// interactive sign-in (sign-in-pages.ts). Errors carry real AADSTS codes so the
// connectors' mapping is exercised. URLs in documents name the real login host: msal
// insists on https authorities, and the sandbox network client routes that host here.
import { aadError } from './aad-errors.js';
import { adminConsentEndpoint } from './consent-pages.js';
import type { FailureFault } from './faults.js';
import { header, json, Router, type EmulatorDefinition, type EmulatorRequest, type EmulatorResponse } from './http.js';
import { LOGIN_HOST_NAME } from './login-host.js';
import { authorizeEndpoint } from './sign-in-pages.js';
import { isUserGrant, userTokenGrant } from './user-token-grants.js';
import type { SandboxState } from './state.js';
import { AZURE_MANAGEMENT_RESOURCE, GRAPH_RESOURCE, PARTNER_CENTER_RESOURCE, type TokenIssuer } from './tokens.js';

export const LOGIN_HOST = LOGIN_HOST_NAME;

/** App roles an admin-consented app holds, per resource. */
const APP_ROLES: Record<string, string[]> = {
  // AdministrativeUnit.Read.All: members of administrative units (delegated license units).
  [GRAPH_RESOURCE]: [
    'User.Read.All',
    'GroupMember.Read.All',
    'LicenseAssignment.ReadWrite.All',
    'Organization.Read.All',
    'AdministrativeUnit.Read.All',
  ],
  [PARTNER_CENTER_RESOURCE]: [],
  // Azure RBAC, not app roles, decides what an app may do there (role assignments per scope).
  [AZURE_MANAGEMENT_RESOURCE]: [],
};

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export function loginEmulator(state: SandboxState, tokens: TokenIssuer, options: { tokenLifetimeSeconds: number }): EmulatorDefinition {
  const consent = adminConsentEndpoint(state, (resource) => APP_ROLES[resource]);
  const authorize = authorizeEndpoint(state);
  const router = new Router<null>()
    // Browser pages: admin consent (customer tenants) and interactive sign-in (Partner Center agents).
    .add('GET', '/{tenant}/v2.0/adminconsent', (request, { tenant }) => consent.show(request, tenant!))
    .add('POST', '/{tenant}/v2.0/adminconsent', (request, { tenant }) => consent.decide(request, tenant!))
    .add('GET', '/{tenant}/oauth2/v2.0/authorize', (request, { tenant }) => authorize.show(request, tenant!))
    .add('POST', '/{tenant}/oauth2/v2.0/authorize', (request, { tenant }) => authorize.decide(request, tenant!))
    .add('POST', '/{tenant}/oauth2/v2.0/token', (request, { tenant }) =>
      issueToken(state, tokens, request, tenant!, options.tokenLifetimeSeconds),
    )
    .add('GET', '/{tenant}/v2.0/.well-known/openid-configuration', (_request, { tenant }) => json(200, openIdConfiguration(tenant!)))
    .add('GET', '/common/discovery/instance', () =>
      json(200, {
        tenant_discovery_endpoint: `https://${LOGIN_HOST}/common/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          {
            preferred_network: LOGIN_HOST,
            preferred_cache: 'login.windows.net',
            aliases: [LOGIN_HOST, 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
          },
        ],
      }),
    );

  return {
    service: 'login',
    routeOf: (request) => router.match(request.method, request.path)?.pattern ?? 'unmatched',
    handle(request) {
      const match = router.match(request.method, request.path);
      if (!match?.handler)
        return { response: json(404, { error: 'not_found', error_description: `${request.method} ${request.path} is not emulated` }) };
      return { response: match.handler(request, match.params, null) };
    },
    renderFault: (fault, request) =>
      aadError(
        request,
        fault.status,
        'temporarily_unavailable',
        Number(fault.code ?? 90033),
        fault.message ?? 'A transient error has occurred. Please try again.',
        retryAfter(fault),
      ),
    trace: (request) => ({ ...(header(request, 'client-request-id') ? { correlationId: header(request, 'client-request-id')! } : {}) }),
  };
}

function issueToken(
  state: SandboxState,
  tokens: TokenIssuer,
  request: EmulatorRequest,
  tenantId: string,
  lifetimeSeconds: number,
): EmulatorResponse {
  const form = new URLSearchParams(request.body);
  const grantType = form.get('grant_type');
  if (isUserGrant(grantType)) return userTokenGrant(state, tokens, request, tenantId, lifetimeSeconds);
  const clientId = form.get('client_id') ?? '';
  const tenant = state.tenant(tenantId);

  if (!tenant) {
    return aadError(
      request,
      400,
      'invalid_request',
      90002,
      `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  if (grantType !== 'client_credentials') {
    return aadError(request, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`);
  }
  const app = state.apps.get(clientId);
  if (!app || !tenant.consentedAppIds.has(clientId)) {
    return aadError(
      request,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    );
  }
  const secret = form.get('client_secret');
  if (!secret) {
    return aadError(
      request,
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  if (secret !== app.clientSecret) {
    return aadError(
      request,
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    );
  }

  const scopes = (form.get('scope') ?? '').split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s));
  const scope = scopes[0] ?? '';
  if (scopes.length !== 1 || !scope.endsWith('/.default')) {
    return aadError(
      request,
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scopes.join(' ')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const resource = scope.slice(0, -'/.default'.length);
  const roles = APP_ROLES[resource];
  if (!roles) {
    return aadError(
      request,
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant.displayName}.`,
    );
  }

  const accessToken = tokens.issue({ tid: tenant.id, aud: resource, appid: clientId, roles }, lifetimeSeconds);
  return json(200, { token_type: 'Bearer', expires_in: lifetimeSeconds, ext_expires_in: lifetimeSeconds, access_token: accessToken });
}

function openIdConfiguration(tenant: string) {
  const base = `https://${LOGIN_HOST}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `https://${LOGIN_HOST}/${tenant}/v2.0`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
  };
}

function retryAfter(fault: FailureFault): Record<string, string> | undefined {
  return fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : undefined;
}
