// Azurite (the Azure Storage emulator, from its npm package) for local runs and tests:
// the table and queue services, on loopback, with data under a folder or in memory.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { azuriteConnectionString } from '../storage/table-store.js';
import { waitUntilReady, type ChildProcesses } from './child-processes.js';

export interface AzuriteOptions {
  tablePort: number;
  queuePort: number;
  /** Folder for the data; omitted = in memory (tests). */
  dataDir?: string;
  host?: string;
}

export async function startAzurite(
  children: ChildProcesses,
  options: AzuriteOptions,
): Promise<{ connectionString: string; /** Its table and queue processes (tests pause them). */ pids: number[] }> {
  const host = options.host ?? '127.0.0.1';
  const require = createRequire(import.meta.url);
  const common = ['--silent', '--skipApiVersionCheck', '--loose', '--disableTelemetry'];
  const persistence = options.dataDir ? ['--location', options.dataDir] : ['--inMemoryPersistence'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });

  const table = children.start(
    'Azurite tables',
    process.execPath,
    [
      require.resolve('azurite/dist/src/table/main.js'),
      ...common,
      ...persistence,
      '--tableHost',
      host,
      '--tablePort',
      String(options.tablePort),
    ],
    { stopSignal: 'SIGINT' },
  );
  const queue = children.start(
    'Azurite queues',
    process.execPath,
    [
      require.resolve('azurite/dist/src/queue/main.js'),
      ...common,
      ...persistence,
      '--queueHost',
      host,
      '--queuePort',
      String(options.queuePort),
    ],
    { stopSignal: 'SIGINT' },
  );
  await Promise.all([
    waitUntilReady(table, () => portAnswers(host, options.tablePort), 30_000),
    waitUntilReady(queue, () => portAnswers(host, options.queuePort), 30_000),
  ]);
  return {
    connectionString: azuriteConnectionString(host, options.tablePort, options.queuePort),
    pids: [table.process.pid, queue.process.pid].filter((pid): pid is number => pid !== undefined),
  };
}

export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
