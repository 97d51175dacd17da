// The request flow when things go wrong: forged or broken card data, people from another
// tenant, throttled and failing services, a restart between approval and fulfilment,
// unreachable approvers, a user without a usage location, and time passing (reminders).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, OTHER_TENANT_ID, OTHER_TENANT_USERS } from '../../src/sandbox/index.js';
import { BotHarness, cardOf, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { WorkQueues } from '../../src/storage/queues.js';
import type { FulfilmentJob } from '../../src/services/requests.js';
import { requestForm as form, requestIdOf, storedRequest, waitForStatus as waitFor } from '../harness/licensing.js';

let harness: BotHarness;
const chat = (user: TestUser) => harness.personalChat(user);

beforeAll(async () => {
  harness = await BotHarness.start();
  for (const user of [DEMO.alex, DEMO.adele, DEMO.megan, DEMO.isaiah, DEMO.patti]) await chat(user).install();
});
afterAll(async () => {
  await harness.stop();
});
// Each test starts from the seeded tenant (the other instances below share this sandbox), with
// nothing of the test before it still under way. Requests stay in storage: tests close what they open.
beforeEach(() => harness.sandbox.reset());
afterEach(() => harness.drain());

const stored = (id: string) => storedRequest(harness, id);
const countRequests = async () => (await harness.qm.requests.byRequester(DEMO_TENANT_ID, DEMO.isaiah.aadObjectId, 1000)).length;
const waitForStatus = (id: string, status: string, timeoutMs?: number) => waitFor(harness, id, status, timeoutMs);
const visioSeats = () =>
  harness.sandbox.state
    .subscriptions(DEMO_TENANT_ID)
    .find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!
    .lots.reduce((n, l) => n + l.quantity, 0);

async function submitVisio(user: TestUser, fields: Record<string, unknown> = {}): Promise<string> {
  const result = await chat(user).click('submitRequest', form(DEMO_OFFERS.visioPlan2.offerId, fields), `form-${Math.random()}`);
  return requestIdOf(result.body.value);
}

describe('bad form input is refused field by field, and nothing is stored', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown product', { productOfferId: 'NOPE:0001:XX' }, /not in the catalog/],
    ['no product', { productOfferId: '' }, /Choose a product/],
    ['negative quantity', { quantity: '-3' }, /at least 1/],
    ['huge quantity', { quantity: '1000000' }, /at most 25/],
    ['fractional quantity', { quantity: '1.5' }, /whole number/],
    ['10 kB justification', { justification: 'x'.repeat(10_000) }, /too long/],
    ['missing justification', { justification: '' }, /why this is needed/],
    ['unknown colleague', { forWhom: 'nobody@example.com' }, /can't find nobody@example.com/],
    ['colleague from another tenant', { forWhom: OTHER_TENANT_USERS.jordan.userPrincipalName }, /can't find/],
    ['not an address', { forWhom: 'Megan please' }, /sign-in name/],
  ];
  for (const [name, fields, message] of cases) {
    it(name, async () => {
      const before = await countRequests();
      const result = await chat(DEMO.isaiah).click('submitRequest', form(DEMO_OFFERS.powerBiPro.offerId, fields));
      expect(result.body.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(cardText(result.body.value)).toContain('Request a license');
      expect(cardText(result.body.value)).toMatch(message);
      expect(JSON.stringify(result.body.value).length).toBeLessThan(20_000);
      expect(await countRequests()).toBe(before);
    });
  }

  it('refuses a license the person already has', async () => {
    const result = await chat(DEMO.isaiah).click('submitRequest', form(DEMO_OFFERS.m365E3.offerId));
    expect(cardText(result.body.value)).toContain('Isaiah Langer already has Microsoft 365 E3');
  });

  it('refuses a second open request for the same person and product', async () => {
    const id = await submitVisio(DEMO.isaiah);
    const before = await countRequests();
    const again = await chat(DEMO.isaiah).click('submitRequest', form(DEMO_OFFERS.visioPlan2.offerId, { justification: 'Asking again' }));
    expect(cardText(again.body.value)).toContain(`already has an open request for Visio Plan 2 (${id})`);
    // Also when someone else asks for them.
    const forIsaiah = await chat(DEMO.alex).click(
      'submitRequest',
      form(DEMO_OFFERS.visioPlan2.offerId, { forWhom: 'isaiahl@example.com' }),
    );
    expect(cardText(forIsaiah.body.value)).toContain(`already has an open request for Visio Plan 2 (${id})`);
    expect(await countRequests()).toBe(before);
    await chat(DEMO.isaiah).click('cancelRequest', { requestId: id });
    // Closed, it no longer stands in the way.
    const next = await submitVisio(DEMO.isaiah, { justification: 'New project' });
    expect(next).not.toBe(id);
    await chat(DEMO.isaiah).click('cancelRequest', { requestId: next });
  });

  it('a double click on Submit opens one request, and both clicks show it', async () => {
    const before = await countRequests();
    const clicks = await Promise.all(
      [1, 2, 3].map(() => chat(DEMO.isaiah).click('submitRequest', form(DEMO_OFFERS.visioPlan2.offerId), 'the-same-form')),
    );
    const ids = clicks.map((c) => requestIdOf(c.body.value));
    expect(new Set(ids).size).toBe(1);
    expect(await countRequests()).toBe(before + 1);
    await chat(DEMO.isaiah).click('cancelRequest', { requestId: ids[0] });
  });
});

describe('tampered decisions change nothing', () => {
  // A pending request of Isaiah's for each test to tamper with: none may change it.
  let id: string;
  beforeEach(async () => {
    id = await submitVisio(DEMO.isaiah, { justification: 'Tamper target' });
  });
  afterEach(async () => {
    await chat(DEMO.isaiah).click('cancelRequest', { requestId: id });
  });

  const decideAs = (user: TestUser, data: Record<string, unknown>, verb = 'approveRequest') => chat(user).click(verb, data);

  it('rejects malformed card data with a clear error, not a 500', async () => {
    for (const data of [
      {},
      { requestId: 'REQ-1' },
      { requestId: id, stageIndex: -1 },
      { requestId: id, stageIndex: 'x' },
      { requestId: 'x'.repeat(10_000), stageIndex: 0 },
      { requestId: id, stageIndex: 0, comment: 'y'.repeat(5000) },
    ]) {
      const result = await decideAs(DEMO.adele, data);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    }
    expect((await stored(id))!.status).toBe('pending');
  });

  it('does not let the requester, a non-approver, or another tenant decide', async () => {
    const own = await decideAs(DEMO.isaiah, { requestId: id, stageIndex: 0 });
    expect(cardText(own.body.value)).toContain('You cannot decide your own request');
    const stranger = await decideAs(DEMO.patti, { requestId: id, stageIndex: 0 });
    expect(cardText(stranger.body.value)).toContain('Only Adele Vance (manager) can decide');
    const foreign = await harness
      .personalChat({ id: '29:jordan', name: 'Jordan Reyes', aadObjectId: OTHER_TENANT_USERS.jordan.id, tenantId: OTHER_TENANT_ID })
      .click('approveRequest', { requestId: id, stageIndex: 0 });
    expect(foreign.body).toMatchObject({ statusCode: 400, value: { message: expect.stringContaining("can't find that request") } });
    // Megan decides step 2: before step 1 is decided she is told it is not open yet (not "already decided").
    const laterStage = await decideAs(DEMO.megan, { requestId: id, stageIndex: 1 });
    expect(cardText(laterStage.body.value)).toContain('That step is not open yet: step 1 (Adele Vance (manager)) must be decided first.');
    expect(cardText(laterStage.body.value)).not.toContain('already been decided');
    const request = await stored(id);
    expect(request).toMatchObject({ status: 'pending', stageIndex: 0, decisions: [] });
  });

  it('answers a forged verb with an error response', async () => {
    const result = await decideAs(DEMO.adele, { requestId: id, stageIndex: 0 }, 'approveEverything');
    expect(result.body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'UnknownAction' } });
    expect((await stored(id))!.status).toBe('pending');
  });
});

