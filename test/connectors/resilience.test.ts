// Retries, throttling, timeouts and idempotency: the connectors against a misbehaving
// sandbox. Waits are checked by counting requests in the sandbox, never by timing.
import { testClock } from '../harness/clock.js';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectorError, createConnectors } from '../../src/connectors/index.js';
import { DEMO_APP, DEMO_CUSTOMER_ID, DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, DEMO_USERS } from '../../src/sandbox/index.js';
import { FAST_RETRY, rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const t = sandboxPerTest();
const ORDERS = '/v1/customers/{customerId}/orders';
const SUBSCRIPTIONS = '/v1/customers/{customerId}/subscriptions';
const SUBSCRIPTION = '/v1/customers/{customerId}/subscriptions/{subscriptionId}';
const projectLine = { offerId: DEMO_OFFERS.projectPlan3.offerId, quantity: 1, billingCycle: 'annual' };

describe('idempotency (MS-RequestId)', () => {
  it('the same requestId twice creates one order', async () => {
    const first = await t.commerce.createOrder(DEMO_CUSTOMER_ID, projectLine, 'request-7:order');
    const second = await t.commerce.createOrder(DEMO_CUSTOMER_ID, projectLine, 'request-7:order');
    expect(second.id).toBe(first.id);
    expect(t.sandbox.state.orders(DEMO_CUSTOMER_ID)).toHaveLength(1);
    // A different logical purchase does buy again.
    await t.commerce.createOrder(DEMO_CUSTOMER_ID, projectLine, 'request-8:order');
    expect(t.sandbox.state.orders(DEMO_CUSTOMER_ID)).toHaveLength(2);
  });

  it('a retry after a 500 that came after the order was placed returns that order, and buys once', async () => {
    t.sandbox.faults.partnerCenter.failNext({ status: 500, method: 'POST', path: '/orders', afterProcessing: true });
    const order = await t.commerce.createOrder(DEMO_CUSTOMER_ID, projectLine, 'request-9:order');
    expect(t.sandbox.state.orders(DEMO_CUSTOMER_ID).map((o) => o.id)).toEqual([order.id]);
    const posts = t.sandbox.state.requests.filter((r) => r.route === ORDERS && r.method === 'POST');
    expect(posts.map((r) => [r.status, r.requestId, r.replayed])).toEqual([
      [500, 'request-9:order', false],
      [201, 'request-9:order', true],
    ]);
    // MS-CorrelationId is new per call (the REST headers reference), retries included; MS-RequestId ties them.
    expect(posts[0]!.correlationId).not.toBe(posts[1]!.correlationId);
  });

  it('a retry after a client-side timeout (the order was placed) returns that order, and buys once', async () => {
    t.sandbox.faults.partnerCenter.delay(5_000, { method: 'POST', path: '/orders', times: 1 });
    const { commerce } = t.connect({ retry: { timeoutMs: 1_000 } });
    const order = await commerce.createOrder(DEMO_CUSTOMER_ID, projectLine, 'request-10:order');
    expect(t.sandbox.state.orders(DEMO_CUSTOMER_ID).map((o) => o.id)).toEqual([order.id]);
    const posts = t.sandbox.state.requests.filter((r) => r.route === ORDERS && r.method === 'POST');
    expect(posts.map((r) => [r.requestId, r.replayed])).toEqual([
      ['request-10:order', false],
      ['request-10:order', true],
    ]);
  });

  it('a retried quantity change is applied once', async () => {
    t.sandbox.faults.partnerCenter.failNext({ status: 502, method: 'PATCH', afterProcessing: true });
    const updated = await t.commerce.setQuantity(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.visioPlan2, 6, 'request-11:seats');
    expect(updated.quantity).toBe(6);
    const patches = t.sandbox.state.requests.filter((r) => r.route === SUBSCRIPTION && r.method === 'PATCH');
    expect(patches.map((r) => [r.status, r.requestId, r.replayed])).toEqual([
      [502, 'request-11:seats', false],
      [200, 'request-11:seats', true],
    ]);
    const visio = t.sandbox.state.subscriptions(DEMO_CUSTOMER_ID).find((s) => s.id === DEMO_SUBSCRIPTIONS.visioPlan2)!;
    expect(visio.lots.map((lot) => lot.quantity)).toEqual([5, 1]);
    expect(t.sandbox.state.freeSeats(DEMO_TENANT_ID, 'VISIOCLIENT')).toBe(1);
  });
});

describe('throttling (429)', () => {
  it('waits the Retry-After, then succeeds (Partner Center)', async () => {
    t.sandbox.faults.partnerCenter.failNext({ status: 429, retryAfterSeconds: 1, times: 1 });
    expect(await t.commerce.listSubscriptions(DEMO_CUSTOMER_ID)).toHaveLength(4);
    expect(t.sandbox.state.countRequests({ route: SUBSCRIPTIONS })).toBe(2);
    expect(t.sandbox.state.countRequests({ route: SUBSCRIPTIONS, status: 429 })).toBe(1);
    expect(t.logLines.some((line) => /"waitMs":1000/.test(line))).toBe(true);
  });

  it('waits the Retry-After, then succeeds (Graph)', async () => {
    t.sandbox.faults.graph.failNext({ status: 429, retryAfterSeconds: 1, times: 1 });
    expect(await t.directory.listSubscribedSkus(DEMO_TENANT_ID)).toHaveLength(5);
    expect(t.sandbox.state.countRequests({ service: 'graph', route: '/v1.0/subscribedSkus' })).toBe(2);
    expect(t.logLines.some((line) => /"waitMs":1000/.test(line))).toBe(true);
  });

  it('hands a long Retry-After back to the caller as throttled, without waiting or retrying', async () => {
    t.sandbox.faults.partnerCenter.failNext({ status: 429, retryAfterSeconds: 120 });
    const error = await rejectionOf(t.commerce.listSubscriptions(DEMO_CUSTOMER_ID));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: 'throttled', details: { status: 429, retryAfterSeconds: 120 } });
    expect(error.transient).toBe(true);
    expect(t.sandbox.state.countRequests({ route: SUBSCRIPTIONS })).toBe(1);
  });

  it('gives up as throttled after as many 429s as retries', async () => {
    t.sandbox.faults.graph.failNext({ status: 429, retryAfterSeconds: 0, times: 10 });
    const error = await rejectionOf(t.directory.getUser(DEMO_TENANT_ID, DEMO_USERS.alex.id));
    expect(error.kind).toBe('throttled');
    expect(t.sandbox.state.countRequests({ service: 'graph' })).toBe(FAST_RETRY.retries! + 1);
  });
});

