import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayOf,
  daysBetween,
  daysInPeriod,
  eachDay,
  firstIncompleteDay,
  isDay,
  isDayComplete,
  monthlyQueryWindows,
  nextPeriod,
  periodContaining,
  periodIncludes,
  previousPeriod,
} from '../../../src/domain/spend/periods.js';

describe('isDay', () => {
  it('accepts real days, leap days only in leap years', () => {
    expect(isDay('2026-11-22')).toBe(true);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2000-02-29')).toBe(true); // divisible by 400
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2100-02-29')).toBe(false); // divisible by 100, not 400
    expect(isDay('2026-04-31')).toBe(false);
    expect(isDay('2026-13-01')).toBe(false);
    expect(isDay('2026-1-01')).toBe(false);
    expect(isDay('20261101')).toBe(false);
    expect(isDay(20261101)).toBe(false);
  });
});

describe('dayOf and day arithmetic (UTC)', () => {
  it('puts the last millisecond in the day and midnight in the next', () => {
    expect(dayOf(new Date('2026-11-30T23:59:59.999Z'))).toBe('2026-11-30');
    expect(dayOf(new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12-01');
  });
  it('uses UTC, not the offset in the input', () => {
    // 01:00 in Berlin on Dec 1 is still Nov 30 in UTC.
    expect(dayOf(new Date('2026-12-01T01:00:00+02:00'))).toBe('2026-11-30');
  });
  it('adds days across month, year and leap boundaries', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
  it('counts days with an exclusive end', () => {
    expect(daysBetween('2026-11-01', '2026-12-01')).toBe(30);
    expect(daysBetween('2026-11-01', '2026-11-01')).toBe(0);
    expect(daysBetween('2028-01-01', '2029-01-01')).toBe(366);
    expect(eachDay('2026-11-29', '2026-12-02')).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
  });
  it('rejects garbage', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
  });
});

describe('periodContaining', () => {
  it('builds months with exclusive ends, February by leap year', () => {
    expect(periodContaining('month', '2026-11-22')).toEqual({ kind: 'month', start: '2026-11-01', end: '2026-12-01' });
    expect(periodContaining('month', '2026-12-31')).toEqual({ kind: 'month', start: '2026-12-01', end: '2027-01-01' });
    expect(daysInPeriod(periodContaining('month', '2028-02-10'))).toBe(29);
    expect(daysInPeriod(periodContaining('month', '2027-02-10'))).toBe(28);
  });
  it('builds quarters and years', () => {
    expect(periodContaining('quarter', '2026-11-22')).toEqual({ kind: 'quarter', start: '2026-10-01', end: '2027-01-01' });
    expect(periodContaining('quarter', '2026-03-31')).toEqual({ kind: 'quarter', start: '2026-01-01', end: '2026-04-01' });
    expect(periodContaining('quarter', '2026-04-01').start).toBe('2026-04-01');
    expect(daysInPeriod(periodContaining('quarter', '2028-01-15'))).toBe(91); // leap Q1
    expect(periodContaining('year', '2026-06-01')).toEqual({ kind: 'year', start: '2026-01-01', end: '2027-01-01' });
    expect(periodContaining('day', '2026-11-30')).toEqual({ kind: 'day', start: '2026-11-30', end: '2026-12-01' });
  });
  it('steps to the next and previous period', () => {
    const november = periodContaining('month', '2026-11-05');
    expect(nextPeriod(november).start).toBe('2026-12-01');
    expect(previousPeriod(november)).toEqual({ kind: 'month', start: '2026-10-01', end: '2026-11-01' });
    expect(previousPeriod(periodContaining('quarter', '2026-01-05')).start).toBe('2025-10-01');
  });
  it('includes the start and excludes the end', () => {
    const november = periodContaining('month', '2026-11-05');
    expect(periodIncludes(november, '2026-11-01')).toBe(true);
    expect(periodIncludes(november, '2026-11-30')).toBe(true);
    expect(periodIncludes(november, '2026-12-01')).toBe(false);
    expect(periodIncludes(november, '2026-10-31')).toBe(false);
  });
});

describe('isDayComplete', () => {
  it('is complete only once the next UTC midnight has passed', () => {
    expect(isDayComplete('2026-11-21', new Date('2026-11-21T23:59:59.999Z'))).toBe(false);
    expect(isDayComplete('2026-11-21', new Date('2026-11-22T00:00:00.000Z'))).toBe(true);
    expect(isDayComplete('2026-11-22', new Date('2026-11-22T12:00:00Z'))).toBe(false);
  });
  it('never treats an AWS estimated day as complete', () => {
    expect(isDayComplete('2026-11-01', new Date('2026-11-22T12:00:00Z'), { estimated: true })).toBe(false);
  });
});

describe('firstIncompleteDay', () => {
  it('is today when nothing is estimated', () => {
    expect(firstIncompleteDay(new Date('2026-11-22T06:00:00Z'))).toBe('2026-11-22');
    expect(firstIncompleteDay(new Date('2026-11-21T23:59:59.999Z'))).toBe('2026-11-21');
  });
  it('is the earliest estimated day before today', () => {
    expect(firstIncompleteDay(new Date('2026-11-22T06:00:00Z'), ['2026-11-21', '2026-11-20'])).toBe('2026-11-20');
    expect(firstIncompleteDay(new Date('2026-11-22T06:00:00Z'), ['2026-11-23'])).toBe('2026-11-22');
  });
});

describe('monthlyQueryWindows', () => {
  it('splits at month boundaries, one month per Azure query', () => {
    expect(monthlyQueryWindows('2026-10-15', '2026-12-03')).toEqual([
      { start: '2026-10-15', end: '2026-11-01', lastDay: '2026-10-31' },
      { start: '2026-11-01', end: '2026-12-01', lastDay: '2026-11-30' },
      { start: '2026-12-01', end: '2026-12-03', lastDay: '2026-12-02' },
    ]);
  });
  it('gives one window for a whole month and none for an empty range', () => {
    expect(monthlyQueryWindows('2028-02-01', '2028-03-01')).toEqual([{ start: '2028-02-01', end: '2028-03-01', lastDay: '2028-02-29' }]);
    expect(monthlyQueryWindows('2026-11-05', '2026-11-05')).toEqual([]);
  });
  it('covers 90 days with one window per month touched, days adding up', () => {
    const windows = monthlyQueryWindows(addDays('2026-11-22', -90), '2026-11-22');
    expect(windows.map((w) => w.start)).toEqual(['2026-08-24', '2026-09-01', '2026-10-01', '2026-11-01']);
    expect(windows.reduce((n, w) => n + daysBetween(w.start, w.end), 0)).toBe(90);
  });
});
