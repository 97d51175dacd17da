import { describe, expect, it } from 'vitest';
import type { PolicyStage } from '../../src/domain/policy.js';
import {
  canDecide,
  cancel,
  completeFulfilment,
  createRequest,
  currentStage,
  decide,
  describeRequest,
  expire,
  failFulfilment,
  findOpenRequest,
  hasOpenRequest,
  reminderDue,
  reminderKey,
  requestMonthlyCost,
  resolveStages,
  retryFulfilment,
  stageStartedAt,
  startFulfilment,
  statusText,
  validateRequestInput,
  type DecisionInput,
  type LicenseRequest,
  type NewRequest,
  type ResolvedStage,
} from '../../src/domain/request.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');
const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);
const days = (n: number) => at(n * 24);

const ALEX = { id: 'alex-id', name: 'Alex Wilber' }; // requester
const ADELE = { id: 'adele-id', name: 'Adele Vance' }; // Alex's manager
const LYNNE = { id: 'lynne-id', name: 'Lynne Robbins' }; // License approvers
const MEGAN = { id: 'megan-id', name: 'Megan Bowen' }; // License approvers, admin

const managerStage: ResolvedStage = { kind: 'manager', label: 'Adele Vance (manager)', approverIds: ['adele-id'] };
const groupStage: ResolvedStage = { kind: 'group', label: 'License approvers', approverIds: ['lynne-id', 'megan-id'] };

const newRequest: NewRequest = {
  id: 'req-1',
  tenantId: 'tenant-1',
  requester: { aadObjectId: ALEX.id, name: ALEX.name },
  beneficiary: { id: ALEX.id, upn: 'alexw@contoso.com', name: ALEX.name },
  product: { offerId: 'CFQ7TTC0HD33:0001:CFQ7TTC0LH2P', productId: 'CFQ7TTC0HD33', name: 'Visio Plan 2', skuPartNumber: 'VISIOCLIENT' },
  quantity: 20,
  unitPrice: { amount: '15.00', currency: 'USD' },
  justification: 'Diagrams for the migration project',
  policyId: 'default',
};

function pending(stages: ResolvedStage[] = [managerStage, groupStage]): LicenseRequest {
  return createRequest(newRequest, { kind: 'approval', stages }, T0).request;
}

const by = (person: { id: string; name: string }, overrides: Partial<DecisionInput> = {}): DecisionInput => ({
  actorId: person.id,
  actorName: person.name,
  decision: 'approve',
  stageIndex: 0,
  now: at(1),
  ...overrides,
});

function ok<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

describe('creating a request', () => {
  it('starts pending at stage 0 with the resolved stages', () => {
    const { request, event } = createRequest(newRequest, { kind: 'approval', stages: [managerStage] }, T0);
    expect(event).toBe('submitted');
    expect(request).toMatchObject({
      status: 'pending',
      stageIndex: 0,
      decisions: [],
      createdAt: '2026-03-01T09:00:00.000Z',
      updatedAt: '2026-03-01T09:00:00.000Z',
    });
    expect(currentStage(request)).toEqual(managerStage);
    expect(statusText(request)).toBe('Waiting for Adele Vance (manager) (step 1 of 1)');
  });

  it('starts approved with no stages when auto-approved', () => {
    const { request, event } = createRequest(newRequest, { kind: 'auto-approve' }, T0);
    expect(event).toBe('auto-approved');
    expect(request).toMatchObject({ status: 'approved', stages: [] });
    expect(currentStage(request)).toBeUndefined();
  });

  it('refuses a pending request nobody could move', () => {
    expect(() => createRequest(newRequest, { kind: 'approval', stages: [] }, T0)).toThrow(RangeError);
    expect(() => createRequest(newRequest, { kind: 'approval', stages: [{ ...groupStage, approverIds: [] }] }, T0)).toThrow(RangeError);
  });

  it('computes and describes the monthly cost', () => {
    expect(requestMonthlyCost(newRequest)).toEqual({ amount: '300.00', currency: 'USD' });
    expect(describeRequest(newRequest)).toBe('20 × Visio Plan 2 at 15.00 USD = 300.00 USD / month');
  });
});

