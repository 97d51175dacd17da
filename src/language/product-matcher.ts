// Which product of the tenant's catalog a person means: typo-tolerant search (MiniSearch:
// prefix and edit-distance matching, BM25 ranking) over offer names, SKU part numbers,
// vendors and the synonyms of language/products.json ("Photoshop" → Creative Cloud).
// Offers that share a name (terms, billing) are one product. The answer is one product, a
// short list when the words fit several equally ("visio" with Plan 1 and Plan 2), or none:
// never a silent pick among equals.
import MiniSearch, { type SearchResult } from 'minisearch';
import type { ProductVocabulary } from './corpus.js';
import { terms } from './text.js';

/** What the matcher needs of an offer (a connectors `CatalogOffer` fits). */
export interface CatalogEntry {
  offerId: string;
  name: string;
  skuPartNumber: string;
  vendor?: string;
}

export interface MatchedProduct {
  name: string;
  /** Offers with this name, catalog order; the first is the one a request form pre-selects. */
  offerIds: string[];
}

export type ProductMatch =
  | { kind: 'none' }
  | { kind: 'one'; product: MatchedProduct; words: string }
  | { kind: 'several'; products: MatchedProduct[]; words: string }
  | { kind: 'unknown'; words: string };

/** Words inside product names that nobody types when asking ("for teams", "all apps" aside). */
const GLUE = new Set(['for', 'the', 'of', 'and', 'with', 'per']);

/** At most this many products on a "Did you mean" card. */
export const MAX_CHOICES = 5;

interface ProductDoc {
  id: number;
  name: string;
  nameTerms: string;
  sku: string;
  vendor: string;
  aliases: string;
}

export class ProductMatcher {
  private readonly index: MiniSearch<ProductDoc>;
  private readonly products: MatchedProduct[] = [];
  private readonly nameKeys: string[] = [];
  /** Every word of every name, SKU, vendor and synonym: what may be part of a product phrase. */
  readonly vocabulary = new Set<string>();
  private readonly generic: Set<string>;
  private readonly abbreviations: Map<string, string[]>;

  constructor(catalog: readonly CatalogEntry[], vocabulary: ProductVocabulary) {
    this.generic = new Set(vocabulary.genericWords.flatMap(terms));
    this.abbreviations = new Map(Object.entries(vocabulary.abbreviations).map(([short, long]) => [short.toLowerCase(), terms(long)]));
    const byName = new Map<string, { doc: ProductDoc; product: MatchedProduct }>();
    for (const offer of catalog) {
      const key = terms(offer.name).join(' ');
      const known = byName.get(key);
      if (known) {
        known.product.offerIds.push(offer.offerId);
        known.doc.sku += ` ${skuTerms(offer.skuPartNumber)}`;
        continue;
      }
      const doc: ProductDoc = {
        id: byName.size,
        name: offer.name,
        nameTerms: key,
        sku: skuTerms(offer.skuPartNumber),
        vendor: offer.vendor ? terms(offer.vendor).join(' ') : '',
        aliases: '',
      };
      doc.aliases = vocabulary.synonyms
        .filter((synonym) => synonymFits(synonym, key, offer.skuPartNumber))
        .flatMap((synonym) => synonym.words.flatMap(terms))
        .join(' ');
      byName.set(key, { doc, product: { name: offer.name, offerIds: [offer.offerId] } });
    }
    this.index = new MiniSearch<ProductDoc>({
      fields: ['nameTerms', 'sku', 'vendor', 'aliases'],
      tokenize: (text) => text.split(' ').filter(Boolean),
      processTerm: (term) => term,
      searchOptions: { boost: { nameTerms: 2, aliases: 2, sku: 1.5, vendor: 1 } },
    });
    const docs = [...byName.values()];
    this.index.addAll(docs.map(({ doc }) => doc));
    for (const { doc, product } of docs) {
      this.products[doc.id] = product;
      this.nameKeys[doc.id] = doc.nameTerms;
      for (const text of [doc.nameTerms, doc.sku, doc.vendor, doc.aliases])
        for (const term of text.split(' ')) if (term) this.vocabulary.add(term);
    }
  }

