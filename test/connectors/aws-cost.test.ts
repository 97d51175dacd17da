// The AWS cost connector (real SDK clients) against the Cost Explorer and STS emulators:
// paging on NextPageToken with one paid call per page, End exclusive, Estimated days,
// LimitExceededException retried, role assumption, and every health-check branch with the
// error bodies AWS sends. Everything stays on loopback (the SDK uses node:http, so sockets
// are guarded as well as fetch).
import { testNowMs } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import { AwsCostExplorer } from '../../src/connectors/aws-cost/aws-cost-explorer.js';
import { ConnectorError, type AwsCostAccount, type AwsCostPage } from '../../src/connectors/index.js';
import { normalizeAwsPage } from '../../src/domain/spend/providers/aws.js';
import { addDays, dayOf, eachDay, periodContaining } from '../../src/domain/spend/periods.js';
import { awsServicesOf } from '../../src/sandbox/aws-cost-data.js';
import { AWS_ACCOUNTS, AWS_DEMO_TAG_KEY, AWS_SANDBOX_KEYS, AWS_SANDBOX_ROLE, type SandboxOptions } from '../../src/sandbox/index.js';
import { FAST_RETRY, rejectionOf, sandboxPerTest } from './sandbox-connectors.js';
import { guardSockets } from './socket-guard.js';
import { DEFAULT_RETRY_POLICY } from '../../src/connectors/retry.js';

const TODAY = dayOf(testNowMs());

