// Partner mode end to end: a CSP partner's admin connects Partner Center once, in the
// partner's own Teams tenant; the customer tenant proposed by its tenant id is linked on the
// `customers` card; a customer's license request is then bought through the partner's agent
// sign-in. Every reach into a tenant that is not the actor's customer is refused and audited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_OFFERS,
  DEMO_PARTNER_TENANT_ID,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  MARKETPLACE_ITEMS,
  MARKETPLACE_TOKENS,
  NORTHWIND_TENANT_ID,
  OTHER_TENANT_ID,
  SECOND_PARTNER_TENANT_ID,
  SIGN_IN_ACCOUNTS,
  TAILSPIN_TENANT_ID,
} from '../../src/sandbox/index.js';
import { testClock, testNowMs } from '../harness/clock.js';
import { BotHarness, cardActions, cardOf, cardText, DEMO, testConfig, type TestUser } from '../harness/bot-harness.js';
import { PARTNER_ADMIN, SECOND_PARTNER_ADMIN, TAILSPIN_ADMIN } from '../harness/partner-users.js';
import { approveEveryStage, requestForm, requestIdOf, waitForStatus } from '../harness/licensing.js';
import { openPage, submitForm } from '../sandbox/login-browser.js';

/** The demo customer's company name, as Partner Center lists it. */
const DEMO_COMPANY = 'Contoso (demo)';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);

beforeEach(async () => {
  const base = testConfig();
  harness = await BotHarness.start({
    bootstrapAdmins: [
      ...base.bootstrapAdmins,
      { tenantId: DEMO_PARTNER_TENANT_ID, aadObjectId: PARTNER_ADMIN.aadObjectId },
      { tenantId: SECOND_PARTNER_TENANT_ID, aadObjectId: SECOND_PARTNER_ADMIN.aadObjectId },
      { tenantId: TAILSPIN_TENANT_ID, aadObjectId: TAILSPIN_ADMIN.aadObjectId },
    ],
    partnerTenants: [
      { tenantId: DEMO_PARTNER_TENANT_ID, name: 'Quartermaster Demo Partner' },
      { tenantId: SECOND_PARTNER_TENANT_ID, name: 'Adatum Cloud Partner' },
    ],
  });
  for (const user of [PARTNER_ADMIN, SECOND_PARTNER_ADMIN, TAILSPIN_ADMIN, ...Object.values(DEMO)]) await chat(user).install();
});
afterEach(async () => {
  await harness.stop();
});

/** A partner admin signs in to Partner Center from the partner tenant's connect card (by default the demo partner's). */
async function connectPartnerCenter(admin: TestUser = PARTNER_ADMIN, agentId: string = SIGN_IN_ACCOUNTS.partnerAdminAgent.id) {
  const [reply] = await chat(admin).say('connect');
  const url = cardActions(cardOf(reply)!).find((a) => a.type === 'Action.OpenUrl' && a.title === 'Sign in (integration sandbox)')?.url;
  expect(url).toBeDefined();
  // Each partner's agents sign in to that partner's own tenant.
  expect(new URL(url!).pathname.toLowerCase()).toContain(`/${admin.tenantId.toLowerCase()}/`);
  const page = await openPage(url!);
  const pressed = await submitForm(url!, page.html, { account: agentId, action: 'signin' });
  expect(pressed.status).toBe(302);
  expect((await openPage(pressed.headers.get('location')!)).status).toBe(200);
}

async function customersCard(user: TestUser = PARTNER_ADMIN) {
  const [reply] = await chat(user).say('customers');
  return reply!;
}

const auditActions = async (tenantId: string) => (await harness.qm.audit.list(tenantId, { pageSize: 100 })).items;