  /** True when the word can only name a product together with others ("plan", "microsoft"). */
  isGeneric(term: string): boolean {
    return this.generic.has(term);
  }

  /** Short forms expanded, glued numbers split: ["m365", "plan2"] → ["microsoft", "365", "plan", "2"]. */
  expand(queryTerms: readonly string[]): string[] {
    return queryTerms.flatMap((term) => {
      const long = this.abbreviations.get(term);
      if (long) return long;
      const glued = /^([a-z]{2,})(\d+)$/.exec(term);
      if (glued && !this.vocabulary.has(term) && this.vocabulary.has(glued[1]!) && this.vocabulary.has(glued[2]!))
        return [glued[1]!, glued[2]!];
      return [term];
    });
  }

  /**
   * The product `queryTerms` (folded words, in order) name. `shown` is the words as typed,
   * for the answer ("I can't find "Slack" …").
   */
  match(queryTerms: readonly string[], shown = queryTerms.join(' ')): ProductMatch {
    const query = this.expand(queryTerms);
    if (query.length === 0) return { kind: 'none' };
    const asked = new Set(query);
    const exact = this.nameKeys.findIndex((key) => key === query.join(' '));
    if (exact >= 0) return { kind: 'one', product: this.products[exact]!, words: shown };
    const results = this.index
      .search(query.join(' '), {
        combineWith: 'OR',
        prefix: (term) => term.length >= 3 && !/^\d+$/.test(term),
        fuzzy: (term) => (/\d/.test(term) ? false : term.length >= 7 ? 2 : term.length >= 4 ? 1 : false),
        weights: { fuzzy: 0.5, prefix: 0.7 },
      })
      // A result that only shares generic words ("plan", "microsoft") is no evidence, unless
      // they are its whole name ("Microsoft 365 Apps for business").
      .filter(
        (result) =>
          result.queryTerms.some((term) => !this.generic.has(term)) ||
          this.nameKeys[result.id as number]!.split(' ').every((term) => GLUE.has(term) || asked.has(term)),
      );
    if (results.length === 0) return { kind: 'unknown', words: shown };
    const best = strongest(results);
    const chosen = best.map((result) => this.products[result.id as number]!);
    if (chosen.length === 1) return { kind: 'one', product: chosen[0]!, words: shown };
    return { kind: 'several', products: chosen.slice(0, MAX_CHOICES), words: shown };
  }
}

/**
 * The results no other result beats: one whose matched words are a strict subset of
 * another's loses ("visio plan 2" keeps Plan 2 over Plan 1, which lacks "2"). Equal
 * evidence stays together, best score first, as a choice.
 */
function strongest(results: SearchResult[]): SearchResult[] {
  const sets = results.map((result) => new Set(result.queryTerms));
  const beaten = (i: number) =>
    sets.some((other, j) => j !== i && other.size > sets[i]!.size && [...sets[i]!].every((term) => other.has(term)));
  const kept = results.filter((_, i) => !beaten(i));
  // Among the rest, more distinct words matched is stronger evidence than a higher BM25 score.
  const most = Math.max(...kept.map((result) => new Set(result.queryTerms).size));
  return kept.filter((result) => new Set(result.queryTerms).size === most);
}

/** "SPE_E3" → "spe_e3 spe e3": the whole part number and its pieces. */
function skuTerms(skuPartNumber: string): string {
  const whole = skuPartNumber.toLowerCase();
  // Marketplace offers carry "MKT:<item id>": nobody types that, so it is not indexed.
  if (whole.startsWith('mkt:')) return '';
  return [whole, ...terms(skuPartNumber)].join(' ');
}

/** Does a synonym mean this product: one of its names is inside the product's name, or its SKU is listed. */
function synonymFits(synonym: ProductVocabulary['synonyms'][number], nameKey: string, skuPartNumber: string): boolean {
  const name = ` ${nameKey} `;
  return (
    synonym.names.some((phrase) => name.includes(` ${terms(phrase).join(' ')} `)) ||
    synonym.skus.some((sku) => sku.toLowerCase() === skuPartNumber.toLowerCase())
  );
}
