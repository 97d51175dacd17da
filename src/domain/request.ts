// The license request lifecycle as a pure state machine. Every transition takes the request
// and the time, and returns either the next request (never mutating the input) with the
// event to audit and announce, or a refusal with a plain-English message for the person.
//
//   pending(stage 0..n-1) ──approve last──▶ approved ──▶ fulfilling ──▶ completed
//        │  └─reject──▶ rejected                │              └──▶ failed ──retry──▶ approved
//        ├─cancel──▶ cancelled ◀──cancel────────┘
//        └─30 days──▶ expired
//   fulfilling ──no free seat, auto-purchase off──▶ approved (waiting for seats) ──seats added──▶ fulfilling
// Auto-approved requests start in `approved` with no stages.
import { formatMoney, monthlyCost, type Money } from './money.js';
import type { PolicyLimits, PolicyStage } from './policy.js';
import { describeChange, type SubscriptionChange } from './subscription-change.js';

export type RequestStatus = 'pending' | 'approved' | 'fulfilling' | 'completed' | 'rejected' | 'cancelled' | 'expired' | 'failed';

/** Statuses that block a second request for the same person and product. */
export const OPEN_STATUSES: readonly RequestStatus[] = ['pending', 'approved', 'fulfilling'];

const HOUR_MS = 60 * 60 * 1000;
export const REMIND_AFTER_MS = 24 * HOUR_MS;
export const ESCALATE_AFTER_MS = 72 * HOUR_MS;
export const EXPIRE_AFTER_MS = 30 * 24 * HOUR_MS;
export const MAX_COMMENT_LENGTH = 1000;
export const MAX_JUSTIFICATION_LENGTH = 1000;

export interface Approver {
  /** Entra object id. */
  id: string;
  name: string;
}

/** A policy stage resolved to people when the request was submitted. */
export interface ResolvedStage {
  kind: 'manager' | 'group' | 'admins' | 'unit';
  /** For people: "Adele Vance (manager)", "License approvers". */
  label: string;
  /** Lower-case object ids of who may decide this stage; never the requester or the beneficiary. */
  approverIds: string[];
  /** True when tenant admins stand in because the policy's approvers could not be found. */
  fallback?: boolean;
  /** Why the tenant admins decide this step rather than the unit's license admins (over the unit's quota). */
  escalation?: string;
}

/** The delegated unit a request is decided in: its quota when asked, and the plans its people get disabled. */
export interface RequestUnit {
  id: string;
  name: string;
  /** The unit's quota of this product when it was last counted. */
  quota: { seats: number; used: number };
  /** Service plan ids left off on assignment (Graph assignLicense disabledPlans). */
  disabledPlans: string[];
  disabledPlanNames: string[];
}

export interface RequestDecision {
  stageIndex: number;
  approverId: string;
  approverName: string;
  decision: 'approve' | 'reject';
  comment?: string;
  /** UTC ISO 8601. */
  at: string;
}

export type OutcomeKind = 'assigned' | 'purchased' | 'changed' | 'rejected' | 'cancelled' | 'expired' | 'failed';

export interface RequestOutcome {
  kind: OutcomeKind;
  /** What happened and, for failures, what to do next. */
  message: string;
}

export interface LicenseRequest {
  id: string;
  tenantId: string;
  requester: { aadObjectId: string; name: string };
  /** Who gets the license (often the requester). */
  beneficiary: { id: string; upn: string; name: string };
  product: { offerId: string; productId: string; name: string; skuPartNumber: string };
  quantity: number;
  /** Per seat per month. */
  unitPrice: Money;
  justification: string;
  status: RequestStatus;
  /** The stage being decided while pending; the number of stages once approved. */
  stageIndex: number;
  stages: ResolvedStage[];
  decisions: RequestDecision[];
  /** Which policy routed it, for the audit log. */
  policyId?: string;
  /** Approved at once because the tenant's license settings need no approval (its policy would have asked approvers). */
  approvalWaived?: true;
  /** Set when the beneficiary's unit has a quota for the product: its license admins decide. */
  unit?: RequestUnit;
  /**
   * Approved by policy only because enough seats were free: while approved or being fulfilled
   * it holds those seats (others' submissions and fulfilment count them as taken), and it
   * goes back to approvers rather than buying if they are gone after all.
   */
  seatReserved?: boolean;
  /**
   * Set when this is an admin's change to a subscription rather than a license for someone:
   * then `product` is the subscription's product, `beneficiary` the admin, and `quantity`
   * the seats the change adds (0 when it adds none), which is what the policy prices.
   */
  change?: SubscriptionChange;
  /**
   * Approved, and no seat is free while the tenant's license settings say not to buy one: it
   * waits (still approved, still cancellable) for an admin to add seats. Since when (UTC).
   */
  waitingForSeats?: { since: string };
  createdAt: string;
  updatedAt: string;
  outcome?: RequestOutcome;
}

