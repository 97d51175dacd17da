// Where the product reads the calendar. Production and local mode run on the system clock;
// tests choose theirs (test/harness/clock.ts), so that no test depends on the day it runs.
// Mechanics that must agree with other processes and libraries (token lifetimes, request
// deadlines, retry waits) stay on the system clock.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** A clock `offsetMs` ahead of the system clock (negative: behind); it runs at real speed. */
export function offsetClock(offsetMs: number): Clock {
  return () => new Date(Date.now() + offsetMs);
}

/** A clock that reads `start` now and runs at real speed from there. */
export function clockStartingAt(start: Date | string): Clock {
  return offsetClock(new Date(start).getTime() - Date.now());
}
