// What every feature stands on: storage (tables, queues, the repositories several features
// share), who is an admin, the outside services (production connectors, or the loopback
// emulators started here for local runs), this instance's name and heartbeat, and Teams.
import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import { createAdapter } from '../bot/app.js';
import { CardRenderer } from '../bot/cards.js';
import { createConnectors, type Connectors } from '../connectors/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Sandbox } from '../sandbox/index.js';
import { HealthService } from '../services/health.js';
import { RoleService } from '../services/roles.js';
import { AlertLedger } from '../storage/alert-ledger.js';
import { AuditLog } from '../storage/audit-log.js';
import { ConversationReferences } from '../storage/conversation-references.js';
import { InstanceRegistry } from '../storage/instances.js';
import { LicenseUnitRepository } from '../storage/license-units.js';
import { NOTIFICATION_QUEUES, WorkQueues } from '../storage/queues.js';
import { SettingsRepository } from '../storage/settings.js';
import { TableStore } from '../storage/table-store.js';

/** The configuration with storage resolved (local mode has started Azurite by now). */
export type ResolvedConfig = AppConfig & { storage: Exclude<AppConfig['storage'], { kind: 'local-azurite' }> };

export type Platform = Awaited<ReturnType<typeof wirePlatform>>;

export async function wirePlatform(
  config: ResolvedConfig,
  log: Logger,
  given: {
    clock: Clock;
    connectors: Connectors | undefined;
    instanceName: string | undefined;
    /** Whether this instance runs the queue workers, and so sends proactive messages. */
    delivers: boolean;
    heartbeatMs: number;
  },
) {
  const { clock } = given;
  const store = new TableStore(config.storage, config.tablePrefix, clock);
  const queues = new WorkQueues(config.storage, config.tablePrefix);
  // Ready when tables and queues answer, with operations the app's data-plane roles allow.
  const storagePing = { ping: async (timeoutMs?: number) => void (await Promise.all([store.ping(timeoutMs), queues.ping(timeoutMs)])) };
  const health = new HealthService(storagePing, { environment: config.environment, authentication: Boolean(config.bot.appId) });
  // Tables are created in the background; until then /readyz says 503 and turns say "try again".
  store.ensureTables().catch((error: unknown) => log.warn({ err: error }, 'storage not reachable yet; will retry on first use'));

  const { connectors, sandbox } = given.connectors
    ? { connectors: given.connectors, sandbox: undefined }
    : await buildConnectors(config, log, clock);

  const instanceName = given.instanceName ?? `${hostname()}:${process.pid}`;
  // Which instances are live, and which one sends each tenant's proactive messages (the
  // notifications queues are shared out evenly).
  const instances = new InstanceRegistry(store, instanceName, {
    delivers: given.delivers,
    intervalMs: given.heartbeatMs,
    shared: NOTIFICATION_QUEUES,
  });
  instances.start((error) => log.warn({ err: error }, 'instance heartbeat failed'));

  // Delegated units: the licensing feature keeps them, roles read their license admins (one
  // repository, so a change forgets the units both see at once).
  const licenseUnits = new LicenseUnitRepository(store);

  return {
    config,
    log,
    clock,
    store,
    queues,
    health,
    connectors,
    sandbox,
    instanceName,
    instances,
    roles: new RoleService(config.bootstrapAdmins, {
      units: licenseUnits,
      partnerTenants: (config.partnerTenants ?? []).map((p) => p.tenantId),
    }),
    licenseUnits,
    audit: new AuditLog(store),
    conversations: new ConversationReferences(store),
    settings: new SettingsRepository(store),
    /** One row per alert ever sent: connections, license alerts, stuck orders and spend all send once through it. */
    alertLedger: new AlertLedger(store),
    teams: { adapter: createAdapter(config.bot), cards: new CardRenderer() },
  };
}

/** Production connectors, or the loopback emulators started here for local runs. */
async function buildConnectors(config: ResolvedConfig, log: Logger, clock: Clock): Promise<{ connectors: Connectors; sandbox?: Sandbox }> {
  if (config.connectors.mode === 'production')
    return {
      connectors: createConnectors(
        {
          mode: 'production',
          graph: config.connectors.graph,
          partnerCenter: config.connectors.partnerCenter,
          ...(config.connectors.aws ? { aws: config.connectors.aws } : {}),
          ...(config.connectors.marketplace ? { marketplace: { ...config.connectors.marketplace, routing: true } } : {}),
          clock,
        },
        log,
      ),
    };
  const { startSandbox } = await import('../sandbox/index.js');
  const sandbox = await startSandbox({ clock });
  log.info(
    { graph: sandbox.urls.graph, partnerCenter: sandbox.urls.partnerCenter },
    'sandbox connectors: loopback emulators with demo data',
  );
  // Partner Center and the marketplace together: ids decide where each call goes.
  return { connectors: createConnectors({ mode: 'sandbox', sandbox: { ...sandbox, marketplaceRouting: true }, clock }, log), sandbox };
}
