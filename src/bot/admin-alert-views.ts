// What the reclaim, renewal and seat alert cards show: plain data from the services turned
// into the data their templates bind (cards/reclaim*.json, renewal-alert.json, seat-alert.json).
import { formatMonthly } from '../domain/money.js';
import { md } from '../domain/plain-text.js';
import type { Text } from './cards.js';
import type { ReclaimReport, ReclaimRow, RenewalAlert, SeatChange, TermEndAlert, VendorReclaimRow } from '../services/admin-alerts.js';
import type { SeatState } from '../domain/seat-alerts.js';

/** Rows a reclaim card shows at most: Teams cards are limited in size, and long lists are not read. */
export const MAX_RECLAIM_ROWS = 12;

type Color = 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';

export interface ReclaimCardData {
  title: string;
  subtitle: string;
  note: string;
  noteColor: Color;
  emptyText: string;
  rows: { userId: string; skuId: string; heading: string; productName: string; lastSignIn: string }[];
  /** Vendor seats (marketplace): removed by taking the e-mail off the subscription. */
  vendorRows: { subscriptionId: string; email: string; heading: string; productName: string; vendor: string; lastSignIn: string }[];
  moreText: string;
  subscriptions: { subscriptionId: string; text: Text; suggestedQuantity: number }[];
}

export interface ReclaimConfirmCardData {
  userId: string;
  skuId: string;
  displayName: string;
  userPrincipalName: string;
  productName: string;
  /** A vendor seat (marketplace): confirm sends subscriptionId + email instead of userId + skuId. */
  vendorSeat: boolean;
  subscriptionId: string;
  email: string;
}

export interface RenewalAlertCardData {
  /** The customer, on the copy a partner's alert channel gets (partner mode); empty for the tenant's own admins. */
  customer: string;
  title: string;
  message: string;
  productName: string;
  renewsOn: string;
  seats: string;
  unused: string;
  /** A month of the unused seats: the price for the customer's admins, cost and price on the partner's copy; empty when unpriced. */
  unusedMonthly: string;
  subscriptionId: string;
  suggestedQuantity: number;
  reduceTitle: string;
}

export interface SeatAlertCardData {
  /** The customer, on the copy a partner's alert channel gets (partner mode); empty for the tenant's own admins. */
  customer: string;
  title: string;
  color: Color;
  message: string;
  productName: string;
  seats: string;
  before: string;
}

const day = (iso: string) => iso.slice(0, 10);

export function lastSignInText(row: Pick<ReclaimRow, 'neverSignedIn' | 'lastSignInAt' | 'daysInactive'>): string {
  if (row.neverSignedIn || !row.lastSignInAt) return 'never';
  return `${day(row.lastSignInAt)} (${row.daysInactive ?? '?'} days ago)`;
}

/** A vendor seat's "last sign-in": nobody in the directory has the e-mail, or as for a license. */
export function vendorSignInText(row: VendorReclaimRow): string {
  return row.inDirectory ? lastSignInText(row) : 'not in your directory (the seat holder left, or never existed)';
}

export function reclaimCardData(report: ReclaimReport, note?: { text: string; color?: Color }): ReclaimCardData {
  const shown = report.rows.slice(0, MAX_RECLAIM_ROWS);
  const vendorAll = report.vendorRows ?? [];
  const vendorShown = vendorAll.slice(0, Math.max(0, MAX_RECLAIM_ROWS - shown.length));
  const hidden = report.rows.length - shown.length + vendorAll.length - vendorShown.length;
  return {
    title: 'Licenses to reclaim',
    subtitle: `People with a license who have not signed in for ${report.inactiveDays} days or more (as of ${day(report.generatedAt)}). Removing a license frees the seat for someone else; it does not lower the bill until the subscription has fewer seats.`,
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    emptyText: `Nobody with a license has gone ${report.inactiveDays} days without signing in. Nothing to reclaim.`,
    rows: shown.map((row) => ({
      userId: row.userId,
      skuId: row.skuId,
      heading: `${row.displayName || row.userPrincipalName} (${row.userPrincipalName})`,
      productName: row.productName,
      lastSignIn: lastSignInText(row),
    })),
    vendorRows: vendorShown.map((row) => ({
      subscriptionId: row.subscriptionId,
      email: row.email,
      heading: row.inDirectory && row.displayName ? `${row.displayName} (${row.email})` : row.email,
      productName: row.productName,
      vendor: row.vendor ?? 'Marketplace',
      lastSignIn: vendorSignInText(row),
    })),
    moreText: hidden > 0 ? `...and ${hidden} more license${hidden === 1 ? '' : 's'}. Remove some above and the next ones appear here.` : '',
    subscriptions: report.subscriptions.map((s) => ({
      subscriptionId: s.subscriptionId,
      suggestedQuantity: s.suggestedQuantity,
      text: md`**${s.productName}**: ${s.quantity} seats, ${s.assigned} assigned, ${s.inactiveAssigned} of them to people listed here. ${s.renewsAt ? `At its renewal on ${day(s.renewsAt)} it` : 'At renewal it'} could go down to ${s.suggestedQuantity} seat${s.suggestedQuantity === 1 ? '' : 's'}.`,
    })),
  };
}

