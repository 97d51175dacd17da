// Billing's rows in the Billing table. Only this file knows the layout:
//
//   invoices          <tenant>|billing-invoices              <source>|<invoice id>   summary document (+ Month, Source columns)
//   reconciliations   <tenant>|billing-reconciliations       <source>|<invoice id>   counts and totals
//   findings          <tenant>|billing-findings|<source>|<id> <finding key>           one finding each
//   cost owners       <tenant>|billing-settings              cost-owners             the owners (ETag-checked)
//   chargebacks       <tenant>|chargebacks                   <YYYY-MM>               owners' totals and top items
//   allocations       <tenant>|chargeback-details|<YYYY-MM>  <index>                 every allocated amount (CSV)
//   links             billing-link|<first hash byte>         SHA-256 of the token    what a download link opens
//
// Writes that repeat what is stored write nothing (a re-run reconciliation changes nothing).
import { createHash, randomBytes } from 'node:crypto';
import type { ChargebackDetail, CostOwner, CurrencyChargeback } from '../domain/billing/chargeback.js';
import type { ProductAmount, BillingSource } from '../domain/billing/invoice-lines.js';
import type { Finding } from '../domain/billing/reconciliation.js';
import type { Money } from '../domain/money.js';
import { DocumentRepository, type Versioned } from './documents.js';
import { tenantPartition as keysPartition } from './keys.js';
import { filter, TableRepository, type RowAction } from './repository.js';
import type { TableStore } from './table-store.js';

const MAX_ACTIONS = 100;

/** Tenant ids compared without case (Teams sends them lower-cased; configuration may not). */
const tenantPartition = (tenantId: string, ...scope: string[]) => keysPartition(tenantId.toLowerCase(), ...scope);

/** What a product cost on an invoice (for chargeback: the price actually paid). */
export interface InvoiceProductCost {
  /** Catalog offer id (`productId:skuId:availabilityId`, `mkt:<item>`) when known, else the product id. */
  offerKey: string;
  name: string;
  subscriptionId?: string;
  subtotal: Money;
  quantity: string;
}

/** An invoice as stored: what its card shows and what chargeback needs, never raw lines. */
export interface StoredInvoice {
  source: BillingSource;
  id: string;
  /** The billing month it covers, "YYYY-MM". */
  month: string;
  period: { start: string; end: string };
  issuedOn: string;
  dueOn?: string;
  /** Per currency, from the lines: subtotal + tax = total, top products add up to subtotal. */
  totals: { currency: string; subtotal: Money; tax: Money; total: Money; lines: number; topProducts: ProductAmount[] }[];
  /** The source's own header total, when it states one (compared with the lines). */
  headerTotal?: Money;
  /** Whose lines these are: the partner's whole invoice, or one customer's share of it. */
  scope: 'partner' | 'customer' | 'client';
  /** The source gives a document this tenant may have (a PDF). */
  hasDocument: boolean;
  /** The PO numbers the lines carry. */
  purchaseOrderNumbers: string[];
  products: InvoiceProductCost[];
  /** Lines per product and charge type, for the customer's CSV (at most 200; the rest folded). */
  csvLines: { product: string; chargeType: string; quantity: string; subtotal: string; tax: string; currency: string }[];
  fetchedAt: string;
}

export class InvoiceStore extends DocumentRepository<StoredInvoice> {
  constructor(store: TableStore) {
    super(store, 'Billing');
  }

  protected indexColumns(invoice: StoredInvoice) {
    return { Month: invoice.month, Source: invoice.source, IssuedOn: invoice.issuedOn };
  }

  /** Stores the invoice; false when the stored one is the same but for when it was fetched. */
  async save(tenantId: string, invoice: StoredInvoice): Promise<boolean> {
    const partition = tenantPartition(tenantId, 'billing-invoices');
    const key = `${invoice.source}|${invoice.id}`;
    const current = await this.getDocument(partition, key);
    if (current && sameExcept(current.value, invoice, ['fetchedAt'])) return false;
    await this.putDocument(partition, key, invoice);
    return true;
  }

  async get(tenantId: string, source: BillingSource, invoiceId: string): Promise<StoredInvoice | undefined> {
    return (await this.getDocument(tenantPartition(tenantId, 'billing-invoices'), `${source}|${invoiceId}`))?.value;
  }

