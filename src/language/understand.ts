// Understanding a chat message: which intent, with which entities, and which product of
// the tenant's catalog. The bot hands handlers this, not the raw text. Pure apart from
// reading the data files once (corpus.ts); a product index is built per catalog and kept
// while the catalog object lives (the catalog service caches it for minutes).
import { loadLanguageData, type Language, type ProductVocabulary } from './corpus.js';
import { classificationText, findEntities, LanguageWords, type Period, type Person, type Provider } from './entities.js';
import { IntentModel, type IntentScore } from './intent-model.js';
import { NONE, SMALL_TALK, type IntentName } from './intents.js';
import { ProductMatcher, type CatalogEntry, type ProductMatch } from './product-matcher.js';
import { MAX_TEXT } from './text.js';

export interface Understanding {
  /** The message as typed (cut to MAX_TEXT). */
  text: string;
  /** Language code whose examples were used. */
  language: string;
  /** Undefined when the model is not sure enough: answer with suggestions. */
  intent?: IntentName;
  /** The best intent's score (0..1), also when below the threshold. */
  score: number;
  /** Intents by score, best first, without None: what to suggest when unsure. */
  ranked: IntentScore[];
  product: ProductMatch;
  quantity?: number;
  people: Person[];
  provider?: Provider;
  period?: Period;
}

/** Below this score the message is not understood: suggestions instead of a guess. */
export const CONFIDENCE = 0.6;

export class Understander {
  private readonly matchers = new WeakMap<readonly CatalogEntry[], ProductMatcher>();
  private readonly words: Map<string, LanguageWords>;

  private constructor(
    private readonly model: IntentModel,
    languages: readonly Language[],
    private readonly products: ProductVocabulary,
  ) {
    this.words = new Map(languages.map((language) => [language.code, new LanguageWords(language)]));
  }

  /** Reads language/*.json and trains the model (0.1–0.3 s for the English examples). */
  static async fromDirectory(directory: string, options: { cacheDir?: string } = {}): Promise<Understander> {
    const { languages, products } = loadLanguageData(directory);
    return Understander.train(languages, products, options);
  }

  /** `cacheDir`: where a model trained on the same examples is kept and found again. */
  static async train(
    languages: readonly Language[],
    products: ProductVocabulary,
    options: { cacheDir?: string } = {},
  ): Promise<Understander> {
    return new Understander(await IntentModel.train(languages, options), languages, products);
  }

  get languages(): string[] {
    return [...this.words.keys()];
  }

  /** Suggestion titles of a language (English when it has none). */
  suggestion(intent: IntentName, language: string): string | undefined {
    return this.words.get(language)?.language.intents[intent]?.suggestion ?? this.words.get('en')?.language.intents[intent]?.suggestion;
  }

  /** The product index of a catalog (built once per catalog object). */
  matcher(catalog: readonly CatalogEntry[]): ProductMatcher {
    let matcher = this.matchers.get(catalog);
    if (!matcher) {
      matcher = new ProductMatcher(catalog, this.products);
      this.matchers.set(catalog, matcher);
    }
    return matcher;
  }

  /** `locale` as Teams sends it ("en-US", "de-DE"); an unknown language is read as English. */
  async understand(text: string, options: { locale?: string; catalog: readonly CatalogEntry[] }): Promise<Understanding> {
    const language = this.languageFor(options.locale);
    const words = this.words.get(language)!;
    const matcher = this.matcher(options.catalog);
    const entities = findEntities(text, words, matcher);
    const product = matcher.match(
      entities.productWords.map((word) => word.norm),
      entities.productWords.map((word) => word.raw).join(' '),
    );
    const found = product.kind === 'one' || product.kind === 'several';
    const scores = await this.model.classify(language, classificationText(entities, found));
    const ranked = scores.filter((s) => s.intent !== NONE);
    const best = scores[0];
    const sure = best !== undefined && best.intent !== NONE && best.score >= CONFIDENCE;
    return {
      text: text.slice(0, MAX_TEXT),
      language,
      ...(sure && { intent: best.intent as IntentName }),
      score: best?.score ?? 0,
      ranked,
      product,
      ...(entities.quantity !== undefined && { quantity: entities.quantity }),
      people: entities.people,
      ...(entities.provider && { provider: entities.provider }),
      ...(entities.period && { period: entities.period }),
    };
  }

  private languageFor(locale: string | undefined): string {
    const code = (locale ?? '').slice(0, 2).toLowerCase();
    return this.words.has(code) ? code : 'en';
  }
}

/** The closest things the bot can do for a message it did not understand (small talk aside). */
export function closestIntents(understanding: Understanding, allowed: (intent: IntentName) => boolean, count = 3): IntentName[] {
  return understanding.ranked
    .filter((s) => s.score > 0.01 && !SMALL_TALK.includes(s.intent as IntentName) && allowed(s.intent as IntentName))
    .slice(0, count)
    .map((s) => s.intent as IntentName);
}
