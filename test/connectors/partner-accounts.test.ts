// Partner Center at partner level, against the emulator's three accounts: the demo partner (an
// indirect provider), its indirect reseller, and a second, direct-bill partner. Each sees its
// own customers and nobody else's; a reseller reads its customers but cannot transact for them.
// Every answer is checked against the SDK's Customer and PartnerRelationship models (fixture).
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/ports.js';
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

async function pcGet(path: string, token: string) {
  const response = await fetch(`${fx.sandbox.urls.partnerCenter}${path}`, {
    headers: { authorization: `Bearer ${token}`, 'MS-Contract-Version': 'v1' },
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
});
