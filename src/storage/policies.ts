// Approval policies per tenant. A tenant without any gets the seeded default on first
// read (created with an insert, so two instances seeding at once still make one).
import type { ApprovalPolicy } from '../domain/policy.js';
import { DocumentRepository } from './documents.js';
import { ConcurrencyError } from './errors.js';
import { tenantPartition } from './keys.js';
import type { TableStore } from './table-store.js';
import { KeptFor } from '../single-flight.js';

const POLICY_MEMORY_MS = 15_000;

export class PolicyRepository extends DocumentRepository<ApprovalPolicy> {
  constructor(
    store: TableStore,
    private readonly seed: (tenantId: string) => ApprovalPolicy[],
  ) {
    super(store, 'Policies');
  }

  protected indexColumns(policy: ApprovalPolicy) {
    return { Name: policy.name, Priority: policy.priority };
  }

  /** Policies change rarely and are read on every submission: remembered briefly per instance (turns that find none read and seed once). */
  private readonly recent = new KeptFor<ApprovalPolicy[]>(POLICY_MEMORY_MS);

  async list(tenantId: string): Promise<ApprovalPolicy[]> {
    return this.recent.get(tenantId, () => this.read(tenantId));
  }

  private async read(tenantId: string): Promise<ApprovalPolicy[]> {
    const partition = tenantPartition(tenantId, 'policies');
    const page = await this.pageDocuments(partition, { pageSize: 1000 });
    if (page.items.length > 0) return page.items.map((i) => i.value).sort((a, b) => a.priority - b.priority);
    for (const policy of this.seed(tenantId)) {
      await this.createDocument(partition, policy.id, policy).catch((error: unknown) => {
        if (!(error instanceof ConcurrencyError)) throw error;
      });
    }
    return (await this.pageDocuments(partition, { pageSize: 1000 })).items.map((i) => i.value).sort((a, b) => a.priority - b.priority);
  }
}
