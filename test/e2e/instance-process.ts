// One Quartermaster instance as its own OS process, for test/e2e/several-processes.test.ts:
// the test passes the whole configuration and the loopback emulators' endpoints (which the
// test process runs, so that every instance buys from the same Partner Center) in
// QM_INSTANCE as JSON. Prints "READY <url>" once it listens; SIGTERM stops it gracefully.
import { clockStartingAt } from '../../src/clock.js';
import { createConnectors, type SandboxEndpoints } from '../../src/connectors/index.js';
import { startQuartermaster, type ResolvedConfig } from '../../src/index.js';
import { createLogger } from '../../src/logger.js';
import { TEST_SECRET_KEYS, TEST_START_OPTIONS } from '../harness/start-options.js';

const { config, sandbox, instanceName, clockAt } = JSON.parse(process.env.QM_INSTANCE ?? '{}') as {
  config: ResolvedConfig;
  sandbox: SandboxEndpoints;
  instanceName: string;
  /** The test's clock reading when it started this process: every process shares the test's calendar. */
  clockAt: string;
};
if (!clockAt) throw new Error('QM_INSTANCE.clockAt is missing: pass the test clock reading (testClock().toISOString())');
const clock = clockStartingAt(clockAt);
const log = createLogger(config.logLevel);
const connectors = createConnectors({ mode: 'sandbox', sandbox, retry: { minDelayMs: 20, maxDelayMs: 200 }, clock }, log);
// The keys do not travel in QM_INSTANCE (a keyring serialises without its key bytes): each process has its own.
const qm = await startQuartermaster({ ...config, secretKeys: TEST_SECRET_KEYS }, log, {
  ...TEST_START_OPTIONS,
  connectors,
  instanceName,
  clock,
});
console.log(`READY ${qm.url}`);
process.once('SIGTERM', () => {
  void qm.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
