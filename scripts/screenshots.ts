// `npm run screenshots`: the README tour and the admin features walked in the Microsoft 365
// Agents Playground as `npm start` runs it (Azurite, the loopback emulators, the bot, one
// Playground per person), in headless Chromium fenced to loopback. Each card is saved,
// cropped to the card, into docs/screenshots/<theme>/<name>.png for every theme the
// Playground can show (light, and high contrast dark and light).
//
// The Playground (0.2.x) has no theme switch of its own: it follows the browser, and only for
// contrast. Under Chromium's emulated `forced-colors: active` (Windows' contrast themes) its
// cards render in the system colours, dark or light after `prefers-color-scheme`; a plain
// `prefers-color-scheme: dark` changes nothing on its cards (their host config is fixed and
// light), so there is no dark theme to shoot. Each card is re-shot in place after switching
// the emulated media.
//
// Needs Chromium at /usr/bin/chromium (apt-get install -y chromium).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { loadConfig, loadEnvFile } from '../src/config.js';
import { startQuartermaster, type Quartermaster } from '../src/index.js';
import { startAzurite } from '../src/local/azurite.js';
import { ChildProcesses } from '../src/local/child-processes.js';
import { startPlayground } from '../src/local/playground.js';
import { PLAYGROUND_USERS, writePlaygroundConfig, type PlaygroundUser } from '../src/local/playground-users.js';
import { createLogger } from '../src/logger.js';
import { projectRoot } from '../src/paths.js';
import { generateKeyText } from '../src/security/secret-box.js';
import { launchLoopbackChromium, loopbackContext, requireChromium } from '../test/harness/browser.js';

const OUT = join(projectRoot, 'docs', 'screenshots');
const UI_TIMEOUT = 30_000;

/** The themes the Playground can show, as Chromium emulates them. */
const THEMES = [
  { name: 'light', media: { colorScheme: 'light', forcedColors: 'none' } },
  { name: 'high-contrast-dark', media: { colorScheme: 'dark', forcedColors: 'active' } },
  { name: 'high-contrast-light', media: { colorScheme: 'light', forcedColors: 'active' } },
] as const;

const person = (key: string): PlaygroundUser => PLAYGROUND_USERS.find((u) => u.key === key)!;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One person's Playground page: say things, wait for the card that answers, shoot it in every theme. */
class Tab {
  constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    page.setDefaultTimeout(UI_TIMEOUT);
  }

  cards(text: string | RegExp): Locator {
    return this.page.locator('.ac-adaptiveCard').filter({ hasText: text });
  }

  /** Types `text` and waits for a new card showing `expect`; returns that card (the latest). */
  async say(text: string, expect: string | RegExp): Promise<Locator> {
    const before = await this.cards(expect).count();
    const box = this.page.getByRole('textbox').last();
    await box.click();
    await box.fill(text);
    await box.press('Enter');
    return this.newCard(expect, before);
  }

  /** The latest card showing `text`, once there are more than `before` of them. */
  async newCard(text: string | RegExp, before: number): Promise<Locator> {
    const cards = this.cards(text);
    const deadline = Date.now() + UI_TIMEOUT;
    while ((await cards.count()) <= before) {
      if (Date.now() > deadline) throw new Error(`${this.name}: no new card showing ${String(text)}`);
      await this.page.waitForTimeout(200);
    }
    return cards.last();
  }

  /** The card, cropped, in every theme: docs/screenshots/<theme>/<name>.png. */
  async shoot(card: Locator, name: string): Promise<void> {
    // A card taller than the window would be shot under the Playground's header: grow the window to fit it.
    const box = await card.boundingBox();
    const viewport = this.page.viewportSize()!;
    if (box && box.height + 240 > viewport.height)
      await this.page.setViewportSize({ width: viewport.width, height: Math.ceil(box.height) + 240 });
    await card.scrollIntoViewIfNeeded();
    for (const theme of THEMES) {
      await this.page.emulateMedia(theme.media);
      // Styles apply on the next frame.
      await this.page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      mkdirSync(join(OUT, theme.name), { recursive: true });
      await card.screenshot({ path: join(OUT, theme.name, `${name}.png`), animations: 'disabled' });
    }
    await this.page.emulateMedia(THEMES[0].media);
    await this.page.setViewportSize(viewport);
    console.log(`saved ${name}`);
  }
}

