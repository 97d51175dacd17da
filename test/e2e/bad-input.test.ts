// What arrives at /api/messages is not always a well-formed Teams activity, and storage
// is not always up. None of it may crash the bot, leak a stack trace, or write state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azuriteConnectionString } from '../../src/storage/table-store.js';
import { ALEX, BotHarness, cardText, TENANT } from '../harness/bot-harness.js';

const unsignedJwt = (claims: Record<string, unknown>) =>
  [{ alg: 'RS256', typ: 'JWT' }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.c2ln';

async function rowsIn(harness: BotHarness, table: 'Conversations'): Promise<number> {
  let count = 0;
  for await (const _ of (await harness.qm.store.table(table)).listEntities()) count++;
  return count;
}

describe('malformed requests', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await BotHarness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('answers 400 to malformed JSON and to bodies that are not activities', async () => {
    for (const body of [
      '{"type": "message", ',
      '[]',
      '"hello"',
      '{}',
      JSON.stringify({ type: 'message', text: 'help' }),
      JSON.stringify({ ...harness.personalChat(ALEX).activity({ type: 'message' }), from: 'alex' }),
    ]) {
      const result = await harness.post(body);
      expect(result.status, body).toBe(400);
      expect(JSON.stringify(result.body)).not.toMatch(/at \w+ \(/); // no stack trace
    }
    expect(harness.connector.sent).toHaveLength(0);
    expect((await harness.get('/healthz')).status).toBe(200);
    expect(cardText((await harness.personalChat(ALEX).say('help'))[0])).toContain('What I can do for you');
  });

  it('ignores an activity without a tenant id and writes no state', async () => {
    const chat = harness.personalChat(ALEX);
    const before = await rowsIn(harness, 'Conversations');
    const activity = chat.activity({
      type: 'message',
      text: 'help',
      channelData: {},
      conversation: { id: 'a:no-tenant', conversationType: 'personal' },
    });
    const { response, sent } = await chat.send(activity);
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(0);
    expect(harness.connector.sent.filter((s) => s.conversationId === 'a:no-tenant')).toHaveLength(0);
    expect(await rowsIn(harness, 'Conversations')).toBe(before);
  });

  it('answers an invoke it does not support with 501 Not Implemented, not a crash', async () => {
    const chat = harness.personalChat(ALEX);
    const { response } = await chat.send(chat.activity({ type: 'invoke', name: 'composeExtension/query', value: {} }));
    expect(response.status).toBe(501);
  });
});

describe('authentication', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await BotHarness.start({
      bot: { appId: '9b1c1f43-4b0e-4c3c-9d7e-2d7f0b2c6a11', appPassword: 'not-a-real-password', appType: 'SingleTenant', tenantId: TENANT },
    });
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('rejects a request without a Bot Framework token with 401 and does not process it', async () => {
    const activity = harness.personalChat(ALEX).activity({ type: 'message', text: 'help' });
    expect((await harness.post(activity)).status).toBe(401);
    expect((await harness.post(activity, { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
    const foreign = unsignedJwt({
      iss: 'https://attacker.example',
      aud: '9b1c1f43-4b0e-4c3c-9d7e-2d7f0b2c6a11',
      serviceurl: activity.serviceUrl,
    });
    expect((await harness.post(activity, { authorization: `Bearer ${foreign}` })).status).toBe(401);
    expect(harness.connector.sent).toHaveLength(0);
    expect(await rowsIn(harness, 'Conversations')).toBe(0);
  });
});

describe('storage down', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    harness = await BotHarness.start({
      storage: { kind: 'connection-string', connectionString: azuriteConnectionString('127.0.0.1', 9, 9) },
    });
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('tells the user to try again in a minute, and is not ready', async () => {
    const [reply] = await harness.personalChat(ALEX).say('help');
    expect(cardText(reply)).toContain("I can't reach my storage right now, please try again in a minute.");
    expect(cardText(reply)).toMatch(/Reference: [0-9a-f]{8}/);
    expect((await harness.get('/readyz')).status).toBe(503);
    expect((await harness.get('/healthz')).status).toBe(200);
  });

  it('answers a card click with an error invoke response', async () => {
    const result = await harness.personalChat(ALEX).click('showHelp');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ statusCode: 500, type: 'application/vnd.microsoft.error', value: { code: 'StorageUnavailable' } });
  });
});