export type RequestEvent =
  | 'submitted'
  | 'auto-approved'
  | 'stage-approved'
  | 'approved'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'fulfilment-started'
  | 'fulfilment-resumed'
  | 'completed'
  | 'failed'
  | 'fulfilment-retried'
  | 'returned-for-approval'
  | 'waiting-for-seats'
  | 'escalated';

export type Refusal<R extends string> = { ok: false; reason: R; message: string };
export type Transition<E extends RequestEvent, R extends string> = { ok: true; request: LicenseRequest; event: E } | Refusal<R>;

const sameId = (a: string | undefined, b: string | undefined): boolean => !!a && !!b && a.toLowerCase() === b.toLowerCase();
const iso = (now: Date): string => now.toISOString();

function next(request: LicenseRequest, changes: Partial<LicenseRequest>, now: Date): LicenseRequest {
  return { ...request, ...changes, updatedAt: iso(now) };
}

function refuse<R extends string>(reason: R, message: string): Refusal<R> {
  return { ok: false, reason, message };
}

/** Unit price × quantity. */
export function requestMonthlyCost(request: Pick<LicenseRequest, 'unitPrice' | 'quantity'>): Money {
  return monthlyCost(request.unitPrice, request.quantity);
}

export function isOpen(request: Pick<LicenseRequest, 'status'>): boolean {
  return OPEN_STATUSES.includes(request.status);
}

export function currentStage(request: LicenseRequest): ResolvedStage | undefined {
  return request.status === 'pending' ? request.stages[request.stageIndex] : undefined;
}

// ---------------------------------------------------------------------------------------
// Submission
// ---------------------------------------------------------------------------------------

export interface DirectoryFacts {
  requesterId: string;
  /** Who gets the license; nobody decides a request they benefit from. Absent: the requester. */
  beneficiaryId?: string;
  /** The requester's manager, when the directory has one. */
  manager?: Approver;
  /** Members of approver groups by group id (missing = unknown / empty). */
  groupMembers: Readonly<Record<string, readonly Approver[]>>;
  /** Tenant admins: they stand in for a stage whose approvers cannot be found. */
  admins: readonly Approver[];
}

export type StageResolution = { ok: true; stages: ResolvedStage[] } | { ok: false; stageIndex: number; message: string };

/**
 * Turns policy stages into the people who may decide each one. Neither the requester nor the
 * beneficiary is ever eligible (a request "for Adele" whose step 1 is Adele's own approval is
 * no approval). A stage nobody can decide (no manager in the directory, an empty group, or
 * one whose only members are the requester or the beneficiary) falls back to the tenant
 * admins, again without those two, rather than being skipped: skipping would turn "needs
 * approval" into "approved" silently. If no such admin exists either, submission is refused
 * with what to fix, and nothing is stored.
 */
