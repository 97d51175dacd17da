// The one card renderer: Adaptive Card templates from cards/*.json, expanded with
// adaptivecards-templating. Code supplies data; it never builds card JSON by hand.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { cardsDir } from '../paths.js';
import type { ReclaimCardData, ReclaimConfirmCardData, RenewalAlertCardData, SeatAlertCardData } from './admin-alert-views.js';
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

export interface CommandLine {
  usage: string;
  description: string;
}

/** Each template and the data it binds. */
export interface CardData {
  welcome: { firstName: string; inTeam: boolean; conversationName: string };
  help: { userName: string; roleLabel: string; commands: CommandLine[] };
  whoami: { name: string; aadObjectId: string; tenantId: string; roleLabel: string; conversationType: string; isAdmin: boolean };
  status: { storage: string; version: string; environment: string; authentication: string; instance: string; uptime: string };
  'unknown-command': { text: string };
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
    priceList: { name: string; price: string }[];
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
  error: { title: string; message: string; reference: string };
  reclaim: ReclaimCardData;
  'reclaim-confirm': ReclaimConfirmCardData;
  'renewal-alert': RenewalAlertCardData;
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
    }[];
    canAnswer: boolean;
    vendor: string;
    requestId: string;
    orderId: string;
  };
}

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
    // one role, a status card) comes back often: remember recent expansions.
    const key = `${name}\u0000${JSON.stringify(data)}`;
    const cached = this.recent.get(key);
    if (cached) return structuredClone(cached);
    const card = template.expand({ $root: data }) as AdaptiveCard;
    this.recent.set(key, card);
    if (this.recent.size > RECENT_RENDERS) this.recent.delete(this.recent.keys().next().value!);
    return structuredClone(card);
  }

  private readonly recent = new Map<string, AdaptiveCard>();
}
