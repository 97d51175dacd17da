// What the billing cards show: plain results of the billing services turned into the data
// their templates bind (cards/invoice.json, reconciliation.json, chargeback-statement.json,
// chargeback-summary.json, cost-owners.json, cost-owner-form.json). Money is formatted here,
// once, for people; every list of amounts a card shows adds up to the total it shows. Text that
// came from a person or a vendor (names, products) is bound as data; the cost owner form only
// takes plain words.
import type { CostOwner, OwnerStatement } from '../domain/billing/chargeback.js';
import { Markdown, md } from '../domain/plain-text.js';
import type { CostOwnerInput } from '../domain/billing/cost-owners.js';
import { monthLabel, previousMonth } from '../domain/billing/months.js';
import { formatMoney, subtract, toMinor, type Money } from '../domain/money.js';
import type { StatementView, SummaryView } from '../services/billing/chargeback.js';
import type { ReconciliationNotice, StoredInvoice } from '../services/billing/invoices.js';
import type { Text } from './cards.js';
import { changeText } from './spend-views.js';

type Fact = { title: string; value: string };
type Color = 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
type Bar = { x: string; y: number };

export interface InvoiceCardData {
  title: string;
  subtitle: string;
  facts: Fact[];
  currencies: { heading: string; totals: Fact[]; products: Fact[] }[];
  note: string;
  noteColor: Color;
  source: string;
  invoiceId: string;
  hasFile: boolean;
  fileTitle: string;
  linkUrl: string;
  linkTitle: string;
}

export interface ReconciliationCardData {
  title: string;
  titleColor: Color;
  subtitle: string;
  sections: { heading: string; color: Color; lines: { text: string }[]; more: Text }[];
  facts: Fact[];
  note: string;
  source: string;
  invoiceId: string;
}

export interface StatementCardData {
  title: string;
  subtitle: string;
  sections: { heading: string; facts: Fact[]; chartTitle: string; currency: string; bars: Bar[]; chartFallback: string; items: Fact[] }[];
  note: Text;
  month: string;
  ownerId: string;
}

export interface SummaryCardData {
  title: string;
  subtitle: string;
  emptyText: string;
  sections: { heading: string; owners: Fact[]; chartTitle: string; currency: string; bars: Bar[]; chartFallback: string }[];
  /** Cost owner names in it are as admins typed them: escaped by `md`. */
  note: Text;
  month: string;
  linkUrl: string;
  linkTitle: string;
}

export interface CostOwnersCardData {
  subtitle: string;
  note: string;
  noteColor: Color;
  emptyText: string;
  items: { ownerId: string; heading: string; facts: Fact[] }[];
}

export interface CostOwnerFormCardData {
  title: string;
  ownerId: string;
  errors: { line: string }[];
  name: string;
  departments: string;
  groups: string;
  costCentres: string;
  tags: string;
  recipients: string;
}

const SOURCE_NAMES = { 'partner-center': 'Partner Center', marketplace: 'Marketplace' } as const;
const day = (iso: string) => iso.slice(0, 10);
/** Chart bars need numbers: display only, never summed or stored. */
const barNumber = (money: Money) => Number(money.amount);

