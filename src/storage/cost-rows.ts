// Daily cost rows (FOCUS-named columns) and the sync state of each cost connection, in the
// CostRows table. Only this file knows the layout:
//
//   cost rows   PartitionKey  <tenant>|cost|<provider>|<subAccount>|<YYYY-MM>
//               RowKey        <day>|<billing account>|<service>|<tags>   (each part URI-encoded)
//   sync state  PartitionKey  <tenant>|cost-sync      RowKey  <connection id>
//
// One month of one account is one partition, so a month's re-sync is a handful of entity
// group transactions (≤ 100 actions each), and the day leads the RowKey so a date range is a
// RowKey range. Amounts are decimal strings; an empty string means "not queried".
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { combineRows, FOCUS_VERSION, type FocusCostRow, type ProviderName } from '../domain/spend/focus.js';
import { periodContaining, type Day } from '../domain/spend/periods.js';
import { guard } from './errors.js';
import { tenantPartition } from './keys.js';
import { TableRepository } from './repository.js';
import type { TableStore } from './table-store.js';

/** Which stored cost rows to read. `to` is exclusive. */
export interface CostRowQuery {
  from: Day;
  to: Day;
  provider?: ProviderName;
  /** Azure subscription id / AWS linked account id. */
  subAccountId?: string;
}

/** Reads the daily cost rows the sync stored (FOCUS-named, decimal strings). */
export interface CostRowReader {
  rows(tenantId: string, query: CostRowQuery): Promise<FocusCostRow[]>;
  /** The last complete sync per connection of the tenant (for "data as of" and staleness). */
  freshness(
    tenantId: string,
  ): Promise<{ connectionId: string; provider: ProviderName; subAccountId: string; syncedAt: string; lastCompleteDay?: Day }[]>;
  /** The provider's own forecast for one account from its last sync (AWS GetCostForecast), when it gave one. */
  providerForecast?(tenantId: string, provider: ProviderName, subAccountId: string): Promise<ProviderForecast | undefined>;
}

/** A provider's forecast of the spend in [from, to). */
export interface ProviderForecast {
  from: Day;
  to: Day;
  amount: string;
  currency: string;
}

/** Azure Tables takes at most 100 actions per entity group transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

/**
 * A stored cost row. Written with FOCUS 1.3 names (FocusVersion "1.3": ServiceProviderName,
 * HostProviderName, ChargeClass). Rows written before carry FOCUS 1.2's ProviderName and no
 * FocusVersion: fromCostEntity reads both (versioned reader), and the next sync of their days
 * rewrites them in 1.3 names (they differ from what it writes, so they are replaced).
 */
export type CostRowEntity = {
  FocusVersion?: string;
  ServiceProviderName?: string;
  HostProviderName?: string;
  /** FOCUS 1.2 rows only. */
  ProviderName?: string;
  /** "Correction" when a sync changed figures of a day already stored as final. */
  ChargeClass?: string;
  BillingAccountId: string;
  SubAccountId: string;
  ChargePeriodStart: string;
  ChargePeriodEnd: string;
  BilledCost: string;
  EffectiveCost: string;
  BillingCurrency: string;
  ServiceName: string;
  /** JSON object; "{}" when untagged. */
  Tags: string;
  Estimated: boolean;
  /** The connection that wrote it (diagnostics). */
  ConnectionId: string;
};

export type KeyedCostEntity = CostRowEntity & { partitionKey: string; rowKey: string };

/** Which rows one connection owns: re-syncing them replaces exactly these. */
export interface CostRowOwner {
  connectionId: string;
  provider: ProviderName;
  billingAccountId: string;
  subAccountId: string;
}

export interface WriteCounts {
  /** New or changed rows written. */
  written: number;
  unchanged: number;
  /** Rows of re-synced days whose service (or tag) is gone. */
  deleted: number;
  /** Entity group transactions submitted. */
  transactions: number;
}

export function costPartition(tenantId: string, provider: string, subAccountId: string, month: string): string {
  return tenantPartition(tenantId, 'cost', provider, subAccountId, month);
}

function costPartitionPrefix(tenantId: string, provider?: string): string {
  return provider ? `${tenantPartition(tenantId, 'cost', provider)}|` : `${tenantPartition(tenantId, 'cost')}|`;
}

