// The chat commands, declared once: what each is called, how it is typed, who may use it and
// where (help, the role check before its handler, the Teams manifest's menus and the per-turn
// log line read this table; each feature registers the handler on the Surface, which refuses a
// command missing from either side). Then how typed text selects one.
import type { TurnContext } from 'botbuilder';
import type { Role } from '../domain/roles.js';
import type { CommandLine } from './cards.js';

/** Where a command is used: the Teams manifest's command menu of each scope offers these (test/manifest.test.ts). */
export type CommandScope = 'personal' | 'team' | 'groupChat';
const EVERYWHERE: CommandScope[] = ['personal', 'team', 'groupChat'];
const PERSONAL: CommandScope[] = ['personal'];
const CHANNEL: CommandScope[] = ['team'];

export interface DeclaredCommand extends CommandLine {
  name: string;
  /** Who may use it; "requester" means everyone in the tenant. */
  roles: Role[];
  scopes: CommandScope[];
}

/**
 * The help card's groups, by task, the most used first; each command under the first group
 * that names it, in the order of COMMANDS. A command no group names goes under "More".
 */
export const HELP_GROUPS: { title: string; commands: string[] }[] = [
  { title: 'Licenses', commands: ['request', 'my requests', 'approvals', 'my unit'] },
  { title: 'Subscriptions and seats', commands: ['subscriptions', 'orders', 'reclaim', 'set reclaim days', 'catalog'] },
  { title: 'Cloud spend', commands: ['spend', 'budgets', 'budget add', 'alerts here', 'sync now'] },
  { title: 'Billing and chargeback', commands: ['invoices', 'chargeback', 'cost owners'] },
  {
    title: 'Connections and setup',
    commands: ['connect', 'policies', 'license settings', 'units', 'audit', 'set approvals channel', 'status'],
  },
  { title: 'Partner customers', commands: ['customers', 'customer', 'resellers', 'partner'] },
  { title: 'About you and me', commands: ['whoami', 'help'] },
];

