import { describe, expect, it } from 'vitest';
import {
  defaultPolicies,
  evaluatePolicy,
  limitsForProduct,
  orderPolicies,
  validatePolicy,
  type ApprovalPolicy,
  type PolicyInput,
} from '../../src/domain/policy.js';

const [defaultPolicy] = defaultPolicies('USD', { approverGroupId: 'grp-approvers' });
if (!defaultPolicy) throw new Error('no default policy');
const policies = [defaultPolicy];
const usd = (amount: string) => ({ amount, currency: 'USD' });
const input = (overrides: Partial<PolicyInput> = {}): PolicyInput => ({
  productId: 'VISIO',
  monthlyCost: usd('15.00'),
  freeSeats: 3,
  quantity: 1,
  ...overrides,
});

describe('the seeded default policy', () => {
  it('is what the issue describes', () => {
    expect(defaultPolicy).toEqual({
      id: 'default',
      name: 'Default',
      priority: 1000,
      match: {},
      autoApprove: { requireFreeSeat: true, maxMonthlyCost: '50' },
      stages: [
        { approver: { kind: 'manager' } },
        { approver: { kind: 'group', groupId: 'grp-approvers', groupName: 'License approvers' }, onlyAboveMonthlyCost: '200' },
      ],
      maxQuantity: 25,
      requireJustification: true,
      allowPurchase: true,
      currency: 'USD',
    });
    expect(validatePolicy(defaultPolicy).ok).toBe(true);
  });

  it('takes other thresholds and names', () => {
    const [custom] = defaultPolicies('eur', {
      approverGroupId: 'g',
      approverGroupName: 'IT',
      autoApproveBelow: '20',
      secondStageAbove: '100',
      maxQuantity: 5,
    });
    expect(custom).toMatchObject({
      currency: 'EUR',
      autoApprove: { maxMonthlyCost: '20' },
      maxQuantity: 5,
      stages: [{}, { approver: { groupName: 'IT' }, onlyAboveMonthlyCost: '100' }],
    });
  });

  it('auto-approves with a free seat under 50 a month', () => {
    expect(evaluatePolicy(policies, input())).toEqual({ outcome: 'auto-approve', policy: defaultPolicy, needsPurchase: false });
    expect(evaluatePolicy(policies, input({ monthlyCost: usd('49.99') })).outcome).toBe('auto-approve');
  });

  it('treats 50 as not under 50 (the threshold is exclusive)', () => {
    const result = evaluatePolicy(policies, input({ monthlyCost: usd('50.00') }));
    expect(result).toMatchObject({ outcome: 'approval', stages: [{ approver: { kind: 'manager' } }] });
  });

  it('asks the manager when no seat is free, even when cheap', () => {
    expect(evaluatePolicy(policies, input({ freeSeats: 0 }))).toMatchObject({
      outcome: 'approval',
      needsPurchase: true,
      stages: [{ approver: { kind: 'manager' } }],
    });
  });

  it('needs enough free seats for the whole quantity', () => {
    expect(evaluatePolicy(policies, input({ quantity: 2, freeSeats: 1, monthlyCost: usd('30') }))).toMatchObject({
      outcome: 'approval',
      needsPurchase: true,
    });
    expect(evaluatePolicy(policies, input({ quantity: 2, freeSeats: 2, monthlyCost: usd('30') }))).toMatchObject({
      outcome: 'auto-approve',
      needsPurchase: false,
    });
  });

  it('adds the License approvers stage only above 200 a month', () => {
    const at200 = evaluatePolicy(policies, input({ monthlyCost: usd('200.00'), quantity: 10 }));
    expect(at200.outcome === 'approval' && at200.stages).toHaveLength(1);
    const above = evaluatePolicy(policies, input({ monthlyCost: usd('200.01'), quantity: 10 }));
    expect(above).toMatchObject({
      outcome: 'approval',
      stages: [{ approver: { kind: 'manager' } }, { approver: { kind: 'group', groupId: 'grp-approvers' } }],
    });
  });

  it('refuses more than the maximum quantity', () => {
    expect(evaluatePolicy(policies, input({ quantity: 25, monthlyCost: usd('375') })).outcome).toBe('approval');
    expect(evaluatePolicy(policies, input({ quantity: 26, monthlyCost: usd('390') }))).toMatchObject({
      outcome: 'error',
      reason: 'quantity-above-maximum',
      message: expect.stringContaining('at most 25'),
    });
  });

  it('refuses a price in another currency, clearly', () => {
    const result = evaluatePolicy(policies, input({ monthlyCost: { amount: '15.00', currency: 'EUR' } }));
    expect(result).toMatchObject({ outcome: 'error', reason: 'currency-mismatch' });
    expect(result.outcome === 'error' && result.message).toBe(
      'The price is in EUR but the approval policy "Default" uses USD. Ask an admin to update the policy.',
    );
  });

  it('refuses a foreign currency even when the policy has no amounts', () => {
    const bare: ApprovalPolicy = { ...defaultPolicy, autoApprove: undefined, stages: [{ approver: { kind: 'manager' } }] };
    expect(evaluatePolicy([bare], input({ monthlyCost: { amount: '1', currency: 'GBP' } }))).toMatchObject({
      outcome: 'error',
      reason: 'currency-mismatch',
    });
  });

  it('turns a broken stored amount into an error result, not an exception', () => {
    const broken: ApprovalPolicy = { ...defaultPolicy, autoApprove: { requireFreeSeat: true, maxMonthlyCost: '1e3' } };
    expect(evaluatePolicy([broken], input())).toMatchObject({ outcome: 'error', reason: 'invalid-policy' });
  });
});

