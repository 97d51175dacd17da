// Partner Center at partner level, against the emulator's three accounts: the demo partner (an
// indirect provider), its indirect reseller, and a second, direct-bill partner. Each sees its
// own customers and nobody else's; a reseller reads its customers but cannot transact for them.
// Every answer is checked against the SDK's Customer and PartnerRelationship models (fixture).
import { describe, expect, it } from 'vitest';
import { PartnerCenterCommerce } from '../../src/connectors/partner-center/partner-center-commerce.js';
import { ConnectorError } from '../../src/connectors/ports.js';
import { DEFAULT_RETRY_POLICY } from '../../src/connectors/retry.js';
import { createLogger } from '../../src/logger.js';
import {
  DEMO_APP,
  DEMO_PARTNER_TENANT_ID,
  DEMO_RESELLER_TENANT_ID,
  DEMO_TENANT_ID,
  NORTHWIND_TENANT_ID,
  OTHER_TENANT_ID,
  SECOND_PARTNER_TENANT_ID,
  TAILSPIN_TENANT_ID,
} from '../../src/sandbox/index.js';
import { partnerCenterCollection } from '../contracts/schemas.js';
import { rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const fx = sandboxPerTest();

/** An app-only Partner Center token of a partner tenant (the app is consented in each). */
async function partnerToken(tenantId: string): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: DEMO_APP.clientId,
    client_secret: DEMO_APP.clientSecret,
    scope: 'https://api.partnercenter.microsoft.com/.default',
  });
  const response = await fetch(`${fx.sandbox.urls.login}/${tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function pcGet(path: string, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${fx.sandbox.urls.partnerCenter}${path}`, {
    headers: { ...headers, authorization: `Bearer ${token}`, 'MS-Contract-Version': 'v1' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('Partner Center accounts', () => {
  it("lists each partner's own customers, with the indirect reseller a customer buys through", async () => {
    const demo = await fx.partnerAccounts!.listCustomers(await partnerToken(DEMO_PARTNER_TENANT_ID));
    expect(demo.map((c) => c.tenantId).sort()).toEqual([DEMO_TENANT_ID, OTHER_TENANT_ID].sort());
    expect(demo.find((c) => c.tenantId === OTHER_TENANT_ID)).toMatchObject({
      id: OTHER_TENANT_ID,
      domain: 'fabrikam.example',
      resellerId: DEMO_RESELLER_TENANT_ID,
    });
    expect(demo.find((c) => c.tenantId === DEMO_TENANT_ID)?.resellerId).toBeUndefined();

    const second = await fx.partnerAccounts!.listCustomers(await partnerToken(SECOND_PARTNER_TENANT_ID));
    expect(second.map((c) => c.tenantId)).toEqual([TAILSPIN_TENANT_ID]);
    // Northwind is nobody's customer.
    expect([...demo, ...second].some((c) => c.tenantId === NORTHWIND_TENANT_ID)).toBe(false);
  });

  it('lists an indirect provider its resellers; a direct partner has none', async () => {
    const resellers = await fx.partnerAccounts!.listIndirectResellers(await partnerToken(DEMO_PARTNER_TENANT_ID));
    expect(resellers).toEqual([
      { id: DEMO_RESELLER_TENANT_ID, name: 'Litware Reseller (demo)', mpnId: '4823456', location: 'GB', state: 'Active' },
    ]);
    expect(await fx.partnerAccounts!.listIndirectResellers(await partnerToken(SECOND_PARTNER_TENANT_ID))).toEqual([]);

    const reseller = await partnerToken(DEMO_RESELLER_TENANT_ID);
    const providers = await pcGet('/v1/relationships?relationship_type=IsIndirectResellerOf', reseller);
    expect(providers.status).toBe(200);
    expect(providers.body.items).toMatchObject([{ id: DEMO_PARTNER_TENANT_ID, relationshipType: 'IsIndirectResellerOf' }]);
    const missingType = await pcGet('/v1/relationships', reseller);
    expect(missingType.status).toBe(400);
    const ofCustomer = await pcGet(`/v1/customers/${OTHER_TENANT_ID}/relationships`, await partnerToken(DEMO_PARTNER_TENANT_ID));
    expect(ofCustomer.body.items).toMatchObject([{ id: DEMO_RESELLER_TENANT_ID, relationshipType: 'IsIndirectCloudSolutionProviderOf' }]);
  });

  it("filters an indirect provider's customers by reseller", async () => {
    const token = await partnerToken(DEMO_PARTNER_TENANT_ID);
    const filter = encodeURIComponent(
      JSON.stringify({ Field: 'IndirectReseller', Value: DEMO_RESELLER_TENANT_ID, Operator: 'starts_with' }),
    );
    const { status, body } = await pcGet(`/v1/customers?filter=${filter}`, token);
    expect(status).toBe(200);
    expect(body.items.map((c: { id: string }) => c.id)).toEqual([OTHER_TENANT_ID]);
    const bad = await pcGet(`/v1/customers?filter=${encodeURIComponent('{"Field":"Nope","Value":"x","Operator":"starts_with"}')}`, token);
    expect(bad.status).toBe(400);
  });

  it("refuses another partner's customer as not found, whatever the caller forges", async () => {
    const second = await partnerToken(SECOND_PARTNER_TENANT_ID);
    for (const path of [`/v1/customers/${DEMO_TENANT_ID}/subscriptions`, `/v1/customers/${OTHER_TENANT_ID}`]) {
      const { status, body } = await pcGet(path, second);
      expect(status).toBe(404);
      expect(body.code).toBe(600008);
    }
    const demo = await pcGet(`/v1/customers/${TAILSPIN_TENANT_ID}/orders`, await partnerToken(DEMO_PARTNER_TENANT_ID));
    expect(demo.status).toBe(404);
    // Its own customer answers.
    expect((await pcGet(`/v1/customers/${TAILSPIN_TENANT_ID}/subscriptions`, second)).status).toBe(200);
  });

  it("lets a reseller read its customers but not their subscriptions or another partner's customers", async () => {
    const reseller = await partnerToken(DEMO_RESELLER_TENANT_ID);
    expect((await fx.partnerAccounts!.listCustomers(reseller)).map((c) => c.tenantId)).toEqual([OTHER_TENANT_ID]);
    const subscriptions = await pcGet(`/v1/customers/${OTHER_TENANT_ID}/subscriptions`, reseller);
    expect(subscriptions.status).toBe(403);
    expect((await pcGet(`/v1/customers/${DEMO_TENANT_ID}/subscriptions`, reseller)).status).toBe(404);
  });

  it("refuses a customer tenant's token: it is not a partner", async () => {
    const error = await rejectionOf(fx.partnerAccounts!.listCustomers(await partnerToken(TAILSPIN_TENANT_ID)));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.details.status).toBe(403);
  });

  it('pages the customer list as the REST reference says: size, then links.next with its MS-ContinuationToken', async () => {
    const token = await partnerToken(DEMO_PARTNER_TENANT_ID);
    const first = await pcGet('/v1/customers?size=1', token);
    expect(first.status).toBe(200);
    expect(partnerCenterCollection('Customers/Customer', first.body)).toEqual({ ok: true, errors: [] });
    expect(first.body.items).toHaveLength(1);
    const next = first.body.links.next as { uri: string; method: string; headers: { key: string; value: string }[] };
    expect(next).toMatchObject({ uri: '/customers?size=1&seekOperation=Next', method: 'GET' });
    expect(next.headers.map((h) => h.key)).toEqual(['MS-ContinuationToken']);

    const second = await pcGet(`/v1${next.uri}`, token, { [next.headers[0]!.key]: next.headers[0]!.value });
    expect(second.status).toBe(200);
    expect(partnerCenterCollection('Customers/Customer', second.body)).toEqual({ ok: true, errors: [] });
    // The last page has no next link; both pages together are the partner's customers, each once.
    expect(second.body.links.next).toBeUndefined();
    expect([...first.body.items, ...second.body.items].map((c: { id: string }) => c.id).sort()).toEqual(
      [DEMO_TENANT_ID, OTHER_TENANT_ID].sort(),
    );

    // The token is the partner's own: another partner's, a missing or a made-up one is refused.
    const other = await pcGet(`/v1${next.uri}`, await partnerToken(SECOND_PARTNER_TENANT_ID), {
      'MS-ContinuationToken': next.headers[0]!.value,
    });
    expect(other.status).toBe(400);
    expect((await pcGet(`/v1${next.uri}`, token)).status).toBe(400);
    expect((await pcGet(`/v1${next.uri}`, token, { 'MS-ContinuationToken': 'AQAAAA==' })).status).toBe(400);
    expect((await pcGet('/v1/customers?size=many', token)).status).toBe(400);
    // Without a size (the SDK's size=0), one page holds every customer.
    const all = await pcGet('/v1/customers?size=0', token);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.links.next).toBeUndefined();
  });

  it('reads every page of the customer list with the production connector', async () => {
    const onePerPage = new PartnerCenterCommerce({
      tokens: { getToken: async () => 'unused: every call here carries the agent token' },
      partnerTenantId: DEMO_PARTNER_TENANT_ID,
      baseUrl: fx.sandbox.urls.partnerCenter,
      retry: { ...DEFAULT_RETRY_POLICY, retries: 0, timeoutMs: 5_000 },
      log: createLogger('silent'),
      customerPageSize: 1,
    });
    const customers = await onePerPage.listCustomers(await partnerToken(DEMO_PARTNER_TENANT_ID));
    expect(customers.map((c) => c.tenantId).sort()).toEqual([DEMO_TENANT_ID, OTHER_TENANT_ID].sort());
    expect(customers.find((c) => c.tenantId === OTHER_TENANT_ID)?.resellerId).toBe(DEMO_RESELLER_TENANT_ID);
    // Two calls, the second the next link with its token (every answer is contract-checked after the test).
    const pages = fx.exchanges.filter((e) => e.route === '/v1/customers');
    expect(pages.map((e) => e.query.get('seekOperation'))).toEqual([null, 'Next']);
  });
});
