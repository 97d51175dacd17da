// Admin consent, pure parts: the URL, the callback (error first), advice for the failures
// admins hit (by their AADSTS codes), and a browser page that shows every value as text.
import { describe, expect, it } from 'vitest';
import {
  aadstsCode,
  adminConsentUrl,
  adviseConsentError,
  consentFailurePage,
  parseConsentCallback,
  type ConsentCallback,
  type ConsentProblem,
} from '../../src/domain/consent.js';
import { escapeHtml, renderConsentPage } from '../../src/http/consent-page.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '11111111-2222-3333-4444-555555555555';
const STATE = 'Zm9vYmFyYmF6cXV4cXV1eHh5ejAxMjM0NTY3ODk';
const REDIRECT = 'https://qm.example.com/api/consent/callback';

function failed(result: ConsentCallback): Extract<ConsentCallback, { kind: 'failed' }> {
  expect(result.kind).toBe('failed');
  return result as Extract<ConsentCallback, { kind: 'failed' }>;
}

describe('adminConsentUrl', () => {
  it('builds the v2.0 adminconsent URL with every value encoded, in the documented order', () => {
    expect(adminConsentUrl({ tenant: TENANT, clientId: CLIENT, redirectUri: REDIRECT, state: STATE })).toBe(
      `https://login.microsoftonline.com/${TENANT}/v2.0/adminconsent` +
        `?client_id=${CLIENT}` +
        '&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default' +
        '&redirect_uri=https%3A%2F%2Fqm.example.com%2Fapi%2Fconsent%2Fcallback' +
        `&state=${STATE}`,
    );
  });

  it('round-trips through a URL parser', () => {
    const redirectUri = 'https://qm.example.com/api/consent/callback?from=teams&x=a b';
    const url = new URL(adminConsentUrl({ tenant: 'contoso.onmicrosoft.com', clientId: CLIENT, redirectUri, state: STATE }));
    expect(url.pathname).toBe('/contoso.onmicrosoft.com/v2.0/adminconsent');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: redirectUri,
      state: STATE,
    });
  });

  it('uses another login host when given (the sandbox emulator)', () => {
    const url = adminConsentUrl({
      tenant: TENANT,
      clientId: CLIENT,
      redirectUri: 'http://127.0.0.1:3978/api/consent/callback',
      state: STATE,
      authorityHost: 'http://127.0.0.1:5000/',
    });
    expect(url.startsWith(`http://127.0.0.1:5000/${TENANT}/v2.0/adminconsent?`)).toBe(true);
  });

  it.each([
    ['a tenant with a path in it', { tenant: `${TENANT}/../common` }],
    ['an empty tenant', { tenant: '' }],
    ['a client id that is not a GUID', { clientId: 'quartermaster' }],
    ['a short state', { state: 'abc' }],
    ['a state with URL characters', { state: `${STATE}&tenant=evil` }],
    ['a plain-http redirect to another host', { redirectUri: 'http://qm.example.com/api/consent/callback' }],
    ['a relative redirect', { redirectUri: '/api/consent/callback' }],
    ['a redirect with a fragment', { redirectUri: `${REDIRECT}#x` }],
  ])('refuses %s', (_name, change) => {
    expect(() => adminConsentUrl({ tenant: TENANT, clientId: CLIENT, redirectUri: REDIRECT, state: STATE, ...change })).toThrow(RangeError);
  });
});

