// Subscription management as an admin does it, in a real client: Alex Wilber (an admin)
// in the Microsoft 365 Agents Playground, in headless Chromium. He lists subscriptions,
// adds Visio seats (approved by his manager, Adele, who answers from her own chat through
// the test connector), tries to remove Power BI seats outside the 7-day window, takes the
// renewal path the card offers instead, and finds the change in the audit log.
//
// Needs Chromium at /usr/bin/chromium, like playground-approval.browser.test.ts (whose
// notes on the Playground apply here). Screenshots go to test-results/playground-subscriptions-*.png;
// with UPDATE_SCREENSHOTS=1 the refusal with its alternatives also refreshes
// docs/screenshots/playground-subscriptions.png.
import { testClock } from '../harness/clock.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { projectRoot } from '../../src/paths.js';
import { DEMO_GROUPS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, DEMO } from '../harness/bot-harness.js';
import { skipBrowserTests } from '../harness/browser.js';
import { expectOnlyCdnBlocked, PlaygroundPage, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';

const ALEX = PLAYGROUND_USERS.find((u) => u.key === 'alex')!;
const DOCS_SCREENSHOT = join(projectRoot, 'docs', 'screenshots', 'playground-subscriptions.png');

// One scripted session in one browser, step by step: the steps keep their order even in a
// shuffled run (npm run test:shuffled).
describe.skipIf(skipBrowserTests)('Subscription management in the Agents Playground', { shuffle: false }, () => {
  let harness: BotHarness;
  let alex: PlaygroundPage;
  let blocked: ReadonlySet<string>;
  usePlaygroundSession({
    name: 'playground-subscriptions',
    person: ALEX,
    startBot: async () => {
      // Two Visio seats (30 USD a month) need only Alex's manager: the second stage starts above 100.
      const bot = await BotHarness.start({
        policy: { currency: 'USD', autoApproveBelow: '50', secondStageAbove: '100', approverGroupId: DEMO_GROUPS.licenseApprovers },
      });
      await bot.personalChat(DEMO.adele).install();
      return bot;
    },
    ready: (session) => ({ harness, page: alex, blocked } = session),
  });

  const seats = (id: string) =>
    harness!.sandbox.state
      .subscriptions(DEMO_TENANT_ID)
      .find((s) => s.id === id)!
      .lots.reduce((n, lot) => n + lot.quantity, 0);
  const subscription = (id: string) => harness!.sandbox.state.subscriptions(DEMO_TENANT_ID).find((s) => s.id === id)!;
  /** The item of the list card that shows `product`. */
  const listItem = (product: string): Locator =>
    alex
      .cards('Subscriptions')
      .locator('.ac-container')
      .filter({ hasText: product })
      .filter({ has: alex.page.getByRole('button', { name: 'Manage' }) })
      .last();
  /** Alex's chat bubble saying `text` exactly. */
  const bubble = (text: string | RegExp) => alex.page.getByText(text).and(alex.page.locator('p'));

  it('lists the subscriptions with seats, renewal and what can be removed', async () => {
    await alex.say('subscriptions');
    const list = alex.cards('Subscriptions');
    await expect.poll(() => list.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const text = await list.innerText();
    for (const name of ['Microsoft 365 E3', 'Power BI Pro', 'Visio Plan 2', 'Teams Premium']) expect(text).toContain(name);
    expect(text).toContain('5 bought');
    expect(text).toContain('None now: the 7-day window has closed');
    await alex.shot('1-list');
  });

  it('filters the list; markup typed into the filter is not rendered', async () => {
    const list = alex.cards('Subscriptions');
    await list.getByRole('textbox').fill('<b>nothing</b>');
    await list.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => list.innerText(), { timeout: UI_TIMEOUT }).toContain('No subscription matches "');
    expect(await list.locator('b').count()).toBe(0);
    await list.getByRole('textbox').fill('');
    await list.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => list.innerText(), { timeout: UI_TIMEOUT }).toContain('Visio Plan 2');
  });

  it('adds two Visio seats after his manager approves', async () => {
    await listItem('Visio Plan 2').getByRole('button', { name: 'Manage' }).click();
    const detail = alex.cards('Removable now');
    await expect.poll(() => detail.count(), { timeout: UI_TIMEOUT }).toBe(1);
    await detail.getByRole('button', { name: 'Add seats' }).click();
    const seatsToAdd = detail.getByRole('spinbutton', { name: /Seats to add/ });
    // Bad input first: the client holds the number to the card's minimum (0 becomes 1), the
    // confirmation says so, nothing changes before Confirm, and Back returns to the subscription.
    await seatsToAdd.fill('0');
    await detail.getByRole('button', { name: 'Review' }).click();
    const clamped = alex.cards('Please confirm');
    await expect.poll(() => clamped.innerText(), { timeout: UI_TIMEOUT }).toContain('Add 1 seat (5 → 6)');
    await alex.shot('2a-zero-becomes-one');
    await clamped.getByRole('button', { name: 'Back' }).click();
    await expect.poll(() => detail.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(seats(DEMO_SUBSCRIPTIONS.visioPlan2)).toBe(5);
    await detail.getByRole('button', { name: 'Add seats' }).click();
    await seatsToAdd.fill('2');
    await alex.shot('2-add-seats');
    await detail.getByRole('button', { name: 'Review' }).click();

    const confirm = alex.cards('Please confirm');
    await expect.poll(() => confirm.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await confirm.innerText()).toContain('Add 2 seats (5 → 7)');
    expect(await confirm.innerText()).toContain('+30.00 USD per month');
    await confirm.getByRole('textbox', { name: /Reason/ }).fill('Two new designers');
    await alex.shot('3-confirm');
    expect(seats(DEMO_SUBSCRIPTIONS.visioPlan2)).toBe(5);
    await confirm.getByRole('button', { name: 'Add seats' }).click();

    const status = alex.cards(/Add 2 seats \(5 → 7\): Visio Plan 2/);
    await expect.poll(() => status.innerText(), { timeout: UI_TIMEOUT }).toContain('Waiting for Adele Vance (manager)');
    const requestId = /REQ-[0-9A-F]{8,16}/.exec(await status.innerText())![0];
    const approved = await harness!.personalChat(DEMO.adele).click('approveRequest', { requestId, stageIndex: 0 });
    expect(approved.status).toBe(200);

    await expect
      .poll(() => bubble(`Your request ${requestId} is done. Add 2 seats (5 → 7) on Visio Plan 2: done.`).count(), { timeout: UI_TIMEOUT })
      .toBe(1);
    expect(seats(DEMO_SUBSCRIPTIONS.visioPlan2)).toBe(7);
    await expect.poll(() => status.innerText(), { timeout: UI_TIMEOUT }).toContain('Done.');
    await alex.shot('4-added');
  });

  it('is told why Power BI seats cannot be removed now (no dead-end Remove seats), and schedules the decrease for renewal instead', async () => {
    await alex.say('subscriptions power');
    await expect.poll(() => listItem('Power BI Pro').count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await listItem('Power BI Pro').getByRole('button', { name: 'Manage' }).click();
    const detail = alex.cards('Removable now');
    await expect.poll(() => detail.count(), { timeout: UI_TIMEOUT }).toBe(1);
    // The card says why none can go, and offers what works instead: no Remove seats to run into.
    await expect
      .poll(() => detail.innerText(), { timeout: UI_TIMEOUT })
      .toContain('None now: the 7-day window has closed. Reduce at renewal instead.');
    expect(await detail.getByRole('button', { name: 'Remove seats' }).count()).toBe(0);
    expect(await detail.getByRole('button', { name: 'Reduce at renewal' }).count()).toBe(1);
    expect(await detail.getByRole('button', { name: 'Turn off auto-renew' }).count()).toBe(1);
    await detail.scrollIntoViewIfNeeded();
    await alex.shot('5-refused-with-alternatives');
    if (process.env.UPDATE_SCREENSHOTS) {
      await alex.messageBox().blur();
      await alex.page.mouse.move(640, 860);
      mkdirSync(join(projectRoot, 'docs', 'screenshots'), { recursive: true });
      await alex.page.screenshot({ path: DOCS_SCREENSHOT });
    }

    await detail.getByRole('button', { name: 'Reduce at renewal' }).first().click();
    const after = detail.getByRole('spinbutton', { name: /Seats after renewal/ });
    await after.fill('8');
    await detail.getByRole('button', { name: 'Review' }).click();
    const confirm = alex.cards('Please confirm');
    await expect.poll(() => confirm.innerText(), { timeout: UI_TIMEOUT }).toContain('Renew with 8 seats instead of 10');
    await confirm.getByRole('button', { name: 'Reduce at renewal' }).click();

    const status = alex.cards(/Reduce to 8 seats at renewal/);
    await expect.poll(() => status.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await expect
      .poll(() => bubble(/is done\. Reduce to 8 seats at renewal on \d{4}-\d{2}-\d{2} on Power BI Pro: done\./).count(), {
        timeout: UI_TIMEOUT,
      })
      .toBe(1);
    expect(subscription(DEMO_SUBSCRIPTIONS.powerBiPro).scheduledNextTermInstructions?.quantity).toBe(8);
    expect(seats(DEMO_SUBSCRIPTIONS.powerBiPro)).toBe(10);
    await alex.shot('6-scheduled');
  });

  it('finds the change in the audit log', async () => {
    await alex.say('audit reduce-at-renewal');
    const audit = alex.cards('Audit log');
    await expect.poll(() => audit.innerText(), { timeout: UI_TIMEOUT }).toContain('subscription.reduce-at-renewal');
    // Field by field, before → after (not raw JSON).
    expect(await audit.innerText()).toMatch(/Quantity at renewal\s+\(none\) → 8/);
    await audit.scrollIntoViewIfNeeded();
    await alex.shot('7-audit');
  });

  it('gets reclaim suggestions on demand, and renewal and seat alerts as cards from the jobs', async () => {
    await alex.say('reclaim');
    const reclaim = alex.cards('Licenses to reclaim');
    await expect.poll(() => reclaim.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await reclaim.getByRole('button', { name: 'Remove license' }).count()).toBeGreaterThan(0);
    await reclaim.scrollIntoViewIfNeeded();
    await alex.shot('8-reclaim');

    // The jobs run on their schedules in production; here they run now, and the cards arrive in his open chat.
    // Every license has free seats now, so first someone suspends Teams Premium in the portal.
    subscription(DEMO_SUBSCRIPTIONS.teamsPremium).status = 'suspended';
    await harness!.qm.licenseAlerts.renewals.run(testClock());
    await harness!.qm.licenseAlerts.seats.run(testClock());
    const renewal = alex.cards(/Microsoft 365 E3 renews in/);
    await expect.poll(() => renewal.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await renewal.getByRole('button', { name: 'Turn off auto-renew' }).count()).toBe(1);
    const seatAlert = alex.cards(/Microsoft Teams Premium/).filter({ hasText: 'Before' });
    await expect.poll(() => seatAlert.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await seatAlert.last().scrollIntoViewIfNeeded();
    await alex.shot('9-alerts');

    // The renewal card's button leads to the same confirmation as the subscription card.
    await renewal.getByRole('button', { name: 'Turn off auto-renew' }).click();
    await expect.poll(() => alex.cards('Please confirm').count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await alex.cards('Please confirm').innerText()).toContain('Turn auto-renew off');
  });

  it('had no failed activity, error card, card warning or page error along the way', async () => {
    await alex.expectNothingWentWrong();
    expectOnlyCdnBlocked(blocked);
  });
});
