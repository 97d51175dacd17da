// The accounts a tenant has connected (Microsoft 365, Partner Center, the Marketplace, one per
// cloud cost account), one row each in the Connections table. A connection's secret (the msal
// token cache holding a Partner Center refresh token, a cost provider's key pair) is sealed with the
// SecretBox before it reaches the table and opened only here; the context binds each
// ciphertext to its tenant and connection, so a sealed value copied to another row does
// not open. Everything else in the row is plain data the `connect` card shows.
import { ConcurrencyError } from './errors.js';
import { tenantPartition } from './keys.js';
import { filter, TableRepository, type Stored } from './repository.js';
import type { TableStore } from './table-store.js';
import type { SecretBox } from '../security/secret-box.js';
import type { CostProviderId } from '../domain/spend/providers/index.js';

export type ConnectionKind = 'microsoft365' | 'partner-center' | 'marketplace' | CostProviderId;
/** "not connected" is the absence of a row. */
export type ConnectionState = 'connected' | 'needs-attention' | 'expired';

export interface ConnectionProblem {
  code: string;
  problem: string;
  fix: string;
}

export interface Connection {
  tenantId: string;
  /** `microsoft365`, `partner-center`, `marketplace`, `azure:<scope>` or `aws:<account id>`. */
  id: string;
  kind: ConnectionKind;
  /** What the card names it by: a tenant, an agent's sign-in name, a scope, an account. */
  label: string;
  state: ConnectionState;
  /** Partner Center: the integration sandbox (nothing billed) or the production account. */
  environment?: 'sandbox' | 'production';
  /** Plain, non-secret settings (scope, account id, role ARN, a key's last characters). */
  details: Record<string, string>;
  connectedAt: string;
  connectedBy: string;
  lastUsedAt?: string;
  lastCheckedAt?: string;
  /** What the last failed check or use found; absent when healthy. */
  problem?: ConnectionProblem;
  hasSecret: boolean;
  etag: string;
}

export type NewConnection = Omit<Connection, 'etag' | 'hasSecret'>;

type ConnectionEntity = {
  TenantId: string;
  Kind: string;
  Label: string;
  State: string;
  Environment: string;
  Details: string;
  ConnectedAt: string;
  ConnectedBy: string;
  LastUsedAt: string;
  LastCheckedAt: string;
  Problem: string;
  /** v1.<keyId>.<iv>.<tag>.<data>, or empty. */
  SealedSecret: string;
  /** The key that sealed SealedSecret, beside it so keys can rotate. */
  SecretKeyId: string;
  SecretWrittenAt: string;
};

export class ConnectionRepository extends TableRepository<ConnectionEntity> {
  constructor(
    store: TableStore,
    private readonly secrets: SecretBox,
  ) {
    super(store, 'Connections');
  }

  async list(tenantId: string): Promise<Connection[]> {
    const rows: Connection[] = [];
    for await (const row of this.partitionRows(partitionOf(tenantId))) rows.push(toConnection(row.rowKey, row.value, row.etag));
    return rows;
  }

  async get(tenantId: string, id: string): Promise<Connection | undefined> {
    const row = await this.getRow(partitionOf(tenantId), id);
    return row && toConnection(row.rowKey, row.value, row.etag);
  }

  /** Every connection of one kind in every tenant (for the token keeper and health jobs). */
  async *allOfKind(kind: ConnectionKind): AsyncIterable<Connection> {
    for await (const row of this.queryRows(filter`Kind eq ${kind}`)) yield toConnection(row.rowKey, row.value, row.etag);
  }

  /** Creates or replaces the connection (a reconnect starts afresh), sealing `secret` if given. */
  async save(connection: NewConnection, secret?: string): Promise<Connection> {
    const sealed = secret === undefined ? undefined : this.seal(connection.tenantId, connection.id, secret);
    const entity = toEntity(connection, sealed, this.store.clock());
    const etag = await this.putRow(partitionOf(connection.tenantId), connection.id, entity);
    return toConnection(connection.id, entity, etag);
  }

  /**
   * Changes the plain fields with the row's ETag, so that a check finishing after a
   * disconnect or a reconnect changes nothing. ConcurrencyError when the row moved on.
   */
  async update(
    connection: Connection,
    change: Partial<Pick<Connection, 'state' | 'label' | 'lastUsedAt' | 'lastCheckedAt' | 'details'>> & {
      problem?: ConnectionProblem | null;
    },
  ): Promise<Connection> {
    const row = await this.getRow(partitionOf(connection.tenantId), connection.id);
    if (!row || row.etag !== connection.etag) throw new ConcurrencyError('The connection changed meanwhile');
    const { problem, ...rest } = change;
    const next: NewConnection = { ...withoutStored(toConnection(row.rowKey, row.value, row.etag)), ...rest };
    if (problem === null) delete next.problem;
    else if (problem) next.problem = problem;
    const entity: ConnectionEntity = {
      ...toEntity(next, undefined, this.store.clock()),
      SealedSecret: row.value.SealedSecret,
      SecretKeyId: row.value.SecretKeyId,
      SecretWrittenAt: row.value.SecretWrittenAt,
    };
    const etag = await this.replaceRow(partitionOf(connection.tenantId), connection.id, entity, row.etag);
    return toConnection(connection.id, entity, etag);
  }