describe('choosing among policies', () => {
  const visioPolicy: ApprovalPolicy = {
    id: 'visio',
    name: 'Visio for everyone',
    priority: 10,
    match: { productIds: ['visio'] },
    autoApprove: { requireFreeSeat: false, maxMonthlyCost: '100' },
    stages: [{ approver: { kind: 'group', groupId: 'g-it', groupName: 'IT' } }],
    maxQuantity: 3,
    requireJustification: false,
    allowPurchase: true,
    currency: 'USD',
  };
  const expensive: ApprovalPolicy = {
    ...visioPolicy,
    id: 'expensive',
    name: 'Expensive',
    priority: 5,
    match: { minMonthlyCost: '500' },
    autoApprove: undefined,
    maxQuantity: 100,
  };

  it('takes the first match by priority, lower first', () => {
    const all = [defaultPolicy, visioPolicy, expensive];
    expect(orderPolicies(all).map((p) => p.id)).toEqual(['expensive', 'visio', 'default']);
    expect(evaluatePolicy(all, input({ freeSeats: 0 }))).toMatchObject({
      outcome: 'auto-approve',
      policy: { id: 'visio' },
      needsPurchase: true,
    });
    expect(evaluatePolicy(all, input({ productId: 'E3', monthlyCost: usd('36') }))).toMatchObject({ policy: { id: 'default' } });
  });

  it('matches product ids case-insensitively, and min cost inclusively', () => {
    expect(evaluatePolicy([visioPolicy], input({ productId: 'VISIO' })).outcome).toBe('auto-approve');
    const all = [defaultPolicy, expensive];
    expect(evaluatePolicy(all, input({ productId: 'E3', monthlyCost: usd('500.00'), quantity: 14 }))).toMatchObject({
      policy: { id: 'expensive' },
    });
    expect(evaluatePolicy(all, input({ productId: 'E3', monthlyCost: usd('499.99'), quantity: 14 }))).toMatchObject({
      policy: { id: 'default' },
    });
  });

  it('keeps list order for equal priorities', () => {
    const a = { ...visioPolicy, id: 'a', priority: 1 };
    const b = { ...visioPolicy, id: 'b', priority: 1 };
    expect(evaluatePolicy([a, b], input())).toMatchObject({ policy: { id: 'a' } });
    expect(evaluatePolicy([b, a], input())).toMatchObject({ policy: { id: 'b' } });
  });

  it('says so when no policy matches', () => {
    expect(evaluatePolicy([visioPolicy], input({ productId: 'E3' }))).toMatchObject({
      outcome: 'error',
      reason: 'no-matching-policy',
      message: expect.stringContaining('Ask an admin'),
    });
    expect(evaluatePolicy([], input())).toMatchObject({ outcome: 'error', reason: 'no-matching-policy' });
  });

  it('refuses up front when seats must be bought and the policy forbids it', () => {
    const noBuy = { ...defaultPolicy, allowPurchase: false };
    expect(evaluatePolicy([noBuy], input({ freeSeats: 0 }))).toMatchObject({
      outcome: 'error',
      reason: 'purchase-not-allowed',
      message: expect.stringContaining('are 0 free seats'),
    });
    expect(evaluatePolicy([noBuy], input({ freeSeats: 1, quantity: 2, monthlyCost: usd('30') }))).toMatchObject({
      reason: 'purchase-not-allowed',
      message: expect.stringContaining('is 1 free seat'),
    });
    expect(evaluatePolicy([noBuy], input({ freeSeats: 1 })).outcome).toBe('auto-approve');
  });

  it('fails closed when no stage applies to the cost', () => {
    const gap: ApprovalPolicy = {
      ...defaultPolicy,
      autoApprove: undefined,
      stages: [{ approver: { kind: 'manager' }, onlyAboveMonthlyCost: '100' }],
    };
    expect(evaluatePolicy([gap], input())).toMatchObject({
      outcome: 'error',
      reason: 'no-applicable-stage',
      message: expect.stringContaining('15.00 USD / month'),
    });
  });

  it('never auto-approves a policy without autoApprove', () => {
    expect(evaluatePolicy([{ ...defaultPolicy, autoApprove: undefined }], input({ monthlyCost: usd('0.01') })).outcome).toBe('approval');
  });

  it('gives the form the loosest quantity and the strictest justification of the candidates', () => {
    expect(limitsForProduct([defaultPolicy, visioPolicy], 'visio')).toEqual({ maxQuantity: 25, requireJustification: true });
    expect(limitsForProduct([visioPolicy], 'visio')).toEqual({ maxQuantity: 3, requireJustification: false });
    expect(limitsForProduct([visioPolicy], 'e3')).toBeUndefined();
  });
});

