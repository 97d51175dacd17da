// Issue 20, defect 3: a quantity never changes silently. The form leaves the range check to the
// bot (no client-side min/max that clamps 0 to 1 or 1000 to 25), an out-of-range quantity comes
// back as the form with the message next to the field, and a valid form is echoed on a review
// card (quantity, price, total) before anything is stored. Several licenses for one person are
// questioned: the review asks why, and Confirm without a reason stores nothing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OFFERS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { BotHarness, besideInput, cardActions, cardText, DEMO, inputOf } from '../harness/bot-harness.js';
import { requestFormFields, requestIdOf, storedRequest } from '../harness/licensing.js';

let harness: BotHarness;
const isaiah = () => harness.personalChat(DEMO.isaiah);
const requestsOfIsaiah = async () => (await harness.qm.requests.byRequester(DEMO_TENANT_ID, DEMO.isaiah.aadObjectId, 1000)).length;

beforeAll(async () => {
  harness = await BotHarness.start();
  await isaiah().install();
});
afterAll(async () => {
  await harness.stop();
});
afterEach(() => harness.drain());

/** The Action.Execute of a card with this verb. */
const action = (card: unknown, verb: string) => cardActions(card).find((a) => a.verb === verb)!;
describe('the request form leaves the quantity to the bot', () => {
  it('has no min or max a client could clamp to, and no price list beside the product choice', async () => {
    const reply = await isaiah().say('request visio plan 2');
    const form = reply.find((a) => a.attachments)!.attachments[0].content;
    const quantity = inputOf(form, 'quantity');
    expect(quantity).not.toHaveProperty('min');
    expect(quantity).not.toHaveProperty('max');
    const product = inputOf(form, 'productOfferId');
    expect(product.choices.find((c: any) => c.value === DEMO_OFFERS.visioPlan2.offerId).title).toMatch(
      /Visio Plan 2: [\d.,]+ USD per month/,
    );
    expect(cardText(form)).not.toContain('Prices per seat per month');
  });

  for (const [typed, message] of [
    ['0', /at least 1/],
    ['1000', /at most 25/],
  ] as const) {
    it(`${typed} comes back as the form, values kept, the message by the field, nothing stored`, async () => {
      const before = await requestsOfIsaiah();
      const fields = { quantity: typed, justification: 'Floor plans for the new office' };
      const result = await isaiah().click('submitRequest', requestFormFields(DEMO_OFFERS.visioPlan2.offerId, fields), `form-${typed}`);
      const form = result.body.value;
      expect(cardText(form)).toContain('Request a license');
      expect(besideInput(form, 'quantity')).toMatchObject({ color: 'Attention', text: expect.stringMatching(message) });
      expect(inputOf(form, 'justification').value).toBe('Floor plans for the new office');
      expect(inputOf(form, 'productOfferId').value).toBe(DEMO_OFFERS.visioPlan2.offerId);
      expect(await requestsOfIsaiah()).toBe(before);
    });
  }
});

