// What arrives at /api/messages is not always a well-formed Teams activity, and storage
// is not always up. None of it may crash the bot, leak a stack trace, or write state.
import { gzipSync } from 'node:zlib';
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

/** POSTs raw bytes with exactly these headers (fetch adds Content-Length, or chunks a stream). */
async function postRaw(harness: BotHarness, body: Uint8Array | string | ReadableStream, headers: Record<string, string>) {
  const response = await fetch(`${harness.qm.url}/api/messages`, {
    method: 'POST',
    headers,
    body,
    ...(body instanceof ReadableStream && { duplex: 'half' }),
  } as RequestInit);
  return { status: response.status, text: await response.text() };
}

/** Bodies Teams never sends are refused before anything parses them, with and without authentication. */
function refusesBodiesTeamsNeverSends(harness: () => BotHarness) {
  it('refuses a Content-Encoding (415) without inflating it: not gzip at all, or a gzip bomb', async () => {
    const activity = JSON.stringify(harness().personalChat(ALEX).activity({ type: 'message', text: 'help' }));
    // Not gzip at all: restify's reader used to feed it to a Gunzip with no error listener (the process died).
    const notGzip = await postRaw(harness(), activity, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(notGzip.status).toBe(415);
    // 61 KB that inflates to 63 MB: the size limit used to count the compressed bytes.
    const bomb = gzipSync(Buffer.from(`{"type":"message","text":"${' '.repeat(63 * 1024 * 1024)}"}`), { level: 9 });
    expect(bomb.length).toBeLessThan(100 * 1024);
    for (const encoding of ['gzip', 'GZIP', 'deflate', 'br', 'x-gzip', 'gzip, identity', 'compress']) {
      const result = await postRaw(harness(), bomb, { 'content-type': 'application/json', 'content-encoding': encoding });
      expect(result.status, encoding).toBe(415);
      expect(result.text).not.toMatch(/at \w+ \(|node_modules/);
    }
    expect(harness().connector.sent).toHaveLength(0);
    expect((await harness().get('/healthz')).status).toBe(200);
  });

  it('refuses what is not JSON (415) and bodies over 1 MB (413), declared or streamed', async () => {
    const activity = JSON.stringify(harness().personalChat(ALEX).activity({ type: 'message', text: 'help' }));
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '',
    ])
      expect((await postRaw(harness(), activity, type ? { 'content-type': type } : {})).status, type).toBe(415);
    expect((await postRaw(harness(), activity, { 'content-type': 'application/json; charset=utf-16' })).status).toBe(415);
    const big = `{"type":"message","text":"${'a'.repeat(2 * 1024 * 1024)}"}`;
    expect((await postRaw(harness(), big, { 'content-type': 'application/json' })).status).toBe(413);
    const chunks = Array.from({ length: 40 }, () => new TextEncoder().encode('a'.repeat(64 * 1024)));
    const stream = new ReadableStream({
      pull(controller) {
        const chunk = chunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    expect((await postRaw(harness(), stream, { 'content-type': 'application/json' })).status).toBe(413);
    expect(harness().connector.sent).toHaveLength(0);
    expect((await harness().get('/healthz')).status).toBe(200);
  });
}

describe('malformed requests', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await BotHarness.start();
  });
  afterAll(async () => {
    await harness.stop();
  });

  refusesBodiesTeamsNeverSends(() => harness);

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
      bot: {
        appId: '9b1c1f43-4b0e-4c3c-9d7e-2d7f0b2c6a11',
        appPassword: 'not-a-real-password',
        appType: 'SingleTenant',
        tenantId: TENANT,
        // Nothing listens on port 9: the signing keys cannot be fetched (as when offline), and no check leaves loopback.
        openIdMetadataUrl: 'http://127.0.0.1:9/.well-known/openidconfiguration',
      },
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

  it('answers 503 without internals when the signing keys cannot be fetched', async () => {
    const activity = harness.personalChat(ALEX).activity({ type: 'message', text: 'help' });
    const now = Math.floor(Date.now() / 1000);
    const token = [
      { alg: 'RS256', typ: 'JWT', kid: 'key-1' },
      {
        iss: 'https://api.botframework.com',
        aud: '9b1c1f43-4b0e-4c3c-9d7e-2d7f0b2c6a11',
        serviceurl: activity.serviceUrl,
        nbf: now - 60,
        exp: now + 600,
      },
    ]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.');
    const result = await harness.post(activity, { authorization: `Bearer ${token}.c2ln` });
    expect(result.status).toBe(503); // before: 500 with "request to http://127.0.0.1:9/... ECONNREFUSED"
    expect(JSON.stringify(result.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|fetch|openid|\bat \w+/i);
    expect(harness.connector.sent).toHaveLength(0);
  });

  refusesBodiesTeamsNeverSends(() => harness);
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

  it('tells the user to try again in a minute, and is not ready; help still answers', async () => {
    expect(cardText((await harness.personalChat(ALEX).say('help'))[0])).toContain('What I can do for you');
    const [reply] = await harness.personalChat(ALEX).say('my requests');
    expect(cardText(reply)).toContain("I can't reach my storage right now, please try again in a minute.");
    expect(cardText(reply)).toMatch(/Reference: [0-9a-f]{8}/);
    expect((await harness.get('/readyz')).status).toBe(503);
    expect((await harness.get('/healthz')).status).toBe(200);
  });

  it('answers a card click with an error invoke response', async () => {
    const result = await harness.personalChat(ALEX).click('refreshRequest', { requestId: 'REQ-0123456789ABCDEF' });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ statusCode: 500, type: 'application/vnd.microsoft.error', value: { code: 'StorageUnavailable' } });
  });
});
