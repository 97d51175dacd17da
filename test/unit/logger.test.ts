import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

describe('logs', () => {
  it('are JSON and never print secrets, even when a whole config is logged', () => {
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(chunk.toString()), done()) }));
    const config = loadConfig({
      AZURE_STORAGE_CONNECTION_STRING: 'AccountName=a;AccountKey=topsecretkey',
      BOT_ID: 'app',
      BOT_TENANT_ID: 't',
      BOT_PASSWORD: 'hunter2-password',
      LANGUAGE_MODEL_ENDPOINT: 'https://qm.openai.azure.com',
      LANGUAGE_MODEL_DEPLOYMENT: 'gpt-4o-mini',
      LANGUAGE_MODEL_API_KEY: 'model-key-0123456789',
    });
    log.info({ config }, 'starting');
    log.info({ req: { headers: { authorization: 'Bearer eyJhbGciOi.secret' } } }, 'request');
    const output = lines.join('');
    expect(output).not.toMatch(/topsecretkey|hunter2|eyJhbGciOi|model-key-0123456789/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'starting', config: { bot: { appPassword: '[redacted]' } } });
  });
});
