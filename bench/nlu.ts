// `npm run bench -- nlu`: how well and how fast the bot understands what people type, on the
// labelled utterances of test/fixtures/nlu-utterances.json (never used for training).
// Prints intent accuracy, product top-1 accuracy, quantity accuracy, the confusion of the
// worst intents, the time to train, and the p50 / p99 time to understand one utterance.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLanguageData } from '../src/language/corpus.js';
import type { CatalogEntry, ProductMatch } from '../src/language/product-matcher.js';
import { Understander, type Understanding } from '../src/language/understand.js';
import { languageDir, projectRoot } from '../src/paths.js';
import { percentile } from './stats.js';

export interface LabelledUtterance {
  text: string;
  intent: string;
  product?: { one: string } | { choices: string[] } | { unknown: true };
  quantity?: number;
}

export interface NluFixture {
  catalog: CatalogEntry[];
  utterances: LabelledUtterance[];
}

export function readNluFixture(): NluFixture {
  return JSON.parse(readFileSync(join(projectRoot, 'test', 'fixtures', 'nlu-utterances.json'), 'utf8')) as NluFixture;
}

/** Did the matcher give the labelled product: the one product, the same choice, or "not in the catalog"? */
export function productIsRight(expected: LabelledUtterance['product'], got: ProductMatch): boolean {
  if (!expected) return got.kind === 'none' || got.kind === 'unknown';
  if ('one' in expected) return got.kind === 'one' && got.product.name === expected.one;
  if ('choices' in expected)
    return got.kind === 'several' && [...got.products.map((p) => p.name)].sort().join('|') === [...expected.choices].sort().join('|');
  return got.kind === 'unknown';
}

export const intentOf = (understanding: Understanding): string => understanding.intent ?? 'None';

export interface NluFigures {
  utterances: number;
  rounds: number;
  intentAccuracy: number;
  productAccuracy: number;
  productLabelled: number;
  quantityAccuracy: number;
  trainMs: number;
  p50Ms: number;
  p99Ms: number;
  /** p99 over the utterances of each one's median time: what understanding costs, without pauses of the host. */
  utteranceP99Ms: number;
  slowestUtteranceMs: number;
  misses: { text: string; expected: string; got: string; score: number }[];
  productMisses: { text: string; expected: string; got: string }[];
  confusion: { intent: string; total: number; wrong: number; as: Record<string, number> }[];
}

export async function measureNlu(rounds = 20): Promise<NluFigures> {
  const fixture = readNluFixture();
  const data = loadLanguageData(languageDir);
  const trainStarted = performance.now();
  const understander = await Understander.train(data.languages, data.products);
  const trainMs = performance.now() - trainStarted;
  // Warm-up on the training examples (not the labelled set): JIT, and the catalog's index.
  const warmUp = Object.values(data.languages[0]!.intents).flatMap((intent) => intent?.examples ?? []);
  for (const text of warmUp) await understander.understand(text.replace(/\{\w+\}/g, 'visio'), { catalog: fixture.catalog });

  const latencies: number[] = [];
  const perUtterance: number[][] = fixture.utterances.map(() => []);
  const results: Understanding[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [i, utterance] of fixture.utterances.entries()) {
      const started = performance.now();
      const understanding = await understander.understand(utterance.text, { locale: 'en-US', catalog: fixture.catalog });
      const took = performance.now() - started;
      latencies.push(took);
      perUtterance[i]!.push(took);
      if (round === 0) results[i] = understanding;
    }
  }
  latencies.sort((a, b) => a - b);
  // Each utterance's own cost: its median over the rounds, so that a pause of the garbage
  // collector or of a busy shared host lands on no particular utterance.
  const medians = perUtterance
    .map((times) =>
      percentile(
        [...times].sort((a, b) => a - b),
        50,
      ),
    )
    .sort((a, b) => a - b);

  const rows = fixture.utterances.map((utterance, i) => ({ utterance, got: results[i]! }));
  const intentRight = rows.filter(({ utterance, got }) => intentOf(got) === utterance.intent);
  const labelled = rows.filter(({ utterance }) => utterance.product);
  const productRight = labelled.filter(({ utterance, got }) => productIsRight(utterance.product, got.product));
  const quantityRight = rows.filter(({ utterance, got }) => utterance.quantity === got.quantity);
  const byIntent = new Map<string, { total: number; wrong: number; as: Record<string, number> }>();
  for (const { utterance, got } of rows) {
    const entry = byIntent.get(utterance.intent) ?? { total: 0, wrong: 0, as: {} };
    entry.total++;
    if (intentOf(got) !== utterance.intent) {
      entry.wrong++;
      entry.as[intentOf(got)] = (entry.as[intentOf(got)] ?? 0) + 1;
    }
    byIntent.set(utterance.intent, entry);
  }
  return {
    utterances: rows.length,
    rounds,
    intentAccuracy: intentRight.length / rows.length,
    productAccuracy: productRight.length / Math.max(1, labelled.length),
    productLabelled: labelled.length,
    quantityAccuracy: quantityRight.length / rows.length,
    trainMs,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    utteranceP99Ms: percentile(medians, 99),
    slowestUtteranceMs: medians.at(-1) ?? 0,
    misses: rows
      .filter(({ utterance, got }) => intentOf(got) !== utterance.intent)
      .map(({ utterance, got }) => ({ text: utterance.text, expected: utterance.intent, got: intentOf(got), score: got.score })),
    productMisses: labelled
      .filter(({ utterance, got }) => !productIsRight(utterance.product, got.product))
      .map(({ utterance, got }) => ({
        text: utterance.text,
        expected: JSON.stringify(utterance.product),
        got: describeMatch(got.product),
      })),
    confusion: [...byIntent.entries()]
      .map(([intent, entry]) => ({ intent, ...entry }))
      .filter((entry) => entry.wrong > 0)
      .sort((a, b) => b.wrong / b.total - a.wrong / a.total),
  };
}

