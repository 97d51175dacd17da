// How test instances start: short timings, so a test watches a retry or another instance's
// take-over within a second or two; only the scheduled jobs tests never run by hand stay on
// the clock (the others run with a chosen `now`); and one secret key for the whole test
// process (instances sharing storage open each other's secrets). No vitest import: the
// instance processes of test/e2e load this too.
import type { StartOptions } from '../../src/index.js';
import { generateKeyText, parseKeyring } from '../../src/security/secret-box.js';

export const TEST_START_OPTIONS = {
  timings: {
    queueIdlePollMs: 100,
    heartbeatMs: 1000,
    outbox: { inlineHeadStartSeconds: 1, busyRetrySeconds: 1, visibilitySeconds: 10, claimMs: 25_000, idlePollMs: 100 },
    marketplace: { followUpSeconds: 1, orderWaitMs: 2000 },
  },
  scheduledJobs: ['request-reminders', 'consent-state-purge'],
} satisfies StartOptions;

/** This test process's key for sealing connection secrets. */
export const TEST_SECRET_KEYS = parseKeyring(`test:${generateKeyText()}`);
