// AwsCostPort on the AWS SDK v3 (Cost Explorer + STS), region us-east-1 (Cost Explorer's only
// endpoint). The SDK's own retries are off (maxAttempts 1): LimitExceededException, which the
// SDK would treat as throttling, goes through the project's one retry policy instead, so
// waits are bounded and tests fast. Every page is one paid request ($0.01), so `calls`
// counts exactly the requests Cost Explorer answered. Credentials are always explicit:
// the default provider chain (env, files, instance metadata) is used only for the app's base
// identity in production, when none is configured.
import { systemClock, type Clock } from '../../clock.js';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type GetCostAndUsageCommandOutput,
} from '@aws-sdk/client-cost-explorer';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { costAmount } from '../../domain/spend/focus.js';
import { addDays, dayOf } from '../../domain/spend/periods.js';
import type { Logger } from '../../logger.js';
import { ConnectorError, type AwsCostAccount, type AwsCostPage, type AwsCostPort, type HealthCheck, type Price } from '../ports.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { awsFailure, CE_SERVICE, healthAdvice, isCostExplorerNotEnabled, STS_SERVICE } from './aws-errors.js';

/** Cost Explorer's API lives in us-east-1 whatever region the resources are in. */
export const AWS_COST_REGION = 'us-east-1';

export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsCostExplorerOptions {
  /**
   * The app's own AWS identity, used only to assume customer roles. Production: from
   * configuration (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); omitted = the SDK's default chain.
   */
  baseCredentials?: AwsStaticCredentials;
  /** The principal customers must trust (shown in advice), e.g. arn:aws:iam::123456789012:user/quartermaster. */
  appPrincipalArn?: string;
  /** Sandbox (or VPC endpoint) URLs; default the public AWS endpoints. */
  endpoints?: { costExplorer?: string; sts?: string };
  retry: RetryPolicy;
  log: Logger;
  /** The calendar (which day is today); role credentials expire on the system clock. */
  clock?: Clock;
}

interface CachedRoleCredentials extends AwsStaticCredentials {
  expiration: Date;
}

/** Re-assume a role this long before its credentials expire. */
const ROLE_REFRESH_MARGIN_MS = 5 * 60_000;
const ROLE_SESSION_SECONDS = 3600;

export class AwsCostExplorer implements AwsCostPort {
  private callCount = 0;
  /** Per role and external id; a promise, so that concurrent syncs share one AssumeRole. */
  private readonly roleCredentials = new Map<string, Promise<CachedRoleCredentials>>();
  private readonly clock: Clock;

