// The bot in a real client: the Microsoft 365 Agents Playground (a Teams-like web app that
// also plays the Bot Connector for the bot) driven by headless Chromium. What the other e2e
// tests assert on activities, this one asserts on what a person sees: the welcome card on
// install, the help card (admin commands included), a card button, and the answer to nonsense.
//
// Needs Chromium at /usr/bin/chromium (apt-get install -y chromium). Without it the file is
// skipped locally and fails in CI. Screenshots go to test-results/playground-*.png; with
// UPDATE_SCREENSHOTS=1 it also refreshes the README's docs/screenshots/playground-help.png.
//
// Playground facts this relies on (v0.2.x):
// - Opening the page connects it to the bot and sends installationUpdate + conversationUpdate
//   (bot and user added) to the personal chat, so the welcome card appears without any click.
//   Every page load does it again with the same conversation id and an emptied chat.
// - The message box is the only role=textbox (a Lexical contenteditable); Enter sends.
// - Cards are rendered by the Adaptive Cards JS SDK: each card is a `.ac-adaptiveCard`, its
//   actions are real <button>s. Action.Execute replies replace the card in place.
// - The log panel lists every activity as "<sender> -> <receiver> <type> <HTTP status>".
// - The page asks a CDN for Segoe UI fonts and an animation worklet; we block everything
//   that is not loopback, so it falls back to the system font.
// - The Playground probes the bot endpoint with HEAD on every page load (the bot says 405).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChildProcesses } from '../../src/local/child-processes.js';
import { startPlayground } from '../../src/local/playground.js';
import { createLogger } from '../../src/logger.js';
import { projectRoot } from '../../src/paths.js';
import { BotHarness } from '../harness/bot-harness.js';
import { freePort } from '../harness/ports.js';
import { runCleanUpSteps } from '../harness/playground-page.js';
import { launchLoopbackChromium, loopbackContext, requireChromium, skipBrowserTests } from '../harness/browser.js';

/** The Playground's default user (its built-in config): Alex Wilber in a fake tenant. */
const PLAYGROUND_USER = { tenantId: '00000000-0000-0000-0000-0000000000001', aadObjectId: '00000000-0000-0000-0000-0000000000020' };

const UI_TIMEOUT = 20_000;
const RESULTS = join(projectRoot, 'test-results');
const README_SCREENSHOT = join(projectRoot, 'docs', 'screenshots', 'playground-help.png');