describe('validating an admin-entered policy', () => {
  const valid = {
    id: 'p1',
    name: '  Cheap things  ',
    priority: 5,
    match: { productIds: ['VISIO'], minMonthlyCost: '0' },
    autoApprove: { requireFreeSeat: true, maxMonthlyCost: '20.5' },
    stages: [
      { approver: { kind: 'manager' } },
      { approver: { kind: 'group', groupId: 'g', groupName: 'Finance' }, onlyAboveMonthlyCost: '300' },
    ],
    maxQuantity: 10,
    requireJustification: false,
    allowPurchase: true,
    currency: 'usd',
  };

  it('accepts and normalizes a good policy', () => {
    const result = validatePolicy({ ...valid, unexpected: 'dropped' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.name).toBe('Cheap things');
    expect(result.value.currency).toBe('USD');
    expect(result.value.autoApprove?.maxMonthlyCost).toBe('20.50');
    expect(result.value.match.minMonthlyCost).toBe('0.00');
    expect(result.value.stages[1]?.onlyAboveMonthlyCost).toBe('300.00');
    expect(result.value.stages[0]).toEqual({ approver: { kind: 'manager' } });
    expect(result.value).not.toHaveProperty('unexpected');
  });

  it('reports each bad field by path, in plain English', () => {
    const result = validatePolicy({
      ...valid,
      name: '',
      priority: 1.5,
      maxQuantity: 0,
      currency: 'dollars',
      stages: [{ approver: { kind: 'group', groupId: '', groupName: 'X' } }],
      autoApprove: { requireFreeSeat: 'yes', maxMonthlyCost: '20' },
    });
    expect(result).toEqual({
      ok: false,
      errors: {
        name: 'The name is required.',
        priority: 'The priority must be a whole number.',
        maxQuantity: 'The maximum quantity must be at least 1.',
        currency: 'Use a three-letter currency code like USD.',
        'stages.0.approver.groupId': 'The group is required.',
        'autoApprove.requireFreeSeat': 'Choose yes or no.',
      },
    });
  });

  it('checks amounts in the policy currency', () => {
    const result = validatePolicy({
      ...valid,
      autoApprove: { requireFreeSeat: true, maxMonthlyCost: '1e3' },
      match: { minMonthlyCost: '-5' },
      stages: [{ approver: { kind: 'manager' } }, { approver: { kind: 'manager' }, onlyAboveMonthlyCost: '1.999' }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([
      'autoApprove.maxMonthlyCost',
      'match.minMonthlyCost',
      'stages.1.onlyAboveMonthlyCost',
    ]);
    expect(result.errors['stages.1.onlyAboveMonthlyCost']).toContain('at most 2 decimals');
  });

  it('requires a stage that applies to every cost', () => {
    expect(validatePolicy({ ...valid, stages: [] })).toEqual({ ok: false, errors: { stages: 'Add at least one approval stage.' } });
    const onlyConditional = validatePolicy({ ...valid, stages: [{ approver: { kind: 'manager' }, onlyAboveMonthlyCost: '10' }] });
    expect(onlyConditional.ok === false && onlyConditional.errors.stages).toContain('every cost');
  });

  it('rejects unknown approver kinds, oversized fields and non-objects', () => {
    expect(validatePolicy({ ...valid, stages: [{ approver: { kind: 'ceo' } }] })).toMatchObject({
      ok: false,
      errors: { 'stages.0.approver.kind': 'Choose the manager or an approver group.' },
    });
    expect(validatePolicy({ ...valid, name: 'x'.repeat(10_000) })).toMatchObject({
      ok: false,
      errors: { name: 'The name must be at most 100 characters.' },
    });
    expect(validatePolicy({ ...valid, stages: Array.from({ length: 6 }, () => ({ approver: { kind: 'manager' } })) })).toMatchObject({
      ok: false,
      errors: { stages: 'At most 5 stages.' },
    });
    expect(validatePolicy(null)).toMatchObject({ ok: false, errors: { policy: expect.any(String) } });
    expect(validatePolicy({})).toMatchObject({
      ok: false,
      errors: { id: 'The id is required.', maxQuantity: 'The maximum quantity is required.' },
    });
  });
});
