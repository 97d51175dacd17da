// The Cost Explorer and STS emulators, driven by the real AWS SDK clients (so the wire
// protocols, SigV4 and error shapes are what the SDK expects), plus the seed's promises:
// one planted anomaly, a budget that crosses 80 %, and deterministic figures.
import { testClock } from '../harness/clock.js';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type GetCostAndUsageCommandInput,
} from '@aws-sdk/client-cost-explorer';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectAnomalies } from '../../src/domain/spend/anomaly.js';
import { normalizeAwsPage, type AwsCostPage } from '../../src/domain/spend/providers/aws.js';
import { addDays, eachDay } from '../../src/domain/spend/periods.js';
import { awsServicesOf, awsTagSplit, formatMicros, MICROS_PER_UNIT } from '../../src/sandbox/aws-cost-data.js';
import {
  AWS_ACCOUNTS,
  AWS_DEMO_ANOMALY,
  AWS_DEMO_BUDGET,
  AWS_DEMO_TAG_KEY,
  AWS_SANDBOX_KEYS,
  AWS_SANDBOX_ROLE,
  AWS_SYNTHETIC_KEY,
  awsDailyCostMicros,
  awsDemoMonthToDate,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from '../../src/sandbox/index.js';
import { rejectionOf } from '../connectors/sandbox-connectors.js';
import { guardSockets, type SocketGuard } from '../connectors/socket-guard.js';

const TODAY = '2026-11-20';

type Key = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function sandboxPerTest(options: SandboxOptions = {}) {
  const fixture = {} as { sandbox: Sandbox; guard: SocketGuard; ce(key?: Key): CostExplorerClient; sts(key?: Key): STSClient };
  beforeEach(async () => {
    fixture.guard = guardSockets();
    fixture.sandbox = await startSandbox({ clock: testClock, ...options, aws: { today: TODAY, ...options.aws } });
    const clientOptions = (endpoint: string, key: Key) => ({ region: 'us-east-1', endpoint, maxAttempts: 1, credentials: key });
    fixture.ce = (key = AWS_SANDBOX_KEYS.reader) => new CostExplorerClient(clientOptions(fixture.sandbox.urls.costExplorer, key));
    fixture.sts = (key = AWS_SANDBOX_KEYS.base) => new STSClient(clientOptions(fixture.sandbox.urls.sts, key));
  });
  afterEach(async () => {
    fixture.guard.restore();
    await fixture.sandbox.stop();
    expect(fixture.guard.offLoopback).toEqual([]);
  });
  return fixture;
}

const daily = (start: string, end: string, extra: Partial<GetCostAndUsageCommandInput> = {}): GetCostAndUsageCommandInput => ({
  TimePeriod: { Start: start, End: end },
  Granularity: 'DAILY',
  Metrics: ['UnblendedCost'],
  GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
  ...extra,
});

async function allPages(client: CostExplorerClient, input: GetCostAndUsageCommandInput): Promise<AwsCostPage[]> {
  const pages: AwsCostPage[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) }));
    pages.push(page as AwsCostPage);
    token = page.NextPageToken;
  } while (token);
  return pages;
}

