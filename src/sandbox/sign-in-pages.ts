// Entra's authorize endpoint, /{tenant}/oauth2/v2.0/authorize, for the authorization-code
// flow with PKCE: a sign-in page listing the tenant's seeded accounts, and on "Sign in" a
// 302 back to the app with a single-use code (10 minutes). The sandbox accepts S256 PKCE
// only, stricter than Entra for confidential clients, so the connector must send it.
import { randomUUID } from 'node:crypto';
import { aadErrorPage, redirectError, redirectTo } from './aad-errors.js';
import { accountPicker, signInRefusal } from './consent-pages.js';
import type { EmulatorRequest, EmulatorResponse } from './http.js';
import { checkBrowserClient, type CheckedClient } from './login-clients.js';
import { escapeHtml, htmlPage } from './login-html.js';
import type { SandboxState } from './state.js';
import { clientInfo, resourceOfScopes } from './user-token-grants.js';

interface AuthorizeRequest extends CheckedClient {
  scopes: string[];
  resource: string;
  codeChallenge: string;
  state?: string;
  nonce?: string;
  clientInfo: boolean;
}

export function authorizeEndpoint(state: SandboxState) {
  function check(request: EmulatorRequest, tenantSegment: string): AuthorizeRequest | { response: EmulatorResponse } {
    const params = request.url.searchParams;
    const client = checkBrowserClient(state, tenantSegment, params);
    if ('page' in client) return { response: client.page };
    const appState = params.get('state') ?? undefined;
    const fail = (error: string, code: number, message: string) => ({
      response: redirectError(client.redirectUri, error, code, message, { state: appState }),
    });

    const responseType = params.get('response_type') ?? '';
    if (responseType !== 'code')
      return fail('unsupported_response_type', 700054, `response_type '${responseType}' is not enabled for the application.`);
    const codeChallenge = params.get('code_challenge') ?? '';
    if (!codeChallenge || params.get('code_challenge_method') !== 'S256') {
      return fail(
        'invalid_request',
        9002325,
        'Proof Key for Code Exchange is required for cross-origin authorization code redemption. (The sandbox requires code_challenge with code_challenge_method=S256.)',
      );
    }
    const scopes = (params.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const resource = resourceOfScopes(scopes);
    if (!resource)
      return fail(
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope ${scopes.join(' ')} is not valid.`,
      );
    const nonce = params.get('nonce') ?? undefined;
    return {
      ...client,
      scopes,
      resource,
      codeChallenge,
      clientInfo: params.get('client_info') === '1',
      ...(appState !== undefined ? { state: appState } : {}),
      ...(nonce ? { nonce } : {}),
    };
  }

  return {
    show(request: EmulatorRequest, tenantSegment: string): EmulatorResponse {
      const checked = check(request, tenantSegment);
      if ('response' in checked) return checked.response;
      const accounts = state.identity.accountsFor(checked.segment.kind === 'tenant' ? checked.segment.tenant.id : undefined);
      const body = [
        '<h1>Sign in</h1>',
        `<p id="app">${escapeHtml(checked.app.displayName)} wants to access <strong>${escapeHtml(checked.resource)}</strong> on your behalf.</p>`,
        `<form method="post" action="${escapeHtml(`${request.path}${request.url.search}`)}">`,
        accountPicker(accounts),
        '<button type="submit" name="action" value="cancel">Cancel</button>',
        accounts.length > 0 ? '<button type="submit" class="primary" name="action" value="signin">Sign in</button>' : '',
        '</form>',
      ].join('\n');
      return htmlPage(200, 'Sign in to your account', body);
    },

    decide(request: EmulatorRequest, tenantSegment: string): EmulatorResponse {
      const checked = check(request, tenantSegment);
      if ('response' in checked) return checked.response;
      const { app, redirectUri, segment } = checked;
      const form = new URLSearchParams(request.body);
      if (form.get('action') !== 'signin') {
        return redirectError(redirectUri, 'access_denied', 65004, 'User declined to consent to access the app.', {
          state: checked.state,
          error_subcode: 'cancel',
        });
      }
      const account = state.identity.accounts.get(form.get('account') ?? '');
      if (!account || (segment.kind === 'tenant' && account.tenantId !== segment.tenant.id)) {
        return aadErrorPage(
          50034,
          `The user account ${form.get('account') ?? ''} does not exist in the directory. To sign into this application, the account must be added to the directory.`,
        );
      }
      const tenantName = state.tenant(account.tenantId)?.displayName ?? account.tenantId;
      const refusal = signInRefusal(account, tenantName, app.clientId, app.displayName);
      if (refusal) return redirectError(redirectUri, refusal.error, refusal.code, refusal.message, { state: checked.state });

      const code = state.identity.issueCode({
        clientId: app.clientId,
        tenantId: account.tenantId,
        accountId: account.id,
        scopes: checked.scopes,
        redirectUri,
        codeChallenge: checked.codeChallenge,
        ...(checked.nonce ? { nonce: checked.nonce } : {}),
      });
      return redirectTo(redirectUri, {
        code,
        state: checked.state,
        client_info: checked.clientInfo ? clientInfo(account.id, account.tenantId) : undefined,
        session_state: randomUUID(),
      });
    },
  };
}
