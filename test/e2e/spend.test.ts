// Spend end to end: the real bot on Azurite and the cost emulators. An admin reads `spend`,
// adds a budget on the card (bad input first: nothing saved), subscribes a channel with
// `alerts here`, connects Azure and AWS and runs `sync now`: the channel receives the budget
// and anomaly alerts once each, and running sync again sends nothing more. Non-admins are refused.
import { testClock } from '../harness/clock.js';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AWS_ACCOUNTS,
  AWS_DEMO_ANOMALY,
  AWS_SANDBOX_KEYS,
  AZURE_ANOMALY,
  AZURE_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  startSandbox,
  type Sandbox,
} from '../../src/sandbox/index.js';
import { BotHarness, cardOf, cardText, DEMO, type TestConversation, type TestUser } from '../harness/bot-harness.js';

let harness: BotHarness;
let sandbox: Sandbox;
const chat = (user: TestUser) => harness.personalChat(user);
let channel: TestConversation;

// Budgets, channels, connections and synced costs are stored: each test has a bot, tables and
// sandbox of its own, and sets up what it needs itself.
beforeEach(async () => {
  // QPU raised so the 90-day first syncs never wait out Cost Management's 10 s window.
  sandbox = await startSandbox({ clock: testClock, costManagement: { qpuBudget: 1000 } });
  harness = await BotHarness.start({}, { sandbox });
  await Promise.all([DEMO.alex, DEMO.patti, DEMO.isaiah].map((user) => chat(user).install()));
  channel = harness.channel(DEMO.alex, 'Cloud');
  await channel.install();
}, 60_000);
afterEach(async () => {
  await harness.stop();
  await sandbox.stop();
});

/** A yearly budget over every cloud: 100 USD is crossed within a day of data. */
const ALL_CLOUDS = {
  budgetId: '',
  etag: '',
  name: 'All clouds',
  provider: 'any',
  amount: '100',
  currency: 'usd',
  period: 'year',
  thresholds: '50,80,100',
  forecast100: 'true',
};

async function addAllCloudsBudget() {
  const saved = await chat(DEMO.alex).click('saveBudget', ALL_CLOUDS);
  expect(cardText(saved.body.value)).toContain('Budget "All clouds" saved.');
}

/** Two Azure subscriptions (one with the planted anomaly) and the AWS account with the other. */
async function connectClouds() {
  for (const azureScope of [AZURE_SUBSCRIPTIONS.production, AZURE_ANOMALY.subscriptionId]) {
    const click = await chat(DEMO.alex).click('addAzureScope', { azureScope });
    expect(cardText(click.body.value)).toMatch(/is connected/);
  }
  await connectAws();
}

async function connectAws() {
  const reader = AWS_SANDBOX_KEYS.reader;
  const aws = await chat(DEMO.alex).click('addAwsAccount', {
    awsAccountId: AWS_ACCOUNTS.main,
    awsAuth: 'access-key',
    awsAccessKeyId: reader.accessKeyId,
    awsSecretAccessKey: reader.secretAccessKey,
  });
  expect(cardText(aws.body.value)).toContain(`AWS account ${AWS_ACCOUNTS.main} is connected`);
}

const budgetsNow = async () =>
  (await harness.qm.spend.budgets.statuses({ tenantId: DEMO_TENANT_ID, aadObjectId: DEMO.alex.aadObjectId, name: 'Alex' })) as {
    ok: true;
    lines: { budget: { name: string } }[];
  };
const channelCards = () =>
  harness.connector.sent
    .filter((s) => s.conversationId === channel.conversation.id && s.method === 'POST')
    .map((s) => s.activity)
    .filter((a) => cardOf(a));
const reports = () => harness.sentTo(DEMO.alex).filter((m) => /Cost sync finished/.test(m.text ?? ''));
const titled = (cards: Record<string, any>[], pattern: RegExp) =>
  cards.filter((a) => pattern.test(String(cardOf(a)?.body?.[0]?.text ?? '')));

