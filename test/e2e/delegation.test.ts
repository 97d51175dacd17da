// Delegated license administration end to end (issue 24): an admin sets up the Sales unit (the
// directory's department), its quota of Visio Plan 2 without the desktop app, and its license
// admin (Adele); Isaiah of Sales asks, Adele decides within the quota, fulfilment assigns with
// the unit's disabled plans (the Graph emulator shows them); over the quota the admins decide;
// a license admin of another unit cannot decide or reclaim for Sales; people moving into a unit
// that push it over its quota raise one alert.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_OFFERS, DEMO_TENANT_ID, DEMO_USERS } from '../../src/sandbox/index.js';
import { besideInput, BotHarness, cardOf, cardText, DEMO, inputOf, invokeErrorMessage, type TestUser } from '../harness/bot-harness.js';
import { requestForm as form, requestIdOf, storedRequest, waitForStatus as waitFor } from '../harness/licensing.js';

const VISIO_DESKTOP = '663a804f-1c30-4ff0-9915-9db84f0d1cea'; // VISIO_CLIENT_SUBSCRIPTION
let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
const stored = (id: string) => storedRequest(harness, id);
const user = (id: string) => harness.sandbox.state.findUser(DEMO_TENANT_ID, id)!;

async function submit(who: TestUser, offerId: string, fields: Record<string, unknown> = {}) {
  const result = await chat(who).click('submitRequest', form(offerId, fields), `form-${Math.random()}`);
  expect(result.status).toBe(200);
  return requestIdOf(result.body);
}

async function auditActions(): Promise<{ action: string; target: string; before?: any; after?: any; actorName?: string }[]> {
  const page = await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 200 });
  return page.items as never;
}

/** Sets a quota of the Sales unit on the admin's card. */
async function salesQuota(offerId: string, seats: string, plans = '') {
  const saved = await chat(DEMO.alex).click('unitSetQuota', {
    unitId: 'sales',
    quotaProduct_sales: offerId,
    quotaSeats_sales: seats,
    quotaPlans_sales: plans,
  });
  expect(saved.status).toBe(200);
  return cardText(saved.body.value);
}

beforeAll(async () => {
  harness = await BotHarness.start();
  for (const person of Object.values(DEMO)) await chat(person).install();
  // The admin's card: the Sales department decided by Adele, Marketing by Megan.
  for (const [name, admins] of [
    ['Sales', 'adelev@example.com'],
    ['Marketing', 'meganb@example.com'],
  ] as const) {
    const saved = await chat(DEMO.alex).click('unitSave', { name, kind: 'department', value: name, admins });
    expect(cardText(saved.body.value)).toContain(`${name} saved: department "${name}"`);
  }
});
afterAll(async () => {
  await harness.stop();
});
beforeEach(async () => {
  harness.sandbox.reset();
  await salesQuota(DEMO_OFFERS.visioPlan2.offerId, '1', 'VISIO_CLIENT_SUBSCRIPTION');
});
afterEach(() => harness.drain());

