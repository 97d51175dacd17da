// What the units card (cards/units.json, admins) and the my-unit card (cards/my-unit.json,
// delegated license admins) show: the license unit service's views turned into template data.
import { describeQuota, describeSource } from '../domain/license-units.js';
import type { CatalogOffer } from '../services/catalog.js';
import type { MyUnitView, UnitView } from '../services/license-units.js';

export type NoteColor = 'Default' | 'Good' | 'Warning' | 'Attention';

/** A refused form, kept on the card: what was sent, and each problem by its field's name. */
export interface FormEcho {
  values: Record<string, string>;
  errors: Record<string, string>;
}

/** What the units card echoes after a refusal: the unit form, or one unit's quota row. */
export interface UnitsFormEcho {
  unit?: FormEcho;
  quota?: FormEcho & { unitId: string };
}

const UNIT_FIELDS = ['name', 'kind', 'value', 'admins'] as const;
const QUOTA_FIELDS = ['product', 'seats', 'plans'] as const;

export interface UnitsCardData {
  summary: string;
  note: string;
  noteColor: NoteColor;
  /** The unit form's values and the problem beside each field (empty strings when none). */
  form: Record<(typeof UNIT_FIELDS)[number], string> & { errors: Record<(typeof UNIT_FIELDS)[number], string> };
  products: { title: string; value: string }[];
  units: {
    id: string;
    name: string;
    people: string;
    admins: string;
    problem: string;
    quotas: { title: string; value: string }[];
    productInputId: string;
    seatsInputId: string;
    plansInputId: string;
    /** This row's quota inputs as last sent (after a refusal) and the problem beside each. */
    quotaForm: Record<(typeof QUOTA_FIELDS)[number], string> & { errors: Record<(typeof QUOTA_FIELDS)[number], string> };
  }[];
}

export interface MyUnitCardData {
  title: string;
  note: string;
  noteColor: NoteColor;
  units: {
    name: string;
    people: string;
    problem: string;
    quotas: { title: string; value: string }[];
    holders: { text: string; personName: string; productName: string; unitId: string; userId: string; productId: string }[];
  }[];
}

/** Input ids of a unit's quota row (the click's data names them). */
export function quotaInputIds(unitId: string): { product: string; seats: string; plans: string } {
  const id = unitId.replace(/[^a-z0-9]/gi, '_');
  return { product: `quotaProduct_${id}`, seats: `quotaSeats_${id}`, plans: `quotaPlans_${id}` };
}

function quotaFacts(view: UnitView) {
  return view.quotas.map(({ quota, state }) => ({
    title: quota.productName,
    value: `${describeQuota(state)}${quota.disabledPlans.length ? `; without ${quota.disabledPlans.map((p) => p.name).join(', ')}` : ''}`,
  }));
}

/** `fields` of `echo`, each a string ('' when absent), with the problem of each. */
function echoed<F extends string>(fields: readonly F[], echo?: FormEcho): Record<F, string> & { errors: Record<F, string> } {
  const pick = (from: Record<string, string> | undefined) =>
    Object.fromEntries(fields.map((f) => [f, from?.[f] ?? ''])) as Record<F, string>;
  return { ...pick(echo?.values), errors: pick(echo?.errors) };
}

export function unitsCardData(
  views: UnitView[],
  offers: CatalogOffer[],
  note?: { text: string; color: NoteColor },
  echo: UnitsFormEcho = {},
): UnitsCardData {
  const form = echoed(UNIT_FIELDS, echo.unit);
  return {
    summary:
      views.length === 0
        ? 'No units yet. A unit is a department, a group or an administrative unit whose license admins decide its requests within its quotas.'
        : `${views.length} ${views.length === 1 ? 'unit' : 'units'}. Their license admins decide their people's requests within the quotas; over a quota, you decide.`,
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    form: { ...form, kind: form.kind || 'department' },
    products: offers.map((o) => ({ title: o.name, value: o.offerId })),
    units: views.map((view) => {
      const ids = quotaInputIds(view.unit.id);
      return {
        id: view.unit.id,
        name: view.unit.name,
        people: describeSource(view.unit.source),
        admins: view.unit.adminNames.join(', '),
        problem: view.problem ?? '',
        quotas: quotaFacts(view),
        productInputId: ids.product,
        seatsInputId: ids.seats,
        plansInputId: ids.plans,
        quotaForm: echoed(QUOTA_FIELDS, echo.quota?.unitId === view.unit.id ? echo.quota : undefined),
      };
    }),
  };
}

export function myUnitCardData(views: MyUnitView[], note?: { text: string; color: NoteColor }): MyUnitCardData {
  return {
    title: views.length === 1 ? `Your unit: ${views[0]!.unit.name}` : 'Your units',
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    units: views.map((view) => ({
      name: view.unit.name,
      people: `${view.memberCount} ${view.memberCount === 1 ? 'person' : 'people'} (${describeSource(view.unit.source)})`,
      problem: view.problem ?? '',
      quotas: quotaFacts(view),
      holders: view.holders.map(({ member, quota }) => ({
        text: `${member.displayName} (${member.userPrincipalName}): ${quota.productName}`,
        personName: member.displayName,
        productName: quota.productName,
        unitId: view.unit.id,
        userId: member.id,
        productId: quota.productId,
      })),
    })),
  };
}
