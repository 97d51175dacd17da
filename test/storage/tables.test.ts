// The table layer against a real Azurite: tenant partitions, exact key round trips,
// ETag-checked writes, paging, conversation references and the audit order.
import diagnostics from 'node:diagnostics_channel';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/storage/audit-log.js';
import { ConversationReferences } from '../../src/storage/conversation-references.js';
import { ConcurrencyError, StorageUnavailableError } from '../../src/storage/errors.js';
import { tenantPartition } from '../../src/storage/keys.js';
import { TableRepository, type PageOptions } from '../../src/storage/repository.js';
import { azuriteConnectionString, TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

type Note = { Text: string; Count: number };

/** A minimal repository, to exercise the base class the way real ones do. */
class Notes extends TableRepository<Note> {
  constructor(store: TableStore) {
    super(store, 'Settings');
  }
  get = (tenant: string, id: string) => this.getRow(tenantPartition(tenant, 'notes'), id);
  create = (tenant: string, id: string, note: Note) => this.createRow(tenantPartition(tenant, 'notes'), id, note);
  replace = (tenant: string, id: string, note: Note, etag: string) => this.replaceRow(tenantPartition(tenant, 'notes'), id, note, etag);
  delete = (tenant: string, id: string, etag?: string) => this.deleteRow(tenantPartition(tenant, 'notes'), id, etag);
  list = (tenant: string, options?: PageOptions) => this.pageRows(tenantPartition(tenant, 'notes'), options);
  texts = (tenant: string) => this.pageRows(tenantPartition(tenant, 'notes'), {}, undefined, ['Text']);
}

let store: TableStore;
beforeAll(async () => {
  store = await freshTableStore('s');
});

describe('repository base', () => {
  it('round-trips ids with characters tables forbid', async () => {
    const notes = new Notes(store);
    const id = 'a/b\\c#d?e%f 19:x@thread.tacv2';
    await notes.create('t1', id, { Text: 'hello', Count: 1 });
    const stored = await notes.get('t1', id);
    expect(stored).toMatchObject({ rowKey: id, value: { Text: 'hello', Count: 1 } });
    expect(stored!.value).not.toHaveProperty('partitionKey');
  });

  it('keeps tenants apart', async () => {
    const notes = new Notes(store);
    await notes.create('tenant-a', 'same-id', { Text: 'a', Count: 1 });
    await notes.create('tenant-b', 'same-id', { Text: 'b', Count: 2 });
    expect((await notes.get('tenant-a', 'same-id'))!.value.Text).toBe('a');
    expect((await notes.get('tenant-b', 'same-id'))!.value.Text).toBe('b');
    expect(await notes.get('tenant-c', 'same-id')).toBeUndefined();
  });

  it('gives exactly one winner to two updates from the same version', async () => {
    const notes = new Notes(store);
    await notes.create('t1', 'race', { Text: 'v0', Count: 0 });
    const { etag } = (await notes.get('t1', 'race'))!;
    const results = await Promise.allSettled([
      notes.replace('t1', 'race', { Text: 'first', Count: 1 }, etag),
      notes.replace('t1', 'race', { Text: 'second', Count: 1 }, etag),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failure.reason).toBeInstanceOf(ConcurrencyError);
  });

  it('refuses to create twice and to delete a changed entity', async () => {
    const notes = new Notes(store);
    const etag = await notes.create('t1', 'once', { Text: 'x', Count: 0 });
    await expect(notes.create('t1', 'once', { Text: 'y', Count: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
    await notes.replace('t1', 'once', { Text: 'z', Count: 1 }, etag);
    await expect(notes.delete('t1', 'once', etag)).rejects.toBeInstanceOf(ConcurrencyError);
    await notes.delete('t1', 'once');
    await notes.delete('t1', 'once'); // deleting nothing is fine
    expect(await notes.get('t1', 'once')).toBeUndefined();
  });

  it('pages through a partition', async () => {
    const notes = new Notes(store);
    await Promise.all(Array.from({ length: 7 }, (_, i) => notes.create('paging', `n${i}`, { Text: `note ${i}`, Count: i })));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await notes.list('paging', { pageSize: 3, ...(token ? { continuationToken: token } : {}) });
      seen.push(...page.items.map((i) => i.rowKey));
      token = page.continuationToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    expect(pages).toBe(3);
  });
  it('reads only the properties a reader selects, with each row key', async () => {
    const notes = new Notes(store);
    await notes.create('selecting', 'id/1', { Text: 'kept', Count: 7 });
    const [row] = (await notes.texts('selecting')).items;
    expect(row).toMatchObject({ rowKey: 'id/1', value: { Text: 'kept' } });
    expect(row!.value).not.toHaveProperty('Count');
    expect(row!.value).not.toHaveProperty('RowKey');
  });
});

describe('conversation references', () => {
  it('saves, skips unchanged writes, and updates when the service URL moves', async () => {
    const refs = new ConversationReferences(store);
    const reference = {
      conversation: { id: 'a:1', conversationType: 'personal', isGroup: false, name: '' },
      serviceUrl: 'https://smba.one/',
      channelId: 'msteams',
    };
    await refs.save('t-refs', reference as never, new Date('2026-01-01T00:00:00Z'));
    await refs.save('t-refs', reference as never, new Date('2026-01-02T00:00:00Z'));
    expect((await refs.get('t-refs', 'a:1'))!.updatedAt).toBe('2026-01-01T00:00:00.000Z');
    await refs.save('t-refs', { ...reference, serviceUrl: 'https://smba.two/' } as never, new Date('2026-01-03T00:00:00Z'));
    expect(await refs.get('t-refs', 'a:1')).toMatchObject({
      updatedAt: '2026-01-03T00:00:00.000Z',
      reference: { serviceUrl: 'https://smba.two/' },
    });
    expect((await refs.list('t-refs')).items).toHaveLength(1);
  });

  it("lists a tenant's chats as a fan-out needs them: each id and reference, no other tenant's", async () => {
    const refs = new ConversationReferences(store);
    const referenceTo = (id: string, tenantId: string) => ({
      conversation: { id, conversationType: 'personal', isGroup: false, name: '', tenantId },
      serviceUrl: 'https://smba.one/',
      channelId: 'msteams',
      user: { id: `29:${id}`, name: 'Someone' },
    });
    for (const id of ['a:x1', 'a:x2', 'a:x3']) await refs.save('t-addresses', referenceTo(id, 't-addresses') as never);
    await refs.save('t-addresses-other', referenceTo('a:y1', 't-addresses-other') as never);
    const addresses = [];
    for await (const address of refs.addresses('t-addresses')) addresses.push(address);
    expect(addresses.sort((a, b) => a.conversationId.localeCompare(b.conversationId))).toEqual(
      ['a:x1', 'a:x2', 'a:x3'].map((id) => ({ conversationId: id, reference: referenceTo(id, 't-addresses') })),
    );
  });

  it('keeps no message id: each new message in a chat writes nothing, and proactive posts are not replies', async () => {
    const refs = new ConversationReferences(store);
    const reference = { conversation: { id: 'a:2', conversationType: 'personal' }, serviceUrl: 'https://smba.one/', channelId: 'msteams' };
    // A tenant of its own: the test above counts the references of its tenant.
    await refs.save('t-refs-ids', { ...reference, activityId: 'm-1' } as never, new Date('2026-01-01T00:00:00Z'));
    await refs.save('t-refs-ids', { ...reference, activityId: 'm-2' } as never, new Date('2026-01-02T00:00:00Z'));
    const saved = (await refs.get('t-refs-ids', 'a:2'))!;
    expect(saved.updatedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(saved.reference).not.toHaveProperty('activityId');
  });
});

describe('a burst of new chats', () => {
  it('stores every reference in a few grouped transactions, not two writes per chat', async () => {
    const refs = new ConversationReferences(store);
    const calls: string[] = [];
    const count = (message: unknown) => void calls.push((message as { request: { method: string } }).request.method);
    diagnostics.subscribe('http.client.request.start', count);
    try {
      for (let i = 0; i < 120; i++)
        refs.saveSoon('t-burst', {
          conversation: { id: `a:burst-${i}`, conversationType: 'personal', isGroup: false, name: '' },
          user: { id: `29:burst-${i}`, name: `Person ${i}`, aadObjectId: `burst-${i}` },
          serviceUrl: 'https://smba.one/',
          channelId: 'msteams',
        } as never);
      await refs.flush(30_000);
    } finally {
      diagnostics.unsubscribe('http.client.request.start', count);
    }
    // 240 rows (the chat, and the person's chat) in two partitions: at most 100 actions per transaction.
    expect(calls.length).toBeLessThanOrEqual(12);
    expect((await refs.list('t-burst', { pageSize: 1000 })).items).toHaveLength(120);
    expect((await refs.personalChatOf('t-burst', 'burst-119'))?.conversationId).toBe('a:burst-119');
  });
});

describe("a person's 1:1 chat", () => {
  it('is found by object id with a point read, follows reinstalls, and goes with the uninstall', async () => {
    const refs = new ConversationReferences(store);
    const chat = (id: string) => ({
      conversation: { id, conversationType: 'personal' },
      user: { id: '29:x', aadObjectId: 'ABC-1' },
      serviceUrl: 'https://smba/',
    });
    await refs.save('t-people', chat('a:old') as never);
    expect((await refs.personalChatOf('t-people', 'abc-1'))?.conversationId).toBe('a:old');
    await refs.save('t-people', chat('a:new') as never);
    expect((await refs.personalChatOf('t-people', 'ABC-1'))?.conversationId).toBe('a:new');
    await refs.remove('t-people', 'a:old'); // the older chat going away leaves the newer one
    expect((await refs.personalChatOf('t-people', 'abc-1'))?.conversationId).toBe('a:new');
    await refs.remove('t-people', 'a:new');
    expect(await refs.personalChatOf('t-people', 'abc-1')).toBeUndefined();
    expect(await refs.personalChatOf('t-people', 'nobody')).toBeUndefined();
  });

  it('is not recorded for channels', async () => {
    const refs = new ConversationReferences(store);
    await refs.save('t-people', {
      conversation: { id: '19:c@thread', conversationType: 'channel' },
      user: { id: '29:y', aadObjectId: 'chan-user' },
    } as never);
    expect(await refs.personalChatOf('t-people', 'chan-user')).toBeUndefined();
  });
});

describe('audit log', () => {
  it('lists newest first, with before and after', async () => {
    const audit = new AuditLog(store);
    const base = Date.parse('2026-03-01T10:00:00Z');
    for (let i = 0; i < 5; i++) {
      await audit.record({
        tenantId: 't-audit',
        actorId: 'u1',
        action: `step.${i}`,
        target: 'x',
        before: { i },
        after: { i: i + 1 },
        at: new Date(base + i * 1000),
      });
    }
    const first = await audit.list('t-audit', { pageSize: 2 });
    expect(first.items.map((e) => e.action)).toEqual(['step.4', 'step.3']);
    expect(first.items[0]).toMatchObject({ before: { i: 4 }, after: { i: 5 }, at: '2026-03-01T10:00:04.000Z' });
    const second = await audit.list('t-audit', { pageSize: 10, continuationToken: first.continuationToken! });
    expect(second.items.map((e) => e.action)).toEqual(['step.2', 'step.1', 'step.0']);
  });

  it('keeps two entries written in the same millisecond', async () => {
    const audit = new AuditLog(store);
    const at = new Date('2026-04-01T00:00:00Z');
    await Promise.all([1, 2, 3].map((n) => audit.record({ tenantId: 't-same', actorId: 'u', action: `a${n}`, target: 't', at })));
    expect((await audit.list('t-same')).items).toHaveLength(3);
  });
});

describe('when storage is down', () => {
  it('says so with a StorageUnavailableError', async () => {
    const down = new TableStore({ kind: 'connection-string', connectionString: azuriteConnectionString('127.0.0.1', 9, 9) }, 'down');
    await expect(new AuditLog(down).record({ tenantId: 't', actorId: 'u', action: 'a', target: 't' })).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    await expect(down.ping(1000)).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