describe('resolving stages to people', () => {
  const policyStages: PolicyStage[] = [
    { approver: { kind: 'manager' } },
    { approver: { kind: 'group', groupId: 'g1', groupName: 'License approvers' } },
  ];
  const facts = { requesterId: ALEX.id, manager: ADELE, groupMembers: { g1: [LYNNE, MEGAN] }, admins: [MEGAN] };

  it('names the manager and lists group members, lower-cased and de-duplicated', () => {
    const result = resolveStages(policyStages, { ...facts, groupMembers: { g1: [{ id: 'LYNNE-ID', name: 'Lynne' }, LYNNE, MEGAN] } });
    expect(result).toEqual({ ok: true, stages: [managerStage, groupStage] });
  });

  it('never lists the requester, even as a group member', () => {
    const result = resolveStages(policyStages, { ...facts, groupMembers: { g1: [LYNNE, { id: 'ALEX-ID', name: 'Alex' }] } });
    expect(ok(result).stages[1]?.approverIds).toEqual(['lynne-id']);
  });

  it('falls back to the admins when there is no manager, instead of skipping the stage', () => {
    const { manager: _none, ...noManager } = facts;
    const stages = ok(resolveStages(policyStages, noManager)).stages;
    expect(stages[0]).toEqual({
      kind: 'admins',
      label: 'Admins (no manager is set for you in the directory)',
      approverIds: ['megan-id'],
      fallback: true,
    });
  });

  it('falls back to the admins when the group is empty or has only the requester', () => {
    expect(ok(resolveStages(policyStages, { ...facts, groupMembers: {} })).stages[1]).toMatchObject({
      kind: 'admins',
      label: 'Admins (License approvers has no other members)',
      fallback: true,
    });
    expect(ok(resolveStages(policyStages, { ...facts, groupMembers: { g1: [ALEX] } })).stages[1]).toMatchObject({
      kind: 'admins',
      approverIds: ['megan-id'],
    });
  });

  it('never lists the beneficiary: a manager who would approve their own license falls back to the admins', () => {
    // A request by Alex for Adele, who is Alex's manager.
    const forAdele = { ...facts, beneficiaryId: 'ADELE-ID', admins: [ADELE, MEGAN] };
    const stages = ok(resolveStages(policyStages, forAdele)).stages;
    expect(stages[0]).toEqual({
      kind: 'admins',
      label: 'Admins (the manager is the person the license is for)',
      approverIds: ['megan-id'],
      fallback: true,
    });
    // The beneficiary in the group is left out too; the others decide.
    const inGroup = ok(resolveStages(policyStages, { ...forAdele, groupMembers: { g1: [ADELE, LYNNE] } })).stages;
    expect(inGroup[1]?.approverIds).toEqual(['lynne-id']);
  });

  it('refuses submission when only the requester and the beneficiary could approve', () => {
    const result = resolveStages(policyStages, { ...facts, beneficiaryId: 'ADELE-ID', groupMembers: {}, admins: [ALEX, ADELE] });
    expect(result).toEqual({
      ok: false,
      stageIndex: 0,
      message:
        'Nobody can approve step 1: the manager is the person the license is for, and there is no admin other than you and the person it is for. Ask an admin to add approvers.',
    });
  });

  it('refuses submission when nobody at all could approve a stage', () => {
    const result = resolveStages(policyStages, { ...facts, groupMembers: {}, admins: [ALEX] });
    expect(result).toEqual({
      ok: false,
      stageIndex: 1,
      message:
        'Nobody can approve step 2: License approvers has no other members, and there is no other admin. Ask an admin to add approvers.',
    });
  });
});

