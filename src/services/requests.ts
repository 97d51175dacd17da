// Use cases of the requester: open a pre-filled form, submit it, see and cancel requests.
// The rules live in src/domain; this orchestrates catalog, directory, policies and storage.
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { CatalogOffer, DirectoryPort, DirectoryUser } from '../connectors/ports.js';
import { monthlyCost } from '../domain/money.js';
import {
  evaluatePolicy,
  limitsForProduct,
  reliesOnFreeSeat,
  type ApprovalPolicy,
  type PolicyEvaluation,
  type PolicyLimits,
} from '../domain/policy.js';
import {
  cancel as cancelRequest,
  createRequest,
  MAX_JUSTIFICATION_LENGTH,
  mayView,
  OPEN_STATUSES,
  requestMonthlyCost,
  resolveStages,
  validateRequestInput,
  type Approver,
  type NewRequest,
  type RequestField,
  type RequestUnit,
  type ResolvedStage,
  type Routing,
} from '../domain/request.js';
import { parseRequestText } from '../domain/request-text.js';
import { DEFAULT_LICENSE_SETTINGS, withApprovalSetting, type LicenseSettings } from '../domain/license-settings.js';
import { describeChange } from '../domain/subscription-change.js';
import { done, refused, type Outcome, type Refused } from './outcome.js';
import type { Actor } from '../domain/roles.js';
import type { AuditLog } from '../storage/audit-log.js';
import { ConcurrencyError } from '../storage/errors.js';
import type { PolicyRepository } from '../storage/policies.js';
import { AlreadyOpenError, sameMessage, type FormMessage, type RequestRepository, type StoredRequest } from '../storage/requests.js';

/** A request as the services hand it out (the bot shows it; only storage knows its row). */
export type { StoredRequest };
import type { CatalogService } from './catalog.js';
import type { CardRef, RequestNotifications } from './notifications.js';
import type { RoleService } from './roles.js';
import type { SeatReservations } from './seat-reservations.js';
import type { LicenseUnitService } from './license-units.js';

export type FormErrors = Partial<Record<RequestField | 'form', string>>;

/** Everything the request form shows. */
export interface RequestForm {
  catalog: CatalogOffer[];
  values: { productOfferId?: string; quantity?: number; forWhom?: string; justification?: string };
  limits: PolicyLimits;
  errors: FormErrors;
}

/**
 * A checked request shown back before anything is stored: what will be bought, for whom, at
 * what cost. Confirm sends `values` again with `confirmed`; Change reopens the form with them.
 */
export interface RequestReview {
  values: { productOfferId: string; quantity: string; forWhom: string; justification: string };
  offer: CatalogOffer;
  quantity: number;
  beneficiary: { name: string; upn: string; isRequester: boolean };
  /** Several seats for one person: the reason typed on the review card, and what is wrong with it. */
  severalReason: string;
  errors: { severalReason?: string };
}

export type SubmitResult =
  | { ok: true; request: StoredRequest }
  | { ok: false; form: RequestForm }
  /** Checked, nothing stored: the person confirms what will happen (or says why several seats). */
  | { ok: false; review: RequestReview };

export interface FulfilmentJob {
  tenantId: string;
  requestId: string;
}

export interface RequestServiceDeps {
  catalog: CatalogService;
  directory: DirectoryPort;
  requests: RequestRepository;
  policies: PolicyRepository;
  roles: RoleService;
  audit: AuditLog;
  notifications: RequestNotifications;
  enqueueFulfilment(job: FulfilmentJob): Promise<void>;
  /** Free seats that automatic approvals count on, decided in turns per license. */
  seatReservations: SeatReservations;
  /** The calendar decisions, windows and dates are read from. */
  clock: Clock;
  /** Delegated units: a beneficiary whose unit has a quota for the product is decided by its license admins. */
  units?: Pick<LicenseUnitService, 'route' | 'quotaNow'>;
  /** The tenant's license settings (approval required or not); the defaults when absent. */
  licenseSettings?: { of(tenantId: string): Promise<LicenseSettings> };
}

const DEFAULT_LIMITS: PolicyLimits = { maxQuantity: 25, requireJustification: false };

export class RequestService {
  private readonly now: () => Date;

  constructor(private readonly deps: RequestServiceDeps) {
    this.now = deps.clock;
  }