export function invoiceCardData(invoice: StoredInvoice, link?: { url: string; expiresAt: Date }): InvoiceCardData {
  const scopeText =
    invoice.scope === 'customer'
      ? "your organisation's lines of the partner's invoice"
      : invoice.scope === 'partner'
        ? "the partner's whole invoice (every customer)"
        : 'your invoice';
  const facts: Fact[] = [
    {
      title: 'Period',
      value: `${invoice.period.start} – ${day(new Date(Date.parse(`${invoice.period.end}T00:00:00Z`) - 86_400_000).toISOString())}`,
    },
    { title: 'Issued', value: invoice.issuedOn },
    { title: 'Due', value: invoice.dueOn ?? (invoice.source === 'partner-center' ? 'not stated by Partner Center' : 'not stated') },
    ...(invoice.purchaseOrderNumbers.length > 0 ? [{ title: 'PO number', value: invoice.purchaseOrderNumbers.join(', ') }] : []),
  ];
  const currencies = invoice.totals.map((t) => ({
    // The total is the last of the facts (before tax + tax = total): the heading names the currency only.
    heading: `Amounts in ${t.total.currency}`,
    totals: [
      { title: 'Before tax', value: formatMoney(t.subtotal) },
      { title: 'Tax', value: formatMoney(t.tax) },
      { title: 'Total', value: formatMoney(t.total) },
      { title: 'Lines', value: String(t.lines) },
    ],
    products: t.topProducts.map((p) => ({ title: p.name, value: formatMoney(p.amount) })),
  }));
  // The source's own header total, when it states one, must match the sum of its lines.
  const headline = invoice.totals.find((t) => t.currency === invoice.headerTotal?.currency);
  const mismatch = invoice.headerTotal && headline && toMinor(headline.total) !== toMinor(invoice.headerTotal, { allowNegative: true });
  const note = mismatch
    ? `The invoice states ${formatMoney(invoice.headerTotal!)}, its lines add up to ${formatMoney(headline.total)} (${formatMoney(subtract(invoice.headerTotal!, headline.total))} apart): ask ${SOURCE_NAMES[invoice.source]}.`
    : invoice.scope === 'customer'
      ? 'Partner Center invoices the partner for every customer at once: this is your share of it, and its file is a spreadsheet of your lines.'
      : '';
  const pdf = invoice.scope !== 'customer';
  return {
    title: `${SOURCE_NAMES[invoice.source]} invoice ${invoice.id}`,
    subtitle: `${monthLabel(invoice.month)}: ${scopeText}.`,
    facts,
    currencies,
    note,
    noteColor: mismatch ? 'Attention' : 'Default',
    source: invoice.source,
    invoiceId: invoice.id,
    hasFile: invoice.hasDocument || invoice.scope === 'customer',
    fileTitle: pdf ? 'Send me the PDF' : 'Send me my lines (CSV)',
    linkUrl: link?.url ?? '',
    linkTitle: link ? `Open the ${pdf ? 'PDF' : 'CSV'} (link valid until ${link.expiresAt.toISOString().slice(11, 16)} UTC)` : '',
  };
}

const SHOWN_PER_KIND = 5;

export function reconciliationCardData(notice: Omit<ReconciliationNotice, 'key'>): ReconciliationCardData {
  const { invoice, reconciliation: r, findings } = notice;
  const kinds = [
    { kind: 'price-difference', heading: 'Price differences', color: 'Attention' as Color },
    { kind: 'unexpected', heading: 'Billed but not ordered through Quartermaster', color: 'Warning' as Color },
    { kind: 'missing', heading: 'Ordered but not on this invoice', color: 'Warning' as Color },
  ] as const;
  const sections = kinds.flatMap(({ kind, heading, color }) => {
    const mine = findings.filter((f) => f.kind === kind);
    if (mine.length === 0) return [];
    return [
      {
        heading: `${heading} (${mine.length})`,
        color,
        lines: mine.slice(0, SHOWN_PER_KIND).map((f) => ({
          text: `${f.text}${f.purchaseOrderNumber ? ` PO ${f.purchaseOrderNumber}.` : ''}`,
        })),
        more:
          mine.length > SHOWN_PER_KIND
            ? md`…and ${mine.length - SHOWN_PER_KIND} more (type **invoices**, then Reconciliation, for the latest).`
            : '',
      },
    ];
  });
  const differences = r.counts['price-difference'] + r.counts.unexpected + r.counts.missing;
  // Billed = matched + not ordered here, per currency, to the cent.
  const facts: Fact[] = r.billed.flatMap((billed) => {
    const matched = r.matched.amounts.find((m) => m.currency === billed.currency) ?? { amount: '0.00', currency: billed.currency };
    const unexpected = r.unexpected.find((m) => m.currency === billed.currency) ?? { amount: '0.00', currency: billed.currency };
    return [
      { title: `Billed (${r.lines} lines)`, value: formatMoney(billed) },
      { title: `Matched to orders and subscriptions (${r.matched.lines})`, value: formatMoney(matched) },
      { title: `Not ordered through Quartermaster (${r.counts.unexpected})`, value: formatMoney(unexpected) },
    ];
  });
  return {
    title:
      differences > 0
        ? `Reconciliation: ${differences} difference${differences === 1 ? '' : 's'} on ${invoice.id}`
        : `Reconciliation: ${invoice.id} matches`,
    titleColor: differences > 0 ? 'Attention' : 'Good',
    subtitle: `${SOURCE_NAMES[invoice.source]} invoice for ${monthLabel(invoice.month)}, against what Quartermaster ordered and the subscriptions you hold.`,
    sections,
    facts,
    note:
      differences > 0
        ? 'Price differences compare the unit price billed with the price ordered at (a renewal: the subscription\u2019s price today). Missing orders may still come on the next invoice.'
        : 'Every line matches an order placed through Quartermaster or a subscription you hold, at its price.',
    source: invoice.source,
    invoiceId: invoice.id,
  };
}