describe('spend for admins', () => {
  it('refuses non-admins everything spend-related', async () => {
    for (const text of ['spend', 'budgets', 'budget add', 'sync now']) {
      const [reply] = await chat(DEMO.isaiah).say(text);
      expect(reply?.text ?? '', text).toMatch(/Only admins/);
    }
    const click = await chat(DEMO.isaiah).click('saveBudget', {
      name: 'Sneaky',
      amount: '10',
      currency: 'USD',
      period: 'month',
      thresholds: '50',
    });
    expect(click.body).toMatchObject({ statusCode: 403 });
    const [reply] = await harness.channel(DEMO.isaiah, 'Cloud').say('alerts here');
    expect(reply?.text).toMatch(/Only admins/);
    expect((await budgetsNow()).lines).toEqual([]);
  });

  it('shows spend with filters, and explains unknown filters', async () => {
    const [summary] = await chat(DEMO.alex).say('spend');
    expect(cardText(summary)).toMatch(/Cloud spend, Azure and AWS/);
    const [aws] = await chat(DEMO.alex).say('spend aws last month');
    expect(cardText(aws)).toMatch(/Cloud spend, AWS: \w+ \d{4}/);
    const [bad] = await chat(DEMO.alex).say('spend gcp yesterday');
    expect(bad?.text).toMatch(/don't know the filter "gcp yesterday"/);
    expect(bad?.text).toMatch(/aws.*azure.*this month.*last month/);
  });

  it('adds a budget on the card: bad input comes back with messages and saves nothing', async () => {
    const [form] = await chat(DEMO.alex).say('budget add');
    expect(cardText(form)).toContain('Add a budget');
    const bad = await chat(DEMO.alex).click('saveBudget', {
      budgetId: '',
      etag: '',
      name: 'Cloud',
      provider: 'any',
      amount: '-100',
      currency: 'XYZ',
      period: 'year',
      thresholds: '',
      forecast100: 'true',
    });
    const badText = cardText(bad.body.value);
    expect(badText).toMatch(/cannot be negative|"XYZ" is not a currency/);
    expect(badText).toMatch(/"XYZ" is not a currency code/);
    expect(badText).toMatch(/at least one threshold/);
    expect((await budgetsNow()).lines).toEqual([]);

    // A year, so that complete days exist whatever today's date.
    const good = await chat(DEMO.alex).click('saveBudget', ALL_CLOUDS);
    expect(cardText(good.body.value)).toContain('Budget "All clouds" saved.');
    expect((await budgetsNow()).lines.map((l) => l.budget.name)).toEqual(['All clouds']);
    const [list] = await chat(DEMO.alex).say('budgets');
    expect(cardText(list)).toContain('All clouds: 100.00 USD per year');
  });

  it('subscribes a channel with `alerts here`, and explains it in a 1:1 chat', async () => {
    const [personal] = await chat(DEMO.alex).say('alerts here');
    expect(personal?.text).toMatch(/in the team channel/);
    const [reply] = await channel.say('alerts here');
    expect(reply?.text).toMatch(/alerts will be posted in General \(Cloud\)/);
    expect((await harness.qm.settings.get(DEMO_TENANT_ID)).alertChannelId).toBe(channel.conversation.id);
  });

  it('`sync now` sends the budget and anomaly alerts to the channel once each', async () => {
    await addAllCloudsBudget();
    expect((await channel.say('alerts here'))[0]?.text).toMatch(/alerts will be posted in General \(Cloud\)/);
    await connectClouds();

    // Answered at once; the sync runs on a worker and its report comes back as a message.
    const replies = await chat(DEMO.alex).say('sync now');
    expect(replies.map((r) => r.text ?? '').join('\n')).toMatch(/I'll post what I found here/);
    const [report] = await harness.until(async () => reports().length > 0 && reports(), 'the sync report', 30_000);
    expect(report!.text).toMatch(/\d+ cost lines? saved, \d+ already up to date\./);
    expect(report!.text).not.toMatch(/API call|minimum/); // no jargon in what people read

    const budgetAlerts = await harness.until(
      async () => titled(channelCards(), /^All clouds: /).length >= 2 && titled(channelCards(), /^All clouds: /),
      'budget alerts in the channel',
    );
    const anomalyAlerts = await harness.until(
      async () => titled(channelCards(), /^Spend spike/).length >= 2 && titled(channelCards(), /^Spend spike/),
      'anomaly alerts in the channel',
    );
    // Actual spend jumped past 50/80/100 % at once: one alert (100 %), plus the forecast's.
    expect(budgetAlerts.map((a) => cardOf(a)!.body[0].text).sort()).toEqual([
      'All clouds: forecast reached 100 % of the budget',
      'All clouds: spend reached 100 % of the budget',
    ]);
    const chart = cardOf(budgetAlerts[0])!.body.find((b: any) => b.type === 'Chart.VerticalBar');
    expect(chart.fallback.type).toBe('TextBlock');
    expect(chart.data.map((p: any) => p.x)).toEqual(['Spent', 'Forecast', 'Budget']);
    // Each card says which days it counts and how the forecast is made (issue 20): the alert
    // judges complete days, `budgets` includes today's partial figures.
    const alertText = cardText(budgetAlerts[0]);
    expect(alertText).toContain('complete days only: today is left out until it is complete, so "budgets" can show more');
    expect(alertText).toContain('the average of the complete days so far × the days in the period');
    const listText = cardText((await chat(DEMO.alex).say('budgets'))[0]);
    expect(listText).toContain("(today's partial figures included)");
    expect(listText).toContain('the average of the complete days so far × the days in the period');
    expect(anomalyAlerts).toHaveLength(2); // the two planted anomalies, nothing from ordinary noise
    const spikes = anomalyAlerts.map((a) => cardText(a)).join('\n');
    expect(spikes).toContain(`${AWS_DEMO_ANOMALY.serviceName} cost ${AWS_DEMO_ANOMALY.amount} USD`);
    expect(spikes).toContain(AZURE_ANOMALY.subscriptionId);

    // Again: nothing new anywhere.
    const before = channelCards().length;
    await chat(DEMO.alex).say('sync now');
    await harness.until(async () => reports().length === 2, 'the second sync report', 30_000);
    await harness.qm.spend.evaluator.evaluate(DEMO_TENANT_ID, testClock());
    await harness.drain();
    expect(channelCards()).toHaveLength(before);
    expect(reports()).toHaveLength(2); // one report per ask
    expect(titled(channelCards(), /^All clouds: /)).toHaveLength(2);
    expect(titled(channelCards(), /^Spend spike/)).toHaveLength(anomalyAlerts.length);
    // Admins' 1:1 chats got none of them: the channel is set.
    expect(harness.sentTo(DEMO.patti).filter((a) => /Spend spike|All clouds:/.test(cardText(a)))).toEqual([]);
  }, 60_000);

  it('a budget posts to a channel of its own, chosen on the form among those set with `alerts here`', async () => {
    // The alerts channel, the All clouds budget, and synced costs (AWS's) to weigh budgets against.
    await channel.say('alerts here');
    await addAllCloudsBudget();
    await connectAws();
    await chat(DEMO.alex).say('sync now');
    await harness.until(async () => reports().length > 0, 'the sync report', 30_000);
    // As Teams sends messages: ids only; the names come from Teams' team API.
    const finance = harness.channel(DEMO.alex, 'Finance', { asTeamsSendsMessages: true });
    const [done] = await finance.say('alerts here');
    expect(done?.text).toMatch(/alerts will be posted in General \(Finance\)/);
    // The Cloud channel becomes the alerts channel again; Finance stays a choice.
    await channel.say('alerts here');
    const [form] = await chat(DEMO.alex).say('budget add');
    const choices = cardOf(form)!.body.find((b: any) => b.id === 'channel').choices;
    expect(choices).toEqual([
      { title: 'The alerts channel: General (Cloud)', value: 'default' },
      { title: 'General (Cloud)', value: channel.conversation.id },
      { title: 'General (Finance)', value: finance.conversation.id },
    ]);
    const fields = {
      budgetId: '',
      etag: '',
      name: 'Finance only',
      provider: 'any',
      amount: '50',
      currency: 'USD',
      period: 'year',
      thresholds: '100',
      forecast100: 'false',
    };
    // A channel the bot was never told to post in (a forged card): refused, nothing saved.
    const forged = await chat(DEMO.alex).click('saveBudget', { ...fields, channel: '19:somewhere-else@thread.tacv2' });
    expect(cardText(forged.body.value)).toMatch(/Choose the channel from the list/);
    expect((await budgetsNow()).lines.map((l) => l.budget.name)).not.toContain('Finance only');
    const saved = await chat(DEMO.alex).click('saveBudget', { ...fields, channel: finance.conversation.id });
    expect(cardText(saved.body.value)).toContain('Budget "Finance only" saved.');
    expect(cardText(saved.body.value)).toMatch(/Channel\s*General \(Finance\)/);

    const financeCards = () =>
      harness.connector.sent
        .filter((s) => s.conversationId === finance.conversation.id && s.method === 'POST')
        .map((s) => s.activity)
        .filter((a) => cardOf(a));
    const cloudBefore = titled(channelCards(), /^Finance only/).length;
    await harness.qm.spend.evaluator.evaluate(DEMO_TENANT_ID, testClock());
    await harness.until(
      async () => titled(financeCards(), /^Finance only: spend reached 100 %/).length === 1,
      'the budget alert in the Finance channel',
    );
    expect(titled(channelCards(), /^Finance only/)).toHaveLength(cloudBefore);

    // Back to the alerts channel on the edit form.
    const budget = (await budgetsNow()).lines.find((l) => l.budget.name === 'Finance only')! as unknown as {
      budget: { id: string };
      etag: string;
    };
    const edit = await chat(DEMO.alex).click('editBudget', { budgetId: budget.budget.id });
    expect(JSON.stringify(edit.body.value)).toContain(
      `"id":"channel","label":"Post this budget's alerts in","value":"${finance.conversation.id}"`,
    );
    const back = await chat(DEMO.alex).click('saveBudget', {
      ...fields,
      budgetId: budget.budget.id,
      etag: budget.etag,
      channel: 'default',
    });
    expect(cardText(back.body.value)).toContain('Budget "Finance only" updated.');
    const after = (await harness.qm.spend.budgets.get(
      { tenantId: DEMO_TENANT_ID, aadObjectId: DEMO.alex.aadObjectId, name: 'Alex' },
      budget.budget.id,
    ))!;
    expect(after.budget).not.toHaveProperty('channelId');
    await chat(DEMO.alex).click('deleteBudget', { budgetId: budget.budget.id, etag: after.etag });
    expect((await budgetsNow()).lines.map((l) => l.budget.name)).toEqual(['All clouds']);
  }, 60_000);

  it('`sync now` asked of an instance that stops at once is synced and reported by another', async () => {
    await connectAws();
    const before = reports().length;
    const a = await BotHarness.start(
      { tablePrefix: harness.config.tablePrefix },
      { sandbox: harness.sandbox, connector: harness.connector, startWorkers: false, instanceName: 'takes-the-command' },
    );
    const [reply] = await a.personalChat(DEMO.alex).say('sync now');
    expect(reply?.text).toMatch(/I'll post what I found here/);
    await a.stop();
    await harness.until(async () => reports().length === before + 1, 'the report from the other instance', 30_000);
  }, 60_000);

  it('edits and deletes a budget from the list card', async () => {
    await addAllCloudsBudget();
    const [list] = await chat(DEMO.alex).say('budgets');
    const card = cardOf(list)!;
    const actions = JSON.stringify(card);
    const budgetId = /"budgetId":"(b-[0-9a-f]+)"/.exec(actions)![1]!;
    const edit = await chat(DEMO.alex).click('editBudget', { budgetId });
    expect(cardText(edit.body.value)).toContain('Edit budget: All clouds');
    const etag = /"etag":"((?:[^"\\]|\\.)*)"/.exec(JSON.stringify(edit.body.value))![1]!.replace(/\\"/g, '"');
    const saved = await chat(DEMO.alex).click('saveBudget', {
      budgetId,
      etag,
      name: 'All clouds',
      provider: 'any',
      amount: '250',
      currency: 'USD',
      period: 'year',
      thresholds: '80',
      forecast100: 'false',
    });
    expect(cardText(saved.body.value)).toContain('Budget "All clouds" updated.');
    const stale = await chat(DEMO.alex).click('saveBudget', {
      budgetId,
      etag,
      name: 'All clouds',
      provider: 'any',
      amount: '300',
      currency: 'USD',
      period: 'year',
      thresholds: '80',
      forecast100: 'false',
    });
    expect(cardText(stale.body.value)).toMatch(/changed this budget/);
    const current = /"etag":"((?:[^"\\]|\\.)*)"/.exec(JSON.stringify(saved.body.value))![1]!.replace(/\\"/g, '"');
    const deleted = await chat(DEMO.alex).click('deleteBudget', { budgetId, etag: current });
    expect(cardText(deleted.body.value)).toContain('Budget "All clouds" deleted.');
    expect((await budgetsNow()).lines).toEqual([]);
  });

  it('answers forged budget clicks with a message, never a 5xx, and saves nothing odd', async () => {
    const kept = await chat(DEMO.alex).click('saveBudget', {
      name: 'Kept',
      amount: '10',
      currency: 'EUR',
      period: 'month',
      thresholds: '80',
    });
    expect(cardText(kept.body.value)).toContain('Budget "Kept" saved.');
    const budgetId = (await budgetsNow()).lines.map((l: any) => l.budget.id)[0];
    const nasty = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('', '-1', '1e309', 'NaN', 'W/"x"', '*', '${name}', 'a'.repeat(5000), budgetId),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
    );
    const data = fc.dictionary(
      fc.constantFrom(
        'budgetId',
        'etag',
        'name',
        'provider',
        'account',
        'service',
        'tag',
        'amount',
        'currency',
        'period',
        'thresholds',
        'forecast100',
        '__proto__',
      ),
      nasty,
      { maxKeys: 8 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('saveBudget', 'editBudget', 'deleteBudget', 'showBudgets', 'budgetForm', 'showSpend'),
        data,
        async (verb, values) => {
          const click = await chat(DEMO.alex).click(verb, values);
          expect(click.status, `${verb} ${JSON.stringify(values).slice(0, 200)}`).toBe(200);
          expect(click.body?.statusCode ?? 200, `${verb} ${JSON.stringify(values).slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    for (const etag of ['garbage', 'W/"datetime\'2020-01-01T00%3A00%3A00Z\'"', '*']) {
      const click = await chat(DEMO.alex).click('deleteBudget', { budgetId, etag });
      expect(click.body.statusCode ?? 200, etag).toBeLessThan(500);
      expect(cardText(click.body.value), etag).toMatch(/changed this budget meanwhile|deleted/);
    }
  }, 120_000);
});