describe('outside services failing', () => {
  it('waits out a 429 burst and 500s from Partner Center, then buys exactly once', async () => {
    const seatsBefore = visioSeats();
    const id = await submitVisio(DEMO.patti, { forWhom: 'meganb@example.com' }); // Patti has no manager: admins (Alex) decide
    harness.sandbox.faults.partnerCenter.failNext({ status: 429, retryAfterSeconds: 1, times: 2, method: 'PATCH' });
    harness.sandbox.faults.partnerCenter.failNext({ status: 500, times: 2, method: 'PATCH' });
    // Megan gets the seat, so she does not decide either step: the admins (Alex) decide both.
    await chat(DEMO.alex).click('approveRequest', { requestId: id, stageIndex: 0 });
    await chat(DEMO.alex).click('approveRequest', { requestId: id, stageIndex: 1 });
    const done = await waitForStatus(id, 'completed', 30_000);
    expect(done.outcome?.kind).toBe('purchased');
    expect(visioSeats()).toBe(seatsBefore + 1);
    expect(harness.sandbox.state.countRequests({ service: 'partnerCenter', method: 'PATCH', faulted: true })).toBeGreaterThanOrEqual(3);
  });

  it('turns a missing usage location into a clear failure, and tells the admins', async () => {
    await chat(DEMO.lynne).install();
    const result = await chat(DEMO.lynne).click('submitRequest', form(DEMO_OFFERS.teamsPremium.offerId));
    const id = requestIdOf(result.body.value);
    const failed = await waitForStatus(id, 'failed');
    expect(failed.outcome?.message).toContain('usage location');
    await harness.until(
      async () => harness.sentTo(DEMO.lynne).some((a) => a.text?.includes(`${id} could not be completed`)),
      'Lynne to be told',
    );
    await harness.until(
      async () => harness.sentTo(DEMO.alex).some((a) => a.text?.includes(`${id}`) && a.text.includes('usage location')),
      'the admins to be told',
    );
  });
});

