// The Cost Management emulator at the wire: what a client speaking plain HTTP sees (paging,
// ARM error bodies, rate-limit headers), and the seeded numbers other tests rely on (the
// planted anomaly, the budget crossing).
import { testClock } from '../harness/clock.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../src/domain/spend/anomaly.js';
import { totalCost } from '../../src/domain/spend/focus.js';
import { normalizeAzureQuery } from '../../src/domain/spend/providers/azure.js';
import { addDays, periodContaining } from '../../src/domain/spend/periods.js';
import {
  AZURE_ANOMALY,
  AZURE_BILLING_ACCOUNT_ID,
  AZURE_BUDGET_SCENARIO,
  AZURE_HISTORY_DAYS,
  AZURE_SUBSCRIPTIONS,
  DEMO_APP,
  DEMO_TENANT_ID,
  OTHER_TENANT_ID,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from '../../src/sandbox/index.js';

const ARM = 'https://management.azure.com/.default';
const GRAPH = 'https://graph.microsoft.com/.default';
const RATE = 'x-ms-ratelimit-microsoft.costmanagement';

let sandbox: Sandbox;
const started: Sandbox[] = [];
async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ clock: testClock, ...options });
  started.push(s);
  return s;
}
beforeEach(async () => {
  sandbox = await start();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function token(tenant: string, scope = ARM, s = sandbox): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: DEMO_APP.clientId,
    client_secret: DEMO_APP.clientSecret,
    scope,
  });
  const response = await fetch(`${s.urls.login}/${tenant}/oauth2/v2.0/token`, { method: 'POST', body: form });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function body(from: string, to: string, tagKey?: string) {
  return {
    type: 'ActualCost',
    timeframe: 'Custom',
    timePeriod: { from: `${from}T00:00:00.000Z`, to: `${to}T00:00:00.000Z` },
    dataset: {
      granularity: 'Daily',
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [{ type: 'Dimension', name: 'ServiceName' }, ...(tagKey ? [{ type: 'TagKey', name: tagKey }] : [])],
    },
  };
}

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