describe('setting up units', () => {
  it('shows units with quota, used and free; refuses bad input and non-admins, changing nothing', async () => {
    const [reply] = await chat(DEMO.alex).say('units');
    const text = cardText(reply);
    expect(text).toContain('Units and quotas');
    expect(text).toContain('department "Sales"');
    expect(text).toContain('Adele Vance');
    expect(text).toMatch(/Visio Plan 2\s+0 of 1 used, 1 left; without VISIO_CLIENT_SUBSCRIPTION/);

    expect(await salesQuota(DEMO_OFFERS.visioPlan2.offerId, '1', 'EXCHANGE_S_ENTERPRISE')).toContain(
      'Visio Plan 2 has no service plan called "EXCHANGE_S_ENTERPRISE". Its plans: VISIO_CLIENT_SUBSCRIPTION, VISIOONLINE. Nothing was changed.',
    );
    expect(await salesQuota(DEMO_OFFERS.visioPlan2.offerId, 'many')).toContain('Enter the quota as a whole number of seats');
    const nobody = await chat(DEMO.alex).click('unitSave', {
      name: 'Ops',
      kind: 'department',
      value: 'Operations',
      admins: 'nobody@example.com',
    });
    expect(cardText(nobody.body.value)).toContain("I can't find nobody@example.com in your organisation. Nothing was changed.");
    expect(cardText(nobody.body.value)).not.toContain('**Ops**');

    const [refused] = await chat(DEMO.isaiah).say('units');
    expect(refused!.text).toBe('Only admins can set up units and quotas.');
    const forged = await chat(DEMO.adele).click('unitSetQuota', {
      unitId: 'sales',
      quotaProduct_sales: DEMO_OFFERS.visioPlan2.offerId,
      quotaSeats_sales: '50',
    });
    expect(forged.body.statusCode).toBe(403);
    const [again] = await chat(DEMO.alex).say('units');
    expect(cardText(again)).toMatch(/Visio Plan 2\s+0 of 1 used, 1 left/);
  });
  it('answers refused input with the form: what was typed kept, each problem beside its field', async () => {
    const typed = { name: 'Sales_*team*', kind: 'group', value: 'not-a-guid', admins: 'adelev@example.com' };
    const unit = (await chat(DEMO.alex).click('unitSave', typed)).body.value;
    for (const [id, value] of Object.entries(typed)) expect(inputOf(unit, id).value, id).toBe(value);
    expect(besideInput(unit, 'name')?.text).toContain('in the name');
    expect(besideInput(unit, 'admins')?.type).not.toBe('TextBlock');
    const group = (await chat(DEMO.alex).click('unitSave', { ...typed, name: 'Sales team' })).body.value;
    expect(inputOf(group, 'name').value).toBe('Sales team');
    expect(besideInput(group, 'value')?.text).toContain('object id');

    const quota = (
      await chat(DEMO.alex).click('unitSetQuota', {
        unitId: 'sales',
        quotaProduct_sales: DEMO_OFFERS.visioPlan2.offerId,
        quotaSeats_sales: '2',
        quotaPlans_sales: 'EXCHANGE_S_ENTERPRISE',
      })
    ).body.value;
    expect(inputOf(quota, 'quotaProduct_sales').value).toBe(DEMO_OFFERS.visioPlan2.offerId);
    expect(inputOf(quota, 'quotaSeats_sales').value).toBe('2');
    expect(inputOf(quota, 'quotaPlans_sales').value).toBe('EXCHANGE_S_ENTERPRISE');
    expect(besideInput(quota, 'quotaPlans_sales')?.text).toContain('no service plan called');
    // Another unit's row is left as it was.
    expect(inputOf(quota, 'quotaPlans_marketing').value ?? '').toBe('');
    const [again] = await chat(DEMO.alex).say('units');
    expect(cardText(again)).toMatch(/Visio Plan 2\s+0 of 1 used, 1 left; without VISIO_CLIENT_SUBSCRIPTION/);
  });
});

describe("who sees 'my unit'", () => {
  const helpOf = async (who: TestUser) =>
    cardText((await chat(who).say('help')).find((a) => cardText(a).includes('What I can do for you')));

  it("lists it in help for a unit's license admin and the admins, refuses everyone else, and follows the units as they change", async () => {
    const requester = await helpOf(DEMO.isaiah);
    expect(requester).toContain('role: requester');
    expect(requester).toContain('**my requests**');
    expect(requester).not.toContain('**my unit**');
    const unitAdmin = await helpOf(DEMO.adele);
    expect(unitAdmin).toContain('role: unit license admin');
    expect(unitAdmin).toContain('**my unit**');
    expect(unitAdmin).not.toContain('**units**');
    expect(await helpOf(DEMO.alex)).toContain('**my unit**');

    const [refused] = await chat(DEMO.isaiah).say('my unit');
    expect(refused!.text).toBe(
      "Only a unit's license admins (and admins) can use **my unit**: it shows the licenses of the people of the units you decide for. Admins name each unit's license admins with **units**. Type **help** to see the commands you can use.",
    );
    expect(cardOf(refused)).toBeUndefined();
    const [admin] = await chat(DEMO.alex).say('my unit');
    expect(admin!.text).toContain('As an admin you see every unit, its quotas and its license admins with the units command');
    const forged = await chat(DEMO.isaiah).click('myUnitShow');
    expect(forged.body.statusCode).toBe(403);

    // Named a license admin of a unit, Isaiah is one at once; the unit removed, he is not.
    await chat(DEMO.alex).click('unitSave', { name: 'Support', kind: 'department', value: 'Support', admins: 'isaiahl@example.com' });
    expect(await helpOf(DEMO.isaiah)).toContain('**my unit**');
    expect(cardText((await chat(DEMO.isaiah).say('my unit'))[0])).toContain('Your unit: Support');
    await chat(DEMO.alex).click('unitRemove', { unitId: 'support' });
    expect(await helpOf(DEMO.isaiah)).not.toContain('**my unit**');
  });
});

