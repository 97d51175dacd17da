// A tenant's license settings (the seed portals' "Tenant settings > Licenses"): whether
// requests need approval, whether fulfilment buys a seat when none is free, and whether unused
// seats are dropped at renewal. Pure: the defaults (today's behaviour for a tenant that never
// set anything), the check of what an admin typed on the card, and the decisions the request,
// fulfilment and renewal flows take from them.
import type { PolicyEvaluation } from './policy.js';

export interface LicenseSettings {
  /** Off: a request the policy would send to approvers is approved at once (still within policy). */
  approvalRequired: boolean;
  /** Off: a request with no free seat waits for an admin to add seats instead of buying them. */
  autoPurchase: boolean;
  /** On: seats nobody is assigned are dropped at renewal (Partner Center's scheduled change for the next term). */
  autoDecrease: boolean;
  /** How many days before renewal the decrease is scheduled (and kept up to date until then). */
  decreaseDaysBeforeRenewal: number;
}

export const DECREASE_DAYS = { min: 1, max: 30 } as const;

/** What a tenant that never opened the card gets: exactly what Quartermaster did before these settings. */
export const DEFAULT_LICENSE_SETTINGS: LicenseSettings = {
  approvalRequired: true,
  autoPurchase: true,
  autoDecrease: false,
  decreaseDaysBeforeRenewal: 7,
};

/** The card's fields, named as the card names its inputs. */
export type LicenseSettingsField = 'approvalRequired' | 'autoPurchase' | 'autoDecrease' | 'decreaseDaysBeforeRenewal';

export type LicenseSettingsInput =
  | { ok: true; value: LicenseSettings }
  | { ok: false; errors: Partial<Record<LicenseSettingsField, string>>; values: Record<LicenseSettingsField, string> };

const CHOICES: Record<Exclude<LicenseSettingsField, 'decreaseDaysBeforeRenewal'>, { on: string; off: string; question: string }> = {
  approvalRequired: { on: 'required', off: 'not-required', question: 'Choose whether requests need approval.' },
  autoPurchase: { on: 'buy', off: 'wait', question: 'Choose what happens when no seat is free.' },
  autoDecrease: { on: 'decrease', off: 'keep', question: 'Choose what happens to unused seats at renewal.' },
};

/** The card's values for stored settings (choice values and the days as text). */
export function licenseSettingsValues(settings: LicenseSettings): Record<LicenseSettingsField, string> {
  return {
    approvalRequired: settings.approvalRequired ? CHOICES.approvalRequired.on : CHOICES.approvalRequired.off,
    autoPurchase: settings.autoPurchase ? CHOICES.autoPurchase.on : CHOICES.autoPurchase.off,
    autoDecrease: settings.autoDecrease ? CHOICES.autoDecrease.on : CHOICES.autoDecrease.off,
    decreaseDaysBeforeRenewal: String(settings.decreaseDaysBeforeRenewal),
  };
}

/**
 * Checks what the card sent. Every field is required and must be one of its choices (cards can
 * be forged); the days are a whole number in DECREASE_DAYS. On refusal, what was sent comes
 * back (cut to a sane length) so the card shows it again with the error beside its field.
 */
export function validateLicenseSettings(raw: unknown): LicenseSettingsInput {
  const data = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const textOf = (key: LicenseSettingsField) => {
    const value = data[key];
    return typeof value === 'string' ? value.trim().slice(0, 40) : typeof value === 'number' ? String(value) : '';
  };
  const values = {
    approvalRequired: textOf('approvalRequired'),
    autoPurchase: textOf('autoPurchase'),
    autoDecrease: textOf('autoDecrease'),
    decreaseDaysBeforeRenewal: textOf('decreaseDaysBeforeRenewal'),
  };
  const errors: Partial<Record<LicenseSettingsField, string>> = {};
  const choice = (key: keyof typeof CHOICES): boolean => {
    const { on, off, question } = CHOICES[key];
    if (values[key] !== on && values[key] !== off) errors[key] = question;
    return values[key] === on;
  };
  const approvalRequired = choice('approvalRequired');
  const autoPurchase = choice('autoPurchase');
  const autoDecrease = choice('autoDecrease');
  const days = values.decreaseDaysBeforeRenewal;
  const range = `between ${DECREASE_DAYS.min} and ${DECREASE_DAYS.max}`;
  if (days === '') errors.decreaseDaysBeforeRenewal = `Enter how many days before renewal, ${range}.`;
  else if (!/^\d+$/.test(days)) errors.decreaseDaysBeforeRenewal = `Enter a whole number of days, ${range}.`;
  else if (Number(days) < DECREASE_DAYS.min || Number(days) > DECREASE_DAYS.max)
    errors.decreaseDaysBeforeRenewal = `The number of days must be ${range}.`;
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, value: { approvalRequired, autoPurchase, autoDecrease, decreaseDaysBeforeRenewal: Number(days) } };
}

/** Stored settings over the defaults: a field never saved keeps today's behaviour. */
export function withDefaults(stored: Partial<LicenseSettings> | undefined): LicenseSettings {
  return { ...DEFAULT_LICENSE_SETTINGS, ...stored };
}

/** The settings that changed, each as { before, after }, for the audit log (empty: nothing changed). */
export function settingsChanges(
  before: LicenseSettings,
  after: LicenseSettings,
): Partial<Record<keyof LicenseSettings, { before: unknown; after: unknown }>> {
  const changes: Partial<Record<keyof LicenseSettings, { before: unknown; after: unknown }>> = {};
  for (const key of Object.keys(DEFAULT_LICENSE_SETTINGS) as (keyof LicenseSettings)[])
    if (before[key] !== after[key]) changes[key] = { before: before[key], after: after[key] };
  return changes;
}

/**
 * The policy's evaluation with the tenant's approval setting applied: with approval not
 * required, a request the policy would send to approvers is approved at once. Only what the
 * policy allows at all gets through (its errors, the maximum quantity and "buying not allowed",
 * stand), and such an approval never counts on free seats: it does not go back to people.
 */
export function withApprovalSetting(evaluation: PolicyEvaluation, settings: Pick<LicenseSettings, 'approvalRequired'>): PolicyEvaluation {
  if (settings.approvalRequired || evaluation.outcome !== 'approval') return evaluation;
  return { outcome: 'auto-approve', policy: evaluation.policy, needsPurchase: evaluation.needsPurchase, approvalWaived: true };
}

/**
 * The seats a renewing subscription should renew with when unused seats are dropped: the seats
 * people hold (never fewer, and at least 1, Partner Center's minimum). Undefined when nothing
 * is to be scheduled: every seat is used, or a change already scheduled keeps at least the
 * assigned seats (an admin's own choice to keep spares is left alone).
 */
export function renewalQuantity(subscription: { quantity: number; free: number; scheduledQuantity?: number }): number | undefined {
  const assigned = Math.max(1, subscription.quantity - Math.max(0, Math.min(subscription.free, subscription.quantity)));
  if (subscription.scheduledQuantity !== undefined) return subscription.scheduledQuantity < assigned ? assigned : undefined;
  return assigned < subscription.quantity ? assigned : undefined;
}