async function post(url: string, payload: unknown, bearer?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

const queryUrl = (scope: string, s = sandbox) =>
  `${s.urls.costManagement}/${scope}/providers/Microsoft.CostManagement/query?api-version=2022-10-01`;
const subscriptionScope = (id: string) => `subscriptions/${id}`;

/** Every page of one query, following nextLink with the same body. */
async function allPages(scope: string, payload: unknown, bearer: string, s = sandbox): Promise<Answer[]> {
  const pages: Answer[] = [];
  let url: string | null = queryUrl(scope, s);
  while (url) {
    const page = await post(url, payload, bearer);
    expect(page.status).toBe(200);
    pages.push(page);
    url = page.json.properties.nextLink;
  }
  return pages;
}

describe('Cost Management emulator: queries', () => {
  it('answers a month of daily cost per service in the real shape, with rate-limit headers', async () => {
    const bearer = await token(DEMO_TENANT_ID);
    const yesterday = addDays(sandbox.azureCosts.today, -1);
    const from = addDays(yesterday, -9);
    const answer = await post(queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production)), body(from, yesterday), bearer);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ type: 'Microsoft.CostManagement/query', properties: { nextLink: null } });
    expect(answer.json.id).toMatch(
      new RegExp(`^subscriptions/${AZURE_SUBSCRIPTIONS.production}/providers/Microsoft.CostManagement/query/`),
    );
    expect(answer.json.properties.columns).toEqual([
      { name: 'Cost', type: 'Number' },
      { name: 'UsageDate', type: 'Number' },
      { name: 'ServiceName', type: 'String' },
      { name: 'Currency', type: 'String' },
    ]);
    const rows = answer.json.properties.rows as unknown[][];
    expect(rows).toHaveLength(10 * 8);
    expect(rows[0]).toEqual([expect.any(Number), Number(from.replaceAll('-', '')), expect.any(String), 'USD']);
    expect(answer.headers.get(`${RATE}-qpu-consumed`)).toBe(from.slice(0, 7) === yesterday.slice(0, 7) ? '1' : '2');
    expect(Number(answer.headers.get(`${RATE}-qpu-remaining`))).toBeLessThan(12);
  });

  it('pages with nextLink ($skiptoken, same api-version); the pages add up to the one-page answer', async () => {
    const bearer = await token(DEMO_TENANT_ID);
    const yesterday = addDays(sandbox.azureCosts.today, -1);
    const payload = body(addDays(yesterday, -6), yesterday);
    const [single] = await allPages(subscriptionScope(AZURE_SUBSCRIPTIONS.production), payload, bearer);

    sandbox.azureCosts.settings.pageSize = 10;
    const pages = await allPages(subscriptionScope(AZURE_SUBSCRIPTIONS.production), payload, bearer);
    expect(pages).toHaveLength(Math.ceil((7 * 8) / 10));
    expect(pages[0]!.json.properties.nextLink).toMatch(
      /\/subscriptions\/.+\/providers\/Microsoft\.CostManagement\/query\?api-version=2022-10-01&\$skiptoken=/,
    );
    expect(pages.flatMap((p) => p.json.properties.rows)).toEqual(single!.json.properties.rows);
    // Following nextLinks costs no QPU: the query was charged once.
    expect(pages.slice(1).every((p) => p.headers.get(`${RATE}-qpu-consumed`) === '0')).toBe(true);
  });

  it('groups by a tag (TagKey, TagValue columns), reverses columns on request, sums a billing account', async () => {
    const bearer = await token(DEMO_TENANT_ID);
    const day = addDays(sandbox.azureCosts.today, -2);
    const tagged = await post(queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production)), body(day, day, 'environment'), bearer);
    expect(tagged.json.properties.columns.map((c: { name: string }) => c.name)).toEqual([
      'Cost',
      'UsageDate',
      'ServiceName',
      'TagKey',
      'TagValue',
      'Currency',
    ]);
    const bandwidth = tagged.json.properties.rows.find((r: unknown[]) => r[2] === 'Bandwidth');
    const vms = tagged.json.properties.rows.find((r: unknown[]) => r[2] === 'Virtual Machines');
    expect(bandwidth.slice(3, 5)).toEqual(['environment', '']);
    expect(vms.slice(3, 5)).toEqual(['environment', 'production']);

    sandbox.azureCosts.settings.shuffleColumns = true;
    const reversed = await post(queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production)), body(day, day), bearer);
    expect(reversed.json.properties.columns.map((c: { name: string }) => c.name)).toEqual(['Currency', 'ServiceName', 'UsageDate', 'Cost']);

    const account = await post(queryUrl(`providers/Microsoft.Billing/billingAccounts/${AZURE_BILLING_ACCOUNT_ID}`), body(day, day), bearer);
    expect(account.status).toBe(200);
    const storage = account.json.properties.rows.find((r: unknown[]) => r[1] === 'Storage')[3] as number;
    const expected = [AZURE_SUBSCRIPTIONS.production, AZURE_SUBSCRIPTIONS.development, AZURE_SUBSCRIPTIONS.analytics].reduce(
      (sum, id) => sum + sandbox.azureCosts.dailyCost(id, 'Storage', day),
      0,
    );
    expect(storage).toBeCloseTo(expected, 5);
  });

  it('generates a large synthetic scope on the fly, page by page', async () => {
    const s = await start({ costManagement: { syntheticRows: 23, pageSize: 5 } });
    const bearer = await token(DEMO_TENANT_ID, ARM, s);
    const day = addDays(s.azureCosts.today, -1);
    const pages = await allPages(subscriptionScope(AZURE_SUBSCRIPTIONS.synthetic), body(addDays(day, -3), day), bearer, s);
    expect(pages.map((p) => p.json.properties.rows.length)).toEqual([5, 5, 5, 5, 3]);
    // The default is a benchmark-sized scope: 200 pages of 5,000 rows.
    expect(sandbox.azureCosts.settings.syntheticRows).toBe(1_000_000);
  });
});

