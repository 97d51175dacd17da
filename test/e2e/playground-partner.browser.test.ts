// Partner mode in real clients: two Microsoft 365 Agents Playgrounds in two tenants, both
// pointed at one bot. In the partner's tenant, its admin (Avery, an Admin agent) signs in to
// Partner Center from `connect`, links the customer Contoso on `customers`, and turns off
// approval in Contoso's license settings from `customer contoso`. In Contoso's tenant, Isaiah
// (an employee, not an admin) asks for Project Plan 3 on the form card; the request needs no
// approver now, so it is bought at once through the partner's Partner Center sign-in (Contoso
// has no connection of its own). Back in the partner's Playground, `orders contoso` shows the
// order with its item and the request it came from.
//
// Needs Chromium at /usr/bin/chromium (see playground-approval.browser.test.ts). Screenshots go
// to test-results/playground-partner-*.png.
//
// Playground facts this relies on (v0.2.x), besides those in playground-approval: each
// instance's `.m365agentsplayground.yml` names its tenant (`tenantId`), which every activity
// carries (conversation.tenantId, channelData.tenant.id); so one instance per tenant.
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS, type PlaygroundUser } from '../../src/local/playground-users.js';
import { DEMO_GROUPS, DEMO_OFFERS, DEMO_PARTNER_TENANT_ID, DEMO_TENANT_ID, DEMO_USERS, SIGN_IN_ACCOUNTS } from '../../src/sandbox/index.js';
import { BotHarness, testConfig } from '../harness/bot-harness.js';
import { skipBrowserTests } from '../harness/browser.js';
import { expectOnlyCdnBlocked, factOf, type PlaygroundPage, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';

const ISAIAH = PLAYGROUND_USERS.find((u) => u.key === 'isaiah')!;
const partnerPerson = (key: string, account: { id: string; userPrincipalName: string; displayName: string }): PlaygroundUser => ({
  key,
  id: `user-id-${key}`,
  name: account.displayName,
  upn: account.userPrincipalName,
  aadObjectId: account.id,
});
/**
 * The demo partner's admin, in the partner's own tenant (a Partner Center Admin agent too). The
 * Playground lists at least five other people of the tenant: the partner's staff the sign-in
 * emulator knows, and two more who never appear in the test.
 */
const AVERY: PlaygroundUser = {
  ...partnerPerson('avery', SIGN_IN_ACCOUNTS.partnerAdminAgent),
  tenant: {
    id: DEMO_PARTNER_TENANT_ID,
    colleagues: [
      partnerPerson('noel', SIGN_IN_ACCOUNTS.partnerNoAgentRole),
      partnerPerson('pat', SIGN_IN_ACCOUNTS.partnerPasswordOnly),
      partnerPerson('morgan', SIGN_IN_ACCOUNTS.partnerNoMfa),
      partnerPerson('quinn', {
        id: 'c5b9a7e0-0000-4000-8000-00000000a0f1',
        userPrincipalName: 'quinn@partner.example',
        displayName: 'Quinn Sales',
      }),
      partnerPerson('robin', {
        id: 'c5b9a7e0-0000-4000-8000-00000000a0f2',
        userPrincipalName: 'robin@partner.example',
        displayName: 'Robin Support',
      }),
    ],
  },
};
const PARTNER_NAME = 'Quartermaster Demo Partner';
/** Contoso's company name, as Partner Center lists it. */
const CONTOSO = 'Contoso (demo)';
/** Fulfilment runs from a queue after the click returns. */
const FULFILMENT_TIMEOUT = 20_000;

// One scripted session in one browser, step by step: the steps keep their order even in a
// shuffled run (npm run test:shuffled).
describe.skipIf(skipBrowserTests)('A partner and its customer, each in its own tenant’s Agents Playground', { shuffle: false }, () => {
  let harness: BotHarness | undefined;
  let isaiah: PlaygroundPage;
  let avery: PlaygroundPage;
  let averyContext: BrowserContext;
  let blocked: ReadonlySet<string> = new Set();
  let requestId = '';

  // Avery's Playground is the main one (new tabs from his sign-in button open in his
  // context); Isaiah's opens first, which installs the bot in his chat.
  usePlaygroundSession({
    name: 'playground-partner',
    person: AVERY,
    others: [ISAIAH],
    startBot: () => {
      const base = testConfig();
      return BotHarness.start({
        bootstrapAdmins: [...base.bootstrapAdmins, { tenantId: DEMO_PARTNER_TENANT_ID, aadObjectId: AVERY.aadObjectId }],
        partnerTenants: [{ tenantId: DEMO_PARTNER_TENANT_ID, name: PARTNER_NAME }],
        // Every request needs an approver under these policies: only Contoso's license settings can waive it.
        policy: { currency: 'USD', autoApproveBelow: '0', secondStageAbove: '10', approverGroupId: DEMO_GROUPS.licenseApprovers },
      });
    },
    ready: (session) => {
      harness = session.harness;
      avery = session.page;
      averyContext = session.context;
      isaiah = session.others[0]!;
      blocked = session.blocked;
    },
  });

  /** Presses a card's link button; the page it opens in a new tab of Avery's browser. */
  async function follow(card: Locator, button: string): Promise<Page> {
    const opened = averyContext.waitForEvent('page', { timeout: UI_TIMEOUT });
    await card.getByText(button, { exact: true }).click();
    const tab = await opened;
    await tab.waitForLoadState('domcontentloaded');
    return tab;
  }

  it('greets each person in their own tenant’s Playground', async () => {
    await expect.poll(() => avery.cards('Welcome to Quartermaster').innerText()).toContain('Avery');
    await expect.poll(() => isaiah.cards('Welcome to Quartermaster').innerText()).toContain('Isaiah');
    // Each Playground speaks for its own tenant: the bot filed each chat under it.
    expect(await harness!.qm.conversations.personalChatOf(DEMO_PARTNER_TENANT_ID, AVERY.aadObjectId)).toBeDefined();
    expect(await harness!.qm.conversations.personalChatOf(DEMO_TENANT_ID, ISAIAH.aadObjectId)).toBeDefined();
    expect(await harness!.qm.conversations.personalChatOf(DEMO_TENANT_ID, AVERY.aadObjectId)).toBeUndefined();
    await avery.shot('1-avery-welcome');
  });

  it('lets the partner admin sign in to Partner Center and link Contoso', async () => {
    await avery.say('connect');
    const connections = avery.cards('Connections').last();
    await expect.poll(() => connections.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const tab = await follow(connections, 'Sign in (integration sandbox)');
    // The partner's agents sign in to the partner's own tenant.
    expect(new URL(tab.url()).pathname.toLowerCase()).toContain(`/${DEMO_PARTNER_TENANT_ID}/`);
    await tab.getByLabel(new RegExp(AVERY.name)).check();
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => tab.getByText('Connected', { exact: true }).count(), { timeout: UI_TIMEOUT }).toBe(1);
    await tab.close();
    await expect.poll(async () => (await harness!.qm.connections.get(DEMO_PARTNER_TENANT_ID, 'partner-center'))?.state).toBe('connected');

    await avery.say('customers');
    const customers = avery.cards(`Customers of ${PARTNER_NAME}`).last();
    await expect.poll(() => customers.innerText(), { timeout: UI_TIMEOUT }).toContain(CONTOSO);
    expect(await customers.innerText()).toMatch(/Proposed: same tenant id/);
    await customers.scrollIntoViewIfNeeded();
    await avery.shot('2-avery-customers');
    await customers.getByRole('button', { name: 'Link', exact: true }).first().click();
    await expect
      .poll(() => avery.page.getByText(/is linked to Partner Center customer/).count(), { timeout: UI_TIMEOUT })
      .toBeGreaterThan(0);
    await avery.shot('3-avery-linked');
  });

  it('lets the partner admin turn off approval in Contoso’s license settings', async () => {
    await avery.say('customer contoso');
    const customer = avery.cards(`Customer of ${PARTNER_NAME}`).last();
    await expect.poll(() => customer.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await factOf(customer, 'Tenant')).toBe(DEMO_TENANT_ID);
    await customer.scrollIntoViewIfNeeded();
    await avery.shot('4-avery-customer');
    await customer.getByRole('button', { name: 'License settings', exact: true }).click();
    const settings = avery.cards('Approval of license requests').last();
    await expect.poll(() => settings.count(), { timeout: UI_TIMEOUT }).toBe(1);
    // The card says whose settings these are: the customer's, not the partner's own.
    expect(await settings.innerText()).toContain(`How requests and renewals are handled at ${CONTOSO}, your customer.`);
    await settings.getByRole('combobox', { name: /Approval of license requests/ }).click();
    await avery.page.getByRole('option', { name: /^Not required/ }).click();
    await settings.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(async () => (await harness!.qm.licenseSettings.of(DEMO_TENANT_ID)).approvalRequired, { timeout: UI_TIMEOUT })
      .toBe(false);
    expect(await settings.innerText()).toContain(`at ${CONTOSO}, your customer`);
    await settings.getByRole('button', { name: 'Save', exact: true }).scrollIntoViewIfNeeded();
    await avery.shot('5-avery-settings-saved');
  });

  it('lets Contoso’s employee request Project Plan 3, bought at once through the partner', async () => {
    await isaiah.say('request project plan 3');
    const form = isaiah.cards('Request a license');
    await expect.poll(() => form.count(), { timeout: UI_TIMEOUT }).toBe(1);
    expect(await form.getByRole('combobox', { name: /Product/ }).inputValue()).toMatch(/^Project Plan 3: 30\.00 USD per month/);
    await form.getByRole('textbox', { name: /Why do you need it/ }).fill('Store refit schedule');
    await isaiah.shot('6-isaiah-form');
    await form.getByRole('button', { name: 'Submit request' }).click();
    const review = isaiah.cards('Check your request');
    await expect.poll(() => review.count(), { timeout: UI_TIMEOUT }).toBe(1);
    await review.getByRole('button', { name: 'Confirm and send' }).click();
    const status = isaiah.cards('Project Plan 3 for Isaiah Langer');
    await expect.poll(() => status.count(), { timeout: UI_TIMEOUT }).toBe(1);
    requestId = /REQ-[0-9A-F]{8,16}/.exec(await status.innerText())?.[0] ?? '';
    expect(requestId).not.toBe('');

    // His chat bubble (a paragraph), naming whose Partner Center account the seat was bought in.
    const text = `Your request ${requestId} is done. Bought and assigned: Isaiah Langer now has Project Plan 3. Ordered through the ${PARTNER_NAME}: Partner Center integration sandbox: nothing is billed.`;
    const done = isaiah.page.getByText(text, { exact: true }).and(isaiah.page.locator('p'));
    await expect.poll(() => done.count(), { timeout: FULFILMENT_TIMEOUT }).toBe(1);
    await expect.poll(() => status.innerText(), { timeout: UI_TIMEOUT }).toContain('Done. Bought and assigned');
    const stored = await harness!.qm.requests.get(DEMO_TENANT_ID, requestId);
    expect(stored?.value.decisions).toEqual([]);
    expect(stored?.value.fulfilment?.orderId).toBeTruthy();
    // Bought in Contoso's Partner Center account as the partner's agent, and assigned to him.
    const user = harness!.sandbox.state.findUser(DEMO_TENANT_ID, DEMO_USERS.isaiah.id);
    expect(user?.assignedSkuIds).toContain(DEMO_OFFERS.projectPlan3.graphSkuId);
    const orderCalls = harness!.sandbox.state.requests.filter(
      (r) => r.service === 'partnerCenter' && r.method === 'POST' && r.path.includes(`/customers/${DEMO_TENANT_ID}/orders`),
    );
    expect(orderCalls.map((r) => `${r.tenantId} ${r.user}`)).toEqual([
      `${DEMO_PARTNER_TENANT_ID} ${SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName}`,
    ]);
    await status.scrollIntoViewIfNeeded();
    await isaiah.shot('7-isaiah-done');
  });

  it('shows the partner admin the order, naming the request', async () => {
    expect(requestId, 'the request was submitted').toMatch(/^REQ-/);
    const orderId = (await harness!.qm.requests.get(DEMO_TENANT_ID, requestId))!.value.fulfilment!.orderId!;
    await avery.say('orders contoso');
    const orders = avery.cards(`Orders of ${CONTOSO}`).last();
    await expect.poll(() => orders.count(), { timeout: UI_TIMEOUT }).toBe(1);
    const text = await orders.innerText();
    expect(text).toContain(orderId);
    expect(text).toContain('Project Plan 3 × 1');
    expect(text).toContain(`${requestId}: `);
    expect(text).toContain('requested by Isaiah Langer');
    await orders.scrollIntoViewIfNeeded();
    await avery.shot('8-avery-orders');
    // Isaiah's Playground never showed the partner's cards.
    expect(await isaiah.cards(`Orders of ${CONTOSO}`).count()).toBe(0);
  });

  it('had no failed activity, error card, card warning or page error along the way', async () => {
    for (const person of [avery, isaiah]) await person.expectNothingWentWrong();
    expectOnlyCdnBlocked(blocked);
  });
});
