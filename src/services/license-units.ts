// Delegated license administration (issue 24): admins define units (a department, a group or an
// administrative unit) with quotas per product and plans left off; each unit's license admins
// decide its people's requests within the quota, see their unit (`my unit`) and reclaim within
// it. Members are read from the directory (kept for a minute, read fresh where a count decides
// something); quota decisions of one unit take turns under a table lock so two approvals at
// once cannot both take the last seat.
import { md } from '../domain/plain-text.js';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { DirectoryMember, DirectoryPort } from '../connectors/ports.js';
import {
  choosePlans,
  describeQuota,
  describeSource,
  fitsQuota,
  isUnitAdmin,
  parseSeats,
  quotaFor,
  quotaState,
  unitFor,
  unitIdOf,
  unitsAdministeredBy,
  UNIT_LIMITS,
  validateUnitInput,
  type LicenseUnit,
  type QuotaState,
  type UnitQuota,
} from '../domain/license-units.js';
import type { RequestUnit, ResolvedStage } from '../domain/request.js';
import type { Actor } from '../domain/roles.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { LicenseUnitRepository, UnitOverQuotaStates } from '../storage/license-units.js';
import type { PurchaseLocks } from '../storage/purchase-locks.js';
import type { RequestRepository, StoredRequest } from '../storage/requests.js';
import { KeptFor } from '../single-flight.js';
import type { CatalogService } from './catalog.js';
import { done, refused, type Outcome } from './outcome.js';
import type { RoleService } from './roles.js';

const MEMBERS_MEMORY_MS = 60_000;
const UNIT_LOCK_MS = 10_000;
const UNIT_LOCK_WAIT_MS = 3_000;

export interface UnitQuotaView {
  quota: UnitQuota;
  state: QuotaState;
}

export interface UnitView {
  unit: LicenseUnit;
  quotas: UnitQuotaView[];
  /** Why the members could not be read (unknown group, directory down); the quotas then show nothing used. */
  problem?: string;
}

export interface MyUnitView extends UnitView {
  /** Members holding a product of the unit's quotas. */
  holders: { member: DirectoryMember; quota: UnitQuota }[];
  memberCount: number;
}

/** How a submission is routed when the beneficiary's unit has a quota for the product. */
export type UnitRouting = { unit: RequestUnit; stage: ResolvedStage } | { refusal: string };

export interface LicenseUnitDeps {
  units: LicenseUnitRepository;
  overStates: UnitOverQuotaStates;
  directory: DirectoryPort;
  catalog: CatalogService;
  requests: RequestRepository;
  roles: RoleService;
  audit: AuditLog;
  locks: PurchaseLocks;
  clock: Clock;
  /** Tells people (by object id) something once per key. */
  tell(tenantId: string, personIds: readonly string[], text: string, key: string): Promise<void>;
}

export class LicenseUnitService {
  private readonly members = new KeptFor<DirectoryMember[]>(MEMBERS_MEMORY_MS);

  constructor(private readonly deps: LicenseUnitDeps) {}

  list(tenantId: string): Promise<LicenseUnit[]> {
    return this.deps.units.list(tenantId);
  }

  // -------------------------------------------------------------------------------------
  // Counting
  // -------------------------------------------------------------------------------------

  /** The unit's members; `fresh` reads the directory now (a count that decides something). */
  async membersOf(tenantId: string, unit: LicenseUnit, options: { fresh?: boolean } = {}): Promise<DirectoryMember[]> {
    const key = `${tenantId.toLowerCase()}|${unit.id}|${unit.source.kind}|${unit.source.value}`;
    if (options.fresh) this.members.delete(key);
    return this.members.get(key, () => this.deps.directory.listMembers(tenantId, unit.source));
  }

