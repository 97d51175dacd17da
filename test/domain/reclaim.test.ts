import { describe, expect, it } from 'vitest';
import {
  reclaimCandidates,
  renewalsWithUnusedSeats,
  vendorSeatCandidates,
  type DirectoryPerson,
  type LicensedUser,
  type RenewingSubscription,
} from '../../src/domain/reclaim.js';

const now = new Date('2026-06-30T12:00:00Z');
const e3 = { skuId: 'sku-e3', skuPartNumber: 'SPE_E3' };
const visio = { skuId: 'sku-visio', skuPartNumber: 'VISIOCLIENT' };
const user = (id: string, overrides: Partial<LicensedUser> = {}): LicensedUser => ({
  id,
  displayName: `User ${id}`,
  userPrincipalName: `${id}@contoso.com`,
  licenses: [e3],
  ...overrides,
});

describe('reclaimCandidates', () => {
  it('flags licensed users at exactly 90 whole days, not at 89 days 23 hours', () => {
    const result = reclaimCandidates(
      [
        user('a', { lastSignInAt: '2026-04-01T12:00:00Z' }), // 90 days
        user('b', { lastSignInAt: '2026-04-01T13:00:00Z' }), // 89 d 23 h
      ],
      now,
    );
    expect(result).toEqual([
      {
        id: 'a',
        displayName: 'User a',
        userPrincipalName: 'a@contoso.com',
        licenses: [e3],
        neverSignedIn: false,
        lastSignInAt: '2026-04-01T12:00:00.000Z',
        daysInactive: 90,
      },
    ]);
  });
  it('skips users without licenses', () => {
    expect(reclaimCandidates([user('a', { licenses: [], lastSignInAt: '2020-01-01T00:00:00Z' })], now)).toEqual([]);
  });
  it('counts never signed in as inactive, first in the list', () => {
    const result = reclaimCandidates(
      [
        user('old', { lastSignInAt: '2025-01-01T00:00:00Z', licenses: [e3, visio] }),
        user('never', { displayName: 'Zed' }),
        user('older', { lastSignInAt: '2024-06-01T00:00:00Z' }),
      ],
      now,
    );
    expect(result.map((c) => c.id)).toEqual(['never', 'older', 'old']);
    expect(result[0]).toMatchObject({ neverSignedIn: true });
    expect(result[0]).not.toHaveProperty('daysInactive');
    expect(result[2]?.licenses).toEqual([e3, visio]);
  });
  it('leaves new accounts that have not signed in yet alone', () => {
    const result = reclaimCandidates(
      [user('new', { createdAt: '2026-06-01T00:00:00Z' }), user('stale', { createdAt: '2025-06-01T00:00:00Z' })],
      now,
    );
    expect(result).toMatchObject([{ id: 'stale', neverSignedIn: true, daysInactive: 394 }]);
  });
  it('normalises offsets and honours a custom cut-off', () => {
    const result = reclaimCandidates([user('a', { lastSignInAt: '2026-05-31T14:00:00+02:00' })], now, 30);
    expect(result).toMatchObject([{ lastSignInAt: '2026-05-31T12:00:00.000Z', daysInactive: 30 }]);
    expect(reclaimCandidates([user('a', { lastSignInAt: '2026-05-31T14:00:01+02:00' })], now, 30)).toEqual([]);
  });
  it('ignores sign-ins in the future (clock skew)', () => {
    expect(reclaimCandidates([user('a', { lastSignInAt: '2026-07-01T00:00:00Z' })], now)).toEqual([]);
  });
  it('sorts equal sign-ins by name', () => {
    const same = '2026-01-01T00:00:00Z';
    const result = reclaimCandidates(
      [user('1', { displayName: 'Bo', lastSignInAt: same }), user('2', { displayName: 'Al', lastSignInAt: same })],
      now,
    );
    expect(result.map((c) => c.displayName)).toEqual(['Al', 'Bo']);
  });
  it('rejects sign-in times without a zone', () => {
    expect(() => reclaimCandidates([user('a', { lastSignInAt: '2026-01-01T00:00:00' })], now)).toThrow(RangeError);
  });
});