describe('server errors and timeouts', () => {
  it('retries a burst of 500s, then succeeds', async () => {
    t.sandbox.faults.partnerCenter.failNext({ status: 500, times: 2 });
    expect(await t.commerce.getSubscription(DEMO_CUSTOMER_ID, DEMO_SUBSCRIPTIONS.m365E3)).toMatchObject({ quantity: 25 });
    expect(t.sandbox.state.countRequests({ route: SUBSCRIPTION })).toBe(3);
  });

  it('reports unavailable when 5xx outlast the retries', async () => {
    t.sandbox.faults.partnerCenter.failNext({ status: 503, times: 10 });
    const pc = await rejectionOf(t.commerce.listSubscriptions(DEMO_CUSTOMER_ID));
    expect(pc).toMatchObject({ kind: 'unavailable', details: { service: 'partner-center', status: 503 } });
    expect(t.sandbox.state.countRequests({ route: SUBSCRIPTIONS })).toBe(FAST_RETRY.retries! + 1);

    t.sandbox.faults.graph.failNext({ status: 500, times: 10 });
    const graph = await rejectionOf(t.directory.listSubscribedSkus(DEMO_TENANT_ID));
    expect(graph).toMatchObject({ kind: 'unavailable', details: { service: 'graph', status: 500 } });
    expect(t.sandbox.state.countRequests({ service: 'graph' })).toBe(FAST_RETRY.retries! + 1);
  });

  it('times out slow Graph answers and retries them', async () => {
    t.sandbox.faults.graph.delay(5_000, { times: 1 });
    const { directory } = t.connect({ retry: { timeoutMs: 1_000 } });
    expect((await directory.getUser(DEMO_TENANT_ID, DEMO_USERS.alex.id))?.displayName).toBe('Alex Wilber');
    expect(t.sandbox.state.countRequests({ service: 'graph' })).toBe(2);
  });

  it('reports unavailable when nothing answers', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const { commerce } = createConnectors(
      {
        mode: 'sandbox',
        sandbox: { ...t.sandbox, urls: { ...t.sandbox.urls, partnerCenter: `http://127.0.0.1:${closedPort}` } },
        retry: FAST_RETRY,
        clock: testClock,
      },
      t.log,
    );
    const error = await rejectionOf(commerce.listSubscriptions(DEMO_CUSTOMER_ID));
    expect(error).toMatchObject({ kind: 'unavailable', details: { service: 'partner-center' } });
    expect(error.message).toMatch(/could not be reached/);
  });

  it('Graph: a timeout on every attempt, and a closed port, are unavailable with the reason', async () => {
    t.sandbox.faults.graph.delay(1_000, { times: 10 });
    const { directory } = t.connect({ retry: { timeoutMs: 200 } });
    const slow = await rejectionOf(directory.getUser(DEMO_TENANT_ID, DEMO_USERS.alex.id));
    expect(slow).toMatchObject({ kind: 'unavailable', message: 'graph timed out', details: { service: 'graph' } });
    expect(t.sandbox.state.countRequests({ service: 'graph' })).toBe(FAST_RETRY.retries! + 1);

    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const { directory: unreachable } = createConnectors(
      {
        mode: 'sandbox',
        sandbox: { ...t.sandbox, urls: { ...t.sandbox.urls, graph: `http://127.0.0.1:${closedPort}` } },
        retry: FAST_RETRY,
        clock: testClock,
      },
      t.log,
    );
    const refused = await rejectionOf(unreachable.getUser(DEMO_TENANT_ID, DEMO_USERS.alex.id));
    expect(refused).toMatchObject({ kind: 'unavailable', details: { service: 'graph' } });
    expect(refused.message).toMatch(/graph could not be reached \(.*ECONNREFUSED/);
  });
});

