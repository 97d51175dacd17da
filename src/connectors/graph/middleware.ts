// The Graph client's middleware chain, replacing its defaults:
// - the default AuthenticationHandler attaches tokens only to https URLs of known Graph hosts
//   (or `customHosts`), so it would strip the token on the loopback emulator (http); here the
//   caller sets the tenant's token on each request, and this chain lets it through to exactly
//   the configured base URL's origin, in production and sandbox alike, and to no other host
//   (an odd @odata.nextLink cannot leak it);
// - the default RetryHandler is left out: retries are the shared policy's (../retry.ts);
// - each call gets a client-side deadline and one debug log line;
// - the default HTTPMessageHandler (the global fetch) is replaced by the connectors' own
//   transport (../http-transport.ts: a user read, on every license request's path, cost
//   ~220 µs of CPU through fetch and ~150 µs through it, 20,000 reads at 32 in flight).
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../../logger.js';
import { sendHttp } from '../http-transport.js';
import { logCall } from '../outbound.js';

export interface GraphCallSettings {
  /** The configured Graph origin: the only one a token is sent to. */
  origin: string;
  timeoutMs: number;
  log: Logger;
}

/** Statuses whose response has no body (a Response with one would be refused). */
const NO_BODY = new Set([101, 204, 205, 304]);

export class GraphCallMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly call: GraphCallSettings) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const url = new URL(typeof context.request === 'string' ? context.request : context.request.url);
    const headers = { ...(context.options?.headers as Record<string, string> | undefined) };
    if (url.origin !== this.call.origin) {
      for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    }
    context.options = { ...context.options, headers };

    const method = context.options.method ?? 'GET';
    const correlationId = headers['client-request-id'] ?? '';
    const started = performance.now();
    const record = (status: number | 'no-response') =>
      logCall(this.call.log, {
        service: 'graph',
        method,
        path: url.pathname,
        status,
        ms: Math.round(performance.now() - started),
        correlationId,
      });
    try {
      await this.next!.execute(context);
      record(context.response?.status ?? 'no-response');
    } catch (error) {
      record('no-response');
      throw error;
    }
  }
}

/** The last link: sends the request the client built and hands it back a standard Response. */
export class GraphTransportHandler implements Middleware {
  constructor(private readonly timeoutMs: number) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const { method, headers, body } = context.options ?? {};
    if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeError('graph: only text request bodies are sent');
    const answer = await sendHttp(url, {
      ...(method && { method }),
      ...(headers && { headers: headers as Record<string, string> }),
      ...(typeof body === 'string' && { body }),
      timeoutMs: this.timeoutMs,
    });
    context.response = new Response(NO_BODY.has(answer.status) ? null : answer.text, { status: answer.status, headers: answer.headers });
  }
}

export function graphMiddlewareChain(call: GraphCallSettings): Middleware[] {
  return [new GraphCallMiddleware(call), new GraphTransportHandler(call.timeoutMs)];
}
