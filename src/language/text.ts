// Turning a chat message into words: the one tokenizer the entity finder, the product matcher
// and the training corpus share, so that "Visio", "visio," and "VISIO" are the same word
// everywhere. Pure and linear in the length of the text.

/** Longer input than this is not a chat request: cut it so understanding stays cheap. */
export const MAX_TEXT = 500;

export interface Word {
  /** As typed, punctuation trimmed ("Megan", "PBI"). */
  raw: string;
  /** Lower case, accents removed ("megan", "pbi", "cafe" for "café"). */
  norm: string;
}

const EMAIL = /[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/gi;
const MENTION = /<at>([^<]{1,100})<\/at>/gi;

export interface CleanText {
  /** Mentions and e-mail addresses replaced by a space, markup removed. */
  text: string;
  /** Names of people mentioned (Teams writes `<at>Megan Bowen</at>`). */
  mentions: string[];
  emails: string[];
}

/** Removes markup, a command slash and smart quotes; takes mentions and e-mail addresses out. */
export function cleanText(input: string): CleanText {
  const mentions: string[] = [];
  const emails: string[] = [];
  const text = input
    .slice(0, MAX_TEXT)
    .replace(MENTION, (_, name: string) => {
      mentions.push(name.trim());
      return ' ';
    })
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/[’‘`]/g, "'")
    .replace(EMAIL, (email) => {
      if (!emails.some((known) => known.toLowerCase() === email.toLowerCase())) emails.push(email);
      return ' ';
    })
    .replace(/^\s*\//, '');
  return { text, mentions, emails };
}

/** Lower case without accents: "Café" → "cafe"; German ß stays (it is a letter, not an accent). */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** Words of a text: split on anything but letters, digits and inner apostrophes ("I'd" stays one word). */
export function words(text: string): Word[] {
  const result: Word[] = [];
  for (const piece of text.split(/[^\p{L}\p{N}'×]+/u)) {
    const raw = piece.replace(/^'+|'+$/g, '');
    if (raw) result.push({ raw, norm: fold(raw) });
  }
  return result;
}

/** Folded words of a name or phrase, for indexes and vocabularies. */
export function terms(text: string): string[] {
  return words(text.replace(/[_:]/g, ' ')).map((word) => word.norm);
}
