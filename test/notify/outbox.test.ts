// The delivery engine on Azurite (queue + ledger) against a loopback Bot Connector that
// enforces Teams' limits: once per dedupe key, within the limits, through 429 / 502, and
// nothing silently dropped (blocked conversations and unknown ones are dead-lettered).
import { testNowMs, testClock } from '../harness/clock.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createAdapter } from '../../src/bot/app.js';
import { createLogger } from '../../src/logger.js';
import { createDelivery, NOTIFICATION_QUEUES, notificationQueueOf, type Delivery } from '../../src/notify/delivery.js';
import { DeliveryEngine, type OutboxJob, type OutboxMessage } from '../../src/notify/outbox.js';
import { ConversationReferences } from '../../src/storage/conversation-references.js';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import { TableStore } from '../../src/storage/table-store.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';

const TENANT = 'aaaaaaaa-1111-4111-8111-000000000001';
const log = createLogger('silent');
let connector: LoopbackConnector;
let store: TableStore;
let conversations: ConversationReferences;
const storage = () => ({ kind: 'connection-string' as const, connectionString: inject('storageConnectionString') });
const prefix = `o${randomBytes(4).toString('hex')}`;
const blocked: string[] = [];
const dead: { key: string; reason: string }[] = [];
const delivered: string[] = [];

function instance(name: string): Delivery {
  return createDelivery(deliveryOptions(name));
}

function deliveryOptions(name: string): Parameters<typeof createDelivery>[0] {
  return {
    store,
    storage: storage(),
    tablePrefix: prefix,
    adapter: createAdapter({ appType: 'SingleTenant' }),
    botAppId: '',
    conversations,
    instanceName: name,
    log,
    idlePollMs: 50,
    // A copy of a message another sender holds comes back in a second (default 15 s), so drain() is quick.
    busyRetrySeconds: 1,
    hooks: {
      delivered: async (m) => void delivered.push(m.key),
      blocked: async (_tenant, conversationId) => void blocked.push(conversationId),
      dead: async (m, reason) => void dead.push({ key: m.key, reason }),
    },
  };
}

let first: Delivery;

async function addConversation(id: string, tenantId = TENANT): Promise<void> {
  await conversations.save(tenantId, {
    channelId: 'msteams',
    serviceUrl: connector.url,
    conversation: { id, conversationType: 'personal', tenantId, isGroup: false, name: '' },
    bot: { id: '28:bot', name: 'Quartermaster' },
    user: { id: `29:${id}`, name: id },
  });
}

const text = (key: string, conversationId: string, tenantId = TENANT): OutboxMessage => ({
  kind: 'text',
  key,
  tenantId,
  conversationId,
  text: `message ${key}`,
});
/** What a fan-out puts on the queue, caught on its way (an engine whose queue is a list). */
async function queuedBy(messages: OutboxMessage[]): Promise<OutboxJob[]> {
  const queued: OutboxJob[] = [];
  const engine = new DeliveryEngine({
    queue: { send: async (job: OutboxJob) => void queued.push(job) },
    conversations,
  } as unknown as ConstructorParameters<typeof DeliveryEngine>[0]);
  await engine.enqueueMany(messages);
  return queued;
}
const sentTo = (conversationId: string) => connector.sent.filter((s) => s.conversationId === conversationId);
async function until(probe: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  connector = new LoopbackConnector();
  await connector.start();
  connector.enforceTeamsLimits = true;
  store = new TableStore(storage(), prefix, testClock);
  await store.ensureTables();
  conversations = new ConversationReferences(store);
  first = instance('instance-1');
  first.worker.start();
});

afterAll(async () => {
  await first.worker.stop();
  await connector.stop();
});

