// The token endpoint's delegated grants: authorization_code (with the PKCE verifier) and
// refresh_token. Refresh tokens rotate: every use returns a new one, and the old one still
// works until it has been unused for 90 days (then AADSTS700082), as with Entra ID.
import { createHash, timingSafeEqual } from 'node:crypto';
import { aadError } from './aad-errors.js';
import type { EmulatorRequest, EmulatorResponse } from './http.js';
import { json } from './http.js';
import { REFRESH_TOKEN_MAX_INACTIVE_MS, type SignInGrant } from './identity-state.js';
import { LOGIN_HOST_NAME } from './login-host.js';
import { resolveTenantSegment } from './login-clients.js';
import type { SandboxState } from './state.js';
import { GRAPH_RESOURCE, PARTNER_CENTER_RESOURCE, type TokenIssuer } from './tokens.js';

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const DELEGATED_RESOURCES = [PARTNER_CENTER_RESOURCE, GRAPH_RESOURCE];
const ID_TOKEN_LIFETIME_SECONDS = 3600;

export const isUserGrant = (grantType: string | null) => grantType === 'authorization_code' || grantType === 'refresh_token';

/** The one resource the non-OIDC scopes name (`https://api.partnercenter.microsoft.com/user_impersonation`). */
export function resourceOfScopes(scopes: string[]): string | undefined {
  const resources = new Set(
    scopes.filter((s) => !OIDC_SCOPES.has(s)).map((s) => DELEGATED_RESOURCES.find((r) => s.startsWith(`${r}/`) && s.length > r.length + 1)),
  );
  if (resources.size !== 1) return undefined;
  return [...resources][0];
}

export function userTokenGrant(
  state: SandboxState,
  tokens: TokenIssuer,
  request: EmulatorRequest,
  tenantSegment: string,
  lifetimeSeconds: number,
): EmulatorResponse {
  const form = new URLSearchParams(request.body);
  const fail = (status: number, error: string, code: number, message: string) => aadError(request, status, error, code, message);
  const segment = resolveTenantSegment(state, tenantSegment);
  if (!segment)
    return fail(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );

  const clientId = form.get('client_id') ?? '';
  const app = state.apps.get(clientId);
  if (!app) return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`);
  const secret = form.get('client_secret');
  if (!secret)
    return fail(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  if (secret !== app.clientSecret) {
    return fail(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    );
  }
  const inTenant = (tenantId: string) => segment.kind === 'any' || segment.tenant.id === tenantId;

  let grant: SignInGrant;
  let nonce: string | undefined;
  if (form.get('grant_type') === 'authorization_code') {
    const code = form.get('code') ?? '';
    const found = state.identity.peekCode(code);
    if (!found.ok) {
      if (found.reason === 'redeemed')
        return fail(
          400,
          'invalid_grant',
          54005,
          'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
        );
      if (found.reason === 'expired')
        return fail(
          400,
          'invalid_grant',
          70008,
          'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
        );
      if (found.reason === 'revoked')
        return fail(400, 'invalid_grant', 50173, 'The provided grant has expired due to it being revoked, a fresh auth token is needed.');
      return fail(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    }
    const record = found.record;
    if (record.clientId !== clientId) return fail(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
    if (!inTenant(record.tenantId))
      return fail(400, 'invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.');
    const redirectUri = form.get('redirect_uri') ?? '';
    if (redirectUri !== record.redirectUri) {
      return fail(
        400,
        'invalid_grant',
        500112,
        `The reply address '${redirectUri}' does not match the reply address '${record.redirectUri}' provided when requesting Authorization code.`,
      );
    }
    if (!verifierMatches(form.get('code_verifier') ?? '', record.codeChallenge)) {
      return fail(
        400,
        'invalid_grant',
        501481,
        'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
      );
    }
    state.identity.spendCode(code);
    grant = record;
    nonce = record.nonce;
  } else {
    const token = form.get('refresh_token') ?? '';
    const known = state.identity.refreshToken(token);
    if (!known) return fail(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (known.clientId !== clientId) return fail(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
    if (!inTenant(known.tenantId))
      return fail(400, 'invalid_grant', 700005, 'Provided refresh token is intended to use against other tenant, thus rejected.');
    const used = state.identity.useRefreshToken(token);
    if (!used.ok) {
      if (used.reason === 'revoked') {
        const since = state.identity.revokedSince(known.accountId)?.toISOString() ?? '';
        return fail(
          400,
          'invalid_grant',
          50173,
          `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${known.issuedAt.toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${since}'.`,
        );
      }
      return fail(
        400,
        'invalid_grant',
        700082,
        `The refresh token has expired due to inactivity. The token was issued on ${known.issuedAt.toISOString()} and was inactive for ${inactivityText(REFRESH_TOKEN_MAX_INACTIVE_MS)}.`,
      );
    }
    // A refresh may ask for another resource the user consented to; by default the original.
    const asked = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    grant = { ...used.record, scopes: resourceOfScopes(asked) ? asked : used.record.scopes };
  }

  const account = state.identity.accounts.get(grant.accountId);
  if (!account) return fail(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
  const resource = resourceOfScopes(grant.scopes);
  if (!resource)
    return fail(
      400,
      'invalid_scope',
      70011,
      `The provided value for the input parameter 'scope' is not valid. The scope ${grant.scopes.join(' ')} is not valid.`,
    );
  const resourceScopes = grant.scopes.filter((s) => s.startsWith(`${resource}/`));
  const accessToken = tokens.issue({ tid: grant.tenantId, aud: resource, appid: clientId, roles: [] }, lifetimeSeconds, {
    oid: account.id,
    upn: account.userPrincipalName,
    name: account.displayName,
    scp: resourceScopes.map((s) => s.slice(resource.length + 1)).join(' '),
    // How the user proved who they are, as Entra writes it: a password, plus MFA unless the tenant asked none.
    amr: account.passwordOnly ? ['pwd'] : ['pwd', 'mfa'],
  });
  const now = Math.floor(state.identity.now().getTime() / 1000);
  return json(200, {
    token_type: 'Bearer',
    scope: resourceScopes.join(' '),
    expires_in: lifetimeSeconds,
    ext_expires_in: lifetimeSeconds,
    access_token: accessToken,
    ...(grant.scopes.includes('offline_access') ? { refresh_token: state.identity.issueRefreshToken(grant) } : {}),
    ...(grant.scopes.includes('openid')
      ? {
          id_token: tokens.issueJwt({
            aud: clientId,
            iss: `https://${LOGIN_HOST_NAME}/${grant.tenantId}/v2.0`,
            iat: now,
            nbf: now,
            exp: now + ID_TOKEN_LIFETIME_SECONDS,
            name: account.displayName,
            oid: account.id,
            preferred_username: account.userPrincipalName,
            sub: createHash('sha256').update(`${account.id}|${clientId}`).digest('base64url'),
            tid: grant.tenantId,
            ver: '2.0',
            ...(nonce ? { nonce } : {}),
          }),
        }
      : {}),
    client_info: clientInfo(account.id, grant.tenantId),
  });
}

/** base64url {uid, utid}: msal builds the home account id `uid.utid` from it. */
export function clientInfo(objectId: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: objectId, utid: tenantId })).toString('base64url');
}

/** RFC 7636 S256: BASE64URL(SHA256(verifier)) equals the challenge. */
function verifierMatches(verifier: string, challenge: string): boolean {
  if (!verifier) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** .NET TimeSpan text, as Entra prints it: 90.00:00:00. */
function inactivityText(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  return `${days}.00:00:00`;
}