describe('parseConsentCallback', () => {
  it('accepts a granted consent with a tenant id and a state', () => {
    const result = parseConsentCallback({
      admin_consent: 'True',
      tenant: TENANT.toUpperCase(),
      state: STATE,
      scope: 'https://graph.microsoft.com/User.Read.All',
    });
    expect(result).toEqual({ kind: 'granted', tenantId: TENANT, state: STATE, scope: 'https://graph.microsoft.com/User.Read.All' });
  });

  it('reads URLSearchParams too', () => {
    expect(parseConsentCallback(new URLSearchParams(`admin_consent=True&tenant=${TENANT}&state=${STATE}`))).toMatchObject({
      kind: 'granted',
      tenantId: TENANT,
    });
  });

  it('checks error first, even when admin_consent=True is also present', () => {
    const result = failed(
      parseConsentCallback({
        admin_consent: 'True',
        tenant: TENANT,
        state: STATE,
        error: 'access_denied',
        error_description: 'AADSTS65004: User declined to consent to access the app.\r\nTrace ID: abc',
      }),
    );
    expect(result).toMatchObject({ error: 'access_denied', code: 'AADSTS65004', problem: 'user-consent-disabled', state: STATE });
    expect(result.advice).toMatch(/Allow user consent for apps/);
  });

  it('reports an error without a state too, so nothing is trusted from it', () => {
    const result = failed(parseConsentCallback({ error: 'server_error' }));
    expect(result.problem).toBe('service-unavailable');
    expect(result.state).toBeUndefined();
  });

  it('keeps a long description bounded', () => {
    const result = failed(parseConsentCallback({ error: 'access_denied', error_description: 'x'.repeat(10_000) }));
    expect(result.description!.length).toBeLessThanOrEqual(1001);
  });

  it.each<[string, Record<string, string | string[]>, RegExp]>([
    ['no state', { admin_consent: 'True', tenant: TENANT }, /state parameter is missing/],
    ['a state we could not have issued', { admin_consent: 'True', tenant: TENANT, state: '<script>' }, /not one Quartermaster issued/],
    ['no admin_consent', { tenant: TENANT, state: STATE }, /did not confirm admin consent/],
    ['admin_consent=False', { admin_consent: 'False', tenant: TENANT, state: STATE }, /did not confirm admin consent/],
    ['no tenant', { admin_consent: 'True', state: STATE }, /tenant parameter is missing/],
    ['a tenant that is not a GUID', { admin_consent: 'True', tenant: 'contoso.onmicrosoft.com', state: STATE }, /not a tenant id/],
    ['a tenant GUID with extra text', { admin_consent: 'True', tenant: `${TENANT}x`, state: STATE }, /not a tenant id/],
    [
      'a repeated tenant',
      { admin_consent: 'True', tenant: [TENANT, '00000000-0000-0000-0000-000000000000'], state: STATE },
      /"tenant" parameter appears more than once/,
    ],
    [
      'a repeated error (one could hide the other)',
      { error: ['access_denied', 'x'], state: STATE },
      /"error" parameter appears more than once/,
    ],
  ])('calls a callback with %s invalid', (_name, query, reason) => {
    const result = parseConsentCallback(query);
    expect(result.kind).toBe('invalid');
    expect((result as { reason: string }).reason).toMatch(reason);
  });

  it('passes the state along with an invalid callback when it is well formed, so it can be spent', () => {
    expect(parseConsentCallback({ admin_consent: 'True', state: STATE })).toMatchObject({ kind: 'invalid', state: STATE });
  });
});