describe('linking customer tenants', () => {
  it('proposes the customers whose tenant uses Quartermaster, links one on the card, and tells the customer in its audit', async () => {
    // Not connected yet: the card says how to connect, and lists nothing it cannot know.
    expect(cardText(cardOf(await customersCard())!)).toContain('Partner Center is not connected: type connect');
    await connectPartnerCenter();

    const card = cardOf(await customersCard())!;
    const text = cardText(card);
    expect(text).toContain('Customers of Quartermaster Demo Partner');
    // The demo tenant has admins here: proposed; Fabrikam has none: not linked yet, sold through the reseller.
    expect(text).toMatch(/Proposed: same tenant id/);
    expect(text).toContain('Litware Reseller (demo)');
    // Only this partner's customers: the second partner's and nobody's tenants are not shown.
    expect(text).not.toContain(TAILSPIN_TENANT_ID);
    expect(text).not.toContain(NORTHWIND_TENANT_ID);

    const linked = await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    expect(linked.status).toBe(200);
    expect(cardText(linked.body.value)).toContain(`is linked to Partner Center customer ${DEMO_TENANT_ID}`);
    expect(cardText(linked.body.value)).toContain('Linked: its purchases go through your Partner Center');
    // A linked customer's figures, read through the partner's connection (the seeded subscriptions at catalog prices).
    expect(cardText(linked.body.value)).toContain(
      'Subscriptions\n5\nMonthly cost\n1,408.90 USD / month\nMonthly price\n1,408.90 USD / month\nMargin\nnone: sold at cost\nOpen requests\n0',
    );
    // A second click links once.
    const again = await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    expect(cardText(again.body.value)).toContain('was already linked');
    expect((await auditActions(DEMO_PARTNER_TENANT_ID)).filter((e) => e.action === 'partner.customer.linked')).toHaveLength(1);
    const customerAudit = (await auditActions(DEMO_TENANT_ID)).filter((e) => e.action === 'partner.customer.linked');
    expect(customerAudit).toHaveLength(1);
    expect(JSON.stringify(customerAudit[0]!.after)).toContain('Quartermaster Demo Partner');
    // The customer's people see which partner serves them; a tenant nobody serves sees no partner.
    const [whoami] = await chat(DEMO.isaiah).say('whoami');
    expect(cardText(cardOf(whoami)!)).toContain('Quartermaster Demo Partner (buys your licenses through its Partner Center)');
    const [tailspin] = await chat(TAILSPIN_ADMIN).say('whoami');
    expect(cardText(cardOf(tailspin)!)).not.toContain('Partner');
  });

  it("buys a customer's license through the partner's Partner Center sign-in", async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    const before = harness.sandbox.state.requests.length;

    const submitted = await chat(DEMO.alex).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.visioPlan2.offerId, { justification: 'Diagrams' }),
    );
    const id = requestIdOf(submitted.body.value);
    await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    await chat(DEMO.megan).click('approveRequest', { requestId: id, stageIndex: 1 });
    const done = await waitForStatus(harness, id, 'completed');
    expect(done.outcome?.kind).toBe('purchased');

    // Every Partner Center call about the customer acted as the partner's agent (never the app alone).
    const calls = harness.sandbox.state.requests
      .slice(before)
      .filter((r) => r.service === 'partnerCenter' && r.path.includes(DEMO_TENANT_ID));
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls.map((r) => `${r.tenantId} ${r.user}`))).toEqual(
      new Set([`${DEMO_PARTNER_TENANT_ID} ${SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName}`]),
    );
    const subscription = harness.sandbox.state.subscriptions(DEMO_TENANT_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!;
    expect(subscription.lots.reduce((n, lot) => n + lot.quantity, 0)).toBe(6);

    // The customer's admin adding seats is told whose account they go to.
    const prepared = await chat(DEMO.alex).click('prepareSubscriptionChange', {
      subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2,
      action: 'add-seats',
      addSeats: 1,
    });
    expect(cardText(prepared.body.value)).toContain('Quartermaster Demo Partner: Partner Center integration sandbox: nothing is billed');
  });
});

