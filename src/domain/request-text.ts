// Understands what people type when they want a license: "request visio", "I need 2 Power BI
// Pro licenses", "get Visio for megan@example.com", "request 3 x E3 for adelev@example.com".
// It only pre-fills the request form; the form and its validation have the last word, so
// this parser prefers "not sure" (no offer, keep the words) over a wrong guess.

/** What the parser needs from a catalog offer (a connectors `CatalogOffer` fits). */
export interface TextCatalogEntry {
  offerId: string;
  name: string;
  skuPartNumber: string;
}

export interface ParsedRequestText {
  /** Set only when exactly one product matches. */
  productOfferId?: string;
  /** The product words as typed ("Power BI Pro"), kept even when nothing or several match. */
  productQuery?: string;
  /** As typed, even 0 or 500: range checks belong to validation. */
  quantity?: number;
  /** "for megan@example.com". */
  forUpn?: string;
  /** "Visio for Megan Bowen": a name to look up or show, not resolved here. */
  forName?: string;
}

/** Longer input than this is not a chat request; cut it so the parser stays linear and cheap. */
const MAX_TEXT = 500;

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

// Leading phrases that say "I want", as token lists; the longest match is removed first.
const INTENT_PHRASES: readonly (readonly string[])[] = [
  ['i', 'would', 'like'],
  ["i'd", 'like'],
  ['id', 'like'],
  ['we', 'would', 'like'],
  ["we'd", 'like'],
  ['can', 'i', 'please', 'have'],
  ['can', 'i', 'please', 'get'],
  ['can', 'i', 'have'],
  ['can', 'i', 'get'],
  ['could', 'i', 'have'],
  ['could', 'i', 'get'],
  ['may', 'i', 'have'],
  ['can', 'we', 'get'],
  ['can', 'we', 'have'],
  ['can', 'you', 'get', 'me'],
  ['i', 'need'],
  ['we', 'need'],
  ['i', 'want'],
  ['we', 'want'],
  ['give', 'me'],
  ['get', 'me'],
  ['need'],
  ['request'],
  ['get'],
].sort((a, b) => b.length - a.length);

/** Politeness and glue that may precede or follow the intent ("please", "to request"). */
const LEADING_FILLER = new Set(['please', 'pls', 'kindly', 'hi', 'hey', 'hello', 'also', 'to']);
const TRAILING_FILLER = new Set(['please', 'pls', 'thanks', 'thx', 'asap']);
/** Words that are never part of a product name in a request. */
const PRODUCT_FILLER = new Set([
  'a',
  'an',
  'the',
  'some',
  'of',
  'me',
  'my',
  'new',
  'another',
  'more',
  'additional',
  'extra',
  'x',
  '×',
  'license',
  'licenses',
  'licence',
  'licences',
  'seat',
  'seats',
  'subscription',
  'subscriptions',
]);
const LICENSE_WORDS = new Set(['license', 'licenses', 'licence', 'licences', 'seat', 'seats', 'subscription', 'subscriptions']);
/** Words that make "I need …" about a license even before the catalog is loaded. */
const PRODUCT_WORDS = new Set([
  'visio',
  'project',
  'office',
  'microsoft',
  '365',
  'power',
  'bi',
  'e1',
  'e3',
  'e5',
  'f3',
  'copilot',
  'teams',
  'exchange',
  'sharepoint',
  'intune',
  'defender',
  'dynamics',
  'entra',
  'windows',
]);
/** "I need help with…", "can I get the status…": a question, not a request. */
const NOT_A_REQUEST = new Set(['help', 'status', 'cancel', 'remove', 'how', 'what', 'why', 'when', 'where', 'who']);

// Short names people use, mapped to the offer they almost always mean. The Graph SKU part
// number is checked first (names vary by region and over time), then the display name.
const ALIASES: readonly { phrase: string; skus: readonly string[]; names: readonly string[] }[] = [
  { phrase: 'e3', skus: ['SPE_E3'], names: ['microsoft 365 e3'] },
  { phrase: 'e5', skus: ['SPE_E5'], names: ['microsoft 365 e5'] },
  { phrase: 'e1', skus: ['STANDARDPACK'], names: ['office 365 e1'] },
  { phrase: 'visio', skus: ['VISIOCLIENT'], names: ['visio plan 2'] },
  { phrase: 'power bi', skus: ['POWER_BI_PRO'], names: ['power bi pro'] },
  { phrase: 'copilot', skus: ['Microsoft_365_Copilot'], names: ['microsoft 365 copilot'] },
];

/** Token-level abbreviations, expanded before matching ("m365 e3" → "microsoft 365 e3"). */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  m365: ['microsoft', '365'],
  o365: ['office', '365'],
  ms: ['microsoft'],
  pbi: ['power', 'bi'],
  powerbi: ['power', 'bi'],
};

