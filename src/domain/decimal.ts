// Exact decimals of any scale, for what is finer than a currency's minor unit: unit prices
// ("11.9950"), billable quantities ("3.1618") and their products. A value is an integer and
// a number of digits after the point (bigint, never a float), so "14" and "14.0000" compare
// equal and 3 × 11.9950 is exactly 35.9850. Money (minor units) is made from a decimal only
// where a figure is stored or shown, by rounding once (half away from zero). Pure.
import { fromMinor, minorUnitDigits, MoneyError, type Money } from './money.js';

export interface Decimal {
  /** The digits as one integer: "-12.340" → -12340n with scale 3. */
  units: bigint;
  /** Digits after the decimal point. */
  scale: number;
}

/** At most this many digits after the point: more is garbage, not precision. */
const MAX_SCALE = 18;
const PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** "12.5", "-0.004", "14" → a Decimal; anything else (exponents, commas, "") throws MoneyError 'invalid-amount'. */
export function parseDecimal(text: string): Decimal {
  const match = PATTERN.exec(text);
  if (!match) throw new MoneyError('invalid-amount', `"${String(text).slice(0, 30)}" is not a decimal number.`);
  const [, sign = '', whole = '', fraction = ''] = match;
  if (fraction.length > MAX_SCALE) throw new MoneyError('too-many-decimals', `"${text.slice(0, 30)}" has more than ${MAX_SCALE} decimals.`);
  if (whole.length > 24) throw new MoneyError('too-large', `The number ${text.slice(0, 30)}… is too large.`);
  const units = BigInt(whole + fraction);
  return { units: sign ? -units : units, scale: fraction.length };
}

export function decimal(units: bigint, scale = 0): Decimal {
  return { units, scale };
}

function rescale(value: Decimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

export function compareDecimals(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const left = rescale(a, scale);
  const right = rescale(b, scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

export const decimalsEqual = (a: Decimal, b: Decimal): boolean => compareDecimals(a, b) === 0;

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function subtractDecimals(a: Decimal, b: Decimal): Decimal {
  return addDecimals(a, { units: -b.units, scale: b.scale });
}

export function multiplyDecimals(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Canonical text without trailing zeros after the point: 14.0000 → "14", 11.9950 → "11.995". */
export function formatDecimal(value: Decimal): string {
  const negative = value.units < 0n;
  let digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  let scale = value.scale;
  while (scale > 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale--;
  }
  const text = scale > 0 ? `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}` : digits;
  return negative && value.units !== 0n ? `-${text}` : text;
}

/** Minor units of `currency`, rounded half away from zero: the one place a decimal becomes money. */
export function decimalToMinor(value: Decimal, currency: string): bigint {
  const digits = minorUnitDigits(currency);
  if (value.scale <= digits) return value.units * 10n ** BigInt(digits - value.scale);
  const divisor = 10n ** BigInt(value.scale - digits);
  const magnitude = value.units < 0n ? -value.units : value.units;
  let kept = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) kept += 1n;
  return value.units < 0n ? -kept : kept;
}

export function decimalToMoney(value: Decimal, currency: string): Money {
  return fromMinor(decimalToMinor(value, currency), currency);
}

/** A Money value as a Decimal at the currency's scale. */
export function moneyToDecimal(money: Money): Decimal {
  return parseDecimal(money.amount);
}
