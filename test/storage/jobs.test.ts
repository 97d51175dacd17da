// Leases, the scheduler and the queue worker on a real Azurite: one run per window across
// instances, takeover after a crash, nothing lost, poison messages end.
import { testClock } from '../harness/clock.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { QueueWorker } from '../../src/jobs/queue-worker.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/logger.js';
import { Leases } from '../../src/storage/leases.js';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import { WorkQueues, type WorkQueue } from '../../src/storage/queues.js';
import { TableStore } from '../../src/storage/table-store.js';

const log = createLogger('silent');
const connection = () => ({ kind: 'connection-string' as const, connectionString: inject('storageConnectionString') });
let store: TableStore;
beforeAll(async () => {
  store = new TableStore(connection(), `j${randomBytes(5).toString('hex')}`, testClock);
  await store.ensureTables();
});

describe('leases', () => {
  it('let exactly one of several instances take a window', async () => {
    const instances = ['a', 'b', 'c', 'd', 'e'].map((h) => new Leases(store, h));
    const taken = await Promise.all(instances.map((l) => l.acquire('reminders', '2026-11-22T10:00', 60_000)));
    expect(taken.filter(Boolean)).toHaveLength(1);
  });

  it('are taken over once the holder is gone, and never after completion', async () => {
    const a = new Leases(store, 'a');
    const b = new Leases(store, 'b');
    const t0 = new Date('2026-11-22T10:00:00Z');
    expect(await a.acquire('sync', 'w1', 60_000, t0)).toBe(true);
    expect(await b.acquire('sync', 'w1', 60_000, new Date(t0.getTime() + 30_000))).toBe(false);
    expect(await b.acquire('sync', 'w1', 60_000, new Date(t0.getTime() + 61_000))).toBe(true);
    await b.complete('sync', 'w1');
    expect(await a.acquire('sync', 'w1', 60_000, new Date(t0.getTime() + 999_000))).toBe(false);
  });
});

