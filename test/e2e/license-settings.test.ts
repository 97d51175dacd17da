// A tenant's license settings end to end (partner mode, like the seed portals' "Tenant settings >
// Licenses"): the card for the customer's admins and for its partner's admins through `customer
// <name>`, bad input kept with its errors, forged tenants refused; and each setting honoured by
// the flows: approval off fulfils without an approver, auto-purchase on buys through the
// partner's connection (the order shows in `orders`), auto-purchase off waits for seats and says
// so, auto-decrease schedules the renewal seats to the assigned count in Partner Center.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_OFFERS,
  DEMO_PARTNER_TENANT_ID,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  DEMO_USERS,
  MARKETPLACE_ITEMS,
  MARKETPLACE_SUBSCRIPTIONS,
  SECOND_PARTNER_TENANT_ID,
  SIGN_IN_ACCOUNTS,
  TAILSPIN_TENANT_ID,
} from '../../src/sandbox/index.js';
import { DEFAULT_LICENSE_SETTINGS } from '../../src/domain/license-settings.js';
import { testClock } from '../harness/clock.js';
import { BotHarness, cardActions, cardOf, cardText, DEMO, testConfig, type TestUser } from '../harness/bot-harness.js';
import { PARTNER_ADMIN, SECOND_PARTNER_ADMIN, TAILSPIN_ADMIN } from '../harness/partner-users.js';
import { approveEveryStage, requestForm, requestIdOf, storedRequest, waitForStatus } from '../harness/licensing.js';
import { openPage, submitForm } from '../sandbox/login-browser.js';

/** What the card's Save sends when every field is as given (defaults otherwise). */
const settingsForm = (fields: Record<string, string> = {}) => ({
  approvalRequired: 'required',
  autoPurchase: 'buy',
  autoDecrease: 'keep',
  decreaseDaysBeforeRenewal: '7',
  ...fields,
});

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
const auditOf = async (tenantId: string) => (await harness.qm.audit.list(tenantId, { pageSize: 100 })).items;
const settingsOf = (tenantId: string) => harness.qm.licenseSettings.of(tenantId);

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

/** The partner admin signs in to Partner Center and links the demo customer. */
async function connectAndLink() {
  const [reply] = await chat(PARTNER_ADMIN).say('connect');
  const url = cardActions(cardOf(reply)!).find((a) => a.type === 'Action.OpenUrl' && a.title === 'Sign in (integration sandbox)')?.url;
  const page = await openPage(url!);
  const pressed = await submitForm(url!, page.html, { account: SIGN_IN_ACCOUNTS.partnerAdminAgent.id, action: 'signin' });
  expect((await openPage(pressed.headers.get('location')!)).status).toBe(200);
  const linked = await chat(PARTNER_ADMIN).click('partnerLinkCustomer', { customerTenantId: DEMO_TENANT_ID });
  expect(linked.status).toBe(200);
}

/** The card's inputs, by id: their values, and the text shown right below each (its error, if any). */
function inputsOf(card: Record<string, any>): Record<string, { value: unknown; below: string }> {
  const body: Record<string, any>[] = card.body;
  return Object.fromEntries(
    body.flatMap((element, index) =>
      element.type?.startsWith('Input.') ? [[element.id, { value: element.value, below: body[index + 1]?.text ?? '' }]] : [],
    ),
  );
}

async function saveAs(user: TestUser, fields: Record<string, string>, onBehalfOf?: string) {
  return chat(user).click('saveLicenseSettings', { ...settingsForm(fields), ...(onBehalfOf && { onBehalfOf }) });
}

