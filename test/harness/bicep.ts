// Reads infra/azure.bicep the way the tests need it, without a Bicep compiler (none installs
// from the registries this project reaches): parameters and their defaults, a variable's
// object or string list, and the values of the app settings' expressions. The evaluator
// knows the few Bicep forms the settings use (strings with ${} interpolation, parameters,
// variables, resource properties, string(), empty(), toLower(), a ? b : c) and throws on
// anything else, so a setting it cannot read fails the test instead of passing unseen.

export type BicepValue = string | number | boolean;

export interface BicepParam {
  name: string;
  type: string;
  /** The default as Bicep text, when there is one. */
  defaultText?: string;
}

export class BicepFile {
  constructor(readonly text: string) {}

  params(): BicepParam[] {
    return [...this.text.matchAll(/^param (\w+) (\w+)(?: = (.+))?$/gm)].map((m) => ({
      name: m[1]!,
      type: m[2]!,
      ...(m[3] !== undefined ? { defaultText: stripComment(m[3]).trim() } : {}),
    }));
  }

  /** The decorators written above a parameter, e.g. ['minValue(2)', "description('...')"]. */
  decoratorsOf(param: string): string[] {
    const lines = this.text.split('\n');
    const at = lines.findIndex((line) => line.startsWith(`param ${param} `));
    const found: string[] = [];
    for (let i = at - 1; i >= 0 && lines[i]!.startsWith('@'); i--) found.unshift(lines[i]!.slice(1));
    return found;
  }

  /** The text of `var name = ...` up to the end of its value (a balanced {...} or [...], or one line). */
  varText(name: string): string {
    const start = this.text.search(new RegExp(`^var ${name} = `, 'm'));
    if (start < 0) throw new Error(`infra/azure.bicep has no var ${name}`);
    const valueStart = start + `var ${name} = `.length;
    const opener = this.text[valueStart];
    if (opener === '{' || opener === '[') return this.text.slice(valueStart, matchingClose(this.text, valueStart) + 1);
    const lineEnd = this.text.indexOf('\n', valueStart);
    // A value that continues on the next lines (a ternary over objects): up to the next blank line.
    const next = this.text.slice(lineEnd + 1);
    if (/^\s+[?:]/.test(next)) return this.text.slice(valueStart, this.text.indexOf('\n\n', valueStart)).trim();
    return stripComment(this.text.slice(valueStart, lineEnd)).trim();
  }

  /** The entries of an object literal given as Bicep text: one `key: expression` per line. */
  static objectEntries(objectText: string): [string, string][] {
    const body = objectText.trim().replace(/^\{/, '').replace(/\}$/, '');
    const entries: [string, string][] = [];
    for (const raw of body.split('\n')) {
      const line = stripComment(raw).trim();
      if (!line) continue;
      const m = /^(\w+): (.+)$/.exec(line);
      if (!m) throw new Error(`cannot read the object entry "${line}"`);
      entries.push([m[1]!, m[2]!]);
    }
    return entries;
  }

  /** A var holding a list of string literals, one per line. */
  stringList(name: string): string[] {
    return [...this.varText(name).matchAll(/^\s*'([^']*)'/gm)].map((m) => m[1]!);
  }

  /** The quoted value of `key: '...'` wherever it first appears (e.g. linuxFxVersion). */
  property(key: string): string | undefined {
    return new RegExp(`^\\s*${key}: '([^']*)'`, 'm').exec(this.text)?.[1];
  }
}

export interface EvaluationContext {
  /** Parameter values (defaults from the file are used for the others). */
  params: Record<string, BicepValue>;
  /** Values of resource properties, e.g. { 'identity.properties.clientId': '...' }. */
  resources: Record<string, string>;
  file: BicepFile;
}

/** The value of a Bicep expression, or an error naming what it cannot read. */
export function evaluate(expression: string, context: EvaluationContext): BicepValue {
  const parser = new Parser(tokenize(expression.trim()), context);
  const value = parser.ternary();
  parser.end();
  return value;
}

// --- the evaluator ------------------------------------------------------------------------

