// Seat alerts: classify each subscribed SKU (Graph subscribedSkus) and decide which changes
// are worth a card. Pure: the caller keeps the last state per SKU and passes it back in, so
// admins get one card per change of state, not one every sync. (No dedupe key here: the same
// change can rightly happen twice, low → ok → low, so the remembered state is the dedupe.)

export type SeatState = 'ok' | 'low' | 'exhausted' | 'warning' | 'suspended';

export interface SkuSeats {
  skuPartNumber: string;
  capabilityStatus: 'Enabled' | 'Suspended' | 'LockedOut' | 'Warning' | 'Deleted';
  /** prepaidUnits.enabled */
  enabledUnits: number;
  consumedUnits: number;
}

export interface SeatThresholds {
  /** Low when free seats are below this percentage of enabled seats. */
  percent: number;
  /** Low when free seats are below this many, whatever the percentage. */
  seats: number;
}

export const DEFAULT_SEAT_THRESHOLDS: SeatThresholds = { percent: 10, seats: 2 };

/** Free seats as Graph defines them: enabled minus consumed (negative when over-assigned). */
export function freeSeats(sku: Pick<SkuSeats, 'enabledUnits' | 'consumedUnits'>): number {
  return sku.enabledUnits - sku.consumedUnits;
}

/**
 * The state of one SKU, most serious first:
 * - `suspended`: capabilityStatus Suspended or LockedOut (users are losing or have lost access);
 * - `warning`: capabilityStatus Warning (expired, in its grace period);
 * - `exhausted`: no free seat (free ≤ 0), so the next assignment fails (60012);
 * - `low`: fewer free seats than the threshold, i.e. free < `seats` OR free < `percent` % of
 *   enabled (whichever is larger wins). Defaults: 100 enabled is low at 9 free, 10 enabled at 1.
 * - `ok` otherwise.
 */
export function seatState(sku: SkuSeats, thresholds: SeatThresholds = DEFAULT_SEAT_THRESHOLDS): SeatState {
  if (sku.capabilityStatus === 'Suspended' || sku.capabilityStatus === 'LockedOut') return 'suspended';
  if (sku.capabilityStatus === 'Warning') return 'warning';
  const free = freeSeats(sku);
  if (free <= 0) return 'exhausted';
  // Integer comparison (free × 100 < percent × enabled) so 10 % of 30 is not a float question.
  if (free < thresholds.seats || free * 100 < thresholds.percent * sku.enabledUnits) return 'low';
  return 'ok';
}

export interface SeatAlert {
  skuPartNumber: string;
  kind: 'alert' | 'recovered';
  state: SeatState;
  /** Undefined the first time the SKU is seen. */
  previous?: SeatState;
  free: number;
  enabled: number;
  message: string;
}

export interface SeatAlertOptions {
  thresholds?: SeatThresholds;
  /** Also send a notice when a SKU goes back to ok. Default true, to close the earlier card. */
  recovered?: boolean;
}

function message(sku: SkuSeats, state: SeatState, free: number): string {
  const name = sku.skuPartNumber;
  switch (state) {
    case 'suspended':
      return `${name} is ${sku.capabilityStatus === 'LockedOut' ? 'locked out' : 'suspended'}: people assigned to it are losing access. Check the subscription's billing and status.`;
    case 'warning':
      return `${name} has expired and is in its grace period. Renew it or people will lose access.`;
    case 'exhausted':
      return free < 0
        ? `${name} has no free seats: ${-free} more assigned than owned (${sku.consumedUnits} of ${sku.enabledUnits}). Add seats or remove licenses.`
        : `${name} has no free seats (${sku.consumedUnits} of ${sku.enabledUnits} assigned). New assignments will fail until seats are added or reclaimed.`;
    case 'low':
      return `${name} is running low: ${free} of ${sku.enabledUnits} seat${sku.enabledUnits === 1 ? '' : 's'} free.`;
    case 'ok':
      return `${name} is back to normal: ${free} of ${sku.enabledUnits} seat${sku.enabledUnits === 1 ? '' : 's'} free.`;
  }
}

/**
 * The alerts to send for this sync and the states to remember for the next. An alert goes out
 * only when a SKU's state changed to a non-ok state (a SKU seen for the first time counts as
 * coming from ok), and a recovered notice when it changed back to ok. SKUs missing from
 * `current` drop out of the returned states, so if they come back they are judged afresh.
 */
export function seatAlertsToSend(
  previous: Readonly<Record<string, SeatState>>,
  current: readonly SkuSeats[],
  options: SeatAlertOptions = {},
): { alerts: SeatAlert[]; states: Record<string, SeatState> } {
  const thresholds = options.thresholds ?? DEFAULT_SEAT_THRESHOLDS;
  const sendRecovered = options.recovered ?? true;
  const alerts: SeatAlert[] = [];
  const states: Record<string, SeatState> = {};
  // A Deleted SKU (its subscription ended) has no seats to watch: like an absent one.
  for (const sku of current.filter((s) => s.capabilityStatus !== 'Deleted')) {
    const state = seatState(sku, thresholds);
    states[sku.skuPartNumber] = state;
    const before = Object.hasOwn(previous, sku.skuPartNumber) ? previous[sku.skuPartNumber] : undefined;
    if (state === (before ?? 'ok')) continue;
    if (state === 'ok' && !sendRecovered) continue;
    const free = freeSeats(sku);
    alerts.push({
      skuPartNumber: sku.skuPartNumber,
      kind: state === 'ok' ? 'recovered' : 'alert',
      state,
      ...(before ? { previous: before } : {}),
      free,
      enabled: sku.enabledUnits,
      message: message(sku, state, free),
    });
  }
  return { alerts, states };
}