describe('deciding', () => {
  it('moves through the stages, then approves', () => {
    const first = ok(decide(pending(), by(ADELE)));
    expect(first.event).toBe('stage-approved');
    expect(first.request).toMatchObject({ status: 'pending', stageIndex: 1, updatedAt: at(1).toISOString() });
    expect(first.request.decisions).toEqual([
      { stageIndex: 0, approverId: 'adele-id', approverName: 'Adele Vance', decision: 'approve', at: at(1).toISOString() },
    ]);
    expect(statusText(first.request)).toBe('Waiting for License approvers (step 2 of 2)');

    const second = ok(decide(first.request, by(LYNNE, { stageIndex: 1, now: at(2), comment: '  fine  ' })));
    expect(second.event).toBe('approved');
    expect(second.request).toMatchObject({ status: 'approved', stageIndex: 2 });
    expect(second.request.decisions[1]).toMatchObject({ approverId: 'lynne-id', comment: 'fine' });
    expect(statusText(second.request)).toBe('Approved; the license will be assigned shortly');
  });

  it('does not mutate the request it was given', () => {
    const request = pending();
    const copy = structuredClone(request);
    ok(decide(request, by(ADELE)));
    expect(request).toEqual(copy);
  });

  it('refuses the beneficiary even where a stage (stored before this rule) lists them', () => {
    const forAdele = { ...pending([managerStage]), beneficiary: { id: ADELE.id, upn: 'adelev@contoso.com', name: ADELE.name } };
    expect(decide(forAdele, by(ADELE))).toMatchObject({ ok: false, reason: 'beneficiary-cannot-approve' });
    expect(canDecide(forAdele, ADELE.id)).toBe(false);
  });

  it('approves at once with a single stage', () => {
    expect(ok(decide(pending([managerStage]), by(ADELE))).event).toBe('approved');
  });

  it('rejects with a comment and ends the request', () => {
    const result = ok(decide(pending(), by(ADELE, { decision: 'reject', comment: 'Use the shared Visio seat instead' })));
    expect(result.event).toBe('rejected');
    expect(result.request).toMatchObject({
      status: 'rejected',
      outcome: { kind: 'rejected', message: 'Rejected by Adele Vance: Use the shared Visio seat instead' },
    });
  });

  it('can reject at the second stage', () => {
    const first = ok(decide(pending(), by(ADELE))).request;
    expect(ok(decide(first, by(MEGAN, { stageIndex: 1, decision: 'reject', comment: 'Budget' }))).request.status).toBe('rejected');
  });

  it('requires a comment to reject (blank counts as none)', () => {
    expect(decide(pending(), by(ADELE, { decision: 'reject' }))).toMatchObject({ ok: false, reason: 'comment-required' });
    expect(decide(pending(), by(ADELE, { decision: 'reject', comment: '   \n ' }))).toMatchObject({
      ok: false,
      reason: 'comment-required',
    });
  });

  it('limits comments to 1000 characters', () => {
    expect(ok(decide(pending(), by(ADELE, { decision: 'reject', comment: 'x'.repeat(1000) }))).event).toBe('rejected');
    const long = decide(pending(), by(ADELE, { decision: 'reject', comment: 'x'.repeat(10_000) }));
    expect(long).toMatchObject({ ok: false, reason: 'comment-too-long' });
    expect(!long.ok && long.message.length).toBeLessThan(200);
    expect(decide(pending(), by(ADELE, { comment: 'y'.repeat(1001) }))).toMatchObject({ ok: false, reason: 'comment-too-long' });
  });

  it('refuses a second decision once approved (double click, retry)', () => {
    const approved = ok(decide(pending([managerStage]), by(ADELE))).request;
    const again = decide(approved, by(ADELE));
    expect(again).toEqual({
      ok: false,
      reason: 'not-pending',
      message: 'This request was already approved by Adele Vance; there is nothing left to decide.',
    });
  });

  it('refuses a decision on a rejected, cancelled, expired or auto-approved request', () => {
    const rejected = ok(decide(pending(), by(ADELE, { decision: 'reject', comment: 'no' }))).request;
    expect(decide(rejected, by(ADELE))).toMatchObject({
      reason: 'not-pending',
      message: 'This request was already rejected by Adele Vance.',
    });
    const cancelled = ok(cancel(pending(), ALEX.id, at(1))).request;
    expect(decide(cancelled, by(ADELE))).toMatchObject({ reason: 'not-pending', message: expect.stringContaining('cancelled') });
    const expired = ok(expire(pending(), days(30))).request;
    expect(decide(expired, by(ADELE))).toMatchObject({ reason: 'not-pending', message: expect.stringContaining('expired') });
    const auto = createRequest(newRequest, { kind: 'auto-approve' }, T0).request;
    expect(decide(auto, by(ADELE))).toMatchObject({ reason: 'not-pending', message: expect.stringContaining('automatically') });
  });

  it('refuses a stage-1 approver at stage 2, from the old card and from the new one', () => {
    const atStage2 = ok(decide(pending(), by(ADELE))).request;
    expect(decide(atStage2, by(ADELE, { stageIndex: 0 }))).toMatchObject({ ok: false, reason: 'stage-moved-on' });
    expect(decide(atStage2, by(ADELE, { stageIndex: 1 }))).toEqual({
      ok: false,
      reason: 'not-an-approver',
      message: 'Only License approvers can decide this step of the request.',
    });
  });

  it('refuses a stage-2 approver acting on stage 1 early', () => {
    expect(decide(pending(), by(LYNNE))).toMatchObject({
      ok: false,
      reason: 'not-an-approver',
      message: expect.stringContaining('Adele Vance (manager)'),
    });
    // A card of a later step (or a forged one) is told the step is not open yet, not that it was decided.
    expect(decide(pending(), by(LYNNE, { stageIndex: 1 }))).toMatchObject({
      ok: false,
      reason: 'stage-not-open',
      message:
        'That step is not open yet: step 1 (Adele Vance (manager)) must be decided first. You will get the card when it is your turn.',
    });
  });

  it('never lets the requester approve their own request, even when listed as an approver', () => {
    const selfListed = pending([{ ...groupStage, approverIds: ['alex-id', 'lynne-id'] }]);
    expect(decide(selfListed, by(ALEX))).toMatchObject({ ok: false, reason: 'requester-cannot-approve' });
    expect(decide(selfListed, by({ id: 'ALEX-ID', name: 'Alex' }))).toMatchObject({ ok: false, reason: 'requester-cannot-approve' });
    expect(canDecide(selfListed, ALEX.id)).toBe(false);
  });

  it('refuses someone who is not an approver, and someone from another tenant', () => {
    expect(decide(pending(), by({ id: 'stranger', name: 'S' }))).toMatchObject({ ok: false, reason: 'not-an-approver' });
    expect(decide(pending(), by(ADELE, { actorTenantId: 'tenant-2' }))).toMatchObject({ ok: false, reason: 'not-an-approver' });
    expect(ok(decide(pending(), by(ADELE, { actorTenantId: 'TENANT-1' }))).event).toBe('stage-approved');
  });

  it('matches approver ids case-insensitively', () => {
    expect(ok(decide(pending(), by({ id: 'ADELE-ID', name: 'Adele Vance' }))).request.decisions[0]?.approverId).toBe('adele-id');
  });

  it('lets any one of a group decide, exactly once', () => {
    const atStage2 = ok(decide(pending(), by(ADELE))).request;
    const done = ok(decide(atStage2, by(MEGAN, { stageIndex: 1 }))).request;
    expect(decide(done, by(LYNNE, { stageIndex: 1 }))).toMatchObject({ ok: false, reason: 'not-pending' });
  });

  it('refuses a stage that somehow has no approvers, rather than passing it', () => {
    const broken = { ...pending(), stages: [{ ...managerStage, approverIds: [] }] };
    expect(decide(broken, by(ADELE))).toMatchObject({ ok: false, reason: 'not-an-approver' });
  });

  it('tells cards who sees buttons', () => {
    const request = pending();
    expect(canDecide(request, ADELE.id)).toBe(true);
    expect(canDecide(request, LYNNE.id)).toBe(false);
    expect(canDecide(ok(decide(request, by(ADELE))).request, LYNNE.id)).toBe(true);
  });
});

