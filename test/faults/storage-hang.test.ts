// Storage that hangs instead of refusing: Azurite is paused (SIGSTOP), so connections are
// accepted and nothing answers. Every turn must still answer inside Teams' 15 s budget: `help`
// as usual (it needs no storage; the conversation reference is kept and stored later), the rest
// with the "can't reach my storage" card or an error invoke response. After SIGCONT
// everything works again and the reference taken during the pause is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGE_DOWN_MESSAGE } from '../../src/bot/error-boundary.js';
import { ChildProcesses } from '../../src/local/child-processes.js';
import { startAzurite } from '../../src/local/azurite.js';
import { createLogger } from '../../src/logger.js';
import { DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { ConversationReferences } from '../../src/storage/conversation-references.js';
import { BotHarness, cardText, DEMO, invokeErrorMessage, type TestUser } from '../harness/bot-harness.js';
import { freePort } from '../harness/ports.js';

/** Teams gives a turn 15 s; a reply later than this counts as none. */
const TURN_BUDGET_MS = 14_000;

let azurite: ChildProcesses;
let pids: number[] = [];
let harness: BotHarness;
let paused = false;

const pause = (signal: 'SIGSTOP' | 'SIGCONT') => {
  for (const pid of pids) process.kill(pid, signal);
  paused = signal === 'SIGSTOP';
};

beforeAll(async () => {
  azurite = new ChildProcesses(createLogger('silent'));
  const started = await startAzurite(azurite, { tablePort: await freePort(), queuePort: await freePort() });
  pids = started.pids;
  harness = await BotHarness.start({ storage: { kind: 'connection-string', connectionString: started.connectionString } });
  await harness.personalChat(DEMO.alex).install();
}, 90_000);

afterAll(async () => {
  if (paused) pause('SIGCONT');
  await harness?.stop();
  await azurite?.stopAll(15_000);
}, 60_000);

/** Posts an activity and gives up at the turn budget (the fetch aborts: the test fails). */
async function within(user: TestUser, activity: Record<string, unknown>): Promise<{ status: number; body: any; sent: any[] }> {
  const before = harness.connector.sent.length;
  const response = await fetch(`${harness.qm.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
    signal: AbortSignal.timeout(TURN_BUDGET_MS),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    sent: harness.connector.sent
      .slice(before)
      .filter((s) => s.conversationId === `a:personal-${user.id}` && s.activity.type !== 'typing')
      .map((s) => s.activity),
  };
}

describe('storage that hangs', () => {
  it('answers every turn within the budget: help as usual, the rest with "try again"', async () => {
    pause('SIGSTOP');
    const alex = harness.personalChat(DEMO.alex);
    const help = await within(DEMO.alex, alex.activity({ type: 'message', text: 'help' }));
    expect(cardText(help.sent[0])).toContain('What I can do for you');

    const mine = await within(DEMO.alex, alex.activity({ type: 'message', text: 'my requests' }));
    expect(cardText(mine.sent[0])).toContain(STORAGE_DOWN_MESSAGE);

    const click = await within(
      DEMO.alex,
      alex.activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: 'card-1',
        value: { action: { type: 'Action.Execute', verb: 'refreshRequest', data: { requestId: 'REQ-0123456789ABCDEF' } } },
      }),
    );
    expect(click.status).toBe(200);
    expect(click.body).toMatchObject({ statusCode: 500, value: { code: 'StorageUnavailable' } });
    expect(invokeErrorMessage(click.body)).toContain(STORAGE_DOWN_MESSAGE);

    // Someone new says hello during the pause: the answer comes, the reference waits.
    const megan = harness.personalChat(DEMO.megan);
    expect(cardText((await within(DEMO.megan, megan.activity({ type: 'message', text: 'help' }))).sent[0])).toContain('What I can do');

    pause('SIGCONT');
    // The reference taken during the pause is stored once storage answers again (read from the
    // table, not through this instance, which holds it meanwhile).
    const table = new ConversationReferences(harness.qm.store);
    await harness.until(
      async () => (await table.personalChatOf(DEMO_TENANT_ID, DEMO.megan.aadObjectId))?.conversationId,
      "Megan's conversation reference to be stored",
      30_000,
    );
    const afterwards = await within(DEMO.alex, alex.activity({ type: 'message', text: 'my requests' }));
    expect(cardText(afterwards.sent[0])).toContain('Your requests');
  }, 90_000);
});