describe('a Sales request within the quota', () => {
  it("is decided by the Sales license admin, shows the quota left, and is assigned with the unit's disabled plans", async () => {
    const id = await submit(DEMO.isaiah, DEMO_OFFERS.visioPlan2.offerId);
    const request = await stored(id);
    expect(request!.stages).toEqual([{ kind: 'unit', label: 'Sales license admins', approverIds: [DEMO_USERS.adele.id] }]);
    expect(request!.unit).toMatchObject({ id: 'sales', quota: { seats: 1, used: 0 }, disabledPlans: [VISIO_DESKTOP] });

    const approvalCard = await harness.until(
      async () => harness.sentTo(DEMO.adele).find((a) => cardText(a).includes(id)),
      'the approval card',
    );
    expect(cardText(approvalCard)).toContain('Sales: 1 of 1 left (assigned without VISIO_CLIENT_SUBSCRIPTION)');
    expect(cardText(approvalCard)).toContain('Sales license admins');

    const decided = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(decided.status).toBe(200);
    const again = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(cardText(again.body.value)).toContain('This request was already approved by Adele Vance');
    const done = await waitFor(harness, id, 'completed');
    expect(done.outcome!.message).toContain('Isaiah Langer now has Visio Plan 2 (without VISIO_CLIENT_SUBSCRIPTION)');

    // Graph's view: the license, with the desktop app switched off.
    const isaiah = user(DEMO_USERS.isaiah.id);
    expect(isaiah.assignedSkuIds).toContain(DEMO_OFFERS.visioPlan2.graphSkuId);
    expect(isaiah.disabledPlans?.[DEMO_OFFERS.visioPlan2.graphSkuId]).toEqual([VISIO_DESKTOP]);

    const audit = await auditActions();
    const approved = audit.find((e) => e.action === 'request.approved' && e.target === id)!;
    expect(approved.actorName).toBe('Adele Vance');
    expect(approved.before).toMatchObject({ unit: 'Sales', quota: '0 of 1 used, 1 left' });
    expect(approved.after).toMatchObject({ unit: 'Sales', quota: '1 of 1 used, 0 left' });
    expect(audit.filter((e) => e.action === 'request.approved' && e.target === id)).toHaveLength(1);

    // The Sales license admin sees their unit; the seat counts against the quota.
    const mine = (await chat(DEMO.adele).say('my unit')).find((a) => cardText(a).includes('Your unit'));
    expect(cardText(mine)).toContain('Your unit: Sales');
    expect(cardText(mine)).toMatch(/Visio Plan 2\s+1 of 1 used, 0 left/);
    expect(cardText(mine)).toContain('Isaiah Langer (isaiahl@example.com): Visio Plan 2');
    // Outcome messages (the request's "done") may arrive during the turn: the refusal is the reply that names the command.
    const notMine = (await chat(DEMO.isaiah).say('my unit')).find((a) => String(a.text ?? '').includes('my unit'));
    expect(notMine!.text).toContain("Only a unit's license admins (and admins) can use **my unit**");

    // Reclaim within the unit: the seat goes back to the quota, audited with before/after.
    const reclaimed = await chat(DEMO.adele).click('unitReclaim', {
      unitId: 'sales',
      userId: DEMO_USERS.isaiah.id,
      productId: DEMO_OFFERS.visioPlan2.productId,
    });
    expect(cardText(reclaimed.body.value)).toContain('Visio Plan 2 was removed from Isaiah Langer. Sales: 0 of 1 used, 1 left.');
    expect(user(DEMO_USERS.isaiah.id).assignedSkuIds).not.toContain(DEMO_OFFERS.visioPlan2.graphSkuId);
    const entry = (await auditActions()).find((e) => e.action === 'unit.license-reclaimed')!;
    expect(entry.before).toMatchObject({ unit: 'Sales', quota: '1 of 1 used, 0 left' });
    expect(entry.after).toMatchObject({ unit: 'Sales', quota: '0 of 1 used, 1 left' });
  });
});