describe('cancelling', () => {
  it('lets the requester cancel while pending', () => {
    const result = ok(cancel(pending(), 'ALEX-ID', at(3)));
    expect(result.event).toBe('cancelled');
    expect(result.request).toMatchObject({
      status: 'cancelled',
      outcome: { kind: 'cancelled', message: 'Cancelled by the requester.' },
      updatedAt: at(3).toISOString(),
    });
  });

  it('lets the requester cancel after approval, until fulfilment starts', () => {
    const approved = createRequest(newRequest, { kind: 'auto-approve' }, T0).request;
    expect(ok(cancel(approved, ALEX.id, at(1))).request.status).toBe('cancelled');
    const fulfilling = ok(startFulfilment(approved, at(1))).request;
    expect(cancel(fulfilling, ALEX.id, at(2))).toMatchObject({
      ok: false,
      reason: 'not-cancellable',
      message: expect.stringContaining('being assigned'),
    });
  });

  it('refuses anyone else, including approvers and the beneficiary', () => {
    expect(cancel(pending(), ADELE.id, at(1))).toMatchObject({ ok: false, reason: 'not-requester' });
    const forMegan = createRequest(
      { ...newRequest, beneficiary: { id: MEGAN.id, upn: 'meganb@contoso.com', name: MEGAN.name } },
      { kind: 'approval', stages: [managerStage] },
      T0,
    ).request;
    expect(cancel(forMegan, MEGAN.id, at(1))).toMatchObject({ ok: false, reason: 'not-requester' });
  });

  it('lets an admin cancel when the caller vouches for the role', () => {
    expect(ok(cancel(pending(), MEGAN.id, at(1), { actorIsAdmin: true })).request.outcome?.message).toBe('Cancelled by an admin.');
  });

  it('refuses to cancel a closed request', () => {
    const rejected = ok(decide(pending(), by(ADELE, { decision: 'reject', comment: 'no' }))).request;
    expect(cancel(rejected, ALEX.id, at(2))).toMatchObject({ ok: false, reason: 'not-cancellable' });
  });
});

