// Entra's admin consent endpoint, /{tenant}/v2.0/adminconsent: the "Permissions requested —
// Accept for your organization" page, and what Accept / Cancel send back to the app.
// The page is a form that POSTs the admin's choice to the same URL (query included).
// Accounts seeded with a failure mode reproduce the redirects admins really get.
import { aadErrorPage, redirectError, redirectTo } from './aad-errors.js';
import type { EmulatorRequest, EmulatorResponse } from './http.js';
import { checkBrowserClient, type CheckedClient } from './login-clients.js';
import { escapeHtml, htmlPage } from './login-html.js';
import type { SeedSignInAccount } from './seed-identity.js';
import type { SandboxState } from './state.js';

/** What the consent page says each Graph application permission allows. */
const PERMISSION_TEXT: Record<string, string> = {
  'User.Read.All': "Read all users' full profiles",
  'GroupMember.Read.All': 'Read all group memberships',
  'LicenseAssignment.ReadWrite.All': 'Manage all license assignments',
  'Organization.Read.All': 'Read organization information',
  'AdministrativeUnit.Read.All': 'Read all administrative units',
};

const CONSENTING_ROLES = new Set(['Global Administrator', 'Privileged Role Administrator']);

/** `permissionsOf(resource)`: the app roles consent grants for a resource, undefined if unknown. */
export function adminConsentEndpoint(state: SandboxState, permissionsOf: (resource: string) => string[] | undefined) {
  /** Everything but the admin's choice; an error page or redirect when the request is bad. */
  function check(
    request: EmulatorRequest,
    tenantSegment: string,
  ): (CheckedClient & { scope: string; permissions: string[]; state?: string }) | { response: EmulatorResponse } {
    const params = request.url.searchParams;
    const client = checkBrowserClient(state, tenantSegment, params);
    if ('page' in client) return { response: client.page };
    const appState = params.get('state') ?? undefined;
    const scope = params.get('scope') ?? '';
    if (!scope)
      return {
        response: redirectError(
          client.redirectUri,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'scope'.",
          { state: appState },
        ),
      };
    const resource = scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : undefined;
    const permissions = resource ? permissionsOf(resource) : undefined;
    if (!permissions) {
      return {
        response: redirectError(
          client.redirectUri,
          'invalid_request',
          70011,
          `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
          { state: appState },
        ),
      };
    }
    return { ...client, scope, permissions, ...(appState !== undefined ? { state: appState } : {}) };
  }

  return {
    show(request: EmulatorRequest, tenantSegment: string): EmulatorResponse {
      const checked = check(request, tenantSegment);
      if ('response' in checked) return checked.response;
      const accounts = state.identity.accountsFor(checked.segment.kind === 'tenant' ? checked.segment.tenant.id : undefined);
      return consentPage(request, checked.app.displayName, checked.permissions, accounts);
    },

    decide(request: EmulatorRequest, tenantSegment: string): EmulatorResponse {
      const checked = check(request, tenantSegment);
      if ('response' in checked) return checked.response;
      const { app, redirectUri, segment } = checked;
      const form = new URLSearchParams(request.body);
      const appState = checked.state;
      if (form.get('action') !== 'accept') {
        return redirectError(redirectUri, 'access_denied', 65004, 'User declined to consent to access the app.', {
          state: appState,
          error_subcode: 'cancel',
        });
      }
      const account = state.identity.accounts.get(form.get('account') ?? '');
      if (!account || (segment.kind === 'tenant' && account.tenantId !== segment.tenant.id)) {
        const directory = segment.kind === 'tenant' ? segment.tenant.displayName : 'Microsoft';
        return aadErrorPage(
          50034,
          `The user account ${form.get('account') ?? ''} does not exist in the '${directory}' directory. To sign into this application, the account must be added to the directory.`,
        );
      }
      const tenant = segment.kind === 'tenant' ? segment.tenant : state.tenant(account.tenantId);
      if (!tenant) return aadErrorPage(90002, `Tenant '${account.tenantId}' not found.`);

      const refusal = signInRefusal(account, tenant.displayName, app.clientId, app.displayName);
      if (refusal) return redirectError(redirectUri, refusal.error, refusal.code, refusal.message, { state: appState });
      if (!account.directoryRoles.some((role) => CONSENTING_ROLES.has(role))) {
        // With tenant-wide user consent off the attempt ends in AADSTS65004.
        if (tenant.userConsentDisabled)
          return redirectError(redirectUri, 'access_denied', 65004, 'User declined to consent to access the app.', { state: appState });
        return redirectError(
          redirectUri,
          'consent_required',
          90094,
          `Admin consent is required for the permissions requested by this application. An admin consent request may be sent to the admin of '${tenant.displayName}'.`,
          { state: appState },
        );
      }
      tenant.consentedAppIds.add(app.clientId);
      return redirectTo(redirectUri, { admin_consent: 'True', tenant: tenant.id, scope: checked.scope, state: appState });
    },
  };
}

/** Why an account cannot sign in at all (personal account, no MFA), as Entra answers it. */
export function signInRefusal(
  account: SeedSignInAccount,
  tenantName: string,
  clientId: string,
  appName: string,
): { error: string; code: number; message: string } | undefined {
  if (account.kind === 'personal') {
    return {
      error: 'access_denied',
      code: 50020,
      message: `User account '${account.userPrincipalName}' from identity provider 'live.com' does not exist in tenant '${tenantName}' and cannot access the application '${clientId}'(${appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    };
  }
  if (!account.mfaRegistered) {
    return {
      error: 'interaction_required',
      code: 50076,
      message: `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${appName}'.`,
    };
  }
  return undefined;
}

function consentPage(request: EmulatorRequest, appName: string, permissions: string[], accounts: SeedSignInAccount[]): EmulatorResponse {
  const action = `${request.path}${request.url.search}`;
  const permissionItems = permissions
    .map((p) => `<li>${escapeHtml(PERMISSION_TEXT[p] ?? p)} <small>(${escapeHtml(p)})</small></li>`)
    .join('\n');
  const body = [
    '<h1>Permissions requested</h1>',
    '<p><strong>Accept for your organization</strong></p>',
    `<p id="app">${escapeHtml(appName)} <small>unverified</small></p>`,
    `<form method="post" action="${escapeHtml(action)}">`,
    accountPicker(accounts),
    '<p>This app would like to:</p>',
    `<ul id="permissions">${permissionItems}</ul>`,
    '<p><small>If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions.</small></p>',
    '<button type="submit" name="action" value="cancel">Cancel</button>',
    accounts.length > 0 ? '<button type="submit" class="primary" name="action" value="accept">Accept</button>' : '',
    '</form>',
  ].join('\n');
  return htmlPage(200, 'Permissions requested', body);
}

/** Radio buttons for the seeded accounts (stands in for Entra's sign-in and account picker). */
export function accountPicker(accounts: SeedSignInAccount[]): string {
  if (accounts.length === 0) return '<p>No account of this organization can sign in here.</p>';
  const items = accounts.map(
    (a, i) =>
      `<li><label><input type="radio" name="account" value="${escapeHtml(a.id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(a.displayName)} <small>${escapeHtml(a.userPrincipalName)}</small></label></li>`,
  );
  return `<p>Signed in as:</p>\n<ul id="accounts">${items.join('\n')}</ul>`;
}