  /** The secret in clear, for the connector that needs it right now; undefined when none. */
  async readSecret(tenantId: string, id: string): Promise<string | undefined> {
    const row = await this.getRow(partitionOf(tenantId), id);
    return row ? this.openSecret(tenantId, id, row) : undefined;
  }

  /** The connection and its secret in clear, from one read; undefined when there is no such connection. */
  async getWithSecret(tenantId: string, id: string): Promise<{ connection: Connection; secret?: string } | undefined> {
    const row = await this.getRow(partitionOf(tenantId), id);
    if (!row) return undefined;
    const secret = await this.openSecret(tenantId, id, row);
    return { connection: toConnection(row.rowKey, row.value, row.etag), ...(secret !== undefined ? { secret } : {}) };
  }

  private async openSecret(tenantId: string, id: string, row: Stored<ConnectionEntity>): Promise<string | undefined> {
    if (!row.value.SealedSecret) return undefined;
    const secret = this.secrets.open(row.value.SealedSecret, contextOf(tenantId, id));
    // Sealed with a retired key: seal again with the current one while we hold it open.
    if (this.secrets.needsReseal(row.value.SealedSecret)) {
      await this.writeSealed(tenantId, id, row.value, row.etag, this.seal(tenantId, id, secret)).catch((error: unknown) => {
        if (!(error instanceof ConcurrencyError)) throw error;
      });
    }
    return secret;
  }

  /**
   * Replaces the secret (a rotated refresh token). Retries on a concurrent change of the
   * plain fields; false when the connection is gone (disconnected meanwhile).
   */
  async writeSecret(tenantId: string, id: string, secret: string): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.getRow(partitionOf(tenantId), id);
      if (!row) return false;
      try {
        await this.writeSealed(tenantId, id, row.value, row.etag, this.seal(tenantId, id, secret));
        return true;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
    throw new ConcurrencyError('The connection kept changing while its secret was written');
  }

  /** Deletes the row and with it the sealed secret. False when there was nothing to delete. */
  async remove(tenantId: string, id: string): Promise<boolean> {
    const row = await this.getRow(partitionOf(tenantId), id);
    if (!row) return false;
    await this.deleteRow(partitionOf(tenantId), id);
    return true;
  }

  private seal(tenantId: string, id: string, secret: string): string {
    return this.secrets.seal(secret, contextOf(tenantId, id));
  }

  private async writeSealed(tenantId: string, id: string, value: ConnectionEntity, etag: string, sealed: string): Promise<void> {
    await this.replaceRow(
      partitionOf(tenantId),
      id,
      { ...value, SealedSecret: sealed, SecretKeyId: keyIdOf(sealed), SecretWrittenAt: this.store.clock().toISOString() },
      etag,
    );
  }
}

function partitionOf(tenantId: string): string {
  return tenantPartition(tenantId, 'connections');
}

function contextOf(tenantId: string, id: string): string[] {
  return [tenantId, 'connection', id, 'secret'];
}

function keyIdOf(sealed: string): string {
  return sealed.split('.')[1] ?? '';
}

function toEntity(connection: NewConnection, sealed: string | undefined, now: Date): ConnectionEntity {
  return {
    TenantId: connection.tenantId,
    Kind: connection.kind,
    Label: connection.label,
    State: connection.state,
    Environment: connection.environment ?? '',
    Details: JSON.stringify(connection.details),
    ConnectedAt: connection.connectedAt,
    ConnectedBy: connection.connectedBy,
    LastUsedAt: connection.lastUsedAt ?? '',
    LastCheckedAt: connection.lastCheckedAt ?? '',
    Problem: connection.problem ? JSON.stringify(connection.problem) : '',
    SealedSecret: sealed ?? '',
    SecretKeyId: sealed ? keyIdOf(sealed) : '',
    SecretWrittenAt: sealed ? now.toISOString() : '',
  };
}

function toConnection(id: string, e: ConnectionEntity, etag: string): Connection {
  return {
    tenantId: e.TenantId,
    id,
    kind: e.Kind as ConnectionKind,
    label: e.Label,
    state: e.State as ConnectionState,
    ...(e.Environment ? { environment: e.Environment as 'sandbox' | 'production' } : {}),
    details: e.Details ? (JSON.parse(e.Details) as Record<string, string>) : {},
    connectedAt: e.ConnectedAt,
    connectedBy: e.ConnectedBy,
    ...(e.LastUsedAt ? { lastUsedAt: e.LastUsedAt } : {}),
    ...(e.LastCheckedAt ? { lastCheckedAt: e.LastCheckedAt } : {}),
    ...(e.Problem ? { problem: JSON.parse(e.Problem) as ConnectionProblem } : {}),
    hasSecret: Boolean(e.SealedSecret),
    etag,
  };
}

function withoutStored(connection: Connection): NewConnection {
  const { etag: _etag, hasSecret: _hasSecret, ...rest } = connection;
  return rest;
}
