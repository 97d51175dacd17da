import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, newestFirstRowKey, tenantPartition, timeOfNewestFirstRowKey } from '../../src/storage/keys.js';
import { describeRoles, describeWhoMay, rolesOf } from '../../src/domain/roles.js';
import { commandWord } from '../../src/bot/commands.js';
import { formatDuration } from '../../src/bot/handlers.js';
import { RoleService } from '../../src/services/roles.js';

describe('table keys', () => {
  it('encodes the characters Azure Tables forbid, and decodes exactly', () => {
    const raw = 'a/b\\c#d?e%f\u0001g\u007fh 19:abc@thread.tacv2';
    const encoded = encodeKey(raw);
    expect(encoded).not.toMatch(/[/\\#?\u0000-\u001f\u007f-\u009f]/);
    expect(decodeKey(encoded)).toBe(raw);
    expect(encodeKey('plain-id_123')).toBe('plain-id_123');
    expect(decodeKey(encodeKey('100%25'))).toBe('100%25');
  });

  it('refuses keys longer than 1 KiB', () => {
    expect(() => encodeKey('x'.repeat(600))).toThrow(RangeError);
  });

  it('starts every partition with the tenant id', () => {
    expect(tenantPartition('t1')).toBe('t1');
    expect(tenantPartition('t1', 'requests', 'a/b')).toBe('t1|requests|a%2Fb');
    expect(() => tenantPartition('')).toThrow(/tenant id is required/);
  });

  it('sorts newest first and remembers the time', () => {
    const older = newestFirstRowKey(new Date('2026-01-01T00:00:00Z'), 'a');
    const newer = newestFirstRowKey(new Date('2026-01-01T00:00:00.001Z'), 'a');
    expect(newer < older).toBe(true);
    expect(timeOfNewestFirstRowKey(older).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('roles and commands', () => {
  const admins = new Set(['admin-id']);
  it('makes everyone a requester and admins admins (case-insensitive ids)', () => {
    expect(rolesOf({ tenantId: 't' }, { tenantAdmins: admins })).toEqual(['requester']);
    expect(rolesOf({ tenantId: 't', aadObjectId: 'ADMIN-ID' }, { tenantAdmins: admins })).toEqual(['requester', 'admin']);
    expect(describeRoles(['requester', 'approver', 'admin'])).toBe('admin and approver');
  });

  it("makes a unit's license admin a unit admin, and says so in labels and refusals", () => {
    const person = { tenantId: 't', aadObjectId: 'adele' };
    expect(rolesOf(person, { tenantAdmins: admins, unitAdmin: true })).toEqual(['requester', 'unit-admin']);
    expect(rolesOf({ tenantId: 't' }, { tenantAdmins: admins, unitAdmin: true })).toEqual(['requester']);
    expect(describeRoles(['requester'])).toBe('requester');
    expect(describeRoles(['requester', 'unit-admin'])).toBe('unit license admin');
    expect(describeRoles(['requester', 'approver', 'admin', 'unit-admin'])).toBe('admin, approver and unit license admin');
    expect(describeWhoMay(['admin'])).toBe('admins');
    expect(describeWhoMay(['unit-admin', 'admin'])).toBe("units' license admins and admins");
  });

  it('reads the command word the way people type it', () => {
    expect(commandWord('  HELP ')).toBe('help');
    expect(commandWord('/help me')).toBe('help');
    expect(commandWord(undefined)).toBe('');
  });

  it('formats uptime', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3 h 2 min');
    expect(formatDuration(2 * 86400 + 3600)).toBe('2 d 1 h');
  });
});

describe('commerce idempotency keys', () => {
  it('are stable per request, distinct across requests, and GUID-shaped', async () => {
    const { commerceRequestIdFor } = await import('../../src/services/requests.js');
    expect(commerceRequestIdFor('REQ-00000001')).toBe(commerceRequestIdFor('REQ-00000001'));
    expect(commerceRequestIdFor('REQ-00000001')).not.toBe(commerceRequestIdFor('REQ-00000002'));
    expect(commerceRequestIdFor('REQ-ABCDEF12')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("a partner's admins in its customers' tenants", () => {
  const partner = 'partner-tenant';
  const customer = 'customer-tenant';
  const roles = new RoleService(
    [
      { tenantId: partner, aadObjectId: 'partner-admin-id' },
      { tenantId: customer, aadObjectId: 'customer-admin-id' },
    ],
    { partnerTenants: [partner] },
  );
  const links = new Set([`${partner} ${customer}`]);
  roles.admitPartnerAdmins(async (p, c) => links.has(`${p} ${c.toLowerCase()}`));

  it('are admins of a linked customer only, never partner admins there, and no longer once unlinked', async () => {
    expect(await roles.rolesOf({ tenantId: customer, aadObjectId: 'partner-admin-id' })).toEqual(['requester', 'admin']);
    expect(await roles.rolesOf({ tenantId: 'other-tenant', aadObjectId: 'partner-admin-id' })).toEqual(['requester']);
    // A customer's admin gains nothing in the partner's tenant, nor a stranger in the customer's.
    expect(await roles.rolesOf({ tenantId: partner, aadObjectId: 'customer-admin-id' })).toEqual(['requester']);
    expect(await roles.rolesOf({ tenantId: customer, aadObjectId: 'someone' })).toEqual(['requester']);
    links.clear();
    expect(await roles.isAdmin({ tenantId: customer, aadObjectId: 'partner-admin-id' })).toBe(false);
  });
});
