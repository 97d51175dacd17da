// What the license alert jobs tell admins, as plain data, and the port that delivers it
// (src/notify/admin-cards.ts posts it as cards to every admin's 1:1 chat).
import type { Money } from '../domain/money.js';
import type { RenewalWithUnusedSeats } from '../domain/reclaim.js';
import type { SeatAlert } from '../domain/seat-alerts.js';

/** One license held by someone who stopped signing in. */
export interface ReclaimRow {
  userId: string;
  displayName: string;
  userPrincipalName: string;
  /** Graph skuId of the license, and what people call it. */
  skuId: string;
  skuPartNumber: string;
  productName: string;
  neverSignedIn: boolean;
  lastSignInAt?: string;
  daysInactive?: number;
}

/** A subscription that could renew with fewer seats once the inactive people's licenses go. */
export interface ReclaimSubscription {
  subscriptionId: string;
  productName: string;
  quantity: number;
  assigned: number;
  /** Seats held by people in the report. */
  inactiveAssigned: number;
  suggestedQuantity: number;
  /** The commitment end (UTC), when Partner Center gave one. */
  renewsAt?: string;
}

/** A vendor-assigned seat (marketplace) held by an inactive person, or by an e-mail nobody in the directory has. */
export interface VendorReclaimRow {
  subscriptionId: string;
  email: string;
  productName: string;
  vendor?: string;
  inDirectory: boolean;
  displayName?: string;
  neverSignedIn: boolean;
  lastSignInAt?: string;
  daysInactive?: number;
}

export interface ReclaimReport {
  tenantId: string;
  inactiveDays: number;
  generatedAt: string;
  /** Oldest sign-in first (never signed in first of all). */
  rows: ReclaimRow[];
  /** Vendor seats (marketplace subscriptions), nobody-in-directory first; absent = none. */
  vendorRows?: VendorReclaimRow[];
  subscriptions: ReclaimSubscription[];
}

export interface RenewalAlert extends RenewalWithUnusedSeats {
  tenantId: string;
  /**
   * A month of the unused seats: at the customer's price (with its partner's margin, in partner
   * mode) and at what Partner Center charges (the cost, for the partner's eyes only); absent when
   * the catalog has no price for it.
   */
  unusedMonthly?: { price: Money; cost: Money };
}

/** A Partner Center subscription with auto-renew off, not cancelled: at its term end it moves to an Extended Service Term. */
export interface TermEndAlert {
  tenantId: string;
  id: string;
  offerName: string;
  quantity: number;
  /** The commitment end (UTC). */
  endsAt: string;
  daysLeft: number;
  upliftPercent: number;
  /** What stops the charge, in words (the cancellation window or the renewal route). */
  message: string;
}

export interface SeatChange extends SeatAlert {
  tenantId: string;
  productName: string;
}

export interface AdminAlerts {
  /** Each resolves to how many admins it reached (0: nobody has installed the bot). */
  sendReclaim(report: ReclaimReport): Promise<number>;
  sendRenewal(alert: RenewalAlert): Promise<number>;
  sendTermEnd(alert: TermEndAlert): Promise<number>;
  sendSeatChange(change: SeatChange): Promise<number>;
}

/** Product name of a license, from the catalog offers; when none sells it, said so with the part number as a clue. */
export function productNameOf(offers: readonly { skuPartNumber: string; name: string }[], skuPartNumber: string): string {
  return offers.find((o) => o.skuPartNumber.toLowerCase() === skuPartNumber.toLowerCase())?.name ?? `Unknown product (${skuPartNumber})`;
}
