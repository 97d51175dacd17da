// Partner mode, indirect model, end to end: the demo partner (an indirect provider) adds its
// Partner Center reseller Litware, assigns Fabrikam (which Partner Center says buys through
// Litware) on a confirmation card, and Litware's admin, in Litware's own Teams, sees Fabrikam
// and nothing else. Margins per reseller and per customer reach the customer's prices (request
// form, review card, approval card) while the partner's cards show cost and price side by side.
// Every reach outside one's own customers is refused (403) and audited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_OFFERS,
  DEMO_PARTNER_TENANT_ID,
  DEMO_SUBSCRIPTIONS,
  DEMO_RESELLER_TENANT_ID,
  DEMO_TENANT_ID,
  MARKETPLACE_ITEMS,
  NORTHWIND_TENANT_ID,
  OTHER_TENANT_ID,
  SECOND_PARTNER_TENANT_ID,
  SIGN_IN_ACCOUNTS,
  TAILSPIN_TENANT_ID,
} from '../../src/sandbox/index.js';
import { testClock } from '../harness/clock.js';
import { BotHarness, cardActions, cardOf, cardText, DEMO, testConfig, type TestUser } from '../harness/bot-harness.js';
import { PARTNER_ADMIN, RESELLER_ADMIN, SECOND_PARTNER_ADMIN, TAILSPIN_ADMIN } from '../harness/partner-users.js';
import { approveEveryStage, requestForm, requestFormFields, requestIdOf, storedRequest, waitForStatus } from '../harness/licensing.js';
import { openPage, submitForm } from '../sandbox/login-browser.js';
import { ConnectorError } from '../../src/connectors/ports.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
const auditOf = async (tenantId: string) => (await harness.qm.audit.list(tenantId, { pageSize: 100 })).items;
const refusalsIn = async (tenantId: string) =>
  (await auditOf(tenantId)).filter((e) => e.action === 'partner.cross-tenant-refused').map((e) => e.target);

beforeEach(async () => {
  const base = testConfig();
  harness = await BotHarness.start({
    bootstrapAdmins: [
      ...base.bootstrapAdmins,
      { tenantId: DEMO_PARTNER_TENANT_ID, aadObjectId: PARTNER_ADMIN.aadObjectId },
      { tenantId: DEMO_RESELLER_TENANT_ID, aadObjectId: RESELLER_ADMIN.aadObjectId },
      { tenantId: SECOND_PARTNER_TENANT_ID, aadObjectId: SECOND_PARTNER_ADMIN.aadObjectId },
      { tenantId: TAILSPIN_TENANT_ID, aadObjectId: TAILSPIN_ADMIN.aadObjectId },
    ],
    partnerTenants: [
      { tenantId: DEMO_PARTNER_TENANT_ID, name: 'Quartermaster Demo Partner' },
      { tenantId: SECOND_PARTNER_TENANT_ID, name: 'Adatum Cloud Partner' },
    ],
  });
  for (const user of [PARTNER_ADMIN, RESELLER_ADMIN, SECOND_PARTNER_ADMIN, TAILSPIN_ADMIN, ...Object.values(DEMO)])
    await chat(user).install();
});
afterEach(async () => {
  await harness.stop();
});

/** The partner admin signs in to Partner Center and links Contoso and (ahead) Fabrikam. */
async function connectAndLink() {
  const [reply] = await chat(PARTNER_ADMIN).say('connect');
  const url = cardActions(cardOf(reply)!).find((a) => a.type === 'Action.OpenUrl' && a.title === 'Sign in (integration sandbox)')?.url;
  const page = await openPage(url!);
  const pressed = await submitForm(url!, page.html, { account: SIGN_IN_ACCOUNTS.partnerAdminAgent.id, action: 'signin' });
  expect((await openPage(pressed.headers.get('location')!)).status).toBe(200);
  for (const customerTenantId of [DEMO_TENANT_ID, OTHER_TENANT_ID])
    expect((await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId })).status).toBe(200);
}

const addLitware = () =>
  chat(PARTNER_ADMIN).click('partnerAddReseller', {
    resellerTenantId: DEMO_RESELLER_TENANT_ID,
    displayName: 'Litware',
    domain: 'litware.example',
  });

/** Adds Litware and assigns Fabrikam to it through the proposal and its confirmation card. */
async function addLitwareAndAssignFabrikam() {
  await addLitware();
  const proposal = await chat(PARTNER_ADMIN).click('partnerProposeReseller', { customerTenantId: OTHER_TENANT_ID });
  const assign = cardActions(proposal.body.value).find((a) => a.title === 'Assign')!;
  return chat(PARTNER_ADMIN).click('partnerAssignReseller', assign.data as Record<string, string>);
}

const textOfReply = (reply: Record<string, any> | undefined) => (cardOf(reply) ? cardText(cardOf(reply)!) : (reply?.text ?? ''));