const withKey = (key: { accessKeyId: string; secretAccessKey: string; accountId: string }): AwsCostAccount => ({
  accountId: key.accountId,
  credentials: { kind: 'access-key', accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
});
const main = withKey(AWS_SANDBOX_KEYS.reader);
const viaRole = (externalId = AWS_SANDBOX_ROLE.externalId): AwsCostAccount => ({
  accountId: AWS_SANDBOX_ROLE.accountId,
  credentials: { kind: 'assume-role', roleArn: AWS_SANDBOX_ROLE.arn, externalId },
});

async function collect(pages: AsyncIterable<AwsCostPage>): Promise<AwsCostPage[]> {
  const all: AwsCostPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

function awsFixture(options: SandboxOptions = {}) {
  // The SDK talks through node:http: the fixture's socket guard keeps it on loopback.
  const f = sandboxPerTest(options);
  const aws = () => {
    if (!f.awsCost) throw new Error('createConnectors made no awsCost for the sandbox');
    return f.awsCost;
  };
  return { f, aws };
}

describe('AwsCostExplorer: daily cost', () => {
  const { f, aws } = awsFixture({ aws: { pageSize: 4, today: TODAY } });

  it('follows NextPageToken: one page per call, calls equal to pages, End exclusive', async () => {
    const start = addDays(TODAY, -10);
    const endExclusive = addDays(TODAY, -2);
    const pages = await collect(aws().dailyCost(main, { start, endExclusive }));
    const services = awsServicesOf(AWS_ACCOUNTS.main).length;
    expect(pages).toHaveLength(Math.ceil((8 * services) / 4));
    expect(aws().calls).toBe(pages.length);
    expect(f.sandbox.state.countRequests({ service: 'costExplorer', route: 'GetCostAndUsage' })).toBe(pages.length);
    expect(pages.at(-1)?.NextPageToken).toBeUndefined();

    const normalized = pages.map((page) => normalizeAwsPage(page, { billingAccountId: main.accountId, subAccountId: main.accountId }));
    const rows = normalized.flatMap((n) => n.rows);
    expect(rows).toHaveLength(8 * services);
    expect([...new Set(rows.map((r) => r.ChargePeriodStart))]).toEqual(eachDay(start, endExclusive));
    expect(rows.some((r) => r.ChargePeriodStart === endExclusive)).toBe(false);
  });

  it('marks today and yesterday Estimated, older days final', async () => {
    const pages = await collect(aws().dailyCost(main, { start: addDays(TODAY, -3), endExclusive: addDays(TODAY, 1) }));
    const days = pages.flatMap((page) => normalizeAwsPage(page, { billingAccountId: main.accountId, subAccountId: main.accountId }).days);
    const estimatedByDay = Object.fromEntries(days.map((d) => [d.day, d.estimated]));
    expect(estimatedByDay).toEqual({ [addDays(TODAY, -3)]: false, [addDays(TODAY, -2)]: false, [addDays(TODAY, -1)]: true, [TODAY]: true });
  });

  it('groups by a tag when asked, with NetUnblendedCost', async () => {
    const pages = await collect(
      aws().dailyCost(
        main,
        { start: addDays(TODAY, -3), endExclusive: addDays(TODAY, -2) },
        { tagKey: AWS_DEMO_TAG_KEY, metric: 'NetUnblendedCost' },
      ),
    );
    const rows = pages.flatMap(
      (page) => normalizeAwsPage(page, { billingAccountId: main.accountId, subAccountId: main.accountId, tagKey: AWS_DEMO_TAG_KEY }).rows,
    );
    expect(rows.filter((r) => r.ServiceName === 'AWS Lambda').map((r) => r.Tags)).toEqual([
      {},
      { CostCenter: 'analytics' },
      { CostCenter: 'platform' },
    ]);
    expect(rows.every((r) => r.BilledCost !== null)).toBe(true);
  });

  it('retries LimitExceededException with backoff, and counts only the pages', async () => {
    f.sandbox.faults.costExplorer.failNext({ status: 400, code: 'LimitExceededException', times: 2 });
    const pages = await collect(aws().dailyCost(main, { start: addDays(TODAY, -3), endExclusive: addDays(TODAY, -2) }));
    expect(pages).toHaveLength(2);
    expect(aws().calls).toBe(2);
    expect(f.sandbox.state.countRequests({ service: 'costExplorer', faulted: true })).toBe(2);
    expect(f.sandbox.state.countRequests({ service: 'costExplorer', status: 200 })).toBe(2);
  });

  it('gives up as throttled after the retries run out', async () => {
    f.sandbox.faults.costExplorer.failNext({ status: 400, code: 'LimitExceededException', times: 20 });
    const error = await rejectionOf(collect(aws().dailyCost(main, { start: addDays(TODAY, -3), endExclusive: addDays(TODAY, -2) })));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.kind).toBe('throttled');
    expect(f.sandbox.state.countRequests({ service: 'costExplorer' })).toBe(1 + (FAST_RETRY.retries ?? 0));
    expect(aws().calls).toBe(0);
  });

  it('never retries AccessDenied or DataUnavailable', async () => {
    const denied = await rejectionOf(
      collect(aws().dailyCost(withKey(AWS_SANDBOX_KEYS.noCostExplorerPermission), { start: addDays(TODAY, -3), endExclusive: TODAY })),
    );
    expect([denied.kind, denied.details.code]).toEqual(['unauthorized', 'AccessDeniedException']);
    const off = await rejectionOf(
      collect(aws().dailyCost(withKey(AWS_SANDBOX_KEYS.costExplorerOff), { start: addDays(TODAY, -3), endExclusive: TODAY })),
    );
    expect([off.kind, off.details.code]).toEqual(['unauthorized', 'AccessDeniedException']);
    expect(f.sandbox.state.countRequests({ service: 'costExplorer' })).toBe(2);
  });

  it('assumes the role once, even for concurrent syncs, and reuses its temporary credentials', async () => {
    await Promise.all(
      [1, 2].map(() => collect(aws().dailyCost(viaRole(), { start: addDays(TODAY, -3), endExclusive: addDays(TODAY, -2) }))),
    );
    const pages = await collect(aws().dailyCost(viaRole(), { start: addDays(TODAY, -4), endExclusive: addDays(TODAY, -3) }));
    expect(
      pages
        .flatMap((p) => p.ResultsByTime ?? [])
        .flatMap((r) => r.Groups ?? [])
        .map((g) => g.Keys?.[0]),
    ).toEqual(awsServicesOf(AWS_ACCOUNTS.roleTarget));
    expect(f.sandbox.state.countRequests({ service: 'sts', route: 'AssumeRole', status: 200 })).toBe(1);
    expect(
      f.sandbox.state.countRequests({ service: 'costExplorer', status: 200, tenantId: AWS_ACCOUNTS.roleTarget }),
    ).toBeGreaterThanOrEqual(3);
  });
});

describe('AwsCostExplorer: forecast', () => {
  const { aws } = awsFixture();

  it('returns the forecast rounded to cents, and nothing where Cost Explorer is off', async () => {
    const monthEnd = periodContaining('month', TODAY).end;
    const forecast = await aws().forecast(main, { start: TODAY, endExclusive: monthEnd });
    expect(forecast?.currency).toBe('USD');
    expect(forecast?.amount).toMatch(/^\d+\.\d{2}$/);
    expect(Number(forecast?.amount)).toBeGreaterThan(0);
    expect(aws().calls).toBe(1);
    expect(await aws().forecast(withKey(AWS_SANDBOX_KEYS.costExplorerOff), { start: TODAY, endExclusive: monthEnd })).toBeUndefined();
  });
});

describe('AwsCostExplorer: health checks in plain words', () => {
  const { f, aws } = awsFixture();

  it('ok for a working key and a working role', async () => {
    expect(await aws().checkHealth(main)).toEqual({ ok: true });
    expect(await aws().checkHealth(viaRole())).toEqual({ ok: true });
    expect(aws().calls).toBe(2);
  });

  it("AccessDeniedException: the key can't read Cost Explorer, grant ce:GetCostAndUsage and ce:GetCostForecast", async () => {
    const check = await aws().checkHealth(withKey(AWS_SANDBOX_KEYS.noCostExplorerPermission));
    expect(check).toMatchObject({ ok: false, code: 'AccessDeniedException', problem: "The key can't read Cost Explorer." });
    if (check.ok) return;
    expect(check.fix).toContain('ce:GetCostAndUsage');
    expect(check.fix).toContain('ce:GetCostForecast');
    expect(check.fix).toContain('Allow');
  });

  it('AccessDeniedException "User not enabled for cost explorer access": enable Cost Explorer, not an IAM grant', async () => {
    const check = await aws().checkHealth(withKey(AWS_SANDBOX_KEYS.costExplorerOff));
    expect(check).toMatchObject({ ok: false, code: 'AccessDeniedException' });
    if (check.ok) return;
    expect(check.problem).toContain(`Cost Explorer is not enabled for account ${AWS_ACCOUNTS.costExplorerOff}`);
    expect(check.fix).toMatch(/^Enable Cost Explorer/);
    expect(check.fix).toContain('Launch Cost Explorer');
    expect(check.fix).not.toContain('ce:GetCostAndUsage');
  });

  it('an unknown key or a wrong secret: create a new access key, never showing the secret', async () => {
    const unknown = await aws().checkHealth({
      accountId: AWS_ACCOUNTS.main,
      credentials: { kind: 'access-key', accessKeyId: 'AKIAQMSANDBOXDELETED', secretAccessKey: 'z'.repeat(40) },
    });
    expect(unknown).toMatchObject({ ok: false, code: 'UnrecognizedClientException' });
    if (unknown.ok) return;
    expect(unknown.problem).toBe('AWS does not recognise access key AKIA…ETED: it is wrong, or it was deleted or deactivated.');
    expect(unknown.fix).toMatch(/Create a new access key/);
    const secret = 'WrongSecretWrongSecretWrongSecretWrong00';
    const wrongSecret = await aws().checkHealth({
      accountId: AWS_ACCOUNTS.main,
      credentials: { kind: 'access-key', accessKeyId: AWS_SANDBOX_KEYS.reader.accessKeyId, secretAccessKey: secret },
    });
    expect(wrongSecret).toMatchObject({ ok: false, code: 'InvalidSignatureException' });
    expect(JSON.stringify(wrongSecret)).not.toContain(secret);
    expect(f.logLines.join('')).not.toContain(secret);
  });

  it('STS AccessDenied: fix the trust policy, showing the external id and the app principal', async () => {
    const check = await aws().checkHealth(viaRole('wrong-external-id'));
    expect(check).toMatchObject({ ok: false, code: 'AccessDenied' });
    if (check.ok) return;
    expect(check.problem).toContain(AWS_SANDBOX_ROLE.arn);
    expect(check.fix).toContain(f.sandbox.aws.baseIdentity.principalArn);
    expect(check.fix).toContain('"wrong-external-id"');
    expect(check.fix).toContain('sts:ExternalId');
    expect(f.sandbox.state.countRequests({ service: 'sts', status: 403 })).toBe(1);
    expect(f.sandbox.state.countRequests({ service: 'costExplorer' })).toBe(0);
  });

  it("STS refusing the app's own key: the operator must fix Quartermaster's AWS credentials", async () => {
    const misconfigured = new AwsCostExplorer({
      baseCredentials: { accessKeyId: 'AKIAQMSANDBOXREVOKED', secretAccessKey: 'r'.repeat(40) },
      endpoints: { costExplorer: f.sandbox.urls.costExplorer, sts: f.sandbox.urls.sts },
      retry: { ...DEFAULT_RETRY_POLICY, ...FAST_RETRY },
      log: f.log,
    });
    const check = await misconfigured.checkHealth(viaRole());
    expect(check).toMatchObject({
      ok: false,
      code: 'InvalidClientTokenId',
      problem: "Quartermaster's own AWS credentials (used to assume customer roles) were refused by AWS.",
    });
  });

  it('LimitExceededException after retries: busy, try later', async () => {
    f.sandbox.faults.costExplorer.failNext({ status: 400, times: 20 });
    const check = await aws().checkHealth(main);
    expect(check).toMatchObject({ ok: false, code: 'LimitExceededException' });
    if (!check.ok) expect(check.fix).toMatch(/Try again in a few minutes/);
  });

  it('no answer at all: AWS did not answer', async () => {
    const unreachable = new AwsCostExplorer({
      baseCredentials: AWS_SANDBOX_KEYS.base,
      endpoints: { costExplorer: 'http://127.0.0.1:9', sts: 'http://127.0.0.1:9' },
      retry: { ...DEFAULT_RETRY_POLICY, ...FAST_RETRY, retries: 1 },
      log: f.log,
    });
    const check = await unreachable.checkHealth(main);
    expect(check).toMatchObject({ ok: false, problem: 'AWS did not answer.' });
  });
});

describe('the socket guard these tests rely on', () => {
  it('blocks and records a connection to the real AWS endpoint', async () => {
    const { CostExplorerClient, GetCostAndUsageCommand } = await import('@aws-sdk/client-cost-explorer');
    const guard = guardSockets();
    try {
      const client = new CostExplorerClient({
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIAQMSANDBOXNOWHERE', secretAccessKey: 'x'.repeat(40) },
      });
      const error = await rejectionOf(
        client.send(
          new GetCostAndUsageCommand({
            TimePeriod: { Start: '2026-01-01', End: '2026-01-02' },
            Granularity: 'DAILY',
            Metrics: ['UnblendedCost'],
          }),
        ),
      );
      expect(String(error.message)).toContain('blocked');
      expect(guard.offLoopback).toEqual(['ce.us-east-1.amazonaws.com:443']);
    } finally {
      guard.restore();
    }
  });
});