describe('expiry and reminders', () => {
  it('expires a pending request 30 days after submission, not a moment before', () => {
    expect(expire(pending(), new Date(days(30).getTime() - 1))).toMatchObject({ ok: false, reason: 'not-due' });
    const result = ok(expire(pending(), days(30)));
    expect(result.event).toBe('expired');
    expect(result.request).toMatchObject({ status: 'expired', outcome: { kind: 'expired' } });
  });

  it('counts expiry from submission even when a stage was approved later', () => {
    const atStage2 = ok(decide(pending(), by(ADELE, { now: days(29) }))).request;
    expect(ok(expire(atStage2, days(30))).request.status).toBe('expired');
  });

  it('does not expire approved requests', () => {
    const approved = createRequest(newRequest, { kind: 'auto-approve' }, T0).request;
    expect(expire(approved, days(60))).toMatchObject({ ok: false, reason: 'not-pending' });
  });

  it('reminds at exactly 24 hours in the stage, not before', () => {
    const request = pending();
    expect(reminderDue(request, at(0))).toBeUndefined();
    expect(reminderDue(request, new Date(at(24).getTime() - 1))).toBeUndefined();
    expect(reminderDue(request, at(24))).toBe('remind');
    expect(reminderDue(request, at(24), ['remind'])).toBeUndefined();
  });

  it('escalates at exactly 72 hours, once', () => {
    const request = pending();
    expect(reminderDue(request, new Date(at(72).getTime() - 1), ['remind'])).toBeUndefined();
    expect(reminderDue(request, at(72), ['remind'])).toBe('escalate');
    expect(reminderDue(request, at(100), new Set(['remind', 'escalate'] as const))).toBeUndefined();
  });

  it('sends a missed reminder before escalating', () => {
    expect(reminderDue(pending(), at(80))).toBe('remind');
    expect(reminderDue(pending(), at(80), ['remind'])).toBe('escalate');
  });

  it('says expire at 30 days, whatever was sent', () => {
    expect(reminderDue(pending(), days(30), ['remind', 'escalate'])).toBe('expire');
    expect(reminderDue(pending(), days(30))).toBe('expire');
  });

  it('restarts the clock when the request reaches the next stage', () => {
    const atStage2 = ok(decide(pending(), by(ADELE, { now: at(50) }))).request;
    expect(stageStartedAt(atStage2)).toBe(at(50).toISOString());
    expect(reminderDue(atStage2, at(73))).toBeUndefined();
    expect(reminderDue(atStage2, at(74))).toBe('remind');
    expect(reminderKey(atStage2, 'remind')).toBe('req-1:stage-1:remind');
    expect(reminderKey(pending(), 'remind')).not.toBe(reminderKey(atStage2, 'remind'));
  });

  it('has nothing to say for requests that are not pending', () => {
    expect(reminderDue(createRequest(newRequest, { kind: 'auto-approve' }, T0).request, days(40))).toBeUndefined();
  });
});

