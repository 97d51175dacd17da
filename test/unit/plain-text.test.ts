// User text under the bot's name: plainText must neutralise every markdown and HTML construct
// (checked by rendering with markdown-it, the CommonMark renderer the Adaptive Cards SDK uses,
// here with raw HTML allowed, the strictest case), show the characters as typed, and the card
// renderer must apply it to every string any template in cards/ shows as text.
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { CardRenderer } from '../../src/bot/cards.js';
import { md, Markdown, plainText } from '../../src/domain/plain-text.js';
import { cardSamples } from './card-samples.js';

const markdown = new MarkdownIt({ html: true, linkify: false });

/** The tags a markdown text renders to, and the text a person reads. */
function rendered(source: string): { tags: string[]; text: string } {
  const html = markdown.render(source);
  const tags = [...html.matchAll(/<\/?([a-z0-9]+)/gi)].map((m) => m[1]!.toLowerCase());
  const text = html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return { tags, text };
}

const words = (text: string) =>
  text
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const ATTACKS = [
  '[Approve here](https://evil.example/approve)',
  '![x](https://evil.example/pixel.png)',
  '<a href="https://evil.example">Approve</a>',
  '<b>URGENT</b> <script>alert(1)</script>',
  '&lt;b&gt; and &amp;',
  '**bold** __bold__ *em* _em_ ~~gone~~ `code`',
  '# Heading\n> quote\n- item\n+ item\n1. one\n2) two\n    indented code\n\n===\n---\n***',
  '<https://evil.example/autolink> [ref]: https://evil.example',
  '| a | b |\n|---|---|\n| c | d |',
  // A table whose delimiter row starts with a colon or a dash (found by the property below, seed 685264869).
  '|\n:-',
  'a | b\n-: | :-',
  'Totals\n:--',
  'Visio for Q3 \\*reports\\* (2 seats) - REQ-0123ABCD, 15.00 USD',
];

describe('plainText', () => {
  it('turns every markdown and HTML construct into the characters typed', () => {
    for (const attack of ATTACKS) {
      const { tags, text } = rendered(plainText(attack));
      expect(
        tags.filter((t) => t !== 'p' && t !== 'br'),
        attack,
      ).toEqual([]);
      expect(words(text), attack).toBe(words(attack));
    }
  });

  it('holds for any text (fast-check, markdown-heavy alphabet)', () => {
    const char = fc.constantFrom(...'[]()<>!*_`~#>-+=|&;\\/:.1 \n\tahx'.split(''), '&amp;', 'http://', '\r\n');
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 60 }).map((cs) => cs.join('')),
        (typed) => {
          const { tags, text } = rendered(plainText(typed));
          expect(tags.filter((t) => t !== 'p' && t !== 'br')).toEqual([]);
          expect(words(text)).toBe(words(typed.replace(/\r\n?/g, '\n')));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves everyday text alone', () => {
    expect(plainText('Alex Wilber (alexw@example.com) - REQ-0123ABCD, 15.00 USD per month')).toBe(
      'Alex Wilber (alexw@example.com) - REQ-0123ABCD, 15.00 USD per month',
    );
  });

  it('md escapes what it interpolates, keeps what the bot wrote, and nests', () => {
    const name = '[Q3](https://evil.example)';
    const saved = md`Budget **${name}** saved. Type ${Markdown.written('**budgets**')} to see it.`;
    const { tags, text } = rendered(saved.text);
    expect(tags.filter((t) => t === 'strong')).toHaveLength(4); // two bold runs, open and close
    expect(tags).not.toContain('a');
    expect(words(text)).toBe('Budget [Q3](https://evil.example) saved. Type budgets to see it.');
  });
});

describe('every card template shows data strings as plain text', () => {
  const renderer = new CardRenderer();
  const HOSTILE = '[Approve here](https://evil.example) **now** <b>x</b> &amp; `c`\n# h\n- i';

  /** Every string of the data replaced (empty ones stay empty: templates test for them). */
  const fill = (value: unknown, text: string): unknown =>
    typeof value === 'string'
      ? value === ''
        ? ''
        : text
      : Array.isArray(value)
        ? value.map((v) => fill(v, text))
        : value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, text)]))
          : value;

  /** Each text a card renders as markdown (TextBlock text, fact title and value), in order. */
  const shownTexts = (node: unknown, inFacts = false, found: string[] = []): string[] => {
    if (Array.isArray(node)) node.forEach((n) => shownTexts(n, inFacts, found));
    else if (node && typeof node === 'object') {
      const element = node as Record<string, unknown>;
      if (element.type === 'TextBlock' && typeof element.text === 'string') found.push(element.text);
      if (inFacts) for (const key of ['title', 'value']) if (typeof element[key] === 'string') found.push(element[key] as string);
      for (const [key, value] of Object.entries(element)) shownTexts(value, element.type === 'FactSet' && key === 'facts', found);
    }
    return found;
  };

  it('has samples for every template (a new template cannot be left out)', () => {
    expect(Object.keys(cardSamples).sort()).toEqual(renderer.names().sort());
  });

  for (const name of Object.keys(cardSamples)) {
    it(`${name}: no link, emphasis or HTML comes from data, and the data reads as typed`, () => {
      for (const sample of (cardSamples as Record<string, unknown[]>)[name]!) {
        const benign = shownTexts(renderer.renderAny(name, fill(sample, 'Sample')));
        const hostile = shownTexts(renderer.renderAny(name, fill(sample, HOSTILE)));
        expect(hostile.length).toBe(benign.length);
        hostile.forEach((text, i) => {
          // The markup of each text is the template's own, whatever the data says.
          expect(rendered(text).tags, `${name}: ${text}`).toEqual(rendered(benign[i]!).tags);
          if (benign[i]!.includes('Sample'))
            expect(words(rendered(text).text)).toContain('[Approve here](https://evil.example) **now** <b>x</b>');
        });
      }
    });
  }
});
