// Approved requests whose fulfilment job never reached the queue. A request is stored as
// approved first and its job queued after; an instance that stops in between, or a queue
// that refuses the message, would leave it approved and never fulfilled (and, being open,
// blocking a new request). This sweep queues the job again for every request still
// 'approved' a while after its last change. Fulfilment is safe to run twice.
import type { Logger } from '../logger.js';
import type { RequestRepository } from '../storage/requests.js';
import type { FulfilmentJob } from './requests.js';

/** A fulfilment worker picks a job up within seconds; after this long the job is taken as lost. */
export const STALLED_AFTER_MS = 5 * 60_000;

export class StalledApprovals {
  constructor(private readonly deps: { requests: RequestRepository; enqueueFulfilment(job: FulfilmentJob): Promise<void>; log: Logger }) {}

  async run(now: Date): Promise<{ requeued: number }> {
    let requeued = 0;
    for await (const { value: request } of this.deps.requests.allWithStatus('approved')) {
      if (now.getTime() - Date.parse(request.updatedAt) < STALLED_AFTER_MS) continue;
      // Waiting for seats is no lost job: added seats, or the hourly check, queue it again.
      if (request.waitingForSeats) continue;
      await this.deps.enqueueFulfilment({ tenantId: request.tenantId, requestId: request.id });
      this.deps.log.warn(
        { tenantId: request.tenantId, requestId: request.id, approvedAt: request.updatedAt },
        'approved request had no fulfilment job; queued it again',
      );
      requeued++;
    }
    return { requeued };
  }
}