export function resolveStages(stages: readonly PolicyStage[], facts: DirectoryFacts): StageResolution {
  const excluded = [facts.requesterId, facts.beneficiaryId ?? facts.requesterId];
  const forSomeoneElse = !sameId(excluded[0], excluded[1]);
  const resolved: ResolvedStage[] = [];
  for (const [index, stage] of stages.entries()) {
    const approver = stage.approver;
    const people = approver.kind === 'manager' ? (facts.manager ? [facts.manager] : []) : (facts.groupMembers[approver.groupId] ?? []);
    const ids = eligibleIds(people, excluded);
    const label = approver.kind === 'manager' ? `${facts.manager?.name ?? 'Manager'} (manager)` : approver.groupName;
    if (ids.length > 0) {
      resolved.push({ kind: approver.kind, label, approverIds: ids });
      continue;
    }
    const why =
      approver.kind === 'manager'
        ? !facts.manager
          ? 'no manager is set for you in the directory'
          : sameId(facts.manager.id, excluded[0])
            ? 'you cannot approve your own request'
            : 'the manager is the person the license is for'
        : `${approver.groupName} has no other members`;
    const admins = eligibleIds(facts.admins, excluded);
    if (admins.length === 0) {
      return {
        ok: false,
        stageIndex: index,
        message: `Nobody can approve step ${index + 1}: ${why}, and there is no ${forSomeoneElse ? 'admin other than you and the person it is for' : 'other admin'}. Ask an admin to add approvers.`,
      };
    }
    resolved.push({ kind: 'admins', label: `Admins (${why})`, approverIds: admins, fallback: true });
  }
  return { ok: true, stages: resolved };
}

function eligibleIds(people: readonly Approver[], excluded: readonly string[]): string[] {
  const ids = people.map((person) => person.id.toLowerCase()).filter((id) => id && !excluded.some((other) => sameId(id, other)));
  return [...new Set(ids)];
}

/** The requester and the person the license is for: neither may decide the request. */
function benefits(request: LicenseRequest, actorId: string): boolean {
  return sameId(actorId, request.requester.aadObjectId) || (!request.change && sameId(actorId, request.beneficiary.id));
}

export type NewRequest = Omit<LicenseRequest, 'status' | 'stageIndex' | 'stages' | 'decisions' | 'createdAt' | 'updatedAt' | 'outcome'>;

export type Routing = { kind: 'auto-approve' } | { kind: 'approval'; stages: ResolvedStage[] };

/** The stored request right after submission; id and time come from the caller. */
export function createRequest(
  input: NewRequest,
  routing: Routing,
  now: Date,
): { request: LicenseRequest; event: 'submitted' | 'auto-approved' } {
  const base = { ...input, decisions: [], createdAt: iso(now), updatedAt: iso(now) };
  if (routing.kind === 'auto-approve')
    return { request: { ...base, status: 'approved', stageIndex: 0, stages: [] }, event: 'auto-approved' };
  // A pending request nobody can move would sit for 30 days; resolveStages prevents it.
  if (routing.stages.length === 0 || routing.stages.some((stage) => stage.approverIds.length === 0)) {
    throw new RangeError('A request that needs approval must have stages, each with at least one approver (use resolveStages).');
  }
  return { request: { ...base, status: 'pending', stageIndex: 0, stages: routing.stages }, event: 'submitted' };
}

/** The open request (pending, approved or being fulfilled) for this person and product, if any. */
export function findOpenRequest(existing: readonly LicenseRequest[], beneficiaryId: string, productId: string): LicenseRequest | undefined {
  return existing.find(
    (request) => isOpen(request) && sameId(request.beneficiary.id, beneficiaryId) && sameId(request.product.productId, productId),
  );
}

export function hasOpenRequest(existing: readonly LicenseRequest[], beneficiaryId: string, productId: string): boolean {
  return findOpenRequest(existing, beneficiaryId, productId) !== undefined;
}

// ---------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------

export interface DecisionInput {
  actorId: string;
  actorName: string;
  /** When given, must be the request's tenant (cards can be forwarded across tenants). */
  actorTenantId?: string;
  decision: 'approve' | 'reject';
  comment?: string;
  /** The stage the card showed: a stale card cannot decide a later stage. */
  stageIndex: number;
  now: Date;
}

export type DecisionRefusal =
  | 'not-an-approver'
  | 'requester-cannot-approve'
  | 'beneficiary-cannot-approve'
  | 'stage-moved-on'
  | 'stage-not-open'
  | 'not-pending'
  | 'comment-required'
  | 'comment-too-long';

