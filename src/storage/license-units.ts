// Delegated license units per tenant (src/domain/license-units.ts), one document each, and per
// unit the quotas last seen over their seats (so a move that pushes a unit over alerts once).
// Both live in the Policies table, each in its own tenant partition.
import type { LicenseUnit } from '../domain/license-units.js';
import { DocumentRepository } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';
import { KeptFor } from '../single-flight.js';

/** Units are read on every submission and change rarely: remembered briefly per instance (a change here forgets them at once). */
const UNITS_MEMORY_MS = 15_000;
const UNITS = 'license-units';
const OVER = 'license-unit-over';

export class LicenseUnitRepository extends DocumentRepository<LicenseUnit> {
  constructor(store: TableStore) {
    super(store, 'Policies');
  }

  protected indexColumns(unit: LicenseUnit) {
    return { Name: unit.name };
  }

  private readonly recent = new KeptFor<LicenseUnit[]>(UNITS_MEMORY_MS);

  list(tenantId: string): Promise<LicenseUnit[]> {
    return this.recent.get(tenantId.toLowerCase(), () => this.read(tenantId));
  }

  private async read(tenantId: string): Promise<LicenseUnit[]> {
    const page = await this.pageDocuments(tenantPartition(tenantId, UNITS), { pageSize: 1000 });
    return page.items.map((i) => i.value).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(tenantId: string, unitId: string): Promise<LicenseUnit | undefined> {
    return (await this.getDocument(tenantPartition(tenantId, UNITS), unitId))?.value;
  }

  /** Read-modify-write with the ETag; `change` gets undefined for a new unit and returns undefined to leave it. */
  async change(
    tenantId: string,
    unitId: string,
    change: (current: LicenseUnit | undefined) => LicenseUnit | undefined,
  ): Promise<{ before?: LicenseUnit; after?: LicenseUnit }> {
    this.recent.delete(tenantId.toLowerCase());
    let before: LicenseUnit | undefined;
    const missing = {} as LicenseUnit;
    const result = await this.mutateDocument(
      tenantPartition(tenantId, UNITS),
      unitId,
      (current) => {
        before = current === missing ? undefined : current;
        return change(before);
      },
      { createFrom: missing },
    );
    this.recent.delete(tenantId.toLowerCase());
    return { ...(before && { before }), ...(result && result.value !== missing && { after: result.value }) };
  }

  async remove(tenantId: string, unitId: string): Promise<void> {
    await this.deleteRow(tenantPartition(tenantId, UNITS), unitId);
    this.recent.delete(tenantId.toLowerCase());
  }
}

/** Per unit: how far each quota (by product id) was over its seats at the last check. */
export type OverQuota = Record<string, number>;

export class UnitOverQuotaStates extends DocumentRepository<OverQuota> {
  constructor(store: TableStore) {
    super(store, 'Policies');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  /**
   * Replaces the unit's state with its ETag: `change` sees the last state and returns the new one
   * and a result; of two checks seeing the same change only the one that stored it gets the result.
   */
  async change<R>(
    tenantId: string,
    unitId: string,
    change: (previous: OverQuota) => { next: OverQuota; result: R },
  ): Promise<R | undefined> {
    let result: R | undefined;
    await this.mutateDocument(
      tenantPartition(tenantId, OVER),
      unitId,
      (previous) => {
        const outcome = change(previous);
        result = outcome.result;
        return outcome.next;
      },
      { createFrom: {} },
    );
    return result;
  }
}
