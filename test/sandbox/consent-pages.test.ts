// The login emulator's admin consent page: what it shows, what Accept and Cancel send back,
// the error pages for an unknown app or an unregistered redirect URI, and the seeded
// accounts that reproduce the failures admins meet.
import { testClock } from '../harness/clock.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminConsentUrl, adviseConsentError, parseConsentCallback } from '../../src/domain/consent.js';
import { DEMO_APP, NORTHWIND_TENANT_ID, OTHER_TENANT_ID, SIGN_IN_ACCOUNTS, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openPage, redirectOf, submitForm, unescapeHtml } from './login-browser.js';

const CALLBACK = 'http://127.0.0.1:3978/api/consent/callback';
const STATE = 'state-0123456789abcdef';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ clock: testClock });
});
afterEach(async () => {
  await sandbox.stop();
});

const consentUrl = (tenant: string, overrides: { redirectUri?: string; state?: string } = {}) =>
  adminConsentUrl({
    tenant,
    clientId: DEMO_APP.clientId,
    redirectUri: overrides.redirectUri ?? CALLBACK,
    state: overrides.state ?? STATE,
    authorityHost: sandbox.urls.login,
  });

/** Replaces one query parameter of a URL (for requests adminConsentUrl would refuse to build). */
function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

describe('admin consent page', () => {
  it('shows the app, its Graph permissions and the tenant admin, and Accept consents the app', async () => {
    const url = consentUrl(NORTHWIND_TENANT_ID);
    const page = await openPage(url);
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    expect(page.html).toContain('Permissions requested');
    expect(page.html).toContain('Quartermaster (sandbox)');
    expect(page.html).toContain('Read all users&#39; full profiles');
    expect(page.html).toContain('LicenseAssignment.ReadWrite.All');
    expect(page.html).toContain('Read all administrative units'); // delegated units of administrative units
    expect(page.html).toContain(SIGN_IN_ACCOUNTS.northwindGlobalAdmin.userPrincipalName);
    expect(page.html).not.toContain(SIGN_IN_ACCOUNTS.demoGlobalAdmin.userPrincipalName);
    expect(page.html).toMatch(/value="accept">Accept</);
    expect(page.html).toMatch(/value="cancel">Cancel</);
    expect(sandbox.state.tenant(NORTHWIND_TENANT_ID)!.consentedAppIds.has(DEMO_APP.clientId)).toBe(false);

    const back = redirectOf(await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.northwindGlobalAdmin.id, action: 'accept' }));
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(back.searchParams.get('admin_consent')).toBe('True');
    expect(back.searchParams.get('tenant')).toBe(NORTHWIND_TENANT_ID);
    expect(back.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(back.searchParams.get('state')).toBe(STATE);
    expect(parseConsentCallback(back.searchParams)).toMatchObject({ kind: 'granted', tenantId: NORTHWIND_TENANT_ID, state: STATE });
    expect(sandbox.state.tenant(NORTHWIND_TENANT_ID)!.consentedAppIds.has(DEMO_APP.clientId)).toBe(true);
  });

  it('Cancel redirects with access_denied / cancel / AADSTS65004 and consents nothing', async () => {
    const url = consentUrl(NORTHWIND_TENANT_ID);
    const page = await openPage(url);
    const back = redirectOf(await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.northwindGlobalAdmin.id, action: 'cancel' }));
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_subcode')).toBe('cancel');
    expect(back.searchParams.get('error_description')).toMatch(/^AADSTS65004: User declined to consent to access the app\./);
    expect(back.searchParams.get('state')).toBe(STATE);
    expect(back.searchParams.has('admin_consent')).toBe(false);
    expect(parseConsentCallback(back.searchParams)).toMatchObject({
      kind: 'failed',
      problem: 'cancelled',
      code: 'AADSTS65004',
      state: STATE,
    });
    expect(sandbox.state.tenant(NORTHWIND_TENANT_ID)!.consentedAppIds.has(DEMO_APP.clientId)).toBe(false);
  });

  it('an unknown app gets an AADSTS700016 error page, not a redirect', async () => {
    const page = await openPage(withParam(consentUrl(NORTHWIND_TENANT_ID), 'client_id', '11111111-2222-3333-4444-555555555555'));
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    expect(page.contentType).toMatch(/^text\/html/);
    expect(unescapeHtml(page.html)).toContain(
      "AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the directory 'Northwind (not connected)'",
    );
  });

  it('a redirect URI the app does not have gets an AADSTS50011 error page; loopback on any port and registered URIs pass', async () => {
    const page = await openPage(withParam(consentUrl(NORTHWIND_TENANT_ID), 'redirect_uri', 'https://evil.example/callback'));
    expect(page.status).toBe(400);
    expect(page.location).toBeNull();
    expect(unescapeHtml(page.html)).toContain(
      "AADSTS50011: The redirect URI 'https://evil.example/callback' specified in the request does not match the redirect URIs configured for the application",
    );

    for (const redirectUri of [
      'http://localhost:9/cb',
      'http://127.0.0.1:65000/api/consent/callback',
      'https://quartermaster.example/api/consent/callback',
    ]) {
      expect((await openPage(consentUrl(NORTHWIND_TENANT_ID, { redirectUri }))).status, redirectUri).toBe(200);
    }
  });

  it('an unknown tenant gets an AADSTS90002 error page', async () => {
    const page = await openPage(consentUrl('0badc0de-0000-4000-8000-000000000000'));
    expect(page.status).toBe(400);
    expect(unescapeHtml(page.html)).toContain("AADSTS90002: Tenant '0badc0de-0000-4000-8000-000000000000' not found.");
  });

  it('escapes every value taken from the request, and hands the state back unchanged', async () => {
    const nasty = '<script>alert(1)</script>"\'&';
    const url = withParam(
      withParam(consentUrl(NORTHWIND_TENANT_ID), 'state', nasty),
      'redirect_uri',
      `http://127.0.0.1:3978/cb?next=${encodeURIComponent(nasty)}`,
    );
    const page = await openPage(url);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('<script>');

    const back = redirectOf(await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.northwindGlobalAdmin.id, action: 'accept' }));
    expect(back.searchParams.get('state')).toBe(nasty);
    expect(back.searchParams.get('next')).toBe(nasty);

    const errorPages = [
      await openPage(withParam(consentUrl(NORTHWIND_TENANT_ID), 'client_id', nasty)),
      await openPage(withParam(consentUrl(NORTHWIND_TENANT_ID), 'redirect_uri', `https://x.example/${nasty}`)),
    ];
    for (const errorPage of errorPages) {
      expect(errorPage.status).toBe(400);
      expect(errorPage.html).not.toContain('<script>');
      expect(errorPage.html).toContain('&lt;script&gt;');
    }
  });

  it("'organizations' offers the admins of every tenant, and consent lands in the chosen admin's tenant", async () => {
    const url = consentUrl('organizations');
    const page = await openPage(url);
    expect(page.html).toContain(SIGN_IN_ACCOUNTS.otherGlobalAdmin.userPrincipalName);
    expect(page.html).toContain(SIGN_IN_ACCOUNTS.northwindGlobalAdmin.userPrincipalName);
    sandbox.state.tenant(OTHER_TENANT_ID)!.consentedAppIds.clear();

    const back = redirectOf(await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.otherGlobalAdmin.id, action: 'accept' }));
    expect(back.searchParams.get('tenant')).toBe(OTHER_TENANT_ID);
    expect(sandbox.state.tenant(OTHER_TENANT_ID)!.consentedAppIds.has(DEMO_APP.clientId)).toBe(true);
  });

  it('a tenant domain works as the tenant segment', async () => {
    const url = consentUrl('northwind.example');
    const page = await openPage(url);
    const back = redirectOf(await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.northwindGlobalAdmin.id, action: 'accept' }));
    expect(back.searchParams.get('tenant')).toBe(NORTHWIND_TENANT_ID);
  });
});

