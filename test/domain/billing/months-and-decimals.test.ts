// Months as people type them, the first working day, and exact decimals for unit prices.
import { describe, expect, it } from 'vitest';
import { firstWorkingDay, parseMonthArgument, previousMonth } from '../../../src/domain/billing/months.js';
import { compareDecimals, decimalToMinor, formatDecimal, multiplyDecimals, parseDecimal } from '../../../src/domain/decimal.js';

describe('months', () => {
  it('knows the first working day (weekends skipped)', () => {
    expect(firstWorkingDay('2026-08')).toBe('2026-08-03'); // 1 August 2026 is a Saturday
    expect(firstWorkingDay('2026-06')).toBe('2026-06-01');
    expect(firstWorkingDay('2026-11')).toBe('2026-11-02');
    expect(previousMonth('2026-01')).toBe('2025-12');
  });

  it('reads what follows chargeback', () => {
    const today = '2026-06-17';
    expect(parseMonthArgument('', today)).toEqual({ ok: true, month: '2026-05' });
    expect(parseMonthArgument('this month', today)).toEqual({ ok: true, month: '2026-06' });
    expect(parseMonthArgument('2026-03', today)).toEqual({ ok: true, month: '2026-03' });
    expect(parseMonthArgument('Sept', today)).toEqual({ ok: true, month: '2025-09' });
    expect(parseMonthArgument('may 2025', today)).toEqual({ ok: true, month: '2025-05' });
    expect(parseMonthArgument('2026-07', today)).toMatchObject({ ok: false, message: expect.stringMatching(/not started/) });
    expect(parseMonthArgument('<b>x</b>', today)).toMatchObject({ ok: false });
  });
});

describe('decimals', () => {
  it('compares and multiplies exactly, rounding only into money', () => {
    expect(compareDecimals(parseDecimal('14'), parseDecimal('14.0000'))).toBe(0);
    expect(formatDecimal(multiplyDecimals(parseDecimal('3'), parseDecimal('11.9950')))).toBe('35.985');
    expect(decimalToMinor(parseDecimal('35.985'), 'USD')).toBe(3599n);
    expect(decimalToMinor(parseDecimal('-0.005'), 'USD')).toBe(-1n);
    expect(decimalToMinor(parseDecimal('12.4'), 'JPY')).toBe(12n);
    expect(() => parseDecimal('1e3')).toThrow(/not a decimal/);
  });
});
