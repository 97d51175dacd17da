// A loopback stand-in for the Bot Connector service: the bot sends its replies here
// (it is the `serviceUrl` of every activity the harness posts) and tests read them back.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SentActivity {
  method: 'POST' | 'PUT' | 'DELETE';
  conversationId: string;
  /** The activity id a reply or an update refers to. */
  activityId?: string;
  activity: Record<string, any>;
}

export class LoopbackConnector {
  readonly sent: SentActivity[] = [];
  private server: Server | undefined;
  private nextId = 1;
  url = '';
  /** Makes every send slow, to hold a turn in flight. */
  delayMs = 0;

  async start(): Promise<void> {
    this.server = createServer(async (req, res) => {
      const body = await readBody(req);
      // /v3/conversations/{conversationId}/activities[/{activityId}]
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (match && (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE')) {
        this.sent.push({
          method: req.method,
          conversationId: decodeURIComponent(match[1]!),
          ...(match[2] ? { activityId: decodeURIComponent(match[2]) } : {}),
          activity: body ? JSON.parse(body) : {},
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `sent-${this.nextId++}` }));
        return;
      }
      if (req.method === 'POST' && req.url === '/v3/conversations') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `conversation-${this.nextId++}` }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/`;
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