describe('the license settings card', () => {
  it("shows the defaults to the customer's admins, keeps bad input with each error beside its field, and audits a change", async () => {
    const [reply] = await chat(DEMO.alex).say('license settings');
    const card = cardOf(reply)!;
    expect(cardText(card)).toContain('Never changed: the defaults apply.');
    expect(Object.fromEntries(Object.entries(inputsOf(card)).map(([id, i]) => [id, i.value]))).toEqual(settingsForm());

    // Bad input: nothing stored, the card again with what was sent and the errors where they belong.
    const bad = await saveAs(DEMO.alex, { approvalRequired: 'not-required', autoPurchase: 'sometimes', decreaseDaysBeforeRenewal: '45' });
    expect(bad.status).toBe(200);
    const inputs = inputsOf(bad.body.value);
    expect(inputs.approvalRequired).toEqual({ value: 'not-required', below: '' });
    expect(inputs.autoPurchase).toEqual({ value: 'sometimes', below: 'Choose what happens when no seat is free.' });
    expect(inputs.decreaseDaysBeforeRenewal).toEqual({ value: '45', below: 'The number of days must be between 1 and 30.' });
    expect(cardText(bad.body.value)).toContain('nothing was changed');
    const notANumber = await saveAs(DEMO.alex, { decreaseDaysBeforeRenewal: 'soon' });
    expect(inputsOf(notANumber.body.value).decreaseDaysBeforeRenewal!.below).toBe('Enter a whole number of days, between 1 and 30.');
    expect(await settingsOf(DEMO_TENANT_ID)).toEqual(DEFAULT_LICENSE_SETTINGS);
    expect((await auditOf(DEMO_TENANT_ID)).filter((e) => e.action === 'license-settings.changed')).toEqual([]);

    // Someone who is not an admin can neither see nor change them.
    const [refused] = await chat(DEMO.isaiah).say('license settings');
    expect(refused!.text).toMatch(/Only admins can see and change the license settings/);
    expect((await saveAs(DEMO.isaiah, { approvalRequired: 'not-required' })).body.statusCode).toBe(403);

    const saved = await saveAs(DEMO.alex, { approvalRequired: 'not-required', autoDecrease: 'decrease', decreaseDaysBeforeRenewal: '10' });
    expect(cardText(saved.body.value)).toContain('Saved.');
    expect(cardText(saved.body.value)).toMatch(/Last changed by .+ on 2026-06-17/);
    expect(await settingsOf(DEMO_TENANT_ID)).toEqual({
      ...DEFAULT_LICENSE_SETTINGS,
      approvalRequired: false,
      autoDecrease: true,
      decreaseDaysBeforeRenewal: 10,
    });
    const changes = (await auditOf(DEMO_TENANT_ID)).filter((e) => e.action === 'license-settings.changed');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.before).toEqual({ approvalRequired: true, autoDecrease: false, decreaseDaysBeforeRenewal: 7 });
    expect(changes[0]!.after).toEqual({ approvalRequired: false, autoDecrease: true, decreaseDaysBeforeRenewal: 10 });
    // The same values again change nothing and audit nothing.
    const again = await saveAs(DEMO.alex, { approvalRequired: 'not-required', autoDecrease: 'decrease', decreaseDaysBeforeRenewal: '10' });
    expect(cardText(again.body.value)).toContain('Nothing changed.');
    expect((await auditOf(DEMO_TENANT_ID)).filter((e) => e.action === 'license-settings.changed')).toHaveLength(1);
  });

  it("is reached by the partner's admins through customer <name>, and refuses and audits forged tenants", async () => {
    await connectAndLink();
    const [customer] = await chat(PARTNER_ADMIN).say('customer contoso');
    const button = cardActions(cardOf(customer)!).find((a) => a.title === 'License settings');
    expect(button?.data).toEqual({ onBehalfOf: DEMO_TENANT_ID });
    const shown = await chat(PARTNER_ADMIN).click('showLicenseSettings', { onBehalfOf: DEMO_TENANT_ID });
    expect(shown.status).toBe(200);
    // Its Save stays in the customer's tenant.
    const save = cardActions(shown.body.value).find((a) => a.title === 'Save');
    expect(save?.data).toEqual({ onBehalfOf: DEMO_TENANT_ID });

    const saved = await saveAs(PARTNER_ADMIN, { autoPurchase: 'wait' }, DEMO_TENANT_ID);
    expect(cardText(saved.body.value)).toContain('Saved.');
    expect((await settingsOf(DEMO_TENANT_ID)).autoPurchase).toBe(false);
    const change = (await auditOf(DEMO_TENANT_ID)).find((e) => e.action === 'license-settings.changed')!;
    expect(change.actorName).toContain('(Quartermaster Demo Partner)');
    expect(change.after).toEqual({ autoPurchase: false });
    // Bad input from the partner's side is kept and explained the same way, and stays in the customer's tenant.
    const bad = await saveAs(PARTNER_ADMIN, { autoDecrease: 'maybe' }, DEMO_TENANT_ID);
    expect(inputsOf(bad.body.value).autoDecrease!.below).toBe('Choose what happens to unused seats at renewal.');
    expect(cardActions(bad.body.value).find((a) => a.title === 'Save')?.data).toEqual({ onBehalfOf: DEMO_TENANT_ID });

    // Another partner's admin, a customer's own admin of another tenant, and a forged id: refused, audited, nothing changed.
    const refusalsIn = async (tenantId: string) =>
      (await auditOf(tenantId)).filter((e) => e.action === 'partner.cross-tenant-refused').map((e) => e.target);
    expect((await saveAs(SECOND_PARTNER_ADMIN, { approvalRequired: 'not-required' }, DEMO_TENANT_ID)).body.statusCode).toBe(403);
    expect(await refusalsIn(SECOND_PARTNER_TENANT_ID)).toContain(DEMO_TENANT_ID);
    expect((await saveAs(TAILSPIN_ADMIN, { approvalRequired: 'not-required' }, DEMO_TENANT_ID)).body.statusCode).toBe(403);
    expect(await refusalsIn(TAILSPIN_TENANT_ID)).toContain(DEMO_TENANT_ID);
    expect((await saveAs(PARTNER_ADMIN, { approvalRequired: 'not-required' }, TAILSPIN_TENANT_ID)).body.statusCode).toBe(403);
    expect(await refusalsIn(DEMO_PARTNER_TENANT_ID)).toContain(TAILSPIN_TENANT_ID);
    expect((await settingsOf(DEMO_TENANT_ID)).approvalRequired).toBe(true);
    expect(await settingsOf(TAILSPIN_TENANT_ID)).toEqual(DEFAULT_LICENSE_SETTINGS);
  });
});

