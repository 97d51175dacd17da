// The vendor's questions (a marketplace order in Querying) as card data: one input per value
// the vendor wants, with its pattern as the input's regex (the server checks again), and the
// vendor's complaint about the previous answer above it.
import type { VendorQuestion } from '../domain/marketplace.js';
import type { CardData } from './cards.js';

/** Card inputs are named `answer_<externalId>`; the handler maps them back. */
export const ANSWER_PREFIX = 'answer_';

export interface OrderQueryView {
  requestId: string;
  orderId: string;
  productName: string;
  beneficiaryName: string;
  vendor: string;
  questions: VendorQuestion[];
}

export function orderQueryCardData(
  view: OrderQueryView,
  options: {
    canAnswer?: boolean;
    note?: string;
    noteColor?: string;
    /** Answered with a problem: what was typed and each answer's problem, by the question's externalId. */
    typed?: Record<string, unknown>;
    errors?: Record<string, string>;
  } = {},
): CardData['order-query'] {
  const canAnswer = options.canAnswer ?? true;
  return {
    title: canAnswer ? `${view.vendor} needs more information` : `Answer sent to ${view.vendor}`,
    intro: canAnswer
      ? `To finish the order of ${view.productName} for ${view.beneficiaryName}, ${view.vendor} asks for the value${view.questions.length === 1 ? '' : 's'} below. Nothing is bought until you answer.`
      : `The order of ${view.productName} for ${view.beneficiaryName} went back to ${view.vendor}.`,
    facts: [
      { title: 'Request', value: view.requestId },
      { title: 'Marketplace order', value: view.orderId },
    ],
    note: options.note ?? '',
    noteColor: options.noteColor ?? 'Default',
    questions: view.questions.map((q) => ({
      inputId: `${ANSWER_PREFIX}${q.externalId}`,
      label: q.name,
      description: q.description,
      placeholder: q.options?.length ? q.options.join(' / ') : '',
      regex: q.pattern ?? '.+',
      errorMessage: `${q.name}: ${q.pattern ? 'not in the form the vendor needs' : 'a value is needed'}`,
      vendorError: q.error ?? '',
      value: typeof options.typed?.[q.externalId] === 'string' ? (options.typed[q.externalId] as string).slice(0, 500) : '',
      answerError: options.errors?.[q.externalId] ?? '',
    })),
    canAnswer,
    vendor: view.vendor,
    requestId: view.requestId,
    orderId: view.orderId,
  };
}
