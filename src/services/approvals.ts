// Approvers' use case: decide the current stage of a request. The decision is an
// ETag-checked change of the stored request, so double clicks, re-sent invokes and two
// approvers at once give exactly one decision; the others learn the current state.
import { decide, type DecisionRefusal } from '../domain/request.js';
import type { Clock } from '../clock.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { RequestRepository, StoredRequest } from '../storage/requests.js';
import type { RequestNotifications } from './notifications.js';
import type { FulfilmentJob } from './requests.js';
import type { Actor } from '../domain/roles.js';
import { summary } from './requests.js';
import { md } from '../domain/plain-text.js';
import { refused, type Refusal, type Refused } from './outcome.js';

export interface DecisionCommand {
  requestId: string;
  stageIndex: number;
  decision: 'approve' | 'reject';
  comment?: string;
}

/** Decided, or refused (with the request as it is now, when there is one to show). */
export type DecisionResult = { ok: true; request: StoredRequest } | (Refused & { request?: StoredRequest });

/** Why a decision was refused, as the shared refusal: not this person's, too late, or a form problem. */
const REFUSAL_OF: Record<DecisionRefusal, Refusal> = {
  'not-an-approver': 'forbidden',
  'requester-cannot-approve': 'forbidden',
  'beneficiary-cannot-approve': 'forbidden',
  'stage-moved-on': 'conflict',
  'stage-not-open': 'conflict',
  'not-pending': 'conflict',
  'comment-required': 'invalid',
  'comment-too-long': 'invalid',
};

export class ApprovalService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      requests: RequestRepository;
      audit: AuditLog;
      notifications: RequestNotifications;
      enqueueFulfilment(job: FulfilmentJob): Promise<void>;
      /** The calendar decisions, windows and dates are read from. */
      clock: Clock;
    },
  ) {
    this.now = deps.clock;
  }

  async decide(actor: Actor, command: DecisionCommand): Promise<DecisionResult> {
    let refusal: { reason: DecisionRefusal; message: string } | undefined;
    let event: 'stage-approved' | 'approved' | 'rejected' | undefined;
    let before: StoredRequest | undefined;
    const result = await this.deps.requests.mutate(actor.tenantId, command.requestId, (current) => {
      before = current;
      const outcome = decide(current, {
        actorId: actor.aadObjectId,
        actorName: actor.name,
        actorTenantId: actor.tenantId,
        decision: command.decision,
        ...(command.comment !== undefined && { comment: command.comment }),
        stageIndex: command.stageIndex,
        now: this.now(),
      });
      if (!outcome.ok) {
        refusal = { reason: outcome.reason, message: outcome.message };
        event = undefined;
        return undefined;
      }
      refusal = undefined;
      event = outcome.event;
      return { ...current, ...outcome.request };
    });
    if (!result) return refused('not-found', "I can't find that request. It may belong to another organisation.");
    if (refusal || !event) return { ...refused(REFUSAL_OF[refusal!.reason], refusal!.message), request: result.value };

    const request = result.value;
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: `request.${event}`,
      target: request.id,
      before: before && summary(before),
      after: { ...summary(request), ...(command.comment && { comment: command.comment }) },
    });
    await this.deps.notifications.refreshCards(request);
    if (event === 'approved') {
      await this.deps.enqueueFulfilment({ tenantId: request.tenantId, requestId: request.id });
      const next = request.change ? "I'm making the change now." : "I'm assigning the license now.";
      await this.deps.notifications.tellRequester(
        request,
        md`Your request ${request.id} for ${request.product.name} was approved. ${next}`.text,
      );
    } else if (event === 'stage-approved') {
      await this.deps.notifications.askApprovers(request);
    } else {
      const comment = request.decisions.at(-1)?.comment;
      await this.deps.notifications.tellRequester(
        request,
        // The comment is the approver's words: shown as typed, never as markdown or HTML.
        md`Your request ${request.id} for ${request.product.name} was rejected by ${actor.name}: "${comment ?? ''}".`.text,
      );
    }
    return { ok: true, request };
  }
}
