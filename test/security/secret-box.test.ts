// Secrets at rest: AES-256-GCM round trip, key rotation, tamper and context checks, and a
// keyring parser whose errors never repeat key material.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateKeyText, Keyring, KeyringError, parseKeyring, SecretBox, SecretBoxError } from '../../src/security/secret-box.js';

const key = () => randomBytes(32);
const context = ['tenant-1', 'partner-center', 'refreshToken'];
const SECRET = 'refresh-token-0.AVYA-very-secret-value';

function failureOf(call: () => unknown): SecretBoxError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return error as SecretBoxError;
  }
  throw new Error('expected the call to throw');
}

/** Flips one bit of one base64url part of a sealed secret (part 2 = iv, 3 = tag, 4 = data). */
function flipBit(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  const box = new SecretBox(new Keyring([{ id: 'k1', key: key() }], 'k1'));

  it('round-trips a secret, including unicode and the empty string', () => {
    for (const plaintext of [SECRET, 'päss wörd ✓ 🔑', '']) {
      expect(box.open(box.seal(plaintext, context), context)).toBe(plaintext);
    }
  });

  it('writes v1.<keyId>.<iv>.<tag>.<data> without the plaintext in it', () => {
    const sealed = box.seal(SECRET, context);
    const [version, keyId, iv, tag, data, ...rest] = sealed.split('.');
    expect(rest).toEqual([]);
    expect([version, keyId]).toEqual(['v1', 'k1']);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(data!, 'base64url')).toHaveLength(Buffer.byteLength(SECRET));
    expect(sealed).not.toContain(SECRET);
    expect(Buffer.from(data!, 'base64url').toString('utf8')).not.toContain('secret');
  });

  it('uses a fresh IV each time, so equal secrets do not look equal', () => {
    expect(box.seal(SECRET, context)).not.toBe(box.seal(SECRET, context));
  });

  it('detects tampering with the IV, the tag or the data', () => {
    const sealed = box.seal(SECRET, context);
    for (const part of [2, 3, 4]) {
      const failure = failureOf(() => box.open(flipBit(sealed, part), context));
      expect(failure.reason).toBe('not-authentic');
    }
  });

  it('refuses a truncated tag instead of checking fewer bits', () => {
    const parts = box.seal(SECRET, context).split('.');
    parts[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, 4).toString('base64url');
    expect(failureOf(() => box.open(parts.join('.'), context)).reason).toBe('malformed');
  });

  it('does not open a secret under another context (copied to another row or field)', () => {
    const sealed = box.seal(SECRET, context);
    for (const other of [
      ['tenant-2', 'partner-center', 'refreshToken'],
      ['tenant-1', 'aws-1', 'refreshToken'],
      ['tenant-1', 'partner-center'],
      ['tenant-1|partner-center', 'refreshToken'],
    ]) {
      expect(failureOf(() => box.open(sealed, other)).reason).toBe('not-authentic');
    }
  });

  it('requires a context', () => {
    expect(() => box.seal(SECRET, [])).toThrow(TypeError);
    expect(() => box.open(box.seal(SECRET, context), [])).toThrow(TypeError);
  });

  it('refuses a secret sealed with a key id it does not hold, naming only the id', () => {
    const other = new SecretBox(new Keyring([{ id: 'k9', key: key() }], 'k9'));
    const failure = failureOf(() => box.open(other.seal(SECRET, context), context));
    expect(failure.reason).toBe('unknown-key');
    expect(failure.message).toContain('k9');
  });

  it('does not open with a different key that has the same id', () => {
    const impostor = new SecretBox(new Keyring([{ id: 'k1', key: key() }], 'k1'));
    expect(failureOf(() => box.open(impostor.seal(SECRET, context), context)).reason).toBe('not-authentic');
  });

  it('rejects text that is not a sealed secret', () => {
    for (const text of [
      '',
      SECRET,
      'v2.k1.a.b.c',
      'v1.k1.a.b',
      'v1.k1.a.b.c.d',
      'v1.k.1.!!.b.c',
      'v1.bad id.AAAA.AAAA.AAAA',
      'v1.k1.a+b.c.d',
    ]) {
      expect(failureOf(() => box.open(text, context)).reason).toBe('malformed');
    }
  });

  it('never puts the plaintext or the key in an error message', () => {
    const keyBytes = key();
    const keyed = new SecretBox(new Keyring([{ id: 'k1', key: keyBytes }], 'k1'));
    const sealed = keyed.seal(SECRET, context);
    const messages = [flipBit(sealed, 4), sealed.replace('v1.', 'v2.')].map(
      (text) => failureOf(() => keyed.open(text, ['elsewhere'])).message,
    );
    messages.push(failureOf(() => keyed.open(sealed, ['elsewhere'])).message);
    for (const message of messages) {
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain(keyBytes.toString('base64'));
      expect(message).not.toContain(keyBytes.toString('base64url'));
      expect(message).not.toContain(sealed.split('.')[4]);
    }
  });
});