/**
 * On an instance of its own that takes no queue work (storage `tablePrefix`), `requester`
 * asks for a Visio seat and Adele and Megan approve it: the request is stored and its
 * fulfilment queued. Returns the instance (still running) and the request id.
 */
async function visioApprovedOnIdleInstance(
  tablePrefix: string,
  requester: TestUser,
  justification: string,
): Promise<{ instance: BotHarness; id: string }> {
  const instance = await BotHarness.start(
    { tablePrefix },
    { sandbox: harness.sandbox, connector: harness.connector, startWorkers: false, instanceName: 'a' },
  );
  const [asker, adele, megan] = [instance.personalChat(requester), instance.personalChat(DEMO.adele), instance.personalChat(DEMO.megan)];
  for (const c of [asker, adele, megan]) await c.install();
  const id = requestIdOf((await asker.click('submitRequest', form(DEMO_OFFERS.visioPlan2.offerId, { justification }))).body.value);
  await adele.click('approveRequest', { requestId: id, stageIndex: 0 });
  await megan.click('approveRequest', { requestId: id, stageIndex: 1 });
  return { instance, id };
}

/** Waits until the request is completed, as `instance` reads it. */
function completedOn(instance: BotHarness, id: string, what: string) {
  return instance.until(
    async () => {
      const request = (await instance.qm.requests.get(DEMO_TENANT_ID, id))?.value;
      return request?.status === 'completed' ? request : undefined;
    },
    what,
    30_000,
  );
}

describe('restart between approval and fulfilment', () => {
  it('resumes from the queue after a restart and buys exactly once', async () => {
    const seatsBefore = visioSeats();
    const tablePrefix = `r${Date.now().toString(36)}`;
    // Instance A takes no queue work: the approval is stored and queued, then A goes away.
    const { instance: a, id } = await visioApprovedOnIdleInstance(tablePrefix, DEMO.isaiah, 'restart');
    const inA = async () => (await a.qm.requests.get(DEMO_TENANT_ID, id))?.value;
    expect((await inA())!.status).toBe('approved');
    await a.stop();
    // Instance B starts on the same storage and picks the queued work up.
    const b = await BotHarness.start({ tablePrefix }, { sandbox: harness.sandbox, connector: harness.connector, instanceName: 'b' });
    try {
      const done = await completedOn(b, id, 'the request to complete on B');
      expect(done.outcome?.kind).toBe('purchased');
      expect(visioSeats()).toBe(seatsBefore + 1);
      await b.until(async () => harness.sentTo(DEMO.isaiah).some((m) => m.text?.includes(`${id} is done`)), 'Isaiah to be told');
    } finally {
      await b.stop();
    }
  });
});

