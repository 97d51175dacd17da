import { defineConfig } from 'vitest/config';

// Two tiers. `npm run test:fast` (unit + integration) is what a developer runs between edits;
// `npm test` runs both tiers. The slow tier is what needs processes, browsers, several
// instances, injected faults, or waits on purpose.
const SLOW = [
  'test/**/*.browser.test.ts',
  'test/faults/**/*.test.ts',
  'test/e2e/process.test.ts',
  'test/e2e/deploy.test.ts',
  'test/e2e/several-processes.test.ts',
  'test/e2e/several-instances.test.ts',
  'test/e2e/shutdown.test.ts',
  'test/e2e/outbox-delivery.test.ts',
  'test/e2e/licensing-faults.test.ts',
  'test/e2e/marketplace.test.ts',
  'test/e2e/marketplace-cancel.test.ts',
  'test/e2e/marketplace-duplicate-delivery.test.ts',
  'test/e2e/spend.test.ts',
  'test/services/spend-sync.test.ts',
  'test/notify/outbox.test.ts',
  'test/notify/rate-limits.test.ts',
  'test/connectors/resilience.test.ts',
];

// No storage: pure rules, views, and the connectors against the loopback emulators.
const UNIT = [
  'test/domain/**/*.test.ts',
  'test/unit/**/*.test.ts',
  'test/security/**/*.test.ts',
  'test/sandbox/**/*.test.ts',
  'test/connectors/**/*.test.ts',
  'test/language/**/*.test.ts',
  'test/*.test.ts',
];

// One Azurite (in memory, free ports) per tier that needs it; each test file uses its own tables.
const AZURITE = ['test/harness/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Two cores: files that start servers and browsers should not all run at once.
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          exclude: SLOW,
          // These files share no mutable module state: one module graph per worker saves most of the import time.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // Storage (Azurite) and the bot through the loopback connector: everything not in the other two.
          exclude: [...SLOW, ...UNIT],
          globalSetup: AZURITE,
          // Each file starts its own bot and tables; sharing the module graph saves ~3/4 of the import time.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: SLOW,
          globalSetup: AZURITE,
          // Processes and browsers are started per file; the module graph need not be (import time 137 s → 13 s).
          isolate: false,
        },
      },
    ],
  },
});