  /** Every stored invoice of the tenant, newest first. */
  async list(tenantId: string): Promise<StoredInvoice[]> {
    const found: StoredInvoice[] = [];
    for await (const stored of this.partitionDocuments(tenantPartition(tenantId, 'billing-invoices'))) found.push(stored.value);
    return found.sort((a, b) => (a.issuedOn < b.issuedOn ? 1 : a.issuedOn > b.issuedOn ? -1 : a.id < b.id ? -1 : 1));
  }

  async ofMonth(tenantId: string, month: string): Promise<StoredInvoice[]> {
    const page = await this.pageDocuments(tenantPartition(tenantId, 'billing-invoices'), { pageSize: 1000 }, filter`Month eq ${month}`);
    return page.items.map((i) => i.value);
  }
}

export interface StoredReconciliation {
  source: BillingSource;
  invoiceId: string;
  month: string;
  period: { start: string; end: string };
  lines: number;
  matched: { lines: number; amounts: Money[] };
  counts: { 'price-difference': number; unexpected: number; missing: number };
  /** Per currency: the lines' subtotal = matched + unexpected (to the cent). */
  billed: Money[];
  unexpected: Money[];
  reconciledAt: string;
}

type FindingEntity = { Kind: string; Data: string };

export class ReconciliationStore extends DocumentRepository<StoredReconciliation> {
  private readonly findings: FindingRows;

  constructor(store: TableStore) {
    super(store, 'Billing');
    this.findings = new FindingRows(store);
  }

  protected indexColumns(r: StoredReconciliation) {
    return { Month: r.month, Source: r.source };
  }

  /**
   * Stores the reconciliation and exactly its findings: new and changed ones written, vanished
   * ones deleted, identical ones left alone. Returns how many rows were written or deleted.
   */
  async save(
    tenantId: string,
    reconciliation: StoredReconciliation,
    findings: readonly Finding[],
  ): Promise<{ changed: boolean; findingsWritten: number }> {
    const partition = tenantPartition(tenantId, 'billing-reconciliations');
    const key = `${reconciliation.source}|${reconciliation.invoiceId}`;
    const findingsWritten = await this.findings.replace(
      tenantPartition(tenantId, 'billing-findings', reconciliation.source, reconciliation.invoiceId),
      findings,
    );
    const current = await this.getDocument(partition, key);
    if (current && sameExcept(current.value, reconciliation, ['reconciledAt'])) return { changed: findingsWritten > 0, findingsWritten };
    await this.putDocument(partition, key, reconciliation);
    return { changed: true, findingsWritten };
  }

  async get(
    tenantId: string,
    source: BillingSource,
    invoiceId: string,
  ): Promise<{ reconciliation: StoredReconciliation; findings: Finding[] } | undefined> {
    const stored = await this.getDocument(tenantPartition(tenantId, 'billing-reconciliations'), `${source}|${invoiceId}`);
    if (!stored) return undefined;
    return {
      reconciliation: stored.value,
      findings: await this.findings.all(tenantPartition(tenantId, 'billing-findings', source, invoiceId)),
    };
  }
}

/**
 * Rows each holding one JSON string under its row key, kept equal to what is wanted: changed
 * rows replaced (a delete and a create in one transaction), vanished ones deleted, identical
 * ones left alone. Findings and chargeback allocations are stored this way.
 */
abstract class JsonRows<E extends { Data: string }> extends TableRepository<E> {
  constructor(store: TableStore) {
    super(store, 'Billing');
  }

  /** Every row of the partition: row key → its Data. */
  protected async stored(partition: string): Promise<Map<string, string>> {
    const stored = new Map<string, string>();
    for await (const row of this.partitionRows(partition)) stored.set(row.rowKey, row.value.Data);
    return stored;
  }

