// A person's first minutes with the bot: welcome on install, help per role, whoami,
// status for admins, and a friendly answer to anything it does not understand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, BOT, BotHarness, cardOf, cardText, DEMO, MEGAN, OTHER_TENANT, PATTI } from '../harness/bot-harness.js';

let harness: BotHarness;
beforeAll(async () => {
  harness = await BotHarness.start();
});
afterAll(async () => {
  await harness.stop();
});

describe('install', () => {
  it('welcomes a person who installs the bot, and remembers where to reach them', async () => {
    const chat = harness.personalChat(ALEX);
    const sent = await chat.install();
    expect(sent).toHaveLength(1);
    expect(cardText(sent[0])).toContain('Welcome to Quartermaster');
    expect(cardText(sent[0])).toContain('Hi Alex!');
    const saved = await harness.qm.conversations.get(ALEX.tenantId, chat.conversation.id);
    expect(saved?.reference.serviceUrl).toBe(harness.connector.url);
    const audit = await harness.qm.audit.list(ALEX.tenantId);
    expect(audit.items[0]).toMatchObject({ action: 'bot.installed', actorId: ALEX.aadObjectId, target: chat.conversation.id });
  });

  it('welcomes a team in its channel', async () => {
    const sent = await harness.channel(MEGAN, 'Finance').install();
    expect(cardText(sent[0])).toContain('Thanks for adding me to Finance');
    // A channel only sends the bot messages that mention it: the welcome says so.
    expect(cardText(sent[0])).toContain('In a channel I only see messages that @mention me');
    expect(cardText(sent[0])).not.toContain('Type **help** at any time');
  });

  it('says nothing when someone else joins a chat the bot is already in', async () => {
    const chat = harness.channel(MEGAN, 'Finance');
    await chat.install();
    const sent = await chat.send(chat.activity({ type: 'conversationUpdate', membersAdded: [{ id: '29:newcomer' }] }));
    expect(sent.response.status).toBe(200);
    expect(sent.sent).toHaveLength(0);
  });

  it('forgets a conversation when the bot is removed, and audits it', async () => {
    const chat = harness.channel(MEGAN, 'Sales');
    await chat.install();
    await chat.uninstall();
    expect(await harness.qm.conversations.get(MEGAN.tenantId, chat.conversation.id)).toBeUndefined();
    const audit = await harness.qm.audit.list(MEGAN.tenantId, { pageSize: 1 });
    expect(audit.items[0]).toMatchObject({ action: 'bot.uninstalled', target: chat.conversation.id });
  });
});

describe('help', () => {
  it('lists what a requester may use, and no admin commands', async () => {
    const [reply] = await harness.personalChat(ALEX).say('help');
    const text = cardText(reply);
    expect(text).toContain('What I can do for you');
    expect(text).toContain('role: requester');
    expect(text).toContain('whoami');
    expect(text).not.toContain('status');
  });

  it('lists admin commands for an admin', async () => {
    const [reply] = await harness.personalChat(PATTI).say('Help');
    expect(cardText(reply)).toContain('role: admin');
    expect(cardText(reply)).toContain('status');
  });

  it('groups the commands by task, the most used first, instead of one wall of commands', async () => {
    const [reply] = await harness.personalChat(PATTI).say('help');
    const groups = cardOf(reply)!
      .body.filter((e: any) => e.type === 'Container')
      .map((c: any) => c.items[0].text);
    expect(groups).toEqual([
      'Licenses',
      'Subscriptions and seats',
      'Cloud spend',
      'Billing and chargeback',
      'Connections and setup',
      'About you and me',
    ]);
    const text = cardText(reply);
    expect(text.indexOf('**request [product]**')).toBeLessThan(text.indexOf('**subscriptions [product]**'));
    expect(text.indexOf('**connect**')).toBeLessThan(text.indexOf('**whoami**'));
  });

  it('is not fooled by an admin id from another tenant', async () => {
    const [reply] = await harness.personalChat({ ...PATTI, tenantId: OTHER_TENANT }).say('help');
    expect(cardText(reply)).toContain('role: requester');
  });

  it('works with a mention in a channel', async () => {
    const chat = harness.channel(MEGAN);
    const { sent } = await chat.send(
      chat.activity({
        type: 'message',
        text: '<at>Quartermaster</at> help',
        entities: [
          { type: 'mention', text: '<at>Quartermaster</at>', mentioned: { id: '28:quartermaster-test-bot', name: 'Quartermaster' } },
        ],
      }),
    );
    expect(cardText(sent[0])).toContain('What I can do for you');
  });

  it('"Show help" on a card turns that card into the help card', async () => {
    const result = await harness.personalChat(ALEX).click('showHelp');
    expect(result.status).toBe(200);
    expect(result.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(result.body.value)).toContain('What I can do for you');
  });
});