describe('a valid form is echoed before anything is stored', () => {
  it('shows quantity, price and total; Confirm stores exactly what was shown', async () => {
    const before = await requestsOfIsaiah();
    const fields = requestFormFields(DEMO_OFFERS.projectPlan3.offerId, { justification: 'Planning the move' });
    const review = (await isaiah().click('submitRequest', fields, 'form-review')).body.value;
    const text = cardText(review);
    expect(text).toContain('Check your request');
    expect(text).toContain('1 × Project Plan 3 for you');
    expect(text).toMatch(/1 × ([\d.,]+ USD) per month = \1 per month/);
    expect(text).toContain('Nothing is stored or bought until you confirm.');
    expect(await requestsOfIsaiah()).toBe(before);

    const confirm = action(review, 'submitRequest');
    expect(confirm.title).toBe('Confirm and send');
    const sent = (await isaiah().click('submitRequest', confirm.data, 'form-review')).body.value;
    const stored = await storedRequest(harness, requestIdOf(sent));
    expect(stored).toMatchObject({ quantity: 1, justification: 'Planning the move', product: { name: 'Project Plan 3' } });
    expect(await requestsOfIsaiah()).toBe(before + 1);
    await isaiah().click('cancelRequest', { requestId: stored!.id });
  });

  it('Change reopens the form with the values typed', async () => {
    const fields = requestFormFields(DEMO_OFFERS.visioPlan2.offerId, { quantity: '2', justification: 'Two screens' });
    const review = (await isaiah().click('submitRequest', fields, 'form-change')).body.value;
    const change = action(review, 'editRequest');
    const form = (await isaiah().click('editRequest', change.data, 'form-change')).body.value;
    expect(cardText(form)).toContain('Request a license');
    expect(inputOf(form, 'quantity').value).toBe(2);
    expect(inputOf(form, 'justification').value).toBe('Two screens');
  });

  it('several licenses for one person are questioned: no reason, nothing stored; with a reason, stored with it', async () => {
    const before = await requestsOfIsaiah();
    const fields = requestFormFields(DEMO_OFFERS.visioPlan2.offerId, { quantity: '3', justification: 'Drawings' });
    const review = (await isaiah().click('submitRequest', fields, 'form-several')).body.value;
    expect(cardText(review)).toContain('One person normally needs one license. You ask for 3 for yourself');
    expect(cardText(review)).toMatch(/3 × ([\d.,]+) USD per month = [\d.,]+ USD per month/);
    const confirm = action(review, 'submitRequest');
    expect(confirm.title).toBe('Confirm 3 licenses');
    expect(inputOf(review, 'severalReason')).toMatchObject({ isRequired: true });

    const again = (await isaiah().click('submitRequest', { ...confirm.data, severalReason: '  ' }, 'form-several')).body.value;
    expect(cardText(again)).toContain('Say why Isaiah Langer needs 3 licenses');
    expect(await requestsOfIsaiah()).toBe(before);

    const sent = (
      await isaiah().click('submitRequest', { ...confirm.data, severalReason: 'Test accounts for the plotter' }, 'form-several')
    ).body.value;
    const stored = await storedRequest(harness, requestIdOf(sent));
    expect(stored).toMatchObject({ quantity: 3, justification: 'Drawings\nWhy 3 licenses: Test accounts for the plotter' });
    await isaiah().click('cancelRequest', { requestId: stored!.id });
  });
});

describe('Cancel in "my requests" keeps the list (issue 20, lists vanish)', () => {
  it('updates the list in place: the outcome on top, the request shown cancelled, the others still there', async () => {
    const review = (
      await isaiah().click('submitRequest', requestFormFields(DEMO_OFFERS.projectPlan3.offerId, { justification: 'Roadmap' }), 'list-1')
    ).body.value;
    const id = requestIdOf((await isaiah().click('submitRequest', action(review, 'submitRequest').data, 'list-1')).body.value);
    const [list] = await isaiah().say('my requests');
    const cancel = cardActions(list).find((a) => a.title === 'Cancel' && a.data?.requestId === id)!;
    expect(cancel).toBeDefined();
    const after = (await isaiah().click(cancel.verb!, cancel.data, 'list-card')).body.value;
    const text = cardText(after);
    expect(text).toContain('Your requests');
    expect(text).toContain(`Cancelled Project Plan 3 (${id}).`);
    expect(cardActions(after).some((a) => a.data?.requestId === id)).toBe(false);
    expect((await storedRequest(harness, id))?.status).toBe('cancelled');
  });

  it('a request that does not exist or a forged id is refused in words, and nothing changes', async () => {
    const before = await requestsOfIsaiah();
    const unknown = await isaiah().click('cancelFromList', { requestId: 'REQ-0000000000000000' }, 'list-card');
    expect(JSON.stringify(unknown.body)).not.toContain('Your requests');
    expect(JSON.stringify(unknown.body)).toContain("I can't find that request.");
    const forged = await isaiah().click('cancelFromList', { requestId: '[x](https://example.invalid)' }, 'list-card');
    expect(JSON.stringify(forged.body)).toContain('This card sent something I cannot use');
    expect(await requestsOfIsaiah()).toBe(before);
  });
});
