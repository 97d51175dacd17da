// The optional language model's side of understanding: which intents it may choose, how its
// entities are checked, how its choice becomes an Understanding, and that the prompt's actions
// (language/prompts/understand/actions.json) are exactly those intents with those entities.
// The Azure OpenAI address is exercised over https against the loopback emulator.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestAdapter, TurnContext } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLanguageModel } from '../../src/bot/language-model.js';
import { loadLanguageData } from '../../src/language/corpus.js';
import { INTENTS } from '../../src/language/intents.js';
import { checkModelChoice, MODEL_INTENTS, ModelEntities, understandingFromChoice } from '../../src/language/model-choice.js';
import { ProductMatcher } from '../../src/language/product-matcher.js';
import type { Understanding } from '../../src/language/understand.js';
import { createLogger } from '../../src/logger.js';
import { languageDir } from '../../src/paths.js';
import { OpenAiEmulator } from '../harness/openai-emulator.js';

const data = loadLanguageData(languageDir);
const catalog = [
  { offerId: 'visio-1', name: 'Visio Plan 1', skuPartNumber: 'VISIO_PLAN1_DEPT' },
  { offerId: 'visio-2', name: 'Visio Plan 2', skuPartNumber: 'VISIOCLIENT' },
  { offerId: 'pbi', name: 'Power BI Pro', skuPartNumber: 'POWER_BI_PRO' },
];
const matcher = new ProductMatcher(catalog, data.products);
const unsure = (text: string): Understanding => ({ text, language: 'en', score: 0.4, ranked: [], product: { kind: 'none' }, people: [] });

describe('what a language model may choose', () => {
  it('every intent but the commands that act at once, without a card to confirm', () => {
    expect(INTENTS.filter((intent) => !MODEL_INTENTS.includes(intent)).sort()).toEqual(
      ['alerts-here', 'set-approvals-channel', 'set-reclaim-days', 'sync-now'].sort(),
    );
  });

  it('is what the prompt offers: one action per allowed intent, with only the entities the bot reads', () => {
    const actions = JSON.parse(readFileSync(join(languageDir, 'prompts/understand/actions.json'), 'utf8')) as {
      name: string;
      parameters: { type: string; properties: Record<string, unknown>; additionalProperties: boolean };
    }[];
    expect(actions.map((a) => a.name).sort()).toEqual([...MODEL_INTENTS].sort());
    for (const action of actions) {
      expect(action.parameters, action.name).toMatchObject({ type: 'object', additionalProperties: false });
      for (const name of Object.keys(action.parameters.properties)) expect(Object.keys(ModelEntities.shape), action.name).toContain(name);
    }
  });

  it('refuses other actions and entities of other shapes; takes null as left out', () => {
    expect(checkModelChoice('approveRequest', { requestId: 'R1' })).toMatchObject({ ok: false });
    expect(checkModelChoice('sync-now', {})).toMatchObject({ ok: false });
    expect(checkModelChoice('request', { product: 'visio', quantity: 0 })).toMatchObject({ ok: false });
    expect(checkModelChoice('request', { product: 'visio', quantity: 2.5 })).toMatchObject({ ok: false });
    expect(checkModelChoice('request', { product: 'visio', approved: true })).toMatchObject({ ok: false });
    expect(checkModelChoice('spend', { provider: 'gcp' })).toMatchObject({ ok: false });
    expect(checkModelChoice('request', { product: 'x'.repeat(101) })).toMatchObject({ ok: false });
    expect(checkModelChoice('spend', { provider: 'azure', period: null })).toEqual({
      ok: true,
      intent: 'spend',
      entities: { provider: 'azure' },
    });
    expect(checkModelChoice('help', undefined)).toEqual({ ok: true, intent: 'help', entities: {} });
  });
});

describe('a model’s choice as an understanding', () => {
  it('matches its product words in the catalog like typed words, never a silent pick among equals', () => {
    const one = understandingFromChoice(
      unsure('my laptop is crying out for pbi'),
      { intent: 'request', entities: { product: 'PBI', quantity: 2 } },
      matcher,
    );
    expect(one).toMatchObject({ intent: 'request', quantity: 2, product: { kind: 'one', product: { name: 'Power BI Pro' } } });
    const several = understandingFromChoice(
      unsure('visio please, pretty please'),
      { intent: 'request', entities: { product: 'visio' } },
      matcher,
    );
    expect(several.product).toMatchObject({ kind: 'several' });
  });

  it('keeps the offline reading where the model found nothing', () => {
    const base: Understanding = { ...unsure('azure spend?'), provider: 'azure', quantity: 3 };
    expect(understandingFromChoice(base, { intent: 'spend', entities: {} }, matcher)).toMatchObject({
      intent: 'spend',
      provider: 'azure',
      quantity: 3,
    });
  });

  it('takes a colleague only when the message names them', () => {
    const text = 'visio plan 2 for Megan Bowen or meganb@example.com';
    const name = understandingFromChoice(unsure(text), { intent: 'request', entities: { person: 'megan bowen' } }, matcher);
    expect(name.people).toEqual([{ name: 'megan bowen' }]);
    const email = understandingFromChoice(unsure(text), { intent: 'request', entities: { person: 'meganb@example.com' } }, matcher);
    expect(email.people).toEqual([{ email: 'meganb@example.com' }]);
    const invented = understandingFromChoice(unsure(text), { intent: 'request', entities: { person: 'attacker@example.com' } }, matcher);
    expect(invented.people).toEqual([]);
  });
});

describe('Azure OpenAI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qm-model-tls-'));
  let emulator: OpenAiEmulator;
  let cert: string;

  beforeAll(async () => {
    // A throwaway certificate for the loopback address (Azure OpenAI clients only talk https).
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    emulator = await new OpenAiEmulator({
      apiKey: 'azure-key-0123',
      model: 'qm-deployment',
      tls: { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert },
    }).start();
  });
  afterAll(async () => {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls the deployment with the api-version and the api-key header, and reads its tool call', async () => {
    const model = createLanguageModel({
      config: {
        api: 'azure-openai',
        endpoint: emulator.origin,
        deployment: 'qm-deployment',
        apiVersion: '2024-10-21',
        apiKey: 'azure-key-0123',
        timeoutMs: 2000,
      },
      promptsDir: join(languageDir, 'prompts'),
      log: createLogger('silent'),
      httpAgent: new Agent({ ca: cert }),
    });
    const text = 'my laptop is crying out for visio plan 2';
    emulator.script(text, { toolCall: { name: 'request', arguments: { product: 'visio plan 2', quantity: 1 } } });
    const context = new TurnContext(new TestAdapter(), {
      type: 'message',
      text,
      conversation: { id: 'c1', tenantId: 't1', isGroup: false, conversationType: 'personal', name: '' },
      from: { id: 'u1', name: 'Someone' },
      recipient: { id: 'bot', name: 'Quartermaster' },
      channelId: 'msteams',
    });
    expect(await model.read(context, text)).toEqual({
      kind: 'chosen',
      intent: 'request',
      entities: { product: 'visio plan 2', quantity: 1 },
    });
    expect(emulator.requests).toHaveLength(1);
    expect(emulator.requests[0]).toMatchObject({ path: '/openai/deployments/qm-deployment/chat/completions', auth: 'api-key' });
    expect(emulator.answers[0]!.status).toBe(200);
  });
});
