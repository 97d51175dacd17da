// Every proactive message goes through the durable outbox: written to the notifications
// queue first, then sent at once. Here Teams fails the inline send of an approval card:
// the queued copy delivers it (once), the card is remembered from the delivered hook, and
// later updates of that card reach it. Then an instance that cannot send at all: another
// instance's worker delivers what it acknowledged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OFFERS, DEMO_TENANT_ID } from '../../src/sandbox/index.js';
import { CardRefs } from '../../src/storage/card-refs.js';
import { BotHarness, cardOf, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { requestForm as form, requestIdOf, waitForStatus } from '../harness/licensing.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);
const cardsTo = (user: TestUser, id: string) => harness.sentTo(user).filter((a) => cardOf(a) && cardText(a).includes(id));
const updatesOf = (user: TestUser, id: string) => harness.updatesIn(user).filter((u) => JSON.stringify(u.activity).includes(id));

beforeAll(async () => {
  harness = await BotHarness.start();
  for (const user of Object.values(DEMO)) await chat(user).install();
});
afterAll(async () => {
  await harness.stop();
});

describe('the outbox', () => {
  it('delivers an approval card Teams refused at first, once, and keeps it up to date', async () => {
    // Teams answers 502 to the next sends (Adele's approval card), more often than the Bot
    // Framework client's own retries cover.
    harness.connector.failNext(502, { times: 4 });
    const submitted = await chat(DEMO.alex).click(
      'submitRequest',
      form(DEMO_OFFERS.visioPlan2.offerId, { justification: 'Diagrams' }),
      'form-outbox',
    );
    const id = requestIdOf(submitted.body.value);
    // The turn's own send was refused. (Whether the queued copy has already gone out when the
    // turn answers is a matter of timing: it may be taken the moment the failed try lets go.)
    expect(harness.connector.refused.filter((r) => r.conversationId === 'a:personal-29:demo-adele').length).toBeGreaterThan(0);

    await harness.until(async () => cardsTo(DEMO.adele, id).length > 0, 'the queued copy of the card', 15_000);
    // Teams shows the card as soon as it is posted; the outbox remembers where it went right
    // after (its delivered hook). Adele decides once it is remembered, as any person reading it
    // would: a decision within the same instant would not find the card to update.
    const cards = new CardRefs(harness.qm.store);
    await harness.until(
      async () =>
        (await cards.list(DEMO_TENANT_ID, id)).some(
          (ref) => ref.conversationId === chat(DEMO.adele).conversation.id && ref.audience === 'approver',
        ),
      'the card to be remembered',
      15_000,
    );
    const approved = await chat(DEMO.adele).click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(approved.status).toBe(200);
    // The card that came from the queue is updated in place (its id came from the delivered hook).
    await harness.until(async () => updatesOf(DEMO.adele, id).length > 0, 'the update of Adele’s card', 15_000);
    await harness.drain();
    expect(cardsTo(DEMO.adele, id)).toHaveLength(1);
  });

  it('delivers what an instance acknowledged even when that instance cannot send', async () => {
    const second = await BotHarness.start(
      { tablePrefix: harness.config.tablePrefix },
      { sandbox: harness.sandbox, connector: harness.connector, startWorkers: false, instanceName: 'second' },
    );
    try {
      // Every send from here fails for a while: the inline attempts fail, the queue keeps the messages.
      harness.connector.failNext(503, { times: 6 });
      const submitted = await second.personalChat(DEMO.isaiah).click('submitRequest', form(DEMO_OFFERS.powerBiPro.offerId), 'form-second');
      const id = requestIdOf(submitted.body.value);
      // The first instance's worker fulfils and tells Isaiah, through the queue if need be.
      await waitForStatus(harness, id, 'completed');
      await harness.until(
        async () => harness.sentTo(DEMO.isaiah).filter((a) => a.text?.includes(`${id} is done`)).length === 1,
        'Isaiah to be told',
        20_000,
      );
      await harness.drain();
      expect(harness.sentTo(DEMO.isaiah).filter((a) => a.text?.includes(`${id} is done`))).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
