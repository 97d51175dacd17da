// One person's Microsoft 365 Agents Playground, open in a headless Chromium page, for the
// browser tests that drive the bot as people would: type, read cards, click their buttons.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { ChildProcesses } from '../../src/local/child-processes.js';
import { createLogger } from '../../src/logger.js';
import { startPlayground } from '../../src/local/playground.js';
import { writePlaygroundConfig, type PlaygroundUser } from '../../src/local/playground-users.js';
import { projectRoot } from '../../src/paths.js';
import type { BotHarness } from './bot-harness.js';
import { launchLoopbackChromium, loopbackContext, requireChromium } from './browser.js';
import { freePort } from './ports.js';

export const UI_TIMEOUT = 20_000;
export const RESULTS = join(projectRoot, 'test-results');

/** How many `items` the page shows once it has stopped adding them (the same count a second apart). */
export async function settledCount(items: Pick<Locator, 'count'>): Promise<number> {
  let count = await items.count();
  for (const deadline = Date.now() + UI_TIMEOUT; Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = await items.count();
    if (now === count) return count;
    count = now;
  }
  throw new Error('the page kept adding them');
}

/**
 * Playground warnings we understand and accept. Approval cards carry `refresh.userIds` (the
 * approvers of the current step), so that in Teams each approver's copy refreshes into
 * their own view (Universal Actions "user-specific views"). The Playground does not do
 * that yet and says so, in its log panel and under the card; the card itself, already
 * rendered for its viewer, shows just as it should.
 */
export const KNOWN_PLAYGROUND_WARNINGS = [/User specific view is not supported yet in Microsoft 365 Agents playground/];

/**
 * Stops what a browser test started, each step on its own, so that one failing does not
 * leave the others running; failures are printed, not thrown (clean-up must finish).
 */
export async function runCleanUpSteps(testName: string, steps: [string, () => Promise<unknown> | undefined][]): Promise<void> {
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (error) {
      console.error(`${testName} clean-up: stopping the ${name} failed`, error);
    }
  }
}

/** What a rendered card's FactSet shows for `title`: '' when the value is empty, undefined when there is no such fact. */
export function factOf(card: Locator, title: string): Promise<string | undefined> {
  return card.evaluate((element, wanted) => {
    const textOf = (node: unknown) => (node as { innerText: string }).innerText.trim();
    const match = [...element.querySelectorAll('.ac-fact-title')].find((t) => textOf(t) === wanted);
    if (!match) return undefined;
    const value = match.nextElementSibling;
    return value?.classList.contains('ac-fact-value') ? textOf(value) : '';
  }, title);
}

/** A Playground process whose current user is `person`, pointed at `botUrl`; its work folder goes into `workDirs`. */
export async function playgroundFor(children: ChildProcesses, person: PlaygroundUser, botUrl: string, workDirs: string[]): Promise<string> {
  const workDir = mkdtempSync(join(tmpdir(), `qm-playground-${person.key}-`));
  workDirs.push(workDir);
  writePlaygroundConfig(workDir, person);
  const { url } = await startPlayground(children, { port: await freePort(), botEndpoint: `${botUrl}/api/messages`, workDir });
  return url;
}

export interface PlaygroundSession {
  harness: BotHarness;
  /** The person's Playground, open in a page. */
  page: PlaygroundPage;
  /** The browser context (new tabs the page opens arrive here). */
  context: BrowserContext;
  /** Outside requests the pages tried (loopback only is allowed): see expectOnlyCdnBlocked. */
  blocked: ReadonlySet<string>;
  /** The `others`' Playgrounds, in the order given. */
  others: PlaygroundPage[];
}

/**
 * One bot and one person's Playground for a describe block: `startBot` brings the bot up
 * before the tests, then the Playground and a Chromium page open (whatever started is
 * stopped again if a step fails); `ready` receives them. `others` get Playgrounds of their
 * own, each in a browser context of its own (people on different computers), opened before
 * `person`'s (opening installs the bot in their chat, so the bot can reach them). A failed
 * test leaves a screenshot of every page; everything stops after the last test. `name`
 * prefixes the screenshots.
 */
