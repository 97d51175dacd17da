// Connecting Microsoft 365 as an admin does it, in a real client: Alex Wilber (an admin) in
// the Microsoft 365 Agents Playground, in headless Chromium, types `connect`, presses
// "Grant admin consent", lands on the local consent emulator's page in a new tab, picks
// the tenant's Global Administrator, accepts, sees "Connected" in that tab and the
// confirmation card back in the chat. Cancelling first shows the advice instead.
//
// Needs Chromium at /usr/bin/chromium (see playground-approval.browser.test.ts). Screenshots
// go to test-results/playground-connections-*.png; with UPDATE_SCREENSHOTS=1 the connect
// card also refreshes docs/screenshots/playground-connect.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { projectRoot } from '../../src/paths.js';
import { DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness } from '../harness/bot-harness.js';
import { skipBrowserTests } from '../harness/browser.js';
import { expectOnlyCdnBlocked, PlaygroundPage, RESULTS, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';

const ALEX = PLAYGROUND_USERS.find((u) => u.key === 'alex')!;
const DOCS_SCREENSHOT = join(projectRoot, 'docs', 'screenshots', 'playground-connect.png');

// One scripted session in one browser, step by step: the steps keep their order even in a
// shuffled run (npm run test:shuffled).
describe.skipIf(skipBrowserTests)('Connecting Microsoft 365 from the Agents Playground', { shuffle: false }, () => {
  let harness: BotHarness;
  let alex: PlaygroundPage;
  let blocked: ReadonlySet<string>;
  let context: BrowserContext;
  usePlaygroundSession({
    name: 'playground-connections',
    person: ALEX,
    startBot: () => BotHarness.start(),
    ready: (session) => ({ harness, page: alex, blocked, context } = session),
  });

  /** Presses a card's link button; the page it opens in a new tab. */
  async function follow(card: ReturnType<PlaygroundPage['cards']>, button: string): Promise<Page> {
    const opened = context.waitForEvent('page', { timeout: UI_TIMEOUT });
    // The Playground renders Action.OpenUrl as a link-like button and opens it with window.open.
    await card.getByText(button, { exact: true }).click();
    const tab = await opened;
    await tab.waitForLoadState('domcontentloaded');
    return tab;
  }

  async function shotOf(page: Page, name: string): Promise<void> {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `playground-connections-${name}.png`) });
  }

  it('shows the connections card with every kind of account', async () => {
    await alex.say('connect');
    const card = alex.cards('Connections');
    await expect.poll(() => card.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const text = await card.innerText();
    for (const part of [
      'Microsoft 365',
      'Partner Center',
      'Not connected',
      'Grant admin consent',
      'Sign in (integration sandbox)',
      'Add Azure scope',
      'Add AWS account',
    ])
      expect(text).toContain(part);
    await alex.shot('1-connect');
  });

  it('cancelling on the consent page gives advice and connects nothing', async () => {
    const tab = await follow(alex.cards('Connections').last(), 'Grant admin consent');
    await expect.poll(() => tab.getByText('Permissions requested').count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await tab.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => tab.getByText('Consent was not given').count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await shotOf(tab, '2-cancelled');
    await tab.close();
    await expect.poll(() => alex.cards('Consent was not given').count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await harness!.qm.connections.get(DEMO_TENANT_ID, 'microsoft365')).toBeUndefined();
  });

  it('accepting as the Global Administrator connects, in the tab and back in the chat', async () => {
    await alex.say('connect');
    const tab = await follow(alex.cards('Connections').last(), 'Grant admin consent');
    await tab.getByLabel(/Patti Fernandez/).check();
    await shotOf(tab, '3-consent-page');
    await tab.getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => tab.getByText('Connected', { exact: true }).count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await tab.locator('body').innerText()).toContain('You can close this tab');
    await shotOf(tab, '4-connected-tab');
    await tab.close();

    const notice = alex.cards('Microsoft 365 is connected');
    await expect.poll(() => notice.count(), { timeout: UI_TIMEOUT }).toBe(1);
    await alex.say('connect');
    const latest = alex.cards('Connections').last();
    await expect.poll(() => latest.innerText(), { timeout: UI_TIMEOUT }).toMatch(/Microsoft 365\s+Connected/);
    await latest.scrollIntoViewIfNeeded();
    await alex.shot('5-connected');
    if (process.env.UPDATE_SCREENSHOTS) {
      await alex.messageBox().blur();
      mkdirSync(join(projectRoot, 'docs', 'screenshots'), { recursive: true });
      await alex.page.screenshot({ path: DOCS_SCREENSHOT });
    }
    expect(await harness!.qm.connections.get(DEMO_TENANT_ID, 'microsoft365')).toMatchObject({ state: 'connected' });
  });

  it('had no failed activity, error card, card warning or page error along the way', async () => {
    await alex.expectNothingWentWrong();
    expectOnlyCdnBlocked(blocked);
  });
});
