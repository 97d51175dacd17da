// The language layer on its own: the data files, entities, product matching, and the trained
// model measured on the labelled utterances it never saw (the same set `npm run bench -- nlu`
// prints figures for).
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intentOf, productIsRight, readNluFixture } from '../../bench/nlu.js';
import { LanguageDataError, loadLanguageData, parseLanguage } from '../../src/language/corpus.js';
import { findEntities, LanguageWords } from '../../src/language/entities.js';
import { ProductMatcher } from '../../src/language/product-matcher.js';
import { terms } from '../../src/language/text.js';
import { Understander } from '../../src/language/understand.js';
import { languageDir } from '../../src/paths.js';

const fixture = readNluFixture();
const data = loadLanguageData(languageDir);
const english = data.languages.find((language) => language.code === 'en')!;
const matcher = new ProductMatcher(fixture.catalog, data.products);
const words = new LanguageWords(english);
let understander: Understander;

beforeAll(async () => {
  understander = await Understander.train(data.languages, data.products);
});

const product = (text: string) => {
  const entities = findEntities(text, words, matcher);
  return matcher.match(
    entities.productWords.map((w) => w.norm),
    entities.productWords.map((w) => w.raw).join(' '),
  );
};
const named = (text: string) => {
  const match = product(text);
  if (match.kind === 'one') return match.product.name;
  if (match.kind === 'several') return match.products.map((p) => p.name).sort();
  return match.kind;
};

describe('the labelled utterances', () => {
  it('were never used for training', () => {
    const normal = (text: string) => terms(text).join(' ');
    const examples = new Set(
      data.languages.flatMap((language) => Object.values(language.intents).flatMap((intent) => intent?.examples.map(normal) ?? [])),
    );
    expect(fixture.utterances.length).toBeGreaterThanOrEqual(300);
    expect(fixture.utterances.filter((u) => examples.has(normal(u.text))).map((u) => u.text)).toEqual([]);
  });

  it('are understood: at least 95 % of intents and 95 % of products right', async () => {
    const results = await Promise.all(fixture.utterances.map((u) => understander.understand(u.text, { catalog: fixture.catalog })));
    const intents = results.filter((result, i) => intentOf(result) === fixture.utterances[i]!.intent).length;
    const labelled = fixture.utterances.map((u, i) => [u, results[i]!] as const).filter(([u]) => u.product);
    const products = labelled.filter(([u, result]) => productIsRight(u.product, result.product)).length;
    expect(intents / results.length).toBeGreaterThanOrEqual(0.95);
    expect(products / labelled.length).toBeGreaterThanOrEqual(0.95);
  });
});

describe('product matching', () => {
  it('asks between products the words fit equally, and picks the one they fit best', () => {
    expect(named('I need visio')).toEqual(['Visio Plan 1', 'Visio Plan 2']);
    expect(named('I need visio plan 2')).toBe('Visio Plan 2');
    expect(named('visio plan2')).toBe('Visio Plan 2');
    expect(named('visio 1')).toBe('Visio Plan 1');
    expect(named('power bi')).toEqual(['Power BI Premium Per User', 'Power BI Pro']);
    expect(named('pbi pro')).toBe('Power BI Pro');
    expect(named('adobe')).toEqual(['Adobe Acrobat Pro for teams', 'Creative Cloud for teams — All Apps']);
    expect(named('adobe creative cloud')).toBe('Creative Cloud for teams — All Apps');
  });

  it('knows what people call products (language/products.json)', () => {
    expect(named('photoshop')).toBe('Creative Cloud for teams — All Apps');
    expect(named('a pdf editor')).toBe('Adobe Acrobat Pro for teams');
    expect(named('excel')).toEqual(['Microsoft 365 Apps for business', 'Microsoft 365 E3']);
    expect(named('m365 e3')).toBe('Microsoft 365 E3');
    expect(named('microsoft 365 apps for business')).toBe('Microsoft 365 Apps for business');
  });

  it('forgives typos: a letter off, or two letters swapped in the words around the product', () => {
    expect(named('vsio')).toEqual(['Visio Plan 1', 'Visio Plan 2']);
    expect(named('photshop')).toBe('Creative Cloud for teams — All Apps');
    expect(named('reqest acrobt')).toBe('Adobe Acrobat Pro for teams');
    expect(named('cancle my zoom request')).toBe('Zoom Workplace Pro');
  });

  it('says "unknown" for a product the catalog lacks, and nothing for no product at all', () => {
    expect(product('I need Slack')).toEqual({ kind: 'unknown', words: 'Slack' });
    expect(named('I need a pro license')).toBe('unknown'); // "pro" alone names nothing
    expect(named('who approves my requests?')).toBe('none');
    expect(named('')).toBe('none');
  });

  it('treats offers that share a name as one product, catalog order kept', () => {
    const terms = new ProductMatcher(
      [
        { offerId: 'visio:P1M', name: 'Visio Plan 2', skuPartNumber: 'VISIOCLIENT' },
        { offerId: 'visio:P1Y', name: 'Visio Plan 2', skuPartNumber: 'VISIOCLIENT' },
      ],
      data.products,
    );
    expect(terms.match(['visio'])).toMatchObject({ kind: 'one', product: { name: 'Visio Plan 2', offerIds: ['visio:P1M', 'visio:P1Y'] } });
    expect(terms.match(['visioclient'])).toMatchObject({ kind: 'one' });
  });
});