/** Day first (range queries), then what else makes the row unique within its partition. */
export function costRowKeyOf(row: Pick<FocusCostRow, 'ChargePeriodStart' | 'BillingAccountId' | 'ServiceName' | 'Tags'>): string {
  const tags = Object.entries(row.Tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  const key = [row.ChargePeriodStart, row.BillingAccountId, row.ServiceName, tags].map(encodeURIComponent).join('|');
  // encodeURIComponent leaves no / \ # ? or control characters; only the length can still be wrong.
  if (key.length > 512)
    throw new RangeError(`The cost row key for ${row.ServiceName.slice(0, 40)} on ${row.ChargePeriodStart} is too long`);
  return key;
}

const monthOf = (day: Day) => day.slice(0, 7);

export function toCostEntity(tenantId: string, row: FocusCostRow, connectionId: string): KeyedCostEntity {
  return {
    partitionKey: costPartition(tenantId, row.ServiceProviderName, row.SubAccountId, monthOf(row.ChargePeriodStart)),
    rowKey: costRowKeyOf(row),
    FocusVersion: FOCUS_VERSION,
    ServiceProviderName: row.ServiceProviderName,
    HostProviderName: row.HostProviderName,
    ...(row.ChargeClass ? { ChargeClass: row.ChargeClass } : {}),
    BillingAccountId: row.BillingAccountId,
    SubAccountId: row.SubAccountId,
    ChargePeriodStart: row.ChargePeriodStart,
    ChargePeriodEnd: row.ChargePeriodEnd,
    BilledCost: row.BilledCost ?? '',
    EffectiveCost: row.EffectiveCost ?? '',
    BillingCurrency: row.BillingCurrency,
    ServiceName: row.ServiceName,
    Tags: JSON.stringify(row.Tags),
    Estimated: row.estimated,
    ConnectionId: connectionId,
  };
}

export function fromCostEntity(entity: CostRowEntity): FocusCostRow {
  // FOCUS 1.2 rows (no FocusVersion) named the provider ProviderName; hosting was the same provider.
  const provider = (entity.ServiceProviderName ?? entity.ProviderName) as ProviderName;
  return {
    ServiceProviderName: provider,
    HostProviderName: (entity.HostProviderName ?? provider) as ProviderName,
    ...(entity.ChargeClass === 'Correction' ? { ChargeClass: 'Correction' as const } : {}),
    BillingAccountId: entity.BillingAccountId,
    SubAccountId: entity.SubAccountId,
    ChargePeriodStart: entity.ChargePeriodStart,
    ChargePeriodEnd: entity.ChargePeriodEnd,
    BilledCost: entity.BilledCost || null,
    EffectiveCost: entity.EffectiveCost || null,
    BillingCurrency: entity.BillingCurrency,
    ServiceName: entity.ServiceName,
    Tags: entity.Tags ? (JSON.parse(entity.Tags) as Record<string, string>) : {},
    estimated: entity.Estimated === true,
  };
}

const COMPARED: (keyof CostRowEntity)[] = [
  'FocusVersion',
  'ServiceProviderName',
  'HostProviderName',
  'ProviderName',
  'BillingAccountId',
  'SubAccountId',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'BilledCost',
  'EffectiveCost',
  'BillingCurrency',
  'ServiceName',
  'Tags',
  'Estimated',
  'ConnectionId',
  'ChargeClass',
];

function sameEntity(a: CostRowEntity, b: CostRowEntity): boolean {
  // An optional column left out reads back empty: absent, null and '' are the same value here.
  const value = (v: unknown) => (v === undefined || v === null ? '' : v);
  return COMPARED.every((name) => value(a[name]) === value(b[name]));
}

export interface MonthPlan {
  actions: TransactionAction[];
  written: number;
  unchanged: number;
  deleted: number;
}

/**
 * What one partition needs so that it holds exactly `incoming` for the re-synced days:
 * new or changed rows are upserted, identical ones left alone (a re-run writes nothing),
 * and rows of those days that the provider no longer reports are deleted. A cost type the
 * new sync did not query (empty) keeps its stored value, as upsertRows does.
 */
export function planPartition(
  partitionKey: string,
  stored: ReadonlyMap<string, CostRowEntity>,
  incoming: readonly KeyedCostEntity[],
): MonthPlan {
  const plan: MonthPlan = { actions: [], written: 0, unchanged: 0, deleted: 0 };
  const seen = new Set<string>();
  for (const entity of incoming) {
    seen.add(entity.rowKey);
    const old = stored.get(entity.rowKey);
    const merged: KeyedCostEntity = old
      ? { ...entity, BilledCost: entity.BilledCost || old.BilledCost, EffectiveCost: entity.EffectiveCost || old.EffectiveCost }
      : entity;
    // New figures for a day already stored as final (not estimated): a correction (FOCUS ChargeClass).
    const corrected =
      old !== undefined && old.Estimated !== true && (old.BilledCost !== merged.BilledCost || old.EffectiveCost !== merged.EffectiveCost);
    const next: KeyedCostEntity = corrected || old?.ChargeClass === 'Correction' ? { ...merged, ChargeClass: 'Correction' } : merged;
    if (old && sameEntity(old, next)) {
      plan.unchanged++;
      continue;
    }
    plan.actions.push(['upsert', next, 'Replace']);
    plan.written++;
  }
  for (const rowKey of stored.keys()) {
    if (seen.has(rowKey)) continue;
    plan.actions.push(['delete', { partitionKey, rowKey }]);
    plan.deleted++;
  }
  return plan;
}

/** Splits a partition's actions into transactions of at most 100. */
export function transactionBatches<T>(actions: readonly T[], size = MAX_TRANSACTION_ACTIONS): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < actions.length; i += size) batches.push(actions.slice(i, i + size));
  return batches;
}