/**
 * Records one approver's decision on the current stage. Approving the last stage approves
 * the request; rejecting any stage ends it. The checks run in the order a person would want
 * to hear them: is there still something to decide, on this card, by you, with a comment.
 */
export function decide(
  request: LicenseRequest,
  input: DecisionInput,
): Transition<'stage-approved' | 'approved' | 'rejected', DecisionRefusal> {
  if (request.status !== 'pending') return refuse('not-pending', notPendingMessage(request));
  if (input.stageIndex < request.stageIndex) {
    return refuse('stage-moved-on', 'That step has already been decided. This card now shows where the request is.');
  }
  if (input.stageIndex > request.stageIndex) {
    const current = request.stages[request.stageIndex];
    return refuse(
      'stage-not-open',
      `That step is not open yet: step ${request.stageIndex + 1}${current ? ` (${current.label})` : ''} must be decided first. You will get the card when it is your turn.`,
    );
  }
  if (sameId(input.actorId, request.requester.aadObjectId))
    return refuse('requester-cannot-approve', 'You cannot decide your own request; it needs someone else to approve it.');
  // Stages resolved before this rule existed may still name the beneficiary: refused all the same.
  if (benefits(request, input.actorId))
    return refuse('beneficiary-cannot-approve', 'You cannot decide a request for your own license; it needs someone else to approve it.');
  const stage = request.stages[request.stageIndex];
  const inTenant = input.actorTenantId === undefined || sameId(input.actorTenantId, request.tenantId);
  if (!stage || !inTenant || !stage.approverIds.some((id) => sameId(id, input.actorId))) {
    return refuse('not-an-approver', `Only ${stage?.label ?? 'the approvers of this step'} can decide this step of the request.`);
  }
  const comment = input.comment?.trim() ?? '';
  if (input.decision === 'reject' && comment === '')
    return refuse('comment-required', 'Please add a comment saying why you are rejecting, so the requester knows what to do next.');
  if (comment.length > MAX_COMMENT_LENGTH)
    return refuse('comment-too-long', `Please keep the comment to ${MAX_COMMENT_LENGTH} characters or fewer (it has ${comment.length}).`);
  return applyDecision(request, input, comment);
}

function applyDecision(
  request: LicenseRequest,
  input: DecisionInput,
  comment: string,
): { ok: true; request: LicenseRequest; event: 'stage-approved' | 'approved' | 'rejected' } {
  const decision: RequestDecision = {
    stageIndex: request.stageIndex,
    approverId: input.actorId.toLowerCase(),
    approverName: input.actorName,
    decision: input.decision,
    ...(comment && { comment }),
    at: iso(input.now),
  };
  const decisions = [...request.decisions, decision];
  if (input.decision === 'reject') {
    const outcome: RequestOutcome = { kind: 'rejected', message: `Rejected by ${input.actorName}: ${comment}` };
    return { ok: true, request: next(request, { status: 'rejected', decisions, outcome }, input.now), event: 'rejected' };
  }
  const stageIndex = request.stageIndex + 1;
  const last = stageIndex >= request.stages.length;
  return {
    ok: true,
    request: next(request, { status: last ? 'approved' : 'pending', stageIndex, decisions }, input.now),
    event: last ? 'approved' : 'stage-approved',
  };
}

/**
 * A unit's license admin approved, but the seats would exceed the unit's quota: the step goes
 * to the tenant admins instead, with the reason, and the approval is kept in the history.
 * Checked like a decision first (same refusals), so only the step's own approvers escalate.
 */
export function escalateOverQuota(
  request: LicenseRequest,
  input: Omit<DecisionInput, 'decision' | 'comment'>,
  admins: ResolvedStage,
  quota: RequestUnit['quota'],
): Transition<'escalated', DecisionRefusal> {
  const checked = decide(request, { ...input, decision: 'approve' });
  if (!checked.ok) return checked;
  if (admins.approverIds.length === 0) throw new RangeError('An escalation needs admins who may decide it.');
  const stages = request.stages.map((stage, index) => (index === request.stageIndex ? admins : stage));
  const decision: RequestDecision = {
    stageIndex: request.stageIndex,
    approverId: input.actorId.toLowerCase(),
    approverName: input.actorName,
    decision: 'approve',
    comment: `Over quota, passed to the admins: ${admins.escalation ?? ''}`.trim(),
    at: iso(input.now),
  };
  const unit = request.unit && { ...request.unit, quota };
  return {
    ok: true,
    request: next(request, { stages, decisions: [...request.decisions, decision], ...(unit && { unit }) }, input.now),
    event: 'escalated',
  };
}

