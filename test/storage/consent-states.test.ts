// Single-use consent states against a real Azurite: bound to who asked, 10-minute expiry,
// exactly one successful consume even when callbacks race, and no usable state at rest.
import { testClock, testNowMs } from '../harness/clock.js';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSENT_STATE_TTL_MS, ConsentStates, type ConsentStateBinding } from '../../src/storage/consent-states.js';
import { TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

const ALEX: ConsentStateBinding = {
  tenantId: 'tenant-a',
  adminObjectId: 'AAAAAAAA-0000-0000-0000-000000000001',
  purpose: 'graph-admin-consent',
};
const MEGAN: ConsentStateBinding = {
  tenantId: 'tenant-b',
  adminObjectId: 'bbbbbbbb-0000-0000-0000-000000000002',
  purpose: 'partner-center-sign-in',
};
const MINUTE = 60_000;

let store: TableStore;
let states: ConsentStates;
beforeAll(async () => {
  store = await freshTableStore('c');
  states = new ConsentStates(store);
});

describe('consent states', () => {
  it('issues random, URL-safe states that expire in 10 minutes', async () => {
    const now = testClock();
    const first = await states.issue(ALEX, now);
    const second = await states.issue(ALEX, now);
    expect(first.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.state).not.toBe(second.state);
    expect(first.expiresAt.getTime() - now.getTime()).toBe(CONSENT_STATE_TTL_MS);
    expect(CONSENT_STATE_TTL_MS).toBe(10 * MINUTE);
  });

  it('consumes a state once and returns who asked for it', async () => {
    const now = testClock();
    const { state } = await states.issue(ALEX, now);
    const first = await states.consume(state, new Date(now.getTime() + MINUTE));
    expect(first).toEqual({ ok: true, binding: { ...ALEX, adminObjectId: ALEX.adminObjectId.toLowerCase() }, issuedAt: now });
    const replay = await states.consume(state, new Date(now.getTime() + 2 * MINUTE));
    expect(replay).toMatchObject({ ok: false, reason: 'used', binding: { tenantId: 'tenant-a' } });
  });

  it('keeps each state bound to its own admin and tenant', async () => {
    const alexState = await states.issue(ALEX);
    const meganState = await states.issue(MEGAN);
    const megan = await states.consume(meganState.state);
    const alex = await states.consume(alexState.state);
    expect(megan).toMatchObject({ ok: true, binding: MEGAN });
    expect(alex).toMatchObject({ ok: true, binding: { tenantId: ALEX.tenantId, purpose: 'graph-admin-consent' } });
  });

  it('gives exactly one success to concurrent consumes of the same state', async () => {
    const { state } = await states.issue(ALEX);
    const results = await Promise.all(Array.from({ length: 6 }, () => states.consume(state)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(5).fill('used'));
  });

  it('refuses a state at or after its expiry, and keeps refusing it', async () => {
    const issuedAt = testClock();
    const almost = await states.issue(ALEX, issuedAt);
    const late = await states.issue(ALEX, issuedAt);
    expect((await states.consume(almost.state, new Date(issuedAt.getTime() + CONSENT_STATE_TTL_MS - 1))).ok).toBe(true);
    const expired = await states.consume(late.state, new Date(issuedAt.getTime() + CONSENT_STATE_TTL_MS));
    expect(expired).toMatchObject({ ok: false, reason: 'expired', binding: { tenantId: 'tenant-a' } });
    expect(await states.consume(late.state, new Date(issuedAt.getTime() + 60 * MINUTE))).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses states it never issued, without telling whose they might be', async () => {
    for (const forged of [randomBytes(32).toString('base64url'), '', '<script>', 'x'.repeat(500)]) {
      expect(await states.consume(forged)).toEqual({ ok: false, reason: 'unknown' });
    }
  });

  it('needs a tenant and an admin to issue', async () => {
    await expect(states.issue({ ...ALEX, tenantId: ' ' })).rejects.toThrow(RangeError);
    await expect(states.issue({ ...ALEX, adminObjectId: '' })).rejects.toThrow(RangeError);
  });

  it('stores only a hash of the state', async () => {
    const { state } = await states.issue(MEGAN);
    const table = await store.table('ConsentStates');
    const dump: unknown[] = [];
    for await (const entity of table.listEntities()) dump.push(entity);
    expect(dump.length).toBeGreaterThan(0);
    expect(JSON.stringify(dump)).not.toContain(state);
    expect(JSON.stringify(dump)).not.toContain(Buffer.from(state, 'base64url').toString('hex'));
  });

  it('purges rows a day after they expired, and only those', async () => {
    const longAgo = new Date(testNowMs() - 3 * 24 * 60 * MINUTE);
    const old = await states.issue(ALEX, longAgo);
    const fresh = await states.issue(ALEX);
    expect(await states.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await states.consume(old.state)).toEqual({ ok: false, reason: 'unknown' });
    expect((await states.consume(fresh.state)).ok).toBe(true);
  });
});
