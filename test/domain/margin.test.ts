// Margins on Partner Center's cost: typed percents checked and made canonical, the price exact
// and rounded once (half away from zero), the customer's own margin winning over its reseller's.
import { describe, expect, it } from 'vitest';
import { effectiveMargin, parseMarginPercent, withMargin } from '../../src/domain/margin.js';
import { money } from '../../src/domain/money.js';

describe('parseMarginPercent', () => {
  it('accepts whole and decimal percents (a trailing % too) and stores them canonically; empty means none', () => {
    expect(parseMarginPercent('15')).toEqual({ ok: true, percent: '15' });
    expect(parseMarginPercent(' 12.50 % ')).toEqual({ ok: true, percent: '12.5' });
    expect(parseMarginPercent('0')).toEqual({ ok: true, percent: '0' });
    expect(parseMarginPercent('1000')).toEqual({ ok: true, percent: '1000' });
    expect(parseMarginPercent('')).toEqual({ ok: true, percent: undefined });
    expect(parseMarginPercent(undefined)).toEqual({ ok: true, percent: undefined });
  });

  it('refuses negatives, commas, exponents, more than 2 decimals and more than 1000 %, in words', () => {
    for (const typed of ['-3', '12,5', '1e2', '12.345', 'abc', '.5', 'NaN']) {
      const check = parseMarginPercent(typed);
      expect(check.ok).toBe(false);
      expect(!check.ok && check.message).toContain('is not a percent');
    }
    const tooMuch = parseMarginPercent('1000.01');
    expect(!tooMuch.ok && tooMuch.message).toContain('above 1000 %');
  });
});

describe('withMargin', () => {
  it('is exact and rounds once, half away from zero, in the currency of the cost', () => {
    expect(withMargin(money('15.00', 'USD'), '12.5')).toEqual(money('16.88', 'USD')); // 16.875
    expect(withMargin(money('14.00', 'USD'), '10')).toEqual(money('15.40', 'USD'));
    expect(withMargin(money('0.10', 'USD'), '0.01')).toEqual(money('0.10', 'USD')); // 0.10001
    expect(withMargin(money('1000', 'JPY'), '7.55')).toEqual(money('1076', 'JPY')); // 1075.5
    expect(withMargin(money('36.00', 'EUR'), '0')).toEqual(money('36.00', 'EUR'));
  });
});

describe('effectiveMargin', () => {
  it("takes the customer's own margin over its reseller's, and none when neither is set", () => {
    expect(effectiveMargin({ customer: '20', reseller: '10' })).toEqual({ percent: '20', from: 'customer' });
    expect(effectiveMargin({ customer: '0', reseller: '10' })).toEqual({ percent: '0', from: 'customer' });
    expect(effectiveMargin({ reseller: '10' })).toEqual({ percent: '10', from: 'reseller' });
    expect(effectiveMargin({})).toBeUndefined();
  });
});
