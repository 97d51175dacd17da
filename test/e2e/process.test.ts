// The bot as a newcomer runs it: the real entry point in its own process. Local mode
// starts Azurite (data on disk) and the Playground, stops all of it on SIGINT/SIGTERM,
// and finds its data again on the next start. Production refuses to run anonymously.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConversationReferences } from '../../src/storage/conversation-references.js';
import { azuriteConnectionString, TableStore } from '../../src/storage/table-store.js';
import { freePort } from '../harness/ports.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';

const TENANT = '33333333-3333-3333-3333-333333333333';

/** Every process a test started, so a failing test still leaves nothing behind. */
const startedProcesses: ChildProcess[] = [];

function startEntryPoint(env: Record<string, string>): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ENV_FILE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  startedProcesses.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for `predicate`; on a timeout the error carries the end of `run`'s output (what the process said instead). */
async function waitFor(
  predicate: () => boolean,
  what: string,
  timeoutMs = 60_000,
  run?: { stdout(): string; stderr(): string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      const said = run ? `\nstdout:\n${run.stdout().slice(-3000)}\nstderr:\n${run.stderr().slice(-3000)}` : '';
      throw new Error(`timed out waiting for ${what}${said}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every process below `pid` (children, grandchildren...), from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) if (ppid === parent) (found.push(child), visit(child));
  };
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('start-up refusals', () => {
  it('refuses to run production without authentication, in one clear line', async () => {
    const run = startEntryPoint({ NODE_ENV: 'production', AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim()).toBe(
      'Quartermaster cannot start. BOT_ID: required when NODE_ENV=production (production never runs without Bot Framework authentication)',
    );
    expect(run.stdout()).toBe('');
  });

  it('names a malformed variable', async () => {
    const run = startEntryPoint({ LOCAL_AZURITE: 'true', PORT: 'eighty' });
    expect(await run.exited).toBe(1);
    expect(run.stderr().trim()).toBe('Quartermaster cannot start. PORT: expected a port number');
  });
});

describe('local mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'qm-local-'));
  const connector = new LoopbackConnector();
  afterAll(async () => {
    for (const child of startedProcesses) {
      if (child.exitCode === null && child.signalCode === null) {
        for (const pid of descendants(child.pid!)) process.kill(pid, 'SIGKILL');
        child.kill('SIGKILL');
      }
    }
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts Azurite and the Playground, stops everything on a signal, and keeps its data', async () => {
    await connector.start();
    const ports = {
      PORT: await freePort(),
      AZURITE_TABLE_PORT: await freePort(),
      AZURITE_QUEUE_PORT: await freePort(),
      PLAYGROUND_PORT: await freePort(),
    };
    const env = {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOCAL_AZURITE: 'true',
      AZURITE_DATA_DIR: dataDir,
      PLAYGROUND: 'true',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    };
    const conversationId = 'a:local-mode-check';

    // First run: start, receive an install, stop with Ctrl-C (SIGINT).
    const first = startEntryPoint(env);
    await waitFor(() => first.stdout().includes('Press Ctrl-C to stop.'), 'the first start', 60_000, first);
    expect(first.stdout()).toContain(`Quartermaster bot: http://127.0.0.1:${ports.PORT}/api/messages`);
    expect(first.stdout()).toMatch(/Agents Playground as Alex Wilber: http:\/\/localhost:\d+/);
    const started = descendants(first.child.pid!);
    expect(started.length).toBeGreaterThanOrEqual(3); // Azurite tables, Azurite queues, Playground
    const response = await fetch(`http://127.0.0.1:${ports.PORT}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'conversationUpdate',
        id: 'install-1',
        channelId: 'msteams',
        serviceUrl: connector.url,
        from: { id: '29:alex', aadObjectId: 'alex-object-id' },
        recipient: { id: '28:bot' },
        conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT },
        channelData: { tenant: { id: TENANT } },
        membersAdded: [{ id: '28:bot' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(connector.sent.some((s) => s.conversationId === conversationId)).toBe(true);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    await waitFor(() => started.every((pid) => !alive(pid)), 'every child to stop', 15_000);

    // Second run: the conversation saved by the first is still there; stop with SIGTERM.
    const second = startEntryPoint(env);
    await waitFor(() => second.stdout().includes('Press Ctrl-C to stop.'), 'the second start', 60_000, second);
    const restarted = descendants(second.child.pid!);
    const store = new TableStore(
      {
        kind: 'connection-string',
        connectionString: azuriteConnectionString('127.0.0.1', ports.AZURITE_TABLE_PORT, ports.AZURITE_QUEUE_PORT),
      },
      'qm',
    );
    const saved = await new ConversationReferences(store).get(TENANT, conversationId);
    expect(saved?.reference.serviceUrl).toBe(connector.url);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await waitFor(() => restarted.every((pid) => !alive(pid)), 'every child to stop', 15_000);
  }, 180_000);
});
