// The deployment as shipped: `npm run build`, then the built app started exactly as
// infra/azure.bicep starts it (its appCommandLine, in the package's folder) with the settings
// the template sets. What only Azure has is replaced by what runs here: the Key Vault
// references resolved with sample secrets, as App Service resolves them; storage pointed at
// the run's Azurite (a connection string instead of the managed identity, which Azurite does
// not offer over plain HTTP); Application Insights left unset, because the distro asks the
// Azure VM metadata address for its resource detection and tests send nothing off loopback
// (so this test also sees telemetry stay off when it is not configured).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateKeyText } from '../../src/security/secret-box.js';
import { evaluate } from '../harness/bicep.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';
import { freePort } from '../harness/ports.js';
import { bicep, resolveKeyVaultReferences, templateSettings } from '../harness/template-settings.js';

const projectRoot = new URL('../../', import.meta.url).pathname;
const started: ChildProcess[] = [];

interface Running {
  child: ChildProcess;
  url: string;
  lines: () => Record<string, any>[];
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** The template's appCommandLine as argv: plain words, no shell (App Service runs it as is). */
function templateCommand(): string[] {
  const command = String(evaluate('appCommandLine', { params: {}, resources: {}, file: bicep }));
  expect(command).not.toMatch(/[|&;<>$`"'\\]/);
  return command.split(/\s+/);
}

async function startLikeAppService(env: Record<string, string>, extraNodeOptions: string[] = []): Promise<Running> {
  const [program, ...templateArgs] = templateCommand();
  expect(program).toBe('node');
  const args = [...extraNodeOptions, ...templateArgs];
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    // App Service gives the app its settings and PORT; nothing else of this machine's environment.
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  // Ready as App Service's health check sees it.
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${out}\n${err}`);
    return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
  }, 'GET /readyz to answer 200');
  return {
    child,
    url,
    // Local runs also greet a person at the terminal; production writes JSON lines only (checked below).
    lines: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>),
    stdout: () => out,
    stderr: () => err,
    exited,
  };
}

async function until(probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const activity = (serviceUrl: string, text: string) => ({
  type: 'message',
  id: `act-${randomBytes(4).toString('hex')}`,
  channelId: 'msteams',
  serviceUrl,
  text,
  from: { id: '29:deploy-test', aadObjectId: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f' },
  recipient: { id: '28:bot' },
  conversation: { id: 'a:deploy-test', conversationType: 'personal', tenantId: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d' },
  channelData: { tenant: { id: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d' } },
});

beforeAll(() => {
  const build = spawnSync('npm', ['run', 'build'], { cwd: projectRoot, encoding: 'utf8' });
  expect(build.status, `npm run build failed:\n${build.stdout}\n${build.stderr}`).toBe(0);
}, 240_000);

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('the built app, started as the template starts it, with the template settings', () => {
  const connector = new LoopbackConnector();
  let app: Running;

  beforeAll(async () => {
    await connector.start();
    const settings = resolveKeyVaultReferences(
      // Values of parameters: a table prefix of its own on the shared Azurite, and no bootstrap
      // admins, so that no scheduled license job could call Microsoft Graph during the test.
      templateSettings({ tablePrefix: `dp${randomBytes(4).toString('hex')}`, bootstrapAdmins: '' }),
      {
        'secret-keys': `k1:${generateKeyText()}`,
        'graph-client-secret': 'graph-secret-value',
        'partner-center-client-secret': 'partner-center-secret-value',
      },
    );
    const {
      AZURE_STORAGE_ACCOUNT_URL: _table,
      AZURE_STORAGE_QUEUE_URL: _queue,
      APPLICATIONINSIGHTS_CONNECTION_STRING: _ai,
      ...rest
    } = settings;
    expect(rest.NODE_ENV).toBe('production');
    app = await startLikeAppService({ ...rest, AZURE_STORAGE_CONNECTION_STRING: inject('storageConnectionString') });
  }, 90_000);

  afterAll(async () => {
    await connector.stop();
  });

  it('becomes ready, writes only JSON lines, and runs without telemetry when none is configured', () => {
    expect(app.stderr()).toBe('');
    expect(
      app
        .stdout()
        .split('\n')
        .filter((line) => line && !line.startsWith('{')),
    ).toEqual([]);
    const lines = app.lines();
    expect(lines.find((l) => l.msg === 'started')).toMatchObject({ environment: 'production', telemetry: 'off', level: 'info' });
    for (const line of lines) expect(line).toMatchObject({ service: 'quartermaster', instance: expect.stringMatching(/:\d+$/) });
  });

  it('serves the privacy and terms pages the manifest links to', async () => {
    for (const [path, title] of [
      ['/privacy', 'privacy statement'],
      ['/termsofuse', 'terms of use'],
    ] as const) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain(`Quartermaster ${title}`);
    }
  });

  it('answers a request without a Bot Framework token with 401, logged as exactly one JSON line', async () => {
    const before = app.lines().length;
    const response = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity(connector.url, 'help')),
    });
    expect(response.status).toBe(401);
    // A request logged after it marks the end of what the 401 could have written.
    const marker = await fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(marker.status).toBe(400);
    await until(() => app.lines().some((l) => l.msg === 'turn' && l.outcome === 'not-an-activity'), 'the marker request to be logged');

    const written = app.lines().slice(before);
    const turn = written.find((l) => l.msg === 'turn' && l.status === 401)!;
    expect(turn).toMatchObject({
      level: 'info',
      activityType: 'message',
      command: 'help',
      outcome: 'unauthorized',
      durationMs: expect.any(Number),
    });
    expect(written.filter((l) => l.correlationId === turn.correlationId)).toEqual([turn]);
    expect(written.filter((l) => l !== turn && !(l.msg === 'turn' && l.outcome === 'not-an-activity') && l.msg !== 'job')).toEqual([]);
    expect(JSON.stringify(turn)).not.toContain('    at ');
    expect(app.stderr()).toBe('');
    expect(
      app
        .stdout()
        .split('\n')
        .filter((line) => line && !line.startsWith('{')),
    ).toEqual([]);
    expect(connector.sent).toEqual([]);
  });

  it('stops on SIGTERM through the graceful shutdown, and exits 0', async () => {
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    const lines = app.lines();
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
    expect(loggedAfter(lines, 'stopped', 'shutting down'), JSON.stringify(lines)).toBe(true);
    expect(app.stderr()).toBe('');
  });
});

describe('the built app, started with the template command line, on SIGTERM', () => {
  it('finishes the turn in flight and delivers its reply before it exits', async () => {
    const connector = new LoopbackConnector();
    await connector.start();
    try {
      // Authentication off (no Bot Framework token can be had here) and the sandbox connectors:
      // a turn can run, and be in flight when the signal comes.
      const app = await startLikeAppService({
        ENV_FILE: 'none',
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        AZURE_STORAGE_CONNECTION_STRING: inject('storageConnectionString'),
        TABLE_PREFIX: `dd${randomBytes(4).toString('hex')}`,
      });
      const held = connector.holdNextSend();
      const turn = fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity(connector.url, 'help')),
      });
      await held.arrived; // the reply is on its way out: the turn is in flight
      app.child.kill('SIGTERM');
      await until(() => app.lines().some((l) => l.msg === 'shutting down'), 'the shutdown to begin');
      // Readiness fails at once (App Service stops routing here); new turns are refused.
      const refused = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity(connector.url, 'whoami')),
      }).catch(() => undefined);
      expect(refused === undefined || refused.status === 503).toBe(true);
      held.release();
      expect((await turn).status).toBe(200);
      expect(await app.exited).toBe(0);
      expect(connector.sent.map((s) => s.conversationId)).toEqual(['a:deploy-test']);
      const lines = app.lines();
      expect(lines.find((l) => l.msg === 'turn' && l.command === 'help')).toMatchObject({ outcome: 'ok', status: 200 });
      expect(loggedAfter(lines, 'stopped', 'shutting down')).toBe(true);
    } finally {
      await connector.stop();
    }
  }, 120_000);
});

