// The one card renderer: Adaptive Card templates from cards/*.json, expanded with
// adaptivecards-templating. Code supplies data; it never builds card JSON by hand.
//
// Every string of the data is plain text wherever a card shows it as text (TextBlocks and
// facts, which Teams renders as markdown): the renderer escapes it there with plainText, so
// no template and no handler can forget. Markdown the bot wrote (bold commands, made with
// `md`) is passed as a Markdown value and shown as markdown. Elsewhere (ids in action data,
// URLs, input values) strings are used as they are.
import type { MyUnitCardData, UnitsCardData } from './unit-views.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { cardsDir } from '../paths.js';
import type { CatalogCardData } from './catalog-views.js';
import type { partnerCustomerCardData, partnerCustomersCardData } from './partner-handlers.js';
import type { licenseSettingsCardData } from './license-settings-handlers.js';
import type { resellersCardData } from './reseller-handlers.js';
import type { partnerProfileCardData } from './partner-profile-handlers.js';
import { Markdown, plainText } from '../domain/plain-text.js';
import type {
  ReclaimCardData,
  ReclaimConfirmCardData,
  RenewalAlertCardData,
  SeatAlertCardData,
  TermEndAlertCardData,
} from './admin-alert-views.js';
import type {
  CostOwnerFormCardData,
  CostOwnersCardData,
  InvoiceCardData,
  ReconciliationCardData,
  StatementCardData,
  SummaryCardData,
} from './billing-views.js';
import type {
  AnomalyAlertCardData,
  BudgetAlertCardData,
  BudgetFormCardData,
  BudgetListCardData,
  SpendSummaryCardData,
} from './spend-views.js';

/** What a card shows as text: plain text (escaped where shown), or markdown the bot wrote (md). */
export type Text = string | Markdown;

export interface HelpGroup {
  title: string;
  commands: CommandLine[];
}

export interface CommandLine {
  usage: string;
  description: string;
}

