// Spend as an admin lives it, in a real client: Alex Wilber (an admin) in the Microsoft 365
// Agents Playground, in headless Chromium. He connects an Azure subscription and an AWS
// account on the connect card, subscribes the team channel with `alerts here`, reads `spend`,
// adds a budget on the form (a bad amount first), runs `sync now`, and the channel shows the
// budget alert and the spike alerts, once each, also after a second `sync now`.
//
// Needs Chromium at /usr/bin/chromium (see playground-approval.browser.test.ts). Screenshots
// go to test-results/playground-spend-*.png; with UPDATE_SCREENSHOTS=1 the channel's alerts
// also refresh docs/screenshots/playground-spend-alerts.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { projectRoot } from '../../src/paths.js';
import { AWS_ACCOUNTS, AWS_SANDBOX_KEYS, AZURE_ANOMALY, AZURE_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness } from '../harness/bot-harness.js';
import { skipBrowserTests } from '../harness/browser.js';
import {
  expectOnlyCdnBlocked,
  factOf,
  PlaygroundPage,
  settledCount,
  UI_TIMEOUT,
  usePlaygroundSession,
} from '../harness/playground-page.js';

const ALEX = PLAYGROUND_USERS.find((u) => u.key === 'alex')!;
const DOCS_SCREENSHOT = join(projectRoot, 'docs', 'screenshots', 'playground-spend-alerts.png');