describe('fulfilment', () => {
  const approved = () => createRequest(newRequest, { kind: 'auto-approve' }, T0).request;

  it('goes approved → fulfilling → completed', () => {
    const started = ok(startFulfilment(approved(), at(1)));
    expect(started.event).toBe('fulfilment-started');
    expect(started.request.status).toBe('fulfilling');
    expect(statusText(started.request)).toBe('Approved; assigning the license now');
    const done = ok(
      completeFulfilment(started.request, { kind: 'purchased', message: 'Bought 1 seat and assigned Visio Plan 2 to Alex Wilber.' }, at(2)),
    );
    expect(done.event).toBe('completed');
    expect(done.request).toMatchObject({ status: 'completed', outcome: { kind: 'purchased' }, updatedAt: at(2).toISOString() });
    expect(statusText(done.request)).toBe('Bought 1 seat and assigned Visio Plan 2 to Alex Wilber.');
  });

  it('resumes a request already being fulfilled (queue retry after a crash)', () => {
    const fulfilling = ok(startFulfilment(approved(), at(1))).request;
    const again = ok(startFulfilment(fulfilling, at(5)));
    expect(again.event).toBe('fulfilment-resumed');
    expect(again.request).toBe(fulfilling);
  });

  it('refuses to fulfil what is not approved', () => {
    expect(startFulfilment(pending(), at(1))).toMatchObject({ ok: false, reason: 'not-approved' });
    expect(completeFulfilment(approved(), { kind: 'assigned', message: 'x' }, at(1))).toMatchObject({
      ok: false,
      reason: 'not-fulfilling',
    });
    expect(failFulfilment(approved(), 'x', at(1))).toMatchObject({ ok: false, reason: 'not-fulfilling' });
  });

  it('records a failure with what to do, and can be retried', () => {
    const fulfilling = ok(startFulfilment(approved(), at(1))).request;
    const failed = ok(failFulfilment(fulfilling, 'Alex has no usage location. Ask an admin to set one, then retry.', at(2)));
    expect(failed.request).toMatchObject({
      status: 'failed',
      outcome: { kind: 'failed', message: expect.stringContaining('usage location') },
    });
    expect(decide(failed.request, by(ADELE))).toMatchObject({ reason: 'not-pending' });
    const retried = ok(retryFulfilment(failed.request, at(3)));
    expect(retried.request.status).toBe('approved');
    expect(retried.request.outcome).toBeUndefined();
    expect(retryFulfilment(retried.request, at(4))).toMatchObject({ ok: false, reason: 'not-failed' });
  });
});

