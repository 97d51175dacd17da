// Confirming an admin consent callback: an app-only Graph token for the callback's tenant
// proves the consent; each way it fails becomes plain advice.
import { describe, expect, it } from 'vitest';
import { confirmAdminConsent } from '../../src/connectors/identity/admin-consent.js';
import { SandboxLoginNetworkClient } from '../../src/connectors/identity/sandbox-network-client.js';
import { MsalTokenProvider } from '../../src/connectors/identity/token-provider.js';
import { adminConsentUrl } from '../../src/domain/consent.js';
import { DEMO_APP, NORTHWIND_TENANT_ID, OTHER_TENANT_ID, SIGN_IN_ACCOUNTS } from '../../src/sandbox/index.js';
import { openPage, redirectOf, submitForm } from '../sandbox/login-browser.js';
import { sandboxPerTest } from './sandbox-connectors.js';

const fx = sandboxPerTest();

const graphTokens = (clientSecret: string = DEMO_APP.clientSecret) =>
  new MsalTokenProvider(
    { clientId: DEMO_APP.clientId, clientSecret },
    { service: 'graph', networkClient: new SandboxLoginNetworkClient(fx.sandbox.urls.login), log: fx.log },
  );

describe('confirmAdminConsent', () => {
  it('is ok for a tenant that consented', async () => {
    expect(await confirmAdminConsent(graphTokens(), OTHER_TENANT_ID)).toEqual({ ok: true });
  });

  it('says consent is not granted yet until the admin accepts, then confirms it', async () => {
    const before = await confirmAdminConsent(graphTokens(), NORTHWIND_TENANT_ID);
    expect(before).toMatchObject({ ok: false, code: 'AADSTS700016' });
    expect(before.ok === false && before.problem).toMatch(/not been granted/);
    expect(before.ok === false && before.fix).toMatch(/Accept/);

    const url = adminConsentUrl({
      tenant: NORTHWIND_TENANT_ID,
      clientId: DEMO_APP.clientId,
      redirectUri: 'http://127.0.0.1:3978/api/consent/callback',
      state: 'consent-state-0123456789',
      authorityHost: fx.sandbox.urls.login,
    });
    const page = await openPage(url);
    const back = redirectOf(await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.northwindGlobalAdmin.id, action: 'accept' }));
    expect(back.searchParams.get('tenant')).toBe(NORTHWIND_TENANT_ID);

    expect(await confirmAdminConsent(graphTokens(), back.searchParams.get('tenant')!)).toEqual({ ok: true });
  });

  it('an unknown tenant: AADSTS90002', async () => {
    const result = await confirmAdminConsent(graphTokens(), '0badc0de-0000-4000-8000-000000000000');
    expect(result).toMatchObject({ ok: false, code: 'AADSTS90002' });
    expect(result.ok === false && result.problem).toMatch(/does not know this tenant/);
  });

  it("a wrong app secret is Quartermaster's problem, and the secret is never echoed", async () => {
    const result = await confirmAdminConsent(graphTokens('wrong-secret-value'), OTHER_TENANT_ID);
    expect(result).toMatchObject({ ok: false, code: 'AADSTS7000215' });
    expect(JSON.stringify(result)).not.toContain('wrong-secret-value');
    expect(result.ok === false && result.fix).toMatch(/runs Quartermaster/);
  });

  it('an unavailable sign-in service says try again', async () => {
    fx.sandbox.faults.login.failNext({ status: 503, path: '/oauth2/v2.0/token', times: 3 });
    const result = await confirmAdminConsent(graphTokens(), OTHER_TENANT_ID);
    expect(result).toMatchObject({ ok: false });
    expect(result.ok === false && result.fix).toMatch(/try again/i);
  });
});