describe('the request flow', () => {
  it("approval off: fulfilled without an approver, audited as such; auto-purchase on: bought through the partner's connection, in orders", async () => {
    await connectAndLink();
    await saveAs(DEMO.alex, { approvalRequired: 'not-required' });
    const before = harness.sandbox.state.requests.length;

    // Project Plan 3: the tenant has no subscription for it, so buying it places an order.
    const submitted = await chat(DEMO.isaiah).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.projectPlan3.offerId, { justification: 'Plans' }),
    );
    const id = requestIdOf(submitted.body.value);
    // The requester is told why nobody approves it: the settings, not a policy.
    expect(cardText(submitted.body.value)).toContain('Approved automatically (your license settings need no approval)');
    expect(cardText(submitted.body.value)).not.toContain('by policy');
    const done = await waitForStatus(harness, id, 'completed');
    expect(done.approvalWaived).toBe(true);
    expect(done.decisions).toEqual([]);
    expect(done.stages).toEqual([]);
    expect(done.outcome?.kind).toBe('purchased');
    const approved = (await auditOf(DEMO_TENANT_ID)).find((e) => e.action === 'request.auto-approved' && e.target === id);
    expect(approved?.after).toMatchObject({ approval: 'not required (license settings)' });

    const calls = harness.sandbox.state.requests
      .slice(before)
      .filter((r) => r.service === 'partnerCenter' && r.path.includes(DEMO_TENANT_ID));
    expect(new Set(calls.map((r) => `${r.tenantId} ${r.user}`))).toEqual(
      new Set([`${DEMO_PARTNER_TENANT_ID} ${SIGN_IN_ACCOUNTS.partnerAdminAgent.userPrincipalName}`]),
    );
    const [orders] = await chat(PARTNER_ADMIN).say('orders contoso');
    expect(cardText(cardOf(orders)!)).toContain(done.fulfilment!.orderId!);
    expect(cardText(cardOf(orders)!)).toContain(`${id}: `);
  });

  it('auto-purchase off: waits for seats with a word to the requester and the admins; added seats let it through', async () => {
    await connectAndLink();
    await saveAs(DEMO.alex, { approvalRequired: 'not-required', autoPurchase: 'wait' });
    const visio = () => harness.sandbox.state.subscriptions(DEMO_TENANT_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!;
    const seatsOf = () => visio().lots.reduce((n, lot) => n + lot.quantity, 0);

    // Visio Plan 2 has no free seat: nothing is bought, the request waits, approved.
    const submitted = await chat(DEMO.alex).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.visioPlan2.offerId, { justification: 'Diagrams' }),
    );
    const id = requestIdOf(submitted.body.value);
    const waiting = await harness.until(async () => {
      const request = await storedRequest(harness, id);
      return request?.waitingForSeats && request.status === 'approved' ? request : undefined;
    }, 'the request to wait for seats');
    expect(waiting.outcome).toBeUndefined();
    expect(seatsOf()).toBe(5);
    await harness.drain();
    const toRequester = harness
      .sentTo(DEMO.alex)
      .filter((a) => a.text?.includes(`Your request ${id} is approved, but no Visio Plan 2 seat is free`));
    expect(toRequester).toHaveLength(1);
    const toAdmin = harness.sentTo(DEMO.patti).filter((a) => a.text?.includes(`Request ${id}`));
    expect(toAdmin).toHaveLength(1);
    expect(toAdmin[0]!.text).toContain('waits for a seat of Visio Plan 2: automatic purchase is off');
    expect((await auditOf(DEMO_TENANT_ID)).filter((e) => e.action === 'request.waiting-for-seats' && e.target === id)).toHaveLength(1);
    // The sweep for lost jobs leaves it alone, and the hourly check finds no free seat yet: still waiting, told once.
    expect(await harness.qm.stalledApprovals.run(new Date(testClock().getTime() + 3_600_000))).toEqual({ requeued: 0 });
    expect(await harness.qm.fulfilment.recheckWaiting()).toEqual({ requeued: 0, failed: 0 });

    // An admin adds a seat (approved like any seat change): the waiting request gets it.
    const prepared = await chat(DEMO.alex).click('prepareSubscriptionChange', {
      subscriptionId: DEMO_SUBSCRIPTIONS.visioPlan2,
      action: 'add-seats',
      addSeats: '1',
    });
    const confirm = cardActions(prepared.body.value).find((a) => (a as { verb?: string }).verb === 'confirmSubscriptionChange')!;
    const change = await chat(DEMO.alex).click('confirmSubscriptionChange', {
      ...(confirm.data as object),
      reason: 'For the waiting request',
    });
    const changeId = requestIdOf(change.body.value);
    await approveEveryStage(harness, changeId);
    await waitForStatus(harness, changeId, 'completed');
    const assigned = await waitForStatus(harness, id, 'completed');
    expect(assigned.outcome?.kind).toBe('assigned');
    expect(assigned.waitingForSeats).toBeUndefined();
    expect(seatsOf()).toBe(6);
    await harness.drain();
    expect(harness.sentTo(DEMO.patti).filter((a) => a.text?.includes(`Request ${id}`))).toHaveLength(1);
  });
});

