// Billing end to end, on two Quartermaster instances over one storage (one table prefix, one
// Azurite), the loopback emulators (Partner Center invoices, Graph's billed reconciliation
// export, Cost Management, Cost Explorer) and one loopback connector:
// - an invoice with a price difference, a line nobody ordered and an order nobody billed is
//   reconciled to exactly those three findings, stored, and a second run (on the other
//   instance) changes nothing;
// - the chargeback of May splits the demo tenant's licenses and its Azure and AWS tagged cost
//   into departments, and the owners plus the unallocated add up to the total to the cent;
// - on the first working day, both instances running the statement job at once (twice) send
//   each owner's recipients one statement and each admin one summary;
// - `invoices` in an admin's 1:1 chat shows the invoice cards, and "Send me the file" offers it
//   through a file consent card;
// - the Azure plans' unbilled daily usage is stored as FOCUS cost rows, and a second sync writes nothing;
// - a budget over the Azure plan and a planted usage spike alert the admins once each, although both
//   instances sync the usage.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCredentialInput } from '../../src/connectors/ports.js';
import { add, fromMinor, toMinor } from '../../src/domain/money.js';
import {
  AWS_ACCOUNTS,
  AWS_SANDBOX_KEYS,
  AZURE_SUBSCRIPTIONS,
  AZURE_TAG_KEY,
  CSP_AZURE_PLAN,
  CSP_USAGE_LEVELS,
  DEMO_OFFERS,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  DEMO_USERS,
  startSandbox,
  type EmulatorExchange,
  type Sandbox,
} from '../../src/sandbox/index.js';
import { ChargebackStore } from '../../src/storage/billing.js';
import type { NewConnection } from '../../src/storage/connections.js';
import type { StoredRequest } from '../../src/storage/requests.js';
import { BotHarness, cardText, DEMO, type TestUser } from '../harness/bot-harness.js';
import { testClock } from '../harness/clock.js';
import { LoopbackConnector } from '../harness/loopback-connector.js';
import { violations } from '../contracts/exchanges.js';

const tablePrefix = `bl${Date.now().toString(36)}`;
/** The test clock reads 2026-06-17: May's invoice was issued on June 8. */
const MAY_INVOICE = 'G026050001';
const NOW = testClock();
const ADMIN = { tenantId: DEMO_TENANT_ID, aadObjectId: DEMO.patti.aadObjectId, name: DEMO.patti.name };

let sandbox: Sandbox;
let connector: LoopbackConnector;
let a: BotHarness;
let b: BotHarness;
/** Every answer the emulators gave during the current test, checked against the vendors' contracts after it. */
const exchanges: EmulatorExchange[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ clock: testClock, observe: (exchange) => exchanges.push(exchange) });
  connector = new LoopbackConnector();
  await connector.start();
  a = await BotHarness.start({ tablePrefix }, { sandbox, connector, instanceName: 'qm-a' });
  b = await BotHarness.start({ tablePrefix }, { sandbox, connector, instanceName: 'qm-b' });
  for (const user of [DEMO.patti, DEMO.alex, DEMO.megan, DEMO.adele]) await a.personalChat(user).install();
}, 120_000);

afterEach(() => {
  expect(violations(exchanges.splice(0))).toEqual([]);
});

afterAll(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await connector?.stop();
  await sandbox?.stop();
});

/** A request Quartermaster completed in May that bought seats (what reconciliation expects on May's invoice). */
function purchase(
  id: string,
  offer: { offerId: string; productId: string; skuPartNumber: string },
  name: string,
  fields: {
    orderId: string;
    subscriptionId: string;
    quantity: number;
    unitPrice: string;
  },
): StoredRequest {
  const at = '2026-05-12T09:00:00.000Z';
  return {
    id,
    tenantId: DEMO_TENANT_ID,
    requester: { aadObjectId: DEMO.megan.aadObjectId, name: DEMO.megan.name },
    beneficiary: { id: DEMO.megan.aadObjectId, upn: DEMO_USERS.megan.userPrincipalName, name: DEMO.megan.name },
    product: { offerId: offer.offerId, productId: offer.productId, name, skuPartNumber: offer.skuPartNumber },
    quantity: fields.quantity,
    unitPrice: { amount: fields.unitPrice, currency: 'USD' },
    justification: '',
    status: 'completed',
    stageIndex: 0,
    stages: [],
    decisions: [],
    fulfilment: {
      commerceRequestId: `commerce-${id}`,
      purchased: true,
      orderId: fields.orderId,
      subscriptionId: fields.subscriptionId,
      purchasedQuantity: fields.quantity,
      assigned: true,
    },
    createdAt: at,
    updatedAt: at,
  };
}

