// `invoices` as queued work, like `sync now`: reading invoices means Microsoft's asynchronous
// exports (minutes), far past the 15 s Teams gives a turn. The command answers at once with
// what is stored (or says it is fetching); the worker refreshes the tenant and posts the
// invoice cards to the chat through the outbox, keyed by the ask, so a job that runs twice
// posts once. The daily run refreshes every managed tenant the same way, without a chat.
import { randomUUID } from 'node:crypto';
import type { HandlerResult, WorkQueue } from '../../storage/queues.js';
import type { StoredInvoice } from '../../storage/billing.js';
import type { InvoiceService, RefreshReport } from './invoices.js';

export interface BillingRefreshJob {
  /** One per ask: the dedupe key of what goes back to the chat. */
  id: string;
  tenantId: string;
  conversationId: string;
  requestedBy: string;
}

/** Posts the invoice cards (or a note when there are none) to the chat that asked. */
export type InvoiceTeller = (job: BillingRefreshJob, invoices: StoredInvoice[], report: RefreshReport) => Promise<void>;

export class BillingRefresh {
  constructor(
    private readonly d: {
      queue: WorkQueue<BillingRefreshJob>;
      invoices: InvoiceService;
      tell: InvoiceTeller;
      nudge?: () => void;
    },
  ) {}

  async request(actor: { tenantId: string; aadObjectId: string }, conversationId: string): Promise<void> {
    await this.d.queue.send({ id: randomUUID(), tenantId: actor.tenantId, conversationId, requestedBy: actor.aadObjectId });
    this.d.nudge?.();
  }

  async handle(job: BillingRefreshJob): Promise<HandlerResult> {
    const report = await this.d.invoices.refresh([job.tenantId]);
    const stored = await this.d.invoices.stored({ tenantId: job.tenantId, aadObjectId: job.requestedBy });
    await this.d.tell(job, stored.ok ? stored.invoices : [], report);
    return { done: true };
  }
}