type Token =
  { kind: 'string'; raw: string } | { kind: 'name'; text: string } | { kind: 'number'; value: number } | { kind: 'punct'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      const end = stringEnd(text, i);
      tokens.push({ kind: 'string', raw: text.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*/.exec(text.slice(i))!;
      tokens.push({ kind: 'name', text: m[0] });
      i += m[0].length;
    } else if (/\d/.test(c)) {
      const m = /^\d+/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if ('()?:,'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw new Error(`cannot read "${text}" (at "${text.slice(i)}")`);
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly context: EvaluationContext,
  ) {}

  end(): void {
    if (this.at !== this.tokens.length) throw new Error(`unexpected ${JSON.stringify(this.tokens[this.at])}`);
  }

  ternary(): BicepValue {
    const condition = this.primary();
    if (!this.take('?')) return condition;
    const whenTrue = this.ternary();
    this.expect(':');
    const whenFalse = this.ternary();
    return condition === true ? whenTrue : condition === false ? whenFalse : fail(`a condition that is not a bool: ${condition}`);
  }

  private primary(): BicepValue {
    const token = this.tokens[this.at++];
    if (!token) throw new Error('unexpected end of expression');
    if (token.kind === 'string') return interpolate(token.raw, this.context);
    if (token.kind === 'number') return token.value;
    if (token.kind === 'punct') {
      if (token.text !== '(') throw new Error(`unexpected "${token.text}"`);
      const inner = this.ternary();
      this.expect(')');
      return inner;
    }
    if (this.take('(')) {
      const args: BicepValue[] = [];
      if (!this.take(')')) {
        do args.push(this.ternary());
        while (this.take(','));
        this.expect(')');
      }
      return call(token.text, args);
    }
    return this.reference(token.text);
  }

  private reference(name: string): BicepValue {
    if (name === 'true' || name === 'false') return name === 'true';
    const { params, resources, file } = this.context;
    if (name in params) return params[name]!;
    if (name in resources) return resources[name]!;
    const param = file.params().find((p) => p.name === name);
    if (param) {
      if (param.defaultText === undefined) throw new Error(`parameter ${name} has no default: give it a value`);
      return evaluate(param.defaultText, this.context);
    }
    if (new RegExp(`^var ${name} = `, 'm').test(file.text)) return evaluate(file.varText(name), this.context);
    throw new Error(`no value for ${name}: add it to the test's resource values`);
  }

  private take(punct: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind === 'punct' && token.text === punct) {
      this.at++;
      return true;
    }
    return false;
  }

  private expect(punct: string): void {
    if (!this.take(punct)) throw new Error(`expected "${punct}"`);
  }
}

function call(name: string, args: BicepValue[]): BicepValue {
  const [first] = args;
  if (name === 'string' && args.length === 1) return String(first);
  if (name === 'empty' && args.length === 1) return first === '';
  if (name === 'toLower' && typeof first === 'string') return first.toLowerCase();
  throw new Error(`the test cannot evaluate ${name}(): teach test/harness/bicep.ts`);
}

function interpolate(raw: string, context: EvaluationContext): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    if (raw.startsWith('${', i)) {
      const close = matchingClose(raw, i + 1);
      out += String(evaluate(raw.slice(i + 2, close), context));
      i = close + 1;
    } else if (raw.startsWith("\\'", i)) {
      out += "'";
      i += 2;
    } else {
      out += raw[i++];
    }
  }
  return out;
}

/** Index of the `}` or `]` closing the bracket at `open`, skipping strings. */
function matchingClose(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") i = stringEnd(text, i);
    else if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) - 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') if (--depth === 0) return i;
  }
  throw new Error(`no closing bracket for the one at ${open}`);
}

/** Index of the quote closing the string that opens at `open` (interpolations may hold no quotes). */
function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === "'") return i;
  }
  throw new Error(`unterminated string at ${open}`);
}

function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "'" && line[i - 1] !== '\\') inString = !inString;
    if (!inString && line[i] === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

function fail(message: string): never {
  throw new Error(message);
}