function notPendingMessage(request: LicenseRequest): string {
  const last = request.decisions.at(-1);
  switch (request.status) {
    case 'approved':
    case 'fulfilling':
    case 'completed':
      return last
        ? `This request was already approved by ${last.approverName}; there is nothing left to decide.`
        : 'This request was approved automatically; there is nothing left to decide.';
    case 'rejected':
      return `This request was already rejected${last ? ` by ${last.approverName}` : ''}.`;
    case 'cancelled':
      return 'This request was cancelled; there is nothing left to decide.';
    case 'expired':
      return 'This request expired after 30 days without a decision. The requester can ask again.';
    case 'failed':
      return 'This request was approved but could not be fulfilled; there is nothing left to decide.';
    default:
      return 'This request is no longer waiting for a decision.';
  }
}

/** Request ids: "REQ-" and 16 hex digits (64 random bits); 8 digits in requests stored before that. */
export const REQUEST_ID_PATTERN = /^REQ-(?:[0-9A-F]{16}|[0-9A-F]{8})$/;

/**
 * Who may see a request and follow its card: the requester, the beneficiary, whoever a stage
 * names or who decided one, and admins. Anyone else in the tenant learns nothing, not even
 * that it exists (ids are shown on channel cards, so they are not a secret).
 */
export function mayView(request: LicenseRequest, actorId: string, options: { actorIsAdmin: boolean }): boolean {
  if (options.actorIsAdmin) return true;
  return (
    sameId(actorId, request.requester.aadObjectId) ||
    sameId(actorId, request.beneficiary.id) ||
    request.stages.some((stage) => stage.approverIds.some((id) => sameId(id, actorId))) ||
    request.decisions.some((decision) => sameId(decision.approverId, actorId))
  );
}

/** Whether to show this person the approve/reject buttons (the server re-checks on click). */
export function canDecide(request: LicenseRequest, actorId: string): boolean {
  const stage = currentStage(request);
  return !!stage && !benefits(request, actorId) && stage.approverIds.some((id) => sameId(id, actorId));
}

// ---------------------------------------------------------------------------------------
// Cancel, expiry, reminders
// ---------------------------------------------------------------------------------------

/**
 * The requester (or an admin, when the caller says so) may cancel until fulfilment starts.
 * Once it is `fulfilling` a seat may already be bought or assigned, so cancelling would lie.
 */
export function cancel(
  request: LicenseRequest,
  actorId: string,
  now: Date,
  options: { actorIsAdmin?: boolean } = {},
): Transition<'cancelled', 'not-requester' | 'not-cancellable'> {
  const byRequester = sameId(actorId, request.requester.aadObjectId);
  if (!byRequester && !options.actorIsAdmin) return refuse('not-requester', 'Only the person who made the request can cancel it.');
  if (request.status !== 'pending' && request.status !== 'approved') {
    const message =
      request.status === 'fulfilling'
        ? 'The license is being assigned right now, so the request can no longer be cancelled. An admin can remove the license afterwards.'
        : 'This request is already closed; there is nothing to cancel.';
    return refuse('not-cancellable', message);
  }
  const outcome: RequestOutcome = { kind: 'cancelled', message: byRequester ? 'Cancelled by the requester.' : 'Cancelled by an admin.' };
  return { ok: true, request: next(request, { status: 'cancelled', outcome }, now), event: 'cancelled' };
}

const ageMs = (since: string, now: Date): number => now.getTime() - Date.parse(since);

/** When the current stage began: the approval of the previous stage, or submission. */
export function stageStartedAt(request: LicenseRequest): string {
  const previous = request.decisions.filter((d) => d.stageIndex === request.stageIndex - 1 && d.decision === 'approve').at(-1);
  return previous?.at ?? request.createdAt;
}

