// How subscriptions look on cards: the list, one subscription with its actions, and the
// confirmation of a change. Data only; the layout is in cards/subscription-*.json.
import type { Alternative } from '../domain/commitment.js';
import { termEndText } from '../domain/extended-service-term.js';
import { formatMoney } from '../domain/money.js';
import { describeChange, type SubscriptionAction, type SubscriptionChange } from '../domain/subscription-change.js';
import type { SubscriptionView } from '../services/subscriptions.js';
import type { CardData } from './cards.js';

const utcTime = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const seatsText = (n: number): string => `${n} seat${n === 1 ? '' : 's'}`;

// Active needs no colour (light green text fails contrast on a white card); problems are red.
const STATUS: Record<SubscriptionView['status'], { label: string; color: 'Good' | 'Attention' | 'Default' }> = {
  active: { label: 'Active', color: 'Default' },
  suspended: { label: 'Suspended', color: 'Attention' },
  deleted: { label: 'Cancelled', color: 'Default' },
  expired: { label: 'Expired', color: 'Default' },
  disabled: { label: 'Disabled', color: 'Attention' },
  pending: { label: 'Pending: Partner Center is still setting it up', color: 'Attention' },
  none: { label: 'No status from Partner Center', color: 'Default' },
};

export function seatsLine(view: SubscriptionView): string {
  if (view.assigned === undefined) return `${view.bought} bought (assignments unknown: the license is not in Microsoft 365 yet)`;
  return `${view.bought} bought · ${view.assigned} assigned · ${view.free ?? 0} free`;
}

export function termLine(view: SubscriptionView): string {
  const term = view.termDuration === 'P1Y' ? '1-year term' : 'Monthly term';
  const billing =
    view.billingCycle === 'annual' ? 'billed annually' : view.billingCycle === 'monthly' ? 'billed monthly' : `billed ${view.billingCycle}`;
  return `${term}, ${billing}`;
}

export function renewalLine(view: SubscriptionView): string {
  const day = view.commitmentEndDate.slice(0, 10);
  // Partner Center since May 2026: auto-renew off no longer ends it (Extended Service Term).
  if (!view.autoRenewEnabled) return termEndText(view.termEnd, view.commitmentEndDate);
  const scheduled = view.scheduledQuantity !== undefined ? `, with ${seatsText(view.scheduledQuantity)} (scheduled)` : '';
  return `Renews ${day}${scheduled} (auto-renew on)`;
}

export function removableLine(view: SubscriptionView): string {
  if (view.status !== 'active') return 'None while not active';
  const mkt = view.marketplace;
  if (mkt) {
    if (!mkt.downsizeOnlyAtAnniversary || !mkt.downsize) return `Unassigned seats (${view.free ?? 0}), by a Change order`;
    return mkt.downsize.open
      ? `Unassigned seats (${view.free ?? 0}), until ${mkt.downsize.closesAt.slice(0, 10)} (anniversary window)`
      : `Only within 14 days after ${mkt.downsize.opensAt.slice(0, 10)} (${mkt.vendor} rule)`;
  }
  if (view.removable.seats === 0) return 'None now: the 7-day window has closed. Reduce at renewal instead.';
  // Only unassigned seats can go: seats in the window that people hold are not removable until unassigned.
  const seats = removableNow(view);
  if (seats === 0)
    return `None now: ${seatsText(view.removable.seats)} still in the 7-day window, but every seat is assigned. Unassign a license first, or reduce at renewal.`;
  const upTo = view.removable.exact ? '' : 'up to ';
  const held = view.removable.seats > seats ? ` (${view.removable.seats - seats} more in the window are assigned)` : '';
  return `${upTo}${seatsText(seats)}, until ${utcTime(view.removable.until ?? view.commitmentEndDate)}${held}`;
}

/** Seats that can be removed now: in the refund window (Partner Center) or the vendor's, and unassigned. */
function removableNow(view: SubscriptionView): number {
  if (view.status !== 'active') return 0;
  const free = view.free ?? 0;
  const mkt = view.marketplace;
  if (mkt) return !mkt.downsizeOnlyAtAnniversary || !mkt.downsize || mkt.downsize.open ? free : 0;
  return Math.min(view.removable.seats, free);
}

/** A marketplace subscription under an anniversary rule can end only inside the window; others (and Partner Center) at any time the rules allow. */
function marketplaceCancelOpen(view: SubscriptionView): boolean {
  const mkt = view.marketplace;
  return !mkt || !mkt.downsizeOnlyAtAnniversary || !mkt.downsize || mkt.downsize.open;
}

/** When a marketplace subscription can be cancelled (Termination order), for the detail card. */
export function cancelLine(view: SubscriptionView): string | undefined {
  const mkt = view.marketplace;
  if (!mkt) return undefined;
  if (!mkt.downsizeOnlyAtAnniversary || !mkt.downsize) return 'Possible now, by a Termination order';
  return mkt.downsize.open
    ? `Possible until ${mkt.downsize.closesAt.slice(0, 10)} (anniversary window), by a Termination order`
    : `Only within 14 days after ${mkt.downsize.opensAt.slice(0, 10)} (${mkt.vendor} rule)`;
}

function factsOf(view: SubscriptionView, removableTitle: string): { title: string; value: string }[] {
  return [
    { title: 'Seats', value: seatsLine(view) },
    ...(view.marketplace ? [{ title: 'Sold by', value: `${view.marketplace.vendor}, through the Marketplace` }] : []),
    { title: 'Term', value: termLine(view) },
    { title: 'Renewal', value: renewalLine(view) },
    { title: removableTitle, value: removableLine(view) },
  ];
}

