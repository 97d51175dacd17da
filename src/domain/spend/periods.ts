// Calendar arithmetic for spend, all in UTC and all with EXCLUSIVE ends, the way FOCUS
// (ChargePeriodEnd) and AWS (TimePeriod.End) define them. Days are "YYYY-MM-DD" strings:
// they sort, compare and key table rows without any time-zone ambiguity.

export type Day = string;
export type PeriodKind = 'day' | 'month' | 'quarter' | 'year';

/** [start, end): `end` is the first day NOT in the period. */
export interface Period {
  kind: PeriodKind;
  start: Day;
  end: Day;
}

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar day: "2028-02-29" yes, "2026-02-29" and "2026-13-01" no. */
export function isDay(value: unknown): value is Day {
  if (typeof value !== 'string') return false;
  const match = DAY_PATTERN.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  // Date.UTC rolls Feb 30 into March; a round trip catches it.
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function assertDay(day: Day): void {
  if (!isDay(day)) throw new RangeError(`"${String(day).slice(0, 20)}" is not a day (expected YYYY-MM-DD).`);
}

/** Midnight UTC at the start of `day`, in epoch milliseconds. */
export function dayStartMs(day: Day): number {
  assertDay(day);
  return Date.parse(`${day}T00:00:00Z`);
}

/** The UTC day an instant falls on: 23:59:59.999Z is still that day, 00:00Z is the next. */
export function dayOf(instant: Date | number): Day {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('Not a valid instant.');
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: Day, count: number): Day {
  return dayOf(dayStartMs(day) + count * DAY_MS);
}

/** Whole days from `start` (inclusive) to `end` (exclusive); negative when end < start. */
export function daysBetween(start: Day, end: Day): number {
  return Math.round((dayStartMs(end) - dayStartMs(start)) / DAY_MS);
}

/** Every day of [start, end). */
export function eachDay(start: Day, end: Day): Day[] {
  const days: Day[] = [];
  for (let day = start; day < end; day = addDays(day, 1)) days.push(day);
  return days;
}

function ymd(year: number, monthIndex: number, day = 1): Day {
  return dayOf(Date.UTC(year, monthIndex, day));
}

/** The period of `kind` that contains `day`. */
export function periodContaining(kind: PeriodKind, day: Day): Period {
  assertDay(day);
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7)) - 1;
  switch (kind) {
    case 'day':
      return { kind, start: day, end: addDays(day, 1) };
    case 'month':
      return { kind, start: ymd(year, month), end: ymd(year, month + 1) };
    case 'quarter': {
      const first = month - (month % 3);
      return { kind, start: ymd(year, first), end: ymd(year, first + 3) };
    }
    case 'year':
      return { kind, start: ymd(year, 0), end: ymd(year + 1, 0) };
  }
}

export function nextPeriod(period: Period): Period {
  return periodContaining(period.kind, period.end);
}

export function previousPeriod(period: Period): Period {
  return periodContaining(period.kind, addDays(period.start, -1));
}

export function daysInPeriod(period: Period): number {
  return daysBetween(period.start, period.end);
}

export function periodIncludes(period: Period, day: Day): boolean {
  return day >= period.start && day < period.end;
}

export interface CompletenessOptions {
  /** AWS marks days whose figures may still change as Estimated; those are never complete. */
  estimated?: boolean;
}

/**
 * A day is complete once it has fully ended (now ≥ next midnight UTC) and the provider
 * does not call it an estimate. Only complete days feed forecasts and alerts: the last day
 * is usually partial, and alerting on it is the classic false alarm.
 */
export function isDayComplete(day: Day, now: Date | number, options: CompletenessOptions = {}): boolean {
  if (options.estimated) return false;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  return nowMs >= dayStartMs(addDays(day, 1));
}

/** One Cost Management query window: Azure bills one QPU per month queried, so one month each. */
export interface QueryWindow {
  start: Day;
  /** Exclusive; pass as-is to AWS `TimePeriod.End`. */
  end: Day;
  /** Inclusive last day, for Azure `timePeriod.to`, which is inclusive. */
  lastDay: Day;
}

/** Splits [start, end) at month boundaries: 15 Oct → 3 Dec gives Oct 15–31, Nov, Dec 1–2. */
export function monthlyQueryWindows(start: Day, end: Day): QueryWindow[] {
  assertDay(start);
  assertDay(end);
  const windows: QueryWindow[] = [];
  for (let from = start; from < end;) {
    const monthEnd = periodContaining('month', from).end;
    const to = monthEnd < end ? monthEnd : end;
    windows.push({ start: from, end: to, lastDay: addDays(to, -1) });
    from = to;
  }
  return windows;
}

/**
 * The first day that is NOT complete, given the clock and the days a provider still marks
 * as estimates: days before it are complete, it and everything after are not. Completeness
 * is a prefix on purpose: a final day after an estimated one would leave a hole in the run-rate.
 */
export function firstIncompleteDay(now: Date | number, estimatedDays: Iterable<Day> = []): Day {
  let first = dayOf(now); // today has not ended yet
  for (const day of estimatedDays) if (day < first) first = day;
  return first;
}
