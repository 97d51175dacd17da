// The entities of a message: people (mentions, e-mail addresses, "for Megan Bowen"), a
// quantity, a cloud provider, a period, and the words that may name a product. Each word gets
// one role; what is left decides the product (product-matcher.ts). The same roles give the
// text the intent model sees: entities replaced by placeholder words.
import { SpellCheck } from '@nlpjs/similarity';
import { COST_PROVIDERS, type CostProviderId } from '../domain/spend/providers/index.js';
import { PLACEHOLDERS, type Language } from './corpus.js';
import { placeholderWord, withPlaceholderWords } from './intent-model.js';
import type { ProductMatcher } from './product-matcher.js';
import { cleanText, fold, terms, words, type Word } from './text.js';

/** A cloud cost provider named in the text (its id: 'azure', 'aws'). */
export type Provider = CostProviderId;
export type Period = 'this month' | 'last month';
export type Person = { email: string } | { name: string };

export interface Entities {
  people: Person[];
  quantity?: number;
  provider?: Provider;
  period?: Period;
  /** Words that may name a product, in order: folded for matching, raw for showing. */
  productWords: Word[];
  /** Every word with its role (and a phrasing word as corrected), for the text the intent model classifies. */
  roles: { word: Word; role: Role; as?: string }[];
}

type Role = 'product' | 'quantity' | 'person' | 'provider' | 'period' | 'filler';

const PROVIDERS: Record<string, Provider> = Object.fromEntries(COST_PROVIDERS.flatMap((p) => p.chatWords.map((word) => [word, p.id])));
/** Words a number right after them belongs to ("plan 2", "e 3"), not a quantity. */
const NAME_NUMBER_WORDS = new Set(['plan', 'p', 'e', 'f', 'g', 'version', 'v', 'gen', 'level']);
const TIMES = new Set(['x', '×']);
const PLACEHOLDER_WORDS = new Set(PLACEHOLDERS.map(placeholderWord));

/**
 * What a language knows about words that are not products: every word of its examples
 * (placeholders aside; the out-of-scope examples excepted, since "pizza" there may be a
 * product elsewhere), its not-product words, number words, period phrases and for-words.
 */
export class LanguageWords {
  readonly ignored = new Set<string>();
  private readonly notProduct: Set<string>;
  private readonly rewrites: Map<string, string>;
  private readonly corrections = new Map<string, string>();
  private readonly spelling: SpellCheck;
  readonly periods: { period: Period; terms: string[] }[];
  readonly forWords: Set<string>;
  readonly selfWords: Set<string>;
  readonly numbers: Map<string, number>;

  constructor(readonly language: Language) {
    for (const [intent, { examples }] of Object.entries(language.intents)) {
      if (intent === 'None') continue;
      for (const example of examples)
        for (const term of terms(withPlaceholderWords(example))) if (!PLACEHOLDER_WORDS.has(term)) this.ignored.add(term);
    }
    this.notProduct = new Set([...language.notProductWords, ...language.selfWords, ...language.forWords].flatMap(terms));
    this.rewrites = new Map(Object.entries(language.rewrites).map(([from, to]) => [fold(from), terms(to).join(' ')]));
    const extra = [...language.notProductWords, ...language.forWords, ...language.selfWords, ...Object.keys(language.numbers)];
    for (const term of extra.flatMap(terms)) this.ignored.add(term);
    this.periods = (['this month', 'last month'] as const)
      .flatMap((period) => language.periods[period].map((phrase) => ({ period, terms: terms(phrase) })))
      .sort((a, b) => b.terms.length - a.terms.length);
    for (const { terms: phrase } of this.periods) for (const term of phrase) this.ignored.add(term);
    this.forWords = new Set(language.forWords.flatMap(terms));
    this.selfWords = new Set(language.selfWords.flatMap(terms));
    this.numbers = new Map(Object.entries(language.numbers).map(([word, value]) => [terms(word).join(' '), value]));
    this.spelling = new SpellCheck({ features: Object.fromEntries([...this.ignored].map((term) => [term, 1])), minLength: 5 });
  }

  /**
   * Not part of a product name: a not-product word ("license"); else any word of a product
   * ("microsoft", "visio") is one; else a word of the language's phrasing, or one letter off
   * one ("reqest"), is not.
   */
  isIgnored(term: string, products: ProductMatcher): boolean {
    return this.phrasingWord(term, products) !== undefined;
  }

  /** The phrasing word `term` is (corrected when misspelt), or undefined when it may name a product. */
  phrasingWord(term: string, products: ProductMatcher): string | undefined {
    const rewritten = this.rewrites.get(term);
    if (rewritten) return rewritten;
    if (this.notProduct.has(term)) return term;
    if (products.vocabulary.has(term)) return undefined;
    if (this.ignored.has(term)) return term;
    if (term.length < 5 || /\d/.test(term)) return undefined;
    let corrected = this.corrections.get(term);
    if (corrected === undefined) {
      corrected = this.misspelt(term) ?? '';
      // Chat words repeat: remember corrections, a bounded number (unbounded text must not grow the heap).
      if (this.corrections.size >= 5000) this.corrections.clear();
      this.corrections.set(term, corrected);
    }
    return corrected || undefined;
  }

  /** The phrasing word one letter off ("reqest"), or with two letters swapped ("cancle", "subscritpions"). */
  private misspelt(term: string): string | undefined {
    const corrected = this.spelling.checkToken(term, 1);
    if (corrected !== term) return corrected;
    for (let i = 0; i + 1 < term.length; i++) {
      const swapped = `${term.slice(0, i)}${term[i + 1]}${term[i]}${term.slice(i + 2)}`;
      if (this.ignored.has(swapped)) return swapped;
    }
    return undefined;
  }
}