describe('a partner without its connection', () => {
  it("tells a linked customer's admin so, and uses no other credentials", async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    // The partner's sign-in goes away (disconnected, or removed by an operator).
    await harness.qm.connectionStore.remove(DEMO_PARTNER_TENANT_ID, 'partner-center');
    const before = harness.sandbox.state.requests.length;
    const [reply] = await chat(DEMO.alex).say('subscriptions');
    expect(JSON.stringify(reply)).toContain('its Partner Center is not connected');
    // Nothing reached Partner Center about the customer with the app's own credentials.
    expect(
      harness.sandbox.state.requests.slice(before).filter((r) => r.service === 'partnerCenter' && r.path.includes(DEMO_TENANT_ID)),
    ).toEqual([]);
  });
});

describe("the partner's alert channel", () => {
  it("receives a linked customer's renewal alert naming the customer, once, without the customer's buttons", async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    const channel = harness.channel(PARTNER_ADMIN, 'Customers');
    await channel.say('alerts here');
    const channelCards = () =>
      harness.connector.sent
        .filter((s) => s.conversationId === channel.conversation.id && s.method === 'POST')
        .map((s) => cardOf(s.activity))
        .filter((c) => c && /renews in/.test(cardText(c)));

    const now = testClock();
    await harness.qm.licenseAlerts.renewals.run(now);
    await harness.qm.licenseAlerts.renewals.run(now);
    await harness.drain();
    const e3 = channelCards().filter((c) => cardText(c).includes('Microsoft 365 E3 renews in'));
    expect(e3).toHaveLength(1);
    expect(cardText(e3[0])).toContain(`Customer: ${DEMO_COMPANY}`);
    // The buttons act in the customer's tenant: the partner's copy has none.
    expect(cardActions(e3[0])).toEqual([]);
    // The partner's customers card counts the customer's alerts.
    expect(cardText(cardOf(await customersCard())!)).toMatch(/Alerts\n[1-9]\d* in the last 30 days/);
    // The customer's own admins still get theirs, with the buttons and without a customer line.
    const alex = harness.sentTo(DEMO.alex).filter((a) => cardOf(a) && cardText(a).includes('Microsoft 365 E3 renews in'));
    expect(alex).toHaveLength(1);
    expect(cardText(alex[0])).not.toContain('Customer:');
    expect(cardActions(cardOf(alex[0])).length).toBe(2);
    // Another partner's channel hears nothing of it.
    const other = harness.channel(SECOND_PARTNER_ADMIN, 'Adatum customers');
    await other.say('alerts here');
    await harness.qm.licenseAlerts.renewals.run(new Date(now.getTime() + 86_400_000));
    await harness.drain();
    expect(
      harness.connector.sent.filter((s) => s.conversationId === other.conversation.id && /renews in/.test(JSON.stringify(s.activity))),
    ).toEqual([]);
  });
});

describe('a linked customer without admins of its own', () => {
  it("still has its alerts worked out: its partner's channel gets each once, naming it", async () => {
    await connectPartnerCenter();
    // Fabrikam does not use Quartermaster (no admins here): linked ahead by its partner.
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: OTHER_TENANT_ID });
    const channel = harness.channel(PARTNER_ADMIN, 'Customers');
    await channel.say('alerts here');
    const channelCards = () =>
      harness.connector.sent
        .filter((s) => s.conversationId === channel.conversation.id && s.method === 'POST')
        .map((s) => cardOf(s.activity))
        .filter((c) => c && cardText(c).includes('Customer: Fabrikam (demo)'));

    const now = testClock();
    const first = await harness.qm.licenseAlerts.renewals.run(now);
    const second = await harness.qm.licenseAlerts.renewals.run(now);
    await harness.drain();
    // Power BI Pro: two seats, one used, renewing within the notice period.
    const renewals = channelCards().filter((c) => /Power BI Pro renews in/.test(cardText(c)));
    expect(renewals).toHaveLength(1);
    expect(cardActions(renewals[0])).toEqual([]);
    expect(first.sent).toBeGreaterThanOrEqual(1);
    expect(second.sent).toBe(0);
    // Recorded once, for the customer: the partner's customers card counts it.
    expect(await harness.qm.licenseAlerts.ledger.sentSince(OTHER_TENANT_ID, new Date(now.getTime() - 86_400_000))).toBe(
      channelCards().length,
    );
  });
});