  /** Makes the partition hold exactly `wanted` (row key → entity); the actions it took. */
  protected async sync(partition: string, wanted: ReadonlyMap<string, E>): Promise<RowAction[]> {
    const stored = await this.stored(partition);
    const actions: RowAction[] = [];
    for (const [key, value] of wanted) {
      const old = stored.get(key);
      if (old === value.Data) continue;
      if (old !== undefined) actions.push({ kind: 'delete', rowKey: key });
      actions.push({ kind: 'create', rowKey: key, value });
    }
    for (const key of stored.keys()) if (!wanted.has(key)) actions.push({ kind: 'delete', rowKey: key });
    // A replaced row is a delete and a create of the same key: keep each pair in one transaction.
    for (let i = 0; i < actions.length;) {
      let end = Math.min(actions.length, i + MAX_ACTIONS);
      if (
        end < actions.length &&
        actions[end - 1]!.kind === 'delete' &&
        actions[end]!.kind === 'create' &&
        actions[end]!.rowKey === actions[end - 1]!.rowKey
      )
        end--;
      await this.transact(partition, actions.slice(i, end));
      i = end;
    }
    return actions;
  }
}

class FindingRows extends JsonRows<FindingEntity> {
  async all(partition: string): Promise<Finding[]> {
    const found = [...(await this.stored(partition)).values()].map((data) => JSON.parse(data) as Finding);
    const order = { 'price-difference': 0, unexpected: 1, missing: 2 } as const;
    return found.sort((a, b) => order[a.kind] - order[b.kind] || (a.key < b.key ? -1 : 1));
  }

  /** How many rows were written or deleted. */
  async replace(partition: string, findings: readonly Finding[]): Promise<number> {
    const wanted = new Map(findings.map((f) => [f.key, { Kind: f.kind, Data: JSON.stringify(f) }]));
    const actions = await this.sync(partition, wanted);
    return actions.filter((a) => a.kind === 'create' || !wanted.has(a.rowKey)).length;
  }
}

export interface CostOwnersDocument {
  owners: CostOwner[];
  /** False until an admin saved them: the directory's departments are offered as a start. */
  configured: boolean;
  updatedAt: string;
  updatedBy?: string;
}

export class CostOwnerStore extends DocumentRepository<CostOwnersDocument> {
  constructor(store: TableStore) {
    super(store, 'Billing');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  async get(tenantId: string): Promise<Versioned<CostOwnersDocument> | undefined> {
    return this.getDocument(tenantPartition(tenantId, 'billing-settings'), 'cost-owners');
  }

  /** ETag-checked change (or creation from `initial`); ConcurrencyError after too many races. */
  async change(
    tenantId: string,
    initial: CostOwnersDocument,
    change: (current: CostOwnersDocument) => CostOwnersDocument | undefined,
  ): Promise<CostOwnersDocument> {
    const result = await this.mutateDocument(tenantPartition(tenantId, 'billing-settings'), 'cost-owners', change, {
      createFrom: initial,
      attempts: 10,
    });
    return result?.value ?? initial;
  }
}

export interface StoredChargeback {
  month: string;
  currencies: CurrencyChargeback[];
  /** True when license costs came from invoices; false when a month was not invoiced yet (catalog prices). */
  invoiced: boolean;
  details: number;
  computedAt: string;
}

type DetailEntity = { Data: string };

export class ChargebackStore extends DocumentRepository<StoredChargeback> {
  private readonly rows: DetailRows;

  constructor(store: TableStore) {
    super(store, 'Billing');
    this.rows = new DetailRows(store);
  }

  protected indexColumns(c: StoredChargeback) {
    return { Month: c.month };
  }

  async get(tenantId: string, month: string): Promise<StoredChargeback | undefined> {
    return (await this.getDocument(tenantPartition(tenantId, 'chargebacks'), month))?.value;
  }

  /** Stores the month and its allocations (replacing an earlier computation of it); nothing written when unchanged. */
  async save(tenantId: string, chargeback: StoredChargeback, details: readonly ChargebackDetail[]): Promise<boolean> {
    const partition = tenantPartition(tenantId, 'chargebacks');
    const current = await this.getDocument(partition, chargeback.month);
    const detailsChanged = await this.rows.replace(tenantPartition(tenantId, 'chargeback-details', chargeback.month), details);
    if (current && !detailsChanged && sameExcept(current.value, chargeback, ['computedAt'])) return false;
    await this.putDocument(partition, chargeback.month, chargeback);
    return true;
  }

  details(tenantId: string, month: string): Promise<ChargebackDetail[]> {
    return this.rows.all(tenantPartition(tenantId, 'chargeback-details', month));
  }
}

/** Allocations in rows of up to 50 details each (a row holds one JSON string of at most 32K characters). */
class DetailRows extends JsonRows<DetailEntity> {
  private static readonly PER_ROW = 50;

