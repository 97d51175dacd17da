// License requests end to end: chat → form → policy → approval cards → decision →
// queued fulfilment against the Partner Center and Graph emulators → everyone told.
import MarkdownIt from 'markdown-it';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { CardRefs } from '../../src/storage/card-refs.js';
import { BotHarness, cardOf, cardText, DEMO, invokeErrorMessage, type TestUser } from '../harness/bot-harness.js';
import { requestForm as form, requestIdOf, storedRequest, waitForStatus as waitFor } from '../harness/licensing.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);

beforeAll(async () => {
  harness = await BotHarness.start();
  // Everyone installs the bot first: that is how it can reach them later.
  for (const user of Object.values(DEMO)) await chat(user).install();
});
afterAll(async () => {
  await harness.stop();
});
// Each test starts from the seeded tenant (seats, licenses, orders), with nothing of the test
// before it still under way. Requests stay in storage: each test asks for its own person and product.
beforeEach(() => harness.sandbox.reset());
afterEach(() => harness.drain());

const stored = (id: string) => storedRequest(harness, id);
const hasLicense = (userId: string, sku: string) =>
  harness.sandbox.state.findUser(DEMO_TENANT_ID, userId)?.assignedSkuIds.includes(sku) ?? false;
const latestCardTo = (user: TestUser) =>
  harness
    .sentTo(user)
    .filter((a) => cardOf(a))
    .at(-1);

async function submit(user: TestUser, offerId: string, fields: Record<string, unknown> = {}, formMessageId = `form-${Math.random()}`) {
  const result = await chat(user).click('submitRequest', form(offerId, fields), formMessageId);
  expect(result.status).toBe(200);
  return result.body;
}

const waitForStatus = (id: string, status: string) => waitFor(harness, id, status);

describe('asking', () => {
  it('pre-fills the form from what was typed', async () => {
    const [reply] = await chat(DEMO.isaiah).say('I need 2 Power BI Pro licenses');
    const card = cardOf(reply)!;
    const product = card.body.find((e: any) => e.id === 'productOfferId');
    expect(product.value).toBe(DEMO_OFFERS.powerBiPro.offerId);
    expect(card.body.find((e: any) => e.id === 'quantity').value).toBe(2);
    expect(cardText(card)).toContain('14.00 USD per seat per month');
  });

  it('opens an empty form for "request" and understands "request visio"', async () => {
    expect(cardText((await chat(DEMO.isaiah).say('request'))[0])).toContain('Request a license');
    const card = cardOf((await chat(DEMO.isaiah).say('request visio'))[0])!;
    expect(card.body.find((e: any) => e.id === 'productOfferId').value).toBe(DEMO_OFFERS.visioPlan2.offerId);
  });
});

describe('a free seat under the threshold', () => {
  it('is approved automatically and assigned from the queue', async () => {
    const card = await submit(DEMO.isaiah, DEMO_OFFERS.powerBiPro.offerId);
    expect(card.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(card.value)).toContain('Approved automatically by policy');
    const id = requestIdOf(card.value);
    const done = await waitForStatus(id, 'completed');
    expect(done.outcome?.kind).toBe('assigned');
    expect(hasLicense(DEMO.isaiah.aadObjectId, DEMO_OFFERS.powerBiPro.graphSkuId)).toBe(true);
    await harness.until(async () => harness.sentTo(DEMO.isaiah).some((a) => a.text?.includes(`${id} is done`)), 'Isaiah to be told');
    expect(harness.sandbox.state.countRequests({ service: 'partnerCenter', method: 'POST' })).toBe(0);
  });
});

