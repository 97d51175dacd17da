// Property-based fuzzing of /api/messages with fast-check: malformed activities and card
// invokes (every verb the bot registers, with random data) from admins, approvers and
// strangers, and the HTTP around them (encodings, content types, lengths, chunking, duplicate
// headers, compressed and oversized bodies) written byte by byte on a socket. Whatever
// arrives, the bot answers without crashing, without a 5xx or a stack trace, stays healthy and
// its memory stays bounded. `npm test` runs FUZZ_RUNS (default 300) cases of each; the long
// variant is `FUZZ_RUNS=20000 npx vitest run test/e2e/fuzz.test.ts`.
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTIONS } from '../../src/sandbox/index.js';
import { ALEX, BotHarness, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Verbs no handler takes, besides every verb the bot registers (read from its registry). */
const UNKNOWN_VERBS = ['noSuchVerb', '', '__proto__'];

/** Values that have broken parsers before: wrong types, huge, odd Unicode, prototype keys, template syntax. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    '10001',
    '${title}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    'REQ-00000000',
    'REQ-ZZZZ',
    '\u0000',
    '\u202e',
    'a'.repeat(5000),
  ),
  fc.constantFrom(
    DEMO_SUBSCRIPTIONS.visioPlan2,
    DEMO_SUBSCRIPTIONS.powerBiPro,
    'add-seats',
    'remove-seats',
    'cancel',
    'suspend',
    'reduce-at-renewal',
    'CFQ7TTC0LHWP:0001',
    'SPE_E3',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

const cardData = fc.dictionary(
  fc.constantFrom(
    'requestId',
    'stageIndex',
    'comment',
    'subscriptionId',
    'action',
    'seats',
    'addSeats',
    'removeSeats',
    'renewalSeats',
    'alternativeSeats',
    'quantity',
    'version',
    'confirmationId',
    'reason',
    'page',
    'filter',
    'productOfferId',
    'forWhom',
    'justification',
    'userId',
    'skuId',
    'product',
    'intent',
    'productSku',
    'license_CFQ7TTC0LHWP_0001',
    'licenseText_CFQ7TTC0LHWP_0001',
    '__proto__',
    'constructor',
  ),
  nasty,
  { maxKeys: 8 },
);

const people: TestUser[] = [ALEX, DEMO.alex, DEMO.megan, DEMO.isaiah];

/** A Teams-like activity, then bent: missing or wrong fields, random types and values. */
const activityFor = (harness: BotHarness) =>
  fc
    .record({
      person: fc.constantFrom(...people),
      kind: fc.constantFrom('message', 'invoke', 'conversationUpdate', 'messageReaction', 'typing', 'garbage'),
      text: fc.oneof(
        nasty,
        fc.constantFrom(
          'help',
          'subscriptions',
          'subscriptions visio',
          'request visio',
          'I need 2 Power BI Pro licenses',
          'audit',
          'reclaim',
          'set reclaim days 0',
          'set reclaim days 400',
          'approvals',
          'my requests',
          'policies',
          'status',
          'whoami',
          'can I get excel?',
          'cancel my visio request',
          'who approves my requests?',
          'how much do we spend on azure',
          'I need Slack',
          'hi',
        ),
      ),
      verb: fc.constantFrom(...harness.qm.surface.verbs(), ...UNKNOWN_VERBS),
      data: fc.oneof(cardData, nasty),
      invokeName: fc.constantFrom('adaptiveCard/action', 'adaptiveCard/action', 'composeExtension/query', 'task/fetch', '', 'nonsense'),
      drop: fc.subarray(['from', 'conversation', 'channelData', 'recipient', 'serviceUrl', 'id', 'value'] as const, { maxLength: 2 }),
      override: fc.dictionary(
        fc.constantFrom('from', 'conversation', 'channelData', 'value', 'text', 'replyToId', 'membersAdded', 'type'),
        nasty,
        { maxKeys: 2 },
      ),
    })
    .map(({ person, kind, text, verb, data, invokeName, drop, override }) => {
      const chat = harness.personalChat(person);
      const base: Record<string, unknown> =
        kind === 'invoke'
          ? chat.activity({
              type: 'invoke',
              name: invokeName,
              replyToId: 'card-1',
              value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
            })
          : kind === 'conversationUpdate'
            ? chat.activity({ type: 'conversationUpdate', membersAdded: [{ id: 'someone' }] })
            : chat.activity({ type: kind, text });
      for (const field of drop) delete base[field];
      return { ...base, ...override };
    });

describe('fuzzing /api/messages', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await BotHarness.start();
    for (const person of people) await harness.personalChat(person).install();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it(`answers ${RUNS} malformed activities and card invokes without a crash, a 5xx or internals`, async () => {
    // The verbs come from the bot's own registry: every feature's buttons are in the mix.
    expect(harness.qm.surface.verbs()).toEqual(expect.arrayContaining(['approveRequest', 'confirmSubscriptionChange', 'saveBudget']));
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(activityFor(harness), async (activity) => {
        const result = await harness.post(activity);
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        // 501 is the deliberate answer to an invoke the bot does not support (task/fetch...).
        expect(result.status === 501 || result.status < 500, `${result.status} for ${JSON.stringify(activity).slice(0, 500)}`).toBe(true);
        const body = JSON.stringify(result.body ?? '');
        expect(body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/src\/|TypeError|ReferenceError/);
      }),
      { numRuns: RUNS },
    );
    // Nothing the bot sent carries internals either (error cards show a reference, not a stack).
    for (const { activity } of harness.connector.sent)
      expect(JSON.stringify(activity)).not.toMatch(/\bat [\w.<>]+ \(|node_modules|TypeError/);
    expect((await harness.get('/healthz')).status).toBe(200);
    expect((await harness.get('/readyz')).status).toBe(200);
    expect(cardText((await harness.personalChat(ALEX).say('help'))[0])).toContain('What I can do for you');
    // The mix reached the handlers: answered turns, refused invokes and refused requests.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  }, 1_800_000);
});

/** A full garbage collection, so that heap figures say what is still held. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const heapHeld = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

/** One raw HTTP exchange on its own socket: the status (undefined: the server closed without one) and the body. */
function rawExchange(port: number, head: string, body: Buffer): Promise<{ status?: number; text: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const finish = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      // After any "100 Continue", the final answer.
      const final = text.replace(/^(HTTP\/1\.1 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(final)?.[1];
      resolve({ ...(status && { status: Number(status) }), text: final.slice(final.indexOf('\r\n\r\n') + 4) });
    };
    // A request whose declared length is longer than what is sent waits for the rest: give up on it.
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(head);
      socket.end(body);
    });
  });
}

