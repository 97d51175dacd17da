import { describe, expect, it } from 'vitest';
import {
  add,
  checkMoney,
  compareMoney,
  formatMoney,
  formatMonthly,
  fromMinor,
  isGreaterThan,
  isLessThan,
  minorUnitDigits,
  money,
  MoneyError,
  monthlyCost,
  multiply,
  parseAmount,
  roundMoney,
  subtract,
  sum,
  toMinor,
  zero,
} from '../../src/domain/money.js';

const usd = (amount: string) => ({ amount, currency: 'USD' });
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MoneyError);
    return (error as MoneyError).code;
  }
  throw new Error('expected a MoneyError');
};

describe('parsing amounts', () => {
  it('accepts whole, one-decimal and two-decimal strings', () => {
    expect(parseAmount('14', 'USD')).toBe(1400n);
    expect(parseAmount('14.5', 'USD')).toBe(1450n);
    expect(parseAmount('14.50', 'USD')).toBe(1450n);
    expect(parseAmount('0', 'USD')).toBe(0n);
    expect(parseAmount(' 7.05 ', 'usd')).toBe(705n);
    expect(parseAmount('007', 'USD')).toBe(700n);
  });

  it('rejects float notations and other look-alikes', () => {
    for (const bad of ['1e3', '1E3', '0x10', '1,000', '.5', '14.', '+14', 'NaN', 'Infinity', '', ' ', '1 000', '14.5.0', '١٤']) {
      expect(
        codeOf(() => parseAmount(bad, 'USD')),
        bad,
      ).toBe('invalid-amount');
    }
  });

  it('rejects non-strings: stored amounts are never floats', () => {
    expect(codeOf(() => parseAmount(14.5, 'USD'))).toBe('invalid-amount');
    expect(codeOf(() => parseAmount(undefined, 'USD'))).toBe('invalid-amount');
  });

  it('rejects negatives unless allowed', () => {
    expect(codeOf(() => parseAmount('-1', 'USD'))).toBe('negative-amount');
    expect(parseAmount('-1.25', 'USD', { allowNegative: true })).toBe(-125n);
  });

  it('rejects more decimals than the currency has', () => {
    expect(codeOf(() => parseAmount('14.505', 'USD'))).toBe('too-many-decimals');
    expect(codeOf(() => parseAmount('14.500', 'USD'))).toBe('too-many-decimals');
    expect(() => parseAmount('14.505', 'USD')).toThrow('USD amounts have at most 2 decimals');
  });

  it('takes the minor-unit digits from the currency', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('eur')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('KWD')).toBe(3);
    expect(parseAmount('1400', 'JPY')).toBe(1400n);
    expect(codeOf(() => parseAmount('1400.5', 'JPY'))).toBe('too-many-decimals');
    expect(parseAmount('1.234', 'KWD')).toBe(1234n);
  });

  it('rejects bad currency codes and absurdly large amounts', () => {
    for (const bad of ['US', 'USDX', '123', '', 'u$d'])
      expect(
        codeOf(() => parseAmount('1', bad)),
        bad,
      ).toBe('invalid-currency');
    expect(codeOf(() => parseAmount('1'.repeat(16), 'USD'))).toBe('too-large');
    expect(parseAmount('9'.repeat(15), 'USD')).toBe(BigInt('9'.repeat(15) + '00'));
    expect(codeOf(() => parseAmount('9'.repeat(10_000), 'USD'))).toBe('too-large');
  });

  it('canonicalizes, and reports problems without throwing through checkMoney', () => {
    expect(money('14.5', 'usd')).toEqual({ amount: '14.50', currency: 'USD' });
    expect(checkMoney('3', 'EUR')).toEqual({ ok: true, value: { amount: '3.00', currency: 'EUR' } });
    expect(checkMoney('1e3', 'EUR')).toMatchObject({ ok: false, code: 'invalid-amount' });
    expect(checkMoney('1', 'EURO')).toMatchObject({ ok: false, code: 'invalid-currency' });
  });

  it('converts between minor units and strings in both directions', () => {
    expect(fromMinor(5n, 'USD')).toEqual(usd('0.05'));
    expect(fromMinor(-5n, 'USD')).toEqual(usd('-0.05'));
    expect(fromMinor(123456n, 'KWD')).toEqual({ amount: '123.456', currency: 'KWD' });
    expect(fromMinor(1400n, 'JPY')).toEqual({ amount: '1400', currency: 'JPY' });
    expect(toMinor(usd('0.10'))).toBe(10n);
    expect(zero('gbp')).toEqual({ amount: '0.00', currency: 'GBP' });
  });
});

