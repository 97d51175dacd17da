// What an admin types on the cost owner form, checked: a name, what the owner claims (at least
// one department, group, cost centre or tag) and who receives the statements. Recipients are
// resolved to directory people by the service; everything else is decided here. Pure.
import type { CostOwner, OwnerTag } from './chargeback.js';

export interface CostOwnerInput {
  name?: unknown;
  departments?: unknown;
  groups?: unknown;
  costCentres?: unknown;
  tags?: unknown;
  recipients?: unknown;
}

export interface ParsedCostOwner {
  name: string;
  departments: string[];
  groups: string[];
  costCentres: string[];
  tags: OwnerTag[];
  /** User principal names or e-mail addresses, to be found in the directory. */
  recipients: string[];
}

const MAX_ITEMS = 20;
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
const list = (value: unknown) =>
  text(value)
    .split(/[,;\n]/)
    .map((item) => item.trim())
    .filter(Boolean);
// Letters (any language), digits, spaces and a few joiners: a value is shown on cards, never markup.
const PLAIN = /^[\p{L}\p{N} ._&'()/-]{1,60}$/u;
const GROUP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i;
const EMAIL = /^[^@\s,;]{1,64}@[^@\s,;]{1,190}$/;

export function parseCostOwnerInput(
  input: CostOwnerInput,
  others: readonly CostOwner[],
): { ok: true; owner: ParsedCostOwner } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const name = text(input.name);
  if (!name) errors.push('Give the cost owner a name, e.g. Marketing.');
  else if (!PLAIN.test(name)) errors.push("The name may have letters, digits, spaces and . _ & ' ( ) / - (at most 60).");
  else if (others.some((o) => o.name.toLowerCase() === name.toLowerCase())) errors.push(`There is already a cost owner named ${name}.`);

  const departments = list(input.departments);
  const costCentres = list(input.costCentres);
  for (const [label, values] of [
    ['Department', departments],
    ['Cost centre', costCentres],
  ] as const) {
    const bad = values.find((v) => !PLAIN.test(v));
    if (bad) errors.push(`${label} "${bad.slice(0, 40)}" may only have letters, digits, spaces and . _ & ' ( ) / - (at most 60).`);
  }
  const groups = list(input.groups);
  const badGroup = groups.find((g) => !GROUP_ID.test(g));
  if (badGroup) errors.push(`"${badGroup.slice(0, 40)}" is not a group's object id (a GUID, as Entra ID shows it).`);

  const tags: OwnerTag[] = [];
  for (const pair of list(input.tags)) {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    const value = at > 0 ? pair.slice(at + 1).trim() : '';
    if (!key || !value || !PLAIN.test(key) || !PLAIN.test(value))
      errors.push(`"${pair.slice(0, 40)}" is not a tag: write key=value, e.g. department=marketing.`);
    else tags.push({ key, value });
  }
  const recipients = list(input.recipients);
  const badRecipient = recipients.find((r) => !EMAIL.test(r));
  if (badRecipient) errors.push(`"${badRecipient.slice(0, 60)}" is not a sign-in name or e-mail address.`);

  if (departments.length + groups.length + costCentres.length + tags.length === 0)
    errors.push('Say what this owner pays for: at least one department, group, cost centre or tag.');
  for (const [label, values] of [
    ['departments', departments],
    ['groups', groups],
    ['cost centres', costCentres],
    ['tags', tags],
    ['recipients', recipients],
  ] as const)
    if (values.length > MAX_ITEMS) errors.push(`At most ${MAX_ITEMS} ${label}.`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, owner: { name, departments, groups, costCentres, tags, recipients } };
}

/** A stable id for a new owner, from its name ("Marketing EMEA" → "marketing-emea"), unique among `others`. */
export function ownerIdFor(name: string, others: readonly CostOwner[]): string {
  const base =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'owner';
  let id = base;
  for (let n = 2; others.some((o) => o.id === id); n++) id = `${base}-${n}`;
  return id;
}

/** Owners to start from when an admin has configured none: one per department the directory names. */
export function ownersFromDepartments(departments: readonly (string | undefined)[]): CostOwner[] {
  const names = [...new Set(departments.map((d) => d?.trim()).filter((d): d is string => !!d && PLAIN.test(d)))].sort((a, b) =>
    a.localeCompare(b),
  );
  const owners: CostOwner[] = [];
  for (const name of names)
    owners.push({ id: ownerIdFor(name, owners), name, departments: [name], groups: [], costCentres: [], tags: [], recipients: [] });
  return owners;
}
