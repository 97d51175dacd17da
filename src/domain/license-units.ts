// Delegated license administration: a unit is a set of people (a directory group, a department
// value or an administrative unit) with a quota of seats per product and, optionally, service
// plans left disabled when its people get that product. Its delegated license admins decide
// the unit's requests within the quota. Pure: the caller supplies members and counts.
import { z } from 'zod';

export type UnitSourceKind = 'department' | 'group' | 'administrativeUnit';

export interface UnitSource {
  kind: UnitSourceKind;
  /** The department value (matched as Graph's `department eq`), or the group / administrative unit object id. */
  value: string;
}

export interface ServicePlan {
  id: string;
  name: string;
}

export interface UnitQuota {
  productId: string;
  productName: string;
  /** The Graph license the product grants (what members' seats are counted by). */
  skuPartNumber: string;
  /** Seats the unit's people may hold at once. */
  seats: number;
  /** Service plans switched off when this unit's people get the product (assignLicense disabledPlans). */
  disabledPlans: ServicePlan[];
}

export interface LicenseUnit {
  id: string;
  name: string;
  source: UnitSource;
  /** Lower-case object ids of the unit's delegated license admins. */
  adminIds: string[];
  /** Their names, in the same order, for cards. */
  adminNames: string[];
  quotas: UnitQuota[];
  updatedBy?: string;
  updatedAt?: string;
}

export const UNIT_LIMITS = { maxUnits: 50, maxAdmins: 10, maxQuotas: 30, maxSeats: 100_000 } as const;

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

// ---------------------------------------------------------------------------------------
// Quota arithmetic
// ---------------------------------------------------------------------------------------

export interface QuotaCount {
  seats: number;
  /** Members holding the license now. */
  held: number;
  /** Seats of approved requests not assigned yet: promised, so counted as used. */
  promised: number;
}

export interface QuotaState extends QuotaCount {
  used: number;
  /** Never negative: a unit over quota has none left. */
  free: number;
  over: number;
}

export function quotaState(count: QuotaCount): QuotaState {
  const used = count.held + count.promised;
  return { ...count, used, free: Math.max(0, count.seats - used), over: Math.max(0, used - count.seats) };
}

export type QuotaVerdict = { ok: true; after: QuotaState } | { ok: false; reason: string };

/** Whether `quantity` more seats fit in the unit's quota; the refusal says why, for the admins' card. */
export function fitsQuota(unit: Pick<LicenseUnit, 'name'>, quota: UnitQuota, count: QuotaCount, quantity: number): QuotaVerdict {
  const now = quotaState(count);
  if (quantity <= now.free) return { ok: true, after: quotaState({ ...count, promised: count.promised + quantity }) };
  return {
    ok: false,
    reason: `${quantity} more would exceed the ${unit.name} quota of ${quota.seats} ${quota.productName} (${now.used} used, ${now.free} left)`,
  };
}

/** "2 of 5 used, 3 left" (and "over by 1" past the quota). */
export function describeQuota(state: QuotaState): string {
  const base = `${state.used} of ${state.seats} used`;
  return state.over > 0 ? `${base}, over by ${state.over}` : `${base}, ${state.free} left`;
}

/** Quota keys of the unit that are over their seats: from `before` to `after`, the ones that just went over. */
export function newlyOver(before: Readonly<Record<string, number>>, after: Readonly<Record<string, QuotaState>>): string[] {
  return Object.entries(after)
    .filter(([key, state]) => state.over > 0 && (before[key] ?? 0) === 0)
    .map(([key]) => key);
}

// ---------------------------------------------------------------------------------------
// Membership and who acts
// ---------------------------------------------------------------------------------------

/** The unit whose quota covers this product for a person in `memberOf` units (the first, by name). */
export function unitFor(units: readonly LicenseUnit[], memberOf: readonly string[], productId: string): LicenseUnit | undefined {
  return [...units]
    .filter((u) => memberOf.includes(u.id) && u.quotas.some((q) => sameId(q.productId, productId)))
    .sort((a, b) => a.name.localeCompare(b.name))[0];
}

export function quotaFor(unit: LicenseUnit, productId: string): UnitQuota | undefined {
  return unit.quotas.find((q) => sameId(q.productId, productId));
}

export function isUnitAdmin(unit: Pick<LicenseUnit, 'adminIds'>, actorId: string): boolean {
  return unit.adminIds.some((id) => sameId(id, actorId));
}

/** Units this person administers. */
export function unitsAdministeredBy(units: readonly LicenseUnit[], actorId: string): LicenseUnit[] {
  return units.filter((u) => isUnitAdmin(u, actorId));
}