  /**
   * The form, pre-filled from what the person typed ("I need 2 Visio licenses"), or from what
   * was understood of it (`chosen`: a product picked on a "Did you mean" card, a colleague
   * found by name); chosen values win over the parsed ones.
   */
  async draft(
    actor: Actor,
    text: string,
    chosen: { productOfferId?: string; quantity?: number; forWhom?: string } = {},
  ): Promise<RequestForm> {
    const catalog = await this.deps.catalog.offers(actor.tenantId);
    const parsed = parseRequestText(text, catalog);
    const policies = await this.deps.policies.list(actor.tenantId);
    const wanted = chosen.productOfferId ?? parsed.productOfferId;
    const offer = catalog.find((o) => o.offerId === wanted);
    const forWhom = chosen.forWhom ?? parsed.forUpn;
    return {
      catalog,
      values: {
        ...(offer && { productOfferId: offer.offerId }),
        quantity: chosen.quantity ?? parsed.quantity ?? 1,
        ...(forWhom && { forWhom }),
      },
      limits: (offer && limitsForProduct(policies, offer.productId)) ?? formLimits(policies),
      errors: {},
    };
  }

  /** `form` is the form message it came from: its card shows the request, and a second click there gets the same request. */
  async submit(actor: Actor, raw: unknown, form?: FormMessage): Promise<SubmitResult> {
    // The tenant's license settings matter only once the policy is applied: read while the
    // form is checked and the person looked up, not before.
    const settingsRead = this.licenseSettings(actor.tenantId);
    settingsRead.catch(() => undefined); // awaited below; a refusal before that must not leave it unhandled
    const [catalog, policies] = await Promise.all([this.deps.catalog.offers(actor.tenantId), this.deps.policies.list(actor.tenantId)]);
    const refuse = (errors: FormErrors, offer?: CatalogOffer) => ({
      ok: false as const,
      form: { catalog, values: echo(raw), limits: (offer && limitsForProduct(policies, offer.productId)) ?? formLimits(policies), errors },
    });

    const input = validateRequestInput(raw, { catalog, policyLimits: (offer) => limitsForProduct(policies, offer.productId) });
    if (!input.ok) return refuse(input.errors);
    const { offer, quantity, forWhom, justification } = input.value;

    // The license's seats do not depend on who it is for: read while the person is looked up
    // (two directory round trips side by side instead of one after the other).
    const seatsRead = this.deps.catalog.seatsForDecision(actor.tenantId, offer.skuPartNumber);
    seatsRead.catch(() => undefined); // awaited below; a refusal before that must not leave it unhandled
    const beneficiary = await this.deps.directory.getUser(actor.tenantId, forWhom ?? actor.aadObjectId);
    if (!beneficiary) {
      return refuse(
        forWhom
          ? { forWhom: `I can't find ${forWhom} in your organisation. Check the sign-in name.` }
          : {
              form: "I can't find you in your organisation's directory, so I can't request a license for you. Ask an admin to check the Microsoft 365 connection.",
            },
        offer,
      );
    }
    // Independent lookups, side by side: seats, and what the person holds (usually read with
    // the user already). A request already open for them is found when this one is stored.
    const [seats, held, vendorSeat, settings] = await Promise.all([
      seatsRead,
      beneficiary.licenseSkuIds ?? this.deps.directory.licenseSkuIds(actor.tenantId, beneficiary.id),
      this.deps.catalog.holdsVendorSeat(actor.tenantId, offer.skuPartNumber, beneficiary.userPrincipalName),
      settingsRead,
    ]);
    const holds = seats && (held.some((id) => id.toLowerCase() === seats.skuId.toLowerCase()) || vendorSeat);
    if (holds) {
      return refuse({ form: `${beneficiary.displayName} already has ${offer.name}; there is nothing to request.` }, offer);
    }
    // Within policy, the tenant's settings may waive the approvers (never the policy's limits).
    const evaluate = (freeSeats: number) =>
      withApprovalSetting(
        evaluatePolicy(policies, { productId: offer.productId, monthlyCost: monthlyCost(offer.unitPrice, quantity), freeSeats, quantity }),
        settings,
      );
    const refused = (evaluation: Extract<PolicyEvaluation, { outcome: 'error' }>) =>
      refuse(evaluation.reason === 'quantity-above-maximum' ? { quantity: evaluation.message } : { form: evaluation.message }, offer);
    // A first look with every free seat: the usual answer, and whether free seats matter at all.
    const first = evaluate(seats?.free ?? 0);
    if (first.outcome === 'error') return refused(first);

    // Nothing is stored before the person has seen the quantity and cost it will act on, and
    // has said why one person needs several seats.
    const reviewed = reviewOf(raw, { offer, quantity, forWhom, justification }, beneficiary, actor);
    if (!reviewed.confirmed) return { ok: false, review: reviewed.review };

    const request = {
      beneficiary: { id: beneficiary.id, upn: beneficiary.userPrincipalName, name: beneficiary.displayName },
      product: { offerId: offer.offerId, productId: offer.productId, name: offer.name, skuPartNumber: offer.skuPartNumber },
      quantity,
      unitPrice: offer.unitPrice,
      justification: reviewed.justification,
    };
    const options = form ? { form } : {};
    // The beneficiary's unit has a quota for it: its license admins decide (the admins, over quota).
    const unitRouting = await this.deps.units?.route(
      actor.tenantId,
      { requesterId: actor.aadObjectId, beneficiaryId: beneficiary.id },
      offer.productId,
      quantity,
    );
    if (unitRouting && 'refusal' in unitRouting) return refuse({ form: unitRouting.refusal }, offer);
    if (unitRouting) {
      const opened = await this.open(actor, request, first, { ...options, unit: unitRouting });
      return opened.ok ? opened : refuse({ form: opened.message }, offer);
    }
    if (!reliesOnFreeSeat(first)) {
      const opened = await this.open(actor, request, first, options);
      return opened.ok ? opened : refuse({ form: opened.message }, offer);
    }
    // Approval would count on free seats: decided in its turn, against the seats nobody else counts on.
    let evaluation: PolicyEvaluation = first;
    const decided = await this.deps.seatReservations.decide(actor.tenantId, request.product, {
      quantity,
      decide: (freeSeats) => {
        evaluation = evaluate(freeSeats);
        return reliesOnFreeSeat(evaluation);
      },
      commit: async (reserves, stored) =>
        evaluation.outcome === 'error'
          ? { refusal: evaluation }
          : { opened: await this.open(actor, { ...request, ...(reserves && { seatReserved: true }) }, evaluation, { ...options, stored }) },
    });
    if ('refusal' in decided) return refused(decided.refusal!);
    return decided.opened.ok ? decided.opened : refuse({ form: decided.opened.message }, offer);
  }