describe('a fulfilment job lost between the approval and the queue', () => {
  /** What a stop between "stored as approved" and "queued" leaves: the job taken off the queue. */
  async function loseQueuedJobs(instance: BotHarness, tablePrefix: string): Promise<number> {
    const queue = new WorkQueues(instance.config.storage, tablePrefix).queue<FulfilmentJob>('fulfilment');
    const messages = await queue.receive(32, 60);
    for (const message of messages) await queue.complete(message);
    return messages.reduce((jobs, message) => jobs + message.bodies.length, 0);
  }

  it('Submit clicked again on the form ("try again") queues it again at once', async () => {
    const tablePrefix = `t${Date.now().toString(36)}`;
    const instance = await BotHarness.start(
      { tablePrefix },
      { sandbox: harness.sandbox, connector: harness.connector, startWorkers: false, instanceName: 'a' },
    );
    try {
      const alex = instance.personalChat(DEMO.alex);
      await alex.install();
      const submit = () => alex.click('submitRequest', form(DEMO_OFFERS.powerBiPro.offerId), 'alex-power-bi-form');
      const id = requestIdOf((await submit()).body.value);
      expect((await instance.qm.requests.get(DEMO_TENANT_ID, id))!.value.status).toBe('approved');
      expect(await loseQueuedJobs(instance, tablePrefix)).toBe(1);

      const again = await submit();
      expect(requestIdOf(again.body.value)).toBe(id);
      expect(cardText(again.body.value)).toContain('Approved automatically');
      expect(await loseQueuedJobs(instance, tablePrefix)).toBe(1);
    } finally {
      await instance.stop();
    }
  });

  it('the sweep queues it again once the request has stayed approved for 5 minutes', async () => {
    const tablePrefix = `l${Date.now().toString(36)}`;
    const a = await BotHarness.start(
      { tablePrefix },
      { sandbox: harness.sandbox, connector: harness.connector, startWorkers: false, instanceName: 'a' },
    );
    const alex = a.personalChat(DEMO.alex);
    await alex.install();
    const id = requestIdOf((await alex.click('submitRequest', form(DEMO_OFFERS.powerBiPro.offerId), 'alex-power-bi-form')).body.value);
    expect(await loseQueuedJobs(a, tablePrefix)).toBe(1);
    await a.stop();
    const b = await BotHarness.start({ tablePrefix }, { sandbox: harness.sandbox, connector: harness.connector, instanceName: 'b' });
    try {
      const approvedAt = Date.parse((await b.qm.requests.get(DEMO_TENANT_ID, id))!.value.updatedAt);
      expect(await b.qm.stalledApprovals.run(new Date(approvedAt + 60_000))).toEqual({ requeued: 0 }); // its job may still be on the way
      expect((await b.qm.requests.get(DEMO_TENANT_ID, id))!.value.status).toBe('approved');

      expect(await b.qm.stalledApprovals.run(new Date(approvedAt + 5 * 60_000 + 1))).toEqual({ requeued: 1 });
      const done = await completedOn(b, id, 'the request to complete on B');
      expect(done.outcome?.kind).toBe('assigned');
      expect(harness.sandbox.state.findUser(DEMO_TENANT_ID, DEMO.alex.aadObjectId)!.assignedSkuIds).toContain(
        DEMO_OFFERS.powerBiPro.graphSkuId,
      );
      await b.until(async () => harness.sentTo(DEMO.alex).some((m) => m.text?.includes(`${id} is done`)), 'Alex to be told');
      expect(await b.qm.stalledApprovals.run(new Date(approvedAt + 10 * 60_000))).toEqual({ requeued: 0 });
    } finally {
      await b.stop();
    }
  });
});

describe('one fulfilment job delivered three times at once, to two instances', () => {
  it('buys one seat and tells the requester once', async () => {
    const seatsBefore = visioSeats();
    const tablePrefix = `d${Date.now().toString(36)}`;
    const shared = { sandbox: harness.sandbox, connector: harness.connector };
    const { instance: a, id } = await visioApprovedOnIdleInstance(tablePrefix, DEMO.alex, 'duplicates');
    // The queue redelivers: two more copies of the job beside the one the approval queued.
    const queue = new WorkQueues(a.config.storage, tablePrefix).queue<FulfilmentJob>('fulfilment');
    await Promise.all([queue.send({ tenantId: DEMO_TENANT_ID, requestId: id }), queue.send({ tenantId: DEMO_TENANT_ID, requestId: id })]);
    await a.stop();
    const [b, c] = await Promise.all([
      BotHarness.start({ tablePrefix }, { ...shared, instanceName: 'b' }),
      BotHarness.start({ tablePrefix }, { ...shared, instanceName: 'c' }),
    ]);
    try {
      const done = await completedOn(b, id, 'the request to complete');
      expect(done.outcome?.kind).toBe('purchased');
      await b.until(async () => harness.sentTo(DEMO.alex).some((m) => m.text?.includes(`${id} is done`)), 'Alex to be told');
      await Promise.all([b.drain(), c.drain()]); // a second purchase or message would show up by now
      expect(visioSeats()).toBe(seatsBefore + 1);
      expect(harness.sentTo(DEMO.alex).filter((m) => m.text?.includes(`${id} is done`))).toHaveLength(1);
    } finally {
      await Promise.all([b.stop(), c.stop()]);
    }
  });
});