function describeMatch(match: ProductMatch): string {
  if (match.kind === 'one') return match.product.name;
  if (match.kind === 'several') return `choice: ${match.products.map((p) => p.name).join(' | ')}`;
  return match.kind === 'unknown' ? `unknown "${match.words}"` : 'none';
}

/** Prints the figures; returns false when a goal is missed. */
export function reportNlu(figures: NluFigures): boolean {
  const percent = (n: number) => `${(n * 100).toFixed(1)} %`;
  console.log(`Understanding ${figures.utterances} labelled utterances (test/fixtures/nlu-utterances.json)`);
  console.table([
    { figure: 'intent accuracy', value: percent(figures.intentAccuracy), goal: '≥ 95 %' },
    { figure: `product top-1 (${figures.productLabelled} with a product)`, value: percent(figures.productAccuracy), goal: '≥ 95 %' },
    { figure: 'quantity', value: percent(figures.quantityAccuracy), goal: '' },
    { figure: 'p50 to understand one (every call)', value: `${figures.p50Ms.toFixed(3)} ms`, goal: '' },
    { figure: 'p99 to understand one (every call)', value: `${figures.p99Ms.toFixed(3)} ms`, goal: '< 2 ms' },
    { figure: 'p99 of the utterances (each its median)', value: `${figures.utteranceP99Ms.toFixed(3)} ms`, goal: '< 2 ms' },
    { figure: 'slowest utterance (its median)', value: `${figures.slowestUtteranceMs.toFixed(3)} ms`, goal: '' },
    { figure: 'training at start-up', value: `${figures.trainMs.toFixed(0)} ms`, goal: '' },
  ]);
  if (figures.confusion.length > 0) {
    console.log('Worst intents (labelled → understood as):');
    console.table(
      figures.confusion.slice(0, 8).map((entry) => ({
        intent: entry.intent,
        wrong: `${entry.wrong} of ${entry.total}`,
        'understood as': Object.entries(entry.as)
          .map(([intent, n]) => `${intent} ×${n}`)
          .join(', '),
      })),
    );
  }
  if (figures.misses.length > 0) console.table(figures.misses);
  if (figures.productMisses.length > 0) console.table(figures.productMisses);
  console.log(
    `Every call: ${figures.utterances} utterances × ${figures.rounds} rounds, after a warm-up on the training examples. On a busy shared host the every-call p99 is the host's (pauses of other processes and of the garbage collector); the utterances' p99 is the work itself.`,
  );
  return figures.intentAccuracy >= 0.95 && figures.productAccuracy >= 0.95 && figures.p99Ms < 2;
}