describe('resellers', () => {
  it('adds a reseller Partner Center lists, refusing bad input beside its fields with the values kept', async () => {
    await connectAndLink();
    const [desk] = await chat(PARTNER_ADMIN).say('resellers');
    const deskCard = cardOf(desk)!;
    expect(cardText(deskCard)).toContain('Resellers of Quartermaster Demo Partner');
    expect(cardText(deskCard)).toContain('No resellers added yet.');
    // The form offers the partner's Partner Center resellers, and only them.
    expect(JSON.stringify(deskCard)).toContain(DEMO_RESELLER_TENANT_ID);
    expect(JSON.stringify(deskCard)).not.toContain(SECOND_PARTNER_TENANT_ID);

    const bad = await chat(PARTNER_ADMIN).click('partnerAddReseller', {
      resellerTenantId: DEMO_RESELLER_TENANT_ID,
      displayName: '   ',
      domain: 'not a domain',
    });
    expect(bad.status).toBe(200);
    const badText = cardText(bad.body.value);
    expect(badText).toContain('The reseller was not added');
    expect(badText).toContain('Type the name your people know the reseller by.');
    expect(badText).toContain('such as litware.example');
    expect(JSON.stringify(bad.body.value)).toContain('not a domain');
    expect((await auditOf(DEMO_PARTNER_TENANT_ID)).map((e) => e.action)).not.toContain('partner.reseller.added');

    const added = await addLitware();
    expect(cardText(added.body.value)).toContain('Litware is added');
    expect(cardText(added.body.value)).toContain('litware.example');
    const again = await addLitware();
    expect(cardText(again.body.value)).toContain('Litware was already added');
    expect((await auditOf(DEMO_PARTNER_TENANT_ID)).filter((e) => e.action === 'partner.reseller.added')).toHaveLength(1);
    // Litware's admin is a reseller admin now.
    const [whoami] = await chat(RESELLER_ADMIN).say('whoami');
    expect(cardText(cardOf(whoami)!)).toContain('reseller admin');
  });

  it('proposes the reseller Partner Center names for a customer, assigns it on the confirmation card, and audits it', async () => {
    await connectAndLink();
    await addLitware();
    const [customers] = await chat(PARTNER_ADMIN).say('customers');
    const text = cardText(cardOf(customers)!);
    expect(text).toContain('none yet: Partner Center names Litware; confirm with Assign');
    const assignButtons = cardActions(cardOf(customers)!).filter((a) => a.title === 'Assign to Litware');
    // Only Fabrikam buys through Litware; Contoso buys from the partner directly.
    expect(assignButtons.map((a) => (a.data as { customerTenantId: string }).customerTenantId)).toEqual([OTHER_TENANT_ID]);

    const proposal = await chat(PARTNER_ADMIN).click('partnerProposeReseller', { customerTenantId: OTHER_TENANT_ID });
    expect(cardText(proposal.body.value)).toContain('Assign Fabrikam (demo) to Litware?');
    // Contoso has no reseller in Partner Center: nothing to propose.
    const direct = await chat(PARTNER_ADMIN).click('partnerProposeReseller', { customerTenantId: DEMO_TENANT_ID });
    expect(JSON.stringify(direct.body)).toContain('buys from you directly');

    const assigned = await addLitwareAndAssignFabrikam();
    expect(cardText(assigned.body.value)).toContain('Fabrikam (demo) is assigned to Litware');
    const entries = (await auditOf(DEMO_PARTNER_TENANT_ID)).filter((e) => e.action === 'partner.customer.reseller-assigned');
    expect(entries).toHaveLength(1);
    expect(entries[0]!.target).toBe(OTHER_TENANT_ID);
    expect(entries[0]!.before).toEqual({ reseller: null });
    const [desk] = await chat(PARTNER_ADMIN).say('resellers');
    expect(cardText(cardOf(desk)!)).toMatch(/Customers\nFabrikam \(demo\)/);
  });

  it('shows a reseller admin its own customers only, and refuses and audits every other reach', async () => {
    await connectAndLink();
    // Before it is added, Litware's admin is no reseller admin.
    const [before] = await chat(RESELLER_ADMIN).say('customers');
    expect(textOfReply(before)).toMatch(/Only your partner's admins/);
    await addLitwareAndAssignFabrikam();

    const [customers] = await chat(RESELLER_ADMIN).say('customers');
    const text = cardText(cardOf(customers)!);
    expect(text).toContain('Customers of Litware');
    expect(text).toContain('Fabrikam (demo)');
    expect(text).not.toContain('Contoso');
    expect(text).not.toContain(DEMO_TENANT_ID);
    // Cost and price side by side; no partner-only buttons.
    expect(text).toMatch(/Monthly cost\n28\.00 USD \/ month\nMonthly price\n28\.00 USD \/ month/);
    const titles = cardActions(cardOf(customers)!).map((a) => a.title);
    expect(titles).not.toContain('Link');
    expect(titles).not.toContain('Unlink');
    expect(titles).not.toContain('Resellers');

    // Its customer, as its admin: the card, the customer's subscriptions, its orders.
    const [fabrikam] = await chat(RESELLER_ADMIN).say('customer fabrikam');
    expect(cardText(cardOf(fabrikam)!)).toContain('Customer of Quartermaster Demo Partner');
    const list = await chat(RESELLER_ADMIN).click('listSubscriptions', { onBehalfOf: OTHER_TENANT_ID });
    expect(list.status).toBe(200);
    expect(cardText(list.body.value)).toContain('Power BI Pro');
    const [orders] = await chat(RESELLER_ADMIN).say('orders fabrikam');
    expect(cardText(cardOf(orders)!)).toContain('Orders of Fabrikam (demo)');

    // Anything else: the partner's other customer by name, by card, by orders, by margin; partner-only buttons.
    const [contoso] = await chat(RESELLER_ADMIN).say('customer contoso');
    expect(contoso!.text).toMatch(/No linked customer of yours has that name/);
    const [contosoOrders] = await chat(RESELLER_ADMIN).say('orders contoso');
    expect(contosoOrders!.text).toMatch(/No linked customer of yours/);
    for (const forged of [DEMO_TENANT_ID, TAILSPIN_TENANT_ID, NORTHWIND_TENANT_ID]) {
      expect((await chat(RESELLER_ADMIN).click('listSubscriptions', { onBehalfOf: forged })).body.statusCode).toBe(403);
      expect(
        (await chat(RESELLER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: forged, margin: '50' })).body.statusCode,
      ).toBe(403);
    }
    expect(
      (
        await chat(RESELLER_ADMIN).click('partnerAssignReseller', {
          customerTenantId: DEMO_TENANT_ID,
          resellerTenantId: DEMO_RESELLER_TENANT_ID,
        })
      ).body.statusCode,
    ).toBe(403);
    expect(
      (await chat(RESELLER_ADMIN).click('partnerSetResellerMargin', { resellerTenantId: DEMO_RESELLER_TENANT_ID })).body.statusCode,
    ).toBe(403);
    expect((await chat(RESELLER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID })).body.statusCode).toBe(403);
    const [desk] = await chat(RESELLER_ADMIN).say('resellers');
    expect(desk!.text).toMatch(/Only a partner's admins can manage its resellers/);
    expect(await refusalsIn(DEMO_RESELLER_TENANT_ID)).toEqual(
      expect.arrayContaining(['contoso', DEMO_TENANT_ID, TAILSPIN_TENANT_ID, NORTHWIND_TENANT_ID]),
    );
    // Nothing changed in Contoso's prices.
    expect((await auditOf(DEMO_PARTNER_TENANT_ID)).filter((e) => e.action === 'partner.margin.changed')).toEqual([]);

    // Unassigned customers vanish for the reseller at once: unlinking Fabrikam ends its reach.
    await chat(PARTNER_ADMIN).click('partnerUnlinkCustomer', { customerTenantId: OTHER_TENANT_ID });
    expect((await chat(RESELLER_ADMIN).click('listSubscriptions', { onBehalfOf: OTHER_TENANT_ID })).body.statusCode).toBe(403);
  });

  it("refuses and audits another partner's admin, a customer's admin, and forged ids from the partner itself", async () => {
    await connectAndLink();
    await addLitwareAndAssignFabrikam();
    // The partner: a tenant that is not its Partner Center reseller; a reseller Partner Center does not name for the customer.
    for (const forged of [TAILSPIN_TENANT_ID, SECOND_PARTNER_TENANT_ID, DEMO_PARTNER_TENANT_ID]) {
      const answer = await chat(PARTNER_ADMIN).click('partnerAddReseller', {
        resellerTenantId: forged,
        displayName: 'X',
        domain: 'x.example',
      });
      expect(answer.body.statusCode).toBe(403);
    }
    const wrongReseller = await chat(PARTNER_ADMIN).click('partnerAssignReseller', {
      customerTenantId: OTHER_TENANT_ID,
      resellerTenantId: SECOND_PARTNER_TENANT_ID,
    });
    expect(wrongReseller.body.statusCode).toBe(403);
    const notLinked = await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: TAILSPIN_TENANT_ID, margin: '5' });
    expect(notLinked.body.statusCode).toBe(403);
    expect(await refusalsIn(DEMO_PARTNER_TENANT_ID)).toEqual(
      expect.arrayContaining([TAILSPIN_TENANT_ID, SECOND_PARTNER_TENANT_ID, DEMO_PARTNER_TENANT_ID]),
    );

    // Another partner: not its reseller, not its customer.
    for (const [verb, data] of [
      ['partnerSetResellerMargin', { resellerTenantId: DEMO_RESELLER_TENANT_ID, [`margin-${DEMO_RESELLER_TENANT_ID}`]: '1' }],
      ['partnerAssignReseller', { customerTenantId: OTHER_TENANT_ID, resellerTenantId: DEMO_RESELLER_TENANT_ID }],
      ['partnerSetCustomerMargin', { customerTenantId: OTHER_TENANT_ID, margin: '1' }],
      ['partnerAddReseller', { resellerTenantId: DEMO_RESELLER_TENANT_ID, displayName: 'Mine', domain: 'litware.example' }],
    ] as const) {
      expect((await chat(SECOND_PARTNER_ADMIN).click(verb, data)).body.statusCode).toBe(403);
    }
    expect(await refusalsIn(SECOND_PARTNER_TENANT_ID)).toEqual(expect.arrayContaining([DEMO_RESELLER_TENANT_ID, OTHER_TENANT_ID]));
    const [adatum] = await chat(SECOND_PARTNER_ADMIN).say('resellers');
    expect(cardText(cardOf(adatum)!)).not.toContain('Litware');

    // A customer's admin: the partner's buttons are not theirs.
    const tailspin = await chat(TAILSPIN_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: TAILSPIN_TENANT_ID, margin: '0' });
    expect(tailspin.body.statusCode).toBe(403);
    const alex = await chat(DEMO.alex).click('partnerAssignReseller', {
      customerTenantId: DEMO_TENANT_ID,
      resellerTenantId: DEMO_RESELLER_TENANT_ID,
    });
    expect(alex.body.statusCode).toBe(403);
    expect(await refusalsIn(TAILSPIN_TENANT_ID)).toContain(TAILSPIN_TENANT_ID);
    expect(await refusalsIn(DEMO_TENANT_ID)).toContain(DEMO_TENANT_ID);
    // Nothing changed: no margin anywhere, Litware still the partner's.
    const changes = [...(await auditOf(DEMO_PARTNER_TENANT_ID)), ...(await auditOf(SECOND_PARTNER_TENANT_ID))].filter(
      (e) => e.action === 'partner.margin.changed',
    );
    expect(changes).toEqual([]);
  });
});

