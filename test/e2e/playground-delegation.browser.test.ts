// Delegated license administration in real clients (issue 24): two Microsoft 365 Agents
// Playgrounds, Isaiah Langer (Sales) and Adele Vance, the Sales unit's license admin, in one
// headless Chromium. The admin set up the Sales unit (the directory's department) with a quota
// of one Visio Plan 2 without the desktop app; Isaiah asks for Visio, Adele gets the approval
// card with the quota left and approves it, and the license is assigned with the desktop plan
// switched off. Then Adele looks at her unit.
//
// Needs Chromium at /usr/bin/chromium; skipped locally without it (see playground.browser.test.ts).
import { describe, expect, it } from 'vitest';
import { PLAYGROUND_USERS } from '../../src/local/playground-users.js';
import { DEMO_GROUPS, DEMO_OFFERS, DEMO_TENANT_ID, DEMO_USERS } from '../../src/sandbox/index.js';
import { BotHarness } from '../harness/bot-harness.js';
import { expectOnlyCdnBlocked, factOf, type PlaygroundPage, UI_TIMEOUT, usePlaygroundSession } from '../harness/playground-page.js';
import { skipBrowserTests } from '../harness/browser.js';

const ISAIAH = PLAYGROUND_USERS.find((u) => u.key === 'isaiah')!;
const ADELE = PLAYGROUND_USERS.find((u) => u.key === 'adele')!;
const VISIO_DESKTOP = '663a804f-1c30-4ff0-9915-9db84f0d1cea';
const FULFILMENT_TIMEOUT = 20_000;