  /** Held (members with the license), promised (approved, not assigned yet) and the quota. */
  async count(
    tenantId: string,
    unit: LicenseUnit,
    quota: UnitQuota,
    options: { fresh?: boolean; except?: string } = {},
  ): Promise<QuotaState> {
    const [members, skuId, open] = await Promise.all([
      this.membersOf(tenantId, unit, options),
      this.skuIdOf(tenantId, quota.skuPartNumber),
      this.openRequests(tenantId),
    ]);
    const held = skuId ? members.filter((m) => m.licenses.some((l) => l.skuId.toLowerCase() === skuId)).length : 0;
    const promised = open
      .filter(
        (r) => r.id !== options.except && r.unit?.id === unit.id && r.product.productId.toLowerCase() === quota.productId.toLowerCase(),
      )
      .filter((r) => !r.fulfilment?.assigned)
      .reduce((n, r) => n + r.quantity, 0);
    return quotaState({ seats: quota.seats, held, promised });
  }

  private async openRequests(tenantId: string): Promise<StoredRequest[]> {
    const [approved, fulfilling] = await Promise.all([
      this.deps.requests.withStatus(tenantId, 'approved'),
      this.deps.requests.withStatus(tenantId, 'fulfilling'),
    ]);
    return [...approved, ...fulfilling];
  }

  private async skuIdOf(tenantId: string, skuPartNumber: string): Promise<string | undefined> {
    return (await this.deps.catalog.seats(tenantId, skuPartNumber))?.skuId.toLowerCase();
  }

  /** The units a person belongs to now (ids). */
  async unitsOf(tenantId: string, personId: string, options: { fresh?: boolean } = {}): Promise<LicenseUnit[]> {
    const units = await this.list(tenantId);
    const found = await Promise.all(
      units.map(async (unit) => {
        const members = await this.membersOf(tenantId, unit, options).catch(() => []);
        return members.some((m) => m.id.toLowerCase() === personId.toLowerCase()) ? unit : undefined;
      }),
    );
    return found.filter((u): u is LicenseUnit => u !== undefined);
  }

  // -------------------------------------------------------------------------------------
  // Requests: routing at submission, the quota check on approval
  // -------------------------------------------------------------------------------------

  /**
   * Undefined when no unit of the beneficiary has a quota for the product (the tenant's policy
   * routes it). Otherwise one step: the unit's license admins within the quota, the tenant
   * admins with the reason when it would exceed it. Neither the requester nor the beneficiary decides.
   */
  async route(
    tenantId: string,
    people: { requesterId: string; beneficiaryId: string },
    productId: string,
    quantity: number,
  ): Promise<UnitRouting | undefined> {
    const units = await this.list(tenantId);
    if (!units.some((u) => quotaFor(u, productId))) return undefined;
    const unit = unitFor(
      units,
      (await this.unitsOf(tenantId, people.beneficiaryId, { fresh: true })).map((u) => u.id),
      productId,
    );
    if (!unit) return undefined;
    const quota = quotaFor(unit, productId)!;
    // The unit's members were just read fresh (unitsOf above): counting reads them once, not again.
    const count = await this.count(tenantId, unit, quota);
    const requestUnit = this.requestUnit(unit, quota, count);
    const excluded = [people.requesterId, people.beneficiaryId].map((id) => id.toLowerCase());
    const verdict = fitsQuota(unit, quota, count, quantity);
    const unitAdmins = unit.adminIds.filter((id) => !excluded.includes(id.toLowerCase()));
    if (verdict.ok && unitAdmins.length > 0)
      return { unit: requestUnit, stage: { kind: 'unit', label: `${unit.name} license admins`, approverIds: unitAdmins } };
    const reason = verdict.ok ? `the ${unit.name} license admins are the requester or the person it is for` : verdict.reason;
    const admins = this.deps.roles.adminIds(tenantId).filter((id) => !excluded.includes(id.toLowerCase()));
    if (admins.length === 0) return { refusal: `Nobody can approve this: ${reason}, and there is no other admin. Ask an admin to help.` };
    return { unit: requestUnit, stage: this.adminStage(unit, reason, admins) };
  }

  /** The unit's quota as it stands now, for a pending request's card (members as last read, up to a minute old). */
  async quotaNow(request: StoredRequest): Promise<{ seats: number; used: number } | undefined> {
    if (!request.unit || request.status !== 'pending') return undefined;
    const unit = await this.deps.units.get(request.tenantId, request.unit.id);
    const quota = unit && quotaFor(unit, request.product.productId);
    if (!unit || !quota) return undefined;
    const state = await this.count(request.tenantId, unit, quota, { except: request.id });
    return { seats: state.seats, used: state.used };
  }

