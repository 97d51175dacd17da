// Headless Debian Chromium for the Playground tests, fenced to loopback: other host names
// never reach a DNS server, and any request off loopback is aborted and remembered.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** Skip locally without Chromium (with a warning); in CI a missing Chromium fails the test. */
export const skipBrowserTests = !hasChromium && !process.env.CI;

if (skipBrowserTests) {
  console.warn(
    `Skipping the Agents Playground browser tests: no Chromium at ${CHROMIUM}. Install it with "sudo apt-get install -y chromium" to run them.`,
  );
}

export function requireChromium(): void {
  if (!hasChromium)
    throw new Error(
      `Chromium is missing at ${CHROMIUM}; CI must install it (apt-get install -y chromium) to run the Agents Playground browser tests.`,
    );
}

export function launchLoopbackChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
}

/** A 1280×900 UTC context whose off-loopback requests are aborted and added to `blocked`. */
export async function loopbackContext(browser: Browser, blocked: Set<string>): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') return route.continue();
    blocked.add(url.origin);
    return route.abort('blockedbyclient');
  });
  return context;
}