/** Pending requests expire 30 days after submission (not after the current stage began). */
export function expire(request: LicenseRequest, now: Date): Transition<'expired', 'not-pending' | 'not-due'> {
  if (request.status !== 'pending') return refuse('not-pending', notPendingMessage(request));
  if (ageMs(request.createdAt, now) < EXPIRE_AFTER_MS) return refuse('not-due', 'This request has not reached 30 days yet.');
  const outcome: RequestOutcome = { kind: 'expired', message: 'Expired after 30 days without a decision. Ask again if you still need it.' };
  return { ok: true, request: next(request, { status: 'expired', outcome }, now), event: 'expired' };
}

export type ReminderKind = 'remind' | 'escalate';

/**
 * What the reminder job should do now for this request. `alreadySent` lists the reminders
 * already sent for the *current* stage (see `reminderKey`). Boundaries are inclusive:
 * exactly 24 h in the stage is due. Expiry wins over everything; otherwise the earliest
 * unsent reminder comes first, so a job that was down for three days still reminds the
 * approvers before it escalates to the admins (on its next run).
 */
export function reminderDue(
  request: LicenseRequest,
  now: Date,
  alreadySent: Iterable<ReminderKind> = [],
): ReminderKind | 'expire' | undefined {
  if (request.status !== 'pending') return undefined;
  if (ageMs(request.createdAt, now) >= EXPIRE_AFTER_MS) return 'expire';
  const sent = new Set(alreadySent);
  const inStage = ageMs(stageStartedAt(request), now);
  if (inStage >= REMIND_AFTER_MS && !sent.has('remind')) return 'remind';
  if (inStage >= ESCALATE_AFTER_MS && !sent.has('escalate')) return 'escalate';
  return undefined;
}

/** Dedupe key for a reminder: one per request, stage and kind (for the alert ledger). */
export function reminderKey(request: Pick<LicenseRequest, 'id' | 'stageIndex'>, kind: ReminderKind): string {
  return `${request.id}:stage-${request.stageIndex}:${kind}`;
}

// ---------------------------------------------------------------------------------------
// Fulfilment
// ---------------------------------------------------------------------------------------

/**
 * approved → fulfilling. A request already `fulfilling` is resumed (a queue retry after a
 * crash): the commerce calls are idempotent by request id, so carrying on is safe.
 */
export function startFulfilment(
  request: LicenseRequest,
  now: Date,
): Transition<'fulfilment-started' | 'fulfilment-resumed', 'not-approved'> {
  if (request.status === 'fulfilling') return { ok: true, request, event: 'fulfilment-resumed' };
  if (request.status !== 'approved') return refuse('not-approved', `This request is ${request.status}, so there is nothing to fulfil.`);
  return { ok: true, request: next(request, { status: 'fulfilling', outcome: undefined }, now), event: 'fulfilment-started' };
}

export function completeFulfilment(
  request: LicenseRequest,
  outcome: { kind: 'assigned' | 'purchased' | 'changed'; message: string },
  now: Date,
): Transition<'completed', 'not-fulfilling'> {
  if (request.status !== 'fulfilling') return refuse('not-fulfilling', `This request is ${request.status}, not being fulfilled.`);
  return { ok: true, request: next(request, { status: 'completed', outcome, waitingForSeats: undefined }, now), event: 'completed' };
}

/**
 * fulfilling → approved, waiting for seats: none is free and the tenant does not buy them
 * automatically. Kept since the first time, so people are told once however often it is checked.
 */
export function awaitSeats(request: LicenseRequest, now: Date): Transition<'waiting-for-seats', 'not-fulfilling'> {
  if (request.status !== 'fulfilling') return refuse('not-fulfilling', `This request is ${request.status}, not being fulfilled.`);
  const waitingForSeats = request.waitingForSeats ?? { since: iso(now) };
  return {
    ok: true,
    request: next(request, { status: 'approved', waitingForSeats, seatReserved: false }, now),
    event: 'waiting-for-seats',
  };
}

