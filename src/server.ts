// HTTP surface: the Bot Framework endpoint and health probes, on restify. Tracks turns in
// flight so that shutdown can stop accepting, let them finish, then close. Each POST runs
// in its own correlation scope and ends with one "turn" log line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import restify from 'restify';
import type { Logger } from './logger.js';
import type { Bot } from './bot/app.js';
import { isIncomingActivity, summarizeActivity } from './bot/activity.js';
import { withCorrelation, type CorrelationScope } from './correlation.js';
import { projectRoot } from './paths.js';
import { discardDeclaredBody, readJsonBody } from './request-body.js';

/** The pages the Teams manifest links to (developer.privacyUrl, termsOfUseUrl). */
const LEGAL_PAGES = { '/privacy': 'privacy.html', '/termsofuse': 'termsofuse.html' } as const;

export interface ServerDeps {
  bot: Bot;
  /** GET /api/consent/callback: where consent and sign-in redirects come back. */
  consentCallback(query: URLSearchParams): Promise<{ status: number; html: string }>;
  storageReady(): Promise<boolean>;
  /** GET /api/billing/documents/:token: an invoice or chargeback file behind a short-lived link (billing). */
  billingDocument?(token: string): Promise<{ status: number; body: Buffer; contentType: string; filename?: string }>;
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
  // No body parser: /api/messages reads its own body (request-body.ts), refusing encoded,
  // non-JSON and oversized bodies before parsing; no other route takes a body.

  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  // One line per turn: what came (never the text typed), how it ended, how long it took.
  const logTurn = (scope: CorrelationScope, body: unknown, status: number, started: number, outcome?: string) =>
    deps.log.info(
      {
        turnId: scope.id,
        ...summarizeActivity(body),
        status,
        outcome: outcome ?? turnOutcome(status, scope),
        durationMs: Math.round(performance.now() - started),
      },
      'turn',
    );

  server.post('/api/messages', async (req, res) =>
    withCorrelation(async (scope) => {
      const started = performance.now();
      if (closing) {
        res.send(503, { error: 'Shutting down, please retry' });
        logTurn(scope, undefined, 503, started, 'shutting-down');
        return;
      }
      inFlight++;
      let activity: unknown;
      try {
        const body = await readJsonBody(req);
        if (!body.ok) {
          // The rest of a refused body is never parsed: thrown away when small and declared, else the connection is closed.
          if (!(await discardDeclaredBody(req))) res.header('Connection', 'close');
          res.send(body.status, { error: body.error });
          logTurn(scope, undefined, body.status, started, 'refused-body');
          return;
        }
        activity = body.value;
        if (!isIncomingActivity(activity)) {
          res.send(400, { error: 'Expected a Bot Framework activity (type, channelId, serviceUrl, conversation, from, recipient)' });
          logTurn(scope, activity, 400, started, 'not-an-activity');
          return;
        }
        req.body = activity;
        const answer = await processActivity(deps, req);
        res.send(answer.status, answer.body);
        logTurn(scope, activity, answer.status, started);
      } catch (error) {
        scope.failed = 'error';
        deps.log.error({ err: error }, 'activity processing failed');
        if (!res.headersSent) res.send(500, { error: 'Internal error' });
        logTurn(scope, activity, 500, started);
      } finally {
        inFlight--;
        if (closing && inFlight === 0) drained?.();
      }
    }),
  );
  for (const [path, file] of Object.entries(LEGAL_PAGES)) {
    const html = readFileSync(join(projectRoot, 'pages', file), 'utf8');
    server.get(path, async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=3600', ...PAGE_HEADERS });
      res.end(html);
    });
  }
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
    res.writeHead(answer.status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...PAGE_HEADERS });
    res.end(answer.html);
  });
  const billingDocument = deps.billingDocument;
  if (billingDocument)
    server.get('/api/billing/documents/:token', async (req, res) => {
      let answer: Awaited<ReturnType<typeof billingDocument>>;
      try {
        answer = await billingDocument(String(req.params.token ?? ''));
      } catch (error) {
        deps.log.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'billing document failed');
        answer = {
          status: 503,
          body: Buffer.from('The document could not be fetched right now. Try again in a few minutes.'),
          contentType: 'text/plain; charset=utf-8',
        };
      }
      res.writeHead(answer.status, {
        'Content-Type': answer.contentType,
        'Content-Length': String(answer.body.length),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        ...(answer.filename ? { 'Content-Disposition': `attachment; filename="${answer.filename}"` } : {}),
        ...PAGE_HEADERS,
      });
      res.end(answer.body);
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

/** Pages without scripts that nobody else may frame. */
const PAGE_HEADERS = {
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
};

function turnOutcome(status: number, scope: CorrelationScope): string {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status >= 500) return 'error';
  if (status >= 400) return 'rejected';
  return scope.failed ?? 'ok';
}

/**
 * Runs the adapter and takes its answer instead of letting it write to the socket: when the
 * token check fails it answers with the error's own text (a key-fetch failure's URL and
 * network error included). Those answers become 401 (the token is not valid) or 503 (it cannot
 * be checked right now; the Bot Connector retries), with no internals.
 */
async function processActivity(deps: ServerDeps, req: restify.Request): Promise<{ status: number; body: unknown }> {
  const answer: { status: number; body: unknown } = { status: 200, body: undefined };
  const capture = {
    status(code: number) {
      answer.status = code;
      return capture;
    },
    send(body: unknown) {
      answer.body = body;
      return capture;
    },
    header() {
      return capture;
    },
    end() {
      return capture;
    },
  };
  await deps.bot.adapter.process(req, capture as unknown as restify.Response, (context) => deps.bot.run(context));
  if (answer.status === 401) return { status: 401, body: { error: 'Unauthorized: the Bot Framework token is missing or not valid' } };
  if (answer.status >= 500 && answer.status !== 501) {
    deps.log.warn({ status: answer.status, detail: String(answer.body).slice(0, 300) }, 'the adapter refused an activity');
    return { status: 503, body: { error: 'The request could not be checked right now; please retry' } };
  }
  return answer;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