describe('margins', () => {
  it("prices a reseller's customers with the reseller's margin, a customer's own margin winning, cost beside price for partner and reseller", async () => {
    await connectAndLink();
    await addLitwareAndAssignFabrikam();
    const marginField = `margin-${DEMO_RESELLER_TENANT_ID}`;

    const bad = await chat(PARTNER_ADMIN).click('partnerSetResellerMargin', {
      resellerTenantId: DEMO_RESELLER_TENANT_ID,
      [marginField]: '12,5',
    });
    expect(bad.status).toBe(200);
    expect(cardText(bad.body.value)).toContain("Litware's margin was not changed.");
    expect(cardText(bad.body.value)).toContain('"12,5" is not a percent');
    expect(JSON.stringify(bad.body.value)).toContain('"value":"12,5"');
    const tooMuch = await chat(PARTNER_ADMIN).click('partnerSetResellerMargin', {
      resellerTenantId: DEMO_RESELLER_TENANT_ID,
      [marginField]: '1000.5',
    });
    expect(cardText(tooMuch.body.value)).toContain('above 1000 %');

    const set = await chat(PARTNER_ADMIN).click('partnerSetResellerMargin', {
      resellerTenantId: DEMO_RESELLER_TENANT_ID,
      [marginField]: '10',
    });
    expect(cardText(set.body.value)).toContain("Litware's margin: 10 %.");
    // Fabrikam: 2 × Power BI Pro at 14.00 cost → 15.40 with 10 %.
    const [partnerView] = await chat(PARTNER_ADMIN).say('customer fabrikam');
    expect(cardText(cardOf(partnerView)!)).toMatch(
      /Monthly cost\n28\.00 USD \/ month\nMonthly price\n30\.80 USD \/ month\nMargin\n10 % \(its reseller's\)/,
    );

    // The customer's own margin wins; bad input first (kept, error beside the field).
    const badOwn = await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: OTHER_TENANT_ID, margin: '-3' });
    expect(cardText(badOwn.body.value)).toContain('"-3" is not a percent');
    expect(JSON.stringify(badOwn.body.value)).toContain('"value":"-3"');
    const own = await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: OTHER_TENANT_ID, margin: '20' });
    expect(cardText(own.body.value)).toMatch(
      /Monthly cost\n28\.00 USD \/ month\nMonthly price\n33\.60 USD \/ month\nMargin\n20 % \(its own\)/,
    );
    // The reseller's admin sees the same cost and price, and may set its own customer's margin.
    const [resellerView] = await chat(RESELLER_ADMIN).say('customers');
    expect(cardText(cardOf(resellerView)!)).toMatch(/Monthly cost\n28\.00 USD \/ month\nMonthly price\n33\.60 USD \/ month/);
    const byReseller = await chat(RESELLER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: OTHER_TENANT_ID, margin: '15' });
    expect(cardText(byReseller.body.value)).toContain('Monthly price\n32.20 USD / month');

    // Every change audited before → after, the reseller's in its own log too.
    const changes = (await auditOf(DEMO_PARTNER_TENANT_ID)).filter((e) => e.action === 'partner.margin.changed').reverse();
    expect(changes.map((e) => [e.target, e.before, e.after])).toEqual([
      [DEMO_RESELLER_TENANT_ID, { margin: null }, { margin: '10' }],
      [OTHER_TENANT_ID, { margin: null }, { margin: '20' }],
      [OTHER_TENANT_ID, { margin: '20' }, { margin: '15' }],
    ]);
    expect((await auditOf(DEMO_RESELLER_TENANT_ID)).map((e) => e.action)).toContain('partner.margin.changed');
  });

  it("shows the customer's people prices with the margin on the request form, review and approval cards, and never the cost", async () => {
    await connectAndLink();
    // Contoso's own margin, 12.5 %: Visio Plan 2 costs 15.00, so its people see 16.88 (15 × 1.125 = 16.875, rounded half up).
    await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: DEMO_TENANT_ID, margin: '12.5' });

    const [form] = (await chat(DEMO.alex).say('request visio')).filter((a) => cardOf(a));
    const formText = JSON.stringify(cardOf(form));
    expect(formText).toContain('16.88 USD');
    expect(formText).not.toContain('15.00 USD');

    const review = await chat(DEMO.alex).click('submitRequest', requestFormFields(DEMO_OFFERS.visioPlan2.offerId, { quantity: '2' }));
    const reviewText = JSON.stringify(review.body.value);
    expect(reviewText).toContain('33.76 USD');
    expect(reviewText).not.toContain('15.00 USD');
    expect(reviewText).not.toContain('30.00 USD');

    // One seat (several would ask why first): the approval card shows the price with the margin.
    const confirmed = await chat(DEMO.alex).click('submitRequest', {
      ...requestFormFields(DEMO_OFFERS.visioPlan2.offerId),
      confirmed: true,
    });
    const id = requestIdOf(confirmed.body.value);
    const approval = JSON.stringify(
      await harness.until(async () => harness.sentTo(DEMO.adele).find((a) => cardText(a).includes(id)), "Adele's approval card"),
    );
    expect(approval).toContain('16.88 USD');
    expect(approval).not.toContain('15.00 USD');

    // The partner sees both: what Partner Center charges and what Contoso pays.
    const [partnerView] = await chat(PARTNER_ADMIN).say('customer contoso');
    const text = cardText(cardOf(partnerView)!);
    // Contoso's 10 Acrobat seats count at the marketplace's sales price to a client (26.39 a seat), not the vendor's purchase price.
    expect(text).toContain('Monthly cost\n1,408.90 USD / month');
    // Marketplace products keep the marketplace's price: the margin is on what Partner Center charges.
    expect(text).toContain('Monthly price\n1,552.05 USD / month\nMargin\n12.5 % (its own)');
  });

  it('prices the next request form with a margin changed on another instance over the same storage', async () => {
    await connectAndLink();
    const second = await BotHarness.start(harness.config, { sandbox: harness.sandbox, connector: harness.connector, instanceName: 'qm-2' });
    try {
      const visioForm = async () => {
        const [form] = (await second.personalChat(DEMO.alex).say('request visio')).filter((a) => cardOf(a));
        return JSON.stringify(cardOf(form));
      };
      // The second instance has Contoso's catalog in its cache, at cost (no margin yet): Visio Plan 2 at 15.00.
      expect(await visioForm()).toContain('15.00 USD');
      await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: DEMO_TENANT_ID, margin: '12.5' });
      const priced = await visioForm();
      expect(priced).toContain('16.88 USD');
      expect(priced).not.toContain('15.00 USD');
      // Removing it reaches the other instance at once too.
      await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: DEMO_TENANT_ID, margin: '' });
      const atCost = await visioForm();
      expect(atCost).toContain('15.00 USD');
      expect(atCost).not.toContain('16.88 USD');
    } finally {
      await second.stop();
    }
  });

  it("shows each order item with the figures of its time: billed cost to the partner's and reseller's admins, the price as requested to all", async () => {
    await connectAndLink();
    await addLitwareAndAssignFabrikam();
    // Contoso's own margin 10 %: Project Plan 3 costs 30.00 a month, so its people are shown 33.00.
    await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: DEMO_TENANT_ID, margin: '10' });
    const submitted = await chat(DEMO.isaiah).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.projectPlan3.offerId, { justification: 'Plans' }),
    );
    const id = requestIdOf(submitted.body.value);
    // The request keeps the price its requester was shown, margin included.
    expect((await storedRequest(harness, id))?.unitPrice).toEqual({ amount: '33.00', currency: 'USD' });
    await approveEveryStage(harness, id);
    const orderId = (await waitForStatus(harness, id, 'completed')).fulfilment!.orderId!;

    // Later, Partner Center's price sheet goes up (35.00 a month) and Contoso's margin to 20 %:
    // today's catalog price would be 36.00 a month. The order keeps what was billed and shown then.
    harness.sandbox.state.offer(DEMO_OFFERS.projectPlan3.offerId)!.unitPrice = '35.00';
    await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: DEMO_TENANT_ID, margin: '20' });
    const [form] = (await chat(DEMO.alex).say('request project')).filter((a) => cardOf(a));
    expect(JSON.stringify(cardOf(form))).toContain('36.00 USD');

    const [mine] = await chat(DEMO.alex).say('orders');
    const customerView = cardText(cardOf(mine)!);
    expect(customerView).toContain(orderId);
    expect(customerView).toContain('Project Plan 3 × 1 (33.00 USD / month when requested)');
    expect(customerView).not.toMatch(/30\.00|35\.00|36\.00|360\.00|420\.00/);
    expect(customerView).not.toMatch(/cost|margin|billed/i);

    // Billed annually: one seat for the year at the price sheet's 30.00 a month of the day it was ordered.
    const partnerLine =
      'Project Plan 3 × 1 (billed 360.00 USD / year by Partner Center, 360.00 USD a seat; price 33.00 USD / month when requested)';
    const [partnerView] = await chat(PARTNER_ADMIN).say('orders contoso');
    const partnerText = cardText(cardOf(partnerView)!);
    expect(partnerText).toContain(partnerLine);
    expect(partnerText).toContain('Billed total\n360.00 USD / year by Partner Center');
    expect(partnerText).not.toMatch(/36\.00|420\.00/);
    const clicked = await chat(PARTNER_ADMIN).click('showOrders', { onBehalfOf: DEMO_TENANT_ID });
    expect(cardText(clicked.body.value)).toContain(partnerLine);

    // Fabrikam: an order Litware placed in Partner Center itself (outside Quartermaster) that
    // Partner Center did not price: no request, so today's price (Litware's 10 %), said so.
    await chat(PARTNER_ADMIN).click('partnerSetResellerMargin', {
      resellerTenantId: DEMO_RESELLER_TENANT_ID,
      [`margin-${DEMO_RESELLER_TENANT_ID}`]: '10',
    });
    harness.sandbox.state.tenant(OTHER_TENANT_ID)!.orders.set('portal-order-1', {
      id: 'portal-order-1',
      customerId: OTHER_TENANT_ID,
      billingCycle: 'monthly',
      lineItems: [
        {
          lineItemNumber: 0,
          offerId: DEMO_OFFERS.powerBiPro.offerId,
          subscriptionId: DEMO_SUBSCRIPTIONS.otherTenantPowerBiPro,
          quantity: 2,
          termDuration: 'P1M',
          transactionType: 'New',
        },
      ],
      creationDate: new Date('2026-03-02T10:00:00Z'),
      status: 'completed',
    });
    const [resellerView] = await chat(RESELLER_ADMIN).say('orders fabrikam');
    const resellerText = cardText(cardOf(resellerView)!);
    expect(resellerText).toContain('portal-order-1');
    expect(resellerText).toContain(
      "Power BI Pro × 2 (cost not priced by Partner Center; price 30.80 USD / month at today's catalog price)",
    );
    expect(resellerText).toContain('Billed total\nnot priced by Partner Center');
    expect(resellerText).toContain('none (placed outside Quartermaster)');
  });

  it('shows a marketplace order with what the marketplace billed when it was placed, and the price as requested', async () => {
    await connectAndLink();
    // Miro Business: 17.60 a seat a month on the marketplace's price list (no margin: the margin is on Partner Center's cost).
    await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: DEMO_TENANT_ID, margin: '10' });
    const submitted = await chat(DEMO.isaiah).click(
      'submitRequest',
      requestForm(`mkt:${MARKETPLACE_ITEMS.miroBusiness}`, { justification: 'Boards' }),
    );
    const id = requestIdOf(submitted.body.value);
    await approveEveryStage(harness, id);
    const orderId = (await waitForStatus(harness, id, 'completed')).fulfilment!.orderId!;
    // Later the price list goes up: the order keeps what it was placed at.
    harness.sandbox.marketplace.item(MARKETPLACE_ITEMS.miroBusiness)!.purchasePrice.amount = '20.00';

    const [partnerView] = await chat(PARTNER_ADMIN).say('orders contoso');
    const partnerText = cardText(cardOf(partnerView)!);
    expect(partnerText).toContain(orderId);
    expect(partnerText).toContain(
      'Miro Business × 1 (billed 17.60 USD / month by the marketplace; price 17.60 USD / month when requested)',
    );
    const [mine] = await chat(DEMO.alex).say('orders');
    const customerView = cardText(cardOf(mine)!);
    expect(customerView).toContain('Miro Business × 1 (17.60 USD / month when requested)');
    expect(customerView).not.toMatch(/cost|margin|billed/i);
  });

  it("copies renewal alerts to the partner's channel with the unused seats' cost beside their price; the customer's admins see the price", async () => {
    await connectAndLink();
    await addLitwareAndAssignFabrikam();
    await chat(PARTNER_ADMIN).click('partnerSetResellerMargin', {
      resellerTenantId: DEMO_RESELLER_TENANT_ID,
      [`margin-${DEMO_RESELLER_TENANT_ID}`]: '10',
    });
    await chat(PARTNER_ADMIN).click('partnerSetCustomerMargin', { customerTenantId: DEMO_TENANT_ID, margin: '12.5' });
    const channel = harness.channel(PARTNER_ADMIN, 'Customers');
    await channel.say('alerts here');
    await harness.qm.licenseAlerts.renewals.run(testClock());
    await harness.drain();
    const channelCards = harness.connector.sent
      .filter((s) => s.conversationId === channel.conversation.id && s.method === 'POST')
      .map((s) => cardOf(s.activity))
      .filter((c) => c && /renews in/.test(cardText(c)))
      .map((c) => cardText(c!));

    // Fabrikam (no admins of its own): one unused Power BI Pro seat, 14.00 from Partner Center, 15.40 with Litware's 10 %.
    const fabrikam = channelCards.find((t) => t.includes('Customer: Fabrikam (demo)') && t.includes('Power BI Pro renews in'));
    expect(fabrikam).toContain('Unused seats a month\ncost 14.00 USD / month, price 15.40 USD / month');

    // Contoso: its admin sees the price alone; the partner's copy shows the cost first and that same price.
    const alexCard = harness.sentTo(DEMO.alex).find((a) => cardOf(a) && cardText(a).includes('Microsoft 365 E3 renews in'));
    const alexText = cardText(cardOf(alexCard)!);
    const price = /Unused seats a month\n(\S+ USD \/ month)/.exec(alexText)?.[1];
    expect(price).toBeDefined();
    expect(alexText).not.toMatch(/cost|margin/i);
    const contoso = channelCards.find((t) => t.includes('Customer: Contoso') && t.includes('Microsoft 365 E3 renews in'));
    const copy = /Unused seats a month\ncost (\S+) USD \/ month, price (\S+ USD \/ month)/.exec(contoso ?? '');
    expect(copy?.[2]).toBe(price);
    // 12.5 % over the cost, rounded once to the cent.
    const cost = Number(copy![1]!.replace(/,/g, ''));
    expect(Number(price!.split(' ')[0]!.replace(/,/g, ''))).toBeCloseTo(Math.round(cost * 112.5) / 100, 2);
  });
});

