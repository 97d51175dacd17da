// Chargeback: a month's cost handed to the people who own it. Cost owners are a department
// (the directory's `department`), a group, a cost centre (`employeeOrgData.costCenter`) or a
// tag value on cloud costs. License cost goes per person: each product's billed total for the
// month split over its paid seats, one share per person holding it; seats nobody holds, and
// people no owner claims, stay unallocated. Cloud cost goes by tag. Unallocated cost is shown,
// never dropped: per currency, the owners' totals plus the unallocated total equal the month's
// total exactly (shares are split in minor units, largest remainder first). Pure: no I/O.
import { fromMinor, normalizeCurrency, toMinor, type Money } from '../money.js';
import { topWithRest, type ProductAmount } from './invoice-lines.js';

export interface OwnerTag {
  key: string;
  value: string;
}

export interface CostOwner {
  id: string;
  name: string;
  departments: string[];
  /** Entra group object ids. */
  groups: string[];
  costCentres: string[];
  tags: OwnerTag[];
  /** Who receives the owner's monthly statement (Entra object ids, with names for cards). */
  recipients: { id: string; name: string }[];
}

export interface ChargebackPerson {
  id: string;
  name: string;
  department?: string;
  costCentre?: string;
  groupIds: string[];
}

/** One licensed product's cost for the month: what was billed for it and the seats it paid for. */
export interface LicenseCost {
  /** Stable key (an offer or subscription id). */
  key: string;
  name: string;
  total: Money;
  /** Seats paid for in the month (at least the holders; more = unassigned seats). */
  seats: number;
  /** Directory ids of the people holding it. */
  holderIds: string[];
}

/** Cloud cost for the month, summed per provider, service and tags. */
export interface CloudCost {
  provider: string;
  service: string;
  tags: Record<string, string>;
  amount: Money;
}

export type ChargebackKind = 'license' | 'cloud';

/** One allocated amount: who or what it is for, in the owner's (or the unallocated) column. */
export interface ChargebackDetail {
  ownerId: string | null;
  kind: ChargebackKind;
  /** The product, or "Azure · Virtual Machines". */
  item: string;
  /** The person (licenses) or the tag (cloud); why it is unallocated when it is. */
  about: string;
  amount: Money;
}

export interface OwnerStatement {
  ownerId: string;
  name: string;
  currency: string;
  total: Money;
  licenses: Money;
  cloud: Money;
  /** Per item (product, cloud service), largest first, rest folded: they add up to `total`. */
  topItems: ProductAmount[];
}

export interface CurrencyChargeback {
  currency: string;
  total: Money;
  owners: OwnerStatement[];
  unallocated: { total: Money; topItems: ProductAmount[] };
}

export interface Chargeback {
  /** "YYYY-MM". */
  month: string;
  currencies: CurrencyChargeback[];
  details: ChargebackDetail[];
}

export const UNALLOCATED = 'Unallocated';
const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/** The first owner (in the order given) who claims this person: department, group or cost centre. */
export function ownerOfPerson(person: ChargebackPerson, owners: readonly CostOwner[]): CostOwner | undefined {
  return owners.find(
    (owner) =>
      owner.departments.some((d) => same(d, person.department)) ||
      owner.costCentres.some((c) => same(c, person.costCentre)) ||
      owner.groups.some((g) => person.groupIds.some((id) => same(id, g))),
  );
}

/** The first owner whose tag the cost carries (keys and values compared without case). */
export function ownerOfTags(tags: Record<string, string>, owners: readonly CostOwner[]): CostOwner | undefined {
  const entries = Object.entries(tags);
  return owners.find((owner) => owner.tags.some((tag) => entries.some(([key, value]) => same(key, tag.key) && same(value, tag.value))));
}

/**
 * `total` split into `parts` shares that differ by at most one minor unit and add up to it
 * exactly; the first shares get the extra units (callers order the parts).
 */
export function splitEvenly(total: bigint, parts: number): bigint[] {
  if (parts <= 0) return [];
  const count = BigInt(parts);
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  const base = magnitude / count;
  const extra = Number(magnitude % count);
  return Array.from({ length: parts }, (_, i) => {
    const share = base + (i < extra ? 1n : 0n);
    return negative ? -share : share;
  });
}

export interface ChargebackInput {
  month: string;
  owners: readonly CostOwner[];
  people: readonly ChargebackPerson[];
  licenses: readonly LicenseCost[];
  cloud: readonly CloudCost[];
}

