// A small typed builder for the Marketplace Platform's Resource Query Language (RQL).
// Every value is quoted (RQL's rule: a value with special characters goes in "..." or
// '...', and one quote type may appear inside the other) and then percent-encoded, so
// text a user typed can never add an operator, close a parenthesis or start another
// query parameter. Field names are code, not user input: they are checked, not escaped.
//
//   rql(and(eq('status', 'Active'), ilike('name', contains(userText))), { order: ['-audit.created.at'], limit: 50 })
//   → "and(eq(status,%22Active%22),ilike(name,%22*...*%22))&order=-audit.created.at&limit=50"

export class RqlError extends Error {
  override name = 'RqlError';
}

/** A filter expression; build it with the functions below, never by hand. */
export interface RqlExpression {
  readonly rql: string;
}

/** An `ilike` pattern: `*` matches any run of characters. Build with contains / startsWith / pattern. */
export interface RqlPattern {
  readonly pattern: string;
}

export type RqlValue = string | number | boolean;

const FIELD = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

function field(name: string): string {
  if (!FIELD.test(name)) throw new RqlError(`RQL: "${name}" is not a field name`);
  return name;
}

/** Quotes a value with the quote type it does not contain; both types cannot be expressed in RQL. */
function quote(raw: string): string {
  // A lone surrogate cannot be percent-encoded: it becomes U+FFFD rather than an exception.
  const text = raw.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  throw new RqlError('RQL: a value cannot contain both a double and a single quote');
}

/** Quoted, then percent-encoded for the query string (so &, =, #, %, + and non-ASCII stay inside the value). */
function value(v: RqlValue): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RqlError('RQL: numbers must be finite');
    return String(v);
  }
  if (typeof v === 'boolean') return String(v);
  return encodeURIComponent(quote(v));
}

const expression = (rql: string): RqlExpression => ({ rql });

export const eq = (name: string, v: RqlValue): RqlExpression => expression(`eq(${field(name)},${value(v)})`);
export const ne = (name: string, v: RqlValue): RqlExpression => expression(`ne(${field(name)},${value(v)})`);
export const gt = (name: string, v: RqlValue): RqlExpression => expression(`gt(${field(name)},${value(v)})`);
export const lt = (name: string, v: RqlValue): RqlExpression => expression(`lt(${field(name)},${value(v)})`);

export function inList(name: string, values: readonly RqlValue[]): RqlExpression {
  if (values.length === 0) throw new RqlError('RQL: in() needs at least one value');
  return expression(`in(${field(name)},(${values.map(value).join(',')}))`);
}

export function out(name: string, values: readonly RqlValue[]): RqlExpression {
  if (values.length === 0) throw new RqlError('RQL: out() needs at least one value');
  return expression(`out(${field(name)},(${values.map(value).join(',')}))`);
}

/** Case-insensitive match of the whole value against the pattern (`*` = any characters). */
export const ilike = (name: string, p: RqlPattern): RqlExpression =>
  expression(`ilike(${field(name)},${encodeURIComponent(quote(p.pattern))})`);

/**
 * Literal text for a pattern: `*` and `\` are escaped. A quote character that would make the
 * value unquotable (both kinds present) becomes a wildcard: the search gets broader, never wrong.
 */
function literal(text: string): string {
  let t = text;
  if (t.includes('"') && t.includes("'")) t = t.replace(/'/g, '\u0000');
  t = t.replace(/\\/g, '\\\\').replace(/\*/g, '\\*');
  return t.replace(/\u0000/g, '*');
}

export const contains = (text: string): RqlPattern => ({ pattern: `*${literal(text)}*` });
export const startsWith = (text: string): RqlPattern => ({ pattern: `${literal(text)}*` });
/** A pattern written by the programmer, wildcards and all (never user text: use contains/startsWith). */
export const pattern = (p: string): RqlPattern => ({ pattern: p });

function logical(op: 'and' | 'or', parts: readonly RqlExpression[]): RqlExpression {
  if (parts.length === 0) throw new RqlError(`RQL: ${op}() needs at least one condition`);
  if (parts.length === 1) return parts[0]!;
  return expression(`${op}(${parts.map((p) => p.rql).join(',')})`);
}

export const and = (...parts: RqlExpression[]): RqlExpression => logical('and', parts);
export const or = (...parts: RqlExpression[]): RqlExpression => logical('or', parts);
export const not = (part: RqlExpression): RqlExpression => expression(`not(${part.rql})`);

export interface RqlOptions {
  /** Field names, `-` prefix for descending (e.g. "-audit.created.at"). */
  order?: string[];
  limit?: number;
  offset?: number;
  /** Projection, e.g. ["+audit", "-lines"]. */
  select?: string[];
}

function nonNegativeInteger(name: string, n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new RqlError(`RQL: ${name} must be a whole number ≥ 0`);
  return String(n);
}

function signedField(text: string): string {
  const sign = text.startsWith('-') || text.startsWith('+') ? text[0]! : '';
  return `${sign === '+' ? '%2B' : sign}${field(text.slice(sign.length))}`;
}

/** The query string (without "?"): the filter, then order / select / limit / offset. */
export function rql(filter?: RqlExpression, options: RqlOptions = {}): string {
  const parts: string[] = [];
  if (filter) parts.push(filter.rql);
  if (options.order?.length) parts.push(`order=${options.order.map(signedField).join(',')}`);
  if (options.select?.length) parts.push(`select=${options.select.map(signedField).join(',')}`);
  if (options.limit !== undefined) parts.push(`limit=${nonNegativeInteger('limit', options.limit)}`);
  if (options.offset !== undefined) parts.push(`offset=${nonNegativeInteger('offset', options.offset)}`);
  return parts.join('&');
}