describe("a reseller's own Partner Center", () => {
  /** Partner Center as the reseller's own agent token reaches it (what the REST reference lets an indirect reseller call). */
  const asReseller = async (path: string) => {
    const token = await harness.qm.connections.partnerCenterToken(DEMO_RESELLER_TENANT_ID);
    const response = await fetch(`${harness.sandbox.urls.partnerCenter}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  /** Litware's admin signs in to Partner Center in Litware's own tenant from its connect card. */
  async function connectReseller() {
    const [reply] = await chat(RESELLER_ADMIN).say('connect');
    const url = cardActions(cardOf(reply)!).find((a) => a.type === 'Action.OpenUrl' && a.title === 'Sign in (integration sandbox)')?.url;
    const page = await openPage(url!);
    const pressed = await submitForm(url!, page.html, { account: SIGN_IN_ACCOUNTS.resellerAdminAgent.id, action: 'signin' });
    expect((await openPage(pressed.headers.get('location')!)).status).toBe(200);
  }

  const resellerCard = async () => {
    const [reply] = await chat(RESELLER_ADMIN).say('customers');
    const card = cardOf(reply)!;
    expect(card, textOfReply(reply)).toBeDefined();
    return { card, text: cardText(card) };
  };

  it("checks Litware's assignments against Litware's own Partner Center customer list, names what it lists unassigned, and says what to do when it cannot", async () => {
    await connectAndLink();
    await addLitware();
    const litware = harness.sandbox.state.partners.find((p) => p.tenantId === DEMO_RESELLER_TENANT_ID)!;
    const fabrikam = harness.sandbox.state.tenant(OTHER_TENANT_ID)!;

    // Not connected: one line with the fix, and the assignments (none yet) as before.
    const before = await resellerCard();
    expect(before.text).toContain(
      'Your own Partner Center is not connected, so these assignments are not checked against it: type connect and sign in to Partner Center.',
    );
    expect(before.text).toContain('No customers yet.');
    expect(before.text).not.toContain('also lists');

    // Connected, nothing assigned yet: Partner Center lists Fabrikam for Litware, named with whom to ask.
    await connectReseller();
    const unassigned = await resellerCard();
    expect(unassigned.text).toContain('Checked against your own Partner Center: no customer is assigned to you yet.');
    expect(unassigned.text).toContain(
      'Your Partner Center also lists this customer under your account, not assigned to you by Quartermaster Demo Partner (if it buys through Quartermaster Demo Partner, ask them to assign it):',
    );
    expect(unassigned.text).toContain(`${fabrikam.displayName} (${fabrikam.domain})`);
    // Named only: none of Fabrikam's details (tenant, figures) reach Litware before the assignment.
    expect(JSON.stringify(unassigned.card)).not.toContain(OTHER_TENANT_ID);
    expect(unassigned.text).not.toContain('Monthly cost');

    // Assigned, and Partner Center agrees: Fabrikam is in Litware's own list.
    await addLitwareAndAssignFabrikam();
    const agreed = await resellerCard();
    expect(agreed.text).toContain('Checked against your own Partner Center: 1 of 1 assigned customer is in its customer list.');
    expect(agreed.text).toMatch(/In your Partner Center\nyes/);
    // Its purchases go through the partner's Partner Center, not the reseller's own.
    expect(agreed.text).toContain("Linked: its purchases go through Quartermaster Demo Partner's Partner Center");
    expect(agreed.text).not.toContain('through your Partner Center');
    expect(agreed.text).not.toContain('also lists');

    // Partner Center now lists Contoso for Litware too (not assigned to it): named by Partner
    // Center's name and domain only, with whom to ask; none of Contoso's own details reach Litware.
    litware.customerIds.push(DEMO_TENANT_ID);
    const more = await resellerCard();
    expect(more.text).toContain(
      'Your Partner Center also lists this customer under your account, not assigned to you by Quartermaster Demo Partner (if it buys through Quartermaster Demo Partner, ask them to assign it):',
    );
    const contoso = harness.sandbox.state.tenant(DEMO_TENANT_ID)!;
    expect(more.text).toContain(`${contoso.displayName} (${contoso.domain})`);
    expect(JSON.stringify(more.card)).not.toContain(DEMO_TENANT_ID);
    expect(more.text.match(/In your Partner Center\n/g)).toHaveLength(1);

    // Partner Center no longer lists Fabrikam for Litware: the assignment is flagged, with whom to ask.
    litware.customerIds.splice(litware.customerIds.indexOf(OTHER_TENANT_ID), 1);
    const differs = await resellerCard();
    expect(differs.text).toContain('Checked against your own Partner Center: 0 of 1 assigned customer is in its customer list.');
    expect(differs.text).toContain(
      'In your Partner Center\nno: not in your Partner Center customer list — ask Quartermaster Demo Partner to check the assignment',
    );
    expect(differs.text).toContain('Fabrikam (demo)');

    // Partner Center fails reading the list: one clear line, the assignments still shown, nothing changed.
    const auditBefore = (await auditOf(DEMO_RESELLER_TENANT_ID)).length;
    harness.sandbox.faults.partnerCenter.failNext({ method: 'GET', path: /^\/v1\/customers$/, status: 503, times: 50 });
    try {
      const failed = await resellerCard();
      expect(failed.text).toMatch(
        /Your Partner Center customer list could not be read \(.+\), so these assignments are not checked now; nothing was changed\. Press Refresh in a minute\./,
      );
      expect(failed.text).toContain('Fabrikam (demo)');
      expect(failed.text).not.toContain('In your Partner Center');
      expect(failed.text).not.toContain('also lists');
    } finally {
      harness.sandbox.faults.partnerCenter.reset();
    }
    expect((await harness.qm.connectionStore.get(DEMO_RESELLER_TENANT_ID, 'partner-center'))?.state).toBe('connected');
    expect(await auditOf(DEMO_RESELLER_TENANT_ID)).toHaveLength(auditBefore);

    // The connection needs attention: one line with the fix, and the assignments.
    await harness.qm.connections.notePartnerCenterRefusal(
      DEMO_RESELLER_TENANT_ID,
      new ConnectorError('unauthorized', 'partner-center: refused', { service: 'partner-center', status: 401 }),
    );
    const attention = await resellerCard();
    expect(attention.text).toContain(
      'Your Partner Center connection needs attention, so these assignments are not checked against it: type connect to see what is wrong and sign in again.',
    );
    expect(attention.text).toContain('Fabrikam (demo)');
    expect(attention.text).not.toContain('In your Partner Center');

    // The partner admin's card is as before: no reseller check on it.
    const [partnerCustomers] = await chat(PARTNER_ADMIN).say('customers');
    const partnerText = cardText(cardOf(partnerCustomers)!);
    expect(partnerText).not.toContain('In your Partner Center');
    expect(partnerText).not.toContain('Checked against your own Partner Center');
  });

  it("lets Litware's admin sign in to Litware's own tenant from its connect card; its token reaches its customers only", async () => {
    await connectAndLink();
    await addLitwareAndAssignFabrikam();

    const [reply] = await chat(RESELLER_ADMIN).say('connect');
    expect(cardText(cardOf(reply)!)).toMatch(/Partner Center\nNot connected/);
    const url = cardActions(cardOf(reply)!).find((a) => a.type === 'Action.OpenUrl' && a.title === 'Sign in (integration sandbox)')?.url;
    expect(url).toBeDefined();
    // The reseller's agent signs in to the reseller's own tenant, not to its provider's.
    expect(new URL(url!).pathname.toLowerCase()).toContain(`/${DEMO_RESELLER_TENANT_ID.toLowerCase()}/`);
    const page = await openPage(url!);
    const pressed = await submitForm(url!, page.html, { account: SIGN_IN_ACCOUNTS.resellerAdminAgent.id, action: 'signin' });
    expect(pressed.status).toBe(302);
    expect((await openPage(pressed.headers.get('location')!)).status).toBe(200);

    const connection = await harness.qm.connectionStore.get(DEMO_RESELLER_TENANT_ID, 'partner-center');
    expect(connection).toMatchObject({ state: 'connected', details: { partnerTenantId: DEMO_RESELLER_TENANT_ID } });
    expect(connection?.label.toLowerCase()).toBe(SIGN_IN_ACCOUNTS.resellerAdminAgent.userPrincipalName.toLowerCase());
    // Its connect card shows the connection; the partner's own connection is untouched.
    const [after] = await chat(RESELLER_ADMIN).say('connect');
    expect(cardText(cardOf(after)!)).toMatch(/Partner Center\nConnected/);
    expect(cardText(cardOf(after)!)).toContain(SIGN_IN_ACCOUNTS.resellerAdminAgent.userPrincipalName);
    const checked = await chat(RESELLER_ADMIN).click('checkConnection', { connectionId: 'partner-center' });
    // Check now reads what Litware's account may read (its customer list), not a customer's subscriptions.
    expect(cardText(checked.body.value)).toMatch(/Partner Center\nConnected/);
    expect((await harness.qm.connectionStore.get(DEMO_RESELLER_TENANT_ID, 'partner-center'))?.state).toBe('connected');
    expect(await harness.qm.connectionStore.get(DEMO_PARTNER_TENANT_ID, 'partner-center')).toMatchObject({
      details: { partnerTenantId: DEMO_PARTNER_TENANT_ID },
    });

    // Litware's own token: its provider, and its customer Fabrikam (the customer list and the
    // customer's relationships are what an indirect reseller may read) ...
    const providers = await asReseller('/v1/relationships?relationship_type=IsIndirectResellerOf');
    expect(providers.status).toBe(200);
    expect(providers.body.items.map((p: { id: string }) => p.id)).toEqual([DEMO_PARTNER_TENANT_ID]);
    const customers = await asReseller('/v1/customers');
    expect(customers.body.items.map((c: { id: string }) => c.id)).toEqual([OTHER_TENANT_ID]);
    expect((await asReseller(`/v1/customers/${OTHER_TENANT_ID}/relationships`)).status).toBe(200);
    // ... whose subscriptions and orders its indirect provider manages ...
    expect((await asReseller(`/v1/customers/${OTHER_TENANT_ID}/subscriptions`)).status).toBe(403);
    // ... and never another partner's customer, nor its provider's own direct customer.
    for (const other of [TAILSPIN_TENANT_ID, DEMO_TENANT_ID]) {
      const refused = await asReseller(`/v1/customers/${other}/subscriptions`);
      expect(refused.status).toBe(404);
    }
  });
});