describe("a customer's stuck order and broken connection, with two instances", () => {
  it("reach the partner's channel once each, naming the customer", async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    const channel = harness.channel(PARTNER_ADMIN, 'Customers');
    await channel.say('alerts here');
    // A second instance on the same tables, emulators and Teams: both run the jobs.
    const second = await BotHarness.start(harness.config, { sandbox: harness.sandbox, connector: harness.connector, instanceName: 'qm-2' });
    try {
      const inChannel = (pattern: RegExp) =>
        harness.connector.sent.filter(
          (s) => s.conversationId === channel.conversation.id && s.method === 'POST' && pattern.test(JSON.stringify(s.activity)),
        );

      // A marketplace order the vendor never finishes (AutoCAD LT stays Processing).
      const submitted = await chat(DEMO.isaiah).click('submitRequest', requestForm(`mkt:${MARKETPLACE_ITEMS.autocadLt}`), 'form-stuck');
      const id = requestIdOf(submitted.body.value);
      await approveEveryStage(harness, id);
      const order = await harness.until(
        async () =>
          [...harness.sandbox.marketplace.orders.values()].find(
            (o) =>
              o.customerId === DEMO_TENANT_ID && o.status === 'Processing' && o.lines.some((l) => l.itemId === MARKETPLACE_ITEMS.autocadLt),
          ),
        'the AutoCAD order to be Processing',
      );
      const later = new Date(testNowMs() + 3 * 3600_000);
      const runs = await Promise.all([harness, second, harness, second].map((h) => h.qm.marketplace!.stuckOrders.run(later)));
      expect(runs.reduce((n, r) => n + r.alerted, 0)).toBe(1);
      // The order is still followed (it never finishes), so the queues never drain: wait for the copy.
      const stuckText = new RegExp(`Marketplace order ${order.id}`);
      const stuck = await harness.until(async () => inChannel(stuckText).length > 0 && inChannel(stuckText), "the partner's copy");
      expect(stuck).toHaveLength(1);
      expect((stuck[0]!.activity as { text?: string }).text).toMatch(
        new RegExp(`^Customer: ${DEMO_COMPANY.replace(/[()]/g, '\\$&')}\\. Marketplace order`),
      );

      // The customer's marketplace token is revoked: the daily health check, on both instances, finds it.
      const connected = await chat(DEMO.alex).click('connectMarketplace', { marketplaceToken: MARKETPLACE_TOKENS.demo });
      expect(cardText(connected.body.value)).toContain('Marketplace is connected');
      harness.sandbox.marketplace.tokens.get(MARKETPLACE_TOKENS.demo)!.expired = true;
      const checks = await Promise.all([harness.qm.connections.checkAll(later), second.qm.connections.checkAll(later)]);
      expect(checks[0]!.broken).toBeGreaterThanOrEqual(1);
      expect(checks[1]!.broken).toBe(checks[0]!.broken);
      const broken = (
        await harness.until(
          async () => inChannel(/Marketplace needs attention/).length > 0 && inChannel(/Marketplace needs attention/),
          "the partner's copy",
        )
      ).map((s) => cardOf(s.activity)!);
      expect(broken).toHaveLength(1);
      expect(cardText(broken[0])).toContain(`Customer\n${DEMO_COMPANY}`);
      // Its button would act in the customer's tenant: the partner's copy has none.
      expect(cardActions(broken[0])).toEqual([]);
      // Both alerts were claimed once in the customer's ledger: neither copy came twice meanwhile.
      expect(inChannel(stuckText)).toHaveLength(1);
      expect(inChannel(/Marketplace needs attention/)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe('two partners in one deployment', () => {
  it('each signs in to Partner Center in its own tenant and reaches only its own customers', async () => {
    await connectPartnerCenter();
    await connectPartnerCenter(SECOND_PARTNER_ADMIN, SIGN_IN_ACCOUNTS.secondPartnerAdminAgent.id);
    for (const [partner, agent] of [
      [DEMO_PARTNER_TENANT_ID, SIGN_IN_ACCOUNTS.partnerAdminAgent],
      [SECOND_PARTNER_TENANT_ID, SIGN_IN_ACCOUNTS.secondPartnerAdminAgent],
    ] as const) {
      const connection = await harness.qm.connectionStore.get(partner, 'partner-center');
      expect(connection).toMatchObject({ state: 'connected', details: { partnerTenantId: partner } });
      expect(connection?.label.toLowerCase()).toBe(agent.userPrincipalName.toLowerCase());
    }

    // Adatum's card: its customer Tailspin (its tenant uses Quartermaster: proposed), nobody else's.
    const adatum = cardText(cardOf(await customersCard(SECOND_PARTNER_ADMIN))!);
    expect(adatum).toContain('Customers of Adatum Cloud Partner');
    expect(adatum).not.toContain('Partner Center is not connected');
    expect(adatum).toContain(TAILSPIN_TENANT_ID);
    for (const other of [DEMO_TENANT_ID, OTHER_TENANT_ID, NORTHWIND_TENANT_ID]) expect(adatum).not.toContain(other);
    const linked = await chat(SECOND_PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: TAILSPIN_TENANT_ID });
    expect(cardText(linked.body.value)).toContain(`is linked to Partner Center customer ${TAILSPIN_TENANT_ID}`);
    // Tailspin's figures come through Adatum's own sign-in.
    expect(cardText(linked.body.value)).toMatch(/Subscriptions\n\d+\nMonthly cost/);

    // The demo partner's card, with its own sign-in: its customers, not Tailspin.
    const demo = cardText(cardOf(await customersCard())!);
    expect(demo).toContain(DEMO_TENANT_ID);
    expect(demo).not.toContain(TAILSPIN_TENANT_ID);
    // Neither partner can link the other's customer, both connected as they are.
    const crossed = await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: TAILSPIN_TENANT_ID });
    expect(crossed.body.statusCode).toBe(403);
    const back = await chat(SECOND_PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    expect(back.body.statusCode).toBe(403);
    expect((await harness.qm.partners.partnerOf(TAILSPIN_TENANT_ID))?.partnerTenantId).toBe(SECOND_PARTNER_TENANT_ID);
  });
});

describe('isolation', () => {
  it("refuses and audits a link to another partner's customer, to nobody's tenant and to itself", async () => {
    await connectPartnerCenter();
    for (const forged of [TAILSPIN_TENANT_ID, NORTHWIND_TENANT_ID, DEMO_PARTNER_TENANT_ID]) {
      const answer = await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: forged });
      expect(answer.body.statusCode).toBe(403);
      expect(JSON.stringify(answer.body)).toContain('not one of your Partner Center customers');
    }
    const refusals = (await auditActions(DEMO_PARTNER_TENANT_ID)).filter((e) => e.action === 'partner.cross-tenant-refused');
    expect(refusals.map((e) => e.target).sort()).toEqual([DEMO_PARTNER_TENANT_ID, NORTHWIND_TENANT_ID, TAILSPIN_TENANT_ID].sort());
    expect(await harness.qm.partners.partnerOf(TAILSPIN_TENANT_ID)).toBeUndefined();
  });

  it("refuses another partner's admin: not its customer to unlink, and its card shows only its own", async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    const answer = await chat(SECOND_PARTNER_ADMIN).click('partnerUnlinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    expect(answer.body.statusCode).toBe(403);
    expect((await auditActions(SECOND_PARTNER_TENANT_ID)).map((e) => e.action)).toContain('partner.cross-tenant-refused');
    expect((await harness.qm.partners.partnerOf(DEMO_TENANT_ID))?.partnerTenantId).toBe(DEMO_PARTNER_TENANT_ID);
    const text = cardText(cardOf(await customersCard(SECOND_PARTNER_ADMIN))!);
    expect(text).toContain('Customers of Adatum Cloud Partner');
    expect(text).not.toContain(DEMO_TENANT_ID);
    expect(text).not.toContain(OTHER_TENANT_ID);
  });

  it("refuses customers' people: the customer admin's customers command and a forged link click", async () => {
    const [reply] = await chat(DEMO.alex).say('customers');
    expect(reply!.text ?? cardText(cardOf(reply))).toMatch(/Only your partner's admins/);
    const forged = await chat(TAILSPIN_ADMIN).click('partnerLinkCustomer', { customerTenantId: TAILSPIN_TENANT_ID });
    expect(forged.body.statusCode).toBe(403);
    expect(await harness.qm.partners.partnerOf(TAILSPIN_TENANT_ID)).toBeUndefined();
  });
});

describe('a customer, seen by its partner', () => {
  /** The card `customer <name>` gives, and the data its buttons send. */
  async function customerCard(name: string, user: TestUser = PARTNER_ADMIN) {
    const [reply] = await chat(user).say(`customer ${name}`);
    return reply!;
  }

  it("shows a linked customer's subscriptions, requests waiting and audit, acting as its admin with its rules", async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    const submitted = await chat(DEMO.alex).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.visioPlan2.offerId, { justification: 'Diagrams' }),
    );
    const requestId = requestIdOf(submitted.body.value);

    const card = cardOf(await customerCard('contoso'))!;
    expect(cardText(card)).toContain(DEMO_COMPANY);
    expect(cardText(card)).toContain('Customer of Quartermaster Demo Partner');
    expect(cardText(card)).toContain('Open requests\n1');
    const buttons = cardActions(card);
    expect(buttons.find((b) => b.title === 'Subscriptions')?.data).toEqual({ onBehalfOf: DEMO_TENANT_ID });

    // The customer's subscriptions, read through the partner's connection; every button stays in the customer's tenant.
    const list = await chat(PARTNER_ADMIN).click('listSubscriptions', { onBehalfOf: DEMO_TENANT_ID });
    expect(list.status).toBe(200);
    expect(cardText(list.body.value)).toContain('Microsoft 365 E3');
    const listButtons = cardActions(list.body.value).filter((a) => a.type === 'Action.Execute');
    expect(listButtons.length).toBeGreaterThan(0);
    expect(listButtons.every((a) => (a.data as { onBehalfOf?: string }).onBehalfOf === DEMO_TENANT_ID)).toBe(true);

    // The same actions as the customer's admins: adding seats is prepared with the customer's rules.
    const prepared = await chat(PARTNER_ADMIN).click('prepareSubscriptionChange', {
      onBehalfOf: DEMO_TENANT_ID,
      subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2,
      action: 'add-seats',
      addSeats: 1,
    });
    expect(prepared.status).toBe(200);
    expect(cardText(prepared.body.value)).toContain('Quartermaster Demo Partner: Partner Center integration sandbox: nothing is billed');

    const waiting = await chat(PARTNER_ADMIN).click('showOpenRequests', { onBehalfOf: DEMO_TENANT_ID });
    expect(cardText(waiting.body.value)).toContain(requestId);
    const audit = await chat(PARTNER_ADMIN).click('showAudit', { onBehalfOf: DEMO_TENANT_ID });
    expect(cardText(audit.body.value)).toContain('partner.customer.linked');
    expect(cardText(audit.body.value)).toContain('Audit log');
  });

  it('refuses and audits a customer that is not linked or not its own, and forged tenant ids on cards', async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    const refusalsIn = async (tenantId: string) =>
      (await auditActions(tenantId)).filter((e) => e.action === 'partner.cross-tenant-refused').map((e) => e.target);

    // By name: another partner's customer, and one that is not linked (Fabrikam), are refused alike.
    for (const name of ['Tailspin', 'Fabrikam']) {
      const reply = await customerCard(name);
      expect(reply.text).toMatch(/No linked customer of yours has that name/);
    }
    expect(await refusalsIn(DEMO_PARTNER_TENANT_ID)).toEqual(expect.arrayContaining(['tailspin', 'fabrikam']));

    // By card data: another partner's customer, nobody's tenant, a malformed id.
    for (const forged of [TAILSPIN_TENANT_ID, NORTHWIND_TENANT_ID, '<b>x</b>']) {
      const answer = await chat(PARTNER_ADMIN).click('listSubscriptions', { onBehalfOf: forged });
      expect(answer.body.statusCode).toBe(403);
    }
    expect(await refusalsIn(DEMO_PARTNER_TENANT_ID)).toEqual(expect.arrayContaining([TAILSPIN_TENANT_ID, NORTHWIND_TENANT_ID, '-']));
    // Another partner's admin, and a customer's own people, cannot use such a card either.
    const second = await chat(SECOND_PARTNER_ADMIN).click('showAudit', { onBehalfOf: DEMO_TENANT_ID });
    expect(second.body.statusCode).toBe(403);
    expect(await refusalsIn(SECOND_PARTNER_TENANT_ID)).toContain(DEMO_TENANT_ID);
    const tailspin = await chat(TAILSPIN_ADMIN).click('showAudit', { onBehalfOf: DEMO_TENANT_ID });
    expect(tailspin.body.statusCode).toBe(403);
    expect(await refusalsIn(TAILSPIN_TENANT_ID)).toContain(DEMO_TENANT_ID);

    // Unlinked: the partner's admin is no longer the customer's admin.
    await chat(PARTNER_ADMIN).click('partnerUnlinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    const after = await chat(PARTNER_ADMIN).click('listSubscriptions', { onBehalfOf: DEMO_TENANT_ID });
    expect(after.body.statusCode).toBe(403);
  });
});