  /** "Change" on the review card: the form again with the person's values. */
  async reopen(actor: Actor, raw: unknown): Promise<RequestForm> {
    const [catalog, policies] = await Promise.all([this.deps.catalog.offers(actor.tenantId), this.deps.policies.list(actor.tenantId)]);
    const values = echo(raw);
    const offer = catalog.find((o) => o.offerId === values.productOfferId);
    return { catalog, values, limits: (offer && limitsForProduct(policies, offer.productId)) ?? formLimits(policies), errors: {} };
  }

  /**
   * Stores a request the caller has validated and priced with the policy: resolves who
   * approves it, creates it (approved at once when the policy says so), audits it, and sets
   * it moving (approval cards, or the fulfilment queue). Used for licenses and for admins'
   * subscription changes alike.
   */
  async open(
    actor: Actor,
    input: Omit<NewRequest, 'id' | 'tenantId' | 'requester' | 'policyId'>,
    evaluation: Exclude<PolicyEvaluation, { outcome: 'error' }>,
    options: { id?: string; form?: FormMessage; stored?: () => void; unit?: { unit: RequestUnit; stage: ResolvedStage } } = {},
  ): Promise<{ ok: true; request: StoredRequest } | { ok: false; message: string }> {
    let routing: Routing = { kind: 'auto-approve' };
    if (options.unit) {
      routing = { kind: 'approval', stages: [options.unit.stage] };
    } else if (evaluation.outcome === 'approval') {
      const resolution = resolveStages(evaluation.stages, {
        ...(await this.directoryFacts(actor, evaluation.policy)),
        beneficiaryId: input.beneficiary.id,
      });
      if (!resolution.ok) return { ok: false, message: resolution.message };
      routing = { kind: 'approval', stages: resolution.stages };
    }
    const { request: created, event } = createRequest(
      {
        ...input,
        id: options.id ?? newRequestId(),
        tenantId: actor.tenantId,
        requester: { aadObjectId: actor.aadObjectId, name: actor.name },
        policyId: evaluation.policy.id,
        ...(options.unit && { unit: options.unit.unit }),
        ...(routing.kind === 'auto-approve' &&
          evaluation.outcome === 'auto-approve' &&
          evaluation.approvalWaived && { approvalWaived: true }),
      },
      routing,
      this.now(),
    );
    const request: StoredRequest = {
      ...created,
      fulfilment: { commerceRequestId: commerceRequestIdFor(created.id) },
      ...(options.form && { formMessage: options.form }),
    };
    try {
      await this.deps.requests.create(request);
    } catch (error) {
      // A caller-chosen id already stored: the same confirmation arrived twice (double click).
      const existing = options.id && error instanceof ConcurrencyError ? await this.get(actor.tenantId, options.id) : undefined;
      if (existing) return { ok: true, request: existing };
      if (error instanceof AlreadyOpenError) return this.alreadyOpen(request, error.openRequestId);
      throw error;
    }
    options.stored?.();
    await Promise.all([
      this.deps.audit.record({
        tenantId: actor.tenantId,
        actorId: actor.aadObjectId,
        actorName: actor.name,
        action: `request.${event}`,
        target: request.id,
        after: {
          ...summary(request),
          ...(evaluation.outcome === 'auto-approve' && evaluation.approvalWaived && { approval: 'not required (license settings)' }),
        },
      }),
      request.status === 'approved'
        ? this.deps.enqueueFulfilment({ tenantId: request.tenantId, requestId: request.id })
        : this.deps.notifications.askApprovers(request),
    ]);
    return { ok: true, request };
  }

