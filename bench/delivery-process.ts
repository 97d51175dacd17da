// One instance of the delivery engine (the outbox's queue worker, ledger and rate limiter) in
// a process of its own, as each production instance is: the fan-out is measured with one and
// with three of them sharing the run's queue and tables. Each instance counts the others
// through the real heartbeat registry and works the notifications queues it owns.
import pino from 'pino';
import { createAdapter } from '../src/bot/app.js';
import { createLogger } from '../src/logger.js';
import { createDelivery, NOTIFICATION_QUEUES } from '../src/notify/delivery.js';
import { ConversationReferences } from '../src/storage/conversation-references.js';
import { InstanceRegistry } from '../src/storage/instances.js';
import { TableStore } from '../src/storage/table-store.js';
import { childSettings, runIfEntry, serveAsChild, startBenchChild, type BenchChild } from './child.js';

export interface DeliverySettings {
  connectionString: string;
  tablePrefix: string;
  instanceName: string;
  /** Instances the bench starts: this one waits until it sees them all before saying it is ready. */
  instances: number;
  loops: number;
}

export function startDeliveryProcess(settings: DeliverySettings): Promise<BenchChild<{ instance: string; live: number }>> {
  return startBenchChild(`delivery ${settings.instanceName}`, 'delivery-process.ts', settings, 120_000);
}

async function serve(): Promise<void> {
  const settings = childSettings<DeliverySettings>();
  const storage = { kind: 'connection-string' as const, connectionString: settings.connectionString };
  // BENCH_DELIVERY_LOG=<path prefix>: each instance's info log in <prefix>-<instance>.log (where did the time go).
  const logTo = process.env.BENCH_DELIVERY_LOG;
  const log = logTo ? createLogger('info', pino.destination(`${logTo}-${settings.instanceName}.log`)) : createLogger('silent');
  const store = new TableStore(storage, settings.tablePrefix);
  await store.ensureTables();
  const registry = new InstanceRegistry(store, settings.instanceName, { shared: NOTIFICATION_QUEUES });
  // Everyone knows everyone, and who sends to which tenant has settled, before the fan-outs.
  while ((await registry.heartbeat()) < settings.instances) await new Promise((resolve) => setTimeout(resolve, 100));
  registry.start((error) => log.warn({ err: error }, 'heartbeat failed'));
  while (!registry.settled()) await new Promise((resolve) => setTimeout(resolve, 100));
  const delivery = createDelivery({
    store,
    storage,
    tablePrefix: settings.tablePrefix,
    adapter: createAdapter({ appType: 'SingleTenant' }),
    botAppId: '',
    conversations: new ConversationReferences(store),
    instanceName: settings.instanceName,
    log,
    owns: (queue) => registry.owns(queue),
    // Production's idle poll (half a second) unless BENCH_IDLE_POLL_MS says otherwise: a fan-out must not depend on polling faster.
    ...(process.env.BENCH_IDLE_POLL_MS ? { idlePollMs: Number(process.env.BENCH_IDLE_POLL_MS) } : {}),
    loops: settings.loops,
  });
  delivery.worker.start();
  serveAsChild({ instance: settings.instanceName, live: registry.liveCount() }, async () => {
    await delivery.worker.stop();
    await registry.stop();
  });
}

runIfEntry('delivery-process.ts', serve);