describe('consent failure advice', () => {
  // [error, error_description, problem, words the advice must contain]
  const cases: Array<[string, string, ConsentProblem, RegExp]> = [
    ['access_denied', 'AADSTS65004: User declined to consent to access the app.', 'user-consent-disabled', /Global Administrator/],
    ['consent_required', 'AADSTS90094: The grant requires admin permission.', 'admin-approval-needed', /Global Administrator/],
    [
      'consent_required',
      'AADSTS90008: The user or administrator has not consented to use the application.',
      'admin-approval-needed',
      /administrator/i,
    ],
    [
      'consent_required',
      'AADSTS65001: The user or administrator has not consented to use the application.',
      'admin-approval-needed',
      /administrator/i,
    ],
    ['access_denied', 'AADSTS90093: Calling principal cannot consent due to lack of permissions.', 'not-an-admin', /administrator/i],
    ['consent_required', 'The request needs consent.', 'admin-approval-needed', /Global Administrator/],
    ['access_denied', 'the user canceled the authentication', 'cancelled', /Accept/],
    [
      'invalid_request',
      "AADSTS500200: User account 'x@outlook.com' is a personal Microsoft account.",
      'personal-account',
      /private browser window/,
    ],
    [
      'invalid_request',
      "AADSTS50020: User account 'bob@fabrikam.com' from identity provider 'https://sts.windows.net/…' does not exist in tenant 'Contoso'.",
      'wrong-directory',
      /private browser window/,
    ],
    [
      'invalid_request',
      "AADSTS50020: User account 'bob@outlook.com' from identity provider 'live.com' does not exist in tenant 'Contoso'.",
      'personal-account',
      /personal account/,
    ],
    [
      'interaction_required',
      'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.',
      'mfa-required',
      /multi-factor/,
    ],
    ['interaction_required', 'AADSTS50079: The user is required to use multi-factor authentication.', 'mfa-required', /multi-factor/],
    ['access_denied', 'Role activation through Privileged Identity Management is pending.', 'privileged-identity-management', /PIM/],
    ['access_denied', 'AADSTS53003: Access has been blocked by Conditional Access policies.', 'conditional-access', /Conditional Access/],
    [
      'unauthorized_client',
      `AADSTS700016: Application with identifier '${CLIENT}' was not found in the directory 'Contoso'.`,
      'app-not-found',
      /person who runs Quartermaster/,
    ],
    [
      'invalid_request',
      'AADSTS50011: The redirect URI specified in the request does not match.',
      'redirect-uri-mismatch',
      /person who runs Quartermaster/,
    ],
    [
      'invalid_grant',
      'AADSTS700082: The refresh token has expired due to inactivity. The token was issued on … and was inactive for 90.00:00:00.',
      'sign-in-expired',
      /connect again/,
    ],
    ['temporarily_unavailable', 'Try again later.', 'service-unavailable', /Wait a minute/],
    ['weird_error', 'AADSTS9999999: something new', 'unknown', /login\.microsoftonline\.com\/error/],
  ];
  it.each(cases)('%s / %s → %s', (error, description, problem, words) => {
    const advice = adviseConsentError(error, description);
    expect(advice.problem).toBe(problem);
    expect(advice.advice).toMatch(words);
    expect(advice.title.length).toBeGreaterThan(0);
  });

  it("marks problems in our own app registration as the operator's", () => {
    expect(adviseConsentError('unauthorized_client', 'AADSTS700016: not found').operatorProblem).toBe(true);
    expect(adviseConsentError('access_denied', 'AADSTS65004: declined').operatorProblem).toBe(false);
  });

  it('finds the AADSTS code only as a whole word', () => {
    expect(aadstsCode('AADSTS65004: User declined')).toBe('65004');
    expect(aadstsCode('Trace: XAADSTS65004')).toBeUndefined();
    expect(aadstsCode(undefined)).toBeUndefined();
  });
});

describe('consent page', () => {
  it('escapes every value, so script in error_description is shown as text', () => {
    const attack = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const result = failed(
      parseConsentCallback({ error: `access_denied"><script>1</script>`, error_description: `AADSTS65004: ${attack}`, state: STATE }),
    );
    const html = renderConsentPage(consentFailurePage(result));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('access_denied">');
    expect(html).toContain('access_denied&quot;&gt;&lt;script&gt;1&lt;/script&gt;');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('AADSTS65004');
    expect(html).toContain("default-src 'none'");
  });

  it('escapes the title, message and details it is given', () => {
    const html = renderConsentPage({
      outcome: 'connected',
      title: 'Connected <b>',
      message: "you can close this tab & 'go'",
      details: ['Tenant "a"'],
    });
    expect(html).toContain('<h1>Connected &lt;b&gt;</h1>');
    expect(html).toContain('you can close this tab &amp; &#39;go&#39;');
    expect(html).toContain('Tenant &quot;a&quot;');
    expect(html).toContain('class="connected"');
  });

  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('a cancelled consent', () => {
  it('is told apart from a tenant policy by error_subcode=cancel', () => {
    const description = 'AADSTS65004: User declined to consent to access the app.';
    const cancelled = parseConsentCallback(
      new URLSearchParams({ error: 'access_denied', error_subcode: 'cancel', error_description: description, state: 'S'.repeat(43) }),
    );
    expect(cancelled).toMatchObject({ kind: 'failed', problem: 'cancelled', title: 'Consent was not given', code: 'AADSTS65004' });
    const refused = parseConsentCallback(new URLSearchParams({ error: 'access_denied', error_description: description }));
    expect(refused).toMatchObject({ kind: 'failed', problem: 'user-consent-disabled' });
  });
});
