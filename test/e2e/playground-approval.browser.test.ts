// A license request end to end in real clients: two Microsoft 365 Agents Playgrounds (one
// as Alex Wilber, the requester, one as Adele Vance, his manager), both pointed at the same
// bot, driven in two pages of one headless Chromium. Alex asks for Visio in chat, fills in
// the form card and submits it; Adele gets the approval card as a proactive message and
// clicks Approve; the fulfilment queue buys a seat in the Partner Center emulator, Graph
// assigns it, and Alex is told in his chat. `npm start` runs the same setup for people.
//
// Needs Chromium at /usr/bin/chromium (apt-get install -y chromium). Without it the file is
// skipped locally and fails in CI. Screenshots go to test-results/playground-approval-*.png;
// with UPDATE_SCREENSHOTS=1 it also refreshes docs/screenshots/playground-approval.png.
//
// Playground facts this relies on (v0.2.x), besides those in playground.browser.test.ts:
// - The Playground shows one person, its config's `currentUser`; each instance reads
//   `.m365agentsplayground.yml` from its own working folder, so one process per person.
// - Opening the page installs the bot in that person's personal chat (conversationUpdate),
//   which is what lets the bot reach them later: Adele's page is opened first.
// - The bot's proactive posts (POST /v3/conversations/:id/activities) and card updates
//   (PUT .../activities/:activityId) reach the open page over its socket, no reload needed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { projectRoot } from '../../src/paths.js';
import { DEMO_GROUPS, DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS } from '../../src/sandbox/index.js';
import { BotHarness } from '../harness/bot-harness.js';
import { expectOnlyCdnBlocked, factOf, type PlaygroundPage, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';
import { skipBrowserTests } from '../harness/browser.js';

const ALEX = PLAYGROUND_USERS.find((u) => u.key === 'alex')!;
const ADELE = PLAYGROUND_USERS.find((u) => u.key === 'adele')!;

/** Fulfilment runs from a queue after the click returns. */
const FULFILMENT_TIMEOUT = 20_000;
const DOCS_SCREENSHOT = join(projectRoot, 'docs', 'screenshots', 'playground-approval.png');

const hasVisio = (harness: BotHarness): boolean =>
  harness.sandbox.state.findUser(DEMO_TENANT_ID, DEMO_USERS.alex.id)?.assignedSkuIds.includes(DEMO_OFFERS.visioPlan2.graphSkuId) ?? false;
const visioSeats = (harness: BotHarness): number =>
  harness.sandbox.state
    .subscriptions(DEMO_TENANT_ID)
    .find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!
    .lots.reduce((n, lot) => n + lot.quantity, 0);

// One scripted session in one browser, step by step: the steps keep their order even in a
// shuffled run (npm run test:shuffled).
describe.skipIf(skipBrowserTests)('License approval across two Agents Playgrounds in headless Chromium', { shuffle: false }, () => {
  let harness: BotHarness | undefined;
  let alex: PlaygroundPage;
  let adele: PlaygroundPage;
  let blocked: ReadonlySet<string> = new Set();
  let requestId = '';
  let seatsBefore = 0;

  // One Visio seat costs 15 USD a month, between 50 (auto-approve) and 100 (second stage),
  // and there is no free seat: only Alex's manager, Adele, has to approve. Adele's page opens
  // first: it installs the bot in her personal chat, so she can get the card.
  usePlaygroundSession({
    name: 'playground-approval',
    person: ALEX,
    others: [ADELE],
    startBot: async () => {
      const started = await BotHarness.start({
        policy: { currency: 'USD', autoApproveBelow: '50', secondStageAbove: '100', approverGroupId: DEMO_GROUPS.licenseApprovers },
      });
      seatsBefore = visioSeats(started);
      return started;
    },
    ready: (session) => {
      harness = session.harness;
      alex = session.page;
      adele = session.others[0]!;
      blocked = session.blocked;
    },
  });

  it('greets each person in their own Playground', async () => {
    await expect.poll(() => alex.cards('Welcome to Quartermaster').innerText()).toContain('Alex');
    await expect.poll(() => adele.cards('Welcome to Quartermaster').innerText()).toContain('Adele');
    for (const person of [adele, alex]) {
      await expect
        .poll(() => person.loggedActivities(), { timeout: UI_TIMEOUT })
        .toEqual(
          expect.arrayContaining([
            ['installationUpdate', 200],
            ['conversationUpdate', 200],
          ]),
        );
    }
    await adele.shot('1-adele-welcome');
  });

  it('lets Alex request Visio through the form card', async () => {
    await alex.say('request visio');
    const form = alex.cards('Request a license');
    await expect.poll(() => form.count(), { timeout: UI_TIMEOUT }).toBe(1);
    // Every input is there, visible and labelled (the Playground renders them with Fluent
    // UI: a combobox, a spin button, text boxes), the product pre-filled from what he typed.
    const product = form.getByRole('combobox', { name: /Product/ });
    const quantity = form.getByRole('spinbutton', { name: /How many licenses/ });
    const forWhom = form.getByRole('textbox', { name: /For whom/ });
    const justification = form.getByRole('textbox', { name: /Why do you need it/ });
    for (const input of [product, quantity, forWhom, justification]) {
      await expect.poll(() => input.isVisible(), { timeout: UI_TIMEOUT }).toBe(true);
    }
    expect(await product.inputValue()).toBe('Visio Plan 2: 15.00 USD per month, 1-year term');
    expect(await quantity.inputValue()).toBe('1');
    expect(await forWhom.inputValue()).toBe('');
    expect(await form.innerText()).toContain('15.00 USD per seat per month');
    const submit = form.getByRole('button', { name: 'Submit request' });
    expect(await submit.isVisible()).toBe(true);
    await alex.shot('2-alex-form');

    // Microsoft 365 unreachable first: the reason under the card, nothing stored. (The
    // Playground then empties the card's inputs; the steps below fill them again.)
    await justification.fill('Network diagrams for the store refit');
    harness!.sandbox.faults.graph.failNext({ status: 503, times: 100 });
    await submit.click();
    await expect
      .poll(() => alex.page.getByText("I can't reach Microsoft 365 right now. Please try again in a few minutes.").count(), {
        timeout: UI_TIMEOUT,
      })
      .toBe(1);
    expect(await harness!.qm.requests.byRequester(DEMO_TENANT_ID, DEMO_USERS.alex.id)).toEqual([]);
    await alex.shot('2a-alex-graph-down');
    harness!.sandbox.faults.graph.reset();

    // Someone the directory does not know next (only the bot can tell): the form comes back
    // with the reason beside the field, and nothing is stored.
    await justification.fill('Network diagrams for the store refit');
    await forWhom.fill('nobody@example.com');
    await submit.click();
    await expect
      .poll(() => alex.cards('Request a license').innerText(), { timeout: UI_TIMEOUT })
      .toContain("I can't find nobody@example.com in your organisation.");
    expect(await harness!.qm.requests.byRequester(DEMO_TENANT_ID, DEMO_USERS.alex.id)).toEqual([]);
    const again = alex.cards('Request a license');
    await again.getByRole('textbox', { name: /For whom/ }).scrollIntoViewIfNeeded();
    await alex.shot('2b-alex-form-refused');

    await again.getByRole('textbox', { name: /For whom/ }).fill('');
    expect(await again.getByRole('textbox', { name: /Why do you need it/ }).inputValue()).toBe('Network diagrams for the store refit');
    await again.getByRole('button', { name: 'Submit request' }).click();
    // Checked: the review echoes quantity and cost; nothing is stored until Confirm.
    const review = alex.cards('Check your request');
    await expect.poll(() => review.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await review.innerText()).toContain('1 × 15.00 USD per month = 15.00 USD per month');
    expect(await harness!.qm.requests.byRequester(DEMO_TENANT_ID, DEMO_USERS.alex.id)).toEqual([]);
    await alex.shot('2c-alex-review');
    await review.getByRole('button', { name: 'Confirm and send' }).click();
    const status = alex.cards('Visio Plan 2 for Alex Wilber');
    await expect.poll(() => status.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const text = await status.innerText();
    expect(text).toContain('Waiting for Adele Vance (manager) (step 1 of 1)');
    expect(text).toContain('Network diagrams for the store refit');
    requestId = /REQ-[0-9A-F]{8,16}/.exec(text)?.[0] ?? '';
    expect(requestId).not.toBe('');
    // The form was replaced by the status card, with a way to cancel.
    expect(await alex.cards('Request a license').count()).toBe(0);
    expect(await status.getByRole('button', { name: 'Cancel request' }).isVisible()).toBe(true);
    await alex.shot('3-alex-submitted');
  });

  it('sends Adele the approval card, and she approves it', async () => {
    expect(requestId, 'the request was submitted').toMatch(/^REQ-/);
    // A proactive message into her open chat: no reload, no action of hers.
    const card = adele.cards(requestId);
    await expect.poll(() => card.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const text = await card.innerText();
    expect(text).toContain('Visio Plan 2 for Alex Wilber');
    expect(text).toContain('Waiting for Adele Vance (manager) (step 1 of 1)');
    expect(text).toContain('Network diagrams for the store refit');
    expect(text).toContain('You are an approver of this step.');
    const approve = card.getByRole('button', { name: 'Approve', exact: true });
    expect(await approve.isVisible()).toBe(true);
    expect(await card.getByRole('button', { name: 'Reject', exact: true }).isVisible()).toBe(true);
    await card.scrollIntoViewIfNeeded();
    await adele.shot('4-adele-approval-card');
    if (process.env.UPDATE_SCREENSHOTS) {
      // For the docs: her approval card, nothing focused or hovered.
      await adele.messageBox().blur();
      await adele.page.mouse.move(640, 860);
      mkdirSync(join(projectRoot, 'docs', 'screenshots'), { recursive: true });
      await adele.page.screenshot({ path: DOCS_SCREENSHOT });
    }

    await approve.click();
    // Her card no longer offers a decision and says it was approved.
    await expect.poll(() => card.getByRole('button', { name: 'Approve', exact: true }).count(), { timeout: UI_TIMEOUT }).toBe(0);
    await expect.poll(() => card.innerText(), { timeout: UI_TIMEOUT }).toMatch(/Approved|Done\./);
    await adele.shot('5-adele-approved');
  });

  it('tells Alex in his chat once the seat is bought and assigned', async () => {
    expect(requestId, 'the request was submitted').toMatch(/^REQ-/);
    // His chat bubble: a paragraph (the chat list's preview and the log panel line show
    // the same text in other elements).
    const text = `Your request ${requestId} is done. Bought and assigned: Alex Wilber now has Visio Plan 2.`;
    const done = alex.page.getByText(text, { exact: true }).and(alex.page.locator('p'));
    await expect.poll(() => done.count(), { timeout: FULFILMENT_TIMEOUT }).toBe(1);
    // And it is true: one more Visio seat in Partner Center, assigned to him in Graph.
    expect(hasVisio(harness!)).toBe(true);
    expect(visioSeats(harness!)).toBe(seatsBefore + 1);
    await done.scrollIntoViewIfNeeded();
    await alex.shot('6-alex-told');
  });

  it('updates the cards in both chats to the outcome', async () => {
    expect(requestId, 'the request was submitted').toMatch(/^REQ-/);
    const adeleCard = adele.cards(requestId);
    await expect
      .poll(() => adeleCard.innerText(), { timeout: UI_TIMEOUT })
      .toContain('Done. Bought and assigned: Alex Wilber now has Visio Plan 2.');
    expect(await adeleCard.innerText()).toMatch(/Adele Vance approved step 1/);
    expect(await adeleCard.getByRole('button').count()).toBe(0);
    await adeleCard.scrollIntoViewIfNeeded();
    await adele.shot('7-adele-done');
    const alexCard = alex.cards('Visio Plan 2 for Alex Wilber');
    await expect.poll(() => alexCard.innerText(), { timeout: UI_TIMEOUT }).toContain('Done. Bought and assigned');
    await alexCard.scrollIntoViewIfNeeded();
    await alex.shot('8-alex-card-done');
  });

  it('shows the request facts on both cards', async () => {
    for (const card of [alex.cards('Visio Plan 2 for Alex Wilber'), adele.cards(requestId)]) {
      expect(await factOf(card, 'Requested by')).toBe('Alex Wilber');
      expect(await factOf(card, 'For')).toBe('Alex Wilber (alexw@example.com)');
      expect(await factOf(card, 'Product')).toBe('Visio Plan 2');
      expect(await factOf(card, 'Cost')).toBe('15.00 USD per month');
      expect(await factOf(card, 'Request')).toBe(requestId);
      // Fact values must be text: a number (as "${quantity}" once expanded to) is dropped.
      expect(await factOf(card, 'Quantity')).toBe('1');
      expect(await factOf(card, 'Approval')).toContain('Adele Vance (manager)');
    }
  });

  it('had no failed activity, error card, card warning or page error along the way', async () => {
    for (const person of [alex, adele]) {
      expect((await person.loggedActivities()).length).toBeGreaterThanOrEqual(3);
      await person.expectNothingWentWrong();
    }
    expectOnlyCdnBlocked(blocked);
  });
});
