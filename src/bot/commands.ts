// How typed text selects a command: one or more words, in any case, with or without a
// leading slash, then the command's argument.
import type { TurnContext } from 'botbuilder';

/** "help", "/help", "Help me" → "help": the first word, lower-cased, without a leading slash. */
export function commandWord(text: string | undefined): string {
  return normalized(text).split(' ')[0] ?? '';
}

/** Lower case, single spaces, no leading slash: "  /My   Requests" → "my requests". */
export function normalized(text: string | undefined): string {
  return (text ?? '').trim().replace(/^\//, '').replace(/\s+/g, ' ').toLowerCase();
}

/** What follows a command: "request 2 visio" → "2 visio". */
export function commandArgument(text: string | undefined, name: string): string {
  const words = (text ?? '').trim().replace(/^\//, '').split(/\s+/);
  return words.slice(name.split(' ').length).join(' ');
}

/** Route selector for a command typed in a message (one or more words, then arguments). */
export function matchesCommand(name: string) {
  return async (context: TurnContext): Promise<boolean> => {
    if (context.activity.type !== 'message') return false;
    const text = normalized(context.activity.text);
    return text === name || text.startsWith(`${name} `);
  };
}

/** Whether one text could select both commands ("budget" and "budget add" could; "budgets" and "budget add" cannot). */
export function namesOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b} `) || b.startsWith(`${a} `);
}
