// Money as a decimal string plus an ISO 4217 currency code, the way it is stored and shown.
// Arithmetic happens in integer minor units (bigint), so 0.1 + 0.2 is exactly 0.30 and a
// price times a quantity never drifts. Pure: no I/O, no locale, no clock.

/** Same shape as the connectors' `Price`, so a `Price` is a `Money` and back. */
export interface Money {
  /** Canonical form has exactly the currency's minor-unit digits: "14.00", "1400" (JPY). */
  amount: string;
  /** ISO 4217 code, upper case: "USD". */
  currency: string;
}

export type MoneyErrorCode =
  'invalid-currency' | 'invalid-amount' | 'negative-amount' | 'too-many-decimals' | 'too-large' | 'currency-mismatch' | 'invalid-quantity';

/** Thrown by the arithmetic below; `message` is plain English and safe to show an admin. */
export class MoneyError extends Error {
  override name = 'MoneyError';
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// Most currencies have 2 minor-unit digits; these are the exceptions (ISO 4217). Keeping the
// digits per currency means nothing below assumes "cents".
const MINOR_UNIT_EXCEPTIONS: Readonly<Record<string, number>> = {
  JPY: 0,
  KRW: 0,
  VND: 0,
  CLP: 0,
  ISK: 0,
  UGX: 0,
  XAF: 0,
  XOF: 0,
  PYG: 0,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
  LYD: 3,
  IQD: 3,
};

/** Generous ceiling (quadrillions): catches garbage long before it matters, keeps Number() safe. */
const MAX_INTEGER_DIGITS = 15;

/** Upper-cases and checks a currency code; throws `invalid-currency`. */
export function normalizeCurrency(currency: unknown): string {
  const code = typeof currency === 'string' ? currency.trim().toUpperCase() : '';
  if (!/^[A-Z]{3}$/.test(code))
    throw new MoneyError(
      'invalid-currency',
      `"${String(currency).slice(0, 20)}" is not a currency code (expected three letters like USD).`,
    );
  return code;
}

/** How many digits after the decimal point the currency uses (2 unless listed). */
export function minorUnitDigits(currency: string): number {
  return MINOR_UNIT_EXCEPTIONS[normalizeCurrency(currency)] ?? 2;
}

export interface ParseOptions {
  /** Refunds and deltas may be negative; prices and thresholds may not (the default). */
  allowNegative?: boolean;
}

/**
 * Parses a decimal string ("14", "14.5", "14.50") into minor units of `currency`.
 * Rejects anything a person or a wire format could smuggle in as a float: "1e3", "0x10",
 * "1,000", ".5", "14.", "+1", "NaN", and more decimals than the currency has.
 */
export function parseAmount(amount: unknown, currency: string, options: ParseOptions = {}): bigint {
  const digits = minorUnitDigits(currency);
  if (typeof amount !== 'string') throw new MoneyError('invalid-amount', 'An amount must be a decimal string like "14.50".');
  const text = amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match)
    throw new MoneyError(
      'invalid-amount',
      `"${text.slice(0, 30)}" is not an amount (use digits and an optional decimal point, like 14.50).`,
    );
  const [, sign = '', whole = '', fraction = ''] = match;
  if (sign && !options.allowNegative) throw new MoneyError('negative-amount', `The amount cannot be negative (got ${text}).`);
  if (fraction.length > digits) {
    throw new MoneyError(
      'too-many-decimals',
      `${normalizeCurrency(currency)} amounts have at most ${digits} decimal${digits === 1 ? '' : 's'} (got ${text}).`,
    );
  }
  if (whole.replace(/^0+/, '').length > MAX_INTEGER_DIGITS)
    throw new MoneyError('too-large', `The amount ${text.slice(0, 30)}… is too large.`);
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  return sign ? -minor : minor;
}

