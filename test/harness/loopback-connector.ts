// A loopback stand-in for the Bot Connector service: the bot sends its replies here
// (it is the `serviceUrl` of every activity the harness posts) and tests read them back.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { respond } from './respond.js';

export interface SentActivity {
  method: 'POST' | 'PUT' | 'DELETE';
  conversationId: string;
  /** The activity id a reply or an update refers to. */
  activityId?: string;
  activity: Record<string, any>;
  /** When it arrived (Date.now()). */
  at: number;
}

export class LoopbackConnector {
  readonly sent: SentActivity[] = [];
  /** Teams the connector can describe (GET /v3/teams/{id} and its channel list), by team id. */
  readonly teams = new Map<string, { name: string; channels: { id: string; name?: string }[] }>();
  private server: Server | undefined;
  private nextId = 1;
  url = '';
  /** False: sends are answered but not kept in `sent` (the bench: thousands of replies nobody reads would only fill the heap it measures). */
  record = true;
  /** Makes every send slow, to hold a turn in flight. */
  delayMs = 0;
  /** Requests that reached the connector (counted on arrival, before `delayMs`). */
  arrived = 0;
  /** Requests arrived and not answered yet. */
  private answering = 0;
  /**
   * Answer like Teams when its documented limits are exceeded (429 with Retry-After):
   * per conversation 7 / 1 s, 8 / 2 s, 60 / 30 s; per tenant 50 / 1 s, in sliding windows.
   */
  enforceTeamsLimits = false;
  private held: { arrive: () => void; released: Promise<void> } | undefined;
  /** Sends answered with an injected fault (failNext). */
  readonly refused: { method: string; conversationId: string; status: number }[] = [];
  /** 429s answered because a limit was exceeded. */
  throttled = 0;
  private readonly sendTimes = new Map<string, number[]>();
  private readonly faults: { status: number; body: unknown; headers: Record<string, string>; times: number }[] = [];

  /** The next `times` sends are answered with `status` (e.g. 403 MessageWritesBlocked, 502). */
  failNext(status: number, options: { body?: unknown; headers?: Record<string, string>; times?: number } = {}): void {
    this.faults.push({
      status,
      body: options.body ?? { error: { code: 'ServiceError', message: `Injected ${status}` } },
      headers: options.headers ?? {},
      times: options.times ?? 1,
    });
  }

  private overLimit(tenantId: string, conversationId: string, now: number): boolean {
    const windows: [string, number, number][] = [
      [`c|${conversationId}`, 7, 1000],
      [`c|${conversationId}`, 8, 2000],
      [`c|${conversationId}`, 60, 30_000],
      [`t|${tenantId}`, 50, 1000],
    ];
    const over = windows.some(([key, points, ms]) => (this.sendTimes.get(key) ?? []).filter((t) => t > now - ms).length >= points);
    if (over) return true;
    for (const key of new Set(windows.map(([key]) => key))) {
      const kept = (this.sendTimes.get(key) ?? []).filter((t) => t > now - 30_000);
      kept.push(now);
      this.sendTimes.set(key, kept);
    }
    return false;
  }

  /** Holds the next send until `release()`: its turn stays in flight exactly as long as a test needs. */
  holdNextSend(): { arrived: Promise<void>; release: () => void } {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    this.held = { arrive, released: new Promise<void>((resolve) => (release = resolve)) };
    return { arrived, release };
  }

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const body = await readBody(req);
      this.arrived++;
      this.answering++;
      try {
        await this.answer(req, res, body);
      } finally {
        this.answering--;
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/`;
  }

  /**
   * Resolves once every request that arrived has been answered and recorded: a send that
   * arrived just before its sender died is in `sent` only after `delayMs`.
   */
  async settled(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.answering > 0) {
      if (Date.now() > deadline) throw new Error(`the loopback connector still has ${this.answering} requests in hand`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    // /v3/conversations/{conversationId}/activities[/{activityId}]
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (match && (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE')) {
      const held = this.held;
      if (held) {
        this.held = undefined;
        held.arrive();
        await held.released;
      }
      const fault = this.faults[0];
      if (fault) {
        if (--fault.times <= 0) this.faults.shift();
        this.refused.push({ method: req.method, conversationId: decodeURIComponent(match[1]!), status: fault.status });
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(JSON.stringify(fault.body));
        return;
      }
      if (this.enforceTeamsLimits) {
        const parsed = body ? JSON.parse(body) : {};
        const tenantId = parsed.conversation?.tenantId ?? parsed.channelData?.tenant?.id ?? 'unknown';
        if (this.overLimit(tenantId, decodeURIComponent(match[1]!), Date.now())) {
          this.throttled++;
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Too many requests' } }));
          return;
        }
      }
      if (this.record)
        this.sent.push({
          method: req.method,
          conversationId: decodeURIComponent(match[1]!),
          ...(match[2] ? { activityId: decodeURIComponent(match[2]) } : {}),
          activity: body ? JSON.parse(body) : {},
          at: Date.now(),
        });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `sent-${this.nextId++}` }));
      return;
    }
    // Team details and channels, as Teams answers them (the General channel has no name).
    const team = /^\/v3\/teams\/([^/]+)(\/conversations)?$/.exec(req.url ?? '');
    if (team && req.method === 'GET') {
      const known = this.teams.get(decodeURIComponent(team[1]!));
      if (!known) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'NotFound', message: 'Team not found' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          team[2] ? { conversations: known.channels } : { id: decodeURIComponent(team[1]!), name: known.name, aadGroupId: '' },
        ),
      );
      return;
    }
    if (req.method === 'POST' && req.url === '/v3/conversations') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `conversation-${this.nextId++}` }));
      return;
    }
    respond(res, 404);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