/** The customer's admins see their price; the partner's copy shows what Partner Center charges first, the price beside it. */
function unusedMonthlyText(alert: RenewalAlert, forPartner: boolean): string {
  if (!alert.unusedMonthly) return '';
  const price = formatMonthly(alert.unusedMonthly.price);
  return forPartner ? `cost ${formatMonthly(alert.unusedMonthly.cost)}, price ${price}` : price;
}

export function renewalAlertCardData(alert: RenewalAlert, customer = ''): RenewalAlertCardData {
  return {
    customer,
    title: `${alert.offerName} renews ${alert.daysUntilRenewal === 1 ? 'within a day' : `in ${alert.daysUntilRenewal} days`} with unused seats`,
    message: alert.message,
    productName: alert.offerName,
    renewsOn: day(alert.renewsAt),
    seats: String(alert.quantity),
    unused: String(alert.free),
    unusedMonthly: unusedMonthlyText(alert, customer !== ''),
    subscriptionId: alert.id,
    suggestedQuantity: alert.suggestedQuantity,
    reduceTitle: `Reduce to ${alert.suggestedQuantity} at renewal`,
  };
}

export interface TermEndAlertCardData {
  /** The customer, on the copy a partner's alert channel gets (partner mode); empty for the tenant's own admins. */
  customer: string;
  title: string;
  productName: string;
  endsOn: string;
  seats: string;
  termEnd: string;
  message: string;
  subscriptionId: string;
}

export function termEndAlertCardData(alert: TermEndAlert, customer = ''): TermEndAlertCardData {
  const when = alert.daysLeft === 1 ? 'within a day' : `in ${alert.daysLeft} days`;
  return {
    customer,
    title: `${alert.offerName} does not end ${when}: it will keep being billed`,
    productName: alert.offerName,
    endsOn: day(alert.endsAt),
    seats: String(alert.quantity),
    termEnd: `Auto-renew is off and it is not cancelled, so Partner Center moves it to a month-to-month Extended Service Term at +${alert.upliftPercent} %`,
    message: alert.message,
    subscriptionId: alert.id,
  };
}

const SEAT_TITLES: Record<SeatState, { title: string; color: Color; label: string }> = {
  suspended: { title: 'Suspended', color: 'Attention', label: 'suspended' },
  warning: { title: 'In its grace period', color: 'Warning', label: 'warning (grace period)' },
  exhausted: { title: 'No free seats', color: 'Attention', label: 'no free seats' },
  low: { title: 'Seats running low', color: 'Warning', label: 'running low' },
  ok: { title: 'Back to normal', color: 'Good', label: 'normal' },
};

export function seatAlertCardData(change: SeatChange, customer = ''): SeatAlertCardData {
  const { title, color } = SEAT_TITLES[change.state];
  // The domain's message names the license by part number; admins know it by product name.
  const message = change.message.startsWith(change.skuPartNumber)
    ? `${change.productName}${change.message.slice(change.skuPartNumber.length)}`
    : change.message;
  return {
    customer,
    title: `${title}: ${change.productName}`,
    color,
    message,
    productName: change.productName === change.skuPartNumber ? change.productName : `${change.productName} (${change.skuPartNumber})`,
    seats: seatsText(change.enabled, change.enabled - change.free),
    before: change.previous ? SEAT_TITLES[change.previous].label : 'first check',
  };
}

/** "18 of 20 assigned, 2 free"; with no usable seat (suspended, expired) "3 assigned, no usable seat". */
function seatsText(enabled: number, assigned: number): string {
  if (enabled <= 0) return `${assigned} assigned, no usable seat`;
  return `${assigned} of ${enabled} assigned, ${Math.max(0, enabled - assigned)} free`;
}