  constructor(private readonly options: AwsCostExplorerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get calls(): number {
    return this.callCount;
  }

  async *dailyCost(
    account: AwsCostAccount,
    window: { start: string; endExclusive: string },
    options: { tagKey?: string; metric?: 'UnblendedCost' | 'NetUnblendedCost' } = {},
  ): AsyncIterable<AwsCostPage> {
    const client = this.costExplorerFor(account);
    try {
      let nextPageToken: string | undefined;
      do {
        const input = {
          TimePeriod: { Start: window.start, End: window.endExclusive },
          Granularity: 'DAILY' as const,
          Metrics: [options.metric ?? 'UnblendedCost'],
          GroupBy: [
            { Type: 'DIMENSION' as const, Key: 'SERVICE' },
            ...(options.tagKey ? [{ Type: 'TAG' as const, Key: options.tagKey }] : []),
          ],
          ...(nextPageToken ? { NextPageToken: nextPageToken } : {}),
        };
        const output = await this.send('GetCostAndUsage', account, () => client.send(new GetCostAndUsageCommand(input)));
        const page = plainPage(output);
        nextPageToken = page.NextPageToken;
        yield page;
      } while (nextPageToken);
    } finally {
      client.destroy();
    }
  }

  async forecast(account: AwsCostAccount, window: { start: string; endExclusive: string }): Promise<Price | undefined> {
    const client = this.costExplorerFor(account);
    try {
      const output = await this.send('GetCostForecast', account, () =>
        client.send(
          new GetCostForecastCommand({
            TimePeriod: { Start: window.start, End: window.endExclusive },
            Metric: 'UNBLENDED_COST',
            Granularity: 'MONTHLY',
          }),
        ),
      );
      const total = output.Total;
      if (total?.Amount === undefined) return undefined;
      const currency = total.Unit ?? 'USD';
      return { amount: costAmount(total.Amount, currency), currency };
    } catch (error) {
      // Too little history (a new account) is not a failure: there is simply no forecast yet.
      // Nor is an account without Cost Explorer: the health check says how to enable it.
      if (error instanceof ConnectorError && (error.details.code === 'DataUnavailableException' || isCostExplorerNotEnabled(error)))
        return undefined;
      throw error;
    } finally {
      client.destroy();
    }
  }

  async checkHealth(account: AwsCostAccount): Promise<HealthCheck> {
    const today = dayOf(this.clock());
    try {
      for await (const page of this.dailyCost(account, { start: addDays(today, -1), endExclusive: today })) {
        void page; // one day: one page; reading it is enough
        break;
      }
      return { ok: true };
    } catch (error) {
      const failure = awsFailure(CE_SERVICE, error);
      const { credentials } = account;
      return healthAdvice(failure, {
        accountId: account.accountId,
        ...(credentials.kind === 'access-key'
          ? { accessKeyId: credentials.accessKeyId }
          : { roleArn: credentials.roleArn, externalId: credentials.externalId }),
        ...(this.options.appPrincipalArn ? { appPrincipalArn: this.options.appPrincipalArn } : {}),
      });
    }
  }

  // ---- plumbing -------------------------------------------------------------------------

  private async send<T>(operation: string, account: AwsCostAccount, call: () => Promise<T>): Promise<T> {
    const { log, retry } = this.options;
    const result = await withRetries(async (attempt) => {
      const started = Date.now();
      try {
        const output = await call();
        log.debug(
          { outbound: { service: CE_SERVICE, operation, accountId: account.accountId, status: 200, ms: Date.now() - started, attempt } },
          `${CE_SERVICE} ${operation} → 200`,
        );
        return output;
      } catch (error) {
        const failure = awsFailure(CE_SERVICE, error);
        log.debug(
          {
            outbound: {
              service: failure.details.service,
              operation,
              accountId: account.accountId,
              status: failure.details.status ?? 'no-response',
              code: failure.details.code,
              ms: Date.now() - started,
              attempt,
            },
          },
          failure.message,
        );
        throw failure;
      }
    }, retry);
    this.callCount += 1;
    return result;
  }

  private costExplorerFor(account: AwsCostAccount): CostExplorerClient {
    const { credentials } = account;
    return new CostExplorerClient({
      region: AWS_COST_REGION,
      ...(this.options.endpoints?.costExplorer ? { endpoint: this.options.endpoints.costExplorer } : {}),
      maxAttempts: 1,
      requestHandler: { requestTimeout: this.options.retry.timeoutMs, connectionTimeout: this.options.retry.timeoutMs },
      credentials:
        credentials.kind === 'access-key'
          ? { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }
          : () => this.assumeRole(credentials.roleArn, credentials.externalId, account.accountId),
    });
  }

  /** Temporary credentials for a customer's role, cached until shortly before they expire. */
  private async assumeRole(roleArn: string, externalId: string, accountId: string): Promise<CachedRoleCredentials> {
    const cacheKey = `${roleArn}\n${externalId}`;
    const earlier = this.roleCredentials.get(cacheKey); // read synchronously: concurrent callers share it
    if (earlier) {
      const cached = await earlier.catch(() => undefined);
      if (cached && cached.expiration.getTime() - ROLE_REFRESH_MARGIN_MS > Date.now()) return cached;
      const newer = this.roleCredentials.get(cacheKey);
      if (newer && newer !== earlier) return newer; // another caller is already refreshing
    }
    const pending = this.requestRoleCredentials(roleArn, externalId, accountId);
    this.roleCredentials.set(cacheKey, pending);
    // A refusal is not kept: the next sync asks again (the admin may have fixed the trust policy).
    pending.catch(() => this.roleCredentials.get(cacheKey) === pending && this.roleCredentials.delete(cacheKey));
    return pending;
  }

  private async requestRoleCredentials(roleArn: string, externalId: string, accountId: string): Promise<CachedRoleCredentials> {
    const sts = new STSClient({
      region: AWS_COST_REGION,
      ...(this.options.endpoints?.sts ? { endpoint: this.options.endpoints.sts } : {}),
      maxAttempts: 1,
      requestHandler: { requestTimeout: this.options.retry.timeoutMs, connectionTimeout: this.options.retry.timeoutMs },
      ...(this.options.baseCredentials ? { credentials: this.options.baseCredentials } : {}),
    });
    try {
      const output = await withRetries(async () => {
        try {
          return await sts.send(
            new AssumeRoleCommand({
              RoleArn: roleArn,
              ExternalId: externalId,
              RoleSessionName: `quartermaster-${accountId}`,
              DurationSeconds: ROLE_SESSION_SECONDS,
            }),
          );
        } catch (error) {
          throw awsFailure(STS_SERVICE, error);
        }
      }, this.options.retry);
      const c = output.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
        throw new ConnectorError('unavailable', `${STS_SERVICE}: AssumeRole returned no credentials`, { service: STS_SERVICE });
      const credentials: CachedRoleCredentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration ?? new Date(Date.now() + ROLE_SESSION_SECONDS * 1000),
      };
      return credentials;
    } finally {
      sts.destroy();
    }
  }
}

/** The SDK's output as plain data (no $metadata, no SDK types past the port). */
function plainPage(output: GetCostAndUsageCommandOutput): AwsCostPage {
  return {
    ResultsByTime: (output.ResultsByTime ?? []).map((result) => ({
      TimePeriod: { Start: result.TimePeriod?.Start, End: result.TimePeriod?.End },
      Groups: (result.Groups ?? []).map((group) => ({
        Keys: [...(group.Keys ?? [])],
        Metrics: Object.fromEntries(
          Object.entries(group.Metrics ?? {}).map(([name, metric]) => [name, { Amount: metric.Amount, Unit: metric.Unit }]),
        ),
      })),
      Estimated: result.Estimated === true,
    })),
    ...(output.NextPageToken ? { NextPageToken: output.NextPageToken } : {}),
  };
}
