// Months as billing sees them: "YYYY-MM", the first working day (statements go out then),
// and what a person may type for one ("may", "2026-05", "last month"). UTC throughout. Pure.
import { addDays, dayStartMs, periodContaining, type Day } from '../spend/periods.js';

export type Month = string;

const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export const isMonth = (value: unknown): value is Month => typeof value === 'string' && MONTH_PATTERN.test(value);
export const monthOfDay = (day: Day): Month => day.slice(0, 7);

/** [start, end) of the month. */
export function monthPeriod(month: Month): { start: Day; end: Day } {
  const period = periodContaining('month', `${month}-01`);
  return { start: period.start, end: period.end };
}

export function previousMonth(month: Month): Month {
  return monthOfDay(addDays(`${month}-01`, -1));
}

/** "June 2026". */
export function monthLabel(month: Month): string {
  return `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

/** The first Monday-to-Friday day of the month (public holidays differ by country and are not known here). */
export function firstWorkingDay(month: Month): Day {
  for (let day = `${month}-01`; ; day = addDays(day, 1)) {
    const weekday = new Date(dayStartMs(day)).getUTCDay();
    if (weekday !== 0 && weekday !== 6) return day;
  }
}

export type MonthArgument = { ok: true; month: Month } | { ok: false; message: string };

/**
 * What follows `chargeback`: nothing or "last month" (the month before `today`'s), "this
 * month", "2026-05", "may" or "may 2026" (a month name alone is the latest one that has
 * started). A month that has not started yet is refused.
 */
export function parseMonthArgument(text: string, today: Day): MonthArgument {
  const current = monthOfDay(today);
  const words = text.trim().toLowerCase().replace(/\s+/g, ' ');
  let month: Month | undefined;
  if (words === '' || words === 'last month' || words === 'last') month = previousMonth(current);
  else if (words === 'this month' || words === 'this') month = current;
  else if (isMonth(words)) month = words;
  else {
    const match = /^([a-z]+)(?: (\d{4}))?$/.exec(words);
    const index = match ? MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(match[1]!) && match[1]!.length >= 3) : -1;
    if (match && index >= 0) {
      const mm = String(index + 1).padStart(2, '0');
      if (match[2]) month = `${match[2]}-${mm}`;
      else {
        const year = Number(current.slice(0, 4));
        month = `${year}-${mm}` <= current ? `${year}-${mm}` : `${year - 1}-${mm}`;
      }
    }
  }
  if (!month)
    return {
      ok: false,
      message: `"${text.trim().slice(0, 40)}" is not a month I know. Try **chargeback**, **chargeback last month**, **chargeback may** or **chargeback 2026-05**.`,
    };
  if (month > current) return { ok: false, message: `${monthLabel(month)} has not started yet.` };
  return { ok: true, month };
}