describe('the built app, when something slips through every handler', () => {
  it('logs an unhandled rejection as one JSON line, then shuts down gracefully and exits 1', async () => {
    // A promise rejected with no handler, made to happen on a signal once the app is ready.
    const rejectOnSignal = `data:text/javascript,process.on('SIGUSR2', () => { Promise.reject(new Error('nobody handles this')); });`;
    const app = await startLikeAppService(
      {
        ENV_FILE: 'none',
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        AZURE_STORAGE_CONNECTION_STRING: inject('storageConnectionString'),
        TABLE_PREFIX: `du${randomBytes(4).toString('hex')}`,
      },
      ['--import', rejectOnSignal],
    );
    app.child.kill('SIGUSR2');
    expect(await app.exited).toBe(1);
    const lines = app.lines();
    const fatal = lines.filter((l) => l.level === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ msg: 'unhandled promise rejection', err: { message: 'nobody handles this' } });
    const messages = lines.map((l) => l.msg);
    // The rejection is what starts the graceful shutdown (said on the line; lines of one process
    // can interleave with the start-up's last ones on a busy machine, so not by position).
    expect(
      lines.filter((l) => l.msg === 'shutting down'),
      JSON.stringify(messages),
    ).toEqual([expect.objectContaining({ signal: 'unhandledRejection' })]);
    expect(loggedAfter(lines, 'stopped', 'shutting down'), JSON.stringify(lines)).toBe(true);
    expect(app.stderr()).toBe('');
  }, 120_000);
});

/**
 * Whether `later` was logged no earlier than `earlier`, by the lines' own times: pino writes
 * stdout asynchronously, and at exit the last line can reach the pipe before one written just
 * before it, so the order of the lines read is not the order they were logged in.
 */
function loggedAfter(lines: Record<string, any>[], later: string, earlier: string): boolean {
  const at = (msg: string) => lines.find((l) => l.msg === msg)?.time as string | undefined;
  const [first, second] = [at(earlier), at(later)];
  return first !== undefined && second !== undefined && Date.parse(second) >= Date.parse(first);
}