describe('Cost Explorer emulator: GetCostAndUsage', () => {
  const f = sandboxPerTest();

  it('answers DAILY by SERVICE with Start inclusive, End exclusive, and today and yesterday Estimated', async () => {
    const start = addDays(TODAY, -4);
    const end = addDays(TODAY, 1);
    const out = await f.ce().send(new GetCostAndUsageCommand(daily(start, end)));
    expect(out.GroupDefinitions).toEqual([{ Type: 'DIMENSION', Key: 'SERVICE' }]);
    expect(out.NextPageToken).toBeUndefined();
    expect(out.ResultsByTime?.map((r) => r.TimePeriod)).toEqual(eachDay(start, end).map((day) => ({ Start: day, End: addDays(day, 1) })));
    expect(out.ResultsByTime?.map((r) => r.Estimated)).toEqual([false, false, false, true, true]);
    const first = out.ResultsByTime?.[0];
    expect(first?.Total).toEqual({});
    expect(first?.Groups?.map((g) => g.Keys?.[0])).toEqual(awsServicesOf(AWS_ACCOUNTS.main));
    const ec2 = first?.Groups?.find((g) => g.Keys?.[0] === 'Amazon Elastic Compute Cloud - Compute');
    expect(ec2?.Metrics?.UnblendedCost).toEqual({
      Amount: formatMicros(awsDailyCostMicros(AWS_ACCOUNTS.main, 'Amazon Elastic Compute Cloud - Compute', start, TODAY)),
      Unit: 'USD',
    });
    expect(ec2?.Metrics?.UnblendedCost?.Amount).toMatch(/^\d+\.\d{10}$/);
    expect(
      f.sandbox.state.countRequests({ service: 'costExplorer', route: 'GetCostAndUsage', status: 200, tenantId: AWS_ACCOUNTS.main }),
    ).toBe(1);
  });

  it('without GroupBy gives the day total in Total', async () => {
    const out = await f.ce().send(new GetCostAndUsageCommand(daily(addDays(TODAY, -3), addDays(TODAY, -2), { GroupBy: undefined })));
    const day = addDays(TODAY, -3);
    const expected = awsServicesOf(AWS_ACCOUNTS.main).reduce((sum, s) => sum + awsDailyCostMicros(AWS_ACCOUNTS.main, s, day, TODAY), 0);
    expect(out.ResultsByTime?.[0]?.Total?.UnblendedCost).toEqual({ Amount: formatMicros(expected), Unit: 'USD' });
    expect(out.ResultsByTime?.[0]?.Groups).toEqual([]);
  });

  it('groups by a tag as "key$value", untagged as "key$", parts adding up to the service', async () => {
    const day = addDays(TODAY, -5);
    const out = await f.ce().send(
      new GetCostAndUsageCommand(
        daily(day, addDays(day, 1), {
          GroupBy: [
            { Type: 'DIMENSION', Key: 'SERVICE' },
            { Type: 'TAG', Key: AWS_DEMO_TAG_KEY },
          ],
        }),
      ),
    );
    const groups = out.ResultsByTime?.[0]?.Groups ?? [];
    const lambda = groups.filter((g) => g.Keys?.[0] === 'AWS Lambda');
    expect(lambda.map((g) => g.Keys?.[1]).sort()).toEqual(['CostCenter$', 'CostCenter$analytics', 'CostCenter$platform']);
    const total = awsDailyCostMicros(AWS_ACCOUNTS.main, 'AWS Lambda', day, TODAY);
    expect(lambda.reduce((sum, g) => sum + Math.round(Number(g.Metrics?.UnblendedCost?.Amount) * MICROS_PER_UNIT), 0)).toBe(total);
    expect(awsTagSplit(total).reduce((sum, p) => sum + p.micros, 0)).toBe(total);
  });
});

describe('Cost Explorer emulator: paging', () => {
  const f = sandboxPerTest({ aws: { pageSize: 5 } });

  it('splits results into pages of pageSize groups, days continuing across pages, and the pages add up to the whole', async () => {
    const start = addDays(TODAY, -9);
    const pages = await allPages(f.ce(), daily(start, TODAY));
    const services = awsServicesOf(AWS_ACCOUNTS.main).length;
    expect(pages).toHaveLength(Math.ceil((9 * services) / 5));
    const rows = pages.flatMap(
      (page) => normalizeAwsPage(page, { billingAccountId: AWS_ACCOUNTS.main, subAccountId: AWS_ACCOUNTS.main }).rows,
    );
    expect(rows).toHaveLength(9 * services);
    expect(new Set(rows.map((r) => `${r.ChargePeriodStart}|${r.ServiceName}`)).size).toBe(9 * services);
    expect(f.sandbox.state.countRequests({ service: 'costExplorer', status: 200 })).toBe(pages.length);
  });

  it('refuses a NextPageToken from another query, or made up', async () => {
    const first = await f.ce().send(new GetCostAndUsageCommand(daily(addDays(TODAY, -9), TODAY)));
    expect(first.NextPageToken).toBeTruthy();
    const reused = await rejectionOf(
      f.ce().send(new GetCostAndUsageCommand(daily(addDays(TODAY, -8), TODAY, { NextPageToken: first.NextPageToken }))),
    );
    expect(reused.name).toBe('InvalidNextTokenException');
    const madeUp = await rejectionOf(
      f.ce().send(new GetCostAndUsageCommand(daily(addDays(TODAY, -9), TODAY, { NextPageToken: 'bm90LWEtdG9rZW4=' }))),
    );
    expect(madeUp.name).toBe('InvalidNextTokenException');
  });
});