export const COMMANDS: DeclaredCommand[] = [
  { name: 'help', usage: 'help', description: 'Show the commands you can use', roles: ['requester'], scopes: EVERYWHERE },
  {
    name: 'request',
    usage: 'request [product]',
    description: 'Ask for a license, e.g. "request visio" or "I need 2 Power BI Pro licenses"',
    roles: ['requester'],
    scopes: PERSONAL,
  },
  {
    name: 'my requests',
    usage: 'my requests',
    description: 'Your recent requests and where they are; cancel one while it waits',
    roles: ['requester'],
    scopes: PERSONAL,
  },
  { name: 'approvals', usage: 'approvals', description: 'Requests waiting for your decision', roles: ['requester'], scopes: PERSONAL },
  { name: 'whoami', usage: 'whoami', description: 'Your name, tenant and role as I see them', roles: ['requester'], scopes: EVERYWHERE },
  {
    name: 'subscriptions',
    usage: 'subscriptions [product]',
    description:
      'What your organisation pays for: seats bought, assigned and free, renewals; add or remove seats, suspend, cancel, auto-renew',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'connect',
    usage: 'connect',
    description: 'Connect Microsoft 365, Partner Center, Azure and AWS; see their health and how to fix them',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'spend',
    usage: 'spend [aws|azure] [this month|last month]',
    description: 'Cloud spend this month or last, per provider and top services, against the month before',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'budgets',
    usage: 'budgets',
    description: 'Budgets with spend, forecast and percentage; edit or delete them',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'budget add',
    usage: 'budget add',
    description: 'Add a budget: scope, amount, period and alert thresholds',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'alerts here',
    usage: 'alerts here',
    description: 'Type it in a team channel to post budget and anomaly alerts there',
    roles: ['admin'],
    scopes: CHANNEL,
  },
  {
    name: 'sync now',
    usage: 'sync now',
    description: 'Fetch Azure and AWS costs now, then check budgets and anomalies',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'invoices',
    usage: 'invoices',
    description:
      'Recent invoices from Partner Center and the Marketplace: totals, tax, due date, top products, the file, and how they reconcile',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'chargeback',
    usage: 'chargeback [month]',
    description: "A month's license and cloud cost per cost owner (last month unless you name one), with a CSV",
    // Cost owners' recipients get their statement card (and its CSV button) without asking.
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'cost owners',
    usage: 'cost owners',
    description: 'Who cost is charged back to (departments, groups, cost centres, tags) and who receives their statements',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  { name: 'policies', usage: 'policies', description: 'The approval policies of your organisation', roles: ['admin'], scopes: PERSONAL },
  {
    name: 'license settings',
    usage: 'license settings',
    description: 'Whether requests need approval, whether missing seats are bought, and whether unused seats are dropped at renewal',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'audit',
    usage: 'audit [name or product]',
    description: 'Recent changes: who did what, when',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'set approvals channel',
    usage: 'set approvals channel',
    description: 'Type it in a team channel to post every approval card there too',
    roles: ['admin'],
    scopes: CHANNEL,
  },
  {
    name: 'reclaim',
    usage: 'reclaim',
    description: 'Licenses of people who stopped signing in: remove them, or drop the seats at renewal',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'set reclaim days',
    usage: 'set reclaim days N',
    description: 'After how many days without sign-in a license is suggested for reclaim (7 to 365; default 90)',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'catalog',
    usage: 'catalog',
    description: 'What people can request, where prices come from, and the products that need a license mapping',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'partner',
    usage: 'partner',
    description: "Your partner's settings: the name your customers see, and your alert channel",
    roles: ['partner-admin'],
    scopes: PERSONAL,
  },
  {
    name: 'customers',
    usage: 'customers',
    description:
      'Your customer tenants: Partner Center customer, link state, reseller, cost and price with margin; link a proposed one, assign it to its reseller',
    roles: ['partner-admin', 'reseller-admin'],
    scopes: PERSONAL,
  },
  {
    name: 'orders',
    usage: 'orders [customer]',
    description: 'Partner Center and marketplace orders: items, status and the request each came from (partners: of a customer)',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'customer',
    usage: 'customer <name>',
    description:
      "One linked customer: cost and price, its margin, subscriptions, requests waiting and audit, acting as the customer's admin",
    roles: ['partner-admin', 'reseller-admin'],
    scopes: PERSONAL,
  },
  {
    name: 'resellers',
    usage: 'resellers',
    description: 'Your indirect resellers: add one Partner Center lists, see its customers, set its margin',
    roles: ['partner-admin'],
    scopes: PERSONAL,
  },
  {
    name: 'units',
    usage: 'units',
    description: 'Units (a department, group or administrative unit) with license quotas, plans left off and their own license admins',
    roles: ['admin'],
    scopes: PERSONAL,
  },
  {
    name: 'my unit',
    usage: 'my unit',
    description: "For a unit's license admins: its quotas, who holds what, and taking a license back within the unit",
    roles: ['unit-admin', 'admin'],
    scopes: PERSONAL,
  },
  { name: 'status', usage: 'status', description: 'Storage, version and uptime of Quartermaster', roles: ['admin'], scopes: PERSONAL },
];

/** "help", "/help", "Help me" → "help": the first word, lower-cased, without a leading slash. */
export function commandWord(text: string | undefined): string {
  return normalized(text).split(' ')[0] ?? '';
}

/** Lower case, single spaces, no leading slash: "  /My   Requests" → "my requests". */
export function normalized(text: string | undefined): string {
  return (text ?? '').trim().replace(/^\//, '').replace(/\s+/g, ' ').toLowerCase();
}

/** What follows a command: "request 2 visio" → "2 visio". */
export function commandArgument(text: string | undefined, name: string): string {
  const words = (text ?? '').trim().replace(/^\//, '').split(/\s+/);
  return words.slice(name.split(' ').length).join(' ');
}

/** Route selector for a command typed in a message (one or more words, then arguments). */
export function matchesCommand(name: string) {
  return async (context: TurnContext): Promise<boolean> => {
    if (context.activity.type !== 'message') return false;
    return selects(normalized(context.activity.text), name);
  };
}

/** Whether `text` (normalized) selects the command `name`. */
export function selects(text: string, name: string): boolean {
  return text === name || text.startsWith(`${name} `);
}

/** Whether one text could select both commands ("budget" and "budget add" could; "budgets" and "budget add" cannot). */
export function namesOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b} `) || b.startsWith(`${a} `);
}
