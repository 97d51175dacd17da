// Spend budgets per tenant in the Budgets table: one JSON document per budget (the domain
// Budget plus who made it and where its alerts go), edited only with its ETag so two admins
// editing at once cannot overwrite each other. Beside each budget, the figures of its last
// evaluation (so a figure that only went down never alerts). Only this file knows the keys.
import type { Budget } from '../domain/spend/budgets.js';
import type { Money } from '../domain/money.js';
import { DocumentRepository, type Versioned } from './documents.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';

export interface StoredBudget extends Budget {
  tenantId: string;
  /** Conversation id of the channel its alerts go to; absent: the tenant's alert channel. */
  channelId?: string;
  channelName?: string;
  createdBy: string;
  createdAt: string;
  updatedBy?: string;
  updatedAt?: string;
}

/** A budget as read, with the ETag an edit or delete must present. */
export interface VersionedBudget {
  budget: StoredBudget;
  etag: string;
}

/** What the last evaluation saw, per period (a new period starts without one). */
export interface BudgetEvaluationMemo {
  periodStart: string;
  actual: Money;
  forecast: Money | null;
  evaluatedAt: string;
}

type BudgetDocument = StoredBudget | BudgetEvaluationMemo;

const MAX_BUDGETS_PER_TENANT = 500;

export class BudgetRepository extends DocumentRepository<BudgetDocument> {
  constructor(store: TableStore) {
    super(store, 'Budgets');
  }

  protected indexColumns(): Record<string, never> {
    return {};
  }

  async list(tenantId: string): Promise<VersionedBudget[]> {
    const budgets: VersionedBudget[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.pageDocuments(budgetsPartition(tenantId), {
        pageSize: 1000,
        ...(continuationToken ? { continuationToken } : {}),
      });
      for (const item of page.items) budgets.push(toVersioned(item));
      continuationToken = page.continuationToken;
    } while (continuationToken && budgets.length < MAX_BUDGETS_PER_TENANT);
    return budgets.sort((a, b) => a.budget.name.localeCompare(b.budget.name) || a.budget.id.localeCompare(b.budget.id));
  }

  async get(tenantId: string, id: string): Promise<VersionedBudget | undefined> {
    const found = await this.getDocument(budgetsPartition(tenantId), id);
    return found && toVersioned(found);
  }

  /** Inserts a new budget; ConcurrencyError when the id exists. */
  async create(budget: StoredBudget): Promise<VersionedBudget> {
    const etag = await this.createDocument(budgetsPartition(budget.tenantId), budget.id, budget);
    return { budget, etag };
  }

  /** Replaces the budget only if nobody changed it since `etag`; ConcurrencyError otherwise. */
  async replace(budget: StoredBudget, etag: string): Promise<VersionedBudget> {
    const next = await this.replaceDocument(budgetsPartition(budget.tenantId), budget.id, budget, etag);
    return { budget, etag: next };
  }

  /** Deletes the budget if unchanged since `etag` (ConcurrencyError otherwise), and its memo. */
  async delete(tenantId: string, id: string, etag: string): Promise<void> {
    await this.deleteRow(budgetsPartition(tenantId), id, etag);
    await this.deleteRow(memoPartition(tenantId), id);
  }

  async lastEvaluation(tenantId: string, id: string): Promise<BudgetEvaluationMemo | undefined> {
    return (await this.getDocument(memoPartition(tenantId), id))?.value as BudgetEvaluationMemo | undefined;
  }

  /** Last writer wins: evaluations of the same data agree, and a lost write only means one more comparison with the ledger. */
  async rememberEvaluation(tenantId: string, id: string, memo: BudgetEvaluationMemo): Promise<void> {
    await this.putDocument(memoPartition(tenantId), id, memo);
  }
}

function toVersioned(item: Versioned<BudgetDocument>): VersionedBudget {
  return { budget: item.value as StoredBudget, etag: item.etag };
}

const budgetsPartition = (tenantId: string) => tenantPartition(tenantId, 'budgets');
const memoPartition = (tenantId: string) => tenantPartition(tenantId, 'budget-evaluations');