export interface SyncState {
  connectionId: string;
  provider: ProviderName;
  subAccountId: string;
  /** Last successful sync (ISO). */
  syncedAt?: string;
  /** Last day the provider calls final, as of the last successful sync. */
  lastCompleteDay?: Day;
  /** First day the last successful sync covered. */
  syncedFrom?: Day;
  lastAttemptAt: string;
  /** What the last attempt hit; absent after a success. */
  lastError?: { code: string; problem: string };
  /** The provider's own forecast (AWS GetCostForecast) for [from, to), as of the last sync. */
  providerForecast?: { from: Day; to: Day; amount: string; currency: string };
}

type SyncStateEntity = {
  Provider: string;
  SubAccountId: string;
  SyncedAt: string;
  LastCompleteDay: string;
  SyncedFrom: string;
  LastAttemptAt: string;
  LastError: string;
  ProviderForecast?: string;
};

export class CostRowStore extends TableRepository<SyncStateEntity> implements CostRowReader {
  constructor(store: TableStore) {
    super(store, 'CostRows');
  }

  /**
   * Makes the stored rows of `owner` for the days [from, to) equal to `rows` (one sync
   * result for that window): per month partition, read what is there, then upsert the new
   * and changed rows and delete the vanished ones in transactions of ≤ 100.
   */
  async replaceDays(
    tenantId: string,
    owner: CostRowOwner,
    window: { from: Day; to: Day },
    rows: readonly FocusCostRow[],
  ): Promise<WriteCounts> {
    const counts: WriteCounts = { written: 0, unchanged: 0, deleted: 0, transactions: 0 };
    const byPartition = new Map<string, KeyedCostEntity[]>();
    for (const row of combineRows(rows)) {
      if (row.ChargePeriodStart < window.from || row.ChargePeriodStart >= window.to) continue; // outside what this sync owns
      if (
        row.ServiceProviderName !== owner.provider ||
        row.SubAccountId !== owner.subAccountId ||
        row.BillingAccountId !== owner.billingAccountId
      ) {
        throw new RangeError(`A ${row.ServiceProviderName} row of ${row.SubAccountId} does not belong to connection ${owner.connectionId}`);
      }
      const entity = toCostEntity(tenantId, row, owner.connectionId);
      const list = byPartition.get(entity.partitionKey) ?? [];
      list.push(entity);
      byPartition.set(entity.partitionKey, list);
    }
    const table = await this.client();
    for (
      let monthStart = periodContaining('month', window.from).start;
      monthStart < window.to;
      monthStart = periodContaining('month', monthStart).end
    ) {
      const monthEnd = periodContaining('month', monthStart).end;
      const from = window.from > monthStart ? window.from : monthStart;
      const to = window.to < monthEnd ? window.to : monthEnd;
      const partitionKey = costPartition(tenantId, owner.provider, owner.subAccountId, monthOf(monthStart));
      const stored = await this.storedRows(table, partitionKey, from, to, owner.billingAccountId);
      const plan = planPartition(partitionKey, stored, byPartition.get(partitionKey) ?? []);
      for (const batch of transactionBatches(plan.actions)) {
        await guard(() => table.submitTransaction(batch));
        counts.transactions++;
      }
      counts.written += plan.written;
      counts.unchanged += plan.unchanged;
      counts.deleted += plan.deleted;
    }
    return counts;
  }

