// Settling a request that stopped while holding a subscription's purchase lock: its change
// landed or it did not, read from the seat count, for increases (licenses, added seats) and
// decreases (an admin removing seats).
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { settleAbandonedPurchase } from '../../src/services/purchase-settlement.js';
import { RequestRepository, type StoredRequest } from '../../src/storage/requests.js';
import { freshTableStore } from '../harness/storage.js';

const TENANT = 'dddddddd-0000-4000-8000-000000000001';
const log = createLogger('silent');
let requests: RequestRepository;

beforeAll(async () => {
  const store = await freshTableStore('ps');
  requests = new RequestRepository(store);
});

async function stored(id: string, fulfilment: StoredRequest['fulfilment']): Promise<void> {
  const at = '2026-11-22T10:00:00.000Z';
  await requests.create({
    id,
    tenantId: TENANT,
    requester: { aadObjectId: 'a1', name: 'A' },
    beneficiary: { id: `person-${id}`, upn: 'a@example.com', name: 'A' },
    product: { offerId: 'P:S:A', productId: 'P', name: 'Visio Plan 2', skuPartNumber: 'VISIOCLIENT' },
    quantity: 1,
    unitPrice: { amount: '15.00', currency: 'USD' },
    justification: '',
    status: 'fulfilling',
    stageIndex: 0,
    stages: [],
    decisions: [],
    createdAt: at,
    updatedAt: at,
    ...(fulfilment && { fulfilment }),
  });
}
const fulfilmentOf = async (id: string) => (await requests.get(TENANT, id))?.value.fulfilment;

describe('settling an abandoned purchase', () => {
  it('marks an increase that landed as purchased, so its retry does not buy again', async () => {
    await stored('REQ-00000001', { commerceRequestId: 'x', targetQuantity: 6 });
    await settleAbandonedPurchase(requests, TENANT, { holder: 'REQ-00000001', base: 5, target: 6 }, 6, log);
    expect(await fulfilmentOf('REQ-00000001')).toEqual({ commerceRequestId: 'x', targetQuantity: 6, purchased: true });
  });

  it('clears the target of an increase that did not land, so its retry reads the count afresh', async () => {
    await stored('REQ-00000002', { commerceRequestId: 'x', targetQuantity: 6 });
    await settleAbandonedPurchase(requests, TENANT, { holder: 'REQ-00000002', base: 5, target: 6 }, 5, log);
    expect(await fulfilmentOf('REQ-00000002')).toEqual({ commerceRequestId: 'x' });
  });

  it('reads a decrease the other way round', async () => {
    await stored('REQ-00000003', { commerceRequestId: 'x' });
    await settleAbandonedPurchase(requests, TENANT, { holder: 'REQ-00000003', base: 7, target: 5 }, 5, log);
    expect((await fulfilmentOf('REQ-00000003'))?.purchased).toBe(true);
    await stored('REQ-00000004', { commerceRequestId: 'x' });
    await settleAbandonedPurchase(requests, TENANT, { holder: 'REQ-00000004', base: 7, target: 5 }, 7, log);
    expect((await fulfilmentOf('REQ-00000004'))?.purchased).toBeUndefined();
  });

  it('leaves a holder that had not decided anything alone', async () => {
    await stored('REQ-00000005', { commerceRequestId: 'x', targetQuantity: 9 });
    await settleAbandonedPurchase(requests, TENANT, { holder: 'REQ-00000005', base: -1, target: -1 }, 9, log);
    expect(await fulfilmentOf('REQ-00000005')).toEqual({ commerceRequestId: 'x', targetQuantity: 9 });
  });
});