  /** The step the tenant admins decide when a unit's quota does not cover a request. */
  adminStage(unit: Pick<LicenseUnit, 'name'>, reason: string, admins: string[]): ResolvedStage {
    return { kind: 'admins', label: `Admins (over the ${unit.name} quota)`, approverIds: admins, fallback: true, escalation: reason };
  }

  private requestUnit(unit: LicenseUnit, quota: UnitQuota, count: QuotaState): RequestUnit {
    return {
      id: unit.id,
      name: unit.name,
      quota: { seats: quota.seats, used: count.used },
      disabledPlans: quota.disabledPlans.map((p) => p.id),
      disabledPlanNames: quota.disabledPlans.map((p) => p.name),
    };
  }

  /**
   * A unit license admin approving: counts the quota in the unit's turn and runs `approve` when it
   * fits, `escalate` (with the reason and the admins' step) when it does not. Quota before/after
   * come back for the audit log.
   */
  async decideWithinQuota<T>(
    request: StoredRequest,
    approve: (quota: { before: QuotaState; after: QuotaState }) => Promise<T>,
    escalate: (stage: ResolvedStage, quota: QuotaState) => Promise<T>,
  ): Promise<T> {
    const unit = request.unit && (await this.deps.units.get(request.tenantId, request.unit.id));
    const quota = unit && quotaFor(unit, request.product.productId);
    const admins = () =>
      this.deps.roles
        .adminIds(request.tenantId)
        .filter((id) => ![request.requester.aadObjectId, request.beneficiary.id].some((other) => other.toLowerCase() === id.toLowerCase()));
    if (!unit || !quota) {
      // The unit or its quota was removed since: the tenant admins decide.
      const gone = `the ${request.unit?.name ?? 'unit'} no longer has a quota for ${request.product.name}`;
      return escalate(
        this.adminStage({ name: request.unit?.name ?? 'unit' }, gone, admins()),
        quotaState({ seats: 0, held: 0, promised: 0 }),
      );
    }
    return this.underUnitLock(request.tenantId, unit.id, async () => {
      const before = await this.count(request.tenantId, unit, quota, { fresh: true, except: request.id });
      const verdict = fitsQuota(unit, quota, before, request.quantity);
      if (verdict.ok) return approve({ before, after: verdict.after });
      return escalate(this.adminStage(unit, verdict.reason, admins()), before);
    });
  }

