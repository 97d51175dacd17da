// Approvers' use case: decide the current stage of a request. The decision is an
// ETag-checked change of the stored request, so double clicks, re-sent invokes and two
// approvers at once give exactly one decision; the others learn the current state.
import { decide, escalateOverQuota, type DecisionInput, type DecisionRefusal, type ResolvedStage } from '../domain/request.js';
import { describeQuota, type QuotaState } from '../domain/license-units.js';
import type { LicenseUnitService } from './license-units.js';
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
      /** Units' quotas: a unit license admin's approval is counted against them (or passed to the admins). */
      units?: Pick<LicenseUnitService, 'decideWithinQuota'>;
    },
  ) {
    this.now = deps.clock;
  }

  async decide(actor: Actor, command: DecisionCommand): Promise<DecisionResult> {
    const units = this.deps.units;
    if (command.decision === 'approve' && units) {
      const current = (await this.deps.requests.get(actor.tenantId, command.requestId))?.value;
      const stage = current?.status === 'pending' ? current.stages[current.stageIndex] : undefined;
      // Only someone who may decide this step gets the quota counted (the rest are refused below as usual).
      if (current?.unit && stage?.kind === 'unit' && decide(current, this.decisionInput(actor, command)).ok) {
        return units.decideWithinQuota(
          current,
          (quota) => this.apply(actor, command, quota),
          (admins, quota) => this.escalate(actor, command, admins, quota),
        );
      }
    }
    return this.apply(actor, command);
  }

  private decisionInput(actor: Actor, command: DecisionCommand): DecisionInput {
    return {
      actorId: actor.aadObjectId,
      actorName: actor.name,
      actorTenantId: actor.tenantId,
      decision: command.decision,
      ...(command.comment !== undefined && { comment: command.comment }),
      stageIndex: command.stageIndex,
      now: this.now(),
    };
  }

  /** Over the unit's quota: the step goes to the tenant admins with the reason; exactly once (ETag). */
  private async escalate(actor: Actor, command: DecisionCommand, admins: ResolvedStage, quota: QuotaState): Promise<DecisionResult> {
    if (admins.approverIds.length === 0) {
      // Every admin is the requester or the person it is for: nobody could take the step over.
      const current = (await this.deps.requests.get(actor.tenantId, command.requestId))?.value;
      return {
        ...refused(
          'conflict',
          `This would go over the quota (${admins.escalation ?? 'no quota left'}), and there is no other admin to decide it. Raise the unit's quota with units, or free a seat with my unit.`,
        ),
        ...(current && { request: current }),
      };
    }
    let refusal: { reason: DecisionRefusal; message: string } | undefined;
    let escalated = false;
    let before: StoredRequest | undefined;
    const result = await this.deps.requests.mutate(actor.tenantId, command.requestId, (current) => {
      before = current;
      const outcome = escalateOverQuota(current, this.decisionInput(actor, command), admins, { seats: quota.seats, used: quota.used });
      refusal = outcome.ok ? undefined : { reason: outcome.reason, message: outcome.message };
      escalated = outcome.ok;
      return outcome.ok ? { ...current, ...outcome.request } : undefined;
    });
    if (!result) return refused('not-found', "I can't find that request. It may belong to another organisation.");
    if (refusal || !escalated)
      return { ...refused(REFUSAL_OF[refusal?.reason ?? 'not-pending'], refusal?.message ?? ''), request: result.value };
    const request = result.value;
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'request.escalated',
      target: request.id,
      before: before && { ...summary(before), quota: describeQuota(quota) },
      after: { ...summary(request), reason: admins.escalation ?? '', decidedBy: admins.label },
    });
    await this.deps.notifications.refreshCards(request);
    await this.deps.notifications.askApprovers(request);
    await this.deps.notifications.tellRequester(
      request,
      md`Your request ${request.id} for ${request.product.name} went to the admins: ${admins.escalation ?? 'over the unit quota'}.`.text,
    );
    return { ok: true, request };
  }

  private async apply(actor: Actor, command: DecisionCommand, quota?: { before: QuotaState; after: QuotaState }): Promise<DecisionResult> {
    let refusal: { reason: DecisionRefusal; message: string } | undefined;
    let event: 'stage-approved' | 'approved' | 'rejected' | undefined;
    let before: StoredRequest | undefined;
    const result = await this.deps.requests.mutate(actor.tenantId, command.requestId, (current) => {
      before = current;
      const outcome = decide(current, this.decisionInput(actor, command));
      if (!outcome.ok) {
        refusal = { reason: outcome.reason, message: outcome.message };
        event = undefined;
        return undefined;
      }
      refusal = undefined;
      event = outcome.event;
      // The unit's count as this approval leaves it, for the card and the audit.
      const unit = quota && current.unit && { ...current.unit, quota: { seats: quota.after.seats, used: quota.after.used } };
      return { ...current, ...outcome.request, ...(unit && { unit }) };
    });
    if (!result) return refused('not-found', "I can't find that request. It may belong to another organisation.");
    if (refusal || !event) {
      // Someone deciding what is not theirs (a forged or forwarded card) is on the record.
      if (REFUSAL_OF[refusal!.reason] === 'forbidden')
        await this.deps.audit.record({
          tenantId: actor.tenantId,
          actorId: actor.aadObjectId,
          actorName: actor.name,
          action: 'request.decision-refused',
          target: command.requestId,
          after: {
            decision: command.decision,
            stageIndex: command.stageIndex,
            reason: refusal!.reason,
            ...(result.value.unit && { unit: result.value.unit.name }),
          },
        });
      return { ...refused(REFUSAL_OF[refusal!.reason], refusal!.message), request: result.value };
    }

    const request = result.value;
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: `request.${event}`,
      target: request.id,
      before: before && { ...summary(before), ...(quota && { quota: describeQuota(quota.before) }) },
      after: {
        ...summary(request),
        ...(command.comment && { comment: command.comment }),
        ...(quota && { quota: describeQuota(quota.after) }),
      },
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
