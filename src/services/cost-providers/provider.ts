// The seam every cloud cost provider plugs into. A provider is one module that turns what an
// admin typed into a connection, checks a connection's health, fetches daily cost rows in
// FOCUS form, and says what a failure means and how to fix it. Connections, the spend sync
// and the health job call these and never branch on a provider's name.
import type { HealthCheck, Price } from '../../connectors/ports.js';
import type { FocusCostRow } from '../../domain/spend/focus.js';
import type { Day } from '../../domain/spend/periods.js';
import type { CostProviderId, CostProviderInfo, ProviderName } from '../../domain/spend/providers/index.js';
import type { Connection } from '../../storage/connections.js';

export type Advice = Extract<HealthCheck, { ok: false }>;

/** A stored cost connection as its provider reads it (the secret, if any, is the provider's to open). */
export type CostConnection = Pick<Connection, 'tenantId' | 'id' | 'label' | 'details' | 'connectedAt'>;

/** A connection parsed from the connect card, before it is checked and stored. */
export interface CostConnectionDraft {
  /** `<provider id>:<account>`: one connection per account. */
  id: string;
  label: string;
  /** Stored in clear: never a secret (a key's last four characters at most). */
  details: Record<string, string>;
  /** Sealed at rest by the repository (e.g. an access key pair); never logged or shown. */
  secret?: string;
  /** What the audit log records of the addition (no secret). */
  audit: Record<string, string>;
}

export type ParsedConnectionInput =
  | { ok: true; value: CostConnectionDraft }
  /** `fields`: the message for each of the card's fields that is wrong (parseInput's field names). */
  | { ok: false; message: string; fields?: Record<string, string> };

/** One fetch of daily rows: the rows, and the calls it took against the minimum the pages required. */
export interface DailyCostRows {
  rows: FocusCostRow[];
  pages: number;
  calls: number;
  /** Days the provider still marks as estimates: they and everything after are not complete. */
  estimatedDays: Day[];
}

/** A failed sync in the provider's words; transient failures (throttling, outages) retry without an alert. */
export interface SyncFailure {
  advice: Advice;
  transient: boolean;
}

export interface CostProvider {
  readonly info: CostProviderInfo & { id: CostProviderId; focusName: ProviderName };
  /** The connect card's fields → a connection to check and store, or what is wrong (nothing stored, nothing sent). */
  parseInput(fields: Readonly<Record<string, unknown>>): ParsedConnectionInput;
  /** A one-day query; `secret` is given for a connection not stored yet. */
  checkHealth(connection: Pick<CostConnection, 'tenantId' | 'id' | 'details'>, secret?: string): Promise<HealthCheck>;
  /** Daily rows of [from, to) (to exclusive), every page fetched before anything is returned. */
  fetchDaily(connection: CostConnection, window: { from: Day; to: Day }): Promise<DailyCostRows>;
  /** The provider's own forecast of [from, to), or undefined where it gives none (budgets use the run-rate). */
  forecast(connection: CostConnection, window: { from: Day; to: Day }): Promise<Price | undefined>;
  /** A fetch failure → advice for the admins. */
  adviceFor(error: unknown, connection: CostConnection): SyncFailure;
}