describe('admin consent failures the seeded accounts reproduce', () => {
  async function attempt(tenant: string, accountId: string) {
    const url = consentUrl(tenant);
    const page = await openPage(url);
    const back = redirectOf(await submitForm(url, page.html, { account: accountId, action: 'accept' }));
    expect(back.searchParams.get('state')).toBe(STATE);
    expect(back.searchParams.has('admin_consent')).toBe(false);
    return { error: back.searchParams.get('error'), description: back.searchParams.get('error_description') ?? '' };
  }

  it('a personal Microsoft account: AADSTS50020, advice says use the work account', async () => {
    const { error, description } = await attempt(NORTHWIND_TENANT_ID, SIGN_IN_ACCOUNTS.northwindPersonal.id);
    expect(error).toBe('access_denied');
    expect(description).toMatch(
      /^AADSTS50020: User account 'nora\.home@outlook\.com' from identity provider 'live\.com' does not exist in tenant/,
    );
    expect(adviseConsentError(error!, description).problem).toBe('personal-account');
  });

  it('a non-admin where tenant-wide user consent is off: AADSTS65004', async () => {
    const { error, description } = await attempt(NORTHWIND_TENANT_ID, SIGN_IN_ACCOUNTS.northwindNonAdmin.id);
    expect(error).toBe('access_denied');
    expect(description).toMatch(/^AADSTS65004: User declined to consent to access the app\./);
    expect(adviseConsentError(error!, description).problem).toBe('user-consent-disabled');
    expect(sandbox.state.tenant(NORTHWIND_TENANT_ID)!.consentedAppIds.size).toBe(0);
  });

  it('a non-admin where user consent is allowed: AADSTS90094 admin consent required', async () => {
    sandbox.state.tenant(OTHER_TENANT_ID)!.consentedAppIds.clear();
    const { error, description } = await attempt('example.com', SIGN_IN_ACCOUNTS.demoNonAdmin.id);
    expect(error).toBe('consent_required');
    expect(description).toMatch(/^AADSTS90094: Admin consent is required/);
    expect(adviseConsentError(error!, description).problem).toBe('admin-approval-needed');
  });

  it('an account of another tenant cannot be picked on a tenant page', async () => {
    const url = consentUrl(NORTHWIND_TENANT_ID);
    const page = await openPage(url);
    const response = await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.otherGlobalAdmin.id, action: 'accept' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('AADSTS50034');
    expect(sandbox.state.tenant(NORTHWIND_TENANT_ID)!.consentedAppIds.size).toBe(0);
  });
});

