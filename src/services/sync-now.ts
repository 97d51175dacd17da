// `sync now` as queued work: the command is answered at once and the sync runs on a worker.
// A sync can take minutes (throttled pages, many months), far past the 15 s Teams gives a
// turn, and Teams sends a message again when its turn times out. The queue keeps the ask
// if this instance stops; the result goes back to the chat through the outbox, once, even
// when the job runs twice (the second run finds nothing new and its message dedupes).
import type { Clock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import type { HandlerResult } from '../storage/queues.js';
import type { WorkQueue } from '../storage/queues.js';
import type { SpendSync, SyncReport } from './spend-contracts.js';

export interface SyncNowJob {
  /** One per ask: the result message's dedupe key. */
  id: string;
  tenantId: string;
  /** Where the admin asked, and where the result goes. */
  conversationId: string;
  requestedBy: string;
}

export interface SyncNowDeps {
  queue: WorkQueue<SyncNowJob>;
  sync: SpendSync;
  /** Tells the chat what the sync did (a message through the outbox, keyed by the job). */
  tell: (job: SyncNowJob, report: SyncReport) => Promise<void>;
  /** Wakes the worker on this instance, so the sync starts now rather than at its next poll. */
  nudge?: () => void;
  /** The calendar. */
  clock: Clock;
}

export class SyncNowService {
  constructor(private readonly d: SyncNowDeps) {}

  async request(actor: { tenantId: string; aadObjectId: string }, conversationId: string): Promise<void> {
    await this.d.queue.send({ id: randomUUID(), tenantId: actor.tenantId, conversationId, requestedBy: actor.aadObjectId });
    this.d.nudge?.();
  }

  async handle(job: SyncNowJob): Promise<HandlerResult> {
    const report = await this.d.sync.syncTenant(job.tenantId, { now: this.d.clock(), force: true });
    await this.d.tell(job, report);
    return { done: true };
  }
}
