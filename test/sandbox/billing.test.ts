// The billing emulator's Marketplace routes on the wire, including those the connector does not
// read (the statement list and a statement by id): every answer is checked against the billing
// OpenAPI subset, and none of them passes as unchecked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MARKETPLACE_TOKENS, startSandbox, type EmulatorExchange, type Sandbox } from '../../src/sandbox/index.js';
import { contractFor } from '../contracts/exchanges.js';
import { testClock } from '../harness/clock.js';

let sandbox: Sandbox;
let exchanges: EmulatorExchange[];

beforeEach(async () => {
  exchanges = [];
  sandbox = await startSandbox({ clock: testClock, observe: (exchange) => exchanges.push(exchange) });
});

afterEach(async () => {
  await sandbox.stop();
});

async function get(path: string, accept = 'application/json'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.billing.urls.marketplace}${path}`, {
    headers: { Authorization: `Bearer ${MARKETPLACE_TOKENS.demo}`, Accept: accept },
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe('Marketplace billing emulator', () => {
  it('answers statements, charges, invoices and attachments (and a missing statement) as the billing contract describes', async () => {
    const statements = await get('/billing/statements');
    expect(statements.status).toBe(200);
    const statement = statements.body.data[0];
    expect((await get(`/billing/statements/${statement.id}`)).status).toBe(200);
    expect((await get(`/billing/statements/${statement.id}/charges?limit=2`)).status).toBe(200);
    expect((await get('/billing/statements/SOM-0000-0000-0000-0000-0000')).status).toBe(404);
    const invoices = await get('/billing/invoices');
    const invoice = invoices.body.data[0];
    expect((await get(`/billing/invoices/${invoice.id}`)).status).toBe(200);
    const attachments = await get(`/billing/invoices/${invoice.id}/attachments`);
    const attachment = attachments.body.data[0];
    expect((await get(`/billing/invoices/${invoice.id}/attachments/${attachment.id}`)).status).toBe(200);
    expect((await get(`/billing/invoices/${invoice.id}/attachments/${attachment.id}`, 'application/pdf')).status).toBe(301);

    const verdicts = exchanges.map((e) => [`${e.method} ${e.route} ${e.status}`, contractFor(e)]);
    expect(verdicts.filter(([, verdict]) => (verdict as { ok: unknown }).ok !== true)).toEqual([]);
    expect(new Set(exchanges.map((e) => e.route)).size).toBe(7);
  });
});