// ---------------------------------------------------------------------------------------
// Plan restrictions
// ---------------------------------------------------------------------------------------

export type PlanChoice = { ok: true; plans: ServicePlan[] } | { ok: false; message: string };

/**
 * The service plans an admin named (names or ids, comma separated) checked against the plans
 * the license has: each must be one of them, and at least one plan must stay on (a license
 * with every plan disabled gives nothing and still takes a seat).
 */
export function choosePlans(typed: string, available: readonly ServicePlan[], productName: string): PlanChoice {
  const wanted = typed
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const plans: ServicePlan[] = [];
  for (const word of wanted) {
    const plan = available.find((p) => sameId(p.name, word) || sameId(p.id, word));
    if (!plan) {
      const known = available.map((p) => p.name).join(', ') || 'none known';
      return { ok: false, message: `${productName} has no service plan called "${word.slice(0, 60)}". Its plans: ${known}.` };
    }
    if (!plans.some((p) => p.id === plan.id)) plans.push(plan);
  }
  if (available.length > 0 && plans.length >= available.length)
    return { ok: false, message: `Leave at least one of ${productName}'s service plans on.` };
  return { ok: true, plans };
}

/** The plan ids to disable when a member of `unit` gets the product (none without a unit quota). */
export function disabledPlanIds(unit: LicenseUnit | undefined, productId: string): string[] {
  return unit ? (quotaFor(unit, productId)?.disabledPlans ?? []).map((p) => p.id) : [];
}

// ---------------------------------------------------------------------------------------
// Admin input
// ---------------------------------------------------------------------------------------

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const unitInput = z.object({
  name: z
    .string({ required_error: 'Give the unit a name.', invalid_type_error: 'The name must be text.' })
    .trim()
    .min(1, 'Give the unit a name.')
    .max(60, 'Keep the name to 60 characters.')
    .regex(/^[\p{L}\p{N} .&()'-]+$/u, "Use letters, digits, spaces and . & ( ) ' - in the name."),
  kind: z.enum(['department', 'group', 'administrativeUnit'], {
    errorMap: () => ({ message: 'Choose department, group or administrative unit.' }),
  }),
  value: z
    .string({ required_error: 'Say which department, group or administrative unit.', invalid_type_error: 'Must be text.' })
    .trim()
    .min(1, 'Say which department, group or administrative unit.')
    .max(100, 'At most 100 characters.'),
  admins: z
    .string({ required_error: 'Name at least one delegated license admin.', invalid_type_error: 'Must be text.' })
    .trim()
    .min(1, 'Name at least one delegated license admin.')
    .max(1000, 'At most 1000 characters.'),
});

export type UnitInput = { name: string; source: UnitSource; adminUpns: string[] };
export type UnitValidation = { ok: true; value: UnitInput } | { ok: false; errors: Record<string, string> };

/** A unit an admin typed on the card: name, kind and value, admins as sign-in names. */
export function validateUnitInput(raw: unknown): UnitValidation {
  const parsed = unitInput.safeParse(raw);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'unit')] ??= issue.message;
    return { ok: false, errors };
  }
  const { name, kind, value, admins } = parsed.data;
  if (kind !== 'department' && !GUID.test(value))
    return { ok: false, errors: { value: `Enter the ${kind === 'group' ? 'group' : 'administrative unit'}'s object id (a GUID).` } };
  const adminUpns = [
    ...new Set(
      admins
        .split(/[,;\s]+/)
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (adminUpns.length > UNIT_LIMITS.maxAdmins)
    return { ok: false, errors: { admins: `At most ${UNIT_LIMITS.maxAdmins} admins per unit.` } };
  if (adminUpns.some((a) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a)))
    return { ok: false, errors: { admins: 'List sign-in names like megan@contoso.com, separated by commas.' } };
  return { ok: true, value: { name, source: { kind, value }, adminUpns } };
}

/** A quota seat count typed on the card: a whole number from 0. */
export function parseSeats(raw: unknown): { ok: true; seats: number } | { ok: false; message: string } {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d{1,6}$/.test(text)) return { ok: false, message: 'Enter the quota as a whole number of seats, like 20.' };
  const seats = Number(text);
  if (seats > UNIT_LIMITS.maxSeats) return { ok: false, message: `A quota can be at most ${UNIT_LIMITS.maxSeats} seats.` };
  return { ok: true, seats };
}

/** A stable id for a unit name: "Sales EMEA" → "sales-emea". */
export function unitIdOf(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'unit'
  );
}

export function describeSource(source: UnitSource): string {
  if (source.kind === 'department') return `department "${source.value}"`;
  return `${source.kind === 'group' ? 'group' : 'administrative unit'} ${source.value}`;
}