describe('open requests', () => {
  it('finds an open request for the same person and product', () => {
    const open = pending();
    expect(hasOpenRequest([open], 'ALEX-ID', 'cfq7ttc0hd33')).toBe(true);
    expect(findOpenRequest([open], ALEX.id, 'CFQ7TTC0HD33')).toBe(open);
    expect(hasOpenRequest([open], MEGAN.id, 'CFQ7TTC0HD33')).toBe(false);
    expect(hasOpenRequest([open], ALEX.id, 'OTHER')).toBe(false);
    expect(hasOpenRequest([], ALEX.id, 'CFQ7TTC0HD33')).toBe(false);
  });

  it('counts approved and fulfilling as open, and closed ones not', () => {
    const approved = createRequest(newRequest, { kind: 'auto-approve' }, T0).request;
    const fulfilling = ok(startFulfilment(approved, at(1))).request;
    expect(hasOpenRequest([approved], ALEX.id, 'CFQ7TTC0HD33')).toBe(true);
    expect(hasOpenRequest([fulfilling], ALEX.id, 'CFQ7TTC0HD33')).toBe(true);
    const closed = [
      ok(completeFulfilment(fulfilling, { kind: 'assigned', message: 'done' }, at(2))).request,
      ok(cancel(pending(), ALEX.id, at(1))).request,
      ok(expire(pending(), days(31))).request,
      ok(decide(pending(), by(ADELE, { decision: 'reject', comment: 'no' }))).request,
      ok(failFulfilment(fulfilling, 'x', at(2))).request,
    ];
    expect(hasOpenRequest(closed, ALEX.id, 'CFQ7TTC0HD33')).toBe(false);
  });
});