describe('key rotation', () => {
  const oldKey = key();
  const newKey = key();
  const before = new SecretBox(new Keyring([{ id: 'old', key: oldKey }], 'old'));
  const after = new SecretBox(
    new Keyring(
      [
        { id: 'old', key: oldKey },
        { id: 'new', key: newKey },
      ],
      'new',
    ),
  );
  const retired = new SecretBox(new Keyring([{ id: 'new', key: newKey }], 'new'));

  it('opens secrets sealed before a new current key was added', () => {
    const sealedBefore = before.seal(SECRET, context);
    expect(after.open(sealedBefore, context)).toBe(SECRET);
    expect(after.needsReseal(sealedBefore)).toBe(true);
  });

  it('seals new secrets with the current key only', () => {
    const sealed = after.seal(SECRET, context);
    expect(sealed.split('.')[1]).toBe('new');
    expect(after.needsReseal(sealed)).toBe(false);
    expect(failureOf(() => before.open(sealed, context)).reason).toBe('unknown-key');
  });

  it('reseal moves a secret to the current key, so the old key can be retired', () => {
    const sealedBefore = before.seal(SECRET, context);
    expect(failureOf(() => retired.open(sealedBefore, context)).reason).toBe('unknown-key');
    const moved = after.reseal(sealedBefore, context);
    expect(moved.split('.')[1]).toBe('new');
    expect(retired.open(moved, context)).toBe(SECRET);
  });

  it('reseal keeps the context binding', () => {
    const sealedBefore = before.seal(SECRET, context);
    expect(failureOf(() => after.reseal(sealedBefore, ['tenant-2'])).reason).toBe('not-authentic');
    expect(failureOf(() => after.open(after.reseal(sealedBefore, context), ['tenant-2'])).reason).toBe('not-authentic');
  });
});

describe('parseKeyring', () => {
  const a = key();
  const b = key();

  it('reads keyId:base64 pairs and the current key id', () => {
    const keyring = parseKeyring(` a:${a.toString('base64')} , b:${b.toString('base64url')} `, 'b');
    expect(keyring.keyIds).toEqual(['a', 'b']);
    expect(keyring.currentKeyId).toBe('b');
    expect(keyring.keyFor('a')).toEqual(a);
    expect(keyring.keyFor('b')).toEqual(b);
    expect(keyring.keyFor('c')).toBeUndefined();
  });

  it('takes the only key as current when none is named', () => {
    expect(parseKeyring(`only:${a.toString('base64')}`).currentKeyId).toBe('only');
  });

  it('works end to end with a generated key', () => {
    const box = new SecretBox(parseKeyring(`gen:${generateKeyText()}`));
    expect(box.open(box.seal(SECRET, context), context)).toBe(SECRET);
  });

  const bad: Array<[string, string, string | undefined, RegExp]> = [
    ['empty text', ' , ', undefined, /SECRET_KEYS is empty/],
    ['a bare key without an id', a.toString('base64'), undefined, /entry 1 is not keyId:base64Key/],
    ['an id with a dot', `k.1:${a.toString('base64')}`, undefined, /entry 1: key id must be/],
    ['a key that is not base64', `k1:not base64!`, undefined, /entry 1 \("k1"\): the key is not base64/],
    ['a 16-byte key', `k1:${randomBytes(16).toString('base64')}`, undefined, /"k1" is 16 bytes; AES-256 needs 32/],
    ['a duplicate id', `k1:${a.toString('base64')},k1:${b.toString('base64')}`, 'k1', /"k1" appears more than once/],
    ['two keys and no current id', `k1:${a.toString('base64')},k2:${b.toString('base64')}`, undefined, /SECRET_KEY_CURRENT must name/],
    ['a current id that is not configured', `k1:${a.toString('base64')}`, 'k2', /"k2" is not among the configured keys/],
  ];
  it.each(bad)('refuses %s with a one-line error', (_name, text, current, message) => {
    let error: unknown;
    try {
      parseKeyring(text, current);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KeyringError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never repeats key material in its errors, even when a key is pasted as the current id', () => {
    const pasted = a.toString('base64');
    const errors: string[] = [];
    for (const [text, current] of [
      [pasted, undefined],
      [`k1:${pasted.slice(0, 20)}`, undefined],
      [`k1:${b.toString('base64')}`, pasted],
    ] as const) {
      try {
        parseKeyring(text, current);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    expect(errors).toHaveLength(3);
    for (const message of errors) {
      expect(message).not.toContain(pasted.slice(0, 8));
      expect(message).not.toContain(b.toString('base64').slice(0, 8));
    }
  });

  it('does not show key bytes when logged or serialised', () => {
    const keyring = parseKeyring(`a:${a.toString('base64')}`);
    const shown = [inspect(keyring), JSON.stringify(keyring), String(keyring), inspect(new SecretBox(keyring), { depth: 5 })];
    for (const text of shown) {
      expect(text).not.toContain(a.toString('base64').slice(0, 8));
      expect(text).not.toContain(a.toString('hex').slice(0, 8));
    }
    expect(JSON.stringify(keyring)).toBe('{"currentKeyId":"a","keyIds":["a"]}');
  });
});
