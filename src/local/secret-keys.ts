// Local mode has no Key Vault: the key that seals connection secrets is made on first start
// and kept beside Azurite's data (under .data/, which git ignores), readable by this user
// only, so connections survive a restart. Production always configures SECRET_KEYS.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyText, parseKeyring, type Keyring } from '../security/secret-box.js';

export function localKeyring(file: string): Keyring {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `local:${generateKeyText()}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return parseKeyring(readFileSync(file, 'utf8').trim());
}
