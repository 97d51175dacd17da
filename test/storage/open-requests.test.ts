// One open request per person and product, kept by a marker row written and removed in the
// same transaction as the request: concurrent submissions open one, closing frees it, and a
// marker left behind by a closed request does not block a new one.
import { testClock } from '../harness/clock.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlreadyOpenError, RequestRepository, type StoredRequest } from '../../src/storage/requests.js';
import { TableStore } from '../../src/storage/table-store.js';
import { TableRepository } from '../../src/storage/repository.js';
import { tenantPartition } from '../../src/storage/keys.js';
import { freshTableStore } from '../harness/storage.js';

const TENANT = 'eeeeeeee-0000-4000-8000-000000000001';
let store: TableStore;
let requests: RequestRepository;

beforeAll(async () => {
  store = await freshTableStore('or');
  requests = new RequestRepository(store);
});

let next = 0;
function request(person: string, fields: Partial<StoredRequest> = {}): StoredRequest {
  const at = testClock().toISOString();
  const id = `REQ-${(0xa0000000 + next++).toString(16).toUpperCase()}`;
  return {
    id,
    tenantId: TENANT,
    requester: { aadObjectId: person, name: person },
    beneficiary: { id: person, upn: `${person}@example.com`, name: person },
    product: { offerId: 'P:S:A', productId: 'CFQ7TTC0HD33', name: 'Visio Plan 2', skuPartNumber: 'VISIOCLIENT' },
    quantity: 1,
    unitPrice: { amount: '15.00', currency: 'USD' },
    justification: '',
    status: 'pending',
    stageIndex: 0,
    stages: [],
    decisions: [],
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}
const statusOf = async (id: string) => (await requests.get(TENANT, id))?.value.status;

/** Reaches the marker rows directly, as only a test should. */
class Markers extends TableRepository<{ OpenRequestId: string }> {
  constructor() {
    super(store, 'Requests');
  }
  put = (person: string, holder: string) =>
    this.putRow(tenantPartition(TENANT, 'requests'), `open|${person}|cfq7ttc0hd33`, { OpenRequestId: holder });
  remove = (person: string) => this.deleteRow(tenantPartition(TENANT, 'requests'), `open|${person}|cfq7ttc0hd33`);
}

describe('one open request per person and product', () => {
  it('lets one of several concurrent submissions open, and refuses the others with its id', async () => {
    const asks = Array.from({ length: 5 }, () => request('ann'));
    const results = await Promise.allSettled(asks.map((r) => requests.create(r)));
    const opened = asks.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(opened).toHaveLength(1);
    for (const refused of results.filter((r) => r.status === 'rejected')) {
      expect(refused.reason).toBeInstanceOf(AlreadyOpenError);
      expect(refused.reason.openRequestId).toBe(opened[0]!.id);
    }
    for (const ask of asks) expect(await statusOf(ask.id)).toBe(ask === opened[0] ? 'pending' : undefined);
  });

  it('is freed when the request closes, and stays taken while it moves between open statuses', async () => {
    const first = request('ben');
    await requests.create(first);
    await requests.mutate(TENANT, first.id, (r) => ({ ...r, status: 'approved' }));
    await expect(requests.create(request('ben'))).rejects.toBeInstanceOf(AlreadyOpenError);
    await requests.mutate(TENANT, first.id, (r) => ({ ...r, status: 'cancelled' }));
    const second = request('ben');
    await requests.create(second);
    expect(await statusOf(second.id)).toBe('pending');
  });

  it('is taken again when a closed request reopens, unless another request holds it', async () => {
    const failed = request('cat', { status: 'failed' });
    await requests.create(failed);
    const other = request('cat');
    await requests.create(other);
    await expect(requests.mutate(TENANT, failed.id, (r) => ({ ...r, status: 'approved' }))).rejects.toBeInstanceOf(AlreadyOpenError);
    expect(await statusOf(failed.id)).toBe('failed');
    await requests.mutate(TENANT, other.id, (r) => ({ ...r, status: 'rejected' }));
    await requests.mutate(TENANT, failed.id, (r) => ({ ...r, status: 'approved' }));
    await expect(requests.create(request('cat'))).rejects.toBeInstanceOf(AlreadyOpenError);
  });

  it('ignores a marker whose request is closed or gone, and closes a request whose marker is missing', async () => {
    const closed = request('dan', { status: 'completed' });
    await requests.create(closed);
    await new Markers().put('dan', closed.id); // left behind (a crash between two writes cannot do this; a hand edit can)
    const fresh = request('dan');
    await requests.create(fresh);
    await new Markers().remove('dan');
    await requests.mutate(TENANT, fresh.id, (r) => ({ ...r, status: 'completed' }));
    expect(await statusOf(fresh.id)).toBe('completed');
  });

  it('does not apply to subscription changes (an admin may have several)', async () => {
    const change = (id: string) =>
      request('eve', {
        id,
        change: {
          subscriptionId: 'sub-1',
          action: 'add-seats',
          before: { quantity: 1 },
          after: { quantity: 2 },
        } as unknown as StoredRequest['change'],
      });
    await requests.create(change('REQ-C0000001'));
    await requests.create(change('REQ-C0000002'));
    await requests.create(request('eve'));
    expect(await statusOf('REQ-C0000002')).toBe('pending');
  });
});

describe('seat holds: one row per request an automatic approval counted a free seat for, or buying seats for itself', () => {
  const VISIO = 'CFQ7TTC0HD33';
  const holdsOf = async () => (await requests.seatHolds(TENANT, VISIO)).map((h) => `${h.requestId}:${h.seats}:${h.skuPartNumber}`).sort();

  it('holds while approved or fulfilling, and lets go when the seat is assigned, on rejection or when sent back to people', async () => {
    const before = await holdsOf();
    const assigned = request('hal', { status: 'approved', seatReserved: true, quantity: 2 });
    const sentBack = request('ida', { status: 'approved', seatReserved: true });
    const ordinary = request('jon', { status: 'approved' });
    await Promise.all([assigned, sentBack, ordinary].map((r) => requests.create(r)));
    expect(await holdsOf()).toEqual([...before, `${assigned.id}:2:VISIOCLIENT`, `${sentBack.id}:1:VISIOCLIENT`].sort());

    await requests.mutate(TENANT, assigned.id, (r) => ({ ...r, status: 'fulfilling' }));
    expect(await holdsOf()).toContain(`${assigned.id}:2:VISIOCLIENT`);
    await requests.mutate(TENANT, assigned.id, (r) => ({ ...r, fulfilment: { commerceRequestId: 'x', assigned: true } }));
    await requests.mutate(TENANT, sentBack.id, (r) => ({ ...r, status: 'pending', seatReserved: false }));
    expect(await holdsOf()).toEqual(before);
  });

  it('holds the seats a request is buying for itself, from when the purchase is written down until they are assigned', async () => {
    const before = await holdsOf();
    const buying = request('lea', { status: 'fulfilling', quantity: 1 });
    await requests.create(buying);
    expect(await holdsOf()).toEqual(before); // approved by people: nothing counted on yet
    // The target is written down before the new quantity goes to Partner Center: from then on the
    // bought seat is this request's, and another request must not take it before it is assigned.
    await requests.mutate(TENANT, buying.id, (r) => ({
      ...r,
      fulfilment: { commerceRequestId: 'y', subscriptionId: 's', targetQuantity: 6 },
    }));
    expect(await holdsOf()).toEqual([...before, `${buying.id}:1:VISIOCLIENT`].sort());
    await requests.mutate(TENANT, buying.id, (r) => ({ ...r, fulfilment: { ...r.fulfilment!, purchased: true } }));
    expect(await holdsOf()).toContain(`${buying.id}:1:VISIOCLIENT`);
    await requests.mutate(TENANT, buying.id, (r) => ({ ...r, fulfilment: { ...r.fulfilment!, assigned: true } }));
    expect(await holdsOf()).toEqual(before);
  });

  it('closes a request whose hold row is missing (approved before holds were kept)', async () => {
    const legacy = request('kim', { status: 'approved' });
    await requests.create(legacy);
    // Marked as reserving afterwards without its row, as a request stored by an older version would be.
    await requests.mutate(TENANT, legacy.id, (r) => ({ ...r, seatReserved: true }));
    class Holds extends TableRepository<{ HeldBy: string }> {
      constructor() {
        super(store, 'Requests');
      }
      drop = () => this.deleteRow(tenantPartition(TENANT, 'requests'), `hold|${VISIO.toLowerCase()}|${legacy.id}`);
    }
    await new Holds().drop();
    await requests.mutate(TENANT, legacy.id, (r) => ({ ...r, status: 'completed' }));
    expect(await statusOf(legacy.id)).toBe('completed');
    expect((await holdsOf()).some((h) => h.startsWith(legacy.id))).toBe(false);
  });
});