function bars(items: readonly { name: string; amount: Money }[]): { bars: Bar[]; fallback: string } {
  const shown = items.slice(0, 6);
  return {
    bars: shown.map((i) => ({ x: i.name.slice(0, 24), y: barNumber(i.amount) })),
    fallback: shown.map((i) => `${i.name.slice(0, 24).padEnd(24)} ${formatMoney(i.amount)}`).join('\n\n'),
  };
}

export function statementCardData(view: StatementView): StatementCardData {
  const before = monthLabel(previousMonth(view.month));
  return {
    title: `Cost statement: ${view.owner.name}, ${monthLabel(view.month)}`,
    subtitle: `Licenses held by your people at the price actually paid, and cloud cost carrying your tags.${view.invoiced ? '' : ' Not invoiced yet: licenses at catalog prices.'}`,
    sections: view.sections.map(({ statement, previous }) => sectionOf(statement, previous, before)),
    note: md`
Figures before tax. Type **chargeback** for the latest figures.
    `,
    month: view.month,
    ownerId: view.owner.id,
  };
}

function sectionOf(statement: OwnerStatement, previous: Money | undefined, beforeLabel: string): StatementCardData['sections'][number] {
  const change = previous ? changePercent(statement.total, previous) : null;
  const chart = bars(statement.topItems.map((i) => ({ name: i.name, amount: i.amount })));
  return {
    heading: `Total ${formatMoney(statement.total)}`,
    facts: [
      { title: 'Licenses', value: formatMoney(statement.licenses) },
      { title: 'Cloud', value: formatMoney(statement.cloud) },
      { title: `Change from ${beforeLabel}`, value: previous ? `${changeText(change)} (${formatMoney(previous)})` : 'new this month' },
    ],
    chartTitle: 'Top items',
    currency: statement.currency,
    bars: chart.bars,
    chartFallback: chart.fallback,
    items: statement.topItems.map((i) => ({ title: i.name, value: formatMoney(i.amount) })),
  };
}

function changePercent(now: Money, before: Money): number | null {
  const b = toMinor(before, { allowNegative: true });
  if (b === 0n) return null;
  const n = toMinor(now, { allowNegative: true });
  return Math.round(Number(((n - b) * 10_000n) / b)) / 100;
}

