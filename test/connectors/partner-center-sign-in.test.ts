// Partner Center app+user sign-in against the sandbox, the way a browser and the bot do it:
// build the URL (PKCE), open the emulator's sign-in page, press "Sign in", read the code from
// the 302, redeem it, then call Partner Center as the agent. Refresh tokens rotate into the
// connection's store and die after 90 days unused.
import { describe, expect, it } from 'vitest';
import {
  PartnerCenterSignIn,
  PartnerCenterUserTokens,
  isReconsentRequired,
  ReconsentRequired,
  type TokenCacheStore,
} from '../../src/connectors/identity/partner-center-sign-in.js';
import { PARTNER_CENTER_SCOPE } from '../../src/connectors/identity/token-provider.js';
import { ConnectorError } from '../../src/connectors/ports.js';
import { DEFAULT_RETRY_POLICY } from '../../src/connectors/retry.js';
import { PartnerCenterCommerce } from '../../src/connectors/partner-center/partner-center-commerce.js';
import { DEMO_APP, DEMO_CUSTOMER_ID, DEMO_PARTNER_TENANT_ID, DEMO_SUBSCRIPTIONS, SIGN_IN_ACCOUNTS } from '../../src/sandbox/index.js';
import { openPage, redirectOf, submitForm } from '../sandbox/login-browser.js';
import { FAST_RETRY, rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const fx = sandboxPerTest();
const REDIRECT_URI = 'http://127.0.0.1:3978/api/consent/callback';
const STATE = 'pc-state-0123456789abcdef';

/** What the connection repository does, minus the encryption. */
function memoryStore(): TokenCacheStore & { value?: string; writes: number } {
  const store = {
    value: undefined as string | undefined,
    writes: 0,
    read: async () => store.value,
    write: async (serialized: string) => {
      store.value = serialized;
      store.writes++;
    },
  };
  return store;
}

function signIn(overrides: { clientSecret?: string } = {}) {
  return new PartnerCenterSignIn({
    credentials: { ...fx.sandbox.app, ...overrides },
    partnerTenantId: fx.sandbox.partnerTenantId,
    sandboxLoginUrl: fx.sandbox.urls.login,
    log: fx.log,
  });
}

/** Opens the sign-in URL, picks the account and presses a button; returns the 302's target. */
async function browserSignIn(url: string, accountId: string, action: 'signin' | 'cancel' = 'signin'): Promise<URL> {
  const page = await openPage(url);
  expect(page.status).toBe(200);
  return redirectOf(await submitForm(url, page.html, { account: accountId, action }));
}

async function signedIn(accountId: string = SIGN_IN_ACCOUNTS.partnerAdminAgent.id) {
  const pc = signIn();
  const { url, codeVerifier } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
  const back = await browserSignIn(url, accountId);
  const store = memoryStore();
  const agent = await pc.completeSignIn({ code: back.searchParams.get('code')!, codeVerifier, redirectUri: REDIRECT_URI }, store);
  return { pc, store, agent };
}

const refreshTokensIn = (serialized: string | undefined): string[] =>
  Object.values((JSON.parse(serialized ?? '{}') as { RefreshToken?: Record<string, { secret: string }> }).RefreshToken ?? {}).map(
    (t) => t.secret,
  );

function commerceAs(pc: PartnerCenterSignIn, homeAccountId: string, cache: TokenCacheStore) {
  return new PartnerCenterCommerce({
    tokens: new PartnerCenterUserTokens(pc, { homeAccountId, cache }),
    partnerTenantId: DEMO_PARTNER_TENANT_ID,
    baseUrl: fx.sandbox.urls.partnerCenter,
    retry: { ...DEFAULT_RETRY_POLICY, ...FAST_RETRY },
    log: fx.log,
  });
}

async function refreshDirectly(refreshToken: string) {
  const response = await fetch(`${fx.sandbox.urls.login}/${DEMO_PARTNER_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: DEMO_APP.clientId,
      client_secret: DEMO_APP.clientSecret,
      refresh_token: refreshToken,
      scope: 'https://api.partnercenter.microsoft.com/user_impersonation offline_access',
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Partner Center agent sign-in (authorization code + PKCE)', () => {
  it('round trip: URL → sign-in page → code → tokens in the store → Partner Center calls as the agent', async () => {
    const pc = signIn();
    const { url, codeVerifier } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
    const target = new URL(url);
    expect(`${target.origin}${target.pathname}`).toBe(`${fx.sandbox.urls.login}/${DEMO_PARTNER_TENANT_ID}/oauth2/v2.0/authorize`);
    expect(target.searchParams.get('code_challenge_method')).toBe('S256');
    expect(target.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(target.searchParams.get('scope')).toContain('https://api.partnercenter.microsoft.com/user_impersonation');
    expect(target.searchParams.get('scope')).toContain('offline_access');
    expect(target.searchParams.get('state')).toBe(STATE);
    expect(url).not.toContain(codeVerifier);

    const page = await openPage(url);
    expect(page.html).toContain(SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName);
    expect(page.html).toContain(SIGN_IN_ACCOUNTS.partnerNoAgentRole.userPrincipalName);
    const back = redirectOf(await submitForm(url, page.html, { account: SIGN_IN_ACCOUNTS.partnerAdminAgent.id, action: 'signin' }));
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('state')).toBe(STATE);
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const store = memoryStore();
    const agent = await pc.completeSignIn({ code, codeVerifier, redirectUri: REDIRECT_URI }, store);
    expect(agent).toEqual({
      username: SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName,
      displayName: SIGN_IN_ACCOUNTS.partnerAdminAgent.displayName,
      authenticationMethods: ['pwd', 'mfa'],
      homeAccountId: `${SIGN_IN_ACCOUNTS.partnerAdminAgent.id}.${DEMO_PARTNER_TENANT_ID}`,
      tenantId: DEMO_PARTNER_TENANT_ID,
    });
    expect(store.writes).toBeGreaterThan(0);
    expect(refreshTokensIn(store.value)).toHaveLength(1);

    const accessToken = await pc.accessToken(agent.homeAccountId, store);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      aud: 'https://api.partnercenter.microsoft.com',
      tid: DEMO_PARTNER_TENANT_ID,
      oid: SIGN_IN_ACCOUNTS.partnerAdminAgent.id,
      scp: 'user_impersonation',
    });

    const subscriptions = await commerceAs(pc, agent.homeAccountId, store).listSubscriptions(DEMO_CUSTOMER_ID);
    expect(subscriptions.map((s) => s.id)).toContain(DEMO_SUBSCRIPTIONS.m365E3);
    const tokens = new PartnerCenterUserTokens(pc, { homeAccountId: agent.homeAccountId, cache: store });
    expect(await tokens.getToken(DEMO_PARTNER_TENANT_ID, PARTNER_CENTER_SCOPE)).toBeTruthy();
    expect(await rejectionOf(tokens.getToken(DEMO_CUSTOMER_ID, PARTNER_CENTER_SCOPE))).toBeInstanceOf(ConnectorError);
  });

  it('refuses a wrong PKCE verifier (AADSTS501481) and a replayed code (AADSTS54005)', async () => {
    const pc = signIn();
    const { url, codeVerifier } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
    const code = (await browserSignIn(url, SIGN_IN_ACCOUNTS.partnerAdminAgent.id)).searchParams.get('code')!;
    const { codeVerifier: otherVerifier } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });

    const wrong = await rejectionOf(pc.completeSignIn({ code, codeVerifier: otherVerifier, redirectUri: REDIRECT_URI }, memoryStore()));
    expect(wrong).toBeInstanceOf(ReconsentRequired);
    expect(wrong.code).toBe('AADSTS501481');
    expect(wrong.message).toContain('The Code_Verifier does not match the code_challenge supplied in the authorization request');

    const wrongRedirect = await rejectionOf(
      pc.completeSignIn({ code, codeVerifier, redirectUri: 'http://127.0.0.1:1/other' }, memoryStore()),
    );
    expect(wrongRedirect.code).toBe('AADSTS500112');

    await pc.completeSignIn({ code, codeVerifier, redirectUri: REDIRECT_URI }, memoryStore());
    const replay = await rejectionOf(pc.completeSignIn({ code, codeVerifier, redirectUri: REDIRECT_URI }, memoryStore()));
    expect(replay).toBeInstanceOf(ReconsentRequired);
    expect(replay.code).toBe('AADSTS54005');
  });

  it('a code older than 10 minutes is refused (AADSTS70008)', async () => {
    const pc = signIn();
    const { url, codeVerifier } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
    const code = (await browserSignIn(url, SIGN_IN_ACCOUNTS.partnerAdminAgent.id)).searchParams.get('code')!;
    fx.sandbox.state.identity.advanceDays(11 / (24 * 60));
    const expired = await rejectionOf(pc.completeSignIn({ code, codeVerifier, redirectUri: REDIRECT_URI }, memoryStore()));
    expect(expired).toBeInstanceOf(ReconsentRequired);
    expect(expired.code).toBe('AADSTS70008');
  });

  it('forceRefresh redeems the refresh token and writes the rotated one; the old one still works', async () => {
    const { pc, store, agent } = await signedIn();
    const before = store.value;
    const [oldRefreshToken] = refreshTokensIn(before);
    const writes = store.writes;

    const token = await pc.accessToken(agent.homeAccountId, store, { forceRefresh: true });
    expect(token).toBeTruthy();
    expect(store.writes).toBe(writes + 1);
    expect(store.value).not.toBe(before);
    const [newRefreshToken] = refreshTokensIn(store.value);
    expect(newRefreshToken).toBeTruthy();
    expect(newRefreshToken).not.toBe(oldRefreshToken);

    // As Entra: the previous refresh token keeps working until its own inactivity expiry.
    expect((await refreshDirectly(oldRefreshToken!)).status).toBe(200);

    // A cached access token is reused without touching the store.
    const cachedWrites = store.writes;
    await pc.accessToken(agent.homeAccountId, store);
    expect(store.writes).toBe(cachedWrites);
  });

  it('a weekly refresh keeps the sign-in alive past 90 days; 90 days unused ends it with AADSTS700082', async () => {
    const { pc, store, agent } = await signedIn();
    for (let week = 0; week < 15; week++) {
      fx.sandbox.state.identity.advanceDays(7);
      await pc.accessToken(agent.homeAccountId, store, { forceRefresh: true });
    }
    fx.sandbox.state.identity.advanceDays(91);
    const error = await rejectionOf(pc.accessToken(agent.homeAccountId, store, { forceRefresh: true }));
    expect(error).toBeInstanceOf(ReconsentRequired);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.transient).toBe(false);
    expect(error.code).toBe('AADSTS700082');
    expect(error.message).toMatch(
      /The refresh token has expired due to inactivity\. The token was issued on \S+ and was inactive for 90\.00:00:00\./,
    );
    expect(error.message).not.toContain(refreshTokensIn(store.value)[0]!);
  });

  it('revoked sign-ins need a new sign-in (AADSTS50173)', async () => {
    const { pc, store, agent } = await signedIn();
    fx.sandbox.state.identity.revokeSignIns(SIGN_IN_ACCOUNTS.partnerAdminAgent.id);
    const error = await rejectionOf(pc.accessToken(agent.homeAccountId, store, { forceRefresh: true }));
    expect(error).toBeInstanceOf(ReconsentRequired);
    expect(error.code).toBe('AADSTS50173');
  });

  it('the store never holds the client secret, and logs hold no token or secret', async () => {
    const { pc, store, agent } = await signedIn();
    await pc.accessToken(agent.homeAccountId, store, { forceRefresh: true });
    fx.sandbox.state.identity.advanceDays(91);
    await rejectionOf(pc.accessToken(agent.homeAccountId, store, { forceRefresh: true }));
    expect(store.value).not.toContain(DEMO_APP.clientSecret);
    const logs = fx.logLines.join('\n');
    expect(logs).not.toContain(DEMO_APP.clientSecret);
    for (const refreshToken of refreshTokensIn(store.value)) expect(logs).not.toContain(refreshToken);
  });

  it('two connections never see each other’s tokens', async () => {
    const a = await signedIn(SIGN_IN_ACCOUNTS.partnerAdminAgent.id);
    const b = await signedIn(SIGN_IN_ACCOUNTS.partnerNoAgentRole.id);
    expect(a.store.value).not.toContain(SIGN_IN_ACCOUNTS.partnerNoAgentRole.userPrincipalName);
    expect(b.store.value).not.toContain(SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName);
    const crossed = await rejectionOf(a.pc.accessToken(a.agent.homeAccountId, b.store));
    expect(crossed).toBeInstanceOf(ReconsentRequired);
    expect(crossed.code).toBe('no_cached_sign_in');
    expect(await rejectionOf(a.pc.accessToken(a.agent.homeAccountId, memoryStore()))).toBeInstanceOf(ReconsentRequired);
  });

  it('an agent without a Partner Center role signs in, but Partner Center refuses the calls (403)', async () => {
    const { pc, store, agent } = await signedIn(SIGN_IN_ACCOUNTS.partnerNoAgentRole.id);
    const token = await pc.accessToken(agent.homeAccountId, store);
    const response = await fetch(`${fx.sandbox.urls.partnerCenter}/v1/customers`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('no Partner Center role');
  });

  it('a sign-in without MFA (the token amr says only "pwd") is refused plainly, and Partner Center would refuse its calls too', async () => {
    const pc = signIn();
    const { url, codeVerifier } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
    const back = await browserSignIn(url, SIGN_IN_ACCOUNTS.partnerPasswordOnly.id);
    const store = memoryStore();
    const error = await rejectionOf(
      pc.completeSignIn({ code: back.searchParams.get('code')!, codeVerifier, redirectUri: REDIRECT_URI }, store),
    );
    expect(isReconsentRequired(error)).toBe(true);
    expect(error.code).toBe('mfa_missing');
    expect(error.message).toContain('signed in without multi-factor authentication');
    expect(error.message).toContain('https://aka.ms/mfasetup');
    // The emulated Partner Center holds the same line: an App+User token without "mfa" in amr gets a 401.
    const [account] = JSON.parse(store.value ?? '{}').Account
      ? Object.values(JSON.parse(store.value!).Account as Record<string, { home_account_id: string }>)
      : [];
    expect(account).toBeDefined();
    const refused = await rejectionOf(commerceAs(pc, account!.home_account_id, store).listSubscriptions(DEMO_CUSTOMER_ID));
    expect(refused.kind).toBe('unauthorized');
    expect(refused.message).toMatch(/multi-factor authentication/);
  });

  it('the browser side: no MFA → interaction_required (AADSTS50076); Cancel → access_denied', async () => {
    const pc = signIn();
    const { url } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
    const noMfa = await browserSignIn(url, SIGN_IN_ACCOUNTS.partnerNoMfa.id);
    expect(noMfa.searchParams.get('error')).toBe('interaction_required');
    expect(noMfa.searchParams.get('error_description')).toMatch(/^AADSTS50076: /);
    expect(noMfa.searchParams.get('state')).toBe(STATE);
    expect(noMfa.searchParams.has('code')).toBe(false);

    const cancelled = await browserSignIn(url, SIGN_IN_ACCOUNTS.partnerAdminAgent.id, 'cancel');
    expect(cancelled.searchParams.get('error')).toBe('access_denied');
    expect(cancelled.searchParams.get('error_subcode')).toBe('cancel');
  });

  it('the emulator insists on S256 PKCE', async () => {
    const { url } = await signIn().signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
    for (const change of [
      (u: URL) => u.searchParams.delete('code_challenge'),
      (u: URL) => u.searchParams.set('code_challenge_method', 'plain'),
    ]) {
      const target = new URL(url);
      change(target);
      const page = await openPage(target.toString());
      expect(page.status).toBe(302);
      const back = new URL(page.location!);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('error_description')).toMatch(/^AADSTS9002325: /);
    }
  });

  it('a wrong client secret or an unavailable login service is a ConnectorError, not ReconsentRequired', async () => {
    const pc = signIn();
    const { url, codeVerifier } = await pc.signInUrl({ redirectUri: REDIRECT_URI, state: STATE });
    const code = (await browserSignIn(url, SIGN_IN_ACCOUNTS.partnerAdminAgent.id)).searchParams.get('code')!;
    const badSecret = await rejectionOf(
      signIn({ clientSecret: 'not-the-secret' }).completeSignIn({ code, codeVerifier, redirectUri: REDIRECT_URI }, memoryStore()),
    );
    expect(badSecret).toBeInstanceOf(ConnectorError);
    expect(badSecret).not.toBeInstanceOf(ReconsentRequired);
    expect(badSecret.kind).toBe('unauthorized');
    expect(badSecret.details.code).toBe('AADSTS7000215');
    expect(badSecret.message).not.toContain('not-the-secret');

    const { store, agent } = await signedIn();
    fx.sandbox.faults.login.failNext({ status: 503, path: '/oauth2/v2.0/token', times: 3 });
    const unavailable = await rejectionOf(pc.accessToken(agent.homeAccountId, store, { forceRefresh: true }));
    expect(unavailable).toBeInstanceOf(ConnectorError);
    expect(unavailable).not.toBeInstanceOf(ReconsentRequired);
    expect(unavailable.transient).toBe(true);
  });
});