describe('the request flow: a marketplace product', () => {
  it('auto-purchase off: waits with no order placed; a seat freed in the vendor subscription lets it through', async () => {
    await saveAs(DEMO.alex, { approvalRequired: 'not-required', autoPurchase: 'wait' });
    const world = harness.sandbox.marketplace;
    const acrobat = () => world.subscriptions.get(MARKETPLACE_SUBSCRIPTIONS.demoAcrobat)!;
    const ordersPlaced = () => [...world.orders.values()].filter((o) => o.customerId === DEMO_TENANT_ID).length;
    // Every Acrobat seat is taken.
    while (acrobat().assignedEmails.length < acrobat().quantity)
      acrobat().assignedEmails.push(`seat-${acrobat().assignedEmails.length}@example.com`);
    const ordersBefore = ordersPlaced();

    const submitted = await chat(DEMO.isaiah).click('submitRequest', requestForm(`mkt:${MARKETPLACE_ITEMS.acrobatPro}`));
    const id = requestIdOf(submitted.body.value);
    await harness.until(async () => {
      const request = await storedRequest(harness, id);
      return request?.waitingForSeats && request.status === 'approved' ? request : undefined;
    }, 'the request to wait for seats');
    await harness.drain();
    expect(ordersPlaced()).toBe(ordersBefore);
    expect(acrobat().quantity).toBe(10);
    expect(
      harness.sentTo(DEMO.isaiah).filter((a) => a.text?.includes(`Your request ${id} is approved, but no Adobe Acrobat Pro`)),
    ).toHaveLength(1);
    const toAdmin = harness.sentTo(DEMO.patti).filter((a) => a.text?.includes(`Request ${id}`));
    expect(toAdmin).toHaveLength(1);
    expect(toAdmin[0]!.text).toContain('automatic purchase is off');
    expect(await harness.qm.fulfilment.recheckWaiting()).toEqual({ requeued: 0, failed: 0 });

    // Someone's seat is freed in the vendor's subscription: the hourly check gives it to Isaiah, still without an order.
    acrobat().assignedEmails.pop();
    expect(await harness.qm.fulfilment.recheckWaiting()).toEqual({ requeued: 1, failed: 0 });
    const done = await waitForStatus(harness, id, 'completed');
    expect(done.outcome?.kind).toBe('assigned');
    expect(acrobat().assignedEmails).toContain(DEMO_USERS.isaiah.userPrincipalName);
    expect(ordersPlaced()).toBe(ordersBefore);
  });
});