/** Allocates a month. Deterministic: the same input gives the same figures, detail by detail. */
export function allocateChargeback(input: ChargebackInput): Chargeback {
  const people = new Map(input.people.map((p) => [p.id.toLowerCase(), p] as const));
  const details: ChargebackDetail[] = [];
  const add = (ownerId: string | null, kind: ChargebackKind, item: string, about: string, minor: bigint, currency: string) => {
    if (minor !== 0n) details.push({ ownerId, kind, item, about, amount: fromMinor(minor, currency) });
  };

  for (const license of [...input.licenses].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const currency = normalizeCurrency(license.total.currency);
    const total = minorOf(license.total);
    const holders = [...new Set(license.holderIds.map((id) => id.toLowerCase()))].sort();
    const seats = Math.max(license.seats, holders.length);
    if (seats === 0 || holders.length === 0) {
      add(null, 'license', license.name, 'no one holds it', total, currency);
      continue;
    }
    const shares = splitEvenly(total, seats);
    holders.forEach((id, index) => {
      const person = people.get(id);
      const owner = person ? ownerOfPerson(person, input.owners) : undefined;
      const who = person?.name ?? id;
      if (owner) add(owner.id, 'license', license.name, who, shares[index]!, currency);
      else
        add(
          null,
          'license',
          license.name,
          person?.department ? `${who} (department ${person.department} has no cost owner)` : `${who} (no cost owner)`,
          shares[index]!,
          currency,
        );
    });
    const unassigned = shares.slice(holders.length).reduce((sum, share) => sum + share, 0n);
    add(
      null,
      'license',
      license.name,
      `${seats - holders.length} unassigned seat${seats - holders.length === 1 ? '' : 's'}`,
      unassigned,
      currency,
    );
  }

  for (const row of input.cloud) {
    const currency = normalizeCurrency(row.amount.currency);
    const minor = minorOf(row.amount);
    const owner = ownerOfTags(row.tags, input.owners);
    const item = `${row.provider} · ${row.service}`;
    const tagText = Object.entries(row.tags)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
    add(owner?.id ?? null, 'cloud', item, owner ? tagText : tagText ? `tag ${tagText} has no cost owner` : 'untagged', minor, currency);
  }

  return { month: input.month, currencies: summarize(details, input.owners), details };
}

const minorOf = (money: Money): bigint => toMinor(money, { allowNegative: true });

/** Per currency: each owner's total and items, and the unallocated rest. */
export function summarize(details: readonly ChargebackDetail[], owners: readonly CostOwner[]): CurrencyChargeback[] {
  const currencies = [...new Set(details.map((d) => d.amount.currency))].sort();
  return currencies.map((currency) => {
    const mine = details.filter((d) => d.amount.currency === currency);
    const statement = (ownerId: string | null) => {
      const items = new Map<string, bigint>();
      let licenses = 0n;
      let cloud = 0n;
      for (const detail of mine) {
        if (detail.ownerId !== ownerId) continue;
        const minor = minorOf(detail.amount);
        items.set(detail.item, (items.get(detail.item) ?? 0n) + minor);
        if (detail.kind === 'license') licenses += minor;
        else cloud += minor;
      }
      return { items, licenses, cloud };
    };
    const ownerStatements = owners
      .map((owner) => {
        const { items, licenses, cloud } = statement(owner.id);
        return {
          ownerId: owner.id,
          name: owner.name,
          currency,
          total: fromMinor(licenses + cloud, currency),
          licenses: fromMinor(licenses, currency),
          cloud: fromMinor(cloud, currency),
          topItems: topWithRest(items, 5, currency, 'All other items'),
        };
      })
      .filter((s) => s.topItems.length > 0);
    const rest = statement(null);
    const total = mine.reduce((sum, d) => sum + minorOf(d.amount), 0n);
    return {
      currency,
      total: fromMinor(total, currency),
      owners: ownerStatements,
      unallocated: {
        total: fromMinor(rest.licenses + rest.cloud, currency),
        topItems: topWithRest(rest.items, 5, currency, 'All other items'),
      },
    };
  });
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is neutralised (spreadsheet formulas). */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The month's allocation, one row per detail, for a spreadsheet. */
export function chargebackCsv(chargeback: Chargeback, owners: readonly CostOwner[]): string {
  const names = new Map(owners.map((o) => [o.id, o.name] as const));
  const rows = [['Month', 'Cost owner', 'Kind', 'Item', 'Person or tag', 'Amount', 'Currency']];
  const sorted = [...chargeback.details].sort(
    (a, b) =>
      (names.get(a.ownerId ?? '') ?? '~').localeCompare(names.get(b.ownerId ?? '') ?? '~') ||
      a.kind.localeCompare(b.kind) ||
      a.item.localeCompare(b.item) ||
      a.about.localeCompare(b.about),
  );
  for (const d of sorted)
    rows.push([
      chargeback.month,
      d.ownerId ? (names.get(d.ownerId) ?? d.ownerId) : UNALLOCATED,
      d.kind,
      d.item,
      d.about,
      d.amount.amount,
      d.amount.currency,
    ]);
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
