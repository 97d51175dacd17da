// Delegated units: quota arithmetic, plan restrictions, and who the unit's decisions belong to.
import { describe, expect, it } from 'vitest';
import {
  choosePlans,
  describeQuota,
  disabledPlanIds,
  fitsQuota,
  isUnitAdmin,
  newlyOver,
  parseSeats,
  quotaState,
  unitFor,
  unitIdOf,
  validateUnitInput,
  type LicenseUnit,
  type UnitQuota,
} from '../../src/domain/license-units.js';
import { decide, escalateOverQuota, type LicenseRequest, type ResolvedStage } from '../../src/domain/request.js';

const VISIO_PLANS = [
  { id: '663a804f-1c30-4ff0-9915-9db84f0d1cea', name: 'VISIO_CLIENT_SUBSCRIPTION' },
  { id: '2bdbaf8f-738f-4ac7-9234-3c3ee2ce7d0f', name: 'VISIOONLINE' },
];
const visio: UnitQuota = {
  productId: 'CFQ7TTC0HD33',
  productName: 'Visio Plan 2',
  skuPartNumber: 'VISIOCLIENT',
  seats: 2,
  disabledPlans: [VISIO_PLANS[0]!],
};
const unit = (id: string, name: string, quotas: UnitQuota[] = [visio], adminIds = ['adele']): LicenseUnit => ({
  id,
  name,
  source: { kind: 'department', value: name },
  adminIds,
  adminNames: adminIds,
  quotas,
});

describe('quota arithmetic', () => {
  it('counts held and promised seats as used, never shows a negative free count', () => {
    expect(quotaState({ seats: 5, held: 2, promised: 1 })).toEqual({ seats: 5, held: 2, promised: 1, used: 3, free: 2, over: 0 });
    expect(quotaState({ seats: 2, held: 3, promised: 1 })).toMatchObject({ used: 4, free: 0, over: 2 });
    expect(describeQuota(quotaState({ seats: 5, held: 2, promised: 1 }))).toBe('3 of 5 used, 2 left');
    expect(describeQuota(quotaState({ seats: 2, held: 3, promised: 0 }))).toBe('3 of 2 used, over by 1');
  });

  it('fits a request up to the last free seat, and says why one more does not fit', () => {
    const sales = unit('sales', 'Sales');
    const fits = fitsQuota(sales, visio, { seats: 2, held: 1, promised: 0 }, 1);
    expect(fits).toEqual({ ok: true, after: quotaState({ seats: 2, held: 1, promised: 1 }) });
    const over = fitsQuota(sales, visio, { seats: 2, held: 1, promised: 1 }, 1);
    expect(over).toEqual({ ok: false, reason: '1 more would exceed the Sales quota of 2 Visio Plan 2 (2 used, 0 left)' });
    expect(fitsQuota(sales, { ...visio, seats: 0 }, { seats: 0, held: 0, promised: 0 }, 1).ok).toBe(false);
    expect(fitsQuota(sales, visio, { seats: 2, held: 0, promised: 0 }, 3).ok).toBe(false);
  });

  it('reports a quota only when it goes over, not again while it stays over', () => {
    const over = quotaState({ seats: 1, held: 2, promised: 0 });
    const under = quotaState({ seats: 1, held: 1, promised: 0 });
    expect(newlyOver({}, { visio: over, e3: under })).toEqual(['visio']);
    expect(newlyOver({ visio: 1 }, { visio: over })).toEqual([]);
    expect(newlyOver({ visio: 0 }, { visio: over })).toEqual(['visio']);
  });
});

describe('plan restrictions', () => {
  it('takes plans by name or id, once each, and gives the ids to disable', () => {
    const chosen = choosePlans(' visio_client_subscription, 663a804f-1c30-4ff0-9915-9db84f0d1cea ', VISIO_PLANS, 'Visio Plan 2');
    expect(chosen).toEqual({ ok: true, plans: [VISIO_PLANS[0]] });
    expect(choosePlans('', VISIO_PLANS, 'Visio Plan 2')).toEqual({ ok: true, plans: [] });
    expect(disabledPlanIds(unit('sales', 'Sales'), 'cfq7ttc0hd33')).toEqual([VISIO_PLANS[0]!.id]);
    expect(disabledPlanIds(unit('sales', 'Sales'), 'OTHER')).toEqual([]);
    expect(disabledPlanIds(undefined, visio.productId)).toEqual([]);
  });

  it('refuses a plan the license does not have, and switching every plan off', () => {
    const unknown = choosePlans('EXCHANGE_S_ENTERPRISE', VISIO_PLANS, 'Visio Plan 2');
    expect(unknown).toEqual({
      ok: false,
      message: 'Visio Plan 2 has no service plan called "EXCHANGE_S_ENTERPRISE". Its plans: VISIO_CLIENT_SUBSCRIPTION, VISIOONLINE.',
    });
    expect(choosePlans('VISIOONLINE, VISIO_CLIENT_SUBSCRIPTION', VISIO_PLANS, 'Visio Plan 2')).toEqual({
      ok: false,
      message: "Leave at least one of Visio Plan 2's service plans on.",
    });
  });
});

