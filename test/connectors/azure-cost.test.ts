// The Azure Cost Management connector (the real SDK) against the emulator: paging over
// nextLink, columns by name, 429 waits, health-check advice for each failure an admin can
// fix, and scope parsing.
import { describe, expect, it } from 'vitest';
import { parseAzureScope } from '../../src/connectors/azure-cost/scope.js';
import { AzureCostManagement } from '../../src/connectors/azure-cost/azure-cost-management.js';
import { MsalTokenProvider } from '../../src/connectors/identity/token-provider.js';
import { SandboxLoginNetworkClient } from '../../src/connectors/identity/sandbox-network-client.js';
import type { AzureCostPage, AzureCostPort, AzureCostScope } from '../../src/connectors/index.js';
import { normalizeAzureQuery } from '../../src/domain/spend/providers/azure.js';
import { addDays } from '../../src/domain/spend/periods.js';
import { AZURE_BILLING_ACCOUNT_ID, AZURE_SUBSCRIPTIONS, DEMO_APP, DEMO_TENANT_ID, OTHER_TENANT_ID } from '../../src/sandbox/index.js';
import { FAST_RETRY, rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

// The SDK talks through node:http: the fixture's socket guard keeps it on loopback.
const t = sandboxPerTest();

const production: AzureCostScope = { tenantId: DEMO_TENANT_ID, scope: `subscriptions/${AZURE_SUBSCRIPTIONS.production}` };
const azure = (): AzureCostPort => t.azureCost!;

async function collect(pages: AsyncIterable<AzureCostPage>): Promise<AzureCostPage[]> {
  const all: AzureCostPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

const yesterday = () => addDays(t.sandbox.azureCosts.today, -1);
const queries = () => t.sandbox.state.requests.filter((r) => r.service === 'costManagement');

describe('azure cost: daily cost', () => {
  it('follows nextLink page by page: one API call per page, every row once', async () => {
    const window = { from: addDays(yesterday(), -4), to: yesterday() };
    const single = await collect(azure().dailyCost(production, window));
    expect(single).toHaveLength(1);
    expect(single[0]!.rows).toHaveLength(5 * 8);

    t.sandbox.azureCosts.settings.pageSize = 7;
    const before = azure().calls;
    const pages = await collect(azure().dailyCost(production, window));
    expect(pages).toHaveLength(Math.ceil(40 / 7));
    expect(azure().calls - before).toBe(pages.length);
    expect(pages.flatMap((p) => p.rows)).toEqual(single[0]!.rows);
    // The first page through the SDK, the rest POSTed to nextLink with $skiptoken.
    expect(
      queries()
        .slice(-pages.length)
        .every((r) => r.method === 'POST' && r.status === 200 && r.route.endsWith('/providers/Microsoft.CostManagement/query')),
    ).toBe(true);
    expect(queries().at(-1)!.tenantId).toBe(DEMO_TENANT_ID);
  });

  it('queries one month at a time (Azure charges a QPU per month)', async () => {
    const to = yesterday();
    const from = addDays(to, -40);
    const pages = await collect(azure().dailyCost(production, { from, to }));
    const months = new Set([from.slice(0, 7), to.slice(0, 7), addDays(to, -20).slice(0, 7)]).size;
    expect(pages).toHaveLength(months);
    expect(pages.reduce((n, p) => n + p.rows.length, 0)).toBe(41 * 8);
  });

  it('reads columns by name: reversed columns give the same FOCUS rows', async () => {
    const window = { from: addDays(yesterday(), -2), to: yesterday() };
    const context = {
      billingAccountId: AZURE_SUBSCRIPTIONS.production,
      subAccountId: AZURE_SUBSCRIPTIONS.production,
      costType: 'ActualCost' as const,
    };
    const normal = (await collect(azure().dailyCost(production, window))).flatMap((p) => normalizeAzureQuery(p, context));
    t.sandbox.azureCosts.settings.shuffleColumns = true;
    const shuffled = await collect(azure().dailyCost(production, window));
    expect(shuffled[0]!.columns.map((c) => c.name)).toEqual(['Currency', 'ServiceName', 'UsageDate', 'Cost']);
    expect(shuffled.flatMap((p) => normalizeAzureQuery(p, context))).toEqual(normal);
    expect(normal[0]).toMatchObject({
      ServiceProviderName: 'Microsoft',
      HostProviderName: 'Microsoft',
      BillingCurrency: 'USD',
      BilledCost: expect.stringMatching(/^\d+\.\d{2}$/),
    });
  });

  it('groups by a tag and reads a billing account scope', async () => {
    const window = { from: yesterday(), to: yesterday() };
    const [tagged] = await collect(azure().dailyCost(production, window, { tagKey: 'environment', costType: 'AmortizedCost' }));
    expect(tagged!.columns.map((c) => c.name)).toContain('TagValue');
    const rows = normalizeAzureQuery(tagged!, {
      billingAccountId: 'x',
      subAccountId: 'x',
      costType: 'AmortizedCost',
      tagKey: 'environment',
    });
    expect(rows.find((r) => r.ServiceName === 'Storage')).toMatchObject({ Tags: { environment: 'production' }, BilledCost: null });
    const [account] = await collect(
      azure().dailyCost(
        { tenantId: DEMO_TENANT_ID, scope: `/providers/Microsoft.Billing/billingAccounts/${AZURE_BILLING_ACCOUNT_ID}` },
        window,
      ),
    );
    expect(new Set(account!.rows.map((r) => r[2]))).toContain('Azure Synapse Analytics');
  });

  it('on 429 waits the LONGEST of the rate-limit headers, then carries on', async () => {
    // Headers say 1 s (qpu), 2 s (entity), 1 s (tenant); coming back before 2 s is throttled again.
    t.sandbox.faults.costManagement.failNext({ status: 429, retryAfterSeconds: 2 });
    const started = Date.now();
    const pages = await collect(azure().dailyCost(production, { from: yesterday(), to: yesterday() }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_850);
    expect(pages).toHaveLength(1);
    expect(queries().map((r) => r.status)).toEqual([429, 200]);
    expect(azure().calls).toBe(2);
  });

  it('gives up with a throttled error when Azure asks for a longer wait than the policy allows', async () => {
    t.sandbox.faults.costManagement.failNext({ status: 429, retryAfterSeconds: 60 });
    const error = await rejectionOf(collect(azure().dailyCost(production, { from: yesterday(), to: yesterday() })));
    expect(error).toMatchObject({ kind: 'throttled', details: { status: 429, retryAfterSeconds: 60, code: '429' } });
  });

  it('retries a 503, and refuses a bad scope or window before calling', async () => {
    t.sandbox.faults.costManagement.failNext({ status: 503 });
    expect(await collect(azure().dailyCost(production, { from: yesterday(), to: yesterday() }))).toHaveLength(1);
    expect(queries().map((r) => r.status)).toEqual([503, 200]);

    expect(
      await rejectionOf(
        collect(azure().dailyCost({ tenantId: DEMO_TENANT_ID, scope: 'subscriptions/nope' }, { from: yesterday(), to: yesterday() })),
      ),
    ).toMatchObject({ kind: 'invalid-request' });
    expect(await rejectionOf(collect(azure().dailyCost(production, { from: yesterday(), to: addDays(yesterday(), -1) })))).toMatchObject({
      kind: 'invalid-request',
    });
    expect(queries()).toHaveLength(2);
  });
});

describe('azure cost: health checks', () => {
  const scope = (id: string): AzureCostScope => ({ tenantId: DEMO_TENANT_ID, scope: `subscriptions/${id}` });

  it('ok for a subscription the app can read (a one-day query)', async () => {
    expect(await azure().checkHealth(production)).toEqual({ ok: true });
    expect(
      await azure().checkHealth({
        tenantId: DEMO_TENANT_ID,
        scope: `providers/Microsoft.Billing/billingAccounts/${AZURE_BILLING_ACCOUNT_ID}`,
      }),
    ).toEqual({ ok: true });
  });

  it('no role → the exact IAM steps, naming the app’s client id', async () => {
    const check = await azure().checkHealth(scope(AZURE_SUBSCRIPTIONS.noRole));
    expect(check).toEqual({
      ok: false,
      code: 'AuthorizationFailed',
      problem: `Quartermaster's app has no Cost Management Reader role on /subscriptions/${AZURE_SUBSCRIPTIONS.noRole}.`,
      fix: `In the Azure portal open the subscription → Access control (IAM) → Add role assignment → Cost Management Reader → assign it to the Quartermaster app (client id ${DEMO_APP.clientId}).`,
    });
  });

  it('unknown subscription, provider not registered, subscription of another tenant', async () => {
    const unknown = await azure().checkHealth(scope('0b1f6471-1bf0-4dda-aec3-111122223333'));
    expect(unknown).toMatchObject({
      ok: false,
      code: 'SubscriptionNotFound',
      problem: 'Azure does not know the subscription 0b1f6471-1bf0-4dda-aec3-111122223333.',
    });
    expect((unknown as { fix: string }).fix).toContain(DEMO_TENANT_ID);

    expect(await azure().checkHealth(scope(AZURE_SUBSCRIPTIONS.notRegistered))).toMatchObject({
      ok: false,
      code: 'MissingSubscriptionRegistration',
      fix: 'Register the Microsoft.CostManagement resource provider: Subscription → Resource providers → Microsoft.CostManagement → Register.',
    });

    const foreign = await azure().checkHealth(scope(AZURE_SUBSCRIPTIONS.otherTenant));
    expect(foreign).toMatchObject({
      ok: false,
      code: 'InvalidAuthenticationTokenTenant',
      problem: expect.stringContaining('belongs to another Microsoft Entra tenant'),
    });
    // And the other way round: Fabrikam's token is good for Fabrikam's subscription.
    expect(await azure().checkHealth({ tenantId: OTHER_TENANT_ID, scope: `subscriptions/${AZURE_SUBSCRIPTIONS.otherTenant}` })).toEqual({
      ok: true,
    });
  });

  it('sign-in failures from Entra ID: no admin consent, unknown tenant, wrong secret', async () => {
    t.sandbox.state.tenant(DEMO_TENANT_ID)!.consentedAppIds.delete(DEMO_APP.clientId);
    expect(await azure().checkHealth(production)).toMatchObject({
      ok: false,
      code: 'AADSTS700016',
      fix: expect.stringContaining('admin consent'),
    });

    expect(await azure().checkHealth({ tenantId: 'deadbeef-0000-4000-8000-000000000000', scope: production.scope })).toMatchObject({
      ok: false,
      code: 'AADSTS90002',
    });

    const wrongSecret = t.connect({ clientSecret: 'not-the-secret' }).azureCost!;
    expect(
      await wrongSecret.checkHealth({ tenantId: OTHER_TENANT_ID, scope: `subscriptions/${AZURE_SUBSCRIPTIONS.otherTenant}` }),
    ).toMatchObject({ ok: false, code: 'AADSTS7000215', problem: expect.stringContaining('client secret') });
    expect(queries()).toHaveLength(0);
  });

  it('429 is "busy, try again in N minutes", not a broken connection; 5xx and no answer are "Azure did not answer"', async () => {
    t.sandbox.faults.costManagement.failNext({ status: 429, retryAfterSeconds: 150 });
    expect(await azure().checkHealth(production)).toEqual({
      ok: false,
      code: 'Throttled',
      problem: 'Azure Cost Management is busy: this tenant has used its query quota for the moment. The connection itself is fine.',
      fix: 'Try again in 3 minutes.',
    });
    t.sandbox.faults.costManagement.reset();

    t.sandbox.faults.costManagement.failNext({ status: 503, times: 5 });
    expect(await azure().checkHealth(production)).toMatchObject({ ok: false, problem: expect.stringMatching(/^Azure did not answer/) });

    const closed = new AzureCostManagement({
      tokens: new MsalTokenProvider(t.sandbox.app, {
        service: 'azure-cost',
        networkClient: new SandboxLoginNetworkClient(t.sandbox.urls.login),
        log: t.log,
      }),
      clientId: t.sandbox.app.clientId,
      endpoint: 'http://127.0.0.1:9',
      allowInsecureConnection: true,
      retry: { ...FAST_RETRY, retries: 0 } as never,
      log: t.log,
    });
    expect(await closed.checkHealth(production)).toMatchObject({
      ok: false,
      code: 'Unavailable',
      problem: expect.stringMatching(/^Azure did not answer/),
    });
  });

  it('a malformed scope is refused with a clear message, without a call', async () => {
    expect(await azure().checkHealth({ tenantId: DEMO_TENANT_ID, scope: 'my subscription' })).toMatchObject({
      ok: false,
      code: 'InvalidScope',
      problem: expect.stringContaining('is not an Azure scope'),
    });
    expect(queries()).toHaveLength(0);
  });

  it('never logs the bearer token', async () => {
    await azure().checkHealth(production);
    expect(t.logLines.join('\n')).not.toMatch(/Bearer\s+ey|eyJ[A-Za-z0-9_-]{20,}/);
  });
});

describe('parseAzureScope', () => {
  const guid = '0B1F6471-1BF0-4DDA-AEC3-111122223333';
  it.each([
    [guid, `subscriptions/${guid.toLowerCase()}`],
    [`/subscriptions/${guid}`, `subscriptions/${guid.toLowerCase()}`],
    [`subscriptions/${guid}/`, `subscriptions/${guid.toLowerCase()}`],
    [`  /Subscriptions/${guid}  `, `subscriptions/${guid.toLowerCase()}`],
    ['/providers/Microsoft.Billing/billingAccounts/8611537', 'providers/Microsoft.Billing/billingAccounts/8611537'],
    [
      `providers/microsoft.billing/billingaccounts/${AZURE_BILLING_ACCOUNT_ID}`,
      `providers/Microsoft.Billing/billingAccounts/${AZURE_BILLING_ACCOUNT_ID}`,
    ],
  ])('accepts %s', (text, scope) => {
    expect(parseAzureScope(text)).toEqual({ ok: true, scope });
  });

  it.each([
    ['', /Give the Azure scope/],
    ['subscriptions/1234', /does not hold a valid subscription id/],
    [`/subscriptions/${guid}/resourceGroups/rg-web`, /not per resource group/],
    ['https://portal.azure.com', /is not an Azure scope/],
    ['/providers/Microsoft.Billing/billingAccounts/', /is not an Azure scope/],
  ])('refuses %j', (text, message) => {
    const parsed = parseAzureScope(text);
    expect(parsed.ok).toBe(false);
    expect((parsed as { message: string }).message).toMatch(message);
  });
});