describe('no free seat: two stages, then a purchase', () => {
  it('goes to the manager, then the License approvers, then buys one seat and assigns it', async () => {
    const submitted = await submit(DEMO.alex, DEMO_OFFERS.visioPlan2.offerId, { justification: 'Network diagrams' }, 'alex-visio-form');
    const id = requestIdOf(submitted.value);
    expect(cardText(submitted.value)).toContain('Waiting for Adele Vance (manager) (step 1 of 2)');

    // Adele gets the card with buttons in her chat; Megan nothing yet.
    const adeleCard = cardOf(latestCardTo(DEMO.adele))!;
    expect(cardText(adeleCard)).toContain(id);
    expect(adeleCard.actions.map((a: any) => a.title)).toEqual(['Approve', 'Reject']);
    expect(adeleCard.refresh.userIds).toEqual([DEMO.adele.id]);
    expect(cardText(adeleCard)).toContain('none (a seat will be bought)');
    expect(cardText(adeleCard)).toContain('15.00 USD per month');
    expect(harness.sentTo(DEMO.megan).some((a) => JSON.stringify(a).includes(id))).toBe(false);

    const first = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(cardText(first.body.value)).toContain('Waiting for License approvers (step 2 of 2)');
    expect(first.body.value.actions ?? []).toHaveLength(0); // Adele is done
    // Her old card clicked again (e.g. from another device): the answer is the current card, not a dead end.
    const again = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(again.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(again.body.value)).toContain('That step has already been decided. This card now shows where the request is.');
    expect(cardText(again.body.value)).toContain('Waiting for License approvers (step 2 of 2)');
    expect(cardText(again.body.value)).not.toContain('Refresh the card');

    const meganCard = cardOf(latestCardTo(DEMO.megan))!;
    expect(meganCard.actions.map((a: any) => a.title)).toEqual(['Approve', 'Reject']);
    await chat(DEMO.megan).click('approveRequest', { requestId: id, stageIndex: 1 });

    const done = await waitForStatus(id, 'completed');
    expect(done.outcome?.kind).toBe('purchased');
    expect(hasLicense(DEMO.alex.aadObjectId, DEMO_OFFERS.visioPlan2.graphSkuId)).toBe(true);
    const subscription = harness.sandbox.state.subscriptions(DEMO_TENANT_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!;
    expect(subscription.lots.reduce((n, lot) => n + lot.quantity, 0)).toBe(6);
    await harness.until(async () => harness.sentTo(DEMO.alex).some((a) => a.text?.includes(`${id} is done`)), 'Alex to be told');

    // Every copy of the card learnt the outcome (Adele's card was updated in place).
    await harness.until(
      async () => harness.updatesIn(DEMO.adele).some((u) => cardText(u.activity).includes('Done. Bought and assigned')),
      "Adele's card to show the outcome",
    );
    // So did the form Alex submitted it from, which became his card of the request.
    await harness.until(
      async () =>
        harness
          .updatesIn(DEMO.alex)
          .some((u) => u.activityId === 'alex-visio-form' && cardText(u.activity).includes('Done. Bought and assigned')),
      "Alex's card to show the outcome",
    );
    const audit = (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 50 })).items.filter((e) => e.target === id).map((e) => e.action);
    expect(audit).toEqual(
      expect.arrayContaining(['request.submitted', 'request.stage-approved', 'request.approved', 'license.purchased', 'request.completed']),
    );
  });

  it('orders a product the tenant does not have yet', async () => {
    const id = requestIdOf((await submit(DEMO.isaiah, DEMO_OFFERS.projectPlan3.offerId)).value);
    await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    await chat(DEMO.megan).click('approveRequest', { requestId: id, stageIndex: 1 });
    await waitForStatus(id, 'completed');
    expect(
      harness.sandbox.state.orders(DEMO_TENANT_ID).filter((o) => o.lineItems.some((l) => l.offerId === DEMO_OFFERS.projectPlan3.offerId)),
    ).toHaveLength(1);
    expect(hasLicense(DEMO.isaiah.aadObjectId, DEMO_OFFERS.projectPlan3.graphSkuId)).toBe(true);
  });
});

