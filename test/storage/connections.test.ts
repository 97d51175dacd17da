// Connections against a real Azurite: secrets sealed at rest (never in clear in any column),
// bound to their row, re-sealed with the current key after a key rotation, and plain fields
// changed only with the row's ETag.
import { testClock } from '../harness/clock.js';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyText, parseKeyring, SecretBox } from '../../src/security/secret-box.js';
import { ConnectionRepository, type NewConnection } from '../../src/storage/connections.js';
import { ConcurrencyError } from '../../src/storage/errors.js';
import { TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

const OLD_KEY = generateKeyText();
const NEW_KEY = generateKeyText();
const SECRET = `refresh-token-${randomBytes(16).toString('hex')}`;

let store: TableStore;
const boxWith = (keys: string, current?: string) => new SecretBox(parseKeyring(keys, current));

const aws = (tenantId: string, accountId = '123456789012'): NewConnection => ({
  tenantId,
  id: `aws:${accountId}`,
  kind: 'aws',
  label: accountId,
  state: 'connected',
  details: { accountId, credentialKind: 'access-key', keyHint: '…WXYZ' },
  connectedAt: testClock().toISOString(),
  connectedBy: 'admin-1',
});

/** Every property of every row of the Connections table, as a storage dump would show it. */
async function dump(): Promise<string> {
  const table = await store.table('Connections');
  const rows: unknown[] = [];
  for await (const entity of table.listEntities()) rows.push(entity);
  return JSON.stringify(rows);
}

beforeAll(async () => {
  store = await freshTableStore('c');
});

describe('connections', () => {
  it('stores a secret sealed, names the key beside it, and opens it for its own row only', async () => {
    const repo = new ConnectionRepository(store, boxWith(`k1:${OLD_KEY}`));
    const saved = await repo.save(aws('tenant-a'), SECRET);
    expect(saved).toMatchObject({ id: 'aws:123456789012', state: 'connected', hasSecret: true });
    expect(await dump()).not.toContain(SECRET);
    expect(await dump()).toContain('"SecretKeyId":"k1"');
    expect(await repo.readSecret('tenant-a', 'aws:123456789012')).toBe(SECRET);

    // A sealed value copied into another tenant's row does not open there.
    await repo.save(aws('tenant-b'));
    const table = await store.table('Connections');
    const source = await table.getEntity<Record<string, string>>('tenant-a|connections', 'aws:123456789012');
    await table.updateEntity(
      { partitionKey: 'tenant-b|connections', rowKey: 'aws:123456789012', SealedSecret: source.SealedSecret! },
      'Merge',
    );
    await expect(repo.readSecret('tenant-b', 'aws:123456789012')).rejects.toThrow(/failed authentication/);
  });

  it('opens secrets sealed with a retired key and seals them again with the current one', async () => {
    const before = new ConnectionRepository(store, boxWith(`k1:${OLD_KEY}`));
    await before.save(aws('tenant-rotate'), SECRET);
    const after = new ConnectionRepository(store, boxWith(`k1:${OLD_KEY},k2:${NEW_KEY}`, 'k2'));
    expect(await after.readSecret('tenant-rotate', 'aws:123456789012')).toBe(SECRET);
    const table = await store.table('Connections');
    const row = await table.getEntity<Record<string, string>>('tenant-rotate|connections', 'aws:123456789012');
    expect(row.SecretKeyId).toBe('k2');
    // The old key can be dropped now.
    expect(await new ConnectionRepository(store, boxWith(`k2:${NEW_KEY}`)).readSecret('tenant-rotate', 'aws:123456789012')).toBe(SECRET);
  });

  it('rotates a secret in place and keeps the plain fields', async () => {
    const repo = new ConnectionRepository(store, boxWith(`k1:${OLD_KEY}`));
    await repo.save(
      { ...aws('tenant-c'), id: 'partner-center', kind: 'partner-center', label: 'agent@partner.example', environment: 'sandbox' },
      'cache-1',
    );
    expect(await repo.writeSecret('tenant-c', 'partner-center', 'cache-2')).toBe(true);
    expect(await repo.readSecret('tenant-c', 'partner-center')).toBe('cache-2');
    expect(await repo.get('tenant-c', 'partner-center')).toMatchObject({ environment: 'sandbox', label: 'agent@partner.example' });
    expect(await repo.writeSecret('tenant-c', 'gone', 'x')).toBe(false);
  });

  it('changes plain fields only with the ETag it was read with', async () => {
    const repo = new ConnectionRepository(store, boxWith(`k1:${OLD_KEY}`));
    const saved = await repo.save(aws('tenant-d'), SECRET);
    const problem = { code: 'AccessDeniedException', problem: 'The key cannot read Cost Explorer.', fix: 'Grant ce:GetCostAndUsage.' };
    const updated = await repo.update(saved, { state: 'needs-attention', problem });
    expect(updated).toMatchObject({ state: 'needs-attention', problem, hasSecret: true });
    await expect(repo.update(saved, { state: 'connected' })).rejects.toBeInstanceOf(ConcurrencyError);
    const healed = await repo.update(updated, { state: 'connected', problem: null });
    expect(healed.problem).toBeUndefined();
    expect(await repo.readSecret('tenant-d', saved.id)).toBe(SECRET);
  });

  it('lists a tenant’s connections, finds one kind across tenants, and forgets a removed one with its secret', async () => {
    const repo = new ConnectionRepository(store, boxWith(`k1:${OLD_KEY}`));
    await repo.save(aws('tenant-e', '111111111111'), SECRET);
    await repo.save(aws('tenant-e', '222222222222'), SECRET);
    for (const tenantId of ['tenant-e', 'tenant-f'])
      await repo.save({ ...aws(tenantId), id: 'partner-center', kind: 'partner-center', label: 'agent@partner.example' }, 'cache');
    expect((await repo.list('tenant-e')).map((c) => c.id).sort()).toEqual(['aws:111111111111', 'aws:222222222222', 'partner-center']);
    const pcs: string[] = [];
    for await (const c of repo.allOfKind('partner-center')) pcs.push(c.tenantId);
    expect(pcs).toEqual(expect.arrayContaining(['tenant-e', 'tenant-f']));
    expect(await repo.remove('tenant-e', 'aws:111111111111')).toBe(true);
    expect(await repo.remove('tenant-e', 'aws:111111111111')).toBe(false);
    expect(await repo.readSecret('tenant-e', 'aws:111111111111')).toBeUndefined();
    expect((await repo.list('tenant-e')).map((c) => c.id).sort()).toEqual(['aws:222222222222', 'partner-center']);
  });
});