describe('over the quota', () => {
  it('goes to the tenant admins with the reason when the request itself would exceed it', async () => {
    await salesQuota(DEMO_OFFERS.powerBiPro.offerId, '1');
    const id = await submit(DEMO.isaiah, DEMO_OFFERS.powerBiPro.offerId, {
      quantity: '2',
      severalReason: 'A second account for the shop floor',
    });
    const request = await stored(id);
    expect(request!.stages[0]).toMatchObject({
      kind: 'admins',
      label: 'Admins (over the Sales quota)',
      escalation: '2 more would exceed the Sales quota of 1 Power BI Pro (0 used, 1 left)',
    });
    expect(request!.stages[0]!.approverIds.sort()).toEqual([DEMO_USERS.alex.id, DEMO_USERS.patti.id].sort());
    const card = await harness.until(async () => harness.sentTo(DEMO.alex).find((a) => cardText(a).includes(id)), 'the admin card');
    expect(cardText(card)).toContain('Passed to the admins: 2 more would exceed the Sales quota of 1 Power BI Pro');
    // The unit's license admin cannot decide beyond the quota.
    const adele = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(cardText(adele.body.value)).toContain('Only Admins (over the Sales quota) can decide this step of the request.');
    expect((await stored(id))!.decisions).toEqual([]);
    await chat(DEMO.alex).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect((await stored(id))!.status).not.toBe('pending');
  });

  it('escalates an approval when the quota filled up after the request was made', async () => {
    await salesQuota(DEMO_OFFERS.powerBiPro.offerId, '1');
    const id = await submit(DEMO.isaiah, DEMO_OFFERS.powerBiPro.offerId);
    expect((await stored(id))!.stages[0], JSON.stringify(await stored(id))).toMatchObject({ kind: 'unit' });
    // Megan (Marketing, with Power BI Pro) moves to Sales: the last seat is taken.
    (user(DEMO_USERS.megan.id) as { department?: string }).department = 'Sales';
    // Her card counts the quota as it is now (members as last read from the directory).
    await harness.qm.units.myUnits({ tenantId: DEMO_TENANT_ID, aadObjectId: DEMO_USERS.adele.id, name: 'Adele Vance' });
    const refreshed = await chat(DEMO.adele).click('refreshRequest', { requestId: id });
    expect(cardText(refreshed.body.value)).toContain('Sales: 0 of 1 left');
    const clicked = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(clicked.status).toBe(200);
    const request = (await stored(id))!;
    expect(request.status).toBe('pending');
    expect(request.stages[0]).toMatchObject({
      kind: 'admins',
      escalation: '1 more would exceed the Sales quota of 1 Power BI Pro (1 used, 0 left)',
    });
    expect(request.decisions).toHaveLength(1);
    const escalated = (await auditActions()).find((e) => e.action === 'request.escalated' && e.target === id)!;
    expect(escalated.actorName).toBe('Adele Vance');
    expect(escalated.before).toMatchObject({ unit: 'Sales', quota: '1 of 1 used, 0 left' });
    expect(escalated.after).toMatchObject({ reason: expect.stringContaining('would exceed the Sales quota') });
    await harness.until(
      async () => harness.sentTo(DEMO.isaiah).find((a) => String(a.text ?? '').includes(`${id} for Power BI Pro went to the admins`)),
      'the requester told',
    );
  });
});

