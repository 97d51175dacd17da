// What an optional language model may decide about a message, and how its decision becomes
// the same Understanding the offline model produces. The model only names an intent and the
// words it read (product, quantity, person, provider, period); the product words go through
// the same catalog matcher, and the intent's own handler answers with its own cards and
// checks. Pure: no I/O, nothing here trusts the model's output before checking it.
import { z } from 'zod';
import type { Person } from './entities.js';
import { INTENTS, type IntentName } from './intents.js';
import type { ProductMatcher } from './product-matcher.js';
import { cleanText, fold, words } from './text.js';
import type { Understanding } from './understand.js';

/**
 * Commands that change a setting or start work the moment they run, with no card to confirm:
 * left to the typed command and the offline model, never to a model's guess.
 */
const ACTS_AT_ONCE: readonly IntentName[] = ['set-reclaim-days', 'alerts-here', 'sync-now', 'set-approvals-channel'];

/** The intents a language model may choose: the actions of its prompt (language/prompts/understand/actions.json). */
export const MODEL_INTENTS: readonly IntentName[] = INTENTS.filter((intent) => !ACTS_AT_ONCE.includes(intent));

export function isModelIntent(name: string): name is IntentName {
  return (MODEL_INTENTS as readonly string[]).includes(name);
}

/** A field the model leaves out may come as null; anything it adds is refused. */
const absent = <T extends z.ZodTypeAny>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

export const ModelEntities = z
  .object({
    product: absent(z.string().trim().max(100)),
    quantity: absent(z.number().int().min(1).max(100_000)),
    person: absent(z.string().trim().max(256)),
    provider: absent(z.enum(['azure', 'aws'])),
    period: absent(z.enum(['this month', 'last month'])),
  })
  .strict();
export type ModelEntities = z.infer<typeof ModelEntities>;

export type ModelChoice = { ok: true; intent: IntentName; entities: ModelEntities } | { ok: false; reason: string };

/** An action the model called, checked: an allowed intent, with entities of the documented shapes. */
export function checkModelChoice(action: string, parameters: unknown): ModelChoice {
  if (!isModelIntent(action)) return { ok: false, reason: 'action outside the allowed intents' };
  const entities = ModelEntities.safeParse(parameters ?? {});
  if (!entities.success) return { ok: false, reason: `parameters refused: ${entities.error.issues[0]?.path.join('.') || 'shape'}` };
  return { ok: true, intent: action, entities: entities.data };
}

const EMAIL = /^[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$/i;

/**
 * The offline reading of the message with the model's intent, and its entities where it found
 * some. A person counts only when the message names them: the model cannot add a colleague.
 */
export function understandingFromChoice(
  base: Understanding,
  choice: { intent: IntentName; entities: ModelEntities },
  matcher: ProductMatcher,
): Understanding {
  const { product, quantity, person, provider, period } = choice.entities;
  const productWords = product ? words(cleanText(product).text) : [];
  const named = person ? personIn(base.text, person) : undefined;
  return {
    ...base,
    intent: choice.intent,
    product:
      productWords.length > 0
        ? matcher.match(
            productWords.map((word) => word.norm),
            productWords.map((word) => word.raw).join(' '),
          )
        : base.product,
    ...((quantity ?? base.quantity) !== undefined && { quantity: quantity ?? base.quantity }),
    people: named ? [named] : base.people,
    ...((provider ?? base.provider) && { provider: provider ?? base.provider }),
    ...((period ?? base.period) && { period: period ?? base.period }),
  };
}

function personIn(text: string, person: string): Person | undefined {
  if (!fold(text).includes(fold(person))) return undefined;
  return EMAIL.test(person) ? { email: person } : { name: person };
}