describe('entities', () => {
  const entities = (text: string) => findEntities(text, words, matcher);

  it('reads a quantity where people put one, and not inside a product name', () => {
    expect(entities('I need 2 visio licenses').quantity).toBe(2);
    expect(entities('three x e3').quantity).toBe(3);
    expect(entities('e3 x 4').quantity).toBe(4);
    expect(entities('request 3x E3').quantity).toBe(3);
    expect(entities('visio plan 2').quantity).toBeUndefined();
    expect(entities('microsoft 365 e3').quantity).toBeUndefined();
    expect(entities('project plan 3 for 4 people').quantity).toBe(4);
    expect(entities('set reclaim days to 120').quantity).toBe(120);
  });

  it('finds people: e-mail addresses, mentions, and a name after "for"', () => {
    expect(entities('get Visio for megan@example.com').people).toEqual([{ email: 'megan@example.com' }]);
    expect(entities('visio for <at>Megan Bowen</at> please').people).toEqual([{ name: 'Megan Bowen' }]);
    expect(entities('get visio plan 2 for Megan Bowen please').people).toEqual([{ name: 'Megan Bowen' }]);
    expect(entities('a license for visio').people).toEqual([]);
    expect(entities('visio for me').people).toEqual([]);
    expect(entities('licenses for 5 people').people).toEqual([]);
  });

  it('finds the provider and the period', () => {
    expect(entities('how much did we spend on aws last month')).toMatchObject({ provider: 'aws', period: 'last month' });
    expect(entities('Azure costs so far this month')).toMatchObject({ provider: 'azure', period: 'this month' });
    expect(entities('amazon bill for the previous month')).toMatchObject({ provider: 'aws', period: 'last month' });
  });

  it('stays linear on enormous input', () => {
    const result = entities(`request ${'visio '.repeat(20_000)}`);
    expect(result.productWords.length).toBeLessThan(200);
  });
});

describe('language files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qm-language-'));
    copyFileSync(join(languageDir, 'en.json'), join(dir, 'en.json'));
    copyFileSync(join(languageDir, 'products.json'), join(dir, 'products.json'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds a language by adding its file: German examples teach German', async () => {
    writeFileSync(
      join(dir, 'de.json'),
      JSON.stringify({
        periods: { 'this month': ['diesen Monat'], 'last month': ['letzten Monat'] },
        forWords: ['für'],
        selfWords: ['mich'],
        notProductWords: ['Lizenz', 'Lizenzen', 'bitte'],
        intents: {
          request: {
            suggestion: 'Lizenz anfordern',
            examples: ['Ich brauche {product}', 'Ich möchte {product} haben', 'Kann ich {product} bekommen'],
          },
          'cancel-request': {
            examples: ['Storniere meine {product} Anfrage', 'Meine Anfrage abbrechen', '{product} Anfrage zurückziehen'],
          },
          spend: { examples: ['Wie viel geben wir für {provider} aus', 'Cloud-Kosten {period}'] },
          greeting: { examples: ['Hallo', 'Guten Morgen', 'Servus'] },
        },
      }),
    );
    const multilingual = await Understander.fromDirectory(dir);
    expect(multilingual.languages).toEqual(['de', 'en']);
    const request = await multilingual.understand('Ich brauche bitte Visio Plan 2', { locale: 'de-DE', catalog: fixture.catalog });
    expect(request).toMatchObject({ language: 'de', intent: 'request', product: { kind: 'one', product: { name: 'Visio Plan 2' } } });
    expect(await multilingual.understand('Hallo', { locale: 'de-AT', catalog: [] })).toMatchObject({ intent: 'greeting' });
    expect(await multilingual.understand('Wie viel geben wir für Azure aus', { locale: 'de-DE', catalog: [] })).toMatchObject({
      intent: 'spend',
      provider: 'azure',
    });
    // A language without a file is read as English.
    expect(await multilingual.understand('cancel my visio request', { locale: 'fr-FR', catalog: fixture.catalog })).toMatchObject({
      language: 'en',
      intent: 'cancel-request',
    });
  });

  it('keeps the trained model for the next start, and trains anew when that copy is unreadable', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'qm-model-'));
    try {
      const trained = await Understander.train(data.languages, data.products, { cacheDir });
      const [file] = readdirSync(cacheDir);
      expect(file).toMatch(/^intent-model-[0-9a-f]{32}\.json$/);
      const loaded = await Understander.train(data.languages, data.products, { cacheDir });
      for (const { text } of fixture.utterances.slice(0, 60)) {
        const [a, b] = await Promise.all([trained, loaded].map((u) => u.understand(text, { catalog: fixture.catalog })));
        expect(b!.intent, text).toBe(a!.intent);
      }
      writeFileSync(join(cacheDir, file!), '{"half a file');
      const retrained = await Understander.train(data.languages, data.products, { cacheDir });
      expect(await retrained.understand('cancel my visio request', { catalog: fixture.catalog })).toMatchObject({
        intent: 'cancel-request',
      });
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('refuses a mistake with the file and the field', () => {
    const base = { periods: { 'this month': ['this month'], 'last month': ['last month'] }, forWords: ['for'] };
    expect(() => parseLanguage('en', { ...base, intents: { 'order-pizza': { examples: ['pizza'] } } })).toThrow(
      /en\.json: "order-pizza" is not an intent the bot has/,
    );
    expect(() => parseLanguage('en', { ...base, intents: { request: { examples: ['I need {prodct}'] } } })).toThrow(
      /en\.json: intents\.request: "\{prodct\}" in "I need \{prodct\}" is not a placeholder/,
    );
    expect(() => parseLanguage('en', { ...base, intents: { request: { examples: [] } } })).toThrow(LanguageDataError);
    expect(() => parseLanguage('en', { intents: {} })).toThrow(/en\.json: periods/);
  });
});
