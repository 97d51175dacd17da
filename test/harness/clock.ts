// The suite's calendar. Tests read "now" from here, never from the machine, and the sandbox
// and the bot run on the same clock, so no test depends on the day it runs (npm run
// test:dates runs the fast tier with the machine's clock at a month boundary, a leap day and
// a year end to show it). The clock starts at a chosen instant when the test file loads and
// runs at real speed, so waits, leases and timeouts behave as usual. A test about another
// day builds its own clock with clockStartingAt.
import { clockStartingAt, type Clock } from '../../src/clock.js';

/** A Wednesday in mid-June, mid-morning UTC: no month, quarter or year edge within weeks. */
export const TEST_START = '2026-06-17T10:00:00.000Z';

export const testClock: Clock = clockStartingAt(TEST_START);

/** The test clock's reading in milliseconds (for `Date.now()`-style arithmetic). */
export const testNowMs = (): number => testClock().getTime();
