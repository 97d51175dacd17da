// The Marketplace emulator's side of RQL: parse a query string into a filter plus
// order / limit / offset, and evaluate it on plain objects. The query string is split on
// "&" BEFORE percent-decoding, so an encoded "&" stays inside its value; quoted values
// ("..." or '...') are literal whatever they contain. In ilike patterns `*` is a wildcard,
// `\*` a literal asterisk and `\\` a backslash.

export type RqlNode =
  | { op: 'and' | 'or'; args: RqlNode[] }
  | { op: 'not'; arg: RqlNode }
  | { op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'ilike'; field: string; value: string }
  | { op: 'in' | 'out'; field: string; values: string[] };

export interface RqlQuery {
  filter: RqlNode[];
  order: { field: string; descending: boolean }[];
  limit?: number;
  offset: number;
  /** `select=` fields ("+audit" and "audit" both name audit). */
  select: string[];
}

export class RqlSyntaxError extends Error {}

export function parseQuery(rawSearch: string): RqlQuery {
  const query: RqlQuery = { filter: [], order: [], offset: 0, select: [] };
  for (const raw of rawSearch.replace(/^\?/, '').split('&')) {
    if (!raw) continue;
    let part: string;
    try {
      part = decodeURIComponent(raw);
    } catch {
      throw new RqlSyntaxError(`badly encoded query part "${raw}"`);
    }
    const control = /^(limit|offset|order|select)=(.*)$/.exec(part);
    if (control) {
      const [, name, text] = control as unknown as [string, string, string];
      if (name === 'limit' || name === 'offset') {
        if (!/^\d+$/.test(text)) throw new RqlSyntaxError(`${name} must be a whole number`);
        if (name === 'limit') query.limit = Number(text);
        else query.offset = Number(text);
      } else if (name === 'order') {
        query.order = text
          .split(',')
          .filter(Boolean)
          .map((f) => ({ field: f.replace(/^[+-]/, ''), descending: f.startsWith('-') }));
      }
      if (name === 'select')
        query.select = text
          .split(',')
          .filter(Boolean)
          .map((f) => f.replace(/^[+-]/, ''));
      continue;
    }
    if (/^[a-z]+\(/.test(part)) {
      const parser = new Parser(part);
      query.filter.push(parser.expression());
      parser.end();
    } else {
      // Shorthand `field=value` (= eq)
      const eqAt = part.indexOf('=');
      if (eqAt <= 0) throw new RqlSyntaxError(`cannot read "${part}"`);
      const parser = new Parser(part.slice(eqAt + 1));
      const value = parser.value();
      parser.end();
      query.filter.push({ op: 'eq', field: part.slice(0, eqAt), value });
    }
  }
  return query;
}

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  end(): void {
    if (this.at !== this.text.length) throw new RqlSyntaxError(`unexpected "${this.text.slice(this.at)}"`);
  }

  expression(): RqlNode {
    const name = this.word();
    this.expect('(');
    let node: RqlNode;
    if (name === 'and' || name === 'or') {
      const args = [this.expression()];
      while (this.peek() === ',') {
        this.at += 1;
        args.push(this.expression());
      }
      node = { op: name, args };
    } else if (name === 'not') {
      node = { op: 'not', arg: this.expression() };
    } else if (name === 'in' || name === 'out') {
      const field = this.word();
      this.expect(',');
      this.expect('(');
      const values = [this.value()];
      while (this.peek() === ',') {
        this.at += 1;
        values.push(this.value());
      }
      this.expect(')');
      node = { op: name, field, values };
    } else if (['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'ilike'].includes(name)) {
      const field = this.word();
      this.expect(',');
      node = { op: name as 'eq', field, value: this.value() };
    } else {
      throw new RqlSyntaxError(`unknown operator "${name}"`);
    }
    this.expect(')');
    return node;
  }

  /** A quoted string (literal), or bare text up to the next , ( ) or quote. */
  value(): string {
    const q = this.peek();
    if (q === '"' || q === "'") {
      const close = this.text.indexOf(q, this.at + 1);
      if (close < 0) throw new RqlSyntaxError('unterminated quoted value');
      const v = this.text.slice(this.at + 1, close);
      this.at = close + 1;
      return v;
    }
    const m = /^[^,()"']*/.exec(this.text.slice(this.at))!;
    this.at += m[0].length;
    return m[0];
  }

  private word(): string {
    const m = /^[A-Za-z_$][\w$.]*/.exec(this.text.slice(this.at));
    if (!m) throw new RqlSyntaxError(`expected a name at "${this.text.slice(this.at)}"`);
    this.at += m[0].length;
    return m[0];
  }

  private peek(): string | undefined {
    return this.text[this.at];
  }

  private expect(c: string): void {
    if (this.text[this.at] !== c) throw new RqlSyntaxError(`expected "${c}" at "${this.text.slice(this.at)}"`);
    this.at += 1;
  }
}

function read(item: unknown, path: string): unknown {
  let v: unknown = item;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

const text = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v);

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `*` any run of characters, `\*` a literal asterisk, `\\` a backslash; whole value, case-insensitive. */
function likeRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') source += '.*';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'isu');
}

export function matches(node: RqlNode, item: unknown): boolean {
  switch (node.op) {
    case 'and':
      return node.args.every((a) => matches(a, item));
    case 'or':
      return node.args.some((a) => matches(a, item));
    case 'not':
      return !matches(node.arg, item);
    case 'in':
    case 'out': {
      const v = text(read(item, node.field));
      const found = v !== undefined && node.values.includes(v);
      return node.op === 'in' ? found : !found;
    }
    case 'ilike': {
      const v = text(read(item, node.field));
      return v !== undefined && likeRegex(node.value).test(v);
    }
    default: {
      const v = text(read(item, node.field));
      if (node.op === 'eq') return v === node.value;
      if (node.op === 'ne') return v !== node.value;
      if (v === undefined) return false;
      const c = compare(v, node.value);
      return node.op === 'gt' ? c > 0 : node.op === 'ge' ? c >= 0 : node.op === 'lt' ? c < 0 : c <= 0;
    }
  }
}

/** Filter, order and page a list; `total` counts before paging ($meta.pagination.total). */
export function applyQuery<T>(items: T[], query: RqlQuery, defaultLimit = 100): { page: T[]; total: number; limit: number } {
  let result = items.filter((item) => query.filter.every((node) => matches(node, item)));
  for (const { field, descending } of [...query.order].reverse()) {
    result = [...result].sort((a, b) => {
      const c = compare(text(read(a, field)) ?? '', text(read(b, field)) ?? '');
      return descending ? -c : c;
    });
  }
  const limit = query.limit ?? defaultLimit;
  return { page: result.slice(query.offset, query.offset + limit), total: result.length, limit };
}
