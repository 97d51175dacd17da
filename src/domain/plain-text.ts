// Text people typed (a justification, a reject comment, a budget name, anything echoed back)
// is shown under the bot's name exactly as typed, never as markdown or HTML: a requester must
// not be able to put "[Approve here](https://…)" or <b>URGENT</b> into an approver's card.
// Teams renders a subset of markdown (CommonMark) in card TextBlocks, facts and messages, so
// this escapes what would start a construct there with CommonMark's backslash escapes, which
// every markdown renderer shows as the plain character: link and emphasis brackets, code,
// HTML tags and entities, and what makes a line a heading, list, quote or code block.
//
// `plainText` is the one function that does it. The card renderer applies it to every string
// a card binds into text (src/bot/cards.ts), and `md` applies it to what is interpolated into
// bot-written markdown, so code never has to remember it.

/** Characters that start or end an inline construct anywhere in a line. */
const INLINE = /[\\`*_[\]<>&~|]/g;
/**
 * What makes a line something else (after any indent): a heading "# ", a quote ">", a list
 * item "- ", "+ ", "1. ", "1) ", or an underline or rule "===", "---". "-5 seats" or "14.00"
 * are text, and stay as they are.
 */
const LINE_START = /^(?:#{1,6}(?=\s|$)|>|[-+](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|[=-]+\s*$)/;
/**
 * A table's delimiter row (":-", "-:", ":--|--:"; its pipes already escaped): under any line, it
 * makes the two a table. Escaping its first character is enough, since a delimiter row must
 * start with a pipe, a colon or a dash.
 */
const TABLE_DELIMITER = /^[:-][-:\s\\|]*$/;

export function plainText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      // Indentation would make a code block: keep its look with no-break spaces.
      const indent = /^[ \t]*/.exec(line)![0];
      let rest = line.slice(indent.length).replace(INLINE, (c) => `\\${c}`);
      const start = LINE_START.exec(rest);
      if (start) rest = /^\d/.test(start[0]) ? `${start[0]}\\${rest.slice(start[0].length)}` : `\\${rest}`;
      else if (TABLE_DELIMITER.test(rest) && rest.includes('-')) rest = `\\${rest}`;
      return '\u00a0'.repeat(indent.replace(/\t/g, '    ').length) + rest;
    })
    .join('\n');
}

/** Markdown the bot wrote: shown as markdown. Made by `md`, which escapes what it interpolates. */
export class Markdown {
  private constructor(readonly text: string) {}

  /** For markdown that has no user text in it at all (a constant); anything else goes through `md`. */
  static written(text: string): Markdown {
    return new Markdown(text);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Bot-written markdown with values in it: md`Budget **${name}** saved.`. Each value is shown
 * as plain text (escaped with plainText) unless it is itself Markdown.
 */
export function md(strings: TemplateStringsArray, ...values: unknown[]): Markdown {
  let text = strings[0]!;
  values.forEach((value, i) => {
    text += (value instanceof Markdown ? value.text : plainText(String(value))) + strings[i + 1]!;
  });
  return Markdown.written(text);
}
