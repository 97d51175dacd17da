// Group commit: the writes of one event-loop turn go together at its end, writes that arrive
// while one is in flight share the next transaction, and a refused one fails only its own writer.
import diagnostics from 'node:diagnostics_channel';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/storage/audit-log.js';
import { StorageUnavailableError, type TransactionRefused } from '../../src/storage/errors.js';
import { GroupCommit } from '../../src/storage/group-commit.js';
import { TableRepository } from '../../src/storage/repository.js';
import { TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

describe('GroupCommit', () => {
  /** Records each commit; the test settles them one by one. */
  function recorder(fail?: (actions: string[]) => unknown) {
    const commits: { partition: string; actions: string[]; settle: () => void }[] = [];
    const group = new GroupCommit<string, string>(
      (partition, actions) =>
        new Promise<string[]>((resolve, reject) =>
          commits.push({
            partition,
            actions,
            settle: () => {
              const error = fail?.(actions);
              if (error) reject(error);
              else resolve(actions.map((a) => `etag-${a}`));
            },
          }),
        ),
      (action) => action.length,
    );
    return { group, commits };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('sends the writes of one turn together at its end, and the writes that waited for them together next', async () => {
    const { group, commits } = recorder();
    const first = [group.add('p', ['a']), group.add('p', ['b'])];
    expect(commits).toEqual([]); // not before the turn ends
    await tick();
    expect(commits.map((c) => c.actions)).toEqual([['a', 'b']]);
    const waiting = [group.add('p', ['c']), group.add('p', ['d', 'e']), group.add('q', ['x'])];
    await tick();
    expect(commits.map((c) => c.actions)).toEqual([['a', 'b'], ['x']]); // another partition does not wait

    commits[0]!.settle();
    expect(await Promise.all(first)).toEqual([['etag-a'], ['etag-b']]);
    await tick();
    expect(commits.map((c) => c.actions)).toEqual([['a', 'b'], ['x'], ['c', 'd', 'e']]);
    commits[1]!.settle();
    commits[2]!.settle();
    expect(await Promise.all(waiting)).toEqual([['etag-c'], ['etag-d', 'etag-e'], ['etag-x']]); // each writer its own results
  });

  it('a lone write waits for nothing but the end of its turn', async () => {
    const { group, commits } = recorder();
    const lone = group.add('p', ['a']);
    await tick();
    expect(commits.map((c) => c.actions)).toEqual([['a']]);
    commits[0]!.settle();
    expect(await lone).toEqual(['etag-a']);
  });

  it('keeps a transaction within 100 actions', async () => {
    const { group, commits } = recorder();
    const first = group.add('p', ['first']);
    await tick();
    const writes = [first, ...Array.from({ length: 150 }, (_, i) => group.add('p', [`row-${i}`]))];
    for (let i = 0; i < 3; i++) {
      commits[i]!.settle();
      await tick();
    }
    await Promise.all(writes);
    expect(commits.map((c) => c.actions.length)).toEqual([1, 100, 50]);
  });

  it('a refused transaction: each writer goes again alone, and only the bad one is refused', async () => {
    const { group, commits } = recorder((actions) => (actions.includes('bad') ? new Error('400 bad row') : undefined));
    const first = group.add('p', ['a']);
    await tick();
    const results = Promise.allSettled([group.add('p', ['b']), group.add('p', ['bad']), group.add('p', ['c'])]);
    commits[0]!.settle();
    await first;
    await tick();
    commits[1]!.settle(); // b, bad, c: refused
    await tick();
    for (const commit of commits.slice(2)) commit.settle();
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(commits.slice(2).map((c) => c.actions)).toEqual([['b'], ['bad'], ['c']]);
  });

  it('when the service names the failed action, its writer goes alone and the others together', async () => {
    const commits: string[][] = [];
    const group = new GroupCommit<string, string>(
      async (_partition, actions) => {
        commits.push(actions);
        await new Promise((resolve) => setImmediate(resolve));
        const bad = actions.indexOf('bad');
        if (bad >= 0) throw Object.assign(new Error(`${bad}:The specified entity already exists.`), { index: bad });
        return actions;
      },
      (action) => action.length,
      (error) => (error as { index?: number }).index,
    );
    const first = group.add('p', ['a']);
    await tick();
    const results = await Promise.allSettled([group.add('p', ['b', 'c']), group.add('p', ['bad']), group.add('p', ['d'])]);
    await first;
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(commits).toEqual([['a'], ['b', 'c', 'bad', 'd'], ['bad'], ['b', 'c', 'd']]);
  });

  it('storage down: every writer of the transaction hears it, and nothing is sent again', async () => {
    const { group, commits } = recorder((actions) =>
      actions.length > 1 ? new StorageUnavailableError(new Error('ECONNREFUSED')) : undefined,
    );
    const first = group.add('p', ['a']);
    await tick();
    const results = Promise.allSettled([group.add('p', ['b']), group.add('p', ['c'])]);
    commits[0]!.settle();
    await first;
    await tick();
    commits[1]!.settle();
    expect((await results).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(commits).toHaveLength(2);
  });
});

describe('appended rows in Azure Table storage', () => {
  let store: TableStore;
  beforeAll(async () => {
    store = await freshTableStore('gc');
  });

  it('60 concurrent audit entries of one tenant: all stored, in far fewer calls', async () => {
    const audit = new AuditLog(store);
    const calls: string[] = [];
    const count = (message: unknown) => calls.push((message as { request: { path: string } }).request.path);
    diagnostics.subscribe('http.client.request.start', count);
    const tenantId = 'eeeeeeee-0000-4000-8000-00000000gc01';
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => audit.record({ tenantId, actorId: 'system', action: 'test.append', target: `T-${i}` })),
    );

    const stored = await audit.list(tenantId, { pageSize: 100 });
    expect(stored.items.map((e) => e.target).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `T-${i}`).sort());
    diagnostics.unsubscribe('http.client.request.start', count);
    const writes = calls.filter((path) => path.includes('$batch') || path.endsWith('Audit'));
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.length).toBeLessThan(10);
  });

  it('a row the service refuses fails its own writer only', async () => {
    class Log extends TableRepository<{ Text: string }> {
      constructor() {
        super(store, 'Audit');
      }
      append = (rowKey: string, text: string) => this.appendRow('eeeeeeee-0000-4000-8000-00000000gc02', rowKey, { Text: text });
      count = async () => (await this.pageRows('eeeeeeee-0000-4000-8000-00000000gc02', { pageSize: 100 })).items.length;
    }
    const log = new Log();
    // A string property holds at most 64 KiB (32 K UTF-16 characters): that row is refused.
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => log.append(`row-${i}`, i === 5 ? 'x'.repeat(40_000) : `entry ${i}`)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[5]!.status).toBe('rejected');
    expect(await log.count()).toBe(11);
  });

  it('concurrent transactions in one partition: fewer calls, and each writer gets its own ETags or refusal', async () => {
    const partition = 'eeeeeeee-0000-4000-8000-00000000gc03';
    class Pairs extends TableRepository<{ N: number }> {
      constructor() {
        super(store, 'Requests');
      }
      pair = (a: string, b: string) =>
        this.transact(partition, [
          { kind: 'create', rowKey: a, value: { N: 1 } },
          { kind: 'create', rowKey: b, value: { N: 1 } },
        ]);
      bump = (rowKey: string, etag: string) => this.replaceRow(partition, rowKey, { N: 2 }, etag);
      create = (rowKey: string) => this.createRow(partition, rowKey, { N: 0 });
    }
    const pairs = new Pairs();
    await pairs.create('taken');
    const calls: string[] = [];
    const count = (message: unknown) => calls.push((message as { request: { path: string } }).request.path);
    diagnostics.subscribe('http.client.request.start', count);
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => pairs.pair(`a-${i}`, `b-${i}`)),
      pairs.pair('c-1', 'taken'), // its second row exists
      pairs.pair('same', 'd-1'), // two writers create one row: one of them wins
      pairs.pair('same', 'd-2'),
    ]);
    diagnostics.unsubscribe('http.client.request.start', count);

    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [{ i, error: r.reason as TransactionRefused }] : []));
    expect(refused.map((r) => r.i)).toContain(20);
    expect(refused.find((r) => r.i === 20)!.error).toMatchObject({ name: 'TransactionRefused', status: 409, actionIndex: 1 });
    expect(refused.filter((r) => r.i >= 21)).toHaveLength(1);
    expect(refused).toHaveLength(2);
    // Every ETag handed back is that writer's row's own: a conditional update with it succeeds.
    for (const [i, result] of results.slice(0, 20).entries()) {
      const [etagA, etagB] = (result as PromiseFulfilledResult<string[]>).value;
      await pairs.bump(`a-${i}`, etagA!);
      await pairs.bump(`b-${i}`, etagB!);
    }
    expect(calls.filter((path) => path.includes('$batch') || path.endsWith('Requests')).length).toBeLessThan(15);
  });
});