export function usePlaygroundSession(options: {
  name: string;
  person: PlaygroundUser;
  others?: PlaygroundUser[];
  startBot: () => Promise<BotHarness>;
  ready: (session: PlaygroundSession) => void;
}): void {
  let harness: BotHarness | undefined;
  let children: ChildProcesses | undefined;
  let browser: Browser | undefined;
  let pages: PlaygroundPage[] = [];
  const workDirs: string[] = [];
  const blocked = new Set<string>();

  async function cleanUp(): Promise<void> {
    const steps: [string, () => Promise<unknown> | undefined][] = [
      ['browser', () => browser?.close()],
      ['playground', () => children?.stopAll()],
      ['bot', () => harness?.stop()],
      ['work dirs', async () => workDirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }))],
      ['environment', async () => vi.unstubAllEnvs()],
    ];
    browser = undefined;
    pages = [];
    await runCleanUpSteps(options.name, steps);
    children = undefined;
    harness = undefined;
  }

  beforeAll(async () => {
    requireChromium();
    try {
      harness = await options.startBot();
      children = new ChildProcesses(createLogger('silent'));
      // Even with --disable-telemetry, the Playground's Application Insights SDK probes the internet ("Statsbeat").
      vi.stubEnv('APPLICATION_INSIGHTS_NO_STATSBEAT', '1');
      const people = [...(options.others ?? []), options.person];
      const urls = await Promise.all(people.map((person) => playgroundFor(children!, person, harness!.qm.url, workDirs)));
      browser = await launchLoopbackChromium();
      let context: BrowserContext | undefined;
      for (const [i, person] of people.entries()) {
        context = await loopbackContext(browser, blocked);
        pages.push(await PlaygroundPage.open(context, person, urls[i]!, options.name));
      }
      options.ready({ harness, page: pages.at(-1)!, context: context!, blocked, others: pages.slice(0, -1) });
    } catch (error) {
      await cleanUp();
      throw error;
    }
  }, 150_000);

  afterEach(async ({ task }) => {
    if (!browser) return;
    for (const page of pages) await page.shotIfFailed(task, pages.length > 1 ? `-${page.person.key}` : '');
  });

  afterAll(async () => {
    await cleanUp();
  }, 60_000);
}

export class PlaygroundPage {
  readonly pageErrors: string[] = [];

  constructor(
    readonly person: PlaygroundUser,
    readonly page: Page,
    /** Screenshots are saved as test-results/<prefix>-<name>.png. */
    private readonly shotPrefix: string,
  ) {
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  /** Opens the Playground and waits for the welcome card: the install reached the bot, so it can reach this person. */
  static async open(context: BrowserContext, person: PlaygroundUser, url: string, shotPrefix: string): Promise<PlaygroundPage> {
    const page = new PlaygroundPage(person, await context.newPage(), shotPrefix);
    await page.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30_000 });
    await page.messageBox().waitFor();
    await page.cards('Welcome to Quartermaster').waitFor();
    return page;
  }

  messageBox(): Locator {
    return this.page.getByRole('textbox').last();
  }

  /** Rendered Adaptive Cards that show `text`. */
  cards(text: string | RegExp): Locator {
    return this.page.locator('.ac-adaptiveCard').filter({ hasText: text });
  }

  async say(text: string): Promise<void> {
    const sameText = this.page.getByText(text, { exact: true });
    const before = await sameText.count();
    const box = this.messageBox();
    await box.click();
    await box.fill(text);
    await box.press('Enter');
    // The user's own bubble (and the log panel line) show the message was sent.
    await expect.poll(() => sameText.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(before);
  }

  async shot(name: string): Promise<void> {
    mkdirSync(RESULTS, { recursive: true });
    await this.page.screenshot({ path: join(RESULTS, `${this.shotPrefix}-${name}.png`) });
  }

  /** The log panel's activity lines: [type, HTTP status] for each. */
  async loggedActivities(): Promise<[string, number][]> {
    const text = await this.page.locator('body').innerText();
    return [...text.matchAll(/(?:User Application|Agents Playground)\s+(\w+)\s+(\d{3})\b/g)].map((m) => [m[1]!, Number(m[2])]);
  }

  /** A screenshot named after the test, when it failed (for afterEach). */
  async shotIfFailed(task: { name: string; result?: { state?: string } }, suffix = ''): Promise<void> {
    if (task.result?.state !== 'fail') return;
    await this.shot(`failed-${task.name.replace(/\W+/g, '-').slice(0, 50)}${suffix}`).catch(() => undefined);
  }

  /** How every walk through the Playground ends: no failed activity, error card, unknown card warning or page error. */
  async expectNothingWentWrong(): Promise<void> {
    const activities = await this.loggedActivities();
    expect(activities.filter(([, status]) => status >= 400)).toEqual([]);
    expect(await this.page.getByText(/Something went wrong|Sorry, that did not work|try again in a minute/).count()).toBe(0);
    expect((await this.warnings()).filter((line) => !KNOWN_PLAYGROUND_WARNINGS.some((known) => known.test(line)))).toEqual([]);
    expect(this.pageErrors).toEqual([]);
  }

  /** Lines of the page (log panel and notes under cards included) that look like warnings or errors. */
  async warnings(): Promise<string[]> {
    const text = await this.page.locator('body').innerText();
    return text.split('\n').filter((line) => /warn|not supported|unsupported|invalid|something went wrong|error/i.test(line));
  }
}

/** Only the Playground's CDN assets (fonts, an animation) may have been asked for off loopback, and refused. */
export function expectOnlyCdnBlocked(blocked: ReadonlySet<string>): void {
  expect([...blocked].filter((origin) => !origin.endsWith('.cdn.office.net'))).toEqual([]);
}
