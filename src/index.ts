// Composition root: config → storage → services → bot → server. `npm start` runs main(),
// which in local mode also starts Azurite and the Agents Playground; tests call
// startQuartermaster() directly with a config of their own.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, loadEnvFile, type AppConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { projectRoot } from './paths.js';
import { createBot } from './bot/app.js';
import { CardRenderer } from './bot/cards.js';
import { ChildProcesses } from './local/child-processes.js';
import { HealthService } from './services/health.js';
import { RoleService } from './services/roles.js';
import { startServer } from './server.js';
import { AuditLog } from './storage/audit-log.js';
import { ConversationReferences } from './storage/conversation-references.js';
import { TableStore } from './storage/table-store.js';
import { TableTurnStateStorage } from './storage/turn-state-storage.js';

export type ResolvedConfig = AppConfig & { storage: Exclude<AppConfig['storage'], { kind: 'local-azurite' }> };

export interface Quartermaster {
  url: string;
  port: number;
  log: Logger;
  store: TableStore;
  audit: AuditLog;
  conversations: ConversationReferences;
  /** Graceful: stop accepting, finish turns in flight, close workers. */
  stop(): Promise<void>;
}

export async function startQuartermaster(config: ResolvedConfig, log = createLogger(config.logLevel)): Promise<Quartermaster> {
  const store = new TableStore(config.storage, config.tablePrefix);
  const audit = new AuditLog(store);
  const conversations = new ConversationReferences(store);
  const roles = new RoleService(config.bootstrapAdmins);
  const health = new HealthService(store, { environment: config.environment, authentication: Boolean(config.bot.appId) });
  // Tables are created in the background; until then /readyz says 503 and turns say "try again".
  store.ensureTables().catch((error: unknown) => log.warn({ err: error }, 'storage not reachable yet; will retry on first use'));

  const bot = createBot({
    auth: config.bot,
    turnStateStorage: new TableTurnStateStorage(store),
    cards: new CardRenderer(),
    roles,
    health,
    audit,
    conversations,
    log,
  });
  const server = await startServer({ bot, storageReady: () => health.storageReady(), log }, config.host, config.port);

  return {
    url: server.url,
    port: server.port,
    log,
    store,
    audit,
    conversations,
    stop: () => server.close(config.shutdownTimeoutMs),
  };
}

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
  const children = new ChildProcesses(log);
  const stops: (() => Promise<void>)[] = [() => children.stopAll()];
  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log.error({ err: error }, 'shutdown step failed'));
    log.info('stopped');
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    let storage = config.storage;
    if (storage.kind === 'local-azurite') {
      const { startAzurite } = await import('./local/azurite.js');
      const dataDir = resolve(projectRoot, storage.dataDir);
      const azurite = await startAzurite(children, { tablePort: storage.tablePort, queuePort: storage.queuePort, dataDir });
      log.info({ dataDir }, `Azurite: tables on :${storage.tablePort}, queues on :${storage.queuePort}`);
      storage = { kind: 'connection-string', connectionString: azurite.connectionString };
    }
    const qm = await startQuartermaster({ ...config, storage }, log);
    stops.push(qm.stop);
    const lines = [`Quartermaster bot: ${qm.url}/api/messages`];
    if (config.playground) {
      const { startPlayground } = await import('./local/playground.js');
      const playground = await startPlayground(children, {
        port: config.playground.port,
        botEndpoint: `${qm.url}/api/messages`,
        workDir: join(projectRoot, '.data', 'playground'),
      });
      lines.push(`Agents Playground: ${playground.url}  <- open this in your browser and say "help"`);
    }
    lines.push('Press Ctrl-C to stop.');
    console.log(`\n${lines.join('\n')}\n`);
  } catch (error) {
    log.fatal({ err: error }, 'start-up failed');
    console.error(`Quartermaster cannot start: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown('start-up failure', 1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
