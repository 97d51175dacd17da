// The intent classifier: nlp.js's NLU (a small neural network over stemmed words, with its
// spell check for words one letter off), trained at start-up from the examples of every
// language file. Examples and messages reach it with their entities already replaced by
// placeholder words ("I need {product}" → "i need xproduct"), so it learns how people ask,
// not which products exist.
import { containerBootstrap } from '@nlpjs/core';
import { LangEn } from '@nlpjs/lang-en-min';
import { NluManager, NluNeural } from '@nlpjs/nlu';
import type { Language, Placeholder } from './corpus.js';
import { isIntent, NONE, type IntentName } from './intents.js';

export interface IntentScore {
  intent: IntentName | typeof NONE;
  score: number;
}

/** The word that stands for a placeholder, in examples and in messages alike. */
export const placeholderWord = (placeholder: Placeholder): string => `x${placeholder}`;

/** Languages nlp.js has stemmers for in this build; others use its plain tokenizer (still fine for examples). */
const LANGUAGE_PLUGINS: Record<string, unknown> = { en: LangEn };

/**
 * nlp.js keeps every prepared text for an hour; chat text is unbounded, so this keeps at most
 * CACHE_LIMIT of them (a burst of different messages must not grow the heap).
 */
const CACHE_LIMIT = 2000;
class BoundedNlu extends NluNeural {
  private prepared = 0;
  override async defaultPipelinePrepare(input: { settings: { locale: string } }): Promise<unknown> {
    if (++this.prepared > CACHE_LIMIT && this.cache) {
      this.cache.results = {};
      this.prepared = 0;
    }
    return super.defaultPipelinePrepare(input);
  }
}

export class IntentModel {
  private constructor(
    private readonly manager: NluManager,
    readonly languages: readonly string[],
  ) {}

  static async train(languages: readonly Language[]): Promise<IntentModel> {
    const container = await containerBootstrap();
    for (const language of languages) {
      const plugin = LANGUAGE_PLUGINS[language.code];
      if (plugin) container.use(plugin);
    }
    container.use(NluNeural);
    container.register('BoundedNlu', BoundedNlu, false);
    const manager = new NluManager({
      container,
      locales: languages.map((language) => language.code),
      log: false,
      // Words one letter off a known word count as that word ("reqest", "subscripions").
      spellCheck: true,
      useNoneFeature: true,
      domain: { nluByDomain: { default: { className: 'BoundedNlu', settings: { spellCheck: true, log: false } } } },
    });
    for (const language of languages) {
      for (const [intent, { examples }] of Object.entries(language.intents)) {
        for (const example of examples) manager.add(language.code, withPlaceholderWords(example), intent);
      }
    }
    await manager.train();
    return new IntentModel(
      manager,
      languages.map((language) => language.code),
    );
  }

  /** Intents by score, best first (scores add up to 1). `text` has placeholder words already. */
  async classify(languageCode: string, text: string): Promise<IntentScore[]> {
    const code = this.languages.includes(languageCode) ? languageCode : 'en';
    const result = await this.manager.process(code, text);
    return result.classifications
      .filter((c) => c.intent === NONE || isIntent(c.intent))
      .map((c) => ({ intent: c.intent as IntentName | typeof NONE, score: c.score }));
  }
}

/** "cancel my {product} request" → "cancel my xproduct request". */
export function withPlaceholderWords(example: string): string {
  return example.replace(/\{(\w+)\}/g, (_, name: Placeholder) => ` ${placeholderWord(name)} `);
}
