// A partner's margin on what Partner Center charges (Elements' "customize prices"): a percent
// per reseller and per customer, the customer's winning over its reseller's. The percent is an
// exact decimal ("12.5"), and the price is the cost times (100 + percent) / 100, rounded once to
// the currency's minor unit (half away from zero), so no float ever touches a price. Pure.
import { decimalToMoney, formatDecimal, moneyToDecimal, multiplyDecimals, parseDecimal, type Decimal } from './decimal.js';
import type { Money } from './money.js';

/** A margin above this is a typing mistake, not a price policy. */
export const MAX_MARGIN_PERCENT = 1000;
const PERCENT = /^\d{1,4}(\.\d{1,2})?$/;

export type MarginCheck = { ok: true; percent: string | undefined } | { ok: false; message: string };

/**
 * What an admin typed in a margin field: "15", "12.5", "0" (sold at cost); empty removes the
 * margin. Canonical text ("12.50" → "12.5") is what is stored.
 */
export function parseMarginPercent(typed: unknown): MarginCheck {
  const text = typeof typed === 'string' ? typed.trim().replace(/\s*%$/, '') : '';
  if (text === '') return { ok: true, percent: undefined };
  if (!PERCENT.test(text))
    return {
      ok: false,
      message: `"${text.slice(0, 20)}" is not a percent: type a number such as 15 or 12.5 (at most 2 decimals), or leave it empty for none.`,
    };
  const value = parseDecimal(text);
  if (value.units > BigInt(MAX_MARGIN_PERCENT) * 10n ** BigInt(value.scale))
    return { ok: false, message: `A margin above ${MAX_MARGIN_PERCENT} % is not accepted (got ${text} %).` };
  return { ok: true, percent: formatDecimal(value) };
}

/** The cost with the margin on top: 14.00 USD at 12.5 % → 15.75 USD. */
export function withMargin(cost: Money, percent: string): Money {
  const factor: Decimal = parseDecimal(percent);
  // cost × (100 + p) / 100, exactly: the /100 is two more digits of scale.
  const hundredPlus = { units: factor.units + 100n * 10n ** BigInt(factor.scale), scale: factor.scale + 2 };
  return decimalToMoney(multiplyDecimals(moneyToDecimal(cost), hundredPlus), cost.currency);
}

/** Which margin applies to a customer: its own, else its reseller's, else none. */
export function effectiveMargin(margins: {
  customer?: string | undefined;
  reseller?: string | undefined;
}): { percent: string; from: 'customer' | 'reseller' } | undefined {
  if (margins.customer !== undefined) return { percent: margins.customer, from: 'customer' };
  if (margins.reseller !== undefined) return { percent: margins.reseller, from: 'reseller' };
  return undefined;
}

/** "12.5 %", or "none" for a margin not set. */
export function describeMargin(percent: string | undefined): string {
  return percent === undefined ? 'none' : `${percent} %`;
}