describe('credentials', () => {
  it('a bad client secret is unauthorized at once, for both services, and is not retried', async () => {
    const { commerce, directory } = t.connect({ clientSecret: 'not-the-secret' });
    const pc = await rejectionOf(commerce.listSubscriptions(DEMO_CUSTOMER_ID));
    expect(pc).toMatchObject({ kind: 'unauthorized', details: { service: 'partner-center', code: 'AADSTS7000215' } });
    expect(pc.transient).toBe(false);
    const graph = await rejectionOf(directory.listUsers(DEMO_TENANT_ID));
    expect(graph).toMatchObject({ kind: 'unauthorized', details: { service: 'graph', code: 'AADSTS7000215' } });
    expect(t.sandbox.state.countRequests({ service: 'login' })).toBe(2);
    expect(t.sandbox.state.countRequests({ service: 'partnerCenter' }) + t.sandbox.state.countRequests({ service: 'graph' })).toBe(0);
    expect(`${pc.message} ${graph.message}`).not.toContain('not-the-secret');
  });

  it('an unknown tenant is unauthorized', async () => {
    const error = await rejectionOf(t.directory.listUsers('7e1e0000-0000-4000-8000-00000000dead'));
    expect(error).toMatchObject({ kind: 'unauthorized', details: { code: 'AADSTS90002' } });
  });
});

describe('logs', () => {
  it('log each outbound call at debug (method, path, status, ms, correlation id), never a token or secret', async () => {
    await t.commerce.listSubscriptions(DEMO_CUSTOMER_ID);
    await t.directory.getUser(DEMO_TENANT_ID, DEMO_USERS.alex.id);
    const calls = t.logLines.map((line) => JSON.parse(line) as Record<string, any>).filter((entry) => entry.outbound);
    expect(calls.map((c) => [c.level, c.outbound.service, c.outbound.method, c.outbound.status])).toEqual([
      ['debug', 'partner-center', 'GET', 200],
      ['debug', 'graph', 'GET', 200],
    ]);
    expect(calls[0]!.outbound).toMatchObject({
      path: `/v1/customers/${DEMO_CUSTOMER_ID}/subscriptions`,
      ms: expect.any(Number),
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const output = t.logLines.join('\n');
    expect(output).not.toContain(DEMO_APP.clientSecret);
    expect(output).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // no JWT
    expect(output).not.toMatch(/bearer/i);
  });
});
