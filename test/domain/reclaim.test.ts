import { describe, expect, it } from 'vitest';
import { reclaimCandidates, renewalsWithUnusedSeats, type LicensedUser, type RenewingSubscription } from '../../src/domain/reclaim.js';

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
      { id: 'a', displayName: 'User a', userPrincipalName: 'a@contoso.com', licenses: [e3], neverSignedIn: false, lastSignInAt: '2026-04-01T12:00:00.000Z', daysInactive: 90 },
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
    const result = reclaimCandidates([user('new', { createdAt: '2026-06-01T00:00:00Z' }), user('stale', { createdAt: '2025-06-01T00:00:00Z' })], now);
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
    const result = reclaimCandidates([user('1', { displayName: 'Bo', lastSignInAt: same }), user('2', { displayName: 'Al', lastSignInAt: same })], now);
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
      message: 'Offer later renews in 30 days (2026-07-30) with 3 of 10 seats unused. Reduce it to 7 at renewal; after renewal, seats can only be removed in the first 7 days.',
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
    const [only] = renewalsWithUnusedSeats([sub('idle', '2026-06-30T15:00:00+02:00', { quantity: 4 })], { idle: { free: 6 } }, new Date('2026-06-30T00:00:00Z'));
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
