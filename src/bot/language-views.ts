// How what the bot understood shows on cards: the "Did you mean" question, the line of
// entities it read, the suggestions of the fallback. Product names come from the catalog;
// anything the person typed is cut and stripped of markup before it is shown.
import { costProviderInfo } from '../domain/spend/providers/index.js';
import type { IntentName } from '../language/intents.js';
import type { MatchedProduct } from '../language/product-matcher.js';
import type { Understanding } from '../language/understand.js';
import type { ApprovalPathAnswer } from '../services/approval-paths.js';
import { plainWords } from '../services/product-wishes.js';
import type { CardData } from './cards.js';

/** The command an intent's suggestion button runs, and whose roles decide who is offered it. */
export const SUGGESTED_COMMAND: Record<IntentName, string> = {
  request: 'request',
  'my-requests': 'my requests',
  'request-status': 'my requests',
  'cancel-request': 'my requests',
  'who-approves': 'who approves my requests?',
  approvals: 'approvals',
  whoami: 'whoami',
  help: 'help',
  subscriptions: 'subscriptions',
  reclaim: 'reclaim',
  'set-reclaim-days': 'set reclaim days 90',
  spend: 'spend',
  budgets: 'budgets',
  'budget-add': 'budget add',
  'alerts-here': 'alerts here',
  'sync-now': 'sync now',
  connect: 'connect',
  status: 'status',
  policies: 'policies',
  audit: 'audit',
  'set-approvals-channel': 'set approvals channel',
  greeting: 'help',
  thanks: 'help',
};

/** "Visio Plan 1 or Visio Plan 2", "A, B or C". */
export function orList(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** What was read besides the intent, for the person to check: "Read: Visio Plan 2 · 2 seats · Azure". */
export function understoodLine(understanding: Understanding): string {
  const parts: string[] = [];
  const product = understanding.product;
  if (product.kind === 'one') parts.push(product.product.name);
  if (product.kind === 'several') parts.push(orList(product.products.map((p) => p.name)));
  if (understanding.quantity !== undefined) parts.push(`${understanding.quantity} seat${understanding.quantity === 1 ? '' : 's'}`);
  for (const person of understanding.people) {
    const shown = 'email' in person ? person.email : plainWords(person.name);
    if (shown) parts.push(`for ${shown}`);
  }
  if (understanding.provider) parts.push(costProviderInfo(understanding.provider).displayName);
  if (understanding.period) parts.push(understanding.period);
  return parts.length > 0 ? `What I understood: ${parts.join(' · ')}` : '';
}

export function productChoiceData(
  products: readonly MatchedProduct[],
  understanding: Understanding,
  prefill: { quantity?: number; forWhom?: string },
): CardData['product-choice'] {
  return {
    question: `Did you mean ${orList(products.map((p) => p.name))}?`,
    understood:
      understanding.quantity !== undefined
        ? `${understanding.quantity} seats, ${prefill.forWhom ? `for ${prefill.forWhom}` : 'for you'}`
        : '',
    choices: products.map((p) => ({ title: p.name, offerId: p.offerIds[0]! })),
    quantity: String(prefill.quantity ?? 1),
    forWhom: prefill.forWhom ?? '',
  };
}

export function approvalPathData(answer: ApprovalPathAnswer): CardData['approval-path'] {
  return {
    title: answer.title,
    paths: answer.paths.map((path) => ({
      heading: path.heading,
      auto: path.auto,
      lines: path.steps.map((step, i) => ({ text: `${i + 1}. ${step.who}${step.when ? ` (${step.when})` : ''}` })),
    })),
    note: answer.note,
  };
}

/** The person's text as the fallback card quotes it: one line, at most 80 characters. */
export function quoted(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