/** 60 KB of gzip that inflates to 60 MB of JSON (an activity's text): what maxBodySize used to let through. */
const BOMB = gzipSync(Buffer.from(`{"type":"message","text":"${' '.repeat(60 * 1024 * 1024)}"}`), { level: 9 });

const chunked = (body: Buffer, size: number) => {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const part = body.subarray(i, i + size);
    parts.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
  }
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
};

/** A request as bytes: headers (any order, duplicates, odd values) around a body of any kind. */
const requestFor = (harness: BotHarness) =>
  fc
    .record({
      // Half of them framed as Teams frames an activity, so that the bodies reach the bot too.
      asTeamsSends: fc.boolean(),
      activity: activityFor(harness),
      bodyKind: fc.constantFrom('activity', 'activity', 'gzip', 'bomb', 'bytes', 'truncated', 'large', 'empty', 'deep'),
      bytes: fc.uint8Array({ maxLength: 200 }),
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'Application/JSON; charset="UTF-8"',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'application/vnd.api+json',
        '',
        undefined,
      ),
      duplicateContentType: fc.boolean(),
      encoding: fc.constantFrom(undefined, undefined, 'gzip', 'GZIP', 'deflate', 'br', 'identity', 'gzip, gzip', 'x-gzip', '', 'compress'),
      length: fc.constantFrom(
        'exact',
        'exact',
        'missing',
        'shorter',
        'longer',
        'negative',
        'huge',
        'words',
        'twice-different',
        'chunked',
        'chunked+length',
      ),
      chunkSize: fc.integer({ min: 1, max: 4096 }),
      extra: fc.array(
        fc.constantFrom(
          ['Expect', '100-continue'],
          ['Connection', 'close'],
          ['Authorization', 'Bearer not-a-jwt'],
          ['Content-MD5', 'AAAAAAAAAAAAAAAAAAAAAA=='],
          ['Transfer-Encoding', 'gzip, chunked'],
          ['X-Forwarded-For', '10.0.0.1'],
        ),
        { maxLength: 2 },
      ),
    })
    .map((drawn) => {
      const { activity, bytes, chunkSize, extra } = drawn;
      const { bodyKind, contentType, duplicateContentType, encoding, length } = drawn.asTeamsSends
        ? {
            ...drawn,
            bodyKind: 'activity',
            contentType: 'application/json; charset=utf-8',
            duplicateContentType: false,
            encoding: undefined,
          }
        : drawn;
      const json = Buffer.from(JSON.stringify(activity));
      const body =
        bodyKind === 'gzip'
          ? gzipSync(json)
          : bodyKind === 'bomb'
            ? BOMB
            : bodyKind === 'bytes'
              ? Buffer.from(bytes)
              : bodyKind === 'truncated'
                ? json.subarray(0, Math.floor(json.length / 2))
                : bodyKind === 'large'
                  ? Buffer.from(`{"type":"message","text":"${'a'.repeat(1_100_000)}"}`)
                  : bodyKind === 'empty'
                    ? Buffer.alloc(0)
                    : bodyKind === 'deep'
                      ? Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)
                      : json;
      const headers: [string, string][] = [['Host', '127.0.0.1']];
      if (contentType !== undefined) headers.push(['Content-Type', contentType]);
      if (duplicateContentType) headers.push(['Content-Type', 'text/plain']);
      if (encoding !== undefined) headers.push(['Content-Encoding', encoding]);
      let wire = body;
      if (length === 'exact') headers.push(['Content-Length', String(body.length)]);
      if (length === 'shorter') headers.push(['Content-Length', String(Math.max(0, body.length - 3))]);
      if (length === 'longer') headers.push(['Content-Length', String(body.length + 10)]);
      if (length === 'negative') headers.push(['Content-Length', '-1']);
      if (length === 'huge') headers.push(['Content-Length', '99999999999']);
      if (length === 'words') headers.push(['Content-Length', 'ten']);
      if (length === 'twice-different') headers.push(['Content-Length', String(body.length)], ['Content-Length', '1']);
      if (length === 'chunked' || length === 'chunked+length') {
        headers.push(['Transfer-Encoding', 'chunked']);
        if (length === 'chunked+length') headers.push(['Content-Length', String(body.length)]);
        wire = chunked(body, chunkSize);
      }
      headers.push(...(extra as [string, string][]));
      const head = `POST /api/messages HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
      return { head, body: wire, describe: `${bodyKind} ${headers.map(([k, v]) => `${k}: ${v.slice(0, 40)}`).join(' | ')}` };
    });

describe('fuzzing /api/messages over headers and bodies', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await BotHarness.start();
    // Replies are not kept: the memory measured is the bot's, not thousands of recorded cards.
    harness.connector.record = false;
    for (const person of people) await harness.personalChat(person).install();
  });
  afterAll(async () => {
    await harness.stop();
  });

  it(`answers ${RUNS} requests with any headers and bodies: no crash, no 5xx, no internals, memory bounded`, async () => {
    const heapBefore = heapHeld();
    const statuses = new Map<number | 'none', number>();
    await fc.assert(
      fc.asyncProperty(requestFor(harness), async ({ head, body, describe: what }) => {
        const { status, text } = await rawExchange(harness.qm.port, head, body);
        statuses.set(status ?? 'none', (statuses.get(status ?? 'none') ?? 0) + 1);
        if (status === undefined) return; // the framing itself was broken (a longer length than sent): no answer owed
        expect(status === 501 || status < 500, `${status} for ${what}: ${text.slice(0, 300)}`).toBe(true);
        expect(text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/src\/|TypeError|ReferenceError|Z_DATA_ERROR|incorrect header/);
      }),
      { numRuns: RUNS },
    );
    // Alive and well: the process answers, storage is reachable, a person gets help.
    expect((await harness.get('/healthz')).status).toBe(200);
    expect((await harness.get('/readyz')).status).toBe(200);
    harness.connector.record = true;
    expect(cardText((await harness.personalChat(ALEX).say('help'))[0])).toContain('What I can do for you');
    // Nothing accumulates: what the process holds after all of it (caches are bounded) stays close to where it started.
    const grown = heapHeld() - heapBefore;
    expect(grown, `the heap held ${Math.round(grown / 1e6)} MB more`).toBeLessThan(100 * 1024 * 1024);
    // The mix reached every kind of answer: refused (415, 413, 400) and processed (2xx).
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([415, 400]));
    expect([...statuses.keys()].some((s) => typeof s === 'number' && s >= 200 && s < 300)).toBe(true);
  }, 1_800_000);
});
