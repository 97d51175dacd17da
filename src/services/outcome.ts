// The one shape of a use case's answer to a person: done (with what happened), or refused
// with a reason and a message in words for that person. The reason is what the Teams surface
// maps to its reply (a click refused as forbidden answers 403, any other refusal 400, an
// outside service down 500); the message is what the person reads.
export type Refusal = 'forbidden' | 'invalid' | 'not-found' | 'conflict' | 'unavailable';

export interface Refused {
  ok: false;
  reason: Refusal;
  message: string;
  /** Refused input: what is wrong with each field, by the field's name, for a form to show beside it. */
  fields?: Record<string, string>;
}

export interface Done<T> {
  ok: true;
  value: T;
  message: string;
}

export type Outcome<T = undefined> = Done<T> | Refused;

export function done<T>(value: T, message = ''): Done<T> {
  return { ok: true, value, message };
}

/** `fields`: what is wrong with each input, by its name, for the form to show beside it. */
export function refused(reason: Refusal, message: string, fields?: Record<string, string>): Refused {
  return { ok: false, reason, message, ...(fields && { fields }) };
}