  /**
   * The person already has this product open. If that request came from the same form
   * message, this is a second click on its Submit: they get that request back. Anything
   * else is refused.
   */
  private async alreadyOpen(
    request: StoredRequest,
    openRequestId: string,
  ): Promise<{ ok: true; request: StoredRequest } | { ok: false; message: string }> {
    const open = await this.get(request.tenantId, openRequestId);
    if (open && sameMessage(open.formMessage, request.formMessage)) {
      // The same form again, say after "try again": its fulfilment may never have been queued.
      if (open.status === 'approved') await this.deps.enqueueFulfilment({ tenantId: open.tenantId, requestId: open.id });
      return { ok: true, request: open };
    }
    return {
      ok: false,
      message: `${request.beneficiary.name} already has an open request for ${request.product.name} (${openRequestId}). Cancel it first, or wait for it to finish.`,
    };
  }

  async cancel(actor: Actor, requestId: string): Promise<{ ok: true; request: StoredRequest } | (Refused & { request?: StoredRequest })> {
    const isAdmin = await this.deps.roles.isAdmin({ tenantId: actor.tenantId, aadObjectId: actor.aadObjectId });
    let refusal: Refused | undefined;
    const result = await this.deps.requests.mutate(actor.tenantId, requestId, (current) => {
      const outcome = cancelRequest(current, actor.aadObjectId, this.now(), { actorIsAdmin: isAdmin });
      // Someone else's request: forbidden; one already closed or being fulfilled: too late.
      refusal = outcome.ok ? undefined : refused(outcome.reason === 'not-requester' ? 'forbidden' : 'conflict', outcome.message);
      return outcome.ok ? { ...current, ...outcome.request } : undefined;
    });
    if (!result) return refused('not-found', "I can't find that request.");
    if (refusal) return { ...refusal, request: result.value };
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'request.cancelled',
      target: requestId,
      before: { status: 'pending' },
      after: { status: 'cancelled' },
    });
    await this.deps.notifications.refreshCards(result.value);
    return { ok: true, request: result.value };
  }

  mine(actor: Actor): Promise<StoredRequest[]> {
    return this.deps.requests.byRequester(actor.tenantId, actor.aadObjectId);
  }

  /** Pending requests whose current stage this person may decide. */
  async waitingFor(actor: Actor): Promise<StoredRequest[]> {
    const pending = await this.deps.requests.withStatus(actor.tenantId, 'pending');
    const me = actor.aadObjectId.toLowerCase();
    return pending.filter((r) => r.stages[r.stageIndex]?.approverIds.includes(me));
  }

  /** The tenant's requests not finished yet (waiting for approval, approved, being bought), oldest first: admins only. */
  async openInTenant(actor: Actor): Promise<Outcome<StoredRequest[]>> {
    if (!(await this.deps.roles.isAdmin(actor))) return refused('forbidden', 'Only admins can see every open request of the organisation.');
    const lists = await Promise.all(OPEN_STATUSES.map((status) => this.deps.requests.withStatus(actor.tenantId, status)));
    return done(lists.flat().sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
  }

  /** The request, if this person may see it (mayView); otherwise as if it did not exist. */
  async view(actor: Actor, requestId: string): Promise<StoredRequest | undefined> {
    const request = await this.get(actor.tenantId, requestId);
    if (!request) return undefined;
    const actorIsAdmin = await this.deps.roles.isAdmin({ tenantId: actor.tenantId, aadObjectId: actor.aadObjectId });
    return mayView(request, actor.aadObjectId, { actorIsAdmin }) ? request : undefined;
  }

  /**
   * A card of the request that the person was just shown (opened from a list, or the
   * confirmation card a subscription change became) follows the request from now on: every
   * change redraws it. Only for someone who may see the request.
   */
  async followCard(actor: Actor, requestId: string, where: Omit<CardRef, 'viewerId'>): Promise<Outcome> {
    const request = await this.view(actor, requestId);
    if (!request) return refused('not-found', "I can't find that request.");
    await this.deps.notifications.rememberCard(request, { ...where, viewerId: actor.aadObjectId });
    return done(undefined);
  }

  /**
   * Who must decide if this request has to buy seats after all (its automatic approval counted
   * on free seats that are gone): the policy asked again with none free, stages resolved as at
   * submission. No stages: the policy lets it buy without a person.
   */
  async approvalIfPurchase(request: StoredRequest): Promise<{ ok: true; stages: ResolvedStage[] } | { ok: false; message: string }> {
    const [policies, settings] = await Promise.all([this.deps.policies.list(request.tenantId), this.licenseSettings(request.tenantId)]);
    const evaluation = withApprovalSetting(
      evaluatePolicy(policies, {
        productId: request.product.productId,
        monthlyCost: requestMonthlyCost(request),
        freeSeats: 0,
        quantity: request.quantity,
      }),
      settings,
    );
    if (evaluation.outcome === 'error') return { ok: false, message: evaluation.message };
    if (evaluation.outcome === 'auto-approve') return { ok: true, stages: [] };
    const requester = { tenantId: request.tenantId, aadObjectId: request.requester.aadObjectId, name: request.requester.name };
    const resolution = resolveStages(evaluation.stages, {
      ...(await this.directoryFacts(requester, evaluation.policy)),
      beneficiaryId: request.beneficiary.id,
    });
    return resolution.ok ? { ok: true, stages: resolution.stages } : { ok: false, message: resolution.message };
  }

  /** The quota left in the request's unit now (pending requests of a unit); undefined otherwise or when it cannot be counted. */
  async unitQuotaNow(request: StoredRequest): Promise<{ seats: number; used: number } | undefined> {
    return this.deps.units?.quotaNow(request).catch(() => undefined);
  }

  private licenseSettings(tenantId: string): Promise<LicenseSettings> {
    return this.deps.licenseSettings?.of(tenantId) ?? Promise.resolve(DEFAULT_LICENSE_SETTINGS);
  }

  async get(tenantId: string, requestId: string): Promise<StoredRequest | undefined> {
    return (await this.deps.requests.get(tenantId, requestId))?.value;
  }

  /** Who could decide a request of `actor` under `policy`: their manager, the groups' members, the admins. */
  async directoryFacts(actor: Actor, policy: ApprovalPolicy) {
    const { directory } = this.deps;
    const groupIds = [...new Set(policy.stages.flatMap((s) => (s.approver.kind === 'group' ? [s.approver.groupId] : [])))];
    const needsManager = policy.stages.some((s) => s.approver.kind === 'manager');
    const [manager, groups, admins] = await Promise.all([
      needsManager ? directory.getManager(actor.tenantId, actor.aadObjectId) : undefined,
      Promise.all(groupIds.map(async (id) => [id, (await directory.listGroupMembers(actor.tenantId, id)).map(approverOf)] as const)),
      this.adminApprovers(actor.tenantId),
    ]);
    return {
      requesterId: actor.aadObjectId,
      ...(manager && { manager: approverOf(manager) }),
      groupMembers: Object.fromEntries(groups),
      admins,
    };
  }

  private async adminApprovers(tenantId: string): Promise<Approver[]> {
    const ids = this.deps.roles.adminIds(tenantId);
    const users = await Promise.all(ids.map((id) => this.deps.directory.getUser(tenantId, id)));
    return ids.map((id, i) => ({ id, name: users[i]?.displayName ?? 'Admin' }));
  }
}