describe('billing on two instances over one storage', () => {
  it('reconciles an invoice to exactly its price difference, unexpected line and missing order, once', async () => {
    const invoices = a.qm.billing!.invoices;
    // Two purchases Quartermaster made in May: E3 seats (billed at another price) and Power BI (never billed).
    await a.qm.requests.create(
      purchase('REQ-BILL0001', DEMO_OFFERS.m365E3, 'Microsoft 365 E3', {
        orderId: 'b111aaaa-0000-4000-8000-000000000001',
        subscriptionId: DEMO_SUBSCRIPTIONS.m365E3,
        quantity: 2,
        unitPrice: '36.00',
      }),
    );
    await a.qm.requests.create(
      purchase('REQ-BILL0002', DEMO_OFFERS.powerBiPro, 'Power BI Pro', {
        orderId: 'b111aaaa-0000-4000-8000-000000000002',
        subscriptionId: DEMO_SUBSCRIPTIONS.powerBiPro,
        quantity: 1,
        unitPrice: '10.00',
      }),
    );
    const world = sandbox.billing.world;
    world.issuePartnerInvoice('2026-05');
    // The seed's own May purchases (made in the portal, not here) leave the invoice: what stays
    // are the recurring charges, which match the subscriptions, and the lines planted below.
    world.removeRows(MAY_INVOICE, (row) => row.CustomerId === DEMO_TENANT_ID && !['cycleCharge', 'renew'].includes(String(row.ChargeType)));
    const e3 = DEMO_OFFERS.m365E3;
    const line = (orderId: string, unitPrice: number, quantity: number) => ({
      CustomerId: DEMO_TENANT_ID,
      OrderId: orderId,
      SubscriptionId: DEMO_SUBSCRIPTIONS.m365E3,
      ProductId: e3.productId,
      SkuId: e3.skuId,
      AvailabilityId: e3.availabilityId,
      ProductName: 'Microsoft 365 E3',
      SkuName: 'Microsoft 365 E3',
      ChargeType: 'addQuantity',
      UnitPrice: unitPrice,
      EffectiveUnitPrice: unitPrice,
      Quantity: quantity,
      BillableQuantity: quantity,
      Subtotal: unitPrice * quantity,
      TaxTotal: 0,
      ChargeStartDate: '2026-05-12T00:00:00Z',
    });
    world.addRow(MAY_INVOICE, line('b111aaaa-0000-4000-8000-000000000001', 38, 2)); // ordered at 36.00
    world.addRow(MAY_INVOICE, line('b111aaaa-0000-4000-8000-0000000000ff', 36, 3)); // nobody ordered it here

    const first = await invoices.refresh([DEMO_TENANT_ID], NOW);
    expect(first.problems).toEqual([]);
    const found = await invoices.reconciliation(ADMIN, 'partner-center', MAY_INVOICE);
    if (!found.ok) throw new Error(found.message);
    const findings = found.notice.findings;
    expect(findings.map((f) => f.kind)).toEqual(['price-difference', 'unexpected', 'missing']);
    expect(findings[0]).toMatchObject({
      orderId: 'b111aaaa-0000-4000-8000-000000000001',
      requestId: 'REQ-BILL0001',
      expectedUnitPrice: '36.00 USD',
      billedUnitPrice: '38.00 USD',
      difference: { amount: '4.00', currency: 'USD' },
    });
    expect(findings[1]).toMatchObject({ orderId: 'b111aaaa-0000-4000-8000-0000000000ff', amount: { amount: '108.00', currency: 'USD' } });
    expect(findings[2]).toMatchObject({ requestId: 'REQ-BILL0002', amount: { amount: '10.00', currency: 'USD' } });

    // The other instance runs the daily job again: nothing is read twice, nothing changes.
    const again = await b.qm.billing!.invoices.refresh([DEMO_TENANT_ID], NOW);
    expect(again.reconciled).toBe(0);
    const stored = await b.qm.billing!.invoices.reconciliation(ADMIN, 'partner-center', MAY_INVOICE);
    expect(stored.ok && stored.notice.findings).toEqual(findings);
  }, 120_000);

  it('splits May into departments from licenses and Azure/AWS tags; owners and unallocated add up to the total to the cent', async () => {
    const base = { tenantId: DEMO_TENANT_ID, state: 'connected' as const, connectedAt: '2026-03-01T09:00:00.000Z', connectedBy: 'admin' };
    const save = (connection: Omit<NewConnection, keyof typeof base>, secret?: AwsCredentialInput) =>
      a.qm.connectionStore.save({ ...base, ...connection }, secret && JSON.stringify(secret));
    await save({
      id: `azure:subscriptions/${AZURE_SUBSCRIPTIONS.production}`,
      kind: 'azure',
      label: `subscriptions/${AZURE_SUBSCRIPTIONS.production}`,
      details: { scope: `subscriptions/${AZURE_SUBSCRIPTIONS.production}`, tagKey: AZURE_TAG_KEY },
    });
    await save(
      {
        id: `aws:${AWS_ACCOUNTS.main}`,
        kind: 'aws',
        label: AWS_ACCOUNTS.main,
        details: { accountId: AWS_ACCOUNTS.main, credentialKind: 'access-key', tagKey: 'CostCenter' },
      },
      { kind: 'access-key', accessKeyId: AWS_SANDBOX_KEYS.reader.accessKeyId, secretAccessKey: AWS_SANDBOX_KEYS.reader.secretAccessKey },
    );
    const synced = await a.qm.spend.sync.syncTenant(DEMO_TENANT_ID, { now: NOW });
    expect(synced.connections.every((c) => c.ok)).toBe(true);

    const owners = a.qm.billing!.owners;
    // Until an admin edits them, the owners are the directory's departments; these get tags and recipients.
    const defaults = (await owners.owners(DEMO_TENANT_ID)).owners;
    for (const input of [
      { name: 'Marketing', departments: 'Marketing', tags: 'CostCenter=platform', recipients: DEMO_USERS.megan.userPrincipalName },
      { name: 'Retail', departments: 'Retail', tags: `${AZURE_TAG_KEY}=production`, recipients: DEMO_USERS.adele.userPrincipalName },
      { name: 'Operations', departments: 'Operations', tags: 'CostCenter=analytics' },
    ]) {
      const saved = await owners.save(ADMIN, defaults.find((o) => o.name === input.name)?.id, input);
      expect(saved.ok, JSON.stringify(saved)).toBe(true);
    }

    const { stored } = await a.qm.billing!.chargeback.compute(DEMO_TENANT_ID, '2026-05');
    const usd = stored.currencies.find((c) => c.currency === 'USD')!;
    const byName = new Map(usd.owners.map((o) => [o.name, o] as const));
    for (const name of ['Marketing', 'Retail', 'Operations']) expect(toMinor(byName.get(name)!.total)).toBeGreaterThan(0n);
    const details = await new ChargebackStore(a.qm.store).details(DEMO_TENANT_ID, '2026-05');
    const marketing = details.filter((d) => d.ownerId === byName.get('Marketing')!.ownerId);
    expect(marketing.some((d) => d.kind === 'license')).toBe(true);
    expect(marketing.some((d) => d.kind === 'cloud' && d.item.startsWith('AWS'))).toBe(true);
    const retail = details.filter((d) => d.ownerId === byName.get('Retail')!.ownerId);
    expect(retail.some((d) => d.kind === 'cloud' && d.item.startsWith('Azure'))).toBe(true);
    // Every cent of the total is somewhere: an owner's total or the unallocated figure.
    const parts = [...usd.owners.map((o) => o.total), usd.unallocated.total];
    expect(parts.reduce((sum, part) => add(sum, part), fromMinor(0n, 'USD'))).toEqual(usd.total);
    // And each owner's total is the sum of its detail lines.
    for (const owner of usd.owners) {
      const lines = details.filter((d) => d.ownerId === owner.ownerId && d.amount.currency === 'USD').map((d) => d.amount);
      expect(lines.reduce((sum, part) => add(sum, part), fromMinor(0n, 'USD'))).toEqual(owner.total);
    }
  }, 120_000);

  it('sends each owner one statement and each admin one summary on the first working day, across instances', async () => {
    const firstWorkingDay = new Date('2026-06-01T08:15:00Z'); // a Monday: May's statements
    const runs = await Promise.all([a, b, a, b].map((i) => i.qm.billing!.chargeback.sendStatements([DEMO_TENANT_ID], firstWorkingDay)));
    expect(runs.every((r) => !r.skipped)).toBe(true);
    await Promise.all([a.drain(), b.drain()]);
    const cardsTo = (user: TestUser, template: string) =>
      a.sentTo(user).filter((activity) => activity.attachments?.some((at: any) => JSON.stringify(at.content).includes(template)));
    expect(cardsTo(DEMO.megan, 'Marketing')).toHaveLength(1);
    expect(cardsTo(DEMO.adele, 'Retail')).toHaveLength(1);
    for (const admin of [DEMO.patti, DEMO.alex]) expect(cardsTo(admin, 'Chargeback')).toHaveLength(1);
    // A later tick the same day, and the next day, send nothing more.
    await a.qm.billing!.chargeback.sendStatements([DEMO_TENANT_ID], new Date('2026-06-01T11:00:00Z'));
    expect((await b.qm.billing!.chargeback.sendStatements([DEMO_TENANT_ID], new Date('2026-06-02T08:15:00Z'))).skipped).toBe(true);
    await a.drain();
    expect(cardsTo(DEMO.megan, 'Marketing')).toHaveLength(1);
  }, 60_000);

  it('answers `invoices` with the invoice cards and offers the document through file consent in the 1:1 chat', async () => {
    const chat = a.personalChat(DEMO.patti);
    const replies = await chat.say('invoices');
    const cards = replies.filter((r) => r.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive');
    expect(cards.map((c) => JSON.stringify(c.attachments[0].content))).toEqual(
      expect.arrayContaining([expect.stringContaining(MAY_INVOICE)]),
    );
    const offered = await chat.click('invoiceFile', { source: 'partner-center', invoiceId: MAY_INVOICE });
    expect(offered.status).toBe(200);
    const consent = offered.sent.find((s) => s.attachments?.[0]?.contentType === 'application/vnd.microsoft.teams.card.file.consent');
    // A customer's share of the partner's invoice: its own lines (the partner's PDF is the partner's).
    expect(consent?.attachments[0].name).toBe(`Invoice_${MAY_INVOICE}_lines.csv`);
    expect(consent?.attachments[0].content.sizeInBytes).toBeGreaterThan(0);
    // In a channel the file cannot come; the card says where it can.
    const inChannel = await a.channel(DEMO.patti).click('invoiceFile', { source: 'partner-center', invoiceId: MAY_INVOICE });
    expect(JSON.stringify(inChannel.body)).toContain('1:1 chat');
  }, 60_000);

  it("stores the Azure plans' unbilled daily usage as FOCUS cost rows, once", async () => {
    const first = await a.qm.billing!.usage.sync([DEMO_TENANT_ID], NOW);
    expect(first.problems).toEqual([]);
    expect(first.rowsWritten).toBeGreaterThan(0);
    const rows = (await a.qm.spend.rows.rows(DEMO_TENANT_ID, { from: '2026-06-01', to: '2026-06-17' })).filter((r) =>
      r.BillingAccountId.startsWith('csp:'),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).toMatchObject({ ServiceProviderName: 'Microsoft', HostProviderName: 'Microsoft', BillingCurrency: 'USD' });
      expect(row.BilledCost).toMatch(/^\d+\.\d{2}$/);
    }
    // The other instance syncing the same day writes nothing new.
    expect((await b.qm.billing!.usage.sync([DEMO_TENANT_ID], NOW)).rowsWritten).toBe(0);
  }, 60_000);

  it('alerts a budget over the Azure plan and a spike in its usage once each, from CSP usage alone', async () => {
    const saved = await a.personalChat(DEMO.patti).click('saveBudget', {
      budgetId: '',
      etag: '',
      name: 'Azure plan',
      provider: 'azure',
      account: CSP_AZURE_PLAN.entitlementId,
      amount: '300',
      currency: 'USD',
      period: 'month',
      thresholds: '50,100',
    });
    expect(cardText(saved.body.value)).toContain('Budget "Azure plan" saved.');
    // Virtual Machines cost about 28 USD a day; on the 15th they cost 400 USD more.
    const vm = CSP_USAGE_LEVELS.find((level) => level.meterCategory === 'Virtual Machines')!;
    sandbox.billing.world.plantUsage('2026-06-15', vm, '400.00');

    const [first, second] = await Promise.all([
      a.qm.billing!.usage.sync([DEMO_TENANT_ID], NOW),
      b.qm.billing!.usage.sync([DEMO_TENANT_ID], NOW),
    ]);
    expect([...first.problems, ...second.problems]).toEqual([]);
    await Promise.all([a.drain(), b.drain()]);
    const alerts = () => a.sentTo(DEMO.patti).map((activity) => cardText(activity));
    const budgetAlerts = alerts().filter((text) => text.startsWith('Azure plan: spend reached'));
    // (The AWS account connected for chargeback carries its own planted spike; this one is the plan's.)
    const spikes = alerts().filter((text) => text.startsWith('Spend spike: Virtual Machines on Azure'));
    // June 1 to 16 of about 36 USD a day plus the spike: past 100 % of 300 USD; one alert, the highest.
    expect(budgetAlerts).toHaveLength(1);
    expect(budgetAlerts[0]).toContain('Azure plan: spend reached 100 % of the budget');
    expect(spikes).toHaveLength(1);
    expect(spikes[0]).toContain('Virtual Machines');
    expect(spikes[0]).toContain(CSP_AZURE_PLAN.entitlementId);

    // Syncing again on either instance sends nothing more.
    await a.qm.billing!.usage.sync([DEMO_TENANT_ID], NOW);
    await b.qm.billing!.usage.sync([DEMO_TENANT_ID], NOW);
    await Promise.all([a.drain(), b.drain()]);
    expect(alerts().filter((text) => /^(Azure plan: |Spend spike: Virtual Machines on Azure)/.test(text))).toHaveLength(2);
  }, 60_000);
});
