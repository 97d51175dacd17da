// The one card-action wrapper, on a real teams-ai Application: who is acting, the declared
// role, the card data's schema, and each reply turned into what Teams expects.
import { ActivityTypes, INVOKE_RESPONSE_KEY, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import { Application } from '@microsoft/teams-ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Person, Role } from '../../src/domain/roles.js';
import type { DeclaredCommand } from '../../src/bot/commands.js';
import { card, refuse, Surface, text } from '../../src/bot/surface.js';
import { QuartermasterTurnState } from '../../src/bot/turn-state.js';

const TENANT = 'tenant-1';
const ADMIN = 'admin-1';

function bot() {
  const seen: unknown[] = [];
  const declared: DeclaredCommand[] = [
    { name: 'status', usage: 'status', description: 'Uptime', roles: ['admin'], scopes: ['personal'] },
    { name: 'whoami', usage: 'whoami', description: 'You', roles: ['requester'], scopes: ['personal'] },
  ];
  const rolesOf = async (person: Person): Promise<Role[]> => (person.aadObjectId === ADMIN ? ['requester', 'admin'] : ['requester']);
  const surface = new Surface(rolesOf, declared)
    .command({ name: 'status', run: async ({ actor }) => text(`hello ${actor.name}`) })
    .command({ name: 'whoami', anonymous: true, run: async ({ actor }) => text(actor ? actor.aadObjectId : 'nobody') })
    .action({
      verb: 'save',
      roles: ['admin'],
      refusal: 'Only admins can save.',
      schema: z.object({ n: z.coerce.number().int() }),
      badData: 'A whole number, please.',
      run: async ({ data }) => {
        seen.push(data);
        return data.n === 0 ? refuse('conflict', 'Changed meanwhile.') : card({ type: 'AdaptiveCard', version: '1.5', body: [] });
      },
    })
    .action({ verb: 'unitCard', roles: ['unit-admin', 'admin'], run: async () => text('your unit') })
    .action({ verb: 'down', run: async () => refuse('unavailable', 'Partner Center is not answering.') })
    .action({ verb: 'note', run: async () => text('Shown below.') });
  const adapter = new TestAdapter();
  // No adapter of its own: the test adapter only carries the turn, teams-ai never sends proactively here.
  const app = new Application<QuartermasterTurnState>({ turnStateFactory: () => new QuartermasterTurnState() });
  surface.mount(app);
  return { adapter, app, seen };
}

/** Runs one activity; returns what the bot sent (messages and invoke responses). */
async function send(activity: Partial<Activity>, from: { id: string; aadObjectId?: string; name?: string }) {
  const { adapter, app, seen } = bot();
  const sent: Partial<Activity>[] = [];
  await adapter.processActivity(
    {
      channelId: 'msteams',
      conversation: { id: 'c-1', tenantId: TENANT } as Activity['conversation'],
      channelData: { tenant: { id: TENANT } },
      recipient: { id: 'bot', name: 'bot' },
      from: from as Activity['from'],
      ...activity,
    },
    async (context: TurnContext) => {
      context.onSendActivities(async (_ctx, activities, next) => {
        sent.push(...activities);
        // What Bot Framework's adapters do (TestAdapter does not): teams-ai then sends no answer of its own.
        for (const a of activities) if (a.type === ActivityTypes.InvokeResponse) context.turnState.set(INVOKE_RESPONSE_KEY, a);
        return next();
      });
      await app.run(context);
    },
  );
  return { sent, seen };
}

const admin = { id: '29:a', aadObjectId: ADMIN, name: 'Ada' };
const member = { id: '29:m', aadObjectId: 'member-1', name: 'Max' };
const guest = { id: '29:g' };
const click = (verb: string, data: unknown) => ({
  type: ActivityTypes.Invoke,
  name: 'adaptiveCard/action',
  value: { action: { type: 'Action.Execute', verb, data } },
});
const body = (sent: Partial<Activity>[]) => (sent.find((a) => a.type === ActivityTypes.InvokeResponse)?.value as { body: any }).body;

describe('the card-action wrapper', () => {
  it('answers a command with its text, and refuses a role in the words declared or the default', async () => {
    expect((await send({ type: 'message', text: 'status' }, admin)).sent[0]?.text).toBe('hello Ada');
    expect((await send({ type: 'message', text: '/Status' }, member)).sent[0]?.text).toBe(
      'Only admins can use **status**. Type **help** to see the commands you can use.',
    );
  });

  it('names in the default refusal everyone who may, a unit license admin included', async () => {
    expect(body((await send(click('unitCard', {}), member)).sent)).toMatchObject({
      statusCode: 403,
      value: { message: "Only units' license admins and admins can do that. Type **help** to see the commands you can use." },
    });
    expect(body((await send(click('unitCard', {}), admin)).sent)).toMatchObject({ statusCode: 200, value: 'your unit' });
  });

  it('refuses someone Teams does not identify, unless the handler runs for anyone', async () => {
    expect((await send({ type: 'message', text: 'status' }, guest)).sent[0]?.text).toMatch(/can't tell who you are/);
    expect((await send({ type: 'message', text: 'whoami' }, guest)).sent[0]?.text).toBe('nobody');
    expect(body((await send(click('save', { n: 1 }), guest)).sent)).toMatchObject({ statusCode: 400 });
  });

  it('checks the role before the data, the data before the handler, and maps refusals to statuses', async () => {
    const forbidden = await send(click('save', { n: 'x' }), member);
    expect(body(forbidden.sent)).toMatchObject({ statusCode: 403, value: { message: 'Only admins can save.' } });
    const bad = await send(click('save', { n: 'x' }), admin);
    expect(body(bad.sent)).toMatchObject({ statusCode: 400, value: { message: 'A whole number, please.' } });
    expect([...forbidden.seen, ...bad.seen]).toEqual([]);
    const saved = await send(click('save', { n: '2' }), admin);
    expect(saved.seen).toEqual([{ n: 2 }]);
    expect(body(saved.sent)).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(body((await send(click('save', { n: 0 }), admin)).sent)).toMatchObject({ statusCode: 400 });
    expect(body((await send(click('down', {}), member)).sent)).toMatchObject({ statusCode: 500 });
    expect(body((await send(click('note', {}), member)).sent)).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'Shown below.',
    });
  });

  it('answers each click exactly once', async () => {
    const { sent } = await send(click('save', { n: 2 }), admin);
    expect(sent.filter((a) => a.type === ActivityTypes.InvokeResponse)).toHaveLength(1);
  });
});
