// The intent classifier: nlp.js's NLU (a small neural network over stemmed words, with its
// spell check for words one letter off), trained at start-up from the examples of every
// language file. Examples and messages reach it with their entities already replaced by
// placeholder words ("I need {product}" → "i need xproduct"), so it learns how people ask,
// not which products exist.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

  /**
   * Trains on the examples, or, with `cacheDir`, loads the model trained earlier on the same
   * examples (training blocks the event loop for 0.1–0.3 s; loading takes a tenth of that).
   */
  static async train(languages: readonly Language[], options: { cacheDir?: string } = {}): Promise<IntentModel> {
    const codes = languages.map((language) => language.code);
    const cacheFile = options.cacheDir && join(options.cacheDir, `intent-model-${modelKey(languages)}.json`);
    const manager = await newManager(codes);
    if (cacheFile && loadCached(manager, cacheFile)) return new IntentModel(manager, codes);
    for (const language of languages) {
      for (const [intent, { examples }] of Object.entries(language.intents)) {
        for (const example of examples) manager.add(language.code, withPlaceholderWords(example), intent);
      }
    }
    await manager.train();
    if (cacheFile) saveCached(manager, cacheFile);
    return new IntentModel(manager, codes);
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

async function newManager(codes: readonly string[]): Promise<NluManager> {
  const container = await containerBootstrap();
  for (const code of codes) {
    const plugin = LANGUAGE_PLUGINS[code];
    if (plugin) container.use(plugin);
  }
  container.use(NluNeural);
  container.register('BoundedNlu', BoundedNlu, false);
  return new NluManager({
    container,
    locales: [...codes],
    log: false,
    // Words one letter off a known word count as that word ("reqest", "subscripions").
    spellCheck: true,
    useNoneFeature: true,
    domain: { nluByDomain: { default: { className: 'BoundedNlu', settings: { spellCheck: true, log: false } } } },
  });
}

/** Bumped when the way examples become training text changes. */
const MODEL_FORMAT = 1;

/** The examples and the nlp.js version: a change of either trains anew. */
function modelKey(languages: readonly Language[]): string {
  const version = (createRequire(import.meta.url)('@nlpjs/nlu/package.json') as { version: string }).version;
  const examples = languages.map((language) => [language.code, language.intents]);
  return createHash('sha256')
    .update(JSON.stringify([MODEL_FORMAT, version, examples]))
    .digest('hex')
    .slice(0, 32);
}

function loadCached(manager: NluManager, file: string): boolean {
  try {
    manager.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as unknown);
    return true;
  } catch {
    return false; // none yet, or unreadable: train
  }
}

/** Written under a fresh name and renamed, so that instances starting together never read half a file. */
function saveCached(manager: NluManager, file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, JSON.stringify(manager.toJSON()));
    renameSync(temporary, file);
  } catch {
    // Only a cache: the model works without it.
  }
}
