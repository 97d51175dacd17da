// The Graph client's middleware chain, replacing its defaults:
// - the default AuthenticationHandler attaches tokens only to https URLs of known Graph hosts
//   (or `customHosts`), so it would strip the token on the loopback emulator (http); this one
//   attaches it to exactly the configured base URL's origin, in production and sandbox alike,
//   and never to any other host (an odd @odata.nextLink cannot leak it);
// - the default RetryHandler is left out: retries are the shared policy's (../retry.ts);
// - each call gets a client-request-id, a client-side timeout and one debug log line.
import { randomUUID } from 'node:crypto';
import { HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../../logger.js';
import { logCall } from '../outbound.js';

export class GraphCallMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly call: { accessToken: string; origin: string; timeoutMs: number; log: Logger },
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const url = new URL(typeof context.request === 'string' ? context.request : context.request.url);
    const correlationId = randomUUID();
    const headers = new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]);
    headers.delete('authorization');
    if (url.origin === this.call.origin) headers.set('Authorization', `Bearer ${this.call.accessToken}`);
    headers.set('client-request-id', correlationId);
    context.options = { ...context.options, headers: Object.fromEntries(headers), signal: AbortSignal.timeout(this.call.timeoutMs) };

    const method = context.options.method ?? 'GET';
    const started = performance.now();
    try {
      await this.next!.execute(context);
      logCall(this.call.log, { service: 'graph', method, path: url.pathname, status: context.response?.status ?? 'no-response', ms: Math.round(performance.now() - started), correlationId });
    } catch (error) {
      logCall(this.call.log, { service: 'graph', method, path: url.pathname, status: 'no-response', ms: Math.round(performance.now() - started), correlationId });
      throw error;
    }
  }
}

export function graphMiddlewareChain(call: ConstructorParameters<typeof GraphCallMiddleware>[0]): Middleware[] {
  return [new GraphCallMiddleware(call), new HTTPMessageHandler()];
}