describe('scheduler', () => {
  it('runs a window once across three instances', async () => {
    let runs = 0;
    const job = { name: 'count', pattern: '* * * * *', leaseMs: 60_000, run: async () => void runs++ };
    const schedulers = ['x', 'y', 'z'].map((h) => new Scheduler(new Leases(store, h), log));
    const now = new Date('2026-11-22T11:05:20Z');
    const results = await Promise.all(schedulers.map((s) => s.runWindow(job, now)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(1);
    expect(await schedulers[0]!.runWindow(job, new Date('2026-11-22T11:05:50Z'))).toBe(false); // same minute
    expect(await schedulers[1]!.runWindow(job, new Date('2026-11-22T11:06:00Z'))).toBe(true); // next one
  });

  it('lets another instance retry a window whose run failed', async () => {
    let attempts = 0;
    const job = {
      name: 'flaky',
      log,
      pattern: '* * * * *',
      leaseMs: 1,
      run: async () => {
        if (++attempts === 1) throw new Error('first run fails');
      },
    };
    const now = new Date('2026-11-22T12:00:00Z');
    expect(await new Scheduler(new Leases(store, 'p'), log).runWindow(job, now)).toBe(false);
    expect(await new Scheduler(new Leases(store, 'q'), log).runWindow(job, new Date(now.getTime() + 10))).toBe(true);
    expect(attempts).toBe(2);
  });
});

describe('queue worker', () => {
  let queues: WorkQueues;
  const workers: QueueWorker<any>[] = [];
  beforeAll(() => {
    queues = new WorkQueues(connection(), `q${randomBytes(4).toString('hex')}`);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  const until = async (predicate: () => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('processes every message once across two workers, including those asked back later', async () => {
    const queue = queues.queue<{ n: number }>('fulfilment');
    const handled: number[] = [];
    const deferred = new Set<number>();
    const handle = async ({ n }: { n: number }) => {
      if (n % 5 === 0 && !deferred.has(n)) {
        deferred.add(n);
        return { retryAfterSeconds: 1 };
      }
      handled.push(n);
      return { done: true as const };
    };
    for (const name of ['w1', 'w2']) {
      const worker = new QueueWorker({ name, queue, handle, onPoison: async () => undefined, log, idlePollMs: 50 });
      workers.push(worker);
      worker.start();
    }
    await Promise.all(Array.from({ length: 20 }, (_, n) => queue.send({ n })));
    await until(() => handled.length >= 20, '20 messages');
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(deferred.size).toBe(4);
    // A message leaves the queue just after its job is done: wait for both workers to finish their deletes.
    await Promise.all(workers.slice(-2).map((worker) => worker.drain(20_000)));
    expect(await queue.approximateCount()).toBe(0);
  });

  it('gives up on a message that keeps failing, once', async () => {
    const queue = queues.queue<{ bad: boolean }>('notifications');
    let attempts = 0;
    const poisoned: unknown[] = [];
    const worker = new QueueWorker({
      name: 'poison',
      queue,
      log,
      idlePollMs: 50,
      maxAttempts: 3,
      backoffSeconds: () => 0,
      handle: async () => {
        attempts++;
        throw new Error('always fails');
      },
      onPoison: async (body) => void poisoned.push(body),
    });
    workers.push(worker);
    worker.start();
    await queue.send({ bad: true });
    await until(() => poisoned.length === 1, 'the poison handler');
    expect(attempts).toBe(3);
    expect(poisoned).toEqual([{ bad: true }]);
  });

  it('receives again while a slow message is in hand (it holds up only its own place), never holding more than its capacity', async () => {
    const queue = new WorkQueues(connection(), `s${randomBytes(4).toString('hex')}`).queue<{ slow?: boolean; n?: number }>('billing');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: number[] = [];
    let inHand = 0;
    let mostInHand = 0;
    let slowDone = false;
    const worker = new QueueWorker<{ slow?: boolean; n?: number }>({
      name: 'slow-and-fast',
      queue,
      log,
      idlePollMs: 50,
      loops: 1,
      batchSize: 2,
      handle: async (body) => {
        mostInHand = Math.max(mostInHand, ++inHand);
        try {
          if (body.slow) {
            await gate;
            slowDone = true;
          } else handled.push(body.n!);
          return { done: true };
        } finally {
          inHand--;
        }
      },
      onPoison: async () => undefined,
    });
    workers.push(worker);
    await queue.send({ slow: true });
    for (let n = 0; n < 5; n++) await queue.send({ n });
    worker.start();
    try {
      // A loop that waited for its whole receive to finish would take none after the first fast one.
      await until(() => handled.length === 5, 'the fast messages, while the slow one is in hand');
      expect(slowDone).toBe(false);
      expect(mostInHand).toBe(2);
    } finally {
      release();
    }
    await until(() => slowDone, 'the slow message');
    await worker.drain();
  });

  it('takes from the queues that are active now, in turn, and settles each message on its own queue', async () => {
    const several = new WorkQueues(connection(), `m${randomBytes(4).toString('hex')}`);
    const [one, two, three] = (['notifications', 'notifications-1', 'notifications-2'] as const).map((name) =>
      several.queue<{ q: string; n: number }>(name),
    );
    const active = new Set([one!, two!]);
    const handled: string[] = [];
    const worker = new QueueWorker<{ q: string; n: number }>({
      name: 'several',
      queues: { all: [one!, two!, three!], active: () => [one!, two!, three!].filter((q) => active.has(q)) },
      log,
      idlePollMs: 50,
      loops: 2,
      handle: async ({ q, n }) => {
        handled.push(`${q}${n}`);
        // The first of each asks to come back: it must come back on its own queue.
        return n === 0 && !handled.includes(`${q}0 again`) ? (handled.push(`${q}0 again`), { retryAfterSeconds: 1 }) : { done: true };
      },
      onPoison: async () => undefined,
    });
    workers.push(worker);
    for (const [q, queue] of [
      ['a', one!],
      ['b', two!],
      ['c', three!],
    ] as const)
      for (let n = 0; n < 3; n++) await queue.send({ q, n });
    worker.start();
    await until(
      () => ['a', 'b'].every((q) => handled.filter((h) => h === `${q}0`).length === 2) && handled.length >= 10,
      "the active queues' messages",
    );
    // The third queue is not this worker's now: nothing of it is taken, and it still holds its three.
    expect(handled.filter((h) => h.startsWith('c'))).toEqual([]);
    expect(await three!.approximateCount()).toBe(3);
    // A message leaves its queue just after its job is done.
    await vi.waitFor(
      async () => {
        expect(await one!.approximateCount()).toBe(0);
        expect(await two!.approximateCount()).toBe(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(await worker.settled()).toBe(false); // the third queue's messages count
    active.add(three!);
    await until(
      () => handled.filter((h) => h.startsWith('c') && !h.endsWith('again')).length === 4,
      "the third queue's, once it is active",
    );
    await worker.drain();
    expect(await worker.settled()).toBe(true);
  });

  it('drains through a look at the queue that storage did not answer: it looks again', async () => {
    let answers = 0;
    // A queue whose first two looks fail as a reset keep-alive connection does (StorageUnavailableError).
    const flaky = {
      settled: async () => {
        if (++answers <= 2) throw new StorageUnavailableError(new Error('read ECONNRESET'));
        return true;
      },
    } as unknown as WorkQueue<unknown>;
    const worker = new QueueWorker<unknown>({
      name: 'flaky',
      log,
      queue: flaky,
      handle: async () => ({ done: true }),
      onPoison: async () => undefined,
    });
    expect(await worker.looksSettled()).toBe(false);
    await worker.drain(5_000);
    expect(answers).toBe(3);
    await expect(worker.settled()).resolves.toBe(true);
  });

  describe('grouped sends', () => {
    let grouped: WorkQueues;
    beforeAll(() => {
      grouped = new WorkQueues(connection(), `g${randomBytes(4).toString('hex')}`);
    });

    it('jobs sent together travel in few messages, and every job arrives once', async () => {
      const queue = grouped.queue<{ n: number }>('sync-now', { groupSends: true });
      await Promise.all(Array.from({ length: 30 }, (_, n) => queue.send({ n })));
      const messages = await queue.receive(32, 60);
      expect(messages.length).toBeLessThan(10);
      expect(messages.flatMap((m) => m.bodies.map((b) => b.n)).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
      for (const message of messages) await queue.complete(message);
    });

    it('in a message of several jobs, each is done once, waits on its own, or is retried and given up alone', async () => {
      const queue = grouped.queue<{ n: number }>('fulfilment', { groupSends: true });
      const done: number[] = [];
      const asked = new Set<number>();
      const failures = new Map<number, number>();
      const poisoned: number[] = [];
      const worker = new QueueWorker<{ n: number }>({
        name: 'grouped',
        queue,
        log,
        idlePollMs: 50,
        maxAttempts: 3,
        backoffSeconds: () => 0,
        handle: async ({ n }) => {
          if (n % 4 === 1 && !asked.has(n)) {
            // asks to come back once
            asked.add(n);
            return { retryAfterSeconds: 1 };
          }
          if (n % 4 === 2 && (failures.get(n) ?? 0) < 2) {
            // fails twice, then works
            failures.set(n, (failures.get(n) ?? 0) + 1);
            throw new Error('not yet');
          }
          if (n === 3) {
            // always fails
            failures.set(n, (failures.get(n) ?? 0) + 1);
            throw new Error('never');
          }
          done.push(n);
          return { done: true };
        },
        onPoison: async ({ n }) => void poisoned.push(n),
      });
      await Promise.all(Array.from({ length: 12 }, (_, n) => queue.send({ n })));
      workers.push(worker);
      worker.start();
      await until(() => done.length === 11 && poisoned.length === 1, 'every job to finish');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a job run twice would show up now
      await worker.drain(20_000); // and the last message's delete is done
      expect([...done].sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(poisoned).toEqual([3]);
      expect(failures.get(3)).toBe(3);
      expect(await queue.approximateCount()).toBe(0);
    });
  });
});
