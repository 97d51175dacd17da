// The license settings' rules: defaults, the card's input, what changed, and the renewal count.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LICENSE_SETTINGS,
  renewalQuantity,
  settingsChanges,
  validateLicenseSettings,
  withApprovalSetting,
} from '../../src/domain/license-settings.js';
import { defaultPolicies, evaluatePolicy, reliesOnFreeSeat } from '../../src/domain/policy.js';

const form = { approvalRequired: 'required', autoPurchase: 'buy', autoDecrease: 'keep', decreaseDaysBeforeRenewal: '7' };

describe('license settings', () => {
  it("default to today's behaviour, and read the card's choices", () => {
    expect(validateLicenseSettings(form)).toEqual({ ok: true, value: DEFAULT_LICENSE_SETTINGS });
    expect(validateLicenseSettings({ ...form, autoPurchase: 'wait', decreaseDaysBeforeRenewal: 30 })).toMatchObject({
      ok: true,
      value: { autoPurchase: false, decreaseDaysBeforeRenewal: 30 },
    });
  });

  it('refuse what the card cannot send, per field, and give back what was sent', () => {
    const refused = validateLicenseSettings({
      ...form,
      approvalRequired: true,
      decreaseDaysBeforeRenewal: '0',
      autoDecrease: 'x'.repeat(500),
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(Object.keys(refused.errors).sort()).toEqual(['approvalRequired', 'autoDecrease', 'decreaseDaysBeforeRenewal']);
    expect(refused.values.autoDecrease).toHaveLength(40);
    expect(validateLicenseSettings(null).ok).toBe(false);
  });

  it('list only what changed', () => {
    expect(settingsChanges(DEFAULT_LICENSE_SETTINGS, { ...DEFAULT_LICENSE_SETTINGS, autoPurchase: false })).toEqual({
      autoPurchase: { before: true, after: false },
    });
  });

  it('waive approvers within policy only, and such an approval never counts on free seats', () => {
    const policies = defaultPolicies('USD', { approverGroupId: 'g' });
    const input = { productId: 'p', monthlyCost: { amount: '300', currency: 'USD' }, freeSeats: 5, quantity: 1 };
    const waived = withApprovalSetting(evaluatePolicy(policies, input), { approvalRequired: false });
    expect(waived).toMatchObject({ outcome: 'auto-approve', approvalWaived: true });
    expect(reliesOnFreeSeat(waived)).toBe(false);
    expect(withApprovalSetting(evaluatePolicy(policies, input), { approvalRequired: true }).outcome).toBe('approval');
    // The policy's own limits stand.
    expect(withApprovalSetting(evaluatePolicy(policies, { ...input, quantity: 26 }), { approvalRequired: false }).outcome).toBe('error');
  });

  it('renew with the assigned seats, never fewer, at least 1, and leave an admin schedule that keeps them', () => {
    expect(renewalQuantity({ quantity: 25, free: 5 })).toBe(20);
    expect(renewalQuantity({ quantity: 3, free: 3 })).toBe(1);
    expect(renewalQuantity({ quantity: 5, free: 0 })).toBeUndefined();
    expect(renewalQuantity({ quantity: 25, free: 5, scheduledQuantity: 22 })).toBeUndefined();
    expect(renewalQuantity({ quantity: 25, free: 5, scheduledQuantity: 18 })).toBe(20);
  });
});