describe('the outbox', () => {
  it('delivers a burst to one conversation once each, within Teams limits, however often it is enqueued', async () => {
    await addConversation('burst');
    const messages = Array.from({ length: 20 }, (_, i) => text(`burst-${i}`, 'burst'));
    // Every message enqueued three times (a job retried, two instances sending the same alert).
    await Promise.all([...messages, ...messages, ...messages].map((m) => first.engine.enqueue(m)));
    await until(() => sentTo('burst').length >= 20, '20 messages', 30_000);
    await first.worker.drain(); // any duplicate would show up by now
    const texts = sentTo('burst')
      .map((s) => s.activity.text)
      .sort();
    expect(texts).toEqual(messages.map((m) => (m as { text: string }).text).sort());
    expect(connector.throttled).toBe(0);
    expect(await first.ledger.status(TENANT, 'burst-3')).toMatchObject({ status: 'sent', activityId: expect.any(String) });
  }, 40_000);

  it('waits out a 429 (Retry-After) and retries 502s, then delivers once', async () => {
    await addConversation('flaky');
    connector.failNext(429, { headers: { 'retry-after': '1' } });
    connector.failNext(502, { times: 2 });
    await first.engine.enqueue(text('flaky-1', 'flaky'));
    await until(() => delivered.includes('flaky-1'), 'the message after the failures', 30_000);
    expect(sentTo('flaky')).toHaveLength(1);
  }, 40_000);

  it('stops sending where Teams blocks the bot, tells the admins once, and keeps the messages as dead letters', async () => {
    await addConversation('blocked');
    connector.failNext(403, { body: { error: { code: 'MessageWritesBlocked', message: 'Thread is blocked' } } });
    await first.engine.enqueue(text('blocked-1', 'blocked'));
    await until(() => blocked.includes('blocked'), 'the conversation to be marked blocked');
    // The admins are told before the message is written off.
    await until(async () => (await first.ledger.status(TENANT, 'blocked-1'))?.status === 'dead', 'the first message to be dead-lettered');
    const sendsBefore = connector.sent.length;
    await first.engine.enqueue(text('blocked-2', 'blocked'));
    await until(async () => (await first.ledger.status(TENANT, 'blocked-2'))?.status === 'dead', 'the second message to be dead-lettered');
    expect(connector.sent.length).toBe(sendsBefore);
    expect(blocked.filter((c) => c === 'blocked')).toHaveLength(1);
    const letters = (await first.ledger.deadLetters(TENANT)).map((l) => l.key);
    expect(letters).toEqual(expect.arrayContaining(['blocked-1', 'blocked-2']));
  });

  it('dead-letters a message to an unknown conversation and says so', async () => {
    await first.engine.enqueue(text('nowhere-1', 'never-installed'));
    await until(() => dead.some((d) => d.key === 'nowhere-1'), 'the dead-letter alert');
    expect(dead.find((d) => d.key === 'nowhere-1')!.reason).toContain('unknown');
  });

  it('shares the work between instances and still sends each message once', async () => {
    const second = instance('instance-2');
    second.worker.start();
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `shared-${i}`);
      for (const id of ids) await addConversation(id);
      await Promise.all(ids.flatMap((id) => [first.engine.enqueue(text(`${id}-m`, id)), second.engine.enqueue(text(`${id}-m`, id))]));
      await until(() => ids.every((id) => sentTo(id).length >= 1), 'every conversation to get its message');
      await Promise.all([first.worker.drain(), second.worker.drain()]);
      for (const id of ids) expect(sentTo(id), id).toHaveLength(1);
    } finally {
      await second.worker.stop();
    }
  });

  it('takes over a message whose sender died holding the claim (the one duplicate window)', async () => {
    await addConversation('orphan');
    const dying = instance('instance-crashed');
    expect(await dying.ledger.claim(TENANT, 'orphan-1', 1, new Date(testNowMs() - 10_000))).toBe('claimed');
    await first.engine.enqueue(text('orphan-1', 'orphan'));
    await until(() => delivered.includes('orphan-1'), 'the orphaned message to be sent');
    expect(sentTo('orphan')).toHaveLength(1);
    expect(await first.ledger.status(TENANT, 'orphan-1')).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('hands the claim back when storage fails before anything is sent, so the next instance sends it at once', async () => {
    await addConversation('handback');
    // An instance whose storage times out reading the conversation, after it claimed the message.
    const timingOut = new (class extends ConversationReferences {
      override async get(): Promise<never> {
        throw new StorageUnavailableError(new Error('the read timed out'));
      }
    })(store);
    const failing = createDelivery({
      store,
      storage: storage(),
      tablePrefix: prefix,
      adapter: createAdapter({ appType: 'SingleTenant' }),
      botAppId: '',
      conversations: timingOut,
      instanceName: 'instance-storage-trouble',
      log,
      inlineHeadStartSeconds: 1,
    });
    expect(await failing.engine.deliver(text('handback-1', 'handback'))).toMatchObject({ sent: false });
    // The queued copy reaches the other instance a second later: its claim is not in the way
    // (before, the message waited for the 5-minute claim to run out).
    await until(() => delivered.includes('handback-1'), 'the message to be sent by the other instance', 15_000);
    expect(sentTo('handback')).toHaveLength(1);
    expect(await first.ledger.status(TENANT, 'handback-1')).toMatchObject({ status: 'sent' });
  });

  it('sends a fan-out enqueued in batches once each, within the limits, also when a batch is enqueued twice', async () => {
    const OTHER = 'aaaaaaaa-1111-4111-8111-000000000002';
    const ids = Array.from({ length: 240 }, (_, i) => `fan-${i}`);
    const tenantOf = (i: number) => (i % 3 === 0 ? OTHER : TENANT);
    for (const [i, id] of ids.entries()) await addConversation(id, tenantOf(i));
    connector.enforceTeamsLimits = true;
    const throttledBefore = connector.throttled;
    const messages = ids.map((id, i) => text(`fan|${id}`, id, tenantOf(i)));
    // A fan-out enqueued twice (a retried job): each message still goes out once.
    await first.engine.enqueueMany(messages);
    await first.engine.enqueueMany(messages.slice(0, 50));
    await until(() => ids.every((id) => sentTo(id).length >= 1), 'every conversation of the fan-out', 30_000);
    await first.worker.drain();
    for (const id of ids) expect(sentTo(id), id).toHaveLength(1);
    expect(connector.throttled - throttledBefore).toBe(0);
  });

  it('writes what a fan-out has in common once per batch: a hundred copies of a 4 KB card travel in one queue message, each sent once', async () => {
    const FOURTH = 'aaaaaaaa-1111-4111-8111-000000000004';
    const ids = Array.from({ length: 120 }, (_, i) => `card-fan-${i}`);
    for (const id of ids) await addConversation(id, FOURTH);
    const alert = {
      type: 'AdaptiveCard' as const,
      version: '1.5',
      body: [{ type: 'TextBlock', text: `Budget passed 80 %. ${'x'.repeat(4000)}` }],
    };
    const messages: OutboxMessage[] = ids.map((id) => ({
      kind: 'card',
      key: `card-fan|${id}`,
      tenantId: FOURTH,
      conversationId: id,
      card: alert,
    }));
    const queued = await queuedBy(messages);
    expect(queued.map((job) => (job.kind === 'batch' ? job.messages.length : 0))).toEqual([100, 20]);
    for (const job of queued) expect(JSON.stringify(job).length).toBeLessThan(46_000);
    // Delivered from what the queue holds (its JSON): every card once, whole.
    for (const job of queued) expect(await first.engine.handle(JSON.parse(JSON.stringify(job)) as OutboxJob, 1)).toEqual({ done: true });
    await until(() => ids.every((id) => sentTo(id).length === 1), 'every card of the fan-out, the rests of batches through the queue');
    await first.worker.drain();
    for (const id of ids) {
      expect(sentTo(id), id).toHaveLength(1);
      expect(sentTo(id)[0]!.activity.attachments[0].content).toEqual(alert);
    }
  });

  it("queues each tenant's first batch as soon as its addresses are read, then the tenants' other batches taking turns", async () => {
    const [A, B] = ['aaaaaaaa-1111-4111-8111-00000000000a', 'aaaaaaaa-1111-4111-8111-00000000000b'];
    let releaseB!: () => void;
    const bReadable = new Promise<void>((resolve) => (releaseB = resolve));
    // Tenant B's addresses take long to read: A's first batch must not wait for them.
    const slowDirectory = {
      async *addresses(tenantId: string) {
        if (tenantId === B) await bReadable;
        for (let i = 0; i < 250; i++) yield { conversationId: `${tenantId}-${i}`, reference: { serviceUrl: connector.url } };
      },
    };
    const queued: string[] = [];
    const engine = new DeliveryEngine({
      queue: {
        send: async (job: OutboxJob) => {
          if (job.kind === 'batch') queued.push(`${job.shared?.tenantId === A ? 'A' : 'B'}${job.messages.length}`);
        },
      },
      conversations: slowDirectory,
    } as unknown as ConstructorParameters<typeof DeliveryEngine>[0]);
    const messages = [A, B].flatMap((tenantId) =>
      Array.from({ length: 250 }, (_, i) => text(`turns|${tenantId}-${i}`, `${tenantId}-${i}`, tenantId)),
    );
    const enqueued = engine.enqueueMany(messages);
    await until(() => queued.length > 0, "tenant A's first batch");
    expect(queued).toEqual(['A100']);
    releaseB();
    await enqueued;
    expect(queued).toEqual(['A100', 'B100', 'A100', 'B100', 'A50', 'B50']);
  });

  it("hides each tenant's later batches on the queue until about their turn at the tenant's rate, the next two visible at once", async () => {
    const [A, B] = ['aaaaaaaa-1111-4111-8111-00000000000e', 'aaaaaaaa-1111-4111-8111-00000000000f'];
    const queued: { tenant: string; size: number; delaySeconds: number }[] = [];
    const engine = new DeliveryEngine({
      queue: {
        send: async (job: OutboxJob, delaySeconds?: number) => {
          if (job.kind === 'batch')
            queued.push({ tenant: job.shared?.tenantId === A ? 'A' : 'B', size: job.messages.length, delaySeconds: delaySeconds ?? 0 });
        },
      },
      conversations: {
        async *addresses(tenantId: string) {
          for (let i = 0; i < 1000; i++) yield { conversationId: `${tenantId}-${i}`, reference: { serviceUrl: connector.url } };
        },
      },
    } as unknown as ConstructorParameters<typeof DeliveryEngine>[0]);
    // A: 1,000 messages, ten batches, twenty seconds at 50 a second. B: 250, three batches.
    const messages = [
      ...Array.from({ length: 1000 }, (_, i) => text(`due|${A}-${i}`, `${A}-${i}`, A)),
      ...Array.from({ length: 250 }, (_, i) => text(`due|${B}-${i}`, `${B}-${i}`, B)),
    ];
    await engine.enqueueMany(messages);
    // Batch k of a tenant is due k × 2 s after the first starts; it shows 4 s before (two batches ahead).
    expect(queued.filter((q) => q.tenant === 'A').map((q) => q.delaySeconds)).toEqual([0, 0, 0, 2, 4, 6, 8, 10, 12, 14]);
    expect(queued.filter((q) => q.tenant === 'B').map((q) => [q.size, q.delaySeconds])).toEqual([
      [100, 0],
      [100, 0],
      [50, 0],
    ]);
  });

  it('reports a fan-out whose first batch could not be queued, and leaves no rejection unhandled while other tenants are still being read', async () => {
    const [A, B] = ['aaaaaaaa-1111-4111-8111-00000000000c', 'aaaaaaaa-1111-4111-8111-00000000000d'];
    let releaseB!: () => void;
    const bReadable = new Promise<void>((resolve) => (releaseB = resolve));
    const unhandled: unknown[] = [];
    let refusedBatches = 0;
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const engine = new DeliveryEngine({
        queue: {
          send: async (job: OutboxJob) => {
            if (job.kind === 'batch' && job.shared?.tenantId === A) {
              refusedBatches++;
              throw new StorageUnavailableError('queue down');
            }
          },
        },
        conversations: {
          async *addresses(tenantId: string) {
            if (tenantId === B) await bReadable;
            for (let i = 0; i < 150; i++) yield { conversationId: `${tenantId}-${i}`, reference: { serviceUrl: connector.url } };
          },
        },
      } as unknown as ConstructorParameters<typeof DeliveryEngine>[0]);
      const messages = [A, B].flatMap((tenantId) =>
        Array.from({ length: 150 }, (_, i) => text(`failing|${tenantId}-${i}`, `${tenantId}-${i}`, tenantId)),
      );
      const enqueued = engine.enqueueMany(messages);
      enqueued.catch(() => undefined); // the fan-out's own failure is the test's to read, below
      // A's first batch fails while B is still being read: nothing may go unhandled meanwhile.
      await until(() => refusedBatches === 1, "A's first batch to be refused");
      await new Promise((resolve) => setImmediate(resolve));
      releaseB();
      await expect(enqueued).rejects.toBeInstanceOf(StorageUnavailableError);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("reads a large fan-out's addresses in pages as it is queued, so no send reads its own; a retry and an unknown chat still read the stored one", async () => {
    const FIFTH = 'aaaaaaaa-1111-4111-8111-000000000005';
    const ids = Array.from({ length: 150 }, (_, i) => `addressed-${i}`);
    for (const id of ids) await addConversation(id, FIFTH);
    const messages = [...ids, 'addressed-never-installed'].map((id) => text(`addressed|${id}`, id, FIFTH));
    const queued = await queuedBy(messages);
    // On the queue: what the references share (service URL, bot) once per batch, each message its own conversation.
    const batches = queued.filter((job) => job.kind === 'batch');
    expect(batches.map((batch) => batch.messages.length)).toEqual([100, 51]);
    for (const batch of batches) expect(batch.shared?.reference).toMatchObject({ serviceUrl: connector.url, bot: { id: '28:bot' } });
    const own = batches.flatMap((batch) => batch.messages);
    expect(own.find((m) => m.conversationId === 'addressed-7')?.reference?.conversation?.id).toBe('addressed-7');
    expect(own.find((m) => m.conversationId === 'addressed-never-installed')?.reference).toBeUndefined();
    for (const batch of batches) expect(JSON.stringify(batch).length).toBeLessThan(46_000);

    const reads = vi.spyOn(conversations, 'get');
    try {
      connector.failNext(412); // one send fails: its retry reads the stored reference, in case the carried one went stale
      for (const batch of batches)
        expect(await first.engine.handle(JSON.parse(JSON.stringify(batch)) as OutboxJob, 1)).toEqual({ done: true });
      await until(
        () => ids.every((id) => sentTo(id).length === 1),
        'every addressed message, the rests and the retry through the queue',
        30_000,
      );
      await until(() => dead.some((d) => d.key === 'addressed|addressed-never-installed'), 'the unknown chat dead-lettered');
      await first.worker.drain();
      for (const id of ids) expect(sentTo(id), id).toHaveLength(1);
      expect(dead.find((d) => d.key === 'addressed|addressed-never-installed')!.reason).toContain('unknown');
      const read = reads.mock.calls.filter(([tenantId]) => tenantId === FIFTH).map(([, conversationId]) => conversationId);
      expect(read.filter((id) => id !== 'addressed-never-installed')).toHaveLength(1); // the retried one, and only it
      expect(read).toContain('addressed-never-installed');
    } finally {
      reads.mockRestore();
    }
    const letter = (await first.ledger.deadLetters(FIFTH)).find((l) => l.key === 'addressed|addressed-never-installed');
    expect(JSON.stringify(letter)).not.toContain('serviceUrl');
  }, 40_000);

  it("lines a tenant's next batches up while one is sent, instead of handing them back to the queue for a second", async () => {
    const THIRD = 'aaaaaaaa-1111-4111-8111-000000000003';
    const ids = Array.from({ length: 240 }, (_, i) => `room-${i}`);
    for (const id of ids) await addConversation(id, THIRD);
    // Batches in the form written before `shared` (every field per message): still read.
    const batch = (from: number) => ({
      kind: 'batch' as const,
      key: `room|${from}`,
      messages: ids.slice(from, from + 60).map((id) => text(`room|${id}`, id, THIRD)),
    });
    // An instance on its own (its worker not started), sending at the tenant's 50 a second: a batch of 60 takes over a second.
    const engine = createDelivery({ ...deliveryOptions('instance-room'), roomWaitMs: 15_000 }).engine;
    const whole = engine.handle(batch(0), 1);
    const inLine = [engine.handle(batch(60), 1), engine.handle(batch(120), 1)];
    const another = await engine.handle(batch(180), 1);
    expect(another).toEqual({ retryAfterSeconds: 2 }); // two wait in line; the next goes back on the queue until a place frees
    // The next one turned away gets the turn after it, a batch's sending time later (60 at 50 a
    // second); one turned away again (its turn came early) waits the least.
    const turnedAway = async (attempt: number) =>
      ((await engine.handle(batch(180), attempt)) as { retryAfterSeconds: number }).retryAfterSeconds;
    const [second, third] = [await turnedAway(1), await turnedAway(1)];
    expect(second).toBeGreaterThan(2);
    expect(third).toBeGreaterThan(second);
    expect(await turnedAway(2)).toBe(2);
    expect(await whole).toEqual({ done: true });
    expect(await Promise.all(inLine)).toEqual([{ done: true }, { done: true }]);
    for (const id of ids.slice(0, 180)) expect(sentTo(id), id).toHaveLength(1);
    // In line, one after another: the last batch's sends began after most of the first one's.
    const order = (from: number) => ids.slice(from, from + 60).map((id) => connector.sent.findIndex((s) => s.conversationId === id));
    expect(Math.min(...order(120))).toBeGreaterThan(order(0).sort((x, y) => x - y)[45]!);
  });

  it("sends a tenant's messages from the one instance that owns its queue: the others queue theirs for it", async () => {
    // Two tenants whose messages go through different queues, each queue owned by one instance.
    const tenants = ['aaaaaaaa-1111-4111-8111-0000000000a1'];
    for (let i = 2; notificationQueueOf(tenants[0]!) === notificationQueueOf(tenants[1] ?? tenants[0]!); i++)
      tenants[1] = `aaaaaaaa-1111-4111-8111-0000000000a${i}`;
    const [one, two] = tenants as [string, string];
    const sentBy: Record<string, string[]> = { a: [], b: [] };
    const owner = (name: 'a' | 'b', tenantId: string) =>
      createDelivery({
        ...deliveryOptions(`owner-${name}`),
        owns: (queue) => queue === notificationQueueOf(tenantId),
        hooks: { delivered: async (m) => void sentBy[name]!.push(m.key) },
      });
    const [a, b] = [owner('a', one), owner('b', two)];
    await first.worker.stop(); // it owns every queue: out of the way while a and b share them
    a.worker.start();
    b.worker.start();
    try {
      const ids = (tenantId: string) => Array.from({ length: 60 }, (_, i) => `owned-${tenantId.slice(-2)}-${i}`);
      for (const tenantId of tenants) for (const id of ids(tenantId)) await addConversation(id, tenantId);
      // b is asked to send to a's tenant at once: it does not, it queues the message for a.
      expect(await b.engine.deliver(text('owned-inline', ids(one)[0]!, one))).toEqual({ sent: false });
      // A message of a's tenant on b's queue (as the one queue of earlier versions holds every tenant's): b passes it on.
      await b.queues[NOTIFICATION_QUEUES.indexOf(notificationQueueOf(two))]!.send(text('owned-misplaced', ids(one)[1]!, one));
      // A fan-out to both tenants, queued by b.
      await b.engine.enqueueMany(tenants.flatMap((tenantId) => ids(tenantId).map((id) => text(`owned|${id}`, id, tenantId))));
      const all = [...ids(one), ...ids(two)];
      await until(
        () => all.every((id) => sentTo(id).length >= 1) && sentTo(ids(one)[0]!).length >= 2 && sentTo(ids(one)[1]!).length >= 2,
        'the fan-out and both messages',
      );
      await Promise.all([a.worker.drain(), b.worker.drain()]);
      for (const id of all) expect(sentTo(id), id).toHaveLength(id === ids(one)[0] || id === ids(one)[1] ? 2 : 1);
      expect(sentBy.a!.sort()).toEqual(['owned-inline', 'owned-misplaced', ...ids(one).map((id) => `owned|${id}`)].sort());
      expect(sentBy.b!.sort()).toEqual(
        ids(two)
          .map((id) => `owned|${id}`)
          .sort(),
      );
    } finally {
      await Promise.all([a.worker.stop(), b.worker.stop()]);
      first.worker.start();
    }
  });

  it('updates one card in version order: after an outage an older update never replaces a newer one', async () => {
    await addConversation('card-order');
    const update = (version: number, text: string): OutboxMessage => ({
      kind: 'update',
      key: `card-order|${version}`,
      tenantId: TENANT,
      conversationId: 'card-order',
      activityId: 'activity-7',
      version,
      card: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text }] },
    });
    const shown = () => sentTo('card-order').map((s) => s.activity.attachments[0].content.body[0].text as string);
    const handled = (version: number) => async () => (await first.ledger.status(TENANT, `card-order|${version}`))?.status === 'sent';
    // What Teams refused during an outage comes back from the queue in any order: here the newest first.
    await first.engine.enqueue(update(3, 'Done'));
    await until(() => shown().length === 1, 'the newest update');
    await first.engine.enqueue(update(2, 'Approved; the license will be assigned shortly'));
    await first.engine.enqueue(update(1, 'Waiting for Adele'));
    await until(async () => (await handled(2)()) && (await handled(1)()), 'the older updates to be handled');
    expect(shown()).toEqual(['Done']);
    // Several versions at once, inline and queued: they go out oldest first, and the card ends on the newest.
    await Promise.all([5, 4, 6].map((v) => first.engine.deliver(update(v, `Version ${v}`))));
    await Promise.all([7, 8].map((v) => first.engine.enqueue(update(v, `Version ${v}`))));
    await until(async () => (await handled(8)()) && (await handled(7)()) && (await handled(4)()), 'every version to be handled', 30_000);
    const versions = shown()
      .slice(1)
      .map((text) => Number(text.replace('Version ', '')));
    expect(versions.at(-1)).toBe(8);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('refuses a message too large for the queue before accepting it', async () => {
    const huge: OutboxMessage = { kind: 'text', key: 'huge', tenantId: TENANT, conversationId: 'burst', text: 'x'.repeat(50_000) };
    await expect(first.engine.enqueue(huge)).rejects.toThrow(/too large/);
  });
});