describe('Cost Management emulator: refusals with ARM error bodies', () => {
  const day = () => addDays(sandbox.azureCosts.today, -1);

  it('401 without a token, with a token for another audience, an expired one, or one from the wrong tenant', async () => {
    const production = queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production));
    const none = await post(production, body(day(), day()));
    expect(none).toMatchObject({ status: 401, json: { error: { code: 'AuthenticationFailed' } } });

    const graph = await post(production, body(day(), day()), await token(DEMO_TENANT_ID, GRAPH));
    expect(graph.status).toBe(401);
    expect(graph.json.error.code).toBe('InvalidAuthenticationTokenAudience');
    expect(graph.json.error.message).toContain("wrong audience or resource 'https://graph.microsoft.com'");

    const forged = await post(production, body(day(), day()), 'a.b.c');
    expect(forged.json.error.code).toBe('InvalidAuthenticationToken');

    const wrongTenant = await post(production, body(day(), day()), await token(OTHER_TENANT_ID));
    expect(wrongTenant.status).toBe(401);
    expect(wrongTenant.json.error.code).toBe('InvalidAuthenticationTokenTenant');
    expect(wrongTenant.json.error.message).toContain(`It must match the tenant 'https://sts.windows.net/${DEMO_TENANT_ID}/'`);

    const short = await start({ tokenLifetimeSeconds: 0 });
    const expired = await post(
      queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production), short),
      body(day(), day()),
      await token(DEMO_TENANT_ID, ARM, short),
    );
    expect(expired).toMatchObject({ status: 401, json: { error: { code: 'ExpiredAuthenticationToken' } } });
  });

  it('403 AuthorizationFailed without the role, 404 SubscriptionNotFound, 409 MissingSubscriptionRegistration, 400 BadRequest', async () => {
    const bearer = await token(DEMO_TENANT_ID);
    const noRole = await post(queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.noRole)), body(day(), day()), bearer);
    expect(noRole.status).toBe(403);
    expect(noRole.json.error.code).toBe('AuthorizationFailed');
    expect(noRole.json.error.message).toMatch(
      new RegExp(
        `^The client '${DEMO_APP.clientId}' with object id '[0-9a-f-]+' does not have authorization to perform action 'Microsoft\\.CostManagement/query/action' over scope '/subscriptions/${AZURE_SUBSCRIPTIONS.noRole}'`,
      ),
    );

    const unknown = await post(queryUrl('subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333'), body(day(), day()), bearer);
    expect(unknown).toMatchObject({
      status: 404,
      json: {
        error: { code: 'SubscriptionNotFound', message: "The subscription '0b1f6471-1bf0-4dda-aec3-111122223333' could not be found." },
      },
    });

    const notRegistered = await post(queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.notRegistered)), body(day(), day()), bearer);
    expect(notRegistered.status).toBe(409);
    expect(notRegistered.json.error).toMatchObject({
      code: 'MissingSubscriptionRegistration',
      message: expect.stringContaining("namespace 'Microsoft.CostManagement'"),
    });

    const production = queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production));
    for (const bad of [
      'not json',
      { ...body(day(), day()), dataset: undefined },
      { ...body(day(), day()), timePeriod: { from: day(), to: addDays(day(), -3) } },
    ]) {
      const answer = await post(production, bad, bearer);
      expect(answer.status).toBe(400);
      expect(answer.json.error.code).toBe('BadRequest');
    }
    // Refusals carry the rate-limit headers too, and cost nothing.
    expect(notRegistered.headers.get(`${RATE}-qpu-consumed`)).toBe('0');
  });

  it('429 once the tenant has spent its QPU budget, with the retry-after headers', async () => {
    const s = await start({ costManagement: { qpuBudget: 2, qpuWindowSeconds: 30 } });
    const bearer = await token(DEMO_TENANT_ID, ARM, s);
    const d = addDays(s.azureCosts.today, -1);
    const url = queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production), s);
    expect((await post(url, body(d, d), bearer)).status).toBe(200);
    expect((await post(url, body(d, d), bearer)).headers.get(`${RATE}-qpu-remaining`)).toBe('0');
    const throttled = await post(url, body(d, d), bearer);
    expect(throttled.status).toBe(429);
    expect(throttled.json).toEqual({ error: { code: '429', message: 'Too many requests. Please retry.' } });
    expect(Number(throttled.headers.get(`${RATE}-qpu-retry-after`))).toBeGreaterThan(25);
  });

  it('a 429 fault names different waits in its headers (clients must take the largest)', async () => {
    sandbox.faults.costManagement.failNext({ status: 429, retryAfterSeconds: 6 });
    const answer = await post(queryUrl(subscriptionScope(AZURE_SUBSCRIPTIONS.production)), body(day(), day()), await token(DEMO_TENANT_ID));
    expect(answer.status).toBe(429);
    expect([
      answer.headers.get(`${RATE}-qpu-retry-after`),
      answer.headers.get(`${RATE}-entity-retry-after`),
      answer.headers.get(`${RATE}-tenant-retry-after`),
    ]).toEqual(['3', '6', '3']);
    expect(sandbox.state.countRequests({ service: 'costManagement', status: 429, faulted: true })).toBe(1);
  });
});