/** Each template and the data it binds. */
export interface CardData {
  welcome: { firstName: string; inTeam: boolean; conversationName: string };
  help: { userName: string; roleLabel: string; groups: HelpGroup[] };
  whoami: {
    name: string;
    signInName: string;
    roleLabel: string;
    conversationType: string;
    isAdmin: boolean;
    supportIds: string;
    /** Partner mode: the partner that serves the tenant; empty otherwise. */
    servedBy: string;
  };
  status: { storage: string; version: string; environment: string; authentication: string; instance: string; uptime: string };
  'unknown-command': { text: string };
  'not-understood': { text: string; understood: string; suggestions: { title: string; intent: string }[] };
  'product-choice': {
    question: string;
    understood: string;
    choices: { title: string; offerId: string }[];
    /** Text: Adaptive Card data values are sent back as typed; the handler checks them. */
    quantity: string;
    forWhom: string;
  };
  'product-unknown': { words: string; advice: string; canAsk: boolean; note: string; noteColor: 'Default' | 'Good' | 'Attention' };
  'request-cancel-confirm': { requestId: string; title: string; facts: { title: string; value: string }[] };
  'approval-path': { title: string; paths: { heading: string; auto: string; lines: { text: string }[] }[]; note: string };
  'request-form': {
    general: string;
    products: { title: string; value: string }[];
    selectedOfferId: string;
    selectedPrice: string;
    quantity: number;
    maxQuantity: number;
    forWhom: string;
    justification: string;
    justificationRequired: boolean;
    errors: { productOfferId: string; quantity: string; forWhom: string; justification: string };
  };
  'connection-form': ConnectionFormCardData;
  'request-confirm': {
    headline: string;
    total: string;
    facts: { title: string; value: string }[];
    several: boolean;
    severalQuestion: string;
    severalReason: string;
    severalError: string;
    confirmTitle: string;
    /** Sent back by Confirm (with confirmed) and Change, as the form sent them. */
    values: { productOfferId: string; quantity: string; forWhom: string; justification: string };
  };
  approval: {
    requestId: string;
    title: string;
    statusLabel: string;
    statusColor: 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
    requesterName: string;
    beneficiaryName: string;
    productName: string;
    /** Text: a FactSet value must be a string, or the card shows nothing. */
    quantity: string;
    cost: string;
    freeSeats: string;
    /** The unit whose quota this request counts against: "Sales: 1 of 2 left"; empty without a unit. */
    quota: string;
    /** Why the tenant admins decide it (over the unit's quota); empty otherwise. */
    escalation: string;
    stageLabel: string;
    justification: string;
    note: string;
    history: { line: string }[];
    canDecide: boolean;
    canCancel: boolean;
    stageIndex: number;
    /** Teams user ids (29:...) whose client refreshes the card: at most 60. */
    refreshUserIds: string[];
  };
  'request-list': {
    title: string;
    emptyText: string;
    /** The outcome of an action taken on the list (Cancel), shown above it. */
    note: string;
    noteColor: 'Default' | 'Good' | 'Warning';
    /** The ids of the requests a list in words shows, space-separated, so its Cancel can show the same list again; '' elsewhere. */
    listed: string;
    items: { heading: string; detail: string; actionTitle: string; actionVerb: string; requestId: string }[];
  };
  'table-list': {
    title: string;
    subtitle: string;
    emptyText: string;
    items: { heading: string; facts: { title: string; value: string }[] }[];
  };
  'subscription-list': {
    subtitle: string;
    emptyText: string;
    filter: string;
    items: {
      subscriptionId: string;
      heading: string;
      statusLabel: string;
      statusColor: 'Good' | 'Attention' | 'Default';
      facts: { title: string; value: string }[];
    }[];
    hasPrevious: boolean;
    hasNext: boolean;
    previousPage: number;
    nextPage: number;
  };
  'subscription-detail': {
    subscriptionId: string;
    title: string;
    statusLabel: string;
    statusColor: 'Good' | 'Attention' | 'Default';
    facts: { title: string; value: string }[];
    note: string;
    noteColor: 'Default' | 'Attention' | 'Good';
    alternatives: { title: string; action: string; needsSeats: boolean }[];
    suggestedSeats: number;
    canChangeSeats: boolean;
    canRemoveSeats: boolean;
    canSuspend: boolean;
    canReactivate: boolean;
    canCancel: boolean;
    canTurnOnAutoRenew: boolean;
    canTurnOffAutoRenew: boolean;
    hasScheduledChange: boolean;
    /** False for marketplace subscriptions: no renewal schedules there. */
    canScheduleAtRenewal: boolean;
  };
  'subscription-confirm': {
    subscriptionId: string;
    title: string;
    summary: string;
    facts: { title: string; value: string }[];
    confirmTitle: string;
    destructive: boolean;
    action: string;
    seats: number;
    version: string;
    confirmationId: string;
  };
  error: { title: string; message: Text; reference: string };
  reclaim: ReclaimCardData;
  'reclaim-confirm': ReclaimConfirmCardData;
  'renewal-alert': RenewalAlertCardData;
  'term-end-alert': TermEndAlertCardData;
  catalog: CatalogCardData;
  'partner-customers': ReturnType<typeof partnerCustomersCardData>;
  'partner-customer': ReturnType<typeof partnerCustomerCardData>;
  'license-settings': ReturnType<typeof licenseSettingsCardData>;
  'partner-resellers': ReturnType<typeof resellersCardData>;
  'partner-reseller-assign': {
    companyName: string;
    customerTenantId: string;
    resellerName: string;
    resellerTenantId: string;
    /** The reseller it is assigned to now, when another; empty otherwise. */
    current: string;
  };
  'partner-profile': ReturnType<typeof partnerProfileCardData>;
  units: UnitsCardData;
  'my-unit': MyUnitCardData;
  'seat-alert': SeatAlertCardData;
  connections: ConnectionsCardData;
  'connection-disconnect': { connectionId: string; title: string; consequence: string };
  'connection-notice': { title: string; message: string; color: string; facts: { title: string; value: string }[]; actionTitle: string };
  'spend-summary': SpendSummaryCardData;
  'budget-list': BudgetListCardData;
  'budget-form': BudgetFormCardData;
  'budget-alert': BudgetAlertCardData;
  'anomaly-alert': AnomalyAlertCardData;
  invoice: InvoiceCardData;
  reconciliation: ReconciliationCardData;
  'chargeback-statement': StatementCardData;
  'chargeback-summary': SummaryCardData;
  'cost-owners': CostOwnersCardData;
  'cost-owner-form': CostOwnerFormCardData;
  'order-query': {
    title: string;
    intro: string;
    facts: { title: string; value: string }[];
    note: string;
    noteColor: string;
    questions: {
      inputId: string;
      label: string;
      description: string;
      placeholder: string;
      regex: string;
      errorMessage: string;
      vendorError: string;
      /** What was typed, when the form comes back with a problem. */
      value: string;
      answerError: string;
    }[];
    canAnswer: boolean;
    vendor: string;
    requestId: string;
    orderId: string;
  };
}

/** The add-a-connection form shown again after a refusal: what was typed (never a secret), each field's problem. */
export interface ConnectionFormCardData {
  /** Which form (a template cannot compare data strings: they carry the renderer's marks). */
  isAzure: boolean;
  isAws: boolean;
  isMarketplace: boolean;
  /** The PO number of one marketplace agreement (agreementId and agreementName say which). */
  isPo: boolean;
  agreementId: string;
  agreementName: string;
  title: string;
  general: string;
  verb: string;
  submitTitle: string;
  values: Record<ConnectionFormField, string>;
  errors: Record<ConnectionFormField | 'awsSecretAccessKey' | 'marketplaceToken', string>;
}

export type ConnectionFormField =
  | 'azureScope'
  | 'azureTagKey'
  | 'awsAccountId'
  | 'awsAuth'
  | 'awsRoleArn'
  | 'awsExternalId'
  | 'awsAccessKeyId'
  | 'awsTagKey'
  | 'purchaseOrderNumber';

