// The data files a product person edits: language/<code>.json (examples per intent, number
// words, period phrases) and language/products.json (what people call products). Every
// `*.json` file in the folder whose name is a language code is a language: adding
// language/de.json adds German. Files are checked at start-up; a mistake stops the bot with
// the file and the field, never a half-trained model.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { INTENTS, isIntent, NONE, type IntentName } from './intents.js';

/** The placeholders examples may use; the entity finder puts the same words in their place. */
export const PLACEHOLDERS = ['product', 'quantity', 'person', 'provider', 'period'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const phrase = z.string().trim().min(1).max(200);

const languageSchema = z
  .object({
    about: z.string().optional(),
    /** Spelled-out numbers: "two" → 2. */
    numbers: z.record(z.number().int().min(0).max(100_000)).default({}),
    /** Phrases naming this month and last month. */
    periods: z.object({ 'this month': z.array(phrase), 'last month': z.array(phrase) }),
    /** Words before a person: "for" in "Visio for Megan". */
    forWords: z.array(phrase).min(1),
    /** Words after a for-word that mean the writer ("for me"). */
    selfWords: z.array(phrase).default([]),
    /** Words that are never part of a product name ("license", "seat", "please"). */
    notProductWords: z.array(phrase).default([]),
    /** Chat spellings read as the words they stand for: "whats" → "what is", "thx" → "thanks". */
    rewrites: z.record(phrase).default({}),
    intents: z.record(
      z.object({
        /** Button title when the bot suggests this intent. */
        suggestion: z.string().max(40).optional(),
        examples: z.array(phrase).min(1),
      }),
    ),
  })
  .strict();

export type LanguageFile = z.infer<typeof languageSchema>;

export interface Language extends Omit<LanguageFile, 'intents'> {
  /** Two-letter code, from the file name. */
  code: string;
  intents: Partial<Record<IntentName | typeof NONE, { suggestion?: string; examples: string[] }>>;
}

const productsSchema = z
  .object({
    about: z.string().optional(),
    /** Words whose match alone never picks a product ("microsoft", "plan", "pro"). */
    genericWords: z.array(phrase).default([]),
    /** Short forms expanded before matching: "m365" → "microsoft 365". */
    abbreviations: z.record(phrase).default({}),
    /** What people say → the catalog products it means, by name phrase or Graph SKU part number. */
    synonyms: z
      .array(
        z
          .object({
            words: z.array(phrase).min(1),
            names: z.array(phrase).default([]),
            skus: z.array(phrase).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type ProductVocabulary = z.infer<typeof productsSchema>;

export class LanguageDataError extends Error {
  override name = 'LanguageDataError';
}

const PRODUCTS_FILE = 'products.json';

/** Reads and checks every language file of `directory`, and the product vocabulary. */
export function loadLanguageData(directory: string): { languages: Language[]; products: ProductVocabulary } {
  const files = readdirSync(directory)
    .filter((file) => /^[a-z]{2}\.json$/.test(file))
    .sort();
  if (!files.some((file) => file === 'en.json')) throw new LanguageDataError(`${directory}: en.json is missing (English is the default)`);
  return {
    languages: files.map((file) => parseLanguage(file.slice(0, 2), readJson(join(directory, file)), file)),
    products: parseProducts(readJson(join(directory, PRODUCTS_FILE)), PRODUCTS_FILE),
  };
}

export function parseLanguage(code: string, json: unknown, source = `${code}.json`): Language {
  const parsed = languageSchema.safeParse(json);
  if (!parsed.success) throw new LanguageDataError(`${source}: ${describe(parsed.error)}`);
  for (const name of Object.keys(parsed.data.intents)) {
    if (name !== NONE && !isIntent(name))
      throw new LanguageDataError(`${source}: "${name}" is not an intent the bot has (${INTENTS.join(', ')}, ${NONE})`);
  }
  for (const [name, intent] of Object.entries(parsed.data.intents)) {
    for (const example of intent.examples) {
      for (const [, placeholder] of example.matchAll(/\{([^}]*)\}/g)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(placeholder ?? ''))
          throw new LanguageDataError(
            `${source}: intents.${name}: "{${placeholder}}" in "${example}" is not a placeholder (${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
          );
      }
    }
  }
  return { ...parsed.data, code, intents: parsed.data.intents as Language['intents'] };
}

export function parseProducts(json: unknown, source = PRODUCTS_FILE): ProductVocabulary {
  const parsed = productsSchema.safeParse(json);
  if (!parsed.success) throw new LanguageDataError(`${source}: ${describe(parsed.error)}`);
  return parsed.data;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LanguageDataError(`${file}: ${(error as Error).message}`);
  }
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(top level)'}: ${issue.message}` : 'invalid';
}