describe('Cost Explorer emulator: errors as AWS sends them', () => {
  const f = sandboxPerTest();
  const window = daily(addDays(TODAY, -2), TODAY);

  it('AccessDeniedException for a key without ce:GetCostAndUsage', async () => {
    const error = await rejectionOf(f.ce(AWS_SANDBOX_KEYS.noCostExplorerPermission).send(new GetCostAndUsageCommand(window)));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: arn:aws:iam::${AWS_ACCOUNTS.main}:user/intern is not authorized to perform: ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:${AWS_ACCOUNTS.main}:/GetCostAndUsage`,
    );
  });

  it('AccessDeniedException "User not enabled for cost explorer access" where Cost Explorer was never enabled', async () => {
    const error = await rejectionOf(f.ce(AWS_SANDBOX_KEYS.costExplorerOff).send(new GetCostAndUsageCommand(window)));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toBe('User not enabled for cost explorer access');
  });

  it('UnrecognizedClientException for an unknown key, InvalidSignatureException for a wrong secret', async () => {
    const unknown = await rejectionOf(
      f.ce({ accessKeyId: 'AKIAQMSANDBOXUNKNOWN', secretAccessKey: 'x'.repeat(40) }).send(new GetCostAndUsageCommand(window)),
    );
    expect(unknown.name).toBe('UnrecognizedClientException');
    expect(unknown.message).toBe('The security token included in the request is invalid.');
    const wrongSecret = await rejectionOf(
      f.ce({ ...AWS_SANDBOX_KEYS.reader, secretAccessKey: 'y'.repeat(40) }).send(new GetCostAndUsageCommand(window)),
    );
    expect(wrongSecret.name).toBe('InvalidSignatureException');
  });

  it('ValidationException for End <= Start, a bad date or more than two GroupBy', async () => {
    const backwards = await rejectionOf(f.ce().send(new GetCostAndUsageCommand(daily(TODAY, TODAY))));
    expect(backwards.name).toBe('ValidationException');
    expect(backwards.message).toBe('Start date (and hour) should be before end date (and hour)');
    const badDate = await rejectionOf(f.ce().send(new GetCostAndUsageCommand(daily('2026-02-30', TODAY))));
    expect(badDate.name).toBe('ValidationException');
    const threeGroups = await rejectionOf(
      f.ce().send(
        new GetCostAndUsageCommand(
          daily(addDays(TODAY, -1), TODAY, {
            GroupBy: [
              { Type: 'DIMENSION', Key: 'SERVICE' },
              { Type: 'TAG', Key: 'a' },
              { Type: 'TAG', Key: 'b' },
            ],
          }),
        ),
      ),
    );
    expect(threeGroups.name).toBe('ValidationException');
  });

  it('a throttling fault is LimitExceededException "Rate exceeded" with HTTP 400', async () => {
    f.sandbox.faults.costExplorer.failNext({ status: 400 });
    const error = await rejectionOf(f.ce().send(new GetCostAndUsageCommand(window)));
    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toBe('Rate exceeded');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(f.sandbox.state.countRequests({ service: 'costExplorer', faulted: true })).toBe(1);
  });
});

describe('Cost Explorer emulator: GetCostForecast', () => {
  const f = sandboxPerTest();

  it('forecasts the rest of the month from recent complete days', async () => {
    const out = await f
      .ce()
      .send(
        new GetCostForecastCommand({ TimePeriod: { Start: TODAY, End: '2026-12-01' }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' }),
      );
    expect(out.Total?.Unit).toBe('USD');
    const amount = Number(out.Total?.Amount);
    expect(amount).toBeGreaterThan(11 * 60);
    expect(amount).toBeLessThan(11 * 80);
    expect(out.ForecastResultsByTime).toHaveLength(1);
    expect(out.ForecastResultsByTime?.[0]?.TimePeriod).toEqual({ Start: TODAY, End: '2026-12-01' });
  });

  it('refuses a start in the past', async () => {
    const error = await rejectionOf(
      f.ce().send(
        new GetCostForecastCommand({
          TimePeriod: { Start: addDays(TODAY, -1), End: '2026-12-01' },
          Metric: 'UNBLENDED_COST',
          Granularity: 'MONTHLY',
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });
});

describe('STS emulator: AssumeRole', () => {
  const f = sandboxPerTest();
  const assume = (externalId: string) =>
    new AssumeRoleCommand({ RoleArn: AWS_SANDBOX_ROLE.arn, RoleSessionName: 'quartermaster-test', ExternalId: externalId });

  it('issues temporary credentials that Cost Explorer accepts with their session token', async () => {
    const out = await f.sts().send(assume(AWS_SANDBOX_ROLE.externalId));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.Expiration!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(out.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${AWS_ACCOUNTS.roleTarget}:assumed-role/QuartermasterCostReader/quartermaster-test`,
    );
    const ce = f.ce({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    const result = await ce.send(new GetCostAndUsageCommand(daily(addDays(TODAY, -2), TODAY)));
    expect(result.ResultsByTime?.[0]?.Groups?.map((g) => g.Keys?.[0])).toEqual(awsServicesOf(AWS_ACCOUNTS.roleTarget));
    // Without the session token the temporary key is unknown.
    const tokenless = await rejectionOf(
      f
        .ce({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey! })
        .send(new GetCostAndUsageCommand(daily(addDays(TODAY, -2), TODAY))),
    );
    expect(tokenless.name).toBe('UnrecognizedClientException');
  });

  it('AccessDenied (403) for a wrong external id and for a caller the role does not trust', async () => {
    const expected = (user: string) => `User: ${user} is not authorized to perform: sts:AssumeRole on resource: ${AWS_SANDBOX_ROLE.arn}`;
    const wrongId = await rejectionOf(f.sts().send(assume('not-the-external-id')));
    expect(wrongId.name).toBe('AccessDenied');
    expect(wrongId.$metadata.httpStatusCode).toBe(403);
    expect(wrongId.message).toBe(expected(AWS_SANDBOX_KEYS.base.arn));
    const untrusted = await rejectionOf(f.sts(AWS_SANDBOX_KEYS.reader).send(assume(AWS_SANDBOX_ROLE.externalId)));
    expect(untrusted.name).toBe('AccessDenied');
    expect(untrusted.message).toBe(expected(AWS_SANDBOX_KEYS.reader.arn));
  });

  it('InvalidClientTokenId for an unknown key', async () => {
    const error = await rejectionOf(
      f.sts({ accessKeyId: 'AKIAQMSANDBOXUNKNOWN', secretAccessKey: 'x'.repeat(40) }).send(assume(AWS_SANDBOX_ROLE.externalId)),
    );
    expect(error.name).toBe('InvalidClientTokenId');
  });
});

describe('Cost Explorer emulator: synthetic benchmark account', () => {
  const f = sandboxPerTest({ aws: { pageSize: 1000, syntheticServicesPerDay: 700 } });

  it('serves N services a day across many pages', async () => {
    const pages = await allPages(f.ce(AWS_SYNTHETIC_KEY), daily(addDays(TODAY, -10), TODAY));
    expect(pages).toHaveLength(7);
    expect(pages.flatMap((p) => p.ResultsByTime ?? []).reduce((n, r) => n + (r.Groups?.length ?? 0), 0)).toBe(7000);
  });
});

describe('AWS seed promises', () => {
  it('plants exactly one anomaly: the documented service, account and day', () => {
    for (const today of ['2026-11-20', '2026-03-02', '2027-01-15']) {
      const rows = [AWS_ACCOUNTS.main, AWS_ACCOUNTS.roleTarget].flatMap((account) =>
        eachDay(addDays(today, -40), addDays(today, 1)).flatMap((day) =>
          awsServicesOf(account).map((service) => ({
            ServiceProviderName: 'AWS' as const,
            HostProviderName: 'AWS' as const,
            BillingAccountId: account,
            SubAccountId: account,
            ChargePeriodStart: day,
            ChargePeriodEnd: addDays(day, 1),
            BilledCost: (awsDailyCostMicros(account, service, day, today) / MICROS_PER_UNIT).toFixed(2),
            EffectiveCost: null,
            BillingCurrency: 'USD',
            ServiceName: service,
            Tags: {},
            estimated: day >= addDays(today, -1),
          })),
        ),
      );
      const found = eachDay(addDays(today, -20), addDays(today, -1)).flatMap((day) =>
        detectAnomalies({ rows, day, firstIncomplete: addDays(today, -1), coveredFrom: addDays(today, -40) }),
      );
      expect(found.map((a) => [a.SubAccountId, a.ServiceName, a.day])).toEqual([
        [AWS_DEMO_ANOMALY.accountId, AWS_DEMO_ANOMALY.serviceName, addDays(today, -AWS_DEMO_ANOMALY.daysAgo)],
      ]);
      expect(found[0]?.amount.amount).toBe(Number(AWS_DEMO_ANOMALY.amount).toFixed(2));
    }
  });

  it('the budget account passes 80 % of 1,500 USD from the documented day of any month, and forecasts past 100 %', () => {
    const budgetMicros = Number(AWS_DEMO_BUDGET.monthlyAmount) * MICROS_PER_UNIT;
    for (let today = '2026-01-01'; today < '2028-01-01'; today = addDays(today, 1)) {
      const monthToDate = awsDemoMonthToDate(AWS_DEMO_BUDGET.accountId, today);
      const dayOfMonth = Number(today.slice(8, 10));
      if (dayOfMonth >= AWS_DEMO_BUDGET.actualCrossesFromDayOfMonth) expect(monthToDate, today).toBeGreaterThan(budgetMicros * 0.8);
      if (dayOfMonth < AWS_DEMO_BUDGET.actualCrossesFromDayOfMonth - 2) expect(monthToDate, today).toBeLessThan(budgetMicros * 0.8);
    }
    expect(Number(AWS_DEMO_BUDGET.dailyLevel) * 28).toBeGreaterThan(Number(AWS_DEMO_BUDGET.monthlyAmount));
  });

  it('keys are obviously fake and shaped like real ones', () => {
    for (const key of [...Object.values(AWS_SANDBOX_KEYS), AWS_SYNTHETIC_KEY]) {
      expect(key.accessKeyId).toMatch(/^AKIAQMSANDBOX[A-Z0-9]{7}$/);
      expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
      expect(key.secretAccessKey).toContain('NotARealSecretKey');
    }
  });
});