describe('validating the request form', () => {
  const visio = {
    offerId: 'CFQ7TTC0HD33:0001:CFQ7TTC0LH2P',
    productId: 'CFQ7TTC0HD33',
    name: 'Visio Plan 2',
    skuPartNumber: 'VISIOCLIENT',
  };
  const e3 = { offerId: 'CFQ7TTC0LFLZ:0001:CFQ7TTC0LFK6', productId: 'CFQ7TTC0LFLZ', name: 'Microsoft 365 E3', skuPartNumber: 'SPE_E3' };
  const context = { catalog: [visio, e3], policyLimits: { maxQuantity: 25, requireJustification: true } };
  const form = { productOfferId: visio.offerId, quantity: '2', forWhom: '', justification: 'Diagrams' };

  it('accepts a good form, with numbers as strings or numbers', () => {
    expect(validateRequestInput(form, context)).toEqual({ ok: true, value: { offer: visio, quantity: 2, justification: 'Diagrams' } });
    expect(validateRequestInput({ ...form, quantity: 25, forWhom: ' megan@contoso.com ' }, context)).toEqual({
      ok: true,
      value: { offer: visio, quantity: 25, forWhom: 'megan@contoso.com', justification: 'Diagrams' },
    });
    expect(validateRequestInput({ ...form, forWhom: '6E7B768E-07E2-4810-8459-485F84F8F204' }, context).ok).toBe(true);
    expect(validateRequestInput({ ...form, productOfferId: visio.offerId.toLowerCase(), verb: 'submit' }, context).ok).toBe(true);
  });

  it('checks the product is in the catalog', () => {
    expect(validateRequestInput({ ...form, productOfferId: 'nope' }, context)).toEqual({
      ok: false,
      errors: { productOfferId: 'That product is not in the catalog. Choose one from the list.' },
    });
    expect(validateRequestInput({ ...form, productOfferId: '' }, context)).toEqual({
      ok: false,
      errors: { productOfferId: 'Choose a product.' },
    });
  });

  it('checks the quantity is a whole number from 1 to the policy maximum', () => {
    const quantityError = (quantity: unknown) => {
      const result = validateRequestInput({ ...form, quantity }, context);
      return result.ok ? undefined : result.errors.quantity;
    };
    expect(quantityError('1')).toBeUndefined();
    expect(quantityError('25')).toBeUndefined();
    expect(quantityError('26')).toBe('You can request at most 25 at a time.');
    expect(quantityError('0')).toBe('Request at least 1 license.');
    expect(quantityError(-3)).toBe('Request at least 1 license.');
    expect(quantityError('2.5')).toBe('Enter a whole number of licenses, like 1 or 2.');
    expect(quantityError(2.5)).toBe('Enter a whole number of licenses, like 1 or 2.');
    expect(quantityError('1e3')).toBe('Enter a whole number of licenses, like 1 or 2.');
    expect(quantityError('two')).toBe('Enter a whole number of licenses, like 1 or 2.');
    expect(quantityError('99999999999999999999')).toBe('Enter a whole number of licenses, like 1 or 2.');
    expect(quantityError('')).toBe('Enter how many licenses you need.');
    expect(quantityError(undefined)).toBe('Enter how many licenses you need.');
    expect(quantityError(true)).toBe('The quantity must be text.');
  });

  it('requires a justification only when the policy does, and limits it to 1000 characters', () => {
    expect(validateRequestInput({ ...form, justification: '  ' }, context)).toEqual({
      ok: false,
      errors: { justification: 'Please say briefly why this is needed.' },
    });
    expect(
      validateRequestInput(
        { ...form, justification: undefined },
        { ...context, policyLimits: { maxQuantity: 5, requireJustification: false } },
      ),
    ).toMatchObject({ ok: true, value: { justification: '' } });
    expect(validateRequestInput({ ...form, justification: 'j'.repeat(1000) }, context).ok).toBe(true);
    expect(validateRequestInput({ ...form, justification: 'j'.repeat(1001) }, context)).toEqual({
      ok: false,
      errors: { justification: 'The justification is too long (at most 1000 characters).' },
    });
  });

  it('rejects 10 kB strings in any field with a short message that does not echo them', () => {
    const huge = 'A'.repeat(10_240);
    const result = validateRequestInput({ productOfferId: huge, quantity: huge, forWhom: huge, justification: huge }, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['forWhom', 'justification', 'productOfferId', 'quantity']);
    for (const message of Object.values(result.errors)) {
      expect(message).toMatch(/too long/);
      expect(message?.length).toBeLessThan(100);
    }
  });

  it('checks that "for whom" looks like a sign-in name or an object id', () => {
    expect(validateRequestInput({ ...form, forWhom: 'Megan Bowen' }, context)).toMatchObject({
      ok: false,
      errors: { forWhom: expect.stringContaining('megan@contoso.com') },
    });
    expect(validateRequestInput({ ...form, forWhom: 42 }, context)).toMatchObject({ ok: false, errors: { forWhom: expect.any(String) } });
    expect(validateRequestInput({ ...form, forWhom: ['a@b.c'] }, context)).toMatchObject({
      ok: false,
      errors: { forWhom: 'For whom must be text.' },
    });
  });

  it('uses per-product limits when given a function', () => {
    const limits = (offer: { productId: string }) =>
      offer.productId === e3.productId ? { maxQuantity: 2, requireJustification: false } : undefined;
    expect(
      validateRequestInput({ ...form, productOfferId: e3.offerId, quantity: '3' }, { catalog: context.catalog, policyLimits: limits }),
    ).toEqual({ ok: false, errors: { quantity: 'You can request at most 2 at a time.' } });
    expect(validateRequestInput(form, { catalog: context.catalog, policyLimits: limits })).toEqual({
      ok: false,
      errors: { productOfferId: 'No approval policy covers Visio Plan 2. Ask an admin to add one.' },
    });
  });

  it('reports an unreadable form as a whole', () => {
    for (const raw of [null, undefined, 'text', 42, [form]]) {
      expect(validateRequestInput(raw, context)).toEqual({
        ok: false,
        errors: { form: 'The form could not be read. Please open it again and fill it in.' },
      });
    }
  });

  it('reports every problem at once', () => {
    const result = validateRequestInput({ productOfferId: 'nope', quantity: '0', forWhom: 'bob', justification: '' }, context);
    expect(result.ok === false && Object.keys(result.errors).sort()).toEqual(['forWhom', 'productOfferId', 'quantity']);
  });
});