  private async underUnitLock<T>(tenantId: string, unitId: string, work: () => Promise<T>): Promise<T> {
    const key = `unit-quota|${unitId}`;
    const holder = `unit-decision|${randomUUID()}`;
    const deadline = Date.now() + UNIT_LOCK_WAIT_MS;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const lock = await this.deps.locks.acquire(tenantId, key, holder, UNIT_LOCK_MS, this.deps.clock());
      if (lock.ok) {
        try {
          return await work();
        } finally {
          await this.deps.locks.release(tenantId, key, lock.etag).catch(() => undefined);
        }
      }
      // Busy past the wait: another decision of this unit is stuck; decide without the turn
      // rather than hang the click (the count is still fresh).
      if (Date.now() + pause > deadline) return work();
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  // -------------------------------------------------------------------------------------
  // Admins: units, quotas, plan restrictions
  // -------------------------------------------------------------------------------------

  async overview(actor: Actor): Promise<Outcome<UnitView[]>> {
    if (!(await this.deps.roles.isAdmin(actor))) return refused('forbidden', 'Only admins can set up units and quotas.');
    const units = await this.list(actor.tenantId);
    return done(await Promise.all(units.map((unit) => this.view(actor.tenantId, unit))));
  }

  /** A card someone asked for: read fresh once (seats assigned or removed since show at once), shared by its quotas. */
  private async view(tenantId: string, unit: LicenseUnit): Promise<UnitView> {
    try {
      await this.membersOf(tenantId, unit, { fresh: true });
      const quotas = await Promise.all(unit.quotas.map(async (quota) => ({ quota, state: await this.count(tenantId, unit, quota) })));
      return { unit, quotas };
    } catch {
      return {
        unit,
        quotas: unit.quotas.map((quota) => ({ quota, state: quotaState({ seats: quota.seats, held: 0, promised: 0 }) })),
        problem: `The members of ${describeSource(unit.source)} cannot be read right now; check that it exists.`,
      };
    }
  }

  /** Adds a unit, or changes the one of that name: its people and its license admins. */
  async saveUnit(actor: Actor, raw: unknown): Promise<Outcome<LicenseUnit>> {
    if (!(await this.deps.roles.isAdmin(actor))) return refused('forbidden', 'Only admins can set up units and quotas.');
    const input = validateUnitInput(raw);
    if (!input.ok) return refused('invalid', Object.values(input.errors).join(' '), input.errors);
    const admins = await Promise.all(input.value.adminUpns.map((upn) => this.deps.directory.getUser(actor.tenantId, upn)));
    const missing = input.value.adminUpns.filter((_, i) => !admins[i]);
    if (missing.length > 0) {
      const message = `I can't find ${missing.join(', ')} in your organisation. Nothing was changed.`;
      return refused('invalid', message, { admins: message });
    }
    const existing = await this.list(actor.tenantId);
    const id = unitIdOf(input.value.name);
    if (!existing.some((u) => u.id === id) && existing.length >= UNIT_LIMITS.maxUnits)
      return refused('invalid', `A tenant can have at most ${UNIT_LIMITS.maxUnits} units.`);
    const now = this.deps.clock().toISOString();
    const { before, after } = await this.deps.units.change(actor.tenantId, id, (current) => ({
      id,
      name: input.value.name,
      source: input.value.source,
      adminIds: admins.map((a) => a!.id.toLowerCase()),
      adminNames: admins.map((a) => a!.displayName),
      quotas: current?.quotas ?? [],
      updatedBy: actor.name,
      updatedAt: now,
    }));
    await this.audit(actor, before ? 'unit.changed' : 'unit.created', id, before && unitSummary(before), after && unitSummary(after));
    return done(after!, `${input.value.name} saved: ${describeSource(input.value.source)}, decided by ${after!.adminNames.join(', ')}.`);
  }

  /** Sets (or with 0 seats still keeps) a unit's quota of a product and the plans its people get disabled. */
  async setQuota(
    actor: Actor,
    unitId: string,
    raw: { productOfferId?: unknown; seats?: unknown; plans?: unknown },
  ): Promise<Outcome<LicenseUnit>> {
    if (!(await this.deps.roles.isAdmin(actor))) return refused('forbidden', 'Only admins can set up units and quotas.');
    const unit = await this.deps.units.get(actor.tenantId, unitId);
    if (!unit) return refused('not-found', 'That unit is gone. Type units for a fresh card.');
    const offer = typeof raw.productOfferId === 'string' ? await this.deps.catalog.offer(actor.tenantId, raw.productOfferId) : undefined;
    if (!offer)
      return refused('invalid', 'Choose a product from the list. Nothing was changed.', { product: 'Choose a product from the list.' });
    const seats = parseSeats(raw.seats);
    if (!seats.ok) return refused('invalid', seats.message, { seats: seats.message });
    const sku = (await this.deps.directory.listSubscribedSkus(actor.tenantId)).find(
      (s) => s.skuPartNumber.toLowerCase() === offer.skuPartNumber.toLowerCase(),
    );
    const available = (sku?.servicePlans ?? []).map((p) => ({ id: p.servicePlanId, name: p.servicePlanName }));
    const plans = choosePlans(typeof raw.plans === 'string' ? raw.plans.slice(0, 2000) : '', available, offer.name);
    if (!plans.ok) return refused('invalid', `${plans.message} Nothing was changed.`, { plans: plans.message });
    if (!unit.quotas.some((q) => q.productId === offer.productId) && unit.quotas.length >= UNIT_LIMITS.maxQuotas)
      return refused('invalid', `A unit can have at most ${UNIT_LIMITS.maxQuotas} quotas.`);
    const quota: UnitQuota = {
      productId: offer.productId,
      productName: offer.name,
      skuPartNumber: offer.skuPartNumber,
      seats: seats.seats,
      disabledPlans: plans.plans,
    };
    const { before, after } = await this.deps.units.change(actor.tenantId, unitId, (current) =>
      current
        ? {
            ...current,
            quotas: [...current.quotas.filter((q) => q.productId !== quota.productId), quota],
            updatedBy: actor.name,
            updatedAt: this.deps.clock().toISOString(),
          }
        : undefined,
    );
    if (!after) return refused('not-found', 'That unit is gone. Type units for a fresh card.');
    const old = before && quotaFor(before, quota.productId);
    await this.audit(actor, 'unit.quota-set', `${unitId}/${offer.productId}`, old && quotaSummary(old), quotaSummary(quota));
    const off = quota.disabledPlans.length ? `, without ${quota.disabledPlans.map((p) => p.name).join(', ')}` : '';
    return done(after, `${unit.name}: ${quota.seats} × ${offer.name}${off}.`);
  }

  async removeUnit(actor: Actor, unitId: string): Promise<Outcome<undefined>> {
    if (!(await this.deps.roles.isAdmin(actor))) return refused('forbidden', 'Only admins can set up units and quotas.');
    const unit = await this.deps.units.get(actor.tenantId, unitId);
    if (!unit) return refused('not-found', 'That unit is already gone.');
    await this.deps.units.remove(actor.tenantId, unitId);
    await this.audit(actor, 'unit.removed', unitId, unitSummary(unit), undefined);
    return done(undefined, `${unit.name} was removed; its people's requests follow the approval policies again.`);
  }

  // -------------------------------------------------------------------------------------
  // Delegated license admins: their unit, and reclaiming within it
  // -------------------------------------------------------------------------------------

  async myUnits(actor: Actor): Promise<Outcome<MyUnitView[]>> {
    const mine = unitsAdministeredBy(await this.list(actor.tenantId), actor.aadObjectId);
    if (mine.length === 0)
      return refused(
        'forbidden',
        (await this.deps.roles.isAdmin(actor))
          ? 'You are not a license admin of any unit. As an admin you see every unit, its quotas and its license admins with the units command; name yourself a license admin of a unit there to use my unit for it.'
          : 'You are not a license admin of any unit. Admins set units up with the units command.',
      );
    const views = await Promise.all(
      mine.map(async (unit): Promise<MyUnitView> => {
        const view = await this.view(actor.tenantId, unit);
        const members = view.problem ? [] : await this.membersOf(actor.tenantId, unit);
        const skuIds = await Promise.all(unit.quotas.map((q) => this.skuIdOf(actor.tenantId, q.skuPartNumber)));
        const holders = members.flatMap((member) =>
          unit.quotas.flatMap((quota, i) => (member.licenses.some((l) => l.skuId.toLowerCase() === skuIds[i]) ? [{ member, quota }] : [])),
        );
        return { ...view, holders, memberCount: members.length };
      }),
    );
    return done(views);
  }

  /** A unit license admin removes a license from someone of their unit (read fresh from the directory). */
  async reclaim(actor: Actor, command: { unitId: string; userId: string; productId: string }): Promise<Outcome<undefined>> {
    const unit = await this.deps.units.get(actor.tenantId, command.unitId);
    if (!unit || !isUnitAdmin(unit, actor.aadObjectId)) {
      await this.audit(actor, 'unit.reclaim-refused', `${command.unitId}/${command.userId}`, undefined, {
        reason: 'not a license admin of this unit',
      });
      return refused('forbidden', 'Only the license admins of that unit can remove its licenses.');
    }
    const quota = quotaFor(unit, command.productId);
    if (!quota) return refused('not-found', `${unit.name} has no quota for that product any more. Type my unit for a fresh card.`);
    const members = await this.membersOf(actor.tenantId, unit, { fresh: true });
    const member = members.find((m) => m.id.toLowerCase() === command.userId.toLowerCase());
    if (!member) {
      await this.audit(actor, 'unit.reclaim-refused', `${command.unitId}/${command.userId}`, undefined, {
        reason: 'not a member of the unit',
      });
      return refused('forbidden', `That person is not in ${unit.name}, so you cannot change their licenses.`);
    }
    const skuId = await this.skuIdOf(actor.tenantId, quota.skuPartNumber);
    if (!skuId || !member.licenses.some((l) => l.skuId.toLowerCase() === skuId))
      return refused('conflict', `${member.displayName} no longer has ${quota.productName}. Nothing was changed.`);
    const before = await this.count(actor.tenantId, unit, quota);
    await this.deps.directory.removeLicense(actor.tenantId, member.id, skuId);
    this.members.delete(`${actor.tenantId.toLowerCase()}|${unit.id}|${unit.source.kind}|${unit.source.value}`);
    const after = quotaState({ ...before, held: Math.max(0, before.held - 1) });
    await this.audit(
      actor,
      'unit.license-reclaimed',
      `${unit.id}/${member.userPrincipalName}`,
      { unit: unit.name, product: quota.productName, quota: describeQuota(before) },
      { unit: unit.name, product: quota.productName, quota: describeQuota(after) },
    );
    return done(undefined, `${quota.productName} was removed from ${member.displayName}. ${unit.name}: ${describeQuota(after)}.`);
  }

  // -------------------------------------------------------------------------------------
  // Moves: a unit pushed over its quota by people joining it alerts once
  // -------------------------------------------------------------------------------------

  /** Every unit of every managed tenant; returns the alerts sent. */
  async checkAll(): Promise<number> {
    let sent = 0;
    for (const tenantId of this.deps.roles.tenants()) sent += await this.check(tenantId).catch(() => 0);
    return sent;
  }

  /**
   * Counts each unit's quotas from the directory now and compares with the last check: a quota
   * that went over its seats alerts the unit's license admins and the tenant admins, once (the
   * stored state is replaced with its ETag, and each message has its key). Back under, it may alert again later.
   */
  async check(tenantId: string): Promise<number> {
    let sent = 0;
    for (const unit of await this.list(tenantId)) {
      const states = Object.fromEntries(
        await Promise.all(unit.quotas.map(async (q) => [q.productId, await this.count(tenantId, unit, q, { fresh: true })] as const)),
      );
      const over = await this.deps.overStates.change(tenantId, unit.id, (previous) => {
        const next = Object.fromEntries(Object.entries(states).map(([key, state]) => [key, state.over]));
        return { next, result: Object.keys(states).filter((key) => states[key]!.over > 0 && (previous[key] ?? 0) === 0) };
      });
      for (const productId of over ?? []) {
        const quota = quotaFor(unit, productId)!;
        const state = states[productId]!;
        // Posted as a message (Teams shows markdown): the unit's and product's names go in as plain text.
        const text =
          md`${unit.name} is over its ${quota.productName} quota: ${describeQuota(state)}. People who moved into the unit brought their licenses with them. Raise the quota (units) or reclaim licenses (my unit).`
            .text;
        const people = [...new Set([...unit.adminIds, ...this.deps.roles.adminIds(tenantId)].map((id) => id.toLowerCase()))];
        await this.deps.tell(
          tenantId,
          people,
          text,
          `unit-over|${unit.id}|${productId}|${this.deps.clock().toISOString().slice(0, 10)}|${state.used}`,
        );
        await this.deps.audit.record({
          tenantId,
          actorId: 'system',
          actorName: 'Quartermaster',
          action: 'unit.over-quota',
          target: `${unit.id}/${productId}`,
          after: { unit: unit.name, product: quota.productName, quota: describeQuota(state) },
        });
        sent++;
      }
    }
    return sent;
  }

  private audit(actor: Actor, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    return this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action,
      target,
      ...(before !== undefined && { before }),
      ...(after !== undefined && { after }),
    });
  }
}

function unitSummary(unit: LicenseUnit) {
  return { name: unit.name, people: describeSource(unit.source), admins: unit.adminNames.join(', ') };
}

function quotaSummary(quota: UnitQuota) {
  return { product: quota.productName, seats: quota.seats, disabledPlans: quota.disabledPlans.map((p) => p.name).join(', ') || '(none)' };
}