// One scripted session in one browser, step by step: the steps keep their order even in a
// shuffled run (npm run test:shuffled).
describe.skipIf(skipBrowserTests)('Spend in the Agents Playground', { shuffle: false }, () => {
  let harness: BotHarness;
  let alex: PlaygroundPage;
  let blocked: ReadonlySet<string>;
  usePlaygroundSession({
    name: 'playground-spend',
    person: ALEX,
    // Cost Management's quota raised: the first 90-day syncs should not wait out its 10 s window.
    startBot: () => BotHarness.start({}, { sandboxOptions: { costManagement: { qpuBudget: 1000 } } }),
    ready: (session) => ({ harness, page: alex, blocked } = session),
  });

  /** A new post in the open channel that @mentions the bot (the Playground forwards only those). */
  async function postInChannel(text: string): Promise<void> {
    // Wait for the channel's posts to render, so the count below only changes for the picker.
    await alex.cards('Welcome to Quartermaster').last().waitFor();
    const names = alex.page.getByText('Quartermaster', { exact: true });
    const before = await settledCount(names);
    await alex.page.getByText('Start a new post').click({ force: true });
    await alex.page.keyboard.type('@Quarter');
    // The mention picker adds one more "Quartermaster" to the page: its entry, the last one.
    await expect.poll(() => names.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(before);
    await names.last().click();
    await alex.page.keyboard.type(` ${text}`);
    await alex.page.getByRole('button', { name: 'Post' }).click({ force: true });
  }

  /** Opens the chat or channel named `name` in the Playground's left pane. */
  async function open(name: string): Promise<void> {
    await alex.page.getByText(name, { exact: true }).first().click();
    await alex.messageBox().waitFor();
  }

  it('connects an Azure subscription and an AWS account on the connect card', async () => {
    await alex.say('connect');
    let card = alex.cards('Connections').last();
    await expect.poll(() => card.count(), { timeout: UI_TIMEOUT }).toBe(1);
    await card.getByRole('button', { name: 'Add Azure scope' }).click();
    await card.getByRole('textbox', { name: /Subscription id or scope/ }).fill(AZURE_SUBSCRIPTIONS.production);
    await card.getByRole('button', { name: 'Add and check' }).click();
    await expect
      .poll(() => card.innerText(), { timeout: UI_TIMEOUT })
      .toContain(`subscriptions/${AZURE_SUBSCRIPTIONS.production} is connected`);

    card = alex.cards('Connections').last();
    await card.getByRole('button', { name: 'Add Azure scope' }).click();
    await card.getByRole('textbox', { name: /Subscription id or scope/ }).fill(AZURE_ANOMALY.subscriptionId);
    await card.getByRole('button', { name: 'Add and check' }).click();
    await expect
      .poll(() => card.innerText(), { timeout: UI_TIMEOUT })
      .toContain(`subscriptions/${AZURE_ANOMALY.subscriptionId} is connected`);

    card = alex.cards('Connections').last();
    await card.getByRole('button', { name: 'Add AWS account' }).click();
    await card.getByRole('textbox', { name: /AWS account id/ }).fill(AWS_ACCOUNTS.main);
    await card.getByText('An access key of an IAM user').click();
    await card.getByRole('textbox', { name: /Access key id/ }).fill(AWS_SANDBOX_KEYS.reader.accessKeyId);
    await card.getByLabel(/Secret access key/).fill(AWS_SANDBOX_KEYS.reader.secretAccessKey);
    await card.getByRole('button', { name: 'Add and check' }).click();
    await expect.poll(() => card.innerText(), { timeout: UI_TIMEOUT }).toContain(`AWS account ${AWS_ACCOUNTS.main} is connected`);
    // The secret never comes back on the card.
    expect(await alex.page.locator('body').innerText()).not.toContain(AWS_SANDBOX_KEYS.reader.secretAccessKey);
    await card.scrollIntoViewIfNeeded();
    await alex.shot('1-connected');
  });

  it('subscribes the team channel with `alerts here`', async () => {
    await open('General');
    await postInChannel('alerts here');
    await expect.poll(() => alex.page.getByText(/alerts will be posted in/).count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    expect((await harness!.qm.settings.get(DEMO_TENANT_ID)).alertChannelId).toBeTruthy();
    await alex.shot('2-alerts-here');
    await open('Personal Chat');
  });

  it('reads spend and adds a budget on the form, a bad amount first', async () => {
    await alex.say('spend');
    await expect.poll(() => alex.cards(/Cloud spend/).count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await alex.say('budget add');
    const form = alex.cards('Add a budget').last();
    await expect.poll(() => form.count(), { timeout: UI_TIMEOUT }).toBe(1);
    await form.getByRole('textbox', { name: /^Name/ }).fill('All clouds');
    await form.getByRole('textbox', { name: /^Amount/ }).fill('-5');
    await form.getByRole('button', { name: 'Save budget' }).click();
    await expect
      .poll(() => alex.page.getByText(/cannot be negative|more than zero|greater than/i).count(), { timeout: UI_TIMEOUT })
      .toBeGreaterThan(0);
    expect(
      ((await harness!.qm.spend.budgets.statuses({ tenantId: DEMO_TENANT_ID, aadObjectId: ALEX.aadObjectId, name: 'Alex' })) as any).lines,
    ).toEqual([]);
    await alex.shot('3-bad-amount');

    const again = alex.cards(/budget/i).last();
    await again.getByRole('textbox', { name: /^Amount/ }).fill('100');
    // A year: complete days of this year exist whatever today's date (except 1 January).
    await again.getByRole('combobox', { name: /^Period/ }).click();
    await alex.page.getByRole('option', { name: 'Year' }).click();
    // Its own channel, picked from those `alerts here` was typed in (the same General here).
    await again.getByRole('combobox', { name: /^Post this budget's alerts in/ }).click();
    await alex.page.getByRole('option', { name: 'General (My Team)', exact: true }).click();
    await again.getByRole('button', { name: 'Save budget' }).click();
    await expect
      .poll(() => alex.page.getByText(/Budget "?All clouds"? saved|Budget \*\*All clouds\*\* saved/).count(), { timeout: UI_TIMEOUT })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => factOf(alex.cards(/Budget "?All clouds"? saved|Budget \*\*All clouds\*\* saved/).last(), 'Channel'), {
        timeout: UI_TIMEOUT,
      })
      .toBe('General (My Team)');
    await alex.shot('4-budget-saved');
  });

  it('`sync now` posts the budget and spike alerts to the channel once each', async () => {
    await alex.say('sync now');
    // Answered at once; the report follows from the worker.
    await expect.poll(() => alex.page.getByText(/post what I found here/).count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await expect.poll(() => alex.page.getByText(/Cost sync finished/).count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await alex.shot('5-sync-report');
    await open('General');
    const budgetAlerts = alex.cards(/All clouds: (spend|forecast) reached/);
    const spikes = alex.cards(/Spend spike/);
    await expect.poll(() => budgetAlerts.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await expect.poll(() => spikes.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    // Every alert of this sync sent (the outbox empty) and shown: the counts the second sync must leave alone.
    await harness.drain();
    const budgetCount = await settledCount(budgetAlerts);
    const spikeCount = await settledCount(spikes);
    await budgetAlerts.first().scrollIntoViewIfNeeded();
    await alex.shot('6-channel-alerts');
    if (process.env.UPDATE_SCREENSHOTS) {
      mkdirSync(join(projectRoot, 'docs', 'screenshots'), { recursive: true });
      await alex.page.screenshot({ path: DOCS_SCREENSHOT });
    }

    await open('Personal Chat');
    await alex.say('sync now');
    await expect.poll(() => alex.page.getByText(/Cost sync finished/).count(), { timeout: 60_000 }).toBeGreaterThan(1);
    await open('General');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await budgetAlerts.count()).toBe(budgetCount);
    expect(await spikes.count()).toBe(spikeCount);
  }, 120_000);

  it('had no failed activity, error card, card warning or page error along the way', async () => {
    await alex.expectNothingWentWrong();
    expectOnlyCdnBlocked(blocked);
  });
});