describe('units', () => {
  it("finds the person's unit that has a quota for the product, by name when several do", () => {
    const units = [unit('sales', 'Sales'), unit('emea', 'EMEA'), unit('retail', 'Retail', [])];
    expect(unitFor(units, ['sales', 'emea'], 'CFQ7TTC0HD33')?.id).toBe('emea');
    expect(unitFor(units, ['retail'], 'CFQ7TTC0HD33')).toBeUndefined();
    expect(unitFor(units, ['sales'], 'OTHER')).toBeUndefined();
    expect(isUnitAdmin(units[0]!, 'ADELE')).toBe(true);
    expect(isUnitAdmin(units[0]!, 'megan')).toBe(false);
  });

  it('checks what an admin typed: names, kinds, object ids, sign-in names, seats', () => {
    expect(
      validateUnitInput({ name: ' Sales ', kind: 'department', value: 'Sales', admins: 'AdeleV@example.com, adelev@example.com' }),
    ).toEqual({
      ok: true,
      value: { name: 'Sales', source: { kind: 'department', value: 'Sales' }, adminUpns: ['adelev@example.com'] },
    });
    expect(validateUnitInput({ name: 'X', kind: 'group', value: 'not-a-guid', admins: 'a@b.co' })).toEqual({
      ok: false,
      errors: { value: "Enter the group's object id (a GUID)." },
    });
    expect(validateUnitInput({ name: '<b>x</b>', kind: 'team', value: '', admins: 'nobody' }).ok).toBe(false);
    expect(validateUnitInput({ name: 'Sales', kind: 'department', value: 'Sales', admins: 'adele' })).toEqual({
      ok: false,
      errors: { admins: 'List sign-in names like megan@contoso.com, separated by commas.' },
    });
    expect(parseSeats('20')).toEqual({ ok: true, seats: 20 });
    expect(parseSeats(0)).toEqual({ ok: true, seats: 0 });
    expect(parseSeats('-1').ok).toBe(false);
    expect(parseSeats('2.5').ok).toBe(false);
    expect(unitIdOf('Sales EMEA & Co')).toBe('sales-emea-co');
  });
});

describe('escalating over quota', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const unitStage: ResolvedStage = { kind: 'unit', label: 'Sales license admins', approverIds: ['adele'] };
  const request: LicenseRequest = {
    id: 'REQ-1',
    tenantId: 't1',
    requester: { aadObjectId: 'isaiah', name: 'Isaiah' },
    beneficiary: { id: 'isaiah', upn: 'isaiah@example.com', name: 'Isaiah' },
    product: { offerId: 'o', productId: visio.productId, name: 'Visio Plan 2', skuPartNumber: 'VISIOCLIENT' },
    quantity: 1,
    unitPrice: { amount: '15.00', currency: 'USD' },
    justification: '',
    status: 'pending',
    stageIndex: 0,
    stages: [unitStage],
    decisions: [],
    unit: { id: 'sales', name: 'Sales', quota: { seats: 2, used: 1 }, disabledPlans: [], disabledPlanNames: [] },
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const admins: ResolvedStage = {
    kind: 'admins',
    label: 'Admins (over the Sales quota)',
    approverIds: ['alex'],
    fallback: true,
    escalation: '1 more would exceed the Sales quota',
  };

  it("hands the unit's step to the admins with the reason, keeping the approval in the history", () => {
    const escalated = escalateOverQuota(request, { actorId: 'adele', actorName: 'Adele', stageIndex: 0, now }, admins, {
      seats: 2,
      used: 2,
    });
    expect(escalated.ok).toBe(true);
    if (!escalated.ok) return;
    expect(escalated.event).toBe('escalated');
    expect(escalated.request).toMatchObject({ status: 'pending', stageIndex: 0, stages: [admins], unit: { quota: { seats: 2, used: 2 } } });
    expect(escalated.request.decisions[0]).toMatchObject({ approverId: 'adele', decision: 'approve' });
    // The admin now decides; the unit admin no longer can.
    expect(decide(escalated.request, { actorId: 'adele', actorName: 'Adele', decision: 'approve', stageIndex: 0, now }).ok).toBe(false);
    expect(decide(escalated.request, { actorId: 'alex', actorName: 'Alex', decision: 'approve', stageIndex: 0, now })).toMatchObject({
      ok: true,
      event: 'approved',
    });
  });

  it("refuses an escalation by someone who is not the step's approver", () => {
    const forged = escalateOverQuota(request, { actorId: 'megan', actorName: 'Megan', stageIndex: 0, now }, admins, { seats: 2, used: 2 });
    expect(forged).toMatchObject({ ok: false, reason: 'not-an-approver' });
  });
});
