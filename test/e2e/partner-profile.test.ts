// Partner mode: the partner's admins manage the partner's own settings in chat (`partner`): the
// display name its customers see, and where its alert channel is. Stored in Table storage (a
// second instance sees the change), audited with before → after; bad input changes nothing and
// comes back with the error beside the field. Which tenants are partners stays configuration.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PARTNER_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, cardActions, cardOf, cardText, DEMO, testConfig, type TestUser } from '../harness/bot-harness.js';
import { PARTNER_ADMIN } from '../harness/partner-users.js';

const CONFIGURED = 'Quartermaster Demo Partner';

let harness: BotHarness;
let second: BotHarness | undefined;
const chat = (user: TestUser, h = harness) => h.personalChat(user);
const config = () => ({
  bootstrapAdmins: [...testConfig().bootstrapAdmins, { tenantId: DEMO_PARTNER_TENANT_ID, aadObjectId: PARTNER_ADMIN.aadObjectId }],
  partnerTenants: [{ tenantId: DEMO_PARTNER_TENANT_ID, name: CONFIGURED }],
});

beforeEach(async () => {
  harness = await BotHarness.start(config());
  for (const user of [PARTNER_ADMIN, DEMO.alex, DEMO.isaiah]) await chat(user).install();
});
afterEach(async () => {
  await second?.stop();
  second = undefined;
  await harness.stop();
});

/** The card's name input and the text right below it (its error, if any). */
function nameField(card: Record<string, any>): { value: unknown; below: string } {
  const body: Record<string, any>[] = card.body;
  const index = body.findIndex((e) => e.id === 'name');
  return { value: body[index]?.value, below: body[index + 1]?.type === 'TextBlock' ? (body[index + 1]?.text ?? '') : '' };
}

const profileAudit = async () =>
  (await harness.qm.audit.list(DEMO_PARTNER_TENANT_ID, { pageSize: 100 })).items.filter((e) => e.action === 'partner.profile.changed');

describe('the partner card', () => {
  it('shows the configured name and the alert channel, and saves a new name everyone sees, audited', async () => {
    const channel = harness.channel(PARTNER_ADMIN, 'Customers');
    await channel.say('alerts here');
    const [reply] = await chat(PARTNER_ADMIN).say('partner');
    const shown = cardOf(reply)!;
    expect(nameField(shown).value).toBe(CONFIGURED);
    expect(cardText(shown)).toContain('Alert channel\nGeneral (Customers)');
    expect(cardText(shown)).toContain('Never changed in chat: the configured name applies.');
    expect(cardActions(shown).map((a) => a.title)).toEqual(['Save', 'Reload']);

    const saved = await chat(PARTNER_ADMIN).click('savePartnerProfile', { name: '  Contoso   Cloud Partners ' });
    expect(cardText(saved.body.value)).toContain('Saved. Your customers see the new name from now on.');
    expect(nameField(saved.body.value).value).toBe('Contoso Cloud Partners');
    const audit = await profileAudit();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ before: { name: CONFIGURED }, after: { name: 'Contoso Cloud Partners' } });
    // The same name again changes nothing and audits nothing.
    const again = await chat(PARTNER_ADMIN).click('savePartnerProfile', { name: 'Contoso Cloud Partners' });
    expect(cardText(again.body.value)).toContain('Nothing changed.');
    expect(await profileAudit()).toHaveLength(1);

    // Another instance on the same storage names the partner the new way.
    second = await BotHarness.start(
      { ...config(), tablePrefix: harness.config.tablePrefix },
      { sandbox: harness.sandbox, connector: harness.connector },
    );
    const [customers] = await chat(PARTNER_ADMIN, second).say('customers');
    expect(cardText(cardOf(customers)!)).toContain('Customers of Contoso Cloud Partners');
  });

  it('refuses a bad name with the error beside the field and what was typed kept, changing nothing', async () => {
    for (const [typed, error] of [
      ['   ', 'Type the name your customers should see.'],
      ['x'.repeat(81), 'Keep the name to 80 characters (this one has 81).'],
      // (The card shows the & escaped, as it shows all data: plain text.)
      ['**Free** [licenses](https://example.com)', "Use letters, digits, spaces and . , \\& ' ( ) - / + only."],
    ] as const) {
      const refused = await chat(PARTNER_ADMIN).click('savePartnerProfile', { name: typed });
      expect(refused.status).toBe(200);
      expect(cardText(refused.body.value)).toContain('The name needs a fix; nothing was changed.');
      expect(nameField(refused.body.value)).toEqual({ value: typed, below: error });
    }
    // A forged card without the field at all.
    const forged = await chat(PARTNER_ADMIN).click('savePartnerProfile', { name: 42 });
    expect(nameField(forged.body.value).below).toBe('Type the name your customers should see.');
    expect(await profileAudit()).toEqual([]);
    expect(await harness.qm.partners.partnerName(DEMO_PARTNER_TENANT_ID)).toBe(CONFIGURED);
  });

  it("is the partner's admins' only: a customer's admin and a customer's employee are refused", async () => {
    for (const user of [DEMO.alex, DEMO.isaiah]) {
      const [reply] = await chat(user).say('partner');
      expect(reply!.text).toMatch(/Only your partner's admins/);
      const click = await chat(user).click('savePartnerProfile', { name: 'Hijacked' });
      expect(click.body.statusCode).toBe(403);
    }
    expect(await harness.qm.partners.partnerName(DEMO_PARTNER_TENANT_ID)).toBe(CONFIGURED);
  });
});