describe('renewalsWithUnusedSeats', () => {
  const sub = (id: string, commitmentEndDate: string, overrides: Partial<RenewingSubscription> = {}): RenewingSubscription => ({
    id,
    offerName: `Offer ${id}`,
    quantity: 10,
    commitmentEndDate,
    autoRenewEnabled: true,
    ...overrides,
  });

  it('lists subscriptions renewing within 30 days with free seats, soonest first', () => {
    const result = renewalsWithUnusedSeats(
      [sub('later', '2026-07-30T12:00:00Z'), sub('soon', '2026-07-05T00:00:00Z'), sub('far', '2026-07-30T12:00:01Z')],
      { later: { free: 3 }, soon: { free: 1 }, far: { free: 5 } },
      now,
    );
    expect(result.map((r) => r.id)).toEqual(['soon', 'later']);
    expect(result[1]).toEqual({
      id: 'later',
      offerName: 'Offer later',
      quantity: 10,
      free: 3,
      renewsAt: '2026-07-30T12:00:00.000Z',
      daysUntilRenewal: 30,
      suggestedQuantity: 7,
      message:
        'Offer later renews in 30 days (2026-07-30) with 3 of 10 seats unused. Reduce it to 7 at renewal; after renewal, seats can only be removed in the first 7 days.',
    });
  });
  it('skips no free seats, unknown seat counts, auto-renew off and past renewals', () => {
    const result = renewalsWithUnusedSeats(
      [
        sub('full', '2026-07-05T00:00:00Z'),
        sub('unknown', '2026-07-05T00:00:00Z'),
        sub('ending', '2026-07-05T00:00:00Z', { autoRenewEnabled: false }),
        sub('past', '2026-06-30T12:00:00Z'),
      ],
      { full: { free: 0 }, ending: { free: 4 }, past: { free: 4 } },
      now,
    );
    expect(result).toEqual([]);
  });
  it('suggests ending a subscription nobody uses, and never below 1 seat', () => {
    const [only] = renewalsWithUnusedSeats(
      [sub('idle', '2026-06-30T15:00:00+02:00', { quantity: 4 })],
      { idle: { free: 6 } },
      new Date('2026-06-30T00:00:00Z'),
    );
    expect(only).toMatchObject({ free: 4, suggestedQuantity: 1, daysUntilRenewal: 1, renewsAt: '2026-06-30T13:00:00.000Z' });
    expect(only?.message).toContain('renews within a day');
    expect(only?.message).toContain('turn off auto-renew');
  });
  it('honours a custom notice period', () => {
    const subs = [sub('a', '2026-07-08T12:00:00Z')];
    expect(renewalsWithUnusedSeats(subs, { a: { free: 1 } }, now, 7)).toEqual([]);
    expect(renewalsWithUnusedSeats(subs, { a: { free: 1 } }, now, 8)).toHaveLength(1);
  });
});

describe('vendorSeatCandidates', () => {
  const person = (id: string, overrides: Partial<DirectoryPerson> = {}): DirectoryPerson => ({
    id,
    displayName: `User ${id}`,
    userPrincipalName: `${id}@contoso.com`,
    ...overrides,
  });
  const acrobat = (emails: string[]) => ({ subscriptionId: 'SUB-1', productName: 'Acrobat Pro', vendor: 'Adobe', emails });

  it('matches seat e-mails to directory users by userPrincipalName or mail, in any case, and keeps the inactive ones', () => {
    const people = [
      person('old', { lastSignInAt: '2026-04-01T12:00:00Z' }), // 90 days
      person('recent', { lastSignInAt: '2026-06-29T12:00:00Z' }),
      person('aliased', {
        userPrincipalName: 'a.b@contoso.onmicrosoft.com',
        mail: 'Alias@Contoso.com',
        lastSignInAt: '2026-01-01T00:00:00Z',
      }),
      person('edge', { lastSignInAt: '2026-04-01T13:00:00Z' }), // 89 d 23 h
    ];
    const result = vendorSeatCandidates(
      [acrobat(['OLD@contoso.com', 'recent@contoso.com', 'alias@contoso.com', 'edge@contoso.com'])],
      people,
      now,
    );
    expect(result).toEqual([
      {
        subscriptionId: 'SUB-1',
        productName: 'Acrobat Pro',
        vendor: 'Adobe',
        email: 'alias@contoso.com',
        inDirectory: true,
        userId: 'aliased',
        displayName: 'User aliased',
        neverSignedIn: false,
        lastSignInAt: '2026-01-01T00:00:00.000Z',
        daysInactive: 180,
      },
      {
        subscriptionId: 'SUB-1',
        productName: 'Acrobat Pro',
        vendor: 'Adobe',
        email: 'OLD@contoso.com',
        inDirectory: true,
        userId: 'old',
        displayName: 'User old',
        neverSignedIn: false,
        lastSignInAt: '2026-04-01T12:00:00.000Z',
        daysInactive: 90,
      },
    ]);
  });

  it('lists an e-mail nobody in the directory has as "not in your directory", first; never signed in counts as inactive', () => {
    const result = vendorSeatCandidates(
      [acrobat(['ghost@elsewhere.example', 'never@contoso.com', 'ghost@elsewhere.example'])],
      [person('never')],
      now,
      30,
    );
    expect(result.map((r) => [r.email, r.inDirectory, r.neverSignedIn])).toEqual([
      ['ghost@elsewhere.example', false, false],
      ['never@contoso.com', true, true],
    ]);
    expect(result[0]).not.toHaveProperty('userId');
  });

  it('follows the number of days and lists each subscription of the e-mail on its own row', () => {
    const people = [person('p', { lastSignInAt: '2026-05-01T12:00:00Z' })]; // 60 days
    const subs = [acrobat(['p@contoso.com']), { subscriptionId: 'SUB-2', productName: 'Miro Business', emails: ['p@contoso.com'] }];
    expect(vendorSeatCandidates(subs, people, now, 90)).toEqual([]);
    const rows = vendorSeatCandidates(subs, people, now, 60);
    expect(rows.map((r) => [r.subscriptionId, r.productName, r.vendor])).toEqual([
      ['SUB-1', 'Acrobat Pro', 'Adobe'],
      ['SUB-2', 'Miro Business', undefined],
    ]);
    expect(rows[1]).not.toHaveProperty('vendor');
  });
});