export function findEntities(text: string, language: LanguageWords, products: ProductMatcher): Entities {
  const cleaned = cleanText(text);
  const list = words(cleaned.text);
  const roles: (Role | undefined)[] = list.map(() => undefined);
  const people: Person[] = [...cleaned.emails.map((email) => ({ email })), ...cleaned.mentions.map((name) => ({ name }))];
  const result: Entities = { people, productWords: [], roles: [] };

  // Periods first: "last month" must not become a person or a product.
  for (let i = 0; i < list.length; i++) {
    const found = language.periods.find(({ terms: phrase }) => phrase.every((term, k) => list[i + k]?.norm === term && !roles[i + k]));
    if (!found) continue;
    result.period ??= found.period;
    for (let k = 0; k < found.terms.length; k++) roles[i + k] = 'period';
    i += found.terms.length - 1;
  }
  list.forEach((word, i) => {
    const provider = PROVIDERS[word.norm];
    if (provider && !roles[i]) {
      result.provider ??= provider;
      roles[i] = 'provider';
    }
  });
  takePersonAfterFor(list, roles, language, products, people);
  takeQuantity(list, roles, language, products, result);
  const phrasing: (string | undefined)[] = [];
  list.forEach((word, i) => {
    if (roles[i]) return;
    phrasing[i] = language.phrasingWord(word.norm, products);
    roles[i] = phrasing[i] === undefined ? 'product' : 'filler';
    if (roles[i] === 'product') result.productWords.push(word);
  });
  result.roles = list.map((word, i) => ({ word, role: roles[i]!, ...(phrasing[i] && { as: phrasing[i] }) }));
  return result;
}

/**
 * "get Visio for Megan Bowen": one to four words after the last for-word, up to the end (or
 * only fillers after them), none of them a product's or the language's own word, are a
 * person's name. "for me" is the writer; "a license for Visio" is a product.
 */
function takePersonAfterFor(
  list: Word[],
  roles: (Role | undefined)[],
  language: LanguageWords,
  products: ProductMatcher,
  people: Person[],
) {
  let at = list.length - 1;
  while (at >= 0 && !(language.forWords.has(list[at]!.norm) && !roles[at])) at--;
  if (at < 0) return;
  const next = list[at + 1];
  if (next && language.selfWords.has(next.norm)) {
    roles[at] = roles[at + 1] = 'filler';
    return;
  }
  let end = at + 1;
  while (
    end < list.length &&
    !roles[end] &&
    !language.ignored.has(list[end]!.norm) &&
    !products.vocabulary.has(list[end]!.norm) &&
    numberOf(list[end]!, language) === undefined
  )
    end++;
  const nameLength = end - at - 1;
  const restIsFiller = list.slice(end).every((word, k) => roles[end + k] || language.ignored.has(word.norm));
  if (nameLength < 1 || nameLength > 4 || !restIsFiller) return;
  people.push({
    name: list
      .slice(at + 1, end)
      .map((word) => word.raw)
      .join(' '),
  });
  roles[at] = 'filler';
  for (let i = at + 1; i < end; i++) roles[i] = 'person';
}

function numberOf(word: Word, language: LanguageWords): number | undefined {
  if (/^\d{1,6}$/.test(word.norm)) return Number(word.norm);
  return language.numbers.get(word.norm);
}

/**
 * The first number where people put a count: before a word ("2 Visio", "3 x E3", "two
 * licenses"), after "x" ("E3 x 4") or glued to it ("3x"). A number continuing a product name
 * ("Visio Plan 2", "Microsoft 365") is part of the name.
 */
function takeQuantity(list: Word[], roles: (Role | undefined)[], language: LanguageWords, products: ProductMatcher, entities: Entities) {
  for (let i = 0; i < list.length; i++) {
    if (roles[i]) continue;
    const word = list[i]!;
    const glued = /^(\d{1,6})[x×]$|^[x×](\d{1,6})$/.exec(word.norm);
    if (glued) {
      entities.quantity = Number(glued[1] ?? glued[2]);
      roles[i] = 'quantity';
      return;
    }
    const value = numberOf(word, language);
    if (value === undefined) continue;
    const previous = list[i - 1];
    const next = list[i + 1];
    const times = (previous && TIMES.has(previous.norm)) || (next && TIMES.has(next.norm));
    const continuesName =
      previous !== undefined &&
      /^\d+$/.test(word.norm) &&
      (NAME_NUMBER_WORDS.has(previous.norm) || (products.vocabulary.has(previous.norm) && products.vocabulary.has(word.norm)));
    const isCount = times || (!continuesName && (next !== undefined || previous?.norm === 'to' || !previous));
    if (!isCount) continue;
    entities.quantity = value;
    roles[i] = 'quantity';
    for (const neighbour of [i - 1, i + 1]) if (list[neighbour] && TIMES.has(list[neighbour]!.norm)) roles[neighbour] = 'filler';
    return;
  }
}

/** The text the intent model classifies: the words, entities replaced by their placeholder words. */
export function classificationText(entities: Entities, productFound: boolean): string {
  const out: string[] = entities.people.length > 0 && !entities.roles.some((r) => r.role === 'person') ? [placeholderWord('person')] : [];
  let previous: Role | undefined;
  for (const { word, role, as } of entities.roles) {
    if (role === 'filler') out.push(as ?? word.norm);
    else if (role === 'product' && !productFound) out.push(word.norm);
    else if (role !== previous) out.push(placeholderWord(role));
    previous = role;
  }
  return out.join(' ');
}