describe('Cost Management seed: the numbers other tests rely on', () => {
  async function rowsOf(subscriptionId: string, from: string, to: string) {
    const bearer = await token(DEMO_TENANT_ID);
    const pages = await allPages(subscriptionScope(subscriptionId), body(from, to), bearer);
    return pages.flatMap((page) =>
      normalizeAzureQuery(page.json.properties, { billingAccountId: subscriptionId, subAccountId: subscriptionId, costType: 'ActualCost' }),
    );
  }

  it('plants exactly one anomaly: Virtual Machines on analytics, 3 days ago, far above its 14-day median', async () => {
    const today = sandbox.azureCosts.today;
    const firstDay = addDays(today, -AZURE_HISTORY_DAYS);
    // Two windows: Azure answers at most a year; one month is enough for the rule.
    const rows = await rowsOf(AZURE_ANOMALY.subscriptionId, addDays(today, -30), addDays(today, -1));
    const spikeDay = addDays(today, -AZURE_ANOMALY.daysAgo);
    const anomalies = detectAnomalies({ rows, day: spikeDay, firstIncomplete: today, coveredFrom: addDays(today, -30) });
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({ ServiceName: AZURE_ANOMALY.serviceName, day: spikeDay });
    expect(Number(anomalies[0]!.amount.amount)).toBeGreaterThanOrEqual(Number(AZURE_ANOMALY.spikeRange.min));
    expect(Number(anomalies[0]!.amount.amount)).toBeLessThanOrEqual(Number(AZURE_ANOMALY.spikeRange.max) + 0.01);
    // No other day or subscription trips the rule.
    for (const day of [addDays(spikeDay, -1), addDays(spikeDay, 1), addDays(today, -1)])
      expect(detectAnomalies({ rows, day, firstIncomplete: today, coveredFrom: addDays(today, -30) })).toEqual([]);
    const production = await rowsOf(AZURE_SUBSCRIPTIONS.production, addDays(today, -30), addDays(today, -1));
    expect(detectAnomalies({ rows: production, day: spikeDay, firstIncomplete: today, coveredFrom: addDays(today, -30) })).toEqual([]);
    expect(firstDay < addDays(today, -30)).toBe(true);
  });

  it(`production: ${AZURE_BUDGET_SCENARIO.dailyTotal.nominal} USD a day, so a 2,000 USD monthly budget passes 80 % on day 14–16 of a month`, () => {
    const world = sandbox.azureCosts;
    const services = Object.keys(world.subscriptions.get(AZURE_BUDGET_SCENARIO.subscriptionId)!.services);
    const daily = (day: string) =>
      services.reduce((sum, service) => sum + world.dailyCost(AZURE_BUDGET_SCENARIO.subscriptionId, service, day), 0);
    for (let day = world.firstDay; day < world.today; day = addDays(day, 1)) {
      expect(daily(day)).toBeGreaterThanOrEqual(Number(AZURE_BUDGET_SCENARIO.dailyTotal.min) - 0.05);
      expect(daily(day)).toBeLessThanOrEqual(Number(AZURE_BUDGET_SCENARIO.dailyTotal.max) + 0.05);
    }
    // The last complete month in the data: when did month-to-date pass 80 % and 100 %?
    const month = periodContaining('month', addDays(periodContaining('month', world.today).start, -1));
    let spent = 0;
    let eighty: number | undefined;
    let hundred: number | undefined;
    for (let day = month.start, n = 1; day < month.end; day = addDays(day, 1), n++) {
      spent += daily(day);
      if (eighty === undefined && spent >= 1600) eighty = n;
      if (hundred === undefined && spent >= 2000) hundred = n;
    }
    expect(eighty).toBeGreaterThanOrEqual(AZURE_BUDGET_SCENARIO.eightyPercentCrossedOnDayOfMonth.earliest);
    expect(eighty).toBeLessThanOrEqual(AZURE_BUDGET_SCENARIO.eightyPercentCrossedOnDayOfMonth.latest);
    expect(hundred).toBeGreaterThanOrEqual(AZURE_BUDGET_SCENARIO.hundredPercentCrossedOnDayOfMonth.earliest);
    expect(hundred).toBeLessThanOrEqual(AZURE_BUDGET_SCENARIO.hundredPercentCrossedOnDayOfMonth.latest);
  });

  it('with the day pinned to the 17th, the current month to date is past 80 % (and under 100 %) of the 2,000 USD budget', async () => {
    const s = await start({ costManagement: { today: '2026-03-17' } });
    expect(s.azureCosts.today).toBe('2026-03-17');
    const bearer = await token(DEMO_TENANT_ID, ARM, s);
    const pages = await allPages(subscriptionScope(AZURE_BUDGET_SCENARIO.subscriptionId), body('2026-03-01', '2026-03-31'), bearer, s);
    const rows = pages.flatMap((page) =>
      normalizeAzureQuery(page.json.properties, { billingAccountId: 'b', subAccountId: 's', costType: 'ActualCost' }),
    );
    expect(new Set(rows.map((r) => r.ChargePeriodStart)).size).toBe(16);
    const spent = Number(totalCost(rows, 'BilledCost', 'USD').amount);
    expect(spent).toBeGreaterThan(0.8 * Number(AZURE_BUDGET_SCENARIO.monthlyBudget));
    expect(spent).toBeLessThan(Number(AZURE_BUDGET_SCENARIO.monthlyBudget));
  });

  it('is deterministic: two sandboxes agree to the last decimal, amounts carry 2 to 6 decimals', async () => {
    // cost-data.ts spells the seed's tenant and app ids out; they must stay the same.
    expect(sandbox.azureCosts.subscriptions.get(AZURE_SUBSCRIPTIONS.production)).toMatchObject({
      tenantId: DEMO_TENANT_ID,
      readerAppIds: new Set([DEMO_APP.clientId]),
    });
    expect(sandbox.azureCosts.subscriptions.get(AZURE_SUBSCRIPTIONS.otherTenant)!.tenantId).toBe(OTHER_TENANT_ID);
    const other = await start();
    const day = addDays(sandbox.azureCosts.today, -5);
    const decimals = new Set<number>();
    for (const service of Object.keys(sandbox.azureCosts.subscriptions.get(AZURE_SUBSCRIPTIONS.production)!.services)) {
      const amount = sandbox.azureCosts.dailyCost(AZURE_SUBSCRIPTIONS.production, service, day);
      expect(other.azureCosts.dailyCost(AZURE_SUBSCRIPTIONS.production, service, day)).toBe(amount);
      decimals.add((String(amount).split('.')[1] ?? '').length);
    }
    expect(Math.max(...decimals)).toBeLessThanOrEqual(6);
    const rows = await rowsOf(AZURE_SUBSCRIPTIONS.production, day, day);
    expect(totalCost(rows, 'BilledCost', 'USD').currency).toBe('USD');
  });
});