describe('sign-in page (authorize endpoint)', () => {
  it('escapes request values and hands the state back unchanged with the code', async () => {
    const nasty = '<script>alert(1)</script>"\'&';
    const url = new URL(`${sandbox.urls.login}/partner.example/oauth2/v2.0/authorize`);
    for (const [name, value] of Object.entries({
      client_id: DEMO_APP.clientId,
      response_type: 'code',
      redirect_uri: `http://127.0.0.1:3978/cb?next=${encodeURIComponent(nasty)}`,
      scope: 'https://api.partnercenter.microsoft.com/user_impersonation offline_access openid profile',
      state: nasty,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      client_info: '1',
    })) {
      url.searchParams.set(name, value);
    }
    const page = await openPage(url.toString());
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('<script>');
    expect(page.html).toContain(SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName);

    const back = redirectOf(
      await submitForm(url.toString(), page.html, { account: SIGN_IN_ACCOUNTS.partnerAdminAgent.id, action: 'signin' }),
    );
    expect(back.searchParams.get('state')).toBe(nasty);
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(JSON.parse(Buffer.from(back.searchParams.get('client_info')!, 'base64url').toString())).toEqual({
      uid: SIGN_IN_ACCOUNTS.partnerAdminAgent.id,
      utid: sandbox.partnerTenantId,
    });
  });
});