interface Word {
  raw: string;
  lower: string;
}

/** Removes Teams mentions, markup and a command slash ("/request"), and cuts overly long input. */
function clean(text: string): string {
  return text
    .slice(0, MAX_TEXT)
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/[’‘]/g, "'")
    .replace(/^\s*\//, '');
}

function words(text: string): Word[] {
  return text
    .split(/\s+/)
    .map((raw) => raw.replace(/^[\s.,!?;:"'()[\]]+|[\s.,!?;:"'()[\]]+$/g, ''))
    .filter((raw) => raw.length > 0)
    .map((raw) => ({ raw, lower: raw.toLowerCase() }));
}

const startsWith = (list: readonly Word[], phrase: readonly string[]): boolean => phrase.every((token, i) => list[i]?.lower === token);

/** Drops "please", "I need", "to request"… from the front until nothing more comes off. */
function stripIntent(list: Word[]): { rest: Word[]; hadIntent: boolean; command: boolean } {
  let rest = list;
  let hadIntent = false;
  const command =
    list[0]?.lower === 'request' || (list[0] !== undefined && LEADING_FILLER.has(list[0].lower) && list[1]?.lower === 'request');
  for (let changed = true; changed && rest.length > 0;) {
    changed = false;
    const first = rest[0];
    if (first && LEADING_FILLER.has(first.lower)) {
      rest = rest.slice(1);
      changed = true;
      continue;
    }
    const phrase = INTENT_PHRASES.find((candidate) => startsWith(rest, candidate));
    if (phrase) {
      rest = rest.slice(phrase.length);
      hadIntent = changed = true;
    }
  }
  while (rest.length > 0 && TRAILING_FILLER.has(rest[rest.length - 1]?.lower ?? '')) rest = rest.slice(0, -1);
  return { rest, hadIntent, command };
}

function numberOf(word: Word | undefined): number | undefined {
  if (!word) return undefined;
  if (/^\d{1,15}$/.test(word.lower)) return Number(word.lower);
  return NUMBER_WORDS[word.lower];
}

/** A quantity only where people put one: first ("2 Visio", "3 x E3", "3x E3") or last ("E3 x 2"). */
function takeQuantity(list: Word[]): { rest: Word[]; quantity?: number } {
  const first = list[0];
  const glued = first && /^(\d{1,15})[x×]$/.exec(first.lower);
  if (glued?.[1]) return { rest: list.slice(1), quantity: Number(glued[1]) };
  const leading = numberOf(first);
  if (leading !== undefined) {
    const skip = ['x', '×', 'of'].includes(list[1]?.lower ?? '') ? 2 : 1;
    return { rest: list.slice(skip), quantity: leading };
  }
  const last = list[list.length - 1];
  const tail = last && /^[x×](\d{1,15})$/.exec(last.lower);
  if (tail?.[1]) return { rest: list.slice(0, -1), quantity: Number(tail[1]) };
  const beforeLast = list[list.length - 2];
  if (beforeLast && ['x', '×'].includes(beforeLast.lower) && /^\d{1,15}$/.test(last?.lower ?? ''))
    return { rest: list.slice(0, -2), quantity: Number(last?.lower) };
  return { rest: list };
}

/**
 * "… for X": X is the person when a product comes before it ("Visio for Megan"), and the
 * product when nothing does ("a license for Visio"). "for me" is dropped.
 */
function takeFor(list: Word[]): { rest: Word[]; forName?: string } {
  const at = list.map((word) => word.lower).lastIndexOf('for');
  if (at < 0) return { rest: list };
  const left = list.slice(0, at);
  const right = list.slice(at + 1);
  if (right.length === 0 || (right.length === 1 && ['me', 'myself', 'us'].includes(right[0]?.lower ?? ''))) return { rest: left };
  const leftHasProduct = left.some((word) => !PRODUCT_FILLER.has(word.lower) && numberOf(word) === undefined);
  return leftHasProduct ? { rest: left, forName: right.map((word) => word.raw).join(' ') } : { rest: [...left, ...right] };
}

const EMAIL = /[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/i;

/** Takes out the first e-mail address (and a "for" right before it). */
function takeEmail(text: string): { text: string; forUpn?: string } {
  const match = EMAIL.exec(text);
  if (!match) return { text };
  const before = text.slice(0, match.index).replace(/\bfor\s*$/i, ' ');
  return { text: `${before} ${text.slice(match.index + match[0].length)}`, forUpn: match[0] };
}

/** Parses a chat message into what the request form can be pre-filled with. */
export function parseRequestText(text: string, catalog: readonly TextCatalogEntry[]): ParsedRequestText {
  const email = takeEmail(clean(text));
  const { rest } = stripIntent(words(email.text));
  const counted = takeQuantity(rest);
  const addressed = takeFor(counted.rest);
  const productWords = addressed.rest.filter((word) => !PRODUCT_FILLER.has(word.lower));
  const productQuery = productWords.map((word) => word.raw).join(' ');
  const offer = productQuery ? matchProduct(productQuery, catalog) : undefined;
  return {
    ...(offer && { productOfferId: offer.offerId }),
    ...(productQuery && { productQuery }),
    ...(counted.quantity !== undefined && { quantity: counted.quantity }),
    ...(email.forUpn && { forUpn: email.forUpn }),
    ...(addressed.forName && { forName: addressed.forName }),
  };
}

/**
 * Is this free text a license request? "request …" always is. Otherwise it needs a wish
 * ("I need", "can I have", "get") and something license-like after it: a license word or a
 * product ("I need Visio"); "I need help" is not a request.
 */
export function isRequestIntent(text: string, catalog: readonly TextCatalogEntry[] = []): boolean {
  const list = words(takeEmail(clean(text)).text);
  const { rest, hadIntent, command } = stripIntent(list);
  if (command) return true;
  if (!hadIntent || rest.length === 0) return false;
  if (rest.some((word) => NOT_A_REQUEST.has(word.lower))) return false;
  if (rest.some((word) => LICENSE_WORDS.has(word.lower))) return true;
  const query = takeFor(takeQuantity(rest).rest)
    .rest.filter((word) => !PRODUCT_FILLER.has(word.lower))
    .map((word) => word.raw)
    .join(' ');
  if (!query) return false;
  const queryTokens = tokens(query);
  if (aliasFor(queryTokens) || queryTokens.some((token) => PRODUCT_WORDS.has(token))) return true;
  // Ambiguous ("project") still counts: the form will ask which one.
  return candidates(queryTokens, catalog).length > 0;
}

// ---------------------------------------------------------------------------------------
// Product matching
// ---------------------------------------------------------------------------------------

/** Lower-case alphanumeric tokens with abbreviations expanded. */
function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((token) => token.length > 0)
    .flatMap((token) => SYNONYMS[token] ?? [token]);
}

const aliasFor = (query: readonly string[]) => ALIASES.find((alias) => alias.phrase === query.join(' '));

// A query word matches a name word exactly, or as a prefix of 3+ letters ("proj" → "project").
// Digits must match exactly so "3" never matches "365".
function wordMatches(queryToken: string, nameToken: string): boolean {
  return queryToken === nameToken || (queryToken.length >= 3 && !/^\d+$/.test(queryToken) && nameToken.startsWith(queryToken));
}

function candidates<C extends TextCatalogEntry>(query: readonly string[], catalog: readonly C[]): C[] {
  if (query.length === 0) return [];
  return catalog.filter((entry) => {
    const nameTokens = [...tokens(entry.name), entry.skuPartNumber.toLowerCase()];
    return query.every((token) => nameTokens.some((nameToken) => wordMatches(token, nameToken)));
  });
}

/**
 * Exactly one offer for the words, or undefined. Order: exact name, SKU part number or offer
 * id; then a known short name ("visio" → Visio Plan 2) if that offer is in the catalog; then
 * offers whose name contains every word. Offers that differ only in term or billing (same
 * name) count as one product, and the first in catalog order is chosen.
 */
export function matchProduct<C extends TextCatalogEntry>(query: string, catalog: readonly C[]): C | undefined {
  const wanted = tokens(query);
  if (wanted.length === 0) return undefined;
  const joined = wanted.join(' ');
  const exact = catalog.filter(
    (entry) =>
      tokens(entry.name).join(' ') === joined ||
      entry.skuPartNumber.toLowerCase() === query.trim().toLowerCase() ||
      entry.offerId.toLowerCase() === query.trim().toLowerCase(),
  );
  if (exact.length > 0) return single(exact);
  const alias = aliasFor(wanted);
  if (alias) {
    const bySku = catalog.filter((entry) => alias.skus.some((sku) => sku.toLowerCase() === entry.skuPartNumber.toLowerCase()));
    const byName = catalog.filter((entry) => alias.names.includes(tokens(entry.name).join(' ')));
    const aliased = bySku.length > 0 ? bySku : byName;
    if (aliased.length > 0) return single(aliased);
  }
  return single(candidates(wanted, catalog));
}

// One product: all entries share a name (only term/billing differ). Several: ambiguous.
function single<C extends TextCatalogEntry>(entries: readonly C[]): C | undefined {
  const first = entries[0];
  if (!first) return undefined;
  const name = tokens(first.name).join(' ');
  return entries.every((entry) => tokens(entry.name).join(' ') === name) ? first : undefined;
}