export interface ConnectionRowCardData {
  id: string;
  title: string;
  stateLabel: string;
  stateColor: string;
  description: string;
  facts: { title: string; value: string }[];
  problem: string;
  fix: string;
  signInUrl: string;
  signInTitle: string;
  sandboxSignInUrl: string;
  connected: boolean;
  /** Marketplace row: ask for an API token (not connected, or the token stopped working). */
  askToken: boolean;
  /** Marketplace row: agreements and their PO numbers, each settable. */
  agreements: { agreementId: string; name: string; poLabel: string; inputId: string; purchaseOrderNumber: string }[];
}

export interface ConnectionsCardData {
  rows: ConnectionRowCardData[];
  note: string;
  noteColor: string;
  suggestedExternalId: string;
  linksNote: string;
  /** Local mode: the sandbox's values that work, under the Azure and AWS fields ('' elsewhere). */
  azureHint: string;
  awsHint: string;
}

export type CardName = keyof CardData;
const RECENT_RENDERS = 200;
export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard' };

export class CardRenderer {
  private readonly templates = new Map<string, ACData.Template>();

  constructor(directory = cardsDir) {
    for (const file of readdirSync(directory).filter((f) => f.endsWith('.json'))) {
      const json: unknown = JSON.parse(readFileSync(join(directory, file), 'utf8'));
      this.templates.set(file.slice(0, -'.json'.length), new ACData.Template(json));
    }
  }

  names(): string[] {
    return [...this.templates.keys()];
  }

  render<N extends CardName>(name: N, data: CardData[N]): AdaptiveCard {
    return this.renderAny(name, data);
  }

  /** Untyped variant for tests that render every template with sample data. */
  renderAny(name: string, data: unknown): AdaptiveCard {
    const template = this.templates.get(name);
    if (!template) throw new Error(`No card template named "${name}" in cards/`);
    // Expanding a template is the costliest part of a simple turn, and the same data (help for
    // one role, a status card) comes back often: remember recent expansions. A card is kept
    // the second time its data comes, so one shown once (a request's, a list) is not copied.
    const key = `${name}\u0000${JSON.stringify(data)}`;
    const cached = this.recent.get(key);
    if (cached) return structuredClone(cached);
    const card = asShown(template.expand({ $root: marked(data) })) as AdaptiveCard;
    this.recent.set(key, this.recent.has(key) ? structuredClone(card) : undefined);
    if (this.recent.size > RECENT_RENDERS) this.recent.delete(this.recent.keys().next().value!);
    return card;
  }

  /** Recent data, with its card once the data has come twice. */
  private readonly recent = new Map<string, AdaptiveCard | undefined>();
}

// Each data string travels through the template between two private-use characters, so that
// after expansion the renderer knows which parts of a text came from data (escaped) and which
// from the template or from Markdown values (kept). Data cannot forge the marks: they are
// removed from every string first.
const OPEN = '\ue000';
const CLOSE = '\ue001';
const MARKS = /[\ue000\ue001]/g;
const SPAN = /\ue000([^\ue000\ue001]*)\ue001/g;

function marked(value: unknown): unknown {
  if (value instanceof Markdown) return value.text.replace(MARKS, '');
  // Empty stays empty: templates test `${x != ''}`.
  if (typeof value === 'string') return value === '' ? '' : `${OPEN}${value.replace(MARKS, '')}${CLOSE}`;
  if (Array.isArray(value)) return value.map(marked);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, marked(v)]));
  return value;
}

/**
 * Properties Teams renders as markdown: a TextBlock's text, a fact's title and value. Also
 * writes container styles in lowercase, as the schema lists them: data names a colour once
 * ("Good", "Attention"), for TextBlock colours and container styles alike. (The templates once
 * did it with toLower, whose evaluator builds an Intl.DateTimeFormat on every call: a
 * fiftieth of a request submission's CPU.)
 */
function asShown(node: unknown, inFacts = false): unknown {
  if (typeof node === 'string') return node.replace(SPAN, (_all, text: string) => text);
  if (Array.isArray(node)) return node.map((item) => asShown(item, inFacts));
  if (!node || typeof node !== 'object') return node;
  const element = node as Record<string, unknown>;
  const isText = (key: string) => (element.type === 'TextBlock' ? key === 'text' : inFacts && (key === 'title' || key === 'value'));
  const styled = STYLED.has(element.type as string);
  const shown: Record<string, unknown> = {};
  for (const key of Object.keys(element)) {
    const value = element[key];
    shown[key] =
      typeof value === 'string' && isText(key)
        ? value.replace(SPAN, (_all, text: string) => plainText(text))
        : styled && key === 'style' && typeof value === 'string'
          ? (asShown(value) as string).toLowerCase()
          : asShown(value, element.type === 'FactSet' && key === 'facts');
  }
  return shown;
}

/** Elements whose `style` is a container style (default, emphasis, good, attention, warning, accent). */
const STYLED = new Set(['Container', 'Column', 'ColumnSet', 'Table', 'TableCell']);
