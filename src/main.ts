// The process's entry point (`npm start`; production runs its compiled form). It stays light
// on purpose: in local mode Azurite and the Agents Playground (processes of their own) are
// started first, while the application's modules load, so that the three start side by side
// instead of one after another. Then the composition root (src/index.ts) starts the bot.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, loadEnvFile, type AppConfig } from './config.js';
import { createLogger } from './logger.js';
import { routeConsoleToLogger } from './console-log.js';
import { flushTelemetry, telemetryStarted } from './telemetry.js';
import { projectRoot } from './paths.js';
import { ChildProcesses } from './local/child-processes.js';

export async function main(): Promise<void> {
  let config: AppConfig;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Quartermaster cannot start. ${error.message}`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  // Every line JSON: libraries that print with console.* (botbuilder) go through the logger.
  routeConsoleToLogger(log);
  const children = new ChildProcesses(log);
  const stops: (() => Promise<void>)[] = [() => flushTelemetry(), () => children.stopAll()];
  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // A step that hangs must not keep the process: the platform would kill it less gently.
    setTimeout(() => process.exit(exitCode || 1), config.shutdownTimeoutMs + 5000).unref();
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log.error({ err: error }, 'shutdown step failed'));
    log.info('stopped');
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // Logged (synchronously) before the process goes; the state after them is unknown, so it goes.
  process.on('uncaughtException', (error, origin) => {
    log.fatal({ err: error, origin }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled promise rejection');
    void shutdown('unhandledRejection', 1);
  });
  // Node's own warnings too (printed raw unless node runs with --no-warnings, as the template starts it).
  process.on('warning', (warning) => log[warning.name === 'DeprecationWarning' ? 'debug' : 'warn']({ err: warning }, 'node warning'));
  if (process.env.APPLICATIONINSIGHTS_CONNECTION_STRING && !telemetryStarted())
    log.warn(
      'APPLICATIONINSIGHTS_CONNECTION_STRING is set but telemetry did not start: run node with --import ./dist/src/telemetry-preload.js',
    );

  try {
    // Side by side: the application's modules load (most of start-up), Azurite starts, and the
    // Playgrounds start (they only need the bot's address, known from PORT; nothing reaches
    // the bot until a person opens one).
    const application = import('./index.js').then((loaded) => (log.debug({ atSeconds: process.uptime() }, 'application loaded'), loaded));
    const storageReady = startLocalStorage(config, children, log);
    const botEndpoint = (port: number) => `http://localhost:${port}/api/messages`;
    const playgroundsEarly = config.port !== 0 ? startPlaygrounds(config, children, botEndpoint(config.port)) : undefined;
    // A failure of one is reported, not left unhandled while another is awaited.
    playgroundsEarly?.catch(() => undefined);
    const [{ startQuartermaster }, storage] = await Promise.all([application, storageReady]);
    const qm = await startQuartermaster({ ...config, storage }, log);
    stops.push(qm.stop);
    const playgrounds = await (playgroundsEarly ?? startPlaygrounds(config, children, botEndpoint(qm.port)));
    const lines = [`Quartermaster bot: ${qm.url}/api/messages`];
    for (const [index, playground] of playgrounds.entries())
      lines.push(
        `Agents Playground as ${playground.name}: ${playground.url}${index === 0 ? '  <- open this in your browser and say "help"' : ''}`,
      );
    log.info(
      {
        url: qm.url,
        environment: config.environment,
        telemetry: telemetryStarted() ? 'application-insights' : 'off',
        // Seconds from the process's start (node's own start-up included) to ready.
        startupSeconds: Number(process.uptime().toFixed(2)),
      },
      'started',
    );
    // Local runs greet a person at a terminal; production writes log lines only.
    if (config.environment !== 'production') {
      lines.push('Press Ctrl-C to stop.');
      process.stdout.write(`\n${lines.join('\n')}\n\n`);
    }
  } catch (error) {
    log.fatal({ err: error }, 'start-up failed');
    process.stderr.write(`Quartermaster cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown('start-up failure', 1);
  }
}

/** Local mode: Azurite with the data folder, as a connection string; otherwise the configured storage. */
async function startLocalStorage(config: AppConfig, children: ChildProcesses, log: ReturnType<typeof createLogger>) {
  const storage = config.storage;
  if (storage.kind !== 'local-azurite') return storage;
  const { startAzurite } = await import('./local/azurite.js');
  const dataDir = resolve(projectRoot, storage.dataDir);
  const azurite = await startAzurite(children, { tablePort: storage.tablePort, queuePort: storage.queuePort, dataDir });
  log.info({ dataDir }, `Azurite: tables on :${storage.tablePort}, queues on :${storage.queuePort}`);
  return { kind: 'connection-string' as const, connectionString: azurite.connectionString };
}

/** One Agents Playground per configured Playground user, all starting at once. */
async function startPlaygrounds(
  config: AppConfig,
  children: ChildProcesses,
  botEndpoint: string,
): Promise<{ name: string; url: string }[]> {
  if (!config.playground) return [];
  const { startPlayground } = await import('./local/playground.js');
  const { PLAYGROUND_USERS, writePlaygroundConfig } = await import('./local/playground-users.js');
  const { port, users } = config.playground;
  const people = users.map((key) => {
    const person = PLAYGROUND_USERS.find((u) => u.key === key);
    if (!person)
      throw new ConfigError(
        `PLAYGROUND_USERS: no Playground user named "${key}" (known: ${PLAYGROUND_USERS.map((u) => u.key).join(', ')})`,
      );
    return person;
  });
  return Promise.all(
    people.map(async (person, index) => {
      const workDir = join(projectRoot, '.data', 'playground', person.key);
      writePlaygroundConfig(workDir, person);
      const playground = await startPlayground(children, { port: port + index, botEndpoint, workDir });
      return { name: person.name, url: playground.url };
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