describe('approvers the bot cannot reach', () => {
  it('sends the card to the admins with the reason', async () => {
    // Requests by Patti (no manager) go to the admins; Alex is one; Megan is reached anyway.
    const unreachable = await BotHarness.start({}, { sandbox: harness.sandbox });
    try {
      const isaiah = unreachable.personalChat(DEMO.isaiah);
      const alex = unreachable.personalChat(DEMO.alex);
      await isaiah.install();
      await alex.install(); // Adele (the manager) never installed the bot in this instance's storage
      const id = requestIdOf(
        (await isaiah.click('submitRequest', form(DEMO_OFFERS.projectPlan3.offerId, { justification: 'unreachable' }))).body.value,
      );
      const toAlex = unreachable.sentTo(DEMO.alex);
      expect(toAlex.some((a) => a.text?.includes('could not reach an approver of step 1 (Adele Vance (manager))'))).toBe(true);
      expect(toAlex.some((a) => cardText(a).includes(id))).toBe(true);
      await isaiah.click('cancelRequest', { requestId: id });
    } finally {
      await unreachable.stop();
    }
  });
});

describe('the approvals channel', () => {
  it('is set by an admin in a channel, and gets a status card that refreshes for approvers', async () => {
    const channel = harness.channel(DEMO.alex, 'IT');
    await channel.install();
    expect((await harness.channel(DEMO.isaiah, 'IT').say('set approvals channel'))[0]?.text).toContain('Only admins');
    expect((await harness.personalChat(DEMO.alex).say('set approvals channel'))[0]?.text).toContain('in the team channel');
    expect((await channel.say('set approvals channel'))[0]?.text).toContain('every new approval card will also be posted');
    const id = requestIdOf(
      (await chat(DEMO.isaiah).click('submitRequest', form(DEMO_OFFERS.projectPlan3.offerId, { justification: 'channel' }))).body.value,
    );
    const posted = harness.connector.sent
      .filter((s) => s.conversationId === channel.conversation.id && s.method === 'POST')
      .map((s) => cardOf(s.activity))
      .find((c) => c && JSON.stringify(c).includes(id))!;
    expect(posted.actions ?? []).toHaveLength(0); // everyone sees status
    expect(posted.refresh.userIds).toEqual([DEMO.adele.id]); // Adele's client asks for her view
    const refreshed = await harness.channel(DEMO.adele, 'IT').click('refreshRequest', { requestId: id });
    expect(
      cardOf({ attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: refreshed.body.value }] })!.actions.map(
        (a: any) => a.title,
      ),
    ).toEqual(['Approve', 'Reject']);
    await chat(DEMO.isaiah).click('cancelRequest', { requestId: id });
  });
});

describe('reminders', () => {
  it('reminds after 24 h, escalates after 72 h, expires after 30 days — once each, across instances', async () => {
    const id = requestIdOf(
      (await chat(DEMO.isaiah).click('submitRequest', form(DEMO_OFFERS.projectPlan3.offerId, { justification: 'reminders' }))).body.value,
    );
    const created = Date.parse((await stored(id))!.createdAt);
    const hours = (n: number) => new Date(created + n * 3600_000);
    const second = await BotHarness.start(
      { tablePrefix: harness.config.tablePrefix },
      { sandbox: harness.sandbox, connector: harness.connector, startWorkers: false, instanceName: 'second' },
    );
    try {
      const remindersTo = (user: TestUser) =>
        harness.connector.sent.filter((s) => s.conversationId === `a:personal-${user.id}` && s.activity.text?.includes(id));
      // Both instances run the reminders at once. A notice the second one sends goes on the queue
      // when the first instance owns the tenant's sends, and arrives once the queue is drained.
      const remindBoth = async (at: Date) => {
        await Promise.all([harness.qm.reminders.run(at), second.qm.reminders.run(at)]);
        await harness.drain();
      };
      await remindBoth(hours(23));
      expect(remindersTo(DEMO.adele)).toHaveLength(0);
      await remindBoth(hours(25));
      expect(remindersTo(DEMO.adele).filter((s) => s.activity.text.startsWith('Reminder'))).toHaveLength(1);
      await remindBoth(hours(73));
      expect(remindersTo(DEMO.alex).filter((s) => s.activity.text.includes('has waited 3 days'))).toHaveLength(1);
      await remindBoth(hours(24 * 31));
      expect((await stored(id))!.status).toBe('expired');
      expect(remindersTo(DEMO.isaiah).filter((s) => s.activity.text.includes('expired after 30 days'))).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
