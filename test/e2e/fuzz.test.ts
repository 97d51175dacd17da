// Property-based fuzzing of /api/messages with fast-check: malformed activities and card
// invokes (every verb the bot registers, with random data) from admins, approvers and
// strangers. Whatever arrives, the bot answers without crashing, without a 5xx or a
// stack trace, and stays healthy. `npm test` runs FUZZ_RUNS (default 300) cases; the long
// variant is `FUZZ_RUNS=10000 npx vitest run test/e2e/fuzz.test.ts`.
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
  }, 600_000);
});
