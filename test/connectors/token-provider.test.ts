// App-only tokens: kept per tenant and scope until five minutes before they expire, one
// request for a burst of callers, and a failure never kept.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SandboxLoginNetworkClient } from '../../src/connectors/identity/sandbox-network-client.js';
import { GRAPH_SCOPE, MsalTokenProvider, PARTNER_CENTER_SCOPE } from '../../src/connectors/identity/token-provider.js';
import { adminConsentUrl } from '../../src/domain/consent.js';
import { DEMO_APP, DEMO_TENANT_ID, NORTHWIND_TENANT_ID, OTHER_TENANT_ID, SIGN_IN_ACCOUNTS } from '../../src/sandbox/index.js';
import { openPage, submitForm } from '../sandbox/login-browser.js';
import { sandboxPerTest } from './sandbox-connectors.js';

const fx = sandboxPerTest();

let tokenRequests: string[];
beforeEach(() => {
  tokenRequests = [];
  const loopbackOnly = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.endsWith('/oauth2/v2.0/token')) tokenRequests.push(url.pathname.split('/')[1]!);
    return loopbackOnly(input, init);
  };
});
afterEach(() => vi.useRealTimers());

const provider = () =>
  new MsalTokenProvider(
    { clientId: DEMO_APP.clientId, clientSecret: DEMO_APP.clientSecret },
    { service: 'graph', networkClient: new SandboxLoginNetworkClient(fx.sandbox.urls.login), log: fx.log },
  );

describe('MsalTokenProvider', () => {
  it('a burst of callers with no token makes one request, and later callers reuse the token', async () => {
    const tokens = provider();
    const burst = await Promise.all(Array.from({ length: 12 }, () => tokens.getToken(DEMO_TENANT_ID, GRAPH_SCOPE)));
    expect(new Set(burst).size).toBe(1);
    expect(tokenRequests).toEqual([DEMO_TENANT_ID]);

    expect(await tokens.getToken(DEMO_TENANT_ID, GRAPH_SCOPE)).toBe(burst[0]);
    expect(tokenRequests).toHaveLength(1);
  });

  it('keeps tokens apart per tenant and per scope', async () => {
    const tokens = provider();
    const [graph, other, partnerCenter] = await Promise.all([
      tokens.getToken(DEMO_TENANT_ID, GRAPH_SCOPE),
      tokens.getToken(OTHER_TENANT_ID, GRAPH_SCOPE),
      tokens.getToken(DEMO_TENANT_ID, PARTNER_CENTER_SCOPE),
    ]);
    expect(new Set([graph, other, partnerCenter]).size).toBe(3);
    expect(tokenRequests.sort()).toEqual([DEMO_TENANT_ID, DEMO_TENANT_ID, OTHER_TENANT_ID].sort());
  });

  it('renews a token five minutes before it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const tokens = provider();
    const first = await tokens.getToken(DEMO_TENANT_ID, GRAPH_SCOPE);
    vi.setSystemTime(Date.now() + 50 * 60_000);
    expect(await tokens.getToken(DEMO_TENANT_ID, GRAPH_SCOPE)).toBe(first);
    expect(tokenRequests).toHaveLength(1);

    vi.setSystemTime(Date.now() + 6 * 60_000); // 56 minutes into an hour's token
    expect(await tokens.getToken(DEMO_TENANT_ID, GRAPH_SCOPE)).not.toBe(first);
    expect(tokenRequests).toHaveLength(2);
  });

  it('keeps no failure: once the admin consents, the same provider gets a token', async () => {
    const tokens = provider();
    await expect(tokens.getToken(NORTHWIND_TENANT_ID, GRAPH_SCOPE)).rejects.toThrow(/AADSTS700016/);

    const url = adminConsentUrl({
      tenant: NORTHWIND_TENANT_ID,
      clientId: DEMO_APP.clientId,
      redirectUri: 'http://127.0.0.1:3978/api/consent/callback',
      state: 'consent-state-0123456789',
      authorityHost: fx.sandbox.urls.login,
    });
    await submitForm(url, (await openPage(url)).html, { account: SIGN_IN_ACCOUNTS.northwindGlobalAdmin.id, action: 'accept' });

    expect(await tokens.getToken(NORTHWIND_TENANT_ID, GRAPH_SCOPE)).toMatch(/\S/);
    expect(tokenRequests).toEqual([NORTHWIND_TENANT_ID, NORTHWIND_TENANT_ID]);
  });
});
