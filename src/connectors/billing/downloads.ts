// Files the billing connectors fetch that are not JSON: an invoice PDF (whole, with a size
// cap) and an export blob (gzip of JSON lines, streamed row by row so that an export of
// hundreds of thousands of rows never sits in memory). node:http(s) on keep-alive agents, as
// the connectors' transport (http-transport.ts); a deadline for the whole exchange.
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ConnectorError } from '../ports.js';
import { kindForStatus, transportFailure } from '../outbound.js';

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/** An invoice document: what Teams gets as a file. */
export interface BillingDocument {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

function request(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<http.IncomingMessage & { cancel(): void }> {
  const scheme = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!scheme) return Promise.reject(new TypeError(`unsupported URL scheme: ${url.protocol}`));
  return new Promise((resolve, reject) => {
    const outgoing = scheme.request(url, { method: 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (answer) => {
      resolve(Object.assign(answer, { cancel: () => outgoing.destroy() }));
    });
    const deadline = setTimeout(
      () => outgoing.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })),
      timeoutMs,
    );
    outgoing.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    outgoing.on('close', () => clearTimeout(deadline));
    outgoing.end();
  });
}

async function readAll(answer: http.IncomingMessage, maxBytes: number, service: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      answer.destroy();
      throw new ConnectorError('invalid-request', `${service}: the document is larger than ${Math.round(maxBytes / 1048576)} MB`, {
        service,
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * GETs a document. `redirectWithoutAuth`: a 301/302/307 is followed once, without the
 * Authorization header (the file lives on storage the API token must never reach).
 */
export async function downloadDocument(
  url: string,
  options: {
    headers?: Record<string, string>;
    timeoutMs: number;
    maxBytes: number;
    service: string;
    fallbackName: string;
    redirectWithoutAuth?: boolean;
  },
): Promise<BillingDocument> {
  const { service } = options;
  let target = new URL(url);
  let headers = { Accept: 'application/pdf, application/octet-stream, */*', ...options.headers };
  for (let hop = 0; ; hop++) {
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(target, headers, options.timeoutMs);
    } catch (error) {
      throw transportFailure(service, error);
    }
    const status = answer.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && options.redirectWithoutAuth && hop === 0 && answer.headers.location) {
      answer.resume();
      target = new URL(answer.headers.location, target);
      const { Authorization: _dropped, ...rest } = headers as Record<string, string>;
      headers = rest as typeof headers;
      continue;
    }
    const bytes = await readAll(answer, options.maxBytes, service).catch((error: unknown) => {
      throw error instanceof ConnectorError ? error : transportFailure(service, error);
    });
    if (status < 200 || status >= 300)
      throw new ConnectorError(kindForStatus(status), `${service}: the document could not be downloaded (HTTP ${status})`, {
        service,
        status,
      });
    const disposition = String(answer.headers['content-disposition'] ?? '');
    const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
    return {
      filename: safeFilename(named ? decodedOr(named) : options.fallbackName),
      contentType: String(answer.headers['content-type'] ?? 'application/octet-stream')
        .split(';')[0]!
        .trim(),
      bytes,
    };
  }
}

/** Letters, digits and . _ - only: a name from a vendor never becomes a path or markup. */
/** A percent-encoded file name decoded; a malformed one (a stray %) kept as sent rather than failing the download. */
function decodedOr(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

export function safeFilename(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 120);
  return cleaned || 'document';
}

/** Streams a gzip JSON-lines blob (a SAS URL: no Authorization), one parsed object at a time. */
export async function* jsonLines(url: string, options: { timeoutMs: number; service: string }): AsyncGenerator<Record<string, unknown>> {
  const { service } = options;
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(new URL(url), { Accept: 'application/octet-stream' }, options.timeoutMs);
  } catch (error) {
    throw transportFailure(service, error);
  }
  const status = answer.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    answer.resume();
    throw new ConnectorError(
      status === 403 ? 'unauthorized' : kindForStatus(status),
      `${service}: an export file could not be read (HTTP ${status}${status === 403 ? ': its access signature expired or is wrong' : ''})`,
      {
        service,
        status,
      },
    );
  }
  const gunzip = createGunzip();
  answer.pipe(gunzip);
  answer.on('error', (error) => gunzip.destroy(error));
  const lines = createInterface({ input: gunzip, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line) continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new ConnectorError('unavailable', `${service}: an export file holds a line that is not JSON`, { service });
      }
      if (row && typeof row === 'object' && !Array.isArray(row)) yield row as Record<string, unknown>;
    }
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw new ConnectorError(
      'unavailable',
      `${service}: an export file could not be read (${error instanceof Error ? error.message : String(error)})`,
      { service },
    );
  } finally {
    lines.close();
    answer.cancel();
  }
}
