// A bot process killed (SIGKILL) in the middle of a fan-out: 300 alert messages to 300
// conversations are on the outbox; process A drains part of them and dies; process B, started
// afterwards, delivers the rest. Nothing is lost; the only possible duplicates are the few
// messages A had sent but not yet recorded when it died (the documented crash window).
import { testClock } from '../harness/clock.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../src/bot/app.js';
import { createLogger } from '../../src/logger.js';
import { createDelivery } from '../../src/notify/delivery.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ConversationReferences } from '../../src/storage/conversation-references.js';
import { TableStore } from '../../src/storage/table-store.js';
import { testConfig } from '../harness/bot-harness.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';

const TENANT = 'fa0f0000-1111-4111-8111-000000000001';
const COUNT = 300;
let sandbox: Sandbox;
let connector: LoopbackConnector;
const children: ChildProcess[] = [];
const config = testConfig({ logLevel: 'silent', tablePrefix: `fc${randomBytes(4).toString('hex')}` });

function startProcess(name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--no-deprecation', 'test/e2e/instance-process.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      QM_INSTANCE: JSON.stringify({
        config,
        sandbox: { urls: sandbox.urls, app: sandbox.app, partnerTenantId: sandbox.partnerTenantId },
        instanceName: name,
        clockAt: testClock().toISOString(),
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => /READY/.test(c.toString()) && resolve(child));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${err}`)));
  });
}

const delivered = () =>
  new Set(connector.sent.filter((s) => s.method === 'POST' && s.conversationId.startsWith('fan-')).map((s) => s.conversationId));

async function until(probe: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${delivered().size} of ${COUNT})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({ clock: testClock });
  connector = new LoopbackConnector();
  await connector.start();
  // Slow Teams down a little, so that the kill lands in the middle of the fan-out.
  connector.delayMs = 15;
  const store = new TableStore(config.storage, config.tablePrefix, testClock);
  await store.ensureTables();
  const conversations = new ConversationReferences(store);
  const outbox = createDelivery({
    store,
    storage: config.storage,
    tablePrefix: config.tablePrefix,
    adapter: createAdapter({ appType: 'SingleTenant' }),
    botAppId: '',
    conversations,
    instanceName: 'test',
    log: createLogger('silent'),
  });
  for (let i = 0; i < COUNT; i++) {
    const id = `fan-${i}`;
    await conversations.save(TENANT, {
      channelId: 'msteams',
      serviceUrl: connector.url,
      conversation: { id, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
      bot: { id: '28:bot', name: 'Quartermaster' },
      user: { id: `29:${id}`, name: id },
    });
  }
  // Acknowledged: on the durable queue before any bot process runs.
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      outbox.engine.enqueue({
        kind: 'text',
        key: `budget-alert|${i}`,
        tenantId: TENANT,
        conversationId: `fan-${i}`,
        text: `Budget alert ${i}`,
      }),
    ),
  );
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await connector?.stop();
  await sandbox?.stop();
});

describe('a process killed during a fan-out', () => {
  it('loses no message: another process delivers the rest', async () => {
    const first = await startProcess('fan-a');
    await until(() => delivered().size >= 40, 'the first process to start sending', 60_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // A send that arrived just before the kill is recorded only once the connector answers it.
    await connector.settled();
    const atKill = delivered().size;
    const deliveredBeforeKill = delivered();
    expect(atKill).toBeLessThan(COUNT);

    await startProcess('fan-b');
    await until(() => delivered().size === COUNT, 'every conversation to get its alert', 90_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const posts = connector.sent.filter((s) => s.method === 'POST' && s.conversationId.startsWith('fan-'));
    const counts = new Map<string, number>();
    for (const post of posts) counts.set(post.conversationId, (counts.get(post.conversationId) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    // Duplicates only from the crash window: sends A finished but had not recorded when it died.
    for (const id of twice) expect(deliveredBeforeKill.has(id), `${id} was sent twice`).toBe(true);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
  }, 180_000);
});