export function summaryCardData(view: SummaryView, link?: { url: string; expiresAt: Date }): SummaryCardData {
  const { chargeback } = view;
  const sections = chargeback.currencies.map((section) => {
    const previous = view.previous?.currencies.find((c) => c.currency === section.currency);
    const rows = [
      ...section.owners.map((o) => {
        const before = previous?.owners.find((p) => p.ownerId === o.ownerId)?.total;
        return { name: o.name, amount: o.total, change: before ? ` (${changeText(changePercent(o.total, before))})` : '' };
      }),
      { name: 'Unallocated', amount: section.unallocated.total, change: '' },
    ].filter((r) => toMinor(r.amount, { allowNegative: true }) !== 0n || r.name === 'Unallocated');
    const chart = bars(rows);
    return {
      heading: `Total ${formatMoney(section.total)}`,
      owners: rows.map((r) => ({ title: r.name, value: `${formatMoney(r.amount)}${r.change}` })),
      chartTitle: 'Per cost owner',
      currency: section.currency,
      bars: chart.bars,
      chartFallback: chart.fallback,
    };
  });
  const notes: Markdown[] = [
    ...(chargeback.invoiced
      ? []
      : [
          md`
Not invoiced yet: licenses at catalog prices.
          `,
        ]),
    ...(view.ownersWithoutRecipients.length > 0
      ? [md`No one receives the statements of ${view.ownersWithoutRecipients.join(', ')}: add who does with **cost owners**.`]
      : []),
    md`
Figures before tax; unallocated cost is what no cost owner claims (unassigned seats, people without an owner, untagged cloud cost).
    `,
  ];
  return {
    title: `Chargeback, ${monthLabel(view.month)}`,
    subtitle: 'Each cost owner\u2019s month: licenses per person at the price paid, cloud cost by tag.',
    emptyText: 'Nothing was billed or used this month.',
    sections,
    // Each note is already Markdown (its values escaped): joined as they are.
    note: Markdown.written(notes.map((n) => n.text).join(' ')),
    month: view.month,
    linkUrl: link?.url ?? '',
    linkTitle: link ? `Open the CSV (link valid until ${link.expiresAt.toISOString().slice(11, 16)} UTC)` : '',
  };
}

export function costOwnersCardData(
  owners: readonly CostOwner[],
  configured: boolean,
  note?: { text: string; color: Color },
): CostOwnersCardData {
  return {
    subtitle: configured
      ? 'Who each month\u2019s cost is handed to, and who receives their statement on the first working day.'
      : 'Nobody has set cost owners yet: here are your directory\u2019s departments. Edit one to say who receives its statement.',
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    emptyText: 'No cost owners: everything shows as unallocated. Add one.',
    items: owners.map((o) => ({
      ownerId: o.id,
      heading: o.name,
      facts: [
        ...(o.departments.length ? [{ title: 'Departments', value: o.departments.join(', ') }] : []),
        ...(o.groups.length ? [{ title: 'Groups', value: o.groups.join(', ') }] : []),
        ...(o.costCentres.length ? [{ title: 'Cost centres', value: o.costCentres.join(', ') }] : []),
        ...(o.tags.length ? [{ title: 'Tags', value: o.tags.map((t) => `${t.key}=${t.value}`).join(', ') }] : []),
        { title: 'Statement to', value: o.recipients.length ? o.recipients.map((r) => r.name).join(', ') : 'nobody yet' },
      ],
    })),
  };
}

export function costOwnerFormCardData(options: {
  owner?: CostOwner;
  input?: CostOwnerInput;
  errors?: string[];
  recipientNames?: string;
}): CostOwnerFormCardData {
  const { owner, input } = options;
  const typed = (value: unknown) => (typeof value === 'string' ? value.slice(0, 1000) : '');
  const values = input
    ? {
        name: typed(input.name),
        departments: typed(input.departments),
        groups: typed(input.groups),
        costCentres: typed(input.costCentres),
        tags: typed(input.tags),
        recipients: typed(input.recipients),
      }
    : {
        name: owner?.name ?? '',
        departments: owner?.departments.join(', ') ?? '',
        groups: owner?.groups.join(', ') ?? '',
        costCentres: owner?.costCentres.join(', ') ?? '',
        tags: owner?.tags.map((t) => `${t.key}=${t.value}`).join(', ') ?? '',
        recipients: options.recipientNames ?? '',
      };
  return {
    title: owner ? `Edit cost owner: ${owner.name}` : 'Add a cost owner',
    ownerId: owner?.id ?? '',
    errors: (options.errors ?? []).map((line) => ({ line })),
    ...values,
  };
}