// One scripted session in one browser, step by step: the steps keep their order even in a
// shuffled run (npm run test:shuffled).
describe.skipIf(skipBrowserTests)('Agents Playground in headless Chromium', { shuffle: false }, () => {
  let harness: BotHarness | undefined;
  let children: ChildProcesses | undefined;
  let workDir: string | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const blocked = new Set<string>();
  const pageErrors: string[] = [];

  async function cleanUp(): Promise<void> {
    // Each step on its own, so one failing does not leave the others running.
    const steps: [string, () => Promise<unknown> | undefined][] = [
      ['browser', () => browser?.close()],
      ['playground', () => children?.stopAll()],
      ['bot', () => harness?.stop()],
      ['work dir', async () => workDir && rmSync(workDir, { recursive: true, force: true })],
      ['environment', async () => vi.unstubAllEnvs()],
    ];
    browser = undefined;
    await runCleanUpSteps('playground test', steps);
    children = undefined;
    harness = undefined;
    workDir = undefined;
  }

  beforeAll(async () => {
    requireChromium();
    try {
      harness = await BotHarness.start({ bootstrapAdmins: [PLAYGROUND_USER] });
      children = new ChildProcesses(createLogger('silent'));
      workDir = mkdtempSync(join(tmpdir(), 'qm-playground-'));
      // Even with --disable-telemetry, the Playground's Application Insights SDK starts
      // "Statsbeat": a DNS lookup of *.in.applicationinsights.azure.com and a probe of the
      // Azure metadata endpoint 169.254.169.254. This switch (inherited by the child) stops both.
      vi.stubEnv('APPLICATION_INSIGHTS_NO_STATSBEAT', '1');
      const playground = await startPlayground(children, {
        port: await freePort(),
        botEndpoint: `${harness.qm.url}/api/messages`,
        workDir,
      });

      browser = await launchLoopbackChromium();
      const context = await loopbackContext(browser, blocked);
      page = await context.newPage();
      page.setDefaultTimeout(UI_TIMEOUT);
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(playground.url, { waitUntil: 'domcontentloaded', timeout: 30_000 });
      await messageBox().waitFor();
    } catch (error) {
      await cleanUp();
      throw error;
    }
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && browser) {
      await shot(`failed-${context.task.name.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
    }
  });

  afterAll(async () => {
    await cleanUp();
  }, 60_000);

  const messageBox = (): Locator => page.getByRole('textbox');
  /** Rendered Adaptive Cards that show `text`. */
  const cards = (text: string): Locator => page.locator('.ac-adaptiveCard').filter({ hasText: text });

  async function say(text: string): Promise<void> {
    const sameText = page.getByText(text, { exact: true });
    const before = await sameText.count();
    const box = messageBox();
    await box.click();
    await box.fill(text);
    await box.press('Enter');
    // The user's own bubble (and the log panel line) show the message was sent.
    await expect.poll(() => sameText.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(before);
  }

  async function shot(name: string): Promise<void> {
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, `playground-${name}.png`) });
  }

  /** The log panel's activity lines: [type, HTTP status] for each. */
  async function loggedActivities(): Promise<[string, number][]> {
    const text = await page.locator('body').innerText();
    return [...text.matchAll(/(?:User Application|Agents Playground)\s+(\w+)\s+(\d{3})\b/g)].map((m) => [m[1]!, Number(m[2])]);
  }

  it('shows the welcome card when the Playground installs the bot on load', async () => {
    const welcome = cards('Welcome to Quartermaster');
    await welcome.waitFor();
    expect(await welcome.count()).toBe(1);
    await expect.poll(() => welcome.innerText()).toContain('Type help at any time');
    expect(await welcome.getByRole('button', { name: 'Show help' }).isVisible()).toBe(true);
    await expect.poll(loggedActivities, { timeout: UI_TIMEOUT }).toEqual(
      expect.arrayContaining([
        ['installationUpdate', 200],
        ['conversationUpdate', 200],
      ]),
    );
    await shot('1-welcome');
  });

  it('answers "help" with the help card, admin commands included', async () => {
    await say('help');
    const help = cards('What I can do for you');
    await expect.poll(() => help.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const text = await help.innerText();
    expect(text).toContain('Signed in as Alex Wilber, role: admin.');
    expect(text).toMatch(/^status\s+Storage, version and uptime of Quartermaster$/m);
    expect(text).toMatch(/^whoami\s/m);
    await shot('2-help');
    if (process.env.UPDATE_SCREENSHOTS) {
      // For the README: welcome card and help card, nothing focused, scrolled to the top.
      await messageBox().blur();
      await page.mouse.move(640, 760);
      await cards('Welcome to Quartermaster').scrollIntoViewIfNeeded();
      mkdirSync(join(projectRoot, 'docs', 'screenshots'), { recursive: true });
      await page.screenshot({ path: README_SCREENSHOT });
    }
  });

  it('replaces the welcome card by the help card when "Show help" is clicked', async () => {
    const welcome = cards('Welcome to Quartermaster');
    await welcome.getByRole('button', { name: 'Show help' }).click();
    await expect.poll(() => welcome.count(), { timeout: UI_TIMEOUT }).toBe(0);
    await expect.poll(() => cards('What I can do for you').count(), { timeout: UI_TIMEOUT }).toBe(2);
    expect(await cards('What I can do for you').first().innerText()).toContain('role: admin');
    await expect.poll(loggedActivities, { timeout: UI_TIMEOUT }).toEqual(expect.arrayContaining([['invoke', 200]]));
    await shot('3-show-help');
  });

  it('says it did not understand nonsense, and offers help', async () => {
    await say('florp the wibble');
    const sorry = cards('Sorry, I didn\'t understand "florp the wibble".');
    await expect.poll(() => sorry.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await sorry.getByRole('button', { name: 'Show help' }).isVisible()).toBe(true);
    await shot('4-unknown');
  });

  it('shows an admin the catalog card: what can be requested and where prices come from', async () => {
    await say('catalog');
    const catalog = cards('products can be requested');
    await expect.poll(() => catalog.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const text = await catalog.innerText();
    expect(text).toMatch(/^Catalog$/m);
    expect(text).toContain('Prices');
    expect(text).toContain("Microsoft's licensing reference, then your mappings below");
    expect(await catalog.getByRole('button', { name: 'Refresh' }).isVisible()).toBe(true);
    await shot('5-catalog');
  });

  it('had no failed activity, error card or page error along the way', async () => {
    const activities = await loggedActivities();
    expect(activities.length).toBeGreaterThanOrEqual(8);
    expect(activities.filter(([, status]) => status >= 400)).toEqual([]);
    expect(await page.getByText(/Something went wrong|Sorry, that did not work|try again in a minute/).count()).toBe(0);
    expect(pageErrors).toEqual([]);
    // Only the Playground's CDN assets (fonts, an animation) were asked for, and refused.
    expect([...blocked].filter((origin) => !origin.endsWith('.cdn.office.net'))).toEqual([]);
  });
});