describe('a license admin of another unit', () => {
  it('cannot decide or reclaim for Sales with a forged card, and the attempt is audited', async () => {
    const id = await submit(DEMO.isaiah, DEMO_OFFERS.visioPlan2.offerId);
    const forged = await chat(DEMO.megan).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(forged.status).toBe(200);
    expect(cardText(forged.body.value)).toContain('Only Sales license admins can decide this step of the request.');
    expect((await stored(id))!).toMatchObject({ status: 'pending', decisions: [] });
    const refusedEntry = (await auditActions()).find((e) => e.action === 'request.decision-refused' && e.target === id)!;
    expect(refusedEntry.actorName).toBe('Megan Bowen');
    expect(refusedEntry.after).toMatchObject({ reason: 'not-an-approver', unit: 'Sales' });

    const reclaim = await chat(DEMO.megan).click('unitReclaim', {
      unitId: 'sales',
      userId: DEMO_USERS.isaiah.id,
      productId: DEMO_OFFERS.visioPlan2.productId,
    });
    expect(reclaim.body.statusCode).toBe(403);
    // Her own unit's id does not reach people outside it either.
    await chat(DEMO.alex).click('unitSetQuota', {
      unitId: 'marketing',
      quotaProduct_marketing: DEMO_OFFERS.m365E3.offerId,
      quotaSeats_marketing: '5',
    });
    const outside = await chat(DEMO.megan).click('unitReclaim', {
      unitId: 'marketing',
      userId: DEMO_USERS.isaiah.id,
      productId: DEMO_OFFERS.m365E3.productId,
    });
    expect(outside.body.statusCode).toBe(403);
    expect(invokeErrorMessage(outside.body)).toContain('That person is not in Marketing');
    expect(user(DEMO_USERS.isaiah.id).assignedSkuIds).toContain(DEMO_OFFERS.m365E3.graphSkuId);
    expect((await auditActions()).filter((e) => e.action === 'unit.reclaim-refused').length).toBeGreaterThanOrEqual(2);
    await chat(DEMO.alex).click('approveRequest', { requestId: id, stageIndex: 0 }); // a tenant admin is not one of the unit's license admins either
    expect((await stored(id))!.status).toBe('pending');
  });
});

describe('moving people between units', () => {
  it('raises exactly one alert, to the unit license admin and the tenant admins, when a move pushes a unit over its quota', async () => {
    const units = harness.qm.units;
    await units.check(DEMO_TENANT_ID); // the baseline: Sales holds no Visio
    const overText = 'Sales is over its Visio Plan 2 quota';
    const alerts = (who: TestUser) => harness.sentTo(who).filter((a) => String(a.text ?? '').includes(overText)).length;
    const before = [DEMO.adele, DEMO.alex, DEMO.patti].map(alerts);

    // Isaiah got Visio, and Adele (Retail, holds Visio) moves to Sales: 2 of 1.
    harness.sandbox.state.setLicenses(DEMO_TENANT_ID, DEMO_USERS.isaiah.id, [
      ...user(DEMO_USERS.isaiah.id).assignedSkuIds,
      DEMO_OFFERS.visioPlan2.graphSkuId,
    ]);
    (user(DEMO_USERS.adele.id) as { department?: string }).department = 'Sales';
    const results = await Promise.all([units.check(DEMO_TENANT_ID), units.check(DEMO_TENANT_ID)]);
    expect(results.reduce((a: number, b: number) => a + b, 0)).toBe(1);
    expect(await units.check(DEMO_TENANT_ID)).toBe(0);
    await harness.drain();
    expect([DEMO.adele, DEMO.alex, DEMO.patti].map(alerts)).toEqual(before.map((n) => n + 1));
    const text = harness.sentTo(DEMO.alex).find((a) => String(a.text ?? '').includes(overText))!.text;
    expect(text).toContain('2 of 1 used, over by 1');
    expect((await auditActions()).filter((e) => e.action === 'unit.over-quota')).toHaveLength(1);

    // Back under the quota, and over again later: a new alert.
    (user(DEMO_USERS.adele.id) as { department?: string }).department = 'Retail';
    expect(await units.check(DEMO_TENANT_ID)).toBe(0);
    (user(DEMO_USERS.adele.id) as { department?: string }).department = 'Sales';
    expect(await units.check(DEMO_TENANT_ID)).toBe(1);
  });
});
