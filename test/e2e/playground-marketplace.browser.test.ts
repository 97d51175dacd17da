// The marketplace as people see it, in a real client: Alex Wilber in the Microsoft 365
// Agents Playground (headless Chromium) requests Adobe Creative Cloud; his manager Adele
// approves (from her own chat, through the test connector); the order goes to the
// Marketplace emulator, Adobe asks for its admin's e-mail (Querying), Alex answers on the
// card in his chat and is told when the seat is assigned. Then, as an admin, he adds an
// Acrobat seat and sees the Change order complete.
//
// Needs Chromium at /usr/bin/chromium, like the other Playground tests. Screenshots go to
// test-results/playground-marketplace-*.png.
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { DEMO_GROUPS, DEMO_TENANT_ID, DEMO_USERS, MARKETPLACE_SUBSCRIPTIONS } from '../../src/sandbox/index.js';
import { BotHarness, DEMO } from '../harness/bot-harness.js';
import { skipBrowserTests } from '../harness/browser.js';
import { storedRequest } from '../harness/licensing.js';
import { expectOnlyCdnBlocked, PlaygroundPage, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';

const ALEX = PLAYGROUND_USERS.find((u) => u.key === 'alex')!;

// One scripted session in one browser, step by step: the steps keep their order even in a
// shuffled run (npm run test:shuffled).
describe.skipIf(skipBrowserTests)('The marketplace in the Agents Playground', { shuffle: false }, () => {
  let harness: BotHarness;
  let alex: PlaygroundPage;
  let blocked: ReadonlySet<string>;
  usePlaygroundSession({
    name: 'playground-marketplace',
    person: ALEX,
    startBot: async () => {
      // Creative Cloud (98.99 USD a month) needs only Alex's manager: the second stage starts above 100.
      const bot = await BotHarness.start(
        { policy: { currency: 'USD', autoApproveBelow: '50', secondStageAbove: '100', approverGroupId: DEMO_GROUPS.licenseApprovers } },
        { sandboxOptions: { marketplace: { stepDelayMs: 100 } } },
      );
      await bot.personalChat(DEMO.adele).install();
      return bot;
    },
    ready: (session) => ({ harness, page: alex, blocked } = session),
  });

  const bubble = (text: string | RegExp) => alex.page.getByText(text).and(alex.page.locator('p'));
  const world = () => harness!.sandbox.marketplace;

  /** Adele approves whatever waits for her (the request's first and only stage here). */
  async function adeleApproves(requestId: string): Promise<void> {
    await expect
      .poll(async () => (await storedRequest(harness!, requestId))?.status, { timeout: UI_TIMEOUT })
      .toMatch(/pending|approved|fulfilling|completed/);
    if ((await storedRequest(harness!, requestId))?.status !== 'pending') return;
    const approved = await harness!.personalChat(DEMO.adele).click('approveRequest', { requestId, stageIndex: 0 });
    expect(approved.status).toBe(200);
  }

  it('requests Creative Cloud, answers Adobe on the card, and is told the seat is assigned', async () => {
    await alex.say('request creative cloud');
    const form = alex.cards('Request a license');
    await expect.poll(() => form.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const product = form.getByRole('combobox', { name: /Product/ });
    await expect
      .poll(() => product.inputValue(), { timeout: UI_TIMEOUT })
      .toMatch(/^Creative Cloud for teams — All Apps · Adobe via Marketplace: 98\.99 USD per month, /);
    await form.getByRole('textbox', { name: /Why do you need it/ }).fill('Campaign artwork');
    await alex.shot('1-form');
    await form.getByRole('button', { name: 'Submit request' }).click();
    // The review echoes quantity and cost; impatient: a double click on Confirm. One request, and the card shows it.
    const review = alex.cards('Check your request');
    await expect.poll(() => review.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await review.innerText()).toContain('1 × 98.99 USD per month = 98.99 USD per month');
    await alex.shot('1b-review');
    await review.getByRole('button', { name: 'Confirm and send' }).dblclick();

    const status = alex.cards(/Creative Cloud for teams — All Apps for Alex Wilber/);
    await expect.poll(() => status.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const requestId = /REQ-[0-9A-F]{8,16}/.exec(await status.innerText())![0];
    const creativeCloudAsks = async () =>
      (await harness.qm.requests.byRequester(DEMO_TENANT_ID, ALEX.aadObjectId, 100)).filter((r) =>
        r.product.name.startsWith('Creative Cloud'),
      );
    expect((await creativeCloudAsks()).map((r) => r.id)).toEqual([requestId]);
    await adeleApproves(requestId);

    // Adobe asks for its admin's e-mail: the card arrives in Alex's chat.
    const question = alex.cards('Adobe needs more information');
    await expect.poll(() => question.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await question.innerText()).toContain(requestId);
    const email = question.getByRole('textbox', { name: /Adobe admin e-mail/ });
    await email.fill('it-admin@example.com');
    await question.scrollIntoViewIfNeeded();
    await alex.shot('2-querying-card');
    await question.getByRole('button', { name: 'Send to Adobe' }).click();
    await expect.poll(() => alex.page.getByText(/your answer went to Adobe/).count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);

    await expect
      .poll(
        () =>
          bubble(
            new RegExp(
              `Your request ${requestId} is done\\. Bought and assigned: Alex Wilber now has Creative Cloud for teams — All Apps\\. Ordered through the Marketplace \\(Adobe\\), order ORD-`,
            ),
          ).count(),
        { timeout: UI_TIMEOUT },
      )
      .toBe(1);
    const request = (await storedRequest(harness!, requestId))!;
    const subscriptionId = world().orders.get(request.fulfilment!.orderId!)!.lines[0]!.subscriptionId!;
    expect(world().subscriptions.get(subscriptionId)!.assignedEmails).toEqual([DEMO_USERS.alex.userPrincipalName]);
    await alex.shot('3-done');
  });

  it('as an admin, adds an Acrobat seat and sees the Change order complete', async () => {
    await alex.say('subscriptions acrobat');
    const item = alex
      .cards('Subscriptions')
      .locator('.ac-container')
      .filter({ hasText: 'Adobe Acrobat Pro for teams' })
      .filter({ has: alex.page.getByRole('button', { name: 'Manage' }) })
      .last();
    await expect.poll(() => item.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    expect(await item.innerText()).toContain('10 bought · 3 assigned · 7 free');
    await item.getByRole('button', { name: 'Manage' }).click();
    const detail = alex.cards('Removable now');
    await expect.poll(() => detail.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await detail.innerText()).toContain('Adobe, through the Marketplace');
    expect(await detail.getByRole('button', { name: 'Suspend' }).count()).toBe(0);
    await detail.getByRole('button', { name: 'Add seats' }).click();
    await detail.getByRole('spinbutton', { name: /Seats to add/ }).fill('1');
    await detail.getByRole('button', { name: 'Review' }).click();

    const confirm = alex.cards('Please confirm');
    await expect.poll(() => confirm.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await confirm.innerText()).toContain('Add 1 seat (10 → 11)');
    await confirm.getByRole('textbox', { name: /Reason/ }).fill('A new designer');
    await alex.shot('4-confirm');
    await confirm.getByRole('button', { name: 'Add seats' }).click();

    // The confirmation turns into the request's status card.
    const status = alex.cards(/Add 1 seat \(10 → 11\): Adobe Acrobat Pro for teams/).filter({ hasText: /REQ-[0-9A-F]{8,16}/ });
    await expect.poll(() => status.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    const requestId = /REQ-[0-9A-F]{8,16}/.exec(await status.last().innerText())![0];
    await adeleApproves(requestId);

    await expect
      .poll(
        () =>
          bubble(
            new RegExp(
              `Your request ${requestId} is done\\. Add 1 seat \\(10 → 11\\) on Adobe Acrobat Pro for teams: done\\. Change order ORD-[\\d-]+ completed through the Marketplace \\(Adobe\\)\\.`,
            ),
          ).count(),
        { timeout: UI_TIMEOUT },
      )
      .toBe(1);
    expect(world().subscriptions.get(MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)!.quantity).toBe(11);
    expect([...world().orders.values()].filter((o) => o.customerId === DEMO_TENANT_ID && o.type === 'Change')).toHaveLength(1);
    await alex.shot('5-change-done');
  });

  it('had no failed activity, error card, card warning or page error along the way', async () => {
    await alex.expectNothingWentWrong();
    expectOnlyCdnBlocked(blocked);
  });
});
