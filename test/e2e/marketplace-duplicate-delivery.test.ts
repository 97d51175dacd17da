// A fulfilment job delivered twice at the same instant (two workers, or a redelivery that
// overtakes a slow first run) places one Marketplace order: the second run waits for the
// purchase lock, then sees the order the first one recorded and follows it instead.
import { testClock } from '../harness/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogOffer } from '../../src/connectors/ports.js';
import { OrderFollowUp } from '../../src/services/vendor-fulfilment.js';
import { DEMO_TENANT_ID, DEMO_USERS, MARKETPLACE_ITEMS } from '../../src/sandbox/index.js';
import type { StoredRequest } from '../../src/storage/requests.js';
import { BotHarness } from '../harness/bot-harness.js';

let harness: BotHarness;
beforeAll(async () => {
  // No workers: the test itself plays the two deliveries.
  harness = await BotHarness.start({}, { startWorkers: false, sandboxOptions: { marketplace: { stepDelayMs: 50 } } });
});
afterAll(async () => {
  await harness?.stop();
});

const MIRO: CatalogOffer = {
  offerId: `mkt:${MARKETPLACE_ITEMS.miroBusiness}`,
  productId: MARKETPLACE_ITEMS.miroBusiness,
  skuId: MARKETPLACE_ITEMS.miroBusiness,
  availabilityId: '',
  name: 'Miro Business',
  skuPartNumber: `MKT:${MARKETPLACE_ITEMS.miroBusiness}`,
  unitPrice: { amount: '17.60', currency: 'USD' },
  termDuration: 'P1M',
  billingCycle: 'monthly',
  provider: 'marketplace',
  vendor: 'Miro',
  assignment: 'vendor',
};
const miroOrders = () =>
  [...harness.sandbox.marketplace.orders.values()].filter(
    (o) => o.customerId === DEMO_TENANT_ID && o.lines.some((l) => l.itemId === MARKETPLACE_ITEMS.miroBusiness),
  );

describe('one fulfilment job delivered twice at once', () => {
  it('places one order, and both runs end with the seat assigned', async () => {
    const at = testClock().toISOString();
    const request: StoredRequest = {
      id: 'REQ-D0B1E000',
      tenantId: DEMO_TENANT_ID,
      requester: { aadObjectId: DEMO_USERS.isaiah.id, name: 'Isaiah Langer' },
      beneficiary: { id: DEMO_USERS.isaiah.id, upn: DEMO_USERS.isaiah.userPrincipalName, name: 'Isaiah Langer' },
      product: { offerId: MIRO.offerId, productId: MIRO.productId, name: MIRO.name, skuPartNumber: MIRO.skuPartNumber },
      quantity: 1,
      unitPrice: MIRO.unitPrice,
      justification: 'Workshops',
      status: 'fulfilling',
      stageIndex: 0,
      stages: [],
      decisions: [],
      createdAt: at,
      updatedAt: at,
      fulfilment: { commerceRequestId: '7d0b1e00-0000-4000-8000-000000000001' },
    };
    await harness.qm.requests.create(request);
    const vendor = harness.qm.marketplace!.vendor;
    // Each delivery reads the request as the queue handed it over: neither has an order yet.
    const runUntilDone = async () => {
      for (let i = 0; i < 40; i++) {
        const current = (await harness.qm.requests.get(DEMO_TENANT_ID, request.id))!.value;
        try {
          return await vendor.fulfil(i === 0 ? structuredClone(request) : current, MIRO);
        } catch (error) {
          if (!(error instanceof OrderFollowUp) && !(error instanceof Error && /in progress/.test(error.message))) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      throw new Error('the order did not complete');
    };
    const outcomes = await Promise.all([runUntilDone(), runUntilDone()]);
    expect(miroOrders()).toHaveLength(1);
    expect(outcomes).toHaveLength(2);
    const seats = [...harness.sandbox.marketplace.subscriptions.values()].filter(
      (s) => s.itemId === MARKETPLACE_ITEMS.miroBusiness && s.customerId === DEMO_TENANT_ID,
    );
    expect(
      seats.flatMap((s) => s.assignedEmails.filter((e) => e.toLowerCase() === DEMO_USERS.isaiah.userPrincipalName.toLowerCase())),
    ).toHaveLength(1);
  });
});
