// One place that knows how to reach Azure Table storage: a connection string (Azurite,
// or a Storage account key) or an account URL with a managed identity. Repositories ask
// it for table clients; it creates the tables once, lazily, so a storage outage at
// start-up delays readiness instead of crashing the process.
import { TableClient, TableServiceClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { systemClock, type Clock } from '../clock.js';
import { DefaultAzureCredential } from '@azure/identity';
import type { StorageConfig } from '../config.js';
import { guard } from './errors.js';

export const TABLES = [
  'Conversations',
  'Audit',
  'Requests',
  'Policies',
  'Settings',
  'Cards',
  'Leases',
  'SeatLots',
  'Alerts',
  'ConsentStates',
  'Deliveries',
  'Connections',
  'Budgets',
  'CostRows',
  'Billing',
] as const;
export type TableName = (typeof TABLES)[number];

/** The Azurite account's well-known development credentials (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(host: string, tablePort: number, queuePort: number): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `TableEndpoint=http://${host}:${tablePort}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=http://${host}:${queuePort}/${AZURITE_ACCOUNT}`,
  ].join(';');
}

/**
 * Every storage call ends within STORAGE_CALL_DEADLINE_MS, retries included, and each try
 * within STORAGE_TRY_TIMEOUT_MS: storage that hangs (not refusing) must not hold a turn past
 * Teams' 15 s budget, and the user should hear "try again in a minute" while there is time.
 * Set once here, on every client's pipeline, so no call can forget.
 */
export const STORAGE_CALL_DEADLINE_MS = 8_000;
export const STORAGE_TRY_TIMEOUT_MS = 4_000;

/** Per call (before the retry policy): the whole call, retries included, is aborted at the deadline. */
const callDeadline: PipelinePolicy = {
  name: 'quartermasterStorageCallDeadline',
  sendRequest(request, next) {
    const deadline = AbortSignal.timeout(STORAGE_CALL_DEADLINE_MS);
    request.abortSignal = request.abortSignal ? AbortSignal.any([request.abortSignal as AbortSignal, deadline]) : deadline;
    return next(request);
  },
};

/** Per try (after the retry policy): one unanswered try is given up, the retry policy may try again. */
const tryTimeout: PipelinePolicy = {
  name: 'quartermasterStorageTryTimeout',
  sendRequest(request, next) {
    request.timeout = request.timeout > 0 ? Math.min(request.timeout, STORAGE_TRY_TIMEOUT_MS) : STORAGE_TRY_TIMEOUT_MS;
    return next(request);
  },
};

// Fail fast: a user waiting on a turn should hear "try again in a minute" within seconds.
const clientOptions: TableServiceClientOptions = {
  allowInsecureConnection: true,
  retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
  additionalPolicies: [
    { policy: callDeadline, position: 'perCall' },
    { policy: tryTimeout, position: 'perRetry' },
  ],
};

export class TableStore {
  private readonly service: TableServiceClient;
  private readonly clients = new Map<TableName, TableClient>();
  private tablesReady: Promise<void> | undefined;
  private readonly credential: DefaultAzureCredential | undefined;

  constructor(
    private readonly connection: Exclude<StorageConfig, { kind: 'local-azurite' }>,
    private readonly prefix: string,
    /** The calendar rows are stamped with (audit times, leases, windows): tests choose theirs. */
    readonly clock: Clock = systemClock,
  ) {
    if (connection.kind === 'account-url') {
      const clientId = connection.managedIdentityClientId;
      this.credential = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
    }
    this.service = this.createServiceClient();
    for (const name of TABLES) this.clients.set(name, this.createTableClient(this.tableName(name)));
  }

  tableName(name: TableName): string {
    return `${this.prefix}${name}`;
  }

  /** A client for one of our tables, after the tables exist. */
  async table(name: TableName): Promise<TableClient> {
    await this.ensureTables();
    return this.clients.get(name)!;
  }

  /** Creates the tables once per process; a failure is retried on the next call. */
  ensureTables(): Promise<void> {
    this.tablesReady ??= guard(async () => {
      await Promise.all(TABLES.map((name) => this.service.createTable(this.tableName(name))));
    }).catch((error: unknown) => {
      this.tablesReady = undefined;
      throw error;
    });
    return this.tablesReady;
  }

  /**
   * Readiness probe: our tables exist and answer a query. An entity query is what the
   * app's data-plane role (Storage Table Data Contributor) allows; the service's
   * properties are an account-level read that role may not grant.
   */
  async ping(timeoutMs = 2000): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    await this.ensureTables();
    const probe = this.clients.get('Leases')!.listEntities({
      queryOptions: { filter: "PartitionKey eq 'readiness-probe'", select: ['PartitionKey'] },
      abortSignal: signal,
    });
    await guard(() => probe.byPage({ maxPageSize: 1 }).next());
  }

  private createServiceClient(): TableServiceClient {
    if (this.connection.kind === 'connection-string') {
      return TableServiceClient.fromConnectionString(this.connection.connectionString, clientOptions);
    }
    return new TableServiceClient(this.connection.accountUrl, this.credential!, clientOptions);
  }

  private createTableClient(tableName: string): TableClient {
    if (this.connection.kind === 'connection-string') {
      return TableClient.fromConnectionString(this.connection.connectionString, tableName, clientOptions);
    }
    return new TableClient(this.connection.accountUrl, tableName, this.credential!, clientOptions);
  }
}