describe('the renewal flow', () => {
  it("auto-decrease: schedules the renewal seats to the assigned count, once, audited, told to the customer's and the partner's admins", async () => {
    await connectAndLink();
    const channel = harness.channel(PARTNER_ADMIN, 'Customers');
    await channel.say('alerts here');
    const e3 = () => harness.sandbox.state.subscriptions(DEMO_TENANT_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.m365E3)!;
    const now = testClock();

    // Never set: nothing is scheduled (today's behaviour).
    expect(await harness.qm.licenseAlerts.renewalDecreases.run(now)).toEqual({ scheduled: 0, failed: 0 });
    // On, 7 days before renewal: Microsoft 365 E3 renews in about 20 days, not yet.
    await saveAs(DEMO.alex, { autoDecrease: 'decrease', decreaseDaysBeforeRenewal: '7' });
    expect(await harness.qm.licenseAlerts.renewalDecreases.run(now)).toEqual({ scheduled: 0, failed: 0 });
    expect(e3().scheduledNextTermInstructions).toBeUndefined();

    // 30 days before: scheduled at the seats people hold (25 bought, 5 unused), in Partner Center, once.
    await saveAs(DEMO.alex, { autoDecrease: 'decrease', decreaseDaysBeforeRenewal: '30' });
    // (Every subscription renewing within 30 days with unused seats is scheduled: E3 among them.)
    const first = await harness.qm.licenseAlerts.renewalDecreases.run(now);
    expect(first.scheduled).toBeGreaterThanOrEqual(1);
    expect(first.failed).toBe(0);
    expect(await harness.qm.licenseAlerts.renewalDecreases.run(now)).toEqual({ scheduled: 0, failed: 0 });
    expect(e3().scheduledNextTermInstructions?.quantity).toBe(20);
    expect(e3().lots.reduce((n, lot) => n + lot.quantity, 0)).toBe(25); // this term keeps its seats
    const audited = (await auditOf(DEMO_TENANT_ID)).filter(
      (e) => e.action === 'subscription.renewal-decrease-scheduled' && e.target === DEMO_SUBSCRIPTIONS.m365E3,
    );
    expect(audited).toHaveLength(1);
    expect(audited[0]!.before).toEqual({ quantity: 25, scheduledQuantity: null });
    expect(audited[0]!.after).toMatchObject({ scheduledQuantity: 20, assigned: 20 });

    await harness.drain();
    const toAdmins = harness.sentTo(DEMO.patti).filter((a) => a.text?.startsWith('Auto-decrease (license settings): Microsoft 365 E3'));
    expect(toAdmins).toHaveLength(1);
    expect(toAdmins[0]!.text).toContain('with 20 seats, the seats people hold, instead of 25; 5 seats nobody uses will be dropped');
    const toPartner = harness.connector.sent.filter(
      (s) =>
        s.conversationId === channel.conversation.id &&
        s.method === 'POST' &&
        /Auto-decrease.*Microsoft 365 E3/.test(s.activity.text ?? ''),
    );
    expect(toPartner).toHaveLength(1);
    expect(toPartner[0]!.activity.text).toMatch(/^Customer: Contoso \(demo\)\. Auto-decrease/);
    // The renewal alert about those unused seats is answered by the schedule.
    expect((await harness.qm.licenseAlerts.renewals.due(DEMO_TENANT_ID, now)).map((a) => a.id)).not.toContain(DEMO_SUBSCRIPTIONS.m365E3);
  });

  it("auto-decrease refused by Partner Center: told once per subscription and term (two instances) to the customer's and the partner's admins, with the reason and the fix", async () => {
    await connectAndLink();
    const channel = harness.channel(PARTNER_ADMIN, 'Customers');
    await channel.say('alerts here');
    const e3 = () => harness.sandbox.state.subscriptions(DEMO_TENANT_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.m365E3)!;
    const now = testClock();
    await saveAs(DEMO.alex, { autoDecrease: 'decrease', decreaseDaysBeforeRenewal: '30' });
    // Partner Center refuses E3's schedule on both instances' runs (the emulator's fault switch, its
    // own error body: 800091, the subscription was suspended meanwhile); the other subscriptions go through.
    const refusal = {
      method: 'PATCH',
      path: `/subscriptions/${DEMO_SUBSCRIPTIONS.m365E3}`,
      status: 400,
      code: 800091,
      message:
        'The subscription is suspended and cannot be updated. Reactivate the subscription (status active) before making other changes.',
      times: 2,
    };
    harness.sandbox.faults.partnerCenter.failNext(refusal);
    const second = await BotHarness.start(harness.config, { sandbox: harness.sandbox, connector: harness.connector, instanceName: 'qm-2' });
    try {
      const runs = await Promise.all([
        harness.qm.licenseAlerts.renewalDecreases.run(now),
        second.qm.licenseAlerts.renewalDecreases.run(now),
      ]);
      expect(runs.map((r) => r.failed)).toEqual([1, 1]);
    } finally {
      await second.stop();
    }
    expect(e3().scheduledNextTermInstructions).toBeUndefined();
    expect(
      (await auditOf(DEMO_TENANT_ID)).filter(
        (e) => e.action === 'subscription.renewal-decrease-scheduled' && e.target === DEMO_SUBSCRIPTIONS.m365E3,
      ),
    ).toEqual([]);

    await harness.drain();
    const refusedText = /^Auto-decrease \(license settings\) failed: Partner Center refused to schedule Microsoft 365 E3/;
    const toAdmins = harness.sentTo(DEMO.patti).filter((a) => refusedText.test(a.text ?? ''));
    expect(toAdmins).toHaveLength(1);
    expect(toAdmins[0]!.text).toContain(`(subscription ${DEMO_SUBSCRIPTIONS.m365E3})`);
    expect(toAdmins[0]!.text).toContain('with 20 seats instead of 25');
    expect(toAdmins[0]!.text).toContain(
      'the subscription is suspended, and Partner Center does not change a suspended subscription (800091)',
    );
    expect(toAdmins[0]!.text).toContain('it renews with 25 seats');
    expect(toAdmins[0]!.text).toContain('Fix: Reactivate the subscription');
    const toPartner = harness.connector.sent.filter(
      (s) => s.conversationId === channel.conversation.id && s.method === 'POST' && /Auto-decrease.*failed/.test(s.activity.text ?? ''),
    );
    expect(toPartner).toHaveLength(1);
    expect(toPartner[0]!.activity.text).toMatch(
      /^Customer: Contoso \(demo\)\. Auto-decrease \(license settings\) failed: .*Microsoft 365 E3.*800091/,
    );

    // The same refusal the next day (same term) is not told again; once Partner Center accepts, the schedule is made and told as usual.
    harness.sandbox.faults.partnerCenter.failNext({ ...refusal, times: 1 });
    expect((await harness.qm.licenseAlerts.renewalDecreases.run(now)).failed).toBe(1);
    expect(await harness.qm.licenseAlerts.renewalDecreases.run(now)).toMatchObject({ scheduled: 1, failed: 0 });
    expect(e3().scheduledNextTermInstructions?.quantity).toBe(20);
    await harness.drain();
    expect(harness.sentTo(DEMO.patti).filter((a) => refusedText.test(a.text ?? ''))).toHaveLength(1);
    expect(harness.sentTo(DEMO.patti).filter((a) => a.text?.startsWith('Auto-decrease (license settings): Microsoft 365 E3'))).toHaveLength(
      1,
    );
  });
});