async function main(): Promise<void> {
  requireChromium();
  const children = new ChildProcesses(createLogger('silent'));
  const dataDir = mkdtempSync(join(tmpdir(), 'qm-shots-'));
  let qm: Quartermaster | undefined;
  let browser: Browser | undefined;
  try {
    // `npm start`'s configuration (env/.env.local), on free ports, with data of its own.
    loadEnvFile();
    const botPort = await freePort();
    const config = loadConfig({
      ...process.env,
      PORT: String(botPort),
      LOG_LEVEL: 'warn',
      PLAYGROUND: 'false',
      SECRET_KEYS: `shots:${generateKeyText()}`,
    });
    const azurite = await startAzurite(children, { tablePort: await freePort(), queuePort: await freePort(), dataDir });
    qm = await startQuartermaster({ ...config, storage: { kind: 'connection-string', connectionString: azurite.connectionString } });
    await qm.languageReady;

    browser = await launchLoopbackChromium();
    const blocked = new Set<string>();
    // Adele first: opening her Playground installs the bot in her chat, so the approval card reaches her.
    const tabs: Record<string, Tab> = {};
    for (const key of ['adele', 'megan', 'alex']) {
      const workDir = join(dataDir, `playground-${key}`);
      writePlaygroundConfig(workDir, person(key));
      const { url } = await startPlayground(children, {
        port: await freePort(),
        botEndpoint: `${qm.url}/api/messages`,
        workDir,
      });
      const context = await loopbackContext(browser, blocked);
      const tab = new Tab(await context.newPage(), key);
      await tab.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await tab.cards('Welcome to Quartermaster').waitFor();
      tabs[key] = tab;
    }
    const { alex, adele, megan } = tabs as { alex: Tab; adele: Tab; megan: Tab };
    await alex.shoot(alex.cards('Welcome to Quartermaster').last(), 'welcome');

    // The README tour, step 1: help, then a request through the form and its review.
    await alex.shoot(await alex.say('help', 'What I can do for you'), 'help');
    const form = await alex.say('request visio', 'Request a license');
    // Markup in what a person types must show as typed on every card that quotes it.
    await form.getByRole('textbox', { name: /Why do you need it/ }).fill('Floor plans for the *new* store, see <b>brief</b>');
    await alex.shoot(form, 'request-form');
    const reviews = await alex.cards('Confirm and send').count();
    await form.getByRole('button', { name: 'Submit request' }).click();
    const review = await alex.newCard('Confirm and send', reviews);
    await alex.shoot(review, 'request-review');
    const sent = await alex.cards(/Waiting for/).count();
    await review.getByRole('button', { name: /Confirm and send/ }).click();
    await alex.shoot(await alex.newCard(/Waiting for/, sent), 'request-status');

    // Step 2: the approval card reaches Adele, then Megan.
    const approval = await adele.newCard(/Requested by/, 0);
    await adele.shoot(approval, 'approval');
    await approval.getByRole('button', { name: 'Approve' }).click();
    const meganCard = await megan.newCard(/Requested by/, 0);
    await meganCard.getByRole('button', { name: 'Approve' }).click();
    // Step 3: Alex is told it is done (bought and assigned).
    await alex.page
      .getByText(/is done/)
      .first()
      .waitFor({ timeout: 60_000 });

    // Step 4: the lists.
    await alex.shoot(await alex.say('my requests', 'Your requests'), 'requests');
    await alex.shoot(await alex.say('approvals', 'Waiting for your decision'), 'approvals');

    // Admin features.
    const subscriptions = await alex.say('subscriptions', 'Subscriptions');
    await alex.shoot(subscriptions, 'subscriptions');
    const details = await alex.cards(/Remove seats|Add seats/).count();
    await subscriptions.getByRole('button', { name: 'Manage' }).first().click();
    await alex.shoot(await alex.newCard(/Add seats/, details), 'subscription-seats');
    await alex.shoot(await alex.say('connect', 'Add AWS account'), 'connect');
    await alex.shoot(await alex.say('budgets', 'Budgets'), 'budgets');
    await alex.shoot(await alex.say('audit', /Audit/), 'audit');
    await alex.shoot(await alex.say('whoami', /role/i), 'whoami');
    await alex.shoot(await alex.say('units', 'Units and quotas'), 'units');
    await alex.shoot(await alex.say('invoices', /Invoice|invoice/), 'invoices');

    const offLoopback = [...blocked].filter((origin) => !origin.endsWith('.cdn.office.net'));
    if (offLoopback.length > 0) throw new Error(`the Playground asked for ${offLoopback.join(', ')}`);
  } finally {
    await browser?.close().catch(() => undefined);
    await qm?.stop().catch(() => undefined);
    await children.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
