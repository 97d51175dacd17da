// Plain words as a new user meets the bot, in a real client: Alex Wilber types the sentences that
// all got "Sorry, I didn't understand" before, in the Microsoft 365 Agents Playground
// (headless Chromium), and each reaches its card: greetings, a form with the right product,
// "Did you mean" for Visio, his requests, who approves them, a confirmation before
// cancelling, the Azure spend card, a product the catalog lacks, and suggestions that work
// as buttons.
//
// Needs Chromium at /usr/bin/chromium, like the other Playground tests. Screenshots go to
// test-results/playground-language-*.png.
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { demoSeed, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness } from '../harness/bot-harness.js';
import { skipBrowserTests } from '../harness/browser.js';
import { storedRequest } from '../harness/licensing.js';
import { expectOnlyCdnBlocked, PlaygroundPage, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';

const ALEX = PLAYGROUND_USERS.find((u) => u.key === 'alex')!;

/** The demo catalog with Visio Plan 1 beside Plan 2, so that "visio" is a real choice. */
function seedWithVisioPlan1() {
  const seed = demoSeed();
  seed.catalog.push({
    productId: 'CFQ7TTC0HD33',
    skuId: '0001',
    availabilityId: 'CFQ7TTC0KX6N',
    skuPartNumber: 'VISIO_PLAN1_DEPT',
    graphSkuId: 'c5928f49-12ba-48f7-ada3-0d743a3601d6',
    title: 'Visio Plan 1',
    unitPrice: '5.00',
    currency: 'USD',
    termDuration: 'P1Y',
    billingCycle: 'monthly',
    minimumQuantity: 1,
    maximumQuantity: 300,
    servicePlans: [{ servicePlanId: '663a804f-1c30-4ff0-9915-9db84f0d1ceb', servicePlanName: 'VISIO_CLIENT_SUBSCRIPTION_P1' }],
  });
  return seed;
}

describe.skipIf(skipBrowserTests)('Plain words in the Agents Playground', () => {
  let harness: BotHarness;
  let alex: PlaygroundPage;
  let blocked: ReadonlySet<string>;
  usePlaygroundSession({
    name: 'playground-language',
    person: ALEX,
    startBot: () => BotHarness.start({}, { sandboxOptions: { seed: seedWithVisioPlan1() } }),
    ready: (session) => ({ harness, page: alex, blocked } = session),
  });

  const bubbles = (text: string | RegExp) => alex.page.getByText(text).and(alex.page.locator('p'));
  const waitForCards = async (text: string | RegExp, count: number) =>
    expect.poll(() => alex.cards(text).count(), { timeout: UI_TIMEOUT }).toBe(count);
  /** The product chosen on the latest request form. */
  const latestFormProduct = () =>
    alex
      .cards('Request a license')
      .last()
      .getByRole('combobox', { name: /Product/ })
      .inputValue();

  it('answers "hi", "hello there" and "thanks" like a person would', async () => {
    await alex.say('hi');
    await expect.poll(() => bubbles(/^Hi Alex! Tell me what you need/).count(), { timeout: UI_TIMEOUT }).toBe(1);
    await alex.say('hello there');
    await expect.poll(() => bubbles(/^Hi Alex! Tell me what you need/).count(), { timeout: UI_TIMEOUT }).toBe(2);
    await alex.say('thanks');
    await expect.poll(() => bubbles("You're welcome! Anything else, just ask.").count(), { timeout: UI_TIMEOUT }).toBe(1);
  });

  it('"can I get excel?", "I need Photoshop", "I need Adobe Creative Cloud", "request adobe creative cloud": forms with the product chosen', async () => {
    const expected: [string, string][] = [
      ['can I get excel?', 'Microsoft 365 E3: 36.00 USD per month'],
      ['I need Photoshop', 'Creative Cloud for teams — All Apps · Adobe via Marketplace: 98.99 USD per month'],
      ['I need Adobe Creative Cloud', 'Creative Cloud for teams — All Apps · Adobe via Marketplace: 98.99 USD per month'],
      ['request adobe creative cloud', 'Creative Cloud for teams — All Apps · Adobe via Marketplace: 98.99 USD per month'],
    ];
    for (const [i, [text, product]] of expected.entries()) {
      await alex.say(text);
      await waitForCards('Request a license', i + 1);
      // The choice names the product, its price and its term.
      await expect
        .poll(latestFormProduct, { timeout: UI_TIMEOUT })
        .toMatch(new RegExp(`^${product.replace(/[.·—]/g, '.')}, (1-year|monthly) term$`));
    }
    await alex.shot('1-forms');
  });

  it('"reqest visio" asks which Visio; choosing one opens the form, and the request goes in', async () => {
    await alex.say('reqest visio');
    const choice = alex.cards('Did you mean Visio Plan 1 or Visio Plan 2?');
    await waitForCards('Did you mean Visio Plan 1 or Visio Plan 2?', 1);
    await alex.shot('2-did-you-mean');
    await choice.getByRole('button', { name: 'Visio Plan 2' }).click();
    // The choice card turns into the form, Visio Plan 2 chosen.
    await waitForCards('Did you mean Visio Plan 1 or Visio Plan 2?', 0);
    await waitForCards('Request a license', 5);
    await expect.poll(latestFormProduct, { timeout: UI_TIMEOUT }).toBe('Visio Plan 2: 15.00 USD per month, 1-year term');
    const form = alex.cards('Request a license').last();
    await form.getByRole('textbox', { name: /Why do you need it/ }).fill('Network diagrams');
    await form.getByRole('button', { name: 'Submit request' }).click();
    // The form becomes the review (quantity and cost), then, confirmed, the request's card.
    const review = alex.cards('Check your request');
    await expect.poll(() => review.count(), { timeout: UI_TIMEOUT }).toBe(1);
    await review.getByRole('button', { name: 'Confirm and send' }).click();
    // The review becomes the request's card (Alex, an admin, also gets the copy for Adele, who never installed the bot).
    await expect.poll(() => alex.cards(/Visio Plan 2 for Alex Wilber/).count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
  });

  it('"my request" and "who approves my requests?" answer with his requests and his approvers', async () => {
    await alex.say('my request');
    await waitForCards('Your requests', 1);
    expect(await alex.cards('Your requests').innerText()).toContain('Visio Plan 2');
    await alex.say('who approves my requests?');
    await waitForCards('Who approves your requests', 1);
    const answer = await alex.cards('Who approves your requests').innerText();
    expect(answer).toContain('Adele Vance (your manager)');
    expect(answer).toContain('License approvers: Megan Bowen');
    await alex.cards('Who approves your requests').scrollIntoViewIfNeeded();
    await alex.shot('3-who-approves');
  });

  it('"cancel my visio request" asks first; Cancel request cancels it', async () => {
    const requestId = /REQ-(?:[0-9A-F]{16}|[0-9A-F]{8})\b/.exec(
      await alex
        .cards(/Visio Plan 2 for Alex Wilber/)
        .first()
        .innerText(),
    )![0];
    await alex.say('cancel my visio request');
    const confirm = alex.cards('Cancel this request?');
    await waitForCards('Cancel this request?', 1);
    expect(await confirm.innerText()).toContain(requestId);
    expect((await storedRequest(harness, requestId))?.status).toBe('pending');
    await alex.shot('4-cancel-confirm');
    await confirm.getByRole('button', { name: 'Cancel request' }).click();
    await expect.poll(async () => (await storedRequest(harness, requestId))?.status, { timeout: UI_TIMEOUT }).toBe('cancelled');
    await expect.poll(() => alex.page.getByText('Cancelled.').count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
  });

  it('"how much do we spend on azure" shows the Azure spend card to Alex, an admin', async () => {
    await alex.say('how much do we spend on azure');
    await waitForCards(/Cloud spend, Azure/, 1);
  });

  it('a product the catalog lacks: says so, and the admins can be asked', async () => {
    await alex.say('I need Slack');
    const card = alex.cards('I can\'t find "Slack" in your organisation\'s catalog.');
    await waitForCards('I can\'t find "Slack" in your organisation\'s catalog.', 1);
    await card.getByRole('button', { name: 'Ask an admin for it' }).click();
    await expect.poll(() => alex.cards(/Done: I told Alex Wilber or Patti Fernandez/).count(), { timeout: UI_TIMEOUT }).toBe(1);
    const audit = await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 5 });
    expect(audit.items.some((e) => e.action === 'product.asked' && e.target === 'Slack')).toBe(true);
  });

  it('what it does not understand gets suggestions, and a suggestion works like typing it', async () => {
    await alex.say('licenses something something');
    const sorry = alex.cards('Sorry, I didn\'t understand "licenses something something".');
    await waitForCards('Sorry, I didn\'t understand "licenses something something".', 1);
    await alex.shot('5-suggestions');
    await sorry.getByRole('button', { name: 'Request a license' }).click();
    // The answer arrives as the newest card: the request form.
    const newest = () => alex.page.locator('.ac-adaptiveCard').last().innerText();
    await expect.poll(newest, { timeout: UI_TIMEOUT }).toContain('Request a license');
  });

  it('had no failed activity, error card, card warning or page error along the way', async () => {
    await alex.expectNothingWentWrong();
    expectOnlyCdnBlocked(blocked);
  });
});