export function subscriptionListData(
  views: readonly SubscriptionView[],
  page: number,
  pageSize: number,
  filter: string,
): CardData['subscription-list'] {
  const pages = Math.max(1, Math.ceil(views.length / pageSize));
  const current = Math.min(Math.max(0, page), pages - 1);
  const shown = views.slice(current * pageSize, (current + 1) * pageSize);
  const matching = filter ? ` matching "${filter}"` : '';
  return {
    subtitle:
      views.length === 0 ? '' : `${views.length} subscription${views.length === 1 ? '' : 's'}${matching} · page ${current + 1} of ${pages}`,
    emptyText: filter ? `No subscription matches "${filter}".` : 'No active or suspended subscriptions.',
    filter,
    items: shown.map((view) => ({
      subscriptionId: view.id,
      heading: view.productName,
      statusLabel: STATUS[view.status].label,
      statusColor: STATUS[view.status].color,
      facts: factsOf(view, 'Removable'),
    })),
    hasPrevious: current > 0,
    hasNext: current < pages - 1,
    previousPage: current - 1,
    nextPage: current + 1,
  };
}

const ALTERNATIVE_TITLES: Record<Alternative, string> = {
  'reduce-at-renewal': 'Reduce at renewal',
  'turn-off-auto-renew': 'Turn off auto-renew',
};

export interface DetailNote {
  text: string;
  /** Attention for refusals and stale cards; Default for information. */
  color: 'Default' | 'Attention' | 'Good';
  alternatives?: Alternative[];
}

export function subscriptionDetailData(view: SubscriptionView, note?: DetailNote): CardData['subscription-detail'] {
  const active = view.status === 'active';
  const suggested = Math.max(1, view.bought - (view.free ?? 0));
  const canScheduleAtRenewal = active && !view.marketplace;
  const canTurnOffAutoRenew = active && view.autoRenewEnabled;
  // An alternative the card already offers as an action is not offered twice.
  const alternatives = (note?.alternatives ?? [])
    .filter((a) => !(a === 'reduce-at-renewal' ? canScheduleAtRenewal : canTurnOffAutoRenew))
    .map((alternative) => ({
      title: ALTERNATIVE_TITLES[alternative],
      action: alternative === 'turn-off-auto-renew' ? 'auto-renew-off' : 'reduce-at-renewal',
      needsSeats: alternative === 'reduce-at-renewal',
    }));
  return {
    subscriptionId: view.id,
    title: view.productName,
    statusLabel: STATUS[view.status].label,
    statusColor: STATUS[view.status].color,
    facts: [
      ...factsOf(view, 'Removable now'),
      ...(view.unitPrice ? [{ title: 'Price', value: `${formatMoney(view.unitPrice)} per seat per month` }] : []),
      ...(active && cancelLine(view) ? [{ title: 'Cancel', value: cancelLine(view)! }] : []),
      { title: 'Subscription', value: view.id },
    ],
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    alternatives,
    suggestedSeats: suggested,
    // Every action is offered while it can apply; the rules are explained when one is tried.
    canChangeSeats: active,
    // No dead end: Remove seats only while some can go (the Removable fact says why not).
    canRemoveSeats: removableNow(view) > 0,
    // Marketplace subscriptions have no suspend or renewal schedules; cancel is a Termination
    // order, offered while the vendor allows it (otherwise the Cancel fact says when).
    canSuspend: active && !view.marketplace,
    canReactivate: view.status === 'suspended',
    canCancel: active && marketplaceCancelOpen(view),
    canTurnOnAutoRenew: active && !view.autoRenewEnabled,
    canTurnOffAutoRenew,
    hasScheduledChange: active && view.scheduledQuantity !== undefined && !view.marketplace,
    canScheduleAtRenewal,
  };
}

const CONFIRM_TITLES: Record<SubscriptionAction, string> = {
  'add-seats': 'Add seats',
  'remove-seats': 'Remove seats',
  'reduce-at-renewal': 'Reduce at renewal',
  'cancel-scheduled-change': 'Drop the scheduled change',
  suspend: 'Suspend',
  reactivate: 'Reactivate',
  cancel: 'Cancel subscription',
  'auto-renew-on': 'Turn on auto-renew',
  'auto-renew-off': 'Turn off auto-renew',
};

export function subscriptionConfirmData(
  view: SubscriptionView,
  change: SubscriptionChange,
  summary: string,
  confirmationId: string,
  costDelta?: string,
  account?: string,
): CardData['subscription-confirm'] {
  return {
    subscriptionId: view.id,
    title: `${describeChange(change)}: ${view.productName}`,
    summary,
    facts: [
      { title: 'Seats now', value: seatsLine(view) },
      { title: 'Renewal', value: renewalLine(view) },
      ...(costDelta ? [{ title: 'Cost', value: `+${costDelta} per month` }] : []),
      ...(account ? [{ title: 'Account', value: account }] : []),
    ],
    confirmTitle: CONFIRM_TITLES[change.action],
    destructive: change.action === 'cancel' || change.action === 'suspend' || change.action === 'remove-seats',
    action: change.action,
    seats: change.seats ?? 0,
    version: view.version,
    confirmationId,
  };
}
