// The reminder job: pending requests get a reminder to their approvers after 24 h in a
// stage, an escalation to the admins after 72 h, and expire after 30 days. Each reminder
// is recorded on the request (ETag-checked) before it is sent, so it goes out once even
// with several instances or a retried job.
import { expire, reminderDue, reminderKey, requestHeadline, type ReminderKind } from '../domain/request.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { RequestRepository, StoredRequest } from '../storage/requests.js';
import type { RequestNotifications } from './notifications.js';

export class ReminderService {
  constructor(private readonly deps: { requests: RequestRepository; notifications: RequestNotifications; audit: AuditLog }) {}

  /** One pass over every pending request of every tenant. Returns what it did, for logs. */
  async run(now: Date): Promise<{ reminded: number; escalated: number; expired: number }> {
    const counts = { reminded: 0, escalated: 0, expired: 0 };
    for await (const { value: request } of this.deps.requests.allWithStatus('pending')) {
      const action = reminderDue(request, now, sentKinds(request));
      if (action === 'expire') {
        if (await this.expire(request, now)) counts.expired++;
      } else if (action) {
        if (await this.claim(request, action)) {
          await this.send(request, action);
          counts[action === 'remind' ? 'reminded' : 'escalated']++;
        }
      }
    }
    return counts;
  }

  /** Records the reminder as sent; false when another instance already did. */
  private async claim(request: StoredRequest, kind: ReminderKind): Promise<boolean> {
    const key = reminderKey(request, kind);
    let claimed = false;
    await this.deps.requests.mutate(request.tenantId, request.id, (current) => {
      claimed = false; // re-decided on every attempt: a conflict means someone else may have claimed it
      if (current.status !== 'pending' || current.stageIndex !== request.stageIndex || current.remindersSent?.includes(key))
        return undefined;
      claimed = true;
      return { ...current, remindersSent: [...(current.remindersSent ?? []), key] };
    });
    return claimed;
  }

  private async send(request: StoredRequest, kind: ReminderKind): Promise<void> {
    const stage = request.stages[request.stageIndex];
    const what = `${request.id}: ${requestHeadline(request)}, requested by ${request.requester.name}`;
    if (kind === 'remind') {
      await this.deps.notifications.remindApprovers(
        request,
        `Reminder: a license request is waiting for your decision for a day (${what}). Type **approvals** to see it.`,
      );
    } else {
      await this.deps.notifications.tellAdmins(
        request.tenantId,
        `Request ${what} has waited 3 days for ${stage?.label ?? 'its approvers'}. Please follow up, or decide it if you are an approver.`,
      );
    }
  }

  private async expire(request: StoredRequest, now: Date): Promise<boolean> {
    let expired: StoredRequest | undefined;
    await this.deps.requests.mutate(request.tenantId, request.id, (current) => {
      const step = expire(current, now);
      expired = step.ok ? { ...current, ...step.request } : undefined;
      return expired;
    });
    if (!expired) return false;
    await this.deps.audit.record({
      tenantId: expired.tenantId,
      actorId: 'system',
      actorName: 'Quartermaster',
      action: 'request.expired',
      target: expired.id,
      before: { status: 'pending' },
      after: { status: 'expired' },
    });
    await this.deps.notifications.refreshCards(expired);
    await this.deps.notifications.tellRequester(
      expired,
      `Your request ${expired.id} for ${expired.product.name} expired after 30 days without a decision. Type **request** to ask again.`,
    );
    return true;
  }
}

function sentKinds(request: StoredRequest): ReminderKind[] {
  return (['remind', 'escalate'] as const).filter((kind) => request.remindersSent?.includes(reminderKey(request, kind)));
}