describe('orders', () => {
  it("lists a customer's Partner Center orders with items, status and the request, to its admin and to its partner", async () => {
    await connectPartnerCenter();
    await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
    // Project Plan 3: the tenant has no subscription for it, so buying it places an order.
    const submitted = await chat(DEMO.isaiah).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.projectPlan3.offerId, { justification: 'Plans' }),
    );
    const id = requestIdOf(submitted.body.value);
    await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    await chat(DEMO.megan).click('approveRequest', { requestId: id, stageIndex: 1 });
    const done = await waitForStatus(harness, id, 'completed');
    const orderId = done.fulfilment!.orderId!;
    expect(orderId).toBeTruthy();

    const [mine] = await chat(DEMO.alex).say('orders');
    const customerView = cardText(cardOf(mine)!);
    expect(customerView).toContain(orderId);
    expect(customerView).toMatch(/Project Plan 3 × 1/);
    expect(customerView).toContain(`${id}: `);
    expect(customerView).toContain('requested by Isaiah');

    const [partnerView] = await chat(PARTNER_ADMIN).say('orders contoso');
    const partnerText = cardText(cardOf(partnerView)!);
    expect(partnerText).toContain(`Orders of ${DEMO_COMPANY}`);
    expect(partnerText).toContain(orderId);
    expect(partnerText).toContain(`${id}: `);
    const clicked = await chat(PARTNER_ADMIN).click('showOrders', { onBehalfOf: DEMO_TENANT_ID });
    expect(cardText(clicked.body.value)).toContain(orderId);

    // Another partner's admin: not its customer, refused and audited; a requester: not an admin.
    const [other] = await chat(SECOND_PARTNER_ADMIN).say('orders contoso');
    expect(other!.text).toMatch(/No linked customer of yours/);
    const [requester] = await chat(DEMO.isaiah).say('orders');
    expect(requester!.text).toMatch(/Only admins can see the orders/);
  });
});
