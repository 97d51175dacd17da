// What the three emulators share: a loopback HTTP server that reads the request, applies
// the fault switches, lets the emulator answer, records the request and writes JSON.
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FailureFault, ServiceFaultQueue } from './faults.js';
import type { SandboxState, ServiceName } from './state.js';

export interface EmulatorRequest {
  method: string;
  url: URL;
  /** Path without query, still percent-encoded. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface EmulatorResponse {
  status: number;
  body?: unknown;
  /** Sent as is instead of JSON (STS answers in XML); give its content-type in `headers`. */
  text?: string;
  /** Sent as is, binary (a PDF, a gzip blob); give its content-type in `headers`. */
  bytes?: Uint8Array;
  headers?: Record<string, string>;
  /** Sandbox-only marker for the request log: an earlier answer given again (MS-RequestId). */
  replayed?: boolean;
}

export interface Handled {
  response: EmulatorResponse;
  /** The tenant of a valid access token, for the request log. */
  tenantId?: string;
  /** The signed-in user (userPrincipalName) of a valid delegated (app+user) token. */
  user?: string;
}

export interface EmulatorDefinition {
  service: ServiceName;
  /** Does the work synchronously, so that each change is atomic. */
  handle(request: EmulatorRequest): Handled;
  /** Route pattern for the request log, e.g. `/v1/customers/{customerId}/orders`. */
  routeOf(request: EmulatorRequest): string;
  renderFault(fault: FailureFault, request: EmulatorRequest): EmulatorResponse;
  /** Ids the service's clients send for tracing and idempotency. */
  trace(request: EmulatorRequest): { requestId?: string; correlationId?: string };
  /** Headers every answer carries (e.g. echoed correlation ids). */
  commonHeaders?(request: EmulatorRequest): Record<string, string>;
}

/** One request and the answer it got, as the wire carried them (contract tests check these). */
export interface EmulatorExchange {
  service: ServiceName;
  method: string;
  path: string;
  query: URLSearchParams;
  /** The route pattern that matched ("unmatched" if none). */
  route: string;
  status: number;
  requestBody: string;
  /** The JSON body sent (undefined for an empty or non-JSON answer). */
  responseBody: unknown;
  /** A non-JSON body as sent (the price sheet's CSV). */
  responseText?: string;
  /** A binary body as sent (a gzip blob of export rows, a PDF). */
  responseBytes?: Uint8Array;
  /** The headers the answer itself set (Location, Content-Type, …), names in lower case. */
  responseHeaders: Record<string, string>;
  /** A fault switch answered or replaced the answer. */
  faulted: boolean;
}

export interface RunningEmulator {
  url: string;
  close(): Promise<void>;
}

export function header(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): EmulatorResponse => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

export async function startEmulator(
  definition: EmulatorDefinition,
  deps: { host: string; state: SandboxState; faults: ServiceFaultQueue; observe?: (exchange: EmulatorExchange) => void },
): Promise<RunningEmulator> {
  const stopping = new AbortController();

  const server = createServer((req, res) => {
    void (async () => {
      const request = await readRequest(req);
      const fault = deps.faults.takeFailure(request.method, request.path);
      let handled: Handled;
      if (fault && !fault.afterProcessing) {
        handled = { response: definition.renderFault(fault, request) };
      } else {
        try {
          handled = definition.handle(request);
        } catch (error) {
          handled = { response: json(500, { message: `sandbox ${definition.service} failed: ${String(error)}` }) };
        }
        if (fault) handled = { ...handled, response: definition.renderFault(fault, request) };
      }

      const { response } = handled;
      deps.state.requests.push({
        service: definition.service,
        method: request.method,
        path: request.path,
        route: definition.routeOf(request),
        status: response.status,
        at: new Date().toISOString(),
        ...definition.trace(request),
        ...(handled.tenantId ? { tenantId: handled.tenantId } : {}),
        ...(handled.user ? { user: handled.user } : {}),
        faulted: fault !== undefined,
        replayed: response.replayed === true,
      });

      deps.observe?.({
        service: definition.service,
        method: request.method,
        path: request.path,
        query: request.url.searchParams,
        route: definition.routeOf(request),
        status: response.status,
        requestBody: request.body,
        responseBody: response.text === undefined ? response.body : undefined,
        ...(response.text !== undefined ? { responseText: response.text } : {}),
        ...(response.bytes !== undefined ? { responseBytes: response.bytes } : {}),
        responseHeaders: Object.fromEntries(Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
        faulted: fault !== undefined,
      });

      // Recorded first: a slow answer has already done its work.
      const delayMs = deps.faults.takeDelay(request.method, request.path);
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      if (res.destroyed) return; // the client gave up (timeout); the work is done anyway
      const headers: Record<string, string> = { ...definition.commonHeaders?.(request), ...response.headers };
      // Not chained: restify, once loaded, patches ServerResponse.writeHead so that it returns nothing.
      if (response.bytes !== undefined) {
        res.writeHead(response.status, { 'content-length': String(response.bytes.byteLength), ...headers });
        res.end(response.bytes);
      } else if (response.text !== undefined) {
        res.writeHead(response.status, headers);
        res.end(response.text);
      } else if (response.body === undefined) {
        res.writeHead(response.status, headers);
        res.end();
      } else {
        res.writeHead(response.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(response.body));
      }
    })().catch((error: unknown) => {
      // A bug in the sandbox: say so to the client rather than drop the connection.
      if (res.headersSent || res.destroyed) return void res.destroy();
      res.statusCode = 500;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ message: `sandbox ${definition.service} failed: ${String(error)}` }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, deps.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;

  return {
    url: `http://${host}:${port}`,
    close: async () => {
      stopping.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readRequest(req: IncomingMessage): Promise<EmulatorRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    url,
    path: url.pathname,
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

// ---------------------------------------------------------------------------------------
// A tiny router: `/v1/customers/{customerId}/orders` patterns, params decoded.
// ---------------------------------------------------------------------------------------

type RouteHandler<C> = (request: EmulatorRequest, params: Record<string, string>, context: C) => EmulatorResponse;

interface Route<C> {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  handler: RouteHandler<C>;
}

export class Router<C> {
  private readonly routes: Route<C>[] = [];

  add(method: string, pattern: string, handler: RouteHandler<C>): this {
    const keys: string[] = [];
    const source = pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern, regex: new RegExp(`^${source}/?$`, 'i'), keys, handler });
    return this;
  }

  /** The route for this path: with its handler when the method fits, or `methodNotAllowed`. */
  match(method: string, path: string): { pattern: string; params: Record<string, string>; handler?: RouteHandler<C> } | undefined {
    let pathOnly: { pattern: string; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      const params = Object.fromEntries(route.keys.map((key, i) => [key, safeDecode(m[i + 1] ?? '')]));
      if (route.method === method) return { pattern: route.pattern, params, handler: route.handler };
      pathOnly ??= { pattern: route.pattern, params };
    }
    return pathOnly;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
