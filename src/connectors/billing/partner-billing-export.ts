// Partner billing v2 on Microsoft Graph: the asynchronous exports that carry new-commerce
// reconciliation (billed: an invoice's lines; unbilled: the open period's) and unbilled daily
// rated usage. POST the export (202 + Location), poll the operation until it succeeds or
// fails, read the manifest, then stream each blob (gzip JSON lines, read with the manifest's
// SAS: the bearer token never goes to storage). The operation and manifest must be on Graph's
// own origin: a Location elsewhere is refused rather than sent a token.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { correlationIdForCall } from '../../correlation.js';
import type { Logger } from '../../logger.js';
import { GRAPH_SCOPE, type TokenProvider } from '../identity/token-provider.js';
import { kindForStatus, logCall, retryAfterSeconds, transportFailure } from '../outbound.js';
import { sendHttp } from '../http-transport.js';
import { ConnectorError } from '../ports.js';
import { withRetries, type RetryPolicy } from '../retry.js';
import { jsonLines } from './downloads.js';

const SERVICE = 'partner-billing';
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
const BILLING = '/v1.0/reports/partners/billing';

export type BillingPeriod = 'current' | 'last';

const OperationWire = z
  .object({
    id: z.string(),
    status: z.string(),
    'resourceLocation@odata.navigationLink': z.string().nullish(),
    error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough();

const ManifestWire = z
  .object({
    id: z.string(),
    dataFormat: z.string(),
    rootDirectory: z.string(),
    sasToken: z.string(),
    blobCount: z.number(),
    blobs: z.array(z.object({ name: z.string(), partitionValue: z.string().nullish() }).passthrough()),
  })
  .passthrough();

export interface PartnerBillingExportOptions {
  tokens: TokenProvider;
  partnerTenantId: string;
  baseUrl?: string;
  retry: RetryPolicy;
  log: Logger;
  /** Between polls of a running export (default 10 s; Microsoft's exports take minutes). */
  pollIntervalMs?: number;
  /** Give up on an export after this long (default 30 min). */
  maxWaitMs?: number;
}

/** The export finished without data ("No data available", e.g. a period already invoiced). */
export class NoExportData extends Error {
  override name = 'NoExportData';
}

export class PartnerBillingExports {
  private readonly baseUrl: string;
  private readonly origin: string;
  constructor(private readonly options: PartnerBillingExportOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '');
    this.origin = new URL(this.baseUrl).origin;
  }

  /** An invoice's reconciliation rows (PascalCase, as the reconciliation file). */
  billedReconciliation(invoiceId: string): AsyncGenerator<Record<string, unknown>> {
    return this.rows(`${BILLING}/reconciliation/billed/export`, { invoiceId, attributeSet: 'full' });
  }

  /** Reconciliation rows of the open (current) or the previous, not yet invoiced (last) period. Throws NoExportData when there are none. */
  unbilledReconciliation(currencyCode: string, billingPeriod: BillingPeriod): AsyncGenerator<Record<string, unknown>> {
    return this.rows(`${BILLING}/reconciliation/unbilled/export`, { currencyCode, billingPeriod, attributeSet: 'full' });
  }

  /** Daily rated usage (Azure plans) not yet invoiced. */
  unbilledUsage(currencyCode: string, billingPeriod: BillingPeriod): AsyncGenerator<Record<string, unknown>> {
    return this.rows(`${BILLING}/usage/unbilled/export`, { currencyCode, billingPeriod, attributeSet: 'full' });
  }

  private async *rows(path: string, body: Record<string, string>): AsyncGenerator<Record<string, unknown>> {
    const { retry } = this.options;
    const location = await this.start(path, body);
    const manifestUrl = await this.waitFor(location);
    const manifest = ManifestWire.safeParse(await this.getJson(manifestUrl));
    if (!manifest.success) throw new ConnectorError('unavailable', `${SERVICE}: the export manifest cannot be read`, { service: SERVICE });
    if (manifest.data.dataFormat.toLowerCase() !== 'compressedjson')
      throw new ConnectorError('unavailable', `${SERVICE}: the export came as ${manifest.data.dataFormat}, not compressedJSON`, {
        service: SERVICE,
      });
    const root = manifest.data.rootDirectory.replace(/\/+$/, '');
    const sas = manifest.data.sasToken.replace(/^\?/, '');
    for (const blob of manifest.data.blobs) {
      yield* jsonLines(`${root}/${blob.name.split('/').map(encodeURIComponent).join('/')}?${sas}`, {
        timeoutMs: Math.max(retry.timeoutMs, 5 * 60_000),
        service: SERVICE,
      });
    }
  }

  private async start(path: string, body: Record<string, string>): Promise<string> {
    const answer = await this.send('POST', `${this.baseUrl}${path}`, body);
    const location = answer.headers.get('location');
    if (answer.status !== 202 || !location)
      throw new ConnectorError('unavailable', `${SERVICE}: the export was not accepted (HTTP ${answer.status})`, {
        service: SERVICE,
        status: answer.status,
      });
    return this.sameOrigin(location);
  }

  /** Polls the operation; the manifest's URL once it succeeded. */
  private async waitFor(operationUrl: string): Promise<string> {
    const interval = this.options.pollIntervalMs ?? 10_000;
    const deadline = Date.now() + (this.options.maxWaitMs ?? 30 * 60_000);
    for (;;) {
      const answer = await this.send('GET', operationUrl);
      const operation = OperationWire.safeParse(answer.json);
      if (!operation.success)
        throw new ConnectorError('unavailable', `${SERVICE}: the export's status cannot be read`, { service: SERVICE });
      const status = operation.data.status.toLowerCase();
      if (status === 'succeeded') {
        const manifest = operation.data['resourceLocation@odata.navigationLink'];
        if (!manifest) throw new ConnectorError('unavailable', `${SERVICE}: the export succeeded without a manifest`, { service: SERVICE });
        return this.sameOrigin(manifest);
      }
      if (status === 'failed') {
        const message = operation.data.error?.message ?? 'the export failed';
        if (/no data/i.test(message)) throw new NoExportData(message);
        throw new ConnectorError('unavailable', `${SERVICE}: ${message} (code ${operation.data.error?.code ?? 'unknown'})`, {
          service: SERVICE,
          code: operation.data.error?.code ?? 'failed',
        });
      }
      if (Date.now() > deadline)
        throw new ConnectorError(
          'unavailable',
          `${SERVICE}: the export is still running after ${Math.round((this.options.maxWaitMs ?? 1_800_000) / 60_000)} minutes`,
          {
            service: SERVICE,
            retryAfterSeconds: 600,
          },
        );
      const wait = (retryAfterSeconds(answer.headers.get('retry-after')) ?? interval / 1000) * 1000;
      await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
    }
  }

  private sameOrigin(url: string): string {
    const target = new URL(url, this.baseUrl);
    if (target.origin !== this.origin)
      throw new ConnectorError('unavailable', `${SERVICE}: the export pointed to ${target.origin}, not Microsoft Graph; refused`, {
        service: SERVICE,
      });
    return target.href;
  }

  private async getJson(url: string): Promise<unknown> {
    return (await this.send('GET', url)).json;
  }

  private async send(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
    const { tokens, partnerTenantId, retry, log } = this.options;
    const correlationId = correlationIdForCall();
    return withRetries(async (attempt) => {
      const token = await tokens.getToken(partnerTenantId, GRAPH_SCOPE);
      const started = performance.now();
      let answer;
      try {
        answer = await sendHttp(url, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            'client-request-id': correlationId,
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          timeoutMs: retry.timeoutMs,
        });
      } catch (error) {
        throw transportFailure(SERVICE, error);
      }
      logCall(log, {
        service: SERVICE,
        method,
        path: new URL(url).pathname,
        status: answer.status,
        ms: Math.round(performance.now() - started),
        correlationId,
        attempt,
      });
      let json: unknown;
      try {
        json = answer.text ? JSON.parse(answer.text) : undefined;
      } catch {
        throw new ConnectorError('unavailable', `${SERVICE}: response is not JSON`, { service: SERVICE });
      }
      if (!answer.ok) {
        const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
        const retryAfter = retryAfterSeconds(answer.headers.get('retry-after'));
        throw new ConnectorError(
          kindForStatus(answer.status),
          `${SERVICE}: ${error?.code ?? answer.status}: ${error?.message ?? 'request failed'}`,
          {
            service: SERVICE,
            status: answer.status,
            ...(error?.code ? { code: error.code } : {}),
            ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
          },
        );
      }
      return { status: answer.status, headers: answer.headers, json };
    }, retry);
  }
}