/** `reason` says what happened and what to do next; it is shown to the requester. */
export function failFulfilment(request: LicenseRequest, reason: string, now: Date): Transition<'failed', 'not-fulfilling'> {
  if (request.status !== 'fulfilling') return refuse('not-fulfilling', `This request is ${request.status}, not being fulfilled.`);
  return {
    ok: true,
    request: next(request, { status: 'failed', outcome: { kind: 'failed', message: reason }, waitingForSeats: undefined }, now),
    event: 'failed',
  };
}

/**
 * Seats this request holds while it is approved or being fulfilled: its quantity when its
 * approval counted on free seats, or once it is buying seats for itself (from when the purchase
 * is written down, before it is sent), so that another request does not take the seats bought
 * for this one before they are assigned. (The caller lets go once they are.)
 */
export function reservedSeats(
  request: Pick<LicenseRequest, 'seatReserved' | 'status' | 'quantity'> & { fulfilment?: { targetQuantity?: number; purchased?: boolean } },
): number {
  if (request.status !== 'approved' && request.status !== 'fulfilling') return 0;
  const buying = request.fulfilment?.targetQuantity !== undefined || request.fulfilment?.purchased === true;
  return request.seatReserved || buying ? request.quantity : 0;
}

/**
 * approved / fulfilling → pending at the first of `stages`: the free seats an automatic
 * approval counted on are gone, and buying needs a person's decision.
 */
export function returnForApproval(
  request: LicenseRequest,
  stages: ResolvedStage[],
  now: Date,
): Transition<'returned-for-approval', 'not-approved'> {
  if (request.status !== 'approved' && request.status !== 'fulfilling')
    return refuse('not-approved', `This request is ${request.status}, so it cannot go back to approvers.`);
  if (stages.length === 0 || stages.some((stage) => stage.approverIds.length === 0))
    throw new RangeError('A request that goes back for approval needs stages with approvers (use resolveStages).');
  return {
    ok: true,
    request: next(request, { status: 'pending', stageIndex: 0, stages, seatReserved: false, outcome: undefined }, now),
    event: 'returned-for-approval',
  };
}

/** failed → approved, for an admin's "try again" after fixing the cause (no new approval). */
export function retryFulfilment(request: LicenseRequest, now: Date): Transition<'fulfilment-retried', 'not-failed'> {
  if (request.status !== 'failed') return refuse('not-failed', 'Only a request whose fulfilment failed can be retried.');
  return { ok: true, request: next(request, { status: 'approved', outcome: undefined }, now), event: 'fulfilment-retried' };
}

/** One line for cards: where the request is now. */
export function statusText(request: LicenseRequest): string {
  const stage = currentStage(request);
  if (stage) return `Waiting for ${stage.label} (step ${request.stageIndex + 1} of ${request.stages.length})`;
  if (request.status === 'approved' && request.waitingForSeats)
    return 'Approved; waiting for a free seat (an admin adds seats, then it is assigned)';
  if (request.status === 'approved')
    return request.change ? 'Approved; the change will be made shortly' : 'Approved; the license will be assigned shortly';
  if (request.status === 'fulfilling') return request.change ? 'Approved; making the change now' : 'Approved; assigning the license now';
  return request.outcome?.message ?? request.status;
}

// ---------------------------------------------------------------------------------------
// Form input
// ---------------------------------------------------------------------------------------

/** What the form needs from a catalog offer (a connectors `CatalogOffer` fits). */
export interface CatalogEntry {
  offerId: string;
  productId: string;
  name: string;
  skuPartNumber: string;
}

export const REQUEST_FIELD_LIMITS = { productOfferId: 200, quantity: 20, forWhom: 256, justification: MAX_JUSTIFICATION_LENGTH } as const;
export type RequestField = keyof typeof REQUEST_FIELD_LIMITS;

export interface RequestInput<C extends CatalogEntry = CatalogEntry> {
  offer: C;
  quantity: number;
  /** UPN/email or object id as typed; absent = for the requester. The service checks the tenant has this user. */
  forWhom?: string;
  justification: string;
}

export type RequestInputValidation<C extends CatalogEntry> =
  { ok: true; value: RequestInput<C> } | { ok: false; errors: Partial<Record<RequestField | 'form', string>> };

