// What people type, as they type it: sentences that once got "Sorry, I didn't understand",
// and their neighbours, reach the right card through the loopback connector. The demo catalog
// here also has Visio Plan 1, so "visio" is a real choice between two products.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeed, DEMO_OFFERS, DEMO_TENANT_ID, DEMO_USERS, MARKETPLACE_ITEMS } from '../../src/sandbox/index.js';
import { BotHarness, cardActions, cardOf, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { requestForm, requestIdOf, storedRequest } from '../harness/licensing.js';

const VISIO_PLAN_1 = {
  offerId: 'CFQ7TTC0HD33:0001:CFQ7TTC0KX6N',
  productId: 'CFQ7TTC0HD33',
  skuId: '0001',
  availabilityId: 'CFQ7TTC0KX6N',
  skuPartNumber: 'VISIO_PLAN1_DEPT',
  graphSkuId: 'c5928f49-12ba-48f7-ada3-0d743a3601d6',
};

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
/** The messages the bot answered with. */
const say = async (user: TestUser, text: string) => (await chat(user).say(text)).filter((activity) => activity.type === 'message');
const selectedProduct = (card: Record<string, any> | undefined) => card?.body.find((e: any) => e.id === 'productOfferId')?.value;
const creativeCloud = `mkt:${MARKETPLACE_ITEMS.creativeCloud}`;

beforeAll(async () => {
  const seed = demoSeed();
  seed.catalog.push({
    ...VISIO_PLAN_1,
    title: 'Visio Plan 1',
    unitPrice: '5.00',
    currency: 'USD',
    termDuration: 'P1Y',
    billingCycle: 'monthly',
    minimumQuantity: 1,
    maximumQuantity: 300,
    servicePlans: [{ servicePlanId: '663a804f-1c30-4ff0-9915-9db84f0d1ceb', servicePlanName: 'VISIO_CLIENT_SUBSCRIPTION_P1' }],
  });
  harness = await BotHarness.start({}, { sandboxOptions: { seed } });
  for (const user of Object.values(DEMO)) await chat(user).install();
});
afterAll(async () => {
  await harness.stop();
});

describe('asking for a product in your own words', () => {
  it('"can I get excel?" opens the form with the Microsoft 365 offer that has Excel', async () => {
    const [reply] = await say(DEMO.isaiah, 'can I get excel?');
    expect(selectedProduct(cardOf(reply))).toBe(DEMO_OFFERS.m365E3.offerId);
  });

  it('"I need Photoshop", "I need Adobe Creative Cloud" and "request adobe creative cloud" all find Creative Cloud', async () => {
    for (const text of ['I need Photoshop', 'I need Adobe Creative Cloud', 'I need Creative Cloud', 'request adobe creative cloud']) {
      const [reply] = await say(DEMO.isaiah, text);
      expect(selectedProduct(cardOf(reply)), text).toBe(creativeCloud);
    }
  });

  it('"reqest visio" asks which Visio, never picks one silently; the choice opens the form with it', async () => {
    const [reply] = await say(DEMO.isaiah, 'reqest visio');
    expect(cardText(reply)).toContain('Did you mean Visio Plan 1 or Visio Plan 2?');
    const choice = cardActions(cardOf(reply)).find((a) => a.title === 'Visio Plan 2')!;
    expect(choice).toMatchObject({ verb: 'chooseProduct', data: { productOfferId: DEMO_OFFERS.visioPlan2.offerId } });
    const clicked = await chat(DEMO.isaiah).click('chooseProduct', choice.data!);
    expect(clicked.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(selectedProduct(clicked.body.value)).toBe(DEMO_OFFERS.visioPlan2.offerId);
  });

  it('keeps the quantity and the colleague through the choice', async () => {
    const [reply] = await say(DEMO.isaiah, 'I need 3 visio licenses for meganb@example.com');
    const choice = cardActions(cardOf(reply)).find((a) => a.title === 'Visio Plan 1')!;
    expect(choice.data).toMatchObject({ quantity: '3', forWhom: 'meganb@example.com' });
    const form = (await chat(DEMO.isaiah).click('chooseProduct', choice.data!)).body.value;
    expect(selectedProduct(form)).toBe(VISIO_PLAN_1.offerId);
    expect(form.body.find((e: any) => e.id === 'quantity').value).toBe(3);
    expect(form.body.find((e: any) => e.id === 'forWhom').value).toBe('meganb@example.com');
  });

  it('finds a colleague named in the message in the directory', async () => {
    const [reply] = await say(DEMO.isaiah, 'get visio plan 2 for Megan Bowen');
    const card = cardOf(reply)!;
    expect(selectedProduct(card)).toBe(DEMO_OFFERS.visioPlan2.offerId);
    expect(card.body.find((e: any) => e.id === 'forWhom').value).toBe(DEMO_USERS.megan.userPrincipalName);
    const mention = await chat(DEMO.isaiah).send(
      chat(DEMO.isaiah).activity({
        type: 'message',
        text: 'Power BI Pro for <at>Adele Vance</at> please',
        entities: [{ type: 'mention', text: '<at>Adele Vance</at>', mentioned: { id: '29:demo-adele', name: 'Adele Vance' } }],
      }),
    );
    const form = cardOf(mention.sent[0])!;
    expect(selectedProduct(form)).toBe(DEMO_OFFERS.powerBiPro.offerId);
    expect(form.body.find((e: any) => e.id === 'forWhom').value).toBe(DEMO_USERS.adele.userPrincipalName);
  });

  it('says so when someone is not in the directory, and leaves the field to fill in', async () => {
    const [reply] = await say(DEMO.isaiah, 'get visio plan 2 for Zaphod Beeblebrox');
    expect(cardText(reply)).toContain('I can\'t find "Zaphod Beeblebrox" in your directory');
  });

  it('a product the catalog lacks: says so, and asks the admins once however often the button is clicked', async () => {
    const [reply] = await say(DEMO.isaiah, 'I need Slack');
    expect(cardText(reply)).toContain('I can\'t find "Slack" in your organisation\'s catalog.');
    expect(cardText(reply)).toContain('Alex Wilber or Patti Fernandez');
    const ask = cardActions(cardOf(reply)).find((a) => a.title === 'Ask an admin for it')!;
    const before = harness.sentTo(DEMO.alex).length;
    const clicks = await Promise.all([1, 2, 3].map(() => chat(DEMO.isaiah).click('askAdminForProduct', ask.data!)));
    for (const click of clicks) expect(cardText(click.body.value)).toContain('Done: I told Alex Wilber or Patti Fernandez');
    const toAlex = await harness.until(async () => {
      const sent = harness.sentTo(DEMO.alex).slice(before);
      return sent.length > 0 && sent;
    }, 'the admin to be told');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would arrive now
    expect(harness.sentTo(DEMO.alex).slice(before)).toHaveLength(1);
    expect(toAlex[0]!.text).toContain('Isaiah Langer asked for "Slack", which is not in your catalog.');
    const audit = await harness.qm.audit.list(DEMO_TENANT_ID, { pageSize: 20 });
    expect(audit.items.filter((e) => e.action === 'product.asked' && e.actorId === DEMO.isaiah.aadObjectId).length).toBeGreaterThan(0);
  });

  it('refuses a forged "ask an admin" click and tells nothing to anyone', async () => {
    const before = harness.sentTo(DEMO.alex).length;
    const forged = await chat(DEMO.isaiah).click('askAdminForProduct', { product: '**[click](https://evil.example)**' });
    expect(cardText(forged.body.value)).toContain('click https evil.example');
    const empty = await chat(DEMO.isaiah).click('askAdminForProduct', { product: 42 });
    expect(empty.body).toMatchObject({ statusCode: 400 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const sent of harness.sentTo(DEMO.alex).slice(before)) expect(sent.text).not.toMatch(/\*\*|\]\(/);
  });
});

describe('questions about requests', () => {
  let visioRequest: string;
  beforeAll(async () => {
    const submitted = await chat(DEMO.isaiah).click(
      'submitRequest',
      requestForm(DEMO_OFFERS.visioPlan2.offerId, { justification: 'Floor plans' }),
      'isaiah-visio-form',
    );
    visioRequest = requestIdOf(submitted.body.value);
  });

  it('"who approves my requests?" names the people of each policy step', async () => {
    const [reply] = await say(DEMO.alex, 'who approves my requests?');
    const text = cardText(reply);
    expect(text).toContain('Who approves your requests');
    expect(text).toContain('Adele Vance (your manager)');
    expect(text).toContain('License approvers: Megan Bowen');
    expect(text).toContain('above 10.00 USD / month');
  });

  it('"who approves visio plan 2?" gives the path a request would take now', async () => {
    const [reply] = await say(DEMO.alex, 'who approves visio plan 2?');
    const text = cardText(reply);
    expect(text).toContain('Who approves Visio Plan 2 for you');
    expect(text).toContain('1. Adele Vance (your manager)');
    expect(text).toContain('2. License approvers: Megan Bowen');
    expect(text).toContain('15.00 USD a month');
    const [auto] = await say(DEMO.alex, 'is power bi pro approved automatically?');
    expect(cardText(auto)).toContain('Approved automatically by policy');
  });

  it('"where is my Visio request?" shows its status and who it waits for', async () => {
    const [reply] = await say(DEMO.isaiah, 'where is my Visio request?');
    expect(requestIdOf(cardOf(reply))).toBe(visioRequest);
    expect(cardText(reply)).toContain('Waiting for Adele Vance');
  });

  it('"my request" lists the person\'s requests', async () => {
    const [reply] = await say(DEMO.isaiah, 'my request');
    expect(cardText(reply)).toContain('Your requests');
    expect(cardText(reply)).toContain(visioRequest);
  });

  it('"cancel my visio request" asks first; only Confirm cancels', async () => {
    const [reply] = await say(DEMO.isaiah, 'cancel my visio request');
    expect(cardText(reply)).toContain('Cancel this request?');
    expect((await storedRequest(harness, visioRequest))?.status).toBe('pending');
    const confirm = cardActions(cardOf(reply)).find((a) => a.title === 'Cancel request')!;
    expect(confirm).toMatchObject({ verb: 'cancelRequest', data: { requestId: visioRequest } });
    const keep = cardActions(cardOf(reply)).find((a) => a.title === 'Keep it')!;
    expect((await chat(DEMO.isaiah).click(keep.verb!, keep.data!)).body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect((await storedRequest(harness, visioRequest))?.status).toBe('pending');
    await chat(DEMO.isaiah).click(confirm.verb!, confirm.data!);
    expect((await storedRequest(harness, visioRequest))?.status).toBe('cancelled');
    const [again] = await say(DEMO.isaiah, 'cancel my visio request');
    expect(again?.text).toContain('no Visio Plan 1 or Visio Plan 2 request that can still be cancelled');
  });

  it('Cancel on "Which request should I cancel?" keeps that list, updated in place (issue 20, lists vanish)', async () => {
    const ids: string[] = [];
    // One open Visio request per person: these two are for colleagues.
    const forColleagues = [
      [VISIO_PLAN_1.offerId, 'adelev@example.com'],
      [DEMO_OFFERS.visioPlan2.offerId, 'meganb@example.com'],
    ] as const;
    for (const [offerId, forWhom] of forColleagues) {
      const form = requestForm(offerId, { justification: 'Site plans', forWhom });
      const submitted = await chat(DEMO.isaiah).click('submitRequest', form, `two-${offerId}`);
      expect(cardText(submitted.body.value)).not.toContain('already has an open request');
      ids.push(requestIdOf(submitted.body.value));
    }
    for (const id of ids) expect(['pending', 'approved']).toContain((await storedRequest(harness, id))?.status);
    const [list] = await say(DEMO.isaiah, 'cancel my visio request');
    expect(cardText(list)).toContain('Which request should I cancel? (Visio Plan 1 or Visio Plan 2)');
    const cancel = cardActions(cardOf(list)).find((a) => a.title === 'Cancel' && a.data?.requestId === ids[0])!;
    expect(cancel).toBeDefined();
    const after = (await chat(DEMO.isaiah).click(cancel.verb!, cancel.data!, 'which-list')).body.value;
    const text = cardText(after);
    expect(text).toContain('Which request should I cancel? (Visio Plan 1 or Visio Plan 2)');
    expect(text).toContain(`Cancelled Visio Plan 1 (${ids[0]}).`);
    expect(text).toContain(ids[1]);
    const left = cardActions(after);
    expect(left.some((a) => a.data?.requestId === ids[0])).toBe(false);
    expect(left.find((a) => a.data?.requestId === ids[1])).toMatchObject({ title: 'Cancel' });
    expect((await storedRequest(harness, ids[0]!))?.status).toBe('cancelled');
    expect((await storedRequest(harness, ids[1]!))?.status).not.toBe('cancelled');
  });

  it("a forged list on that Cancel shows only the person's own requests", async () => {
    const [others] = await say(DEMO.alex, 'my requests');
    const [mine] = await say(DEMO.isaiah, 'my requests');
    const ownId = cardActions(cardOf(mine)).find((a) => a.title === 'Cancel')?.data?.requestId as string;
    const foreign = /REQ-[0-9A-F]{8,16}/.exec(cardText(others))?.[0] ?? 'REQ-0123ABCD';
    const after = (await chat(DEMO.isaiah).click('cancelFromListInWords', { requestId: ownId, listed: `${foreign} ${ownId}` })).body.value;
    expect(cardText(after)).not.toContain(foreign === ownId ? 'never' : foreign);
    expect((await storedRequest(harness, ownId))?.status).toBe('cancelled');
  });

  it("someone else's request is not theirs to find", async () => {
    const [reply] = await say(DEMO.megan, 'where is my visio plan 2 request');
    expect(reply?.text).toContain('You have no request for Visio Plan 2');
  });
});

describe('spend in plain words', () => {
  it('"how much do we spend on azure" shows admins the Azure spend card', async () => {
    const [reply] = await say(DEMO.alex, 'how much do we spend on azure');
    expect(cardText(reply)).toContain('Cloud spend, Azure');
    const [last] = await say(DEMO.alex, 'what did aws cost us last month?');
    expect(cardText(last)).toMatch(/Cloud spend, AWS: \w+ \d{4}$/m);
  });

  it('tells everyone else whom to ask', async () => {
    const [reply] = await say(DEMO.isaiah, 'how much do we spend on azure');
    expect(reply?.text).toBe('Cloud spend is for admins. Ask Alex Wilber or Patti Fernandez.');
  });
});

describe('commands in other words', () => {
  it('runs the command an intent means, with the same checks', async () => {
    expect(cardText((await say(DEMO.alex, 'show me our subscriptions please'))[0])).toContain('Subscriptions');
    expect(cardText((await say(DEMO.alex, 'what are our license policies?'))[0])).toContain('Approval policies');
    expect((await say(DEMO.isaiah, 'is the bot healthy?'))[0]?.text).toContain('Only admins can use **status**');
    expect(cardText((await say(DEMO.megan, 'anything waiting for my approval?'))[0])).toContain('Waiting for your decision');
    expect((await say(DEMO.alex, 'change the reclaim threshold to 120 days'))[0]?.text).toContain('Done');
    expect((await say(DEMO.alex, 'reclaim after a while'))[0]?.text ?? '').not.toContain('Done');
    await say(DEMO.alex, 'set reclaim days 90');
  });

  it('answers small talk', async () => {
    expect((await say(DEMO.isaiah, 'hi'))[0]?.text).toMatch(/^Hi Isaiah! Tell me what you need/);
    expect((await say(DEMO.isaiah, 'hello there'))[0]?.text).toMatch(/^Hi Isaiah!/);
    expect((await say(DEMO.isaiah, 'thanks'))[0]?.text).toBe("You're welcome! Anything else, just ask.");
    expect(cardText((await say(DEMO.isaiah, 'what can you do?'))[0])).toContain('What I can do for you');
  });
});

describe('what is not understood', () => {
  it('offers the closest things the bot can do, as buttons that do them', async () => {
    const [reply] = await say(DEMO.isaiah, 'licenses something something');
    expect(cardText(reply)).toContain('Sorry, I didn\'t understand "licenses something something".');
    const buttons = cardActions(cardOf(reply));
    const suggestions = buttons.filter((a) => a.verb === 'suggestion');
    expect(suggestions.length).toBeGreaterThan(0);
    expect(suggestions.length).toBeLessThanOrEqual(3);
    expect(buttons.find((a) => a.verb === 'showHelp')).toMatchObject({ title: 'Show help' });
    const request = suggestions.find((a) => a.title === 'Request a license')!;
    expect(request.data).toEqual({ intent: 'request' });
    const clicked = await chat(DEMO.isaiah).click('suggestion', request.data!);
    expect(clicked.status).toBe(200);
    expect(cardText(clicked.sent[0])).toContain('Request a license');
    const forged = await chat(DEMO.isaiah).click('suggestion', { intent: 'launch-missiles' });
    expect(forged.body).toMatchObject({ statusCode: 400 });
    // A suggestion runs the command with its own checks: no spend for a requester.
    const spend = await chat(DEMO.isaiah).click('suggestion', { intent: 'spend' });
    expect(spend.sent[0]?.text).toBe('Cloud spend is for admins. Ask Alex Wilber or Patti Fernandez.');
  });

  it('never suggests admin commands to a requester', async () => {
    const adminIntents = [
      'spend',
      'budgets',
      'subscriptions',
      'budget-add',
      'sync-now',
      'reclaim',
      'connect',
      'status',
      'policies',
      'audit',
    ];
    const suggested = async (user: TestUser, text: string) => {
      const [reply] = await say(user, text);
      expect(cardText(reply), text).toContain("Sorry, I didn't understand");
      return cardActions(cardOf(reply))
        .filter((a) => a.verb === 'suggestion')
        .map((a) => a.data?.intent as string);
    };
    const fromIsaiah = [
      ...(await suggested(DEMO.isaiah, 'licenses something something')),
      ...(await suggested(DEMO.isaiah, 'azure last month banana')),
    ];
    expect(fromIsaiah).toContain('request');
    for (const intent of fromIsaiah) expect(adminIntents).not.toContain(intent);
    // The same words from an admin do get admin suggestions: the filter is by role.
    expect(await suggested(DEMO.alex, 'azure last month banana')).toContain('spend');
    expect(await suggested(DEMO.alex, 'licenses something something')).toContain('reclaim');
  });

  it('shows what it understood, in plain text', async () => {
    const [reply] = await say(DEMO.alex, 'azure last month banana');
    expect(cardText(reply)).toContain('What I understood: Azure · last month');
  });
});
