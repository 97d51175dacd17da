// How the REST connectors (Graph, Partner Center, Marketplace) put a request on the wire:
// node:http(s) on keep-alive agents; the whole answer read as text.
// Why not the global fetch: every license request reads the person from Graph, and fetch
// (its WHATWG streams and per-call objects) spent ~150–180 µs of CPU per call against ~50 µs
// here (20,000 loopback GETs, 32 in flight). Why not the undici package: importing it makes
// its own agent the process's global fetch dispatcher, changing every other fetch in the process.
import http from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The whole exchange's deadline: past it the call is dropped and rejects with a TimeoutError. */
  timeoutMs?: number;
}

/** An HTTP answer, any status: what the connectors read of it. */
export interface HttpAnswer {
  status: number;
  /** 2xx. */
  ok: boolean;
  headers: Headers;
  /** The body as UTF-8 text ('' when none). */
  text: string;
  /** The body as sent (a zipped price sheet is not text). */
  bytes: Uint8Array;
}

/** One pool per scheme for the process: connections to each service are kept and reused. */
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * Sends one request and reads the whole answer. Rejects only when no HTTP answer came
 * (refused, reset, past its deadline): any status is an answer, as with fetch.
 */
export function sendHttp(url: string, init: HttpRequest = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const scheme = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
  if (!scheme) return Promise.reject(new TypeError(`unsupported URL scheme: ${target.protocol}`));
  return new Promise<HttpAnswer>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(deadline);
      reject(error);
    };
    const options = {
      method: (init.method ?? 'GET').toUpperCase(),
      headers: init.headers ?? {},
      agent: agents[target.protocol as 'http:' | 'https:'],
    };
    const request = scheme.request(target, options, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', fail);
      answer.on('end', () => {
        clearTimeout(deadline);
        const status = answer.statusCode ?? 0;
        const body = Buffer.concat(chunks);
        resolve({
          status,
          ok: status >= 200 && status < 300,
          headers: headersOf(answer.headers),
          text: body.toString('utf8'),
          bytes: body,
        });
      });
    });
    // A plain timer rather than AbortSignal.timeout(), which costs a weak reference and a
    // finalizer per call in Node.
    const deadline =
      init.timeoutMs === undefined ? undefined : setTimeout(() => request.destroy(timedOut(init.timeoutMs!)), init.timeoutMs);
    request.on('error', fail);
    request.end(init.body);
  });
}

function timedOut(ms: number): Error {
  return Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });
}

function headersOf(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const each of value) headers.append(name, each);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}