describe('deciding', () => {
  it('needs a comment to reject, and tells the requester why', async () => {
    const id = requestIdOf((await submit(DEMO.isaiah, DEMO_OFFERS.visioPlan2.offerId)).value);
    const noComment = await chat(DEMO.adele).click('rejectRequest', { requestId: id, stageIndex: 0 });
    expect(cardText(noComment.body.value)).toMatch(/comment/i);
    expect((await stored(id))!.status).toBe('pending');
    await chat(DEMO.adele).click('rejectRequest', { requestId: id, stageIndex: 0, comment: 'Use the shared Visio seat' });
    expect((await stored(id))!.status).toBe('rejected');
    await harness.until(
      async () => harness.sentTo(DEMO.isaiah).some((a) => a.text?.includes('Use the shared Visio seat')),
      'Isaiah to hear why',
    );
  });

  it('lets the requester cancel while pending; a late approval then only shows the state', async () => {
    const id = requestIdOf((await submit(DEMO.lynne, DEMO_OFFERS.visioPlan2.offerId)).value);
    const cancelled = await chat(DEMO.lynne).click('cancelRequest', { requestId: id });
    expect(cardText(cancelled.body.value)).toContain('Cancelled');
    const late = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(late.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(late.body.value)).toContain('This request was cancelled; there is nothing left to decide.');
    expect((await stored(id))!.status).toBe('cancelled');
  });

  it('never lets the beneficiary decide: a request for Adele, whose step 1 would be Adele as manager, goes to the admins', async () => {
    // Alex's manager is Adele; the license is for Adele. Before: step 1 was "Adele Vance (manager)" and her click approved it.
    const id = requestIdOf((await submit(DEMO.alex, DEMO_OFFERS.projectPlan3.offerId, { forWhom: 'adelev@example.com' })).value);
    const request = (await stored(id))!;
    expect(request.status).toBe('pending');
    for (const stage of request.stages) {
      expect(stage.approverIds).not.toContain(DEMO.adele.aadObjectId.toLowerCase());
      expect(stage.approverIds).not.toContain(DEMO.alex.aadObjectId.toLowerCase());
    }
    expect(request.stages[0]).toMatchObject({
      kind: 'admins',
      label: 'Admins (the manager is the person the license is for)',
      approverIds: [DEMO.patti.aadObjectId.toLowerCase()],
    });
    // A forged click by Adele changes nothing.
    const forged = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(forged.status).toBe(200);
    expect(cardText(forged.body.value)).not.toMatch(/^Approve$/m);
    expect((await stored(id))!).toMatchObject({ status: 'pending', stageIndex: 0, decisions: [] });
    // Patti (an admin, neither requester nor beneficiary) decides it.
    await chat(DEMO.patti).click('rejectRequest', {
      requestId: id,
      stageIndex: 0,
      comment: 'Adele has a Project seat in the other tenant',
    });
    expect((await stored(id))!.status).toBe('rejected');
  });

  it('gives exactly one decision and one purchase for 20 concurrent approvals', async () => {
    const id = requestIdOf((await submit(DEMO.lynne, DEMO_OFFERS.visioPlan2.offerId, { forWhom: 'isaiahl@example.com' })).value);
    await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    const patchesBefore = harness.sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH', replayed: false });
    const clicks = await Promise.all(
      Array.from({ length: 20 }, () => chat(DEMO.megan).click('approveRequest', { requestId: id, stageIndex: 1 })),
    );
    expect(clicks.every((c) => c.status === 200 && c.body.type === 'application/vnd.microsoft.card.adaptive')).toBe(true);
    const request = await stored(id);
    expect(request!.decisions.filter((d) => d.stageIndex === 1)).toHaveLength(1);
    await waitForStatus(id, 'completed');
    expect(harness.sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH', replayed: false }) - patchesBefore).toBe(1);
    const approvals = (await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 200 })).items.filter(
      (e) => e.target === id && e.action === 'request.approved',
    );
    expect(approvals).toHaveLength(1);
  });
});

