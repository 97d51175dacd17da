// AWS Cost Explorer as a cost provider: a connection is one linked account, reached with an
// access key pair or by assuming a role (the key pair or role with its external id is the
// connection's sealed secret). One GetCostAndUsage over the whole window (each page is a paid
// call), End exclusive, Estimated days kept as such; GetCostForecast for the month's forecast.
import { awsFailure, CE_SERVICE, healthAdvice } from '../../connectors/aws-cost/aws-errors.js';
import { ConnectorError, type AwsCostPort, type AwsCredentialInput, type HealthCheck, type Price } from '../../connectors/ports.js';
import type { FocusCostRow } from '../../domain/spend/focus.js';
import type { Day } from '../../domain/spend/periods.js';
import { validateAwsAccountInput } from '../../domain/spend/providers/aws-account.js';
import { AWS_INFO, normalizeAwsPage } from '../../domain/spend/providers/aws.js';
import { parseTagKey } from '../../domain/spend/providers/tag-key.js';
import type { CostConnection, CostProvider, DailyCostRows, ParsedConnectionInput, SyncFailure } from './provider.js';

export interface AwsCostProviderOptions {
  port: AwsCostPort;
  /** Opens a stored connection's sealed secret (ConnectionRepository.readSecret). */
  readSecret(tenantId: string, connectionId: string): Promise<string | undefined>;
  /** Named in role advice (the principal the role must trust). */
  appPrincipalArn?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export class AwsCostProvider implements CostProvider {
  readonly info = AWS_INFO;

  constructor(private readonly o: AwsCostProviderOptions) {}

  parseInput(fields: Readonly<Record<string, unknown>>): ParsedConnectionInput {
    const kind = fields.kind === 'access-key' || fields.kind === 'assume-role' ? fields.kind : undefined;
    const valid = validateAwsAccountInput({
      ...(kind ? { kind } : {}),
      accountId: text(fields.accountId),
      accessKeyId: text(fields.accessKeyId),
      secretAccessKey: text(fields.secretAccessKey),
      roleArn: text(fields.roleArn),
      externalId: text(fields.externalId),
    });
    if (!valid.ok) return { ok: false, message: valid.message, fields: valid.fields };
    const tag = parseTagKey(fields.tagKey);
    if (!tag.ok) return { ...tag, fields: { tagKey: tag.message } };
    const { accountId, credentials } = valid.value;
    const details: Record<string, string> =
      credentials.kind === 'access-key'
        ? { accountId, credentialKind: 'access-key', keyHint: `…${credentials.accessKeyId.slice(-4)}` }
        : { accountId, credentialKind: 'assume-role', roleArn: credentials.roleArn };
    if (tag.tagKey) details.tagKey = tag.tagKey;
    return { ok: true, value: { id: `aws:${accountId}`, label: accountId, details, secret: JSON.stringify(credentials), audit: details } };
  }

  async checkHealth(connection: Pick<CostConnection, 'tenantId' | 'id' | 'details'>, secret?: string): Promise<HealthCheck> {
    const credentials = await this.credentials(connection, secret);
    if (!credentials)
      return {
        ok: false,
        code: 'unavailable',
        problem: 'The AWS credentials are missing.',
        fix: 'Disconnect the account and add it again.',
      };
    return this.o.port.checkHealth({ accountId: connection.details.accountId ?? '', credentials });
  }

  async fetchDaily(connection: CostConnection, window: { from: Day; to: Day }): Promise<DailyCostRows> {
    const aws = this.o.port;
    const credentials = await this.credentials(connection);
    if (!credentials)
      throw new ConnectorError('unauthorized', 'The AWS credentials of this connection are missing', {
        service: CE_SERVICE,
        code: 'CredentialsMissing',
      });
    const owner = this.info.owner(connection);
    const callsBefore = aws.calls;
    const rows: FocusCostRow[] = [];
    const estimatedDays: Day[] = [];
    let pages = 0;
    const tagKey = connection.details.tagKey || undefined;
    for await (const page of aws.dailyCost(
      { accountId: owner.subAccountId, credentials },
      { start: window.from, endExclusive: window.to },
      tagKey ? { tagKey } : {},
    )) {
      pages++;
      const normalized = normalizeAwsPage(page, { ...owner, ...(tagKey ? { tagKey } : {}) });
      for (const row of normalized.rows) rows.push(row);
      for (const status of normalized.days) if (status.estimated) estimatedDays.push(status.day);
    }
    return { rows, pages, calls: aws.calls - callsBefore, estimatedDays };
  }

  async forecast(connection: CostConnection, window: { from: Day; to: Day }): Promise<Price | undefined> {
    const credentials = await this.credentials(connection);
    if (!credentials) return undefined;
    return this.o.port.forecast(
      { accountId: connection.details.accountId ?? connection.label, credentials },
      { start: window.from, endExclusive: window.to },
    );
  }

  adviceFor(error: unknown, connection: CostConnection): SyncFailure {
    const failure = awsFailure(CE_SERVICE, error);
    if (failure.details.code === 'CredentialsMissing')
      return {
        transient: false,
        advice: {
          ok: false,
          code: 'CredentialsMissing',
          problem: 'The AWS credentials of this connection are missing.',
          fix: 'Disconnect the account and add it again.',
        },
      };
    const { details } = connection;
    return {
      transient: failure.transient,
      advice: healthAdvice(failure, {
        accountId: details.accountId ?? '',
        ...(details.roleArn ? { roleArn: details.roleArn } : {}),
        ...(this.o.appPrincipalArn ? { appPrincipalArn: this.o.appPrincipalArn } : {}),
      }),
    };
  }

  private async credentials(connection: Pick<CostConnection, 'tenantId' | 'id'>, secret?: string): Promise<AwsCredentialInput | undefined> {
    const sealed = secret ?? (await this.o.readSecret(connection.tenantId, connection.id));
    return sealed ? (JSON.parse(sealed) as AwsCredentialInput) : undefined;
  }
}
