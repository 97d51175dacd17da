// The RQL builder: exact output for the documented forms, and hostile text that can never
// change a query's structure (checked by parsing the output the way the emulator does).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, contains, eq, ilike, inList, ne, not, or, pattern, rql, RqlError, startsWith } from '../../src/connectors/marketplace/rql.js';
import { matches, parseQuery } from '../../src/sandbox/marketplace-rql.js';

const HOSTILE = [
  'a),or(eq(status,Active)',
  'x,y',
  '*',
  'pro*',
  "O'Brien",
  'say "hi"',
  'a&limit=1000',
  'b=c',
  '#frag',
  '100% off + tax',
  'Zoë — 日本語 🚀',
  'back\\slash\\*',
  ')',
  '(',
  '',
  ' leading and trailing ',
  '%22%29',
];

describe('RQL builder', () => {
  it('writes the documented forms, values quoted and encoded', () => {
    expect(rql(eq('status', 'Active'))).toBe('eq(status,%22Active%22)');
    expect(rql(and(eq('product.id', 'PRD-1'), ne('status', 'Terminated')))).toBe(
      'and(eq(product.id,%22PRD-1%22),ne(status,%22Terminated%22))',
    );
    expect(rql(inList('product.id', ['PRD-1', 'PRD-2']))).toBe('in(product.id,(%22PRD-1%22,%22PRD-2%22))');
    expect(rql(ilike('name', contains('visio')))).toBe('ilike(name,%22*visio*%22)');
    expect(rql(or(eq('a', 1), not(eq('b', true))))).toBe('or(eq(a,1),not(eq(b,true)))');
    expect(rql(undefined, { order: ['-audit.created.at', 'name'], limit: 50, offset: 100 })).toBe(
      'order=-audit.created.at,name&limit=50&offset=100',
    );
    expect(rql(eq('name', "O'Brien"))).toBe(`eq(name,${encodeURIComponent('"O\'Brien"')})`);
    expect(rql(eq('name', 'say "hi"'))).toBe(`eq(name,${encodeURIComponent('\'say "hi"\'')})`);
    // A single condition needs no and().
    expect(rql(and(eq('a', 'b')))).toBe('eq(a,%22b%22)');
  });

  it('refuses what it cannot express safely', () => {
    expect(() => eq('name),eq(x', 'v')).toThrow(RqlError);
    expect(() => eq('name', `both ' and "`)).toThrow(RqlError);
    expect(() => inList('id', [])).toThrow(RqlError);
    expect(() => and()).toThrow(RqlError);
    expect(() => rql(undefined, { limit: -1 })).toThrow(RqlError);
    expect(() => rql(undefined, { limit: 1.5 })).toThrow(RqlError);
    expect(() => rql(undefined, { order: ['name&x=1'] })).toThrow(RqlError);
    expect(() => eq('n', Number.NaN)).toThrow(RqlError);
  });

  it.each(HOSTILE)('keeps hostile text %j inside its value (eq, in, ilike)', (text) => {
    const parsed = parseQuery(rql(and(eq('name', text), inList('id', [text, 'ITM-1'])), { limit: 5 }));
    expect(parsed.limit).toBe(5);
    expect(parsed.filter).toEqual([
      {
        op: 'and',
        args: [
          { op: 'eq', field: 'name', value: text },
          { op: 'in', field: 'id', values: [text, 'ITM-1'] },
        ],
      },
    ]);
    const search = parseQuery(rql(ilike('name', contains(text)))).filter[0]!;
    expect(matches(search, { name: `before ${text} after` })).toBe(true);
    if (text.trim()) expect(matches(search, { name: 'unrelated' })).toBe(false);
  });

  it('treats * in user text literally (contains / startsWith), and as a wildcard in programmer patterns', () => {
    const literalStar = parseQuery(rql(ilike('name', contains('pro*')))).filter[0]!;
    expect(matches(literalStar, { name: 'Acrobat Pro* for teams' })).toBe(true);
    expect(matches(literalStar, { name: 'Acrobat Pro for teams' })).toBe(false);
    const prefix = parseQuery(rql(ilike('name', startsWith('adobe')))).filter[0]!;
    expect(matches(prefix, { name: 'Adobe Acrobat' })).toBe(true);
    expect(matches(prefix, { name: 'Not Adobe' })).toBe(false);
    const wildcard = parseQuery(rql(ilike('name', pattern('*cloud*')))).filter[0]!;
    expect(matches(wildcard, { name: 'Creative Cloud for teams' })).toBe(true);
  });

  it('text with both quote kinds still searches (the odd quote becomes a wildcard), never breaks out', () => {
    const text = `it's "quoted"`;
    const search = parseQuery(rql(ilike('name', contains(text)))).filter[0]!;
    expect(matches(search, { name: `so ${text} here` })).toBe(true);
    expect(search).toMatchObject({ op: 'ilike', field: 'name' });
  });

  it('any text without both quote kinds round-trips exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !(s.includes('"') && s.includes("'")) && !/[\uD800-\uDFFF]/.test(s)),
        (text) => {
          const parsed = parseQuery(rql(eq('name', text)));
          expect(parsed.filter).toEqual([{ op: 'eq', field: 'name', value: text }]);
          expect(matches(parseQuery(rql(ilike('name', contains(text)))).filter[0]!, { name: `x${text}y` })).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(parseQuery(rql(eq('name', 'a\uD800b'))).filter).toEqual([{ op: 'eq', field: 'name', value: 'a\uFFFDb' }]);
  });
});
