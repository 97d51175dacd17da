// What an order says was billed, read off the wire: the vendors send prices as JSON doubles
// (Partner Center's Pricing, the marketplace's OrderLinePrice), kept here as exact money.
import { MoneyError, roundMoney } from '../domain/money.js';
import type { Price } from './ports.js';

/** Rounded once to the currency's minor unit; a negative or unreadable amount, or no currency, is no price. */
export function billedAmount(value: number | null | undefined, currency: string | null | undefined): Price | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || !currency) return undefined;
  try {
    return roundMoney(value.toFixed(6), currency);
  } catch (error) {
    if (error instanceof MoneyError) return undefined;
    throw error;
  }
}