export interface RequestInputContext<C extends CatalogEntry> {
  catalog: readonly C[];
  /** Fixed limits, or the limits for the chosen offer (undefined: no policy covers it). */
  policyLimits: PolicyLimits | ((offer: C) => PolicyLimits | undefined);
}

const UPN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks a request form submission (card data: strings or numbers). Every problem is
 * reported per field in plain English; nothing the person typed is echoed back, so a 10 kB
 * paste produces a short message.
 */
export function validateRequestInput<C extends CatalogEntry>(raw: unknown, context: RequestInputContext<C>): RequestInputValidation<C> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, errors: { form: 'The form could not be read. Please open it again and fill it in.' } };
  const data = raw as Record<string, unknown>;
  const errors: Partial<Record<RequestField | 'form', string>> = {};
  const field = (name: RequestField, label: string): string | undefined => {
    const value = data[name];
    if (value === undefined || value === null) return undefined;
    const textValue = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
    if (textValue === undefined) errors[name] = `${label} must be text.`;
    else if (textValue.length > REQUEST_FIELD_LIMITS[name])
      errors[name] = `${label} is too long (at most ${REQUEST_FIELD_LIMITS[name]} characters).`;
    else return textValue;
    return undefined;
  };
  const offerId = field('productOfferId', 'The product');
  const quantityText = field('quantity', 'The quantity');
  const forWhom = field('forWhom', 'For whom');
  const justification = field('justification', 'The justification') ?? '';

  const offer = offerId ? context.catalog.find((entry) => sameId(entry.offerId, offerId)) : undefined;
  if (!errors.productOfferId && !offerId) errors.productOfferId = 'Choose a product.';
  else if (!errors.productOfferId && !offer) errors.productOfferId = 'That product is not in the catalog. Choose one from the list.';
  const limits = offer ? (typeof context.policyLimits === 'function' ? context.policyLimits(offer) : context.policyLimits) : undefined;
  if (offer && !limits) errors.productOfferId = `No approval policy covers ${offer.name}. Ask an admin to add one.`;

  const quantity =
    quantityText === undefined || quantityText === '' ? undefined : /^-?\d+$/.test(quantityText) ? Number(quantityText) : Number.NaN;
  if (!errors.quantity) {
    if (quantity === undefined) errors.quantity = 'Enter how many licenses you need.';
    else if (!Number.isSafeInteger(quantity)) errors.quantity = 'Enter a whole number of licenses, like 1 or 2.';
    else if (quantity < 1) errors.quantity = 'Request at least 1 license.';
    else if (limits && quantity > limits.maxQuantity) errors.quantity = `You can request at most ${limits.maxQuantity} at a time.`;
  }
  if (!errors.forWhom && forWhom && !UPN.test(forWhom) && !OBJECT_ID.test(forWhom))
    errors.forWhom = 'Enter the person’s sign-in name, like megan@contoso.com, or leave it empty for yourself.';
  if (!errors.justification && limits?.requireJustification && justification === '')
    errors.justification = 'Please say briefly why this is needed.';

  if (Object.keys(errors).length > 0 || !offer || quantity === undefined) return { ok: false, errors };
  return { ok: true, value: { offer, quantity, ...(forWhom && { forWhom }), justification } };
}

/** "2 × Visio Plan 2 for Alex Wilber", or "Add 2 seats (5 → 7) on Visio Plan 2": a request in one line. */
export function requestHeadline(request: Pick<LicenseRequest, 'quantity' | 'product' | 'beneficiary' | 'change'>): string {
  return request.change
    ? `${describeChange(request.change)} on ${request.product.name}`
    : `${request.quantity} × ${request.product.name} for ${request.beneficiary.name}`;
}

/** "2 × Visio Plan 2 at 15.00 USD = 30.00 USD / month", for cards and audit text. */
export function describeRequest(request: Pick<LicenseRequest, 'quantity' | 'product' | 'unitPrice'>): string {
  return `${request.quantity} × ${request.product.name} at ${formatMoney(request.unitPrice)} = ${formatMoney(requestMonthlyCost(request))} / month`;
}