describe('whoami and status', () => {
  it('tells a person who they are to the bot', async () => {
    const [reply] = await harness.personalChat(DEMO.megan).say('whoami');
    const text = cardText(reply);
    expect(text).toContain('Megan Bowen');
    // Names first, as the directory knows them; the ids only as small print for support.
    const facts = cardOf(reply)!.body.find((e: any) => e.type === 'FactSet').facts;
    expect(facts).toContainEqual({ title: 'Sign-in name', value: 'meganb@example.com' });
    expect(JSON.stringify(facts)).not.toContain(DEMO.megan.aadObjectId);
    const small = cardOf(reply)!.body.find((e: any) => e.type === 'TextBlock' && e.text.includes(DEMO.megan.aadObjectId));
    expect(small).toMatchObject({ isSubtle: true, size: 'Small' });
    expect(small.text).toContain(DEMO.megan.tenantId);
  });

  it('names who installed the bot, and where, in the audit log: no conversation ids, a name from the directory', async () => {
    // Teams may send the install without the person's name: the directory names them.
    const chat = harness.personalChat(DEMO.alex);
    await chat.send(
      chat.activity({
        type: 'conversationUpdate',
        membersAdded: [{ id: BOT.id }],
        from: { id: DEMO.alex.id, aadObjectId: DEMO.alex.aadObjectId },
      }),
    );
    const [reply] = await harness.personalChat(DEMO.patti).say('audit bot.installed');
    const text = cardText(reply);
    expect(text).toContain('Quartermaster added to a personal chat');
    expect(text, text).toContain('Alex Wilber');
    expect(text).not.toContain(chat.conversation.id);
    expect(text).not.toContain(DEMO.alex.aadObjectId);
  });

  it('refuses status to a non-admin', async () => {
    const [reply] = await harness.personalChat(ALEX).say('status');
    expect(reply?.text).toContain('Only admins can use **status**');
    expect(cardOf(reply)).toBeUndefined();
  });

  it('shows status to an admin, storage included', async () => {
    const [reply] = await harness.personalChat(PATTI).say('status');
    const text = cardText(reply);
    expect(text).toContain('Quartermaster status');
    expect(text).toMatch(/reachable \(\d+ ms\)/);
  });
});

describe('what the bot does not understand', () => {
  it('points to help for unknown text, quoting it', async () => {
    const [reply] = await harness.personalChat(ALEX).say('order me a pizza');
    expect(cardText(reply)).toContain('Sorry, I didn\'t understand "order me a pizza"');
    expect(cardText(reply)).toContain('Type **help**');
  });

  it('shortens a very long message when quoting it', async () => {
    const [reply] = await harness.personalChat(ALEX).say('x'.repeat(5000));
    expect(cardText(reply).length).toBeLessThan(400);
  });

  it('answers an unknown card verb with an error invoke response, not a 500', async () => {
    const result = await harness.personalChat(ALEX).click('launchMissiles', { target: 'moon' });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'UnknownAction' } });
    expect(result.sent).toHaveLength(0);
  });
});
