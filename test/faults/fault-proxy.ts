// A loopback HTTP proxy in front of one sandbox emulator. It records every call it
// forwards (so a test can tell which Quartermaster instance made a call: each instance gets
// its own proxy) and can answer with what no emulator switch produces: a garbage body
// (HTML, truncated JSON) or a reset connection, before or after the emulator did the work.
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyFaultKind = 'html' | 'truncated-json' | 'reset';

export interface ProxyFault {
  kind: ProxyFaultKind;
  method?: string;
  path?: RegExp;
  /** How many matching calls get it (default 1). */
  times?: number;
  /** Forward first (the emulator applies the change), then answer with the fault. */
  afterForwarding?: boolean;
}

export interface ProxiedCall {
  method: string;
  path: string;
  status: number | 'reset';
  faulted?: ProxyFaultKind;
}

const readBody = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });

export class FaultProxy {
  readonly calls: ProxiedCall[] = [];
  private faults: (ProxyFault & { remaining: number })[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts a proxy on a free loopback port forwarding to `target` (an http://127.0.0.1 origin). */
  static async start(target: string): Promise<FaultProxy> {
    const origin = new URL(target);
    if (origin.hostname !== '127.0.0.1' && origin.hostname !== 'localhost') throw new Error('FaultProxy forwards to loopback only');
    let proxy: FaultProxy | undefined;
    const server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const method = req.method ?? 'GET';
        const path = (req.url ?? '/').split('?')[0]!;
        const fault = proxy!.take(method, path);
        const answerFault = (kind: ProxyFaultKind) => {
          if (kind === 'reset') {
            proxy!.calls.push({ method, path, status: 'reset', faulted: kind });
            req.socket.destroy();
            return;
          }
          proxy!.calls.push({ method, path, status: 200, faulted: kind });
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(
            kind === 'html'
              ? '<html><body><h1>Service Unavailable</h1>upstream said something</body></html>'
              : '{"id":"a1e3c0de-0000-4000-8000-0000000000c2","quantity":',
          );
        };
        if (fault && !fault.afterForwarding) return answerFault(fault.kind);
        const upstream = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
          const out = forward(
            { host: origin.hostname, port: origin.port, method, path: req.url, headers: { ...req.headers, host: origin.host } },
            (response) => {
              readBody(response).then((b) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: b }), reject);
            },
          );
          out.once('error', reject);
          out.end(body);
        });
        if (fault) return answerFault(fault.kind);
        proxy!.calls.push({ method, path, status: upstream.status });
        const headers = { ...upstream.headers };
        delete headers['transfer-encoding'];
        delete headers.connection;
        res.writeHead(upstream.status, { ...headers, 'content-length': String(upstream.body.length) });
        res.end(upstream.body);
      })().catch(() => {
        // Two statements: restify (loaded by the bot) makes writeHead return nothing.
        if (!res.headersSent) {
          res.writeHead(502);
          res.end();
        } else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy = new FaultProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  inject(fault: ProxyFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Faults armed but not sent yet. */
  pending(): number {
    return this.faults.reduce((n, f) => n + f.remaining, 0);
  }

  reset(): void {
    this.faults = [];
  }

  count(method: string, path: RegExp, filter: (call: ProxiedCall) => boolean = () => true): number {
    return this.calls.filter((c) => c.method === method && path.test(c.path) && filter(c)).length;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(method: string, path: string): ProxyFault | undefined {
    const index = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
