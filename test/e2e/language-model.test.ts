// The optional language model (issue 21 item 5), through the loopback connector, against a
// loopback OpenAI-compatible emulator. A message the offline model is unsure about goes to the
// model; the intent it chooses is answered by that intent's own handler (same cards, same role
// checks); an action outside the allowed set, text, an error or a hung model all end in the
// fallback card; and without the settings nothing is ever sent.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { MODEL_INTENTS } from '../../src/language/model-choice.js';
import { DEMO_OFFERS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, cardOf, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { OpenAiEmulator } from '../harness/openai-emulator.js';
import { openAiContract, openAiToolContract } from '../contracts/openai.js';

const MODEL = 'qm-test-model';
const API_KEY = 'sk-test-0123456789abcdef';
/** Messages the offline model is unsure about (the last describe shows the fallback card for each without a model). */
const UNSURE = {
  visio: 'my laptop is crying out for visio plan 2',
  spend: "what's the damage on azure lately",
  weather: 'tell me about the weather',
};

let emulator: OpenAiEmulator;
let withModel: BotHarness;
let withoutModel: BotHarness;
/** What the bot with the model logged, one JSON line each. */
const logLines: Record<string, any>[] = [];

const say = async (harness: BotHarness, user: TestUser, text: string) =>
  (await harness.personalChat(user).say(text)).filter((activity) => activity.type === 'message');
const selectedProduct = (card: Record<string, any> | undefined) => card?.body.find((e: any) => e.id === 'productOfferId')?.value;
const isFallbackCard = (reply: Record<string, any> | undefined, text: string) =>
  cardText(reply).includes(`Sorry, I didn't understand "${text}".`);

beforeAll(async () => {
  emulator = await new OpenAiEmulator({ apiKey: API_KEY, model: MODEL }).start();
  const log = createLogger(
    'info',
    new Writable({ write: (chunk, _encoding, done) => (logLines.push(JSON.parse(chunk.toString()) as Record<string, any>), done()) }),
  );
  withModel = await BotHarness.start(
    { languageModel: { api: 'openai', endpoint: `${emulator.origin}/v1`, model: MODEL, apiKey: API_KEY, timeoutMs: 500 } },
    { log },
  );
  withoutModel = await BotHarness.start({}, { sandbox: withModel.sandbox });
  for (const user of [DEMO.isaiah, DEMO.alex]) await withModel.personalChat(user).install();
  await withoutModel.personalChat(DEMO.isaiah).install();
});
afterAll(async () => {
  await withoutModel?.stop();
  await withModel?.stop();
  await emulator?.stop();
});

describe('with a language model configured', () => {
  it('reads an unsure message with the model and answers with the chosen intent’s own card', async () => {
    emulator.script(UNSURE.visio, { toolCall: { name: 'request', arguments: { product: 'visio plan 2' } } });
    const before = emulator.requests.length;
    const [reply] = await say(withModel, DEMO.isaiah, UNSURE.visio);
    expect(selectedProduct(cardOf(reply))).toBe(DEMO_OFFERS.visioPlan2.offerId);

    // What left the bot: the fixed instructions, the allowed actions, and the message text. Nothing else.
    const sent = emulator.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: '/v1/chat/completions', auth: 'bearer', body: { model: MODEL, tool_choice: 'auto' } });
    const messages = sent[0]!.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[1]!.content).toBe(UNSURE.visio);
    expect((sent[0]!.body.tools as { function: { name: string } }[]).map((t) => t.function.name).sort()).toEqual([...MODEL_INTENTS].sort());
    for (const tool of sent[0]!.body.tools as unknown[]) expect(openAiToolContract(tool).errors).toEqual([]);
    const body = JSON.stringify(sent[0]!.body);
    for (const private_ of [DEMO.isaiah.name, DEMO.isaiah.aadObjectId, DEMO_TENANT_ID, 'Visio Plan 2'])
      expect(body).not.toContain(private_);
  });

  it('keeps the role checks of the handler the model leads to', async () => {
    emulator.script(UNSURE.spend, { toolCall: { name: 'spend', arguments: { provider: 'azure', period: null } } });
    const [admin] = await say(withModel, DEMO.alex, UNSURE.spend);
    expect(cardText(admin)).toContain('Cloud spend, Azure');
    const [requester] = await say(withModel, DEMO.isaiah, UNSURE.spend);
    expect(requester?.text).toBe('Cloud spend is for admins. Ask Alex Wilber or Patti Fernandez.');
  });

  it('refuses an action outside the allowed set, or with entities it may not give, and shows the fallback card', async () => {
    const refused = [
      { name: 'approveRequest', arguments: { requestId: 'REQ-1', decision: 'approve' } },
      { name: 'sync-now', arguments: {} }, // an intent, but one that acts at once: never from a guess
      { name: 'request', arguments: { product: 'visio', quantity: -3 } },
      { name: 'request', arguments: { product: 'visio', approve: true } },
      { name: 'request', arguments: '{"product": "visio"' }, // not JSON
    ];
    // Messages the offline model reads as out of scope, so they reach the model.
    for (const [i, toolCall] of refused.entries()) {
      const text = `model refusal ${['alpha', 'bravo', 'charlie', 'delta', 'echo'][i]}`;
      emulator.script(text, { toolCall });
      const before = emulator.requests.length;
      const replies = await say(withModel, DEMO.alex, text);
      expect(emulator.requests.length, 'the model was asked').toBe(before + 1);
      expect(replies, JSON.stringify(toolCall)).toHaveLength(1);
      expect(isFallbackCard(replies[0], text), `${JSON.stringify(toolCall)} → ${JSON.stringify(replies[0]).slice(0, 400)}`).toBe(true);
    }
  });

  it('never shows text the model writes: the fallback card answers', async () => {
    const text = 'tell me a joke';
    emulator.script(text, { text: '**Sure!** Here is what you said: tell me a joke' });
    const before = emulator.requests.length;
    const replies = await say(withModel, DEMO.isaiah, text);
    expect(replies).toHaveLength(1);
    expect(isFallbackCard(replies[0], text)).toBe(true);
    expect(emulator.requests.length, 'the model was asked').toBe(before + 1);
    expect(JSON.stringify(replies)).not.toContain('Sure!');
  });

  it('answers with the fallback card when the model fails, refuses the key, or does not answer in time', async () => {
    const cases = [
      { text: 'model failure one', answer: { status: 500, code: 'server_error', message: 'The server had an error.' } as const },
      { text: 'model failure two', answer: { status: 429, code: 'rate_limit_exceeded', message: 'Rate limit reached.' } as const },
      { text: 'model failure three', answer: { hang: true } as const },
      { text: 'model failure foxtrot', answer: { status: 401, code: 'invalid_api_key', message: 'Incorrect API key provided.' } as const },
    ];
    const logged = logLines.length;
    for (const { text, answer } of cases) {
      emulator.script(text, answer);
      const before = emulator.requests.length;
      const replies = await say(withModel, DEMO.isaiah, text);
      expect(emulator.requests.length, 'the model was asked').toBe(before + 1);
      expect(replies, text).toHaveLength(1);
      expect(isFallbackCard(replies[0], text), text).toBe(true);
    }
    // A log line for each, without the person's words or the key.
    const lines = logLines.slice(logged).filter((line) => line.component === 'language-model');
    expect(lines.map((line) => line.msg)).toEqual(cases.map(() => 'language model failed; fallback card'));
    for (const line of lines) expect(JSON.stringify(line)).not.toMatch(/model failure|sk-test/);
  });

  it('leaves messages the offline model is sure about to it', async () => {
    const before = emulator.requests.length;
    const [reply] = await say(withModel, DEMO.isaiah, 'I need Visio Plan 2');
    expect(selectedProduct(cardOf(reply))).toBe(DEMO_OFFERS.visioPlan2.offerId);
    await say(withModel, DEMO.isaiah, 'help');
    expect(emulator.requests.length).toBe(before);
  });

  it('answers as the OpenAI API documents it (every emulator answer checked against the contract)', () => {
    expect(emulator.answers.length).toBeGreaterThan(5);
    for (const answer of emulator.answers) {
      const verdict = openAiContract(answer.status, answer.body);
      expect(verdict.errors, JSON.stringify(answer.body)).toEqual([]);
    }
  });
});

describe('without a language model', () => {
  it('sends nothing anywhere, and the offline fallback card answers', async () => {
    const before = emulator.requests.length;
    for (const text of Object.values(UNSURE)) {
      const [reply] = await say(withoutModel, DEMO.isaiah, text);
      expect(isFallbackCard(reply, text), text).toBe(true);
    }
    expect(emulator.requests.length).toBe(before);
  });
});
