// Tables of a test's own on the run's shared Azurite: a random prefix, so that test files
// never see each other's rows.
import { testClock } from './clock.js';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { TableStore } from '../../src/storage/table-store.js';

/** A TableStore under a fresh prefix (`prefix` + random hex), its tables created. */
export async function freshTableStore(prefix: string): Promise<TableStore> {
  const store = new TableStore(
    { kind: 'connection-string', connectionString: inject('storageConnectionString') },
    `${prefix}${randomBytes(4).toString('hex')}`,
    testClock,
  );
  await store.ensureTables();
  return store;
}