const approverOf = (user: DirectoryUser): Approver => ({ id: user.id, name: user.displayName });

/** REQ-7F3A9C21D04B8E55: 64 random bits, so an id seen on a channel card leads nowhere else by guessing. */
function newRequestId(): string {
  return `REQ-${randomBytes(8).toString('hex').toUpperCase()}`;
}

/** The request id for something confirmed once on a card: the same confirmation always gives the same id. */
export function requestIdFor(tenantId: string, confirmationId: string): string {
  return `REQ-${createHash('sha256').update(`${tenantId.toLowerCase()}:${confirmationId}`).digest('hex').slice(0, 16).toUpperCase()}`;
}

/**
 * The commerce idempotency key (MS-RequestId, a GUID): a hash of the request id, so every
 * retry of the same request sends the same key and different requests never share one.
 */
export function commerceRequestIdFor(requestId: string): string {
  const hex = createHash('sha256').update(`quartermaster:${requestId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Limits for a form with no product chosen yet: the loosest over all policies. */
function formLimits(policies: readonly ApprovalPolicy[]): PolicyLimits {
  if (policies.length === 0) return DEFAULT_LIMITS;
  return {
    maxQuantity: Math.max(...policies.map((p) => p.maxQuantity)),
    requireJustification: policies.some((p) => p.requireJustification),
  };
}

const MAX_SEVERAL_REASON = 300;

/**
 * Whether the person confirmed this request on its review card (and, for several seats for one
 * person, said why); otherwise the review card to show. The reason joins the justification.
 */
function reviewOf(
  raw: unknown,
  input: { offer: CatalogOffer; quantity: number; forWhom?: string; justification: string },
  beneficiary: DirectoryUser,
  actor: Actor,
): { confirmed: true; justification: string } | { confirmed: false; review: RequestReview } {
  const data = raw as Record<string, unknown>;
  const severalReason = typeof data.severalReason === 'string' ? data.severalReason.trim() : '';
  const review = (errors: RequestReview['errors']): { confirmed: false; review: RequestReview } => ({
    confirmed: false,
    review: {
      values: {
        productOfferId: input.offer.offerId,
        quantity: String(input.quantity),
        forWhom: input.forWhom ?? '',
        justification: input.justification,
      },
      offer: input.offer,
      quantity: input.quantity,
      beneficiary: {
        name: beneficiary.displayName,
        upn: beneficiary.userPrincipalName,
        isRequester: beneficiary.id.toLowerCase() === actor.aadObjectId.toLowerCase(),
      },
      severalReason: severalReason.slice(0, MAX_SEVERAL_REASON),
      errors,
    },
  });
  if (data.confirmed !== true && data.confirmed !== 'true') return review({});
  if (input.quantity === 1) return { confirmed: true, justification: input.justification };
  const who = beneficiary.displayName;
  if (severalReason === '')
    return review({
      severalReason: `Say why ${who} needs ${input.quantity} licenses: one person normally needs one. Or choose Change and ask for 1.`,
    });
  const justification = [input.justification, `Why ${input.quantity} licenses: ${severalReason}`].filter(Boolean).join('\n');
  if (severalReason.length > MAX_SEVERAL_REASON || justification.length > MAX_JUSTIFICATION_LENGTH)
    return review({ severalReason: 'That is too long together with the justification. Please say it more briefly.' });
  return { confirmed: true, justification };
}

/** What to show again in a re-drawn form: the person's values, cut to a sane length. */
function echo(raw: unknown): RequestForm['values'] {
  const data = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (value: unknown, max: number) =>
    typeof value === 'string' ? value.slice(0, max) : typeof value === 'number' ? String(value) : undefined;
  const quantity = Number(data.quantity);
  return {
    ...(text(data.productOfferId, 200) && { productOfferId: text(data.productOfferId, 200) }),
    ...(Number.isSafeInteger(quantity) && quantity > 0 && quantity < 100_000 && { quantity }),
    ...(text(data.forWhom, 256) && { forWhom: text(data.forWhom, 256) }),
    ...(text(data.justification, 1000) && { justification: text(data.justification, 1000) }),
  };
}

export function summary(request: StoredRequest) {
  // The step counts only while approvers decide: after that it would read as a step past the last.
  const base = {
    status: request.status,
    product: request.product.name,
    ...(request.status === 'pending' && { stageIndex: request.stageIndex }),
  };
  if (request.change) return { ...base, subscription: request.change.subscriptionId, change: describeChange(request.change) };
  return {
    ...base,
    quantity: request.quantity,
    beneficiary: request.beneficiary.upn,
    ...(request.unit && { unit: request.unit.name }),
  };
}