describe('text people typed', () => {
  // What Teams would make of it: CommonMark (raw HTML allowed, the strict case).
  const links = (markdown: string) => /<a |<b>|<img|<strong>/.test(new MarkdownIt({ html: true }).render(markdown));

  it('is shown as typed, never as a link or HTML: the justification on approval cards, the reject comment to the requester', async () => {
    const phishing = '[Approve here](https://evil.example/approve) <b>urgent</b>';
    const id = requestIdOf((await submit(DEMO.lynne, DEMO_OFFERS.visioPlan2.offerId, { justification: phishing })).value);
    const card = await harness.until(async () => harness.sentTo(DEMO.adele).find((a) => cardText(a).includes(id)), "Adele's approval card");
    const why = (cardOf(card)!.body as { type: string; text?: string }[]).find((b) => b.text?.startsWith('Why: '))!.text!;
    expect(links(why)).toBe(false);
    expect(why).toBe('Why: \\[Approve here\\](https://evil.example/approve) \\<b\\>urgent\\</b\\>');
    await chat(DEMO.adele).click('rejectRequest', { requestId: id, stageIndex: 0, comment: '**[Re-submit here](https://evil.example)**' });
    const told = await harness.until(
      async () => harness.sentTo(DEMO.lynne).find((a) => a.text?.includes(`${id} for`) && a.text.includes('rejected')),
      'Lynne to hear why',
    );
    expect(links(told.text)).toBe(false);
    expect(told.text).toContain('"\\*\\*\\[Re-submit here\\](https://evil.example)\\*\\*"');
  });
});

describe('who may see a request', () => {
  it('shows it to the requester, the beneficiary, its approvers and admins only; ids are 64 random bits', async () => {
    const id = requestIdOf((await submit(DEMO.lynne, DEMO_OFFERS.projectPlan3.offerId, { forWhom: 'meganb@example.com' })).value);
    expect(id).toMatch(/^REQ-[0-9A-F]{16}$/);
    const cards = new CardRefs(harness.qm.store);
    const followers = async () => (await cards.list(DEMO_TENANT_ID, id)).map((ref) => ref.viewerId);
    const before = await followers();
    // Lynne asks, Megan gets it, Adele (Lynne's manager) approves step 1, Patti is an admin.
    for (const user of [DEMO.lynne, DEMO.megan, DEMO.adele, DEMO.patti]) {
      const refreshed = await chat(user).click('refreshRequest', { requestId: id });
      expect(cardText(refreshed.body.value), user.name).toContain(id);
    }
    // Anyone else in the tenant: as if it did not exist, and their chat does not follow its card.
    const stranger = DEMO.isaiah;
    for (const verb of ['refreshRequest', 'showRequest']) {
      const refused = await chat(stranger).click(verb, { requestId: id });
      expect(refused.body.value?.type, verb).not.toBe('AdaptiveCard');
      expect(invokeErrorMessage(refused.body), verb).toBe("I can't find that request.");
      expect(refused.sent, verb).toHaveLength(0);
    }
    expect(await followers()).toEqual(before);
    // Ids stored before (8 hex digits) still open.
    const old = { ...(await stored(id))!, id: 'REQ-0123ABCD' };
    await harness.qm.requests.create({ ...old, status: 'rejected' });
    expect(cardText((await chat(DEMO.lynne).click('refreshRequest', { requestId: 'REQ-0123ABCD' })).body.value)).toContain('REQ-0123ABCD');
  });
});

describe('lists', () => {
  it('shows "my requests" and "approvals"', async () => {
    const id = requestIdOf((await submit(DEMO.patti, DEMO_OFFERS.projectPlan3.offerId)).value);
    const mine = cardText((await chat(DEMO.patti).say('my requests'))[0]);
    expect(mine).toContain(id);
    // Patti has no manager: the admins (Alex) stand in for step 1.
    const waiting = cardText((await chat(DEMO.alex).say('approvals'))[0]);
    expect(waiting).toContain(id);
    expect(cardText((await chat(DEMO.isaiah).say('approvals'))[0])).toContain('Nothing is waiting for you');
  });

  it('shows policies and the audit log to admins only', async () => {
    await submit(DEMO.megan, DEMO_OFFERS.visioPlan2.offerId); // something for the audit log to show
    expect(cardText((await chat(DEMO.alex).say('policies'))[0])).toContain('License approvers');
    expect(cardText((await chat(DEMO.alex).say('audit visio'))[0])).toContain('request.submitted');
    expect((await chat(DEMO.isaiah).say('audit'))[0]?.text).toContain('Only admins');
  });
});
