import { describe, expect, it } from 'vitest';
import type { SubscriptionTerms } from '../../src/domain/commitment.js';
import {
  checkAnswers,
  downsizeWindow,
  freeVendorSeats,
  holdsSeat,
  planVendorChange,
  validateMarketplaceToken,
  validatePurchaseOrderNumber,
} from '../../src/domain/marketplace.js';

const now = new Date('2026-03-10T12:00:00Z');
const terms = (quantity = 10): SubscriptionTerms => ({
  status: 'active',
  quantity,
  lots: [{ quantity, purchasedAt: '2025-08-01T00:00:00Z' }],
  commitmentEndDate: '2026-08-01T00:00:00Z',
  autoRenewEnabled: true,
  termDuration: 'P1Y',
});
const adobe = (anniversaryDate: string, freeSeats = 5) => ({
  freeSeats,
  downsizeOnlyAtAnniversary: true,
  anniversaryDate,
  vendor: 'Adobe',
});

describe('marketplace token and PO number', () => {
  it('accepts a token of printable characters, 20 to 512, and says what is wrong otherwise', () => {
    expect(validateMarketplaceToken('  idt:TKN-5100-0001:abcdefghijkl  ')).toEqual({ ok: true, value: 'idt:TKN-5100-0001:abcdefghijkl' });
    for (const bad of ['', 'short', 'has spaces in the middle of it', 'x'.repeat(513), 42, undefined])
      expect(validateMarketplaceToken(bad).ok).toBe(false);
  });

  it('accepts PO numbers up to 50 characters of a safe set; empty clears', () => {
    expect(validatePurchaseOrderNumber(' PO-2026/17 #3 ')).toEqual({ ok: true, value: 'PO-2026/17 #3' });
    expect(validatePurchaseOrderNumber('')).toEqual({ ok: true, value: '' });
    expect(validatePurchaseOrderNumber('P'.repeat(51))).toMatchObject({ ok: false, message: expect.stringContaining('at most 50') });
    for (const bad of ['<b>PO</b>', "PO'1", '-PO', 'PO\n1']) expect(validatePurchaseOrderNumber(bad).ok).toBe(false);
  });
});

describe('vendor seats', () => {
  it('counts seats nobody holds, and who holds one (case-insensitive)', () => {
    expect(freeVendorSeats({ quantity: 10, assignedEmails: ['a@x.com', 'b@x.com'] })).toBe(8);
    expect(freeVendorSeats({ quantity: 1, assignedEmails: ['a@x.com', 'b@x.com'] })).toBe(0);
    expect(holdsSeat({ assignedEmails: ['Alex@Example.com'] }, 'alex@example.com')).toBe(true);
    expect(holdsSeat({}, 'alex@example.com')).toBe(false);
  });
});

describe('the anniversary window', () => {
  it('is open for 14 days after the last anniversary (a year before the next), closed otherwise', () => {
    expect(downsizeWindow('2027-03-05T00:00:00Z', now)).toEqual({
      open: true,
      opensAt: '2026-03-05T00:00:00.000Z',
      closesAt: '2026-03-19T00:00:00.000Z',
    });
    expect(downsizeWindow('2026-09-01T00:00:00Z', now)).toEqual({
      open: false,
      opensAt: '2026-09-01T00:00:00.000Z',
      closesAt: '2026-09-15T00:00:00.000Z',
    });
    // The last day of the window is still in it; a second later it is not.
    expect(downsizeWindow('2027-02-24T12:00:00Z', now).open).toBe(true);
    expect(downsizeWindow('2027-02-24T11:59:59Z', now).open).toBe(false);
  });
});

describe('planning a marketplace change', () => {
  it('adds seats and changes auto-renew like any subscription', () => {
    const add = planVendorChange(terms(), 'SUB-1', 'add-seats', 2, adobe('2026-09-01T00:00:00Z'), now);
    expect(add).toMatchObject({ ok: true, change: { after: { quantity: 12 } } });
    expect(planVendorChange(terms(), 'SUB-1', 'auto-renew-off', undefined, adobe('2026-09-01T00:00:00Z'), now).ok).toBe(true);
  });

  it('explains a downsize outside the window, and allows free seats inside it', () => {
    const outside = planVendorChange(terms(), 'SUB-1', 'remove-seats', 1, adobe('2026-09-01T00:00:00Z'), now);
    expect(outside).toMatchObject({ ok: false, message: expect.stringContaining('only within 14 days after 2026-09-01') });
    const inside = planVendorChange(terms(), 'SUB-1', 'remove-seats', 2, adobe('2027-03-05T00:00:00Z'), now);
    expect(inside).toMatchObject({ ok: true, change: { before: { quantity: 10 }, after: { quantity: 8 } } });
    expect(planVendorChange(terms(), 'SUB-1', 'remove-seats', 6, adobe('2027-03-05T00:00:00Z', 5), now)).toMatchObject({
      ok: false,
      message: expect.stringContaining('Only unassigned seats can go: 5 of 10'),
    });
    expect(planVendorChange(terms(), 'SUB-1', 'remove-seats', 10, adobe('2027-03-05T00:00:00Z', 10), now)).toMatchObject({
      ok: false,
      message: expect.stringContaining('keeps at least one seat'),
    });
  });

  it('does not offer suspend or renewal schedules', () => {
    for (const action of ['suspend', 'reduce-at-renewal', 'cancel-scheduled-change', 'reactivate'] as const) {
      expect(planVendorChange(terms(), 'SUB-1', action, 3, adobe('2027-03-05T00:00:00Z'), now)).toMatchObject({
        ok: false,
        message: expect.stringContaining('Marketplace subscriptions cannot be'),
      });
    }
  });

  it('cancels (a Termination order) only inside the anniversary window of an Adobe item', () => {
    expect(planVendorChange(terms(), 'SUB-1', 'cancel', undefined, adobe('2027-03-05T00:00:00Z'), now)).toMatchObject({ ok: true });
    expect(planVendorChange(terms(), 'SUB-1', 'cancel', undefined, adobe('2026-09-01T00:00:00Z'), now)).toMatchObject({
      ok: false,
      message: expect.stringContaining('only within 14 days after 2026-09-01'),
    });
  });
});

describe("answers to the vendor's questions", () => {
  const email = {
    externalId: 'adobeAdminEmail',
    name: 'Adobe admin e-mail',
    description: 'Who administers Adobe.',
    pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  };

  it('needs every value, matching its pattern, trimmed', () => {
    expect(checkAnswers([email], { adobeAdminEmail: ' it@example.com ' })).toEqual({
      ok: true,
      value: { adobeAdminEmail: 'it@example.com' },
    });
    expect(checkAnswers([email], {})).toMatchObject({ ok: false, message: 'Adobe admin e-mail: a value is needed.' });
    expect(checkAnswers([email], { adobeAdminEmail: 'not an e-mail' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('not in the form the vendor needs'),
    });
    expect(checkAnswers([email], { adobeAdminEmail: 42 })).toMatchObject({ ok: false });
  });

  it('checks choices, and leaves an unreadable pattern to the vendor', () => {
    const choice = { externalId: 'tier', name: 'Tier', description: '', options: ['Gold', 'Silver'] };
    expect(checkAnswers([choice], { tier: 'Bronze' })).toMatchObject({ ok: false, message: 'Tier: choose one of Gold, Silver.' });
    expect(checkAnswers([{ ...email, pattern: '([' }], { adobeAdminEmail: 'anything' })).toMatchObject({ ok: true });
  });
});