/** Minor units → canonical decimal string in the currency's digits ("1400" → "14.00" for USD). */
export function formatAmount(minor: bigint, currency: string): string {
  const digits = minorUnitDigits(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Builds canonical Money from minor units. */
export function fromMinor(minor: bigint, currency: string): Money {
  const code = normalizeCurrency(currency);
  return { amount: formatAmount(minor, code), currency: code };
}

/** Minor units of a Money value (validates it on the way). */
export function toMinor(money: Money, options: ParseOptions = {}): bigint {
  return parseAmount(money.amount, money.currency, options);
}

/** Validates and canonicalizes: { amount: "14.5", currency: "usd" } → { amount: "14.50", currency: "USD" }. */
export function money(amount: string, currency: string, options: ParseOptions = {}): Money {
  return fromMinor(parseAmount(amount, currency, options), currency);
}

export type MoneyCheck = { ok: true; value: Money } | { ok: false; code: MoneyErrorCode; message: string };

/** Non-throwing `money()` for validating input (forms, admin policies, wire data). */
export function checkMoney(amount: unknown, currency: unknown, options: ParseOptions = {}): MoneyCheck {
  try {
    const code = normalizeCurrency(currency);
    return { ok: true, value: fromMinor(parseAmount(amount, code, options), code) };
  } catch (error) {
    if (error instanceof MoneyError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

export function zero(currency: string): Money {
  return fromMinor(0n, currency);
}

// Every binary operation goes through here: mixing currencies is always a bug or a
// misconfiguration, never something to convert silently.
function sameCurrency(a: Money, b: Money, verb: string): string {
  const left = normalizeCurrency(a.currency);
  const right = normalizeCurrency(b.currency);
  if (left !== right)
    throw new MoneyError('currency-mismatch', `Cannot ${verb} ${left} and ${right} amounts; they are in different currencies.`);
  return left;
}

/** a + b (negatives allowed in the operands; a sum of prices stays non-negative by itself). */
export function add(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b, 'add');
  return fromMinor(toMinor(a, { allowNegative: true }) + toMinor(b, { allowNegative: true }), currency);
}

/** a − b; may go negative (for "remaining budget" style arithmetic). */
export function subtract(a: Money, b: Money): Money {
  const currency = sameCurrency(a, b, 'subtract');
  return fromMinor(toMinor(a, { allowNegative: true }) - toMinor(b, { allowNegative: true }), currency);
}

/** Sum of a list in one currency; an empty list is zero of `currency`. */
export function sum(values: readonly Money[], currency: string): Money {
  return values.reduce<Money>((total, value) => add(total, value), zero(currency));
}

/** money × a whole, non-negative count (seats, months). Exact: no rounding can occur. */
export function multiply(value: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new MoneyError('invalid-quantity', `A quantity must be a whole number of 0 or more (got ${String(quantity)}).`);
  }
  return fromMinor(toMinor(value, { allowNegative: true }) * BigInt(quantity), value.currency);
}

/** What a request costs per month: price per seat per month × seats. */
export function monthlyCost(unitPrice: Money, quantity: number): Money {
  return multiply(unitPrice, quantity);
}

/** -1, 0 or 1; throws `currency-mismatch` for different currencies. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b, 'compare');
  const left = toMinor(a, { allowNegative: true });
  const right = toMinor(b, { allowNegative: true });
  return left < right ? -1 : left > right ? 1 : 0;
}

export const isLessThan = (a: Money, b: Money): boolean => compareMoney(a, b) < 0;
export const isGreaterThan = (a: Money, b: Money): boolean => compareMoney(a, b) > 0;

/**
 * Rounds a longer decimal (a price list's "11.9950") to the currency's minor units, half away
 * from zero, the usual commercial rule. For adapters that receive more precision than we store.
 */
export function roundMoney(amount: string, currency: string): Money {
  const digits = minorUnitDigits(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new MoneyError('invalid-amount', `"${amount.slice(0, 30)}" is not an amount.`);
  const [, sign = '', whole = '', fraction = ''] = match;
  if (whole.replace(/^0+/, '').length > MAX_INTEGER_DIGITS)
    throw new MoneyError('too-large', `The amount ${amount.slice(0, 30)}… is too large.`);
  const kept = BigInt(whole + fraction.slice(0, digits).padEnd(digits, '0'));
  const roundUp = (fraction[digits] ?? '0') >= '5';
  const magnitude = roundUp ? kept + 1n : kept;
  return fromMinor(sign && magnitude !== 0n ? -magnitude : magnitude, currency);
}

/** For people: "1,234.50 USD". One format everywhere (cards, messages, audit text). */
export function formatMoney(value: Money): string {
  const amount = formatAmount(toMinor(value, { allowNegative: true }), value.currency);
  const [whole = '', fraction] = amount.replace('-', '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${amount.startsWith('-') ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`} ${normalizeCurrency(value.currency)}`;
}

/** "14.00 USD / month", for a price per seat or a request's monthly cost. */
export function formatMonthly(value: Money): string {
  return `${formatMoney(value)} / month`;
}