  async all(partition: string): Promise<ChargebackDetail[]> {
    const rows = [...(await this.stored(partition))].sort(([a], [b]) => (a < b ? -1 : 1));
    return rows.flatMap(([, data]) => JSON.parse(data) as ChargebackDetail[]);
  }

  /** True when anything was written or deleted. */
  async replace(partition: string, details: readonly ChargebackDetail[]): Promise<boolean> {
    const wanted = new Map<string, DetailEntity>();
    for (let i = 0; i * DetailRows.PER_ROW < details.length; i++)
      wanted.set(String(i).padStart(6, '0'), {
        Data: JSON.stringify(details.slice(i * DetailRows.PER_ROW, (i + 1) * DetailRows.PER_ROW)),
      });
    return (await this.sync(partition, wanted)).length > 0;
  }
}

export type BillingLinkKind = 'invoice-document' | 'chargeback-csv';

export interface BillingLinkBinding {
  tenantId: string;
  /** Entra object id of the person it was made for. */
  userId: string;
  kind: BillingLinkKind;
  /** invoice-document: `<source>|<invoice id>`; chargeback-csv: `<YYYY-MM>` or `<YYYY-MM>|<owner id>`. */
  ref: string;
}

type LinkEntity = { TenantId: string; UserId: string; Kind: string; Ref: string; ExpiresAt: string };

/**
 * Download links for documents, and the context of file consent cards: 32 random bytes handed
 * out, only their SHA-256 kept, bound to the person, the tenant and the document, expiring
 * (30 minutes, as Partner Center's own PDF links).
 */
export class BillingLinks extends TableRepository<LinkEntity> {
  constructor(store: TableStore) {
    super(store, 'Billing');
  }

  async issue(binding: BillingLinkBinding, ttlMs: number, now = this.store.clock()): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + ttlMs);
    const hash = hashOf(token);
    await this.createRow(`billing-link|${hash.slice(0, 2)}`, hash, {
      TenantId: binding.tenantId,
      UserId: binding.userId,
      Kind: binding.kind,
      Ref: binding.ref,
      ExpiresAt: expiresAt.toISOString(),
    });
    return { token, expiresAt };
  }

  /** What the token opens; 'expired' or 'unknown' otherwise (a token of another shape is unknown, nothing looked up). */
  async resolve(token: string, now = this.store.clock()): Promise<BillingLinkBinding | 'expired' | 'unknown'> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return 'unknown';
    const hash = hashOf(token);
    const row = await this.getRow(`billing-link|${hash.slice(0, 2)}`, hash);
    if (!row) return 'unknown';
    if (Date.parse(row.value.ExpiresAt) <= now.getTime()) return 'expired';
    return { tenantId: row.value.TenantId, userId: row.value.UserId, kind: row.value.Kind as BillingLinkKind, ref: row.value.Ref };
  }
}

type ProcessedEntity = { ProcessedAt: string; Tenants: string };

/** Partner-level: which Partner Center invoices were exported and spread to which tenants (an invoice is frozen once issued). */
export class ProcessedInvoices extends TableRepository<ProcessedEntity> {
  constructor(store: TableStore) {
    super(store, 'Billing');
  }

  async tenantsOf(partnerTenantId: string, invoiceId: string): Promise<string[] | undefined> {
    const row = await this.getRow(tenantPartition(partnerTenantId, 'billing-processed'), invoiceId);
    return row ? (JSON.parse(row.value.Tenants) as string[]) : undefined;
  }

  async mark(partnerTenantId: string, invoiceId: string, tenants: readonly string[], now = this.store.clock()): Promise<void> {
    await this.putRow(tenantPartition(partnerTenantId, 'billing-processed'), invoiceId, {
      ProcessedAt: now.toISOString(),
      Tenants: JSON.stringify([...tenants].sort()),
    });
  }
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

function sameExcept<T extends object>(a: T, b: T, ignored: (keyof T)[]): boolean {
  const strip = (value: T) => JSON.stringify({ ...value, ...Object.fromEntries(ignored.map((k) => [k, null])) });
  return strip(a) === strip(b);
}