describe.skipIf(skipBrowserTests)(
  'A delegated license admin approving within the quota, in two Agents Playgrounds',
  { shuffle: false },
  () => {
    let harness: BotHarness | undefined;
    let isaiah: PlaygroundPage;
    let adele: PlaygroundPage;
    let blocked: ReadonlySet<string> = new Set();
    let requestId = '';

    usePlaygroundSession({
      name: 'playground-delegation',
      person: ISAIAH,
      others: [ADELE],
      startBot: async () => {
        const started = await BotHarness.start({
          policy: { currency: 'USD', autoApproveBelow: '50', secondStageAbove: '100', approverGroupId: DEMO_GROUPS.licenseApprovers },
        });
        // What Alex, an admin, does on the units card (test/e2e/delegation.test.ts clicks it).
        const alex = { tenantId: DEMO_TENANT_ID, aadObjectId: DEMO_USERS.alex.id, name: 'Alex Wilber' };
        const saved = await started.qm.units.saveUnit(alex, {
          name: 'Sales',
          kind: 'department',
          value: 'Sales',
          admins: 'adelev@example.com',
        });
        expect(saved.ok).toBe(true);
        const quota = await started.qm.units.setQuota(alex, 'sales', {
          productOfferId: DEMO_OFFERS.visioPlan2.offerId,
          seats: '1',
          plans: 'VISIO_CLIENT_SUBSCRIPTION',
        });
        expect(quota.ok).toBe(true);
        return started;
      },
      ready: (session) => {
        harness = session.harness;
        isaiah = session.page;
        adele = session.others[0]!;
        blocked = session.blocked;
      },
    });

    it('greets each person in their own Playground', async () => {
      await expect.poll(() => isaiah.cards('Welcome to Quartermaster').innerText(), { timeout: UI_TIMEOUT }).toContain('Isaiah');
      await expect.poll(() => adele.cards('Welcome to Quartermaster').innerText(), { timeout: UI_TIMEOUT }).toContain('Adele');
    });

    it("sends Isaiah's Visio request to the Sales license admin", async () => {
      await isaiah.say('request visio');
      const form = isaiah.cards('Request a license');
      await expect.poll(() => form.count(), { timeout: UI_TIMEOUT }).toBe(1);
      await form.getByRole('textbox', { name: /Why do you need it/ }).fill('Sales territory maps');
      await form.getByRole('button', { name: 'Submit request' }).click();
      // The review echoes what will be asked for; nothing is stored until Confirm.
      const review = isaiah.cards('Check your request');
      await expect.poll(() => review.count(), { timeout: UI_TIMEOUT }).toBe(1);
      await review.getByRole('button', { name: 'Confirm and send' }).click();
      const status = isaiah.cards('Visio Plan 2 for Isaiah Langer');
      await expect.poll(() => status.count(), { timeout: UI_TIMEOUT }).toBe(1);
      const text = await status.innerText();
      expect(text).toContain('Waiting for Sales license admins (step 1 of 1)');
      requestId = /REQ-[0-9A-F]{8,16}/.exec(text)?.[0] ?? '';
      expect(requestId).not.toBe('');
      await isaiah.shot('1-isaiah-submitted');
    });

    it('shows Adele the quota left, and she approves', async () => {
      expect(requestId, 'the request was submitted').toMatch(/^REQ-/);
      const card = adele.cards(requestId);
      await expect.poll(() => card.count(), { timeout: UI_TIMEOUT }).toBe(1);
      expect(await factOf(card, 'Unit quota')).toBe('Sales: 1 of 1 left (assigned without VISIO_CLIENT_SUBSCRIPTION)');
      expect(await factOf(card, 'Approval')).toBe('Step 1: Sales license admins');
      expect(await card.innerText()).toContain('You are an approver of this step.');
      await card.scrollIntoViewIfNeeded();
      await adele.shot('2-adele-approval-card');
      await card.getByRole('button', { name: 'Approve', exact: true }).click();
      await expect.poll(() => card.getByRole('button', { name: 'Approve', exact: true }).count(), { timeout: UI_TIMEOUT }).toBe(0);
      await expect
        .poll(() => card.innerText(), { timeout: FULFILMENT_TIMEOUT })
        .toContain('Done. Bought and assigned: Isaiah Langer now has Visio Plan 2 (without VISIO_CLIENT_SUBSCRIPTION).');
      expect(await factOf(card, 'Unit quota')).toBe('Sales: 0 of 1 left (assigned without VISIO_CLIENT_SUBSCRIPTION)');
      await adele.shot('3-adele-done');
    });

    it('assigns the license in Graph with the desktop plan off, and tells Isaiah', async () => {
      const text = `Your request ${requestId} is done. Bought and assigned: Isaiah Langer now has Visio Plan 2 (without VISIO_CLIENT_SUBSCRIPTION).`;
      const done = isaiah.page.getByText(text, { exact: true }).and(isaiah.page.locator('p'));
      await expect.poll(() => done.count(), { timeout: FULFILMENT_TIMEOUT }).toBe(1);
      const user = harness!.sandbox.state.findUser(DEMO_TENANT_ID, DEMO_USERS.isaiah.id)!;
      expect(user.assignedSkuIds).toContain(DEMO_OFFERS.visioPlan2.graphSkuId);
      expect(user.disabledPlans?.[DEMO_OFFERS.visioPlan2.graphSkuId]).toEqual([VISIO_DESKTOP]);
    });

    it('shows Adele her unit: the quota used and who holds it', async () => {
      await adele.say('my unit');
      const unit = adele.cards('Your unit: Sales');
      await expect.poll(() => unit.count(), { timeout: UI_TIMEOUT }).toBe(1);
      const text = await unit.innerText();
      expect(text).toMatch(/1 of 1 used, 0 left/);
      expect(text).toContain('Isaiah Langer (isaiahl@example.com): Visio Plan 2');
      expect(await unit.getByRole('button', { name: 'Reclaim' }).isVisible()).toBe(true);
      await unit.scrollIntoViewIfNeeded();
      await adele.shot('4-adele-my-unit');
    });

    it('had no failed activity, error card, card warning or page error along the way', async () => {
      for (const person of [isaiah, adele]) await person.expectNothingWentWrong();
      expectOnlyCdnBlocked(blocked);
    });
  },
);
