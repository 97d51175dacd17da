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
import type { Actor } from '../domain/roles.js';
import { done, refused, type Outcome } from './outcome.js';
import type { RoleService } from './roles.js';

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
  roles: RoleService;
}

export const ONLY_ADMINS_SYNC = 'Only admins can run a cost sync. Type **help** to see the commands you can use.';

export class SyncNowService {
  constructor(private readonly d: SyncNowDeps) {}

  /** An admin's `sync now` in a conversation: queued, and answered there when done. */
  async request(actor: Actor, conversationId: string): Promise<Outcome> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SYNC);
    await this.d.queue.send({ id: randomUUID(), tenantId: actor.tenantId, conversationId, requestedBy: actor.aadObjectId });
    this.d.nudge?.();
    return done(
      undefined,
      "Syncing Azure and AWS costs now. I'll post what I found here when it's done; budgets and anomalies are checked right after.",
    );
  }

  async handle(job: SyncNowJob): Promise<HandlerResult> {
    const report = await this.d.sync.syncTenant(job.tenantId, { now: this.d.clock(), force: true });
    await this.d.tell(job, report);
    return { done: true };
  }
}