  async rows(tenantId: string, query: CostRowQuery): Promise<FocusCostRow[]> {
    if (query.from >= query.to) return [];
    const table = await this.client();
    const rows: FocusCostRow[] = [];
    const inDays = odata`RowKey ge ${query.from} and RowKey lt ${query.to}`;
    const filters: string[] = [];
    if (query.provider && query.subAccountId) {
      // Known partitions: one per month.
      for (let month = periodContaining('month', query.from).start; month < query.to; month = periodContaining('month', month).end) {
        filters.push(
          odata`PartitionKey eq ${costPartition(tenantId, query.provider, query.subAccountId, monthOf(month))}` + ` and ${inDays}`,
        );
      }
    } else {
      const prefix = costPartitionPrefix(tenantId, query.provider);
      filters.push(odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix}~`}` + ` and ${inDays}`);
    }
    for (const filter of filters) {
      await guard(async () => {
        for await (const entity of table.listEntities<CostRowEntity>({ queryOptions: { filter } })) {
          if (query.subAccountId && entity.SubAccountId.toLowerCase() !== query.subAccountId.toLowerCase()) continue;
          rows.push(fromCostEntity(entity));
        }
      });
    }
    return rows;
  }

  async freshness(
    tenantId: string,
  ): Promise<{ connectionId: string; provider: ProviderName; subAccountId: string; syncedAt: string; lastCompleteDay?: Day }[]> {
    return (await this.syncStates(tenantId))
      .filter((state) => state.syncedAt !== undefined)
      .map((state) => ({
        connectionId: state.connectionId,
        provider: state.provider,
        subAccountId: state.subAccountId,
        syncedAt: state.syncedAt!,
        ...(state.lastCompleteDay ? { lastCompleteDay: state.lastCompleteDay } : {}),
      }));
  }

  async syncStates(tenantId: string): Promise<SyncState[]> {
    const states: SyncState[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.pageRows(syncPartition(tenantId), { pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
      states.push(...page.items.map((row) => toSyncState(row.rowKey, row.value)));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return states;
  }

  async providerForecast(tenantId: string, provider: ProviderName, subAccountId: string): Promise<SyncState['providerForecast']> {
    return (await this.syncStates(tenantId)).find((state) => state.provider === provider && state.subAccountId === subAccountId)
      ?.providerForecast;
  }

  async syncState(tenantId: string, connectionId: string): Promise<SyncState | undefined> {
    const row = await this.getRow(syncPartition(tenantId), connectionId);
    return row && toSyncState(row.rowKey, row.value);
  }

  /** Only the connection's own sync (under its lease) writes its state: no ETag needed. */
  async saveSyncState(tenantId: string, state: SyncState): Promise<void> {
    await this.putRow(syncPartition(tenantId), state.connectionId, {
      Provider: state.provider,
      SubAccountId: state.subAccountId,
      SyncedAt: state.syncedAt ?? '',
      LastCompleteDay: state.lastCompleteDay ?? '',
      SyncedFrom: state.syncedFrom ?? '',
      LastAttemptAt: state.lastAttemptAt,
      LastError: state.lastError ? JSON.stringify(state.lastError) : '',
      ProviderForecast: state.providerForecast ? JSON.stringify(state.providerForecast) : '',
    });
  }

  private async storedRows(
    table: TableClient,
    partitionKey: string,
    from: Day,
    to: Day,
    billingAccountId: string,
  ): Promise<Map<string, CostRowEntity>> {
    const stored = new Map<string, CostRowEntity>();
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${from} and RowKey lt ${to}`;
    await guard(async () => {
      for await (const entity of table.listEntities<CostRowEntity>({ queryOptions: { filter } })) {
        // Another connection (a billing-account scope over the same subscription) keeps its rows.
        if (entity.BillingAccountId !== billingAccountId) continue;
        stored.set(entity.rowKey!, pick(entity));
      }
    });
    return stored;
  }
}

function pick(entity: CostRowEntity): CostRowEntity {
  const result = {} as Record<string, unknown>;
  for (const name of COMPARED) result[name] = entity[name] ?? (name === 'Estimated' ? false : '');
  return result as CostRowEntity;
}

const syncPartition = (tenantId: string) => tenantPartition(tenantId, 'cost-sync');

function toSyncState(connectionId: string, e: SyncStateEntity): SyncState {
  return {
    connectionId,
    provider: e.Provider as ProviderName,
    subAccountId: e.SubAccountId,
    ...(e.SyncedAt ? { syncedAt: e.SyncedAt } : {}),
    ...(e.LastCompleteDay ? { lastCompleteDay: e.LastCompleteDay } : {}),
    ...(e.SyncedFrom ? { syncedFrom: e.SyncedFrom } : {}),
    lastAttemptAt: e.LastAttemptAt,
    ...(e.LastError ? { lastError: JSON.parse(e.LastError) as { code: string; problem: string } } : {}),
    ...(e.ProviderForecast ? { providerForecast: JSON.parse(e.ProviderForecast) as NonNullable<SyncState['providerForecast']> } : {}),
  };
}
