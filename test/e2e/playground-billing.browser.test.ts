// Billing as an admin and a cost owner live it, in a real client: Alex Wilber (an admin, and
// the person the Marketing department's statements go to) in the Microsoft 365 Agents
// Playground, in headless Chromium. He types `invoices`, gets the invoice cards once the
// worker has read Partner Center, asks for the download link and gets the file; then, on the
// first working day, Marketing's statement card reaches his chat.
//
// The Playground does not implement Teams' file consent (no OneDrive behind it), so the file
// comes through the card's download link here; the consent card itself is checked in
// test/e2e/billing.test.ts. Needs Chromium at /usr/bin/chromium. Screenshots go to
// test-results/playground-billing-*.png.
import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness } from '../harness/bot-harness.js';
import { skipBrowserTests } from '../harness/browser.js';
import { PlaygroundPage, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';

const ALEX = PLAYGROUND_USERS.find((u) => u.key === 'alex')!;
/** The test clock reads 2026-06-17: May's Partner Center invoice was issued on June 8. */
const MAY_INVOICE = 'G026050001';

describe.skipIf(skipBrowserTests)('Billing in the Agents Playground', { shuffle: false }, () => {
  let harness: BotHarness;
  let alex: PlaygroundPage;
  let context: BrowserContext;
  usePlaygroundSession({
    name: 'playground-billing',
    person: ALEX,
    startBot: () => BotHarness.start({}),
    ready: (session) => ({ harness, page: alex, context } = session),
  });

  it('lists the invoices an admin asks for, and hands over the file', async () => {
    await alex.say('invoices');
    // The first time, the worker reads Partner Center and the cards arrive in the chat.
    const invoice = alex.cards(`Partner Center invoice ${MAY_INVOICE}`);
    await expect.poll(() => invoice.count(), { timeout: UI_TIMEOUT * 2 }).toBe(1);
    await alex.shot('1-invoices');
    // The Playground renders Action.OpenUrl as a link-like button. A click made while the other
    // invoices' cards are still arriving can be lost in the re-render (seen in CI): click again
    // until the card shows the link (a second click gets the same card).
    const open = invoice.getByText(/^Open the CSV/);
    await expect
      .poll(
        async () => {
          if ((await open.count()) === 0) await invoice.getByRole('button', { name: 'Download link' }).click();
          return open.count();
        },
        { timeout: UI_TIMEOUT * 2, interval: 3000 },
      )
      .toBe(1);
    // The link opens a tab (window.open) on the bot's download address; the same browser then fetches what it serves.
    const requested = context.waitForEvent('request', {
      predicate: (request) => request.url().includes('/api/billing/documents/'),
      timeout: UI_TIMEOUT,
    });
    await open.click();
    const file = await context.request.get((await requested).url());
    expect(file.status()).toBe(200);
    expect(file.headers()['content-disposition']).toBe(`attachment; filename="Invoice_${MAY_INVOICE}_lines.csv"`);
    const csv = await file.text();
    expect(csv.split('\n')[0]).toMatch(/Product/);
    expect(csv).toContain('Microsoft 365 E3');
    await alex.shot('2-download');
  }, 90_000);

  it('brings the Marketing statement to the person it goes to on the first working day', async () => {
    const qm = harness.qm;
    const admin = { tenantId: DEMO_TENANT_ID, aadObjectId: ALEX.aadObjectId, name: ALEX.name };
    const marketing = (await qm.billing!.owners.owners(DEMO_TENANT_ID)).owners.find((o) => o.name === 'Marketing')!;
    const saved = await qm.billing!.owners.save(admin, marketing.id, { name: 'Marketing', departments: 'Marketing', recipients: ALEX.upn });
    expect(saved.ok).toBe(true);
    const sent = await qm.billing!.chargeback.sendStatements([DEMO_TENANT_ID], new Date('2026-06-01T08:15:00Z'));
    expect(sent.sent).toBeGreaterThan(0);
    const statement = alex.cards(/Marketing/).filter({ hasText: /May 2026/ });
    await expect.poll(() => statement.count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    await statement.last().scrollIntoViewIfNeeded();
    await alex.shot('3-statement');
    await alex.expectNothingWentWrong();
  });
});
