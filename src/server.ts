// HTTP surface: the Bot Framework endpoint and health probes, on restify. Tracks turns in
// flight so that shutdown can stop accepting, let them finish, then close.
import restify from 'restify';
import type { Logger } from './logger.js';
import type { Bot } from './bot/app.js';
import { isIncomingActivity } from './bot/activity.js';

export interface ServerDeps {
  bot: Bot;
  /** GET /api/consent/callback: where consent and sign-in redirects come back. */
  consentCallback(query: URLSearchParams): Promise<{ status: number; html: string }>;
  storageReady(): Promise<boolean>;
  log: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting requests and waits (up to timeoutMs) for turns in flight. */
  close(timeoutMs: number): Promise<void>;
}

export async function startServer(deps: ServerDeps, host: string, port: number): Promise<RunningServer> {
  const server = restify.createServer({ name: 'quartermaster', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: 1024 * 1024 }));

  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  server.post('/api/messages', async (req, res) => {
    if (closing) {
      res.send(503, { error: 'Shutting down, please retry' });
      return;
    }
    if (!isIncomingActivity(req.body)) {
      res.send(400, { error: 'Expected a Bot Framework activity (type, channelId, serviceUrl, conversation, from, recipient)' });
      return;
    }
    inFlight++;
    try {
      await deps.bot.adapter.process(req, res, (context) => deps.bot.run(context));
    } catch (error) {
      deps.log.error({ err: error }, 'activity processing failed');
      if (!res.headersSent) res.send(500, { error: 'Internal error' });
    } finally {
      inFlight--;
      if (closing && inFlight === 0) drained?.();
    }
  });
  server.get('/api/consent/callback', async (req, res) => {
    let answer: { status: number; html: string };
    try {
      answer = await deps.consentCallback(new URL(req.url ?? '', 'http://callback').searchParams);
    } catch (error) {
      deps.log.error({ err: error }, 'consent callback failed');
      answer = {
        status: 503,
        html: '<!doctype html><meta charset="utf-8"><title>Try again</title><p>Quartermaster could not finish connecting right now. Nothing was changed. Type connect in Teams and try again in a few minutes.</p>',
      };
    }
    // A page with no scripts that nobody else may frame or cache.
    res.writeHead(answer.status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    res.end(answer.html);
  });
  // The Agents Playground probes the endpoint with HEAD before it connects.
  server.head('/api/messages', async (_req, res) => {
    res.send(200);
  });
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });
  server.get('/readyz', async (_req, res) => {
    const ready = !closing && (await deps.storageReady());
    res.send(ready ? 200 : 503, { status: ready ? 'ready' : closing ? 'shutting down' : 'storage unreachable' });
  });
  server.on('restifyError', (req, _res, error, callback) => {
    deps.log.warn({ method: req.method, path: req.path(), status: error.statusCode, message: error.message }, 'request rejected');
    return callback();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = address.port;
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;

  return {
    url: `http://${urlHost}:${boundPort}`,
    port: boundPort,
    async close(timeoutMs) {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (drained = resolve)), delay(timeoutMs)]);
      }
      server.server.closeAllConnections();
      await stopped;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
