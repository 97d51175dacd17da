// Encryption at rest for connection secrets (refresh tokens, AWS keys): AES-256-GCM with a
// fresh 96-bit IV per secret. The sealed text names the key that sealed it, so keys can
// rotate: the current key seals, every key in the keyring opens. The caller's context
// (tenant, connection, field) is authenticated as associated data, so a ciphertext
// copied into another row or field does not open there.
//
// Sealed format (every part base64url): v1.<keyId>.<iv>.<tag>.<data>
//
// Errors never contain plaintext, key material or the sealed text itself.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Key ids appear in the sealed text, so they may not contain its separators. */
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*)$/;

/** The keyring configuration is wrong; the message is one line and names no key material. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}

export type OpenFailure = 'malformed' | 'unknown-key' | 'not-authentic';

/** A sealed secret could not be opened. `reason` says why; the message never holds secrets. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
  constructor(
    readonly reason: OpenFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Key ids and bytes. Key bytes live in a private field and never print or serialise. */
export class Keyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: ReadonlyArray<{ id: string; key: Uint8Array }>, currentKeyId: string) {
    const byId = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID_PATTERN.test(id)) throw new KeyringError('A secret key id must be 1-32 letters, digits, - or _');
      if (key.length !== KEY_BYTES) throw new KeyringError(`Secret key "${id}" is ${key.length} bytes; AES-256 needs ${KEY_BYTES}`);
      if (byId.has(id)) throw new KeyringError(`Secret key id "${id}" appears more than once`);
      byId.set(id, Buffer.from(key));
    }
    if (byId.size === 0) throw new KeyringError('No secret keys are configured');
    if (!byId.has(currentKeyId))
      throw new KeyringError(`The current secret key id ${JSON.stringify(printableId(currentKeyId))} is not among the configured keys`);
    this.#keys = byId;
    this.currentKeyId = currentKeyId;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Key bytes for sealing/opening; undefined for an id the keyring does not hold. */
  keyFor(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  toJSON(): { currentKeyId: string; keyIds: string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Keyring { current: ${this.currentKeyId}, keys: [${this.keyIds.join(', ')}] }`;
  }
}

/**
 * Parses `keyId:base64Key,keyId:base64Key,...` (the SECRET_KEYS setting; each key is 32
 * random bytes, base64 or base64url). `currentKeyId` (SECRET_KEY_CURRENT) picks the key
 * that seals; it may be left out when there is exactly one key.
 */
export function parseKeyring(keysText: string, currentKeyId?: string): Keyring {
  const entries = keysText
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new KeyringError('SECRET_KEYS is empty; expected keyId:base64Key,...');
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    // The entry may be a bare key pasted by mistake: never echo it.
    if (colon <= 0) throw new KeyringError(`SECRET_KEYS entry ${index + 1} is not keyId:base64Key`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) throw new KeyringError(`SECRET_KEYS entry ${index + 1}: key id must be 1-32 letters, digits, - or _`);
    if (!encoded || !BASE64_PATTERN.test(encoded))
      throw new KeyringError(`SECRET_KEYS entry ${index + 1} ("${id}"): the key is not base64`);
    return { id, key: Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64') };
  });
  const current = currentKeyId?.trim() || (keys.length === 1 ? keys[0]!.id : undefined);
  if (!current) throw new KeyringError('SECRET_KEY_CURRENT must name the key that encrypts when SECRET_KEYS holds more than one key');
  return new Keyring(keys, current);
}

/** A new random key in the format parseKeyring reads (for setup scripts and local mode). */
export function generateKeyText(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * What a secret is for, e.g. [tenantId, connectionId, 'refreshToken']. Authenticated, not
 * stored: opening needs the same context that sealing used.
 */
export type SecretContext = readonly string[];

export class SecretBox {
  constructor(private readonly keyring: Keyring) {}

  seal(plaintext: string, context: SecretContext): string {
    const keyId = this.keyring.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keyring.keyFor(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(keyId, context));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  open(sealed: string, context: SecretContext): string {
    const { keyId, iv, tag, data } = parseSealed(sealed);
    const key = this.keyring.keyFor(keyId);
    if (!key) throw new SecretBoxError('unknown-key', `Secret was sealed with key id "${keyId}", which is not in the keyring`);
    const aad = associatedData(keyId, context);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('not-authentic', 'Secret failed authentication: it was altered, or sealed for another purpose');
    }
  }

  /** True when the secret was sealed with an older key and should be resealed. */
  needsReseal(sealed: string): boolean {
    return parseSealed(sealed).keyId !== this.keyring.currentKeyId;
  }

  /** Opens with whichever key sealed it and seals again with the current key. */
  reseal(sealed: string, context: SecretContext): string {
    return this.seal(this.open(sealed, context), context);
  }
}

function associatedData(keyId: string, context: SecretContext): Buffer {
  // Without a context any row's secret would open in any other row.
  if (context.length === 0) throw new TypeError('A secret needs a context, e.g. [tenantId, connectionId, field]');
  // JSON keeps the parts apart: ['a|b', 'c'] and ['a', 'b|c'] must not collide.
  return Buffer.from(JSON.stringify([VERSION, keyId, ...context]), 'utf8');
}

function parseSealed(sealed: string): { keyId: string; iv: Buffer; tag: Buffer; data: Buffer } {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  const [version, keyId, iv, tag, data] = parts;
  if (parts.length !== 5 || version !== VERSION) throw new SecretBoxError('malformed', 'Sealed secret is not in the v1 format');
  if (!KEY_ID_PATTERN.test(keyId!) || ![iv, tag, data].every((part) => BASE64URL_PATTERN.test(part!))) {
    throw new SecretBoxError('malformed', 'Sealed secret is not in the v1 format');
  }
  const ivBytes = Buffer.from(iv!, 'base64url');
  const tagBytes = Buffer.from(tag!, 'base64url');
  // A short tag would weaken authentication: accept exactly the lengths we write.
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
    throw new SecretBoxError('malformed', 'Sealed secret has a wrong IV or tag length');
  return { keyId: keyId!, iv: ivBytes, tag: tagBytes, data: Buffer.from(data!, 'base64url') };
}

/** An invalid "id" may be a key pasted in the wrong place: print valid ids only. */
function printableId(id: string): string {
  return KEY_ID_PATTERN.test(id) ? id : '(not a valid key id)';
}