describe('arithmetic', () => {
  it('adds exactly, where floats would drift', () => {
    expect(add(usd('0.1'), usd('0.2'))).toEqual(usd('0.30'));
    expect(sum([usd('19.99'), usd('0.01'), usd('80')], 'USD')).toEqual(usd('100.00'));
    expect(sum([], 'EUR')).toEqual({ amount: '0.00', currency: 'EUR' });
  });

  it('subtracts, going negative when needed', () => {
    expect(subtract(usd('10'), usd('12.5'))).toEqual(usd('-2.50'));
  });

  it('multiplies by a whole quantity: monthly cost = unit price × seats', () => {
    expect(multiply(usd('14.99'), 3)).toEqual(usd('44.97'));
    expect(monthlyCost(usd('0.01'), 25)).toEqual(usd('0.25'));
    expect(monthlyCost(usd('15'), 0)).toEqual(usd('0.00'));
    // 1.15 × 3 is 3.4499999999999997 in floating point; here it is exact.
    expect(monthlyCost(usd('1.15'), 3)).toEqual(usd('3.45'));
    expect(monthlyCost(usd('999999999999999.99'), 1000).amount).toBe('999999999999999990.00');
  });

  it('refuses fractional, negative or unsafe quantities', () => {
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])
      expect(
        codeOf(() => multiply(usd('1'), bad)),
        String(bad),
      ).toBe('invalid-quantity');
  });

  it('compares within a currency', () => {
    expect(compareMoney(usd('50'), usd('50.00'))).toBe(0);
    expect(compareMoney(usd('49.99'), usd('50'))).toBe(-1);
    expect(compareMoney(usd('200.01'), usd('200'))).toBe(1);
    expect(isLessThan(usd('1'), usd('2'))).toBe(true);
    expect(isGreaterThan(usd('1'), usd('2'))).toBe(false);
  });

  it('never mixes currencies silently', () => {
    const eur = { amount: '1.00', currency: 'EUR' };
    expect(codeOf(() => add(usd('1'), eur))).toBe('currency-mismatch');
    expect(codeOf(() => subtract(usd('1'), eur))).toBe('currency-mismatch');
    expect(codeOf(() => compareMoney(usd('1'), eur))).toBe('currency-mismatch');
    expect(codeOf(() => sum([usd('1'), eur], 'USD'))).toBe('currency-mismatch');
    expect(() => add(usd('1'), eur)).toThrow('Cannot add USD and EUR amounts');
    // Case differences are the same currency.
    expect(add(usd('1'), { amount: '1', currency: 'usd' })).toEqual(usd('2.00'));
  });
});

describe('rounding precise prices', () => {
  it('rounds half away from zero to the currency digits', () => {
    expect(roundMoney('11.995', 'USD')).toEqual(usd('12.00'));
    expect(roundMoney('11.994999', 'USD')).toEqual(usd('11.99'));
    expect(roundMoney('0.125', 'USD')).toEqual(usd('0.13'));
    expect(roundMoney('0.115', 'USD')).toEqual(usd('0.12'));
    expect(roundMoney('-1.005', 'USD')).toEqual(usd('-1.01'));
    expect(roundMoney('-0.001', 'USD')).toEqual(usd('0.00'));
    expect(roundMoney('7', 'USD')).toEqual(usd('7.00'));
    expect(roundMoney('1400.5', 'JPY')).toEqual({ amount: '1401', currency: 'JPY' });
    expect(roundMoney('9.99999', 'USD')).toEqual(usd('10.00'));
  });

  it('still rejects what is not a decimal', () => {
    expect(codeOf(() => roundMoney('1e3', 'USD'))).toBe('invalid-amount');
  });
});

describe('formatting for people', () => {
  it('shows amount then currency, with the currency digits and grouping', () => {
    expect(formatMoney({ amount: '14.00', currency: 'USD' })).toBe('14.00 USD');
    expect(formatMoney(usd('14.5'))).toBe('14.50 USD');
    expect(formatMoney(usd('1234567.5'))).toBe('1,234,567.50 USD');
    expect(formatMoney(usd('999'))).toBe('999.00 USD');
    expect(formatMoney({ amount: '-1234.5', currency: 'eur' })).toBe('-1,234.50 EUR');
    expect(formatMoney({ amount: '140000', currency: 'JPY' })).toBe('140,000 JPY');
    expect(formatMonthly(usd('14'))).toBe('14.00 USD / month');
  });
});
