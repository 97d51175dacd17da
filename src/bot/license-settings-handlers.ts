// Teams surface of a tenant's license settings: the `license settings` card (approval, what
// happens when no seat is free, unused seats at renewal), for the tenant's admins, and for its
// partner's admins through `customer <name>` (the card's clicks then carry the customer's
// tenant, which the partner workspace checks on every click). The service decides and audits.
import { DECREASE_DAYS, licenseSettingsValues, type LicenseSettingsField } from '../domain/license-settings.js';
import { ONLY_ADMINS_SETTINGS, type LicenseSettingsService, type LicenseSettingsView } from '../services/license-settings.js';
import type { CardRenderer } from './cards.js';
import { ADMINS, card, refusal, type Reply, type Surface, type Turn } from './surface.js';

export interface LicenseSettingsFeatureDeps {
  cards: CardRenderer;
  settings: LicenseSettingsService;
}

const FIELDS: LicenseSettingsField[] = ['approvalRequired', 'autoPurchase', 'autoDecrease', 'decreaseDaysBeforeRenewal'];

export function licenseSettingsCardData(
  values: Record<LicenseSettingsField, string>,
  options: {
    errors?: Partial<Record<LicenseSettingsField, string>>;
    note?: { text: string; color: 'Good' | 'Attention' };
    updated?: Pick<LicenseSettingsView, 'updatedBy' | 'updatedAt'>;
    /** A partner admin's view of a linked customer: the card names whose settings these are. */
    customerName?: string;
  } = {},
) {
  const errors = Object.fromEntries(FIELDS.map((f) => [`${f}Error`, options.errors?.[f] ?? ''])) as Record<
    `${LicenseSettingsField}Error`,
    string
  >;
  const { updatedBy, updatedAt } = options.updated ?? {};
  // Only for stored settings; a refused form shows what was typed, not what is stored.
  const updated = !options.updated
    ? ''
    : updatedBy && updatedAt
      ? `Last changed by ${updatedBy} on ${updatedAt.slice(0, 10)}.`
      : 'Never changed: the defaults apply.';
  return {
    subtitle: `How requests and renewals are handled ${options.customerName ? `at ${options.customerName}, your customer` : 'in this organisation'}. Approval policies still set the limits (quantity, cost, whether buying is allowed).`,
    note: options.note?.text ?? '',
    noteColor: options.note?.color ?? 'Default',
    ...values,
    ...errors,
    daysRange: `${DECREASE_DAYS.min} to ${DECREASE_DAYS.max}`,
    updated,
  };
}

export function licenseSettingsFeature(surface: Surface, d: LicenseSettingsFeatureDeps): void {
  const render = (view: LicenseSettingsView, customerName?: string, note?: { text: string; color: 'Good' | 'Attention' }): Reply =>
    card(
      d.cards.render(
        'license-settings',
        licenseSettingsCardData(licenseSettingsValues(view.settings), { updated: view, customerName, ...(note && { note }) }),
      ),
    );

  const show = async ({ actor, customerName }: Turn): Promise<Reply> => {
    const view = await d.settings.view(actor);
    return view.ok ? render(view.value, customerName) : refusal(view);
  };
  const save = async ({ actor, data, customerName }: Turn & { data: unknown }): Promise<Reply> => {
    const saved = await d.settings.save(actor, data);
    if (saved.ok) return render(saved.value, customerName, { text: saved.message, color: 'Good' });
    // Bad input: the card again with what was sent and each error beside its field.
    if (saved.reason === 'invalid' && 'values' in saved && saved.values)
      return card(
        d.cards.render(
          'license-settings',
          licenseSettingsCardData(saved.values, {
            errors: saved.fields ?? {},
            note: { text: saved.message, color: 'Attention' },
            customerName,
          }),
        ),
      );
    return refusal(saved);
  };

  surface.command({ name: 'license settings', refusal: ONLY_ADMINS_SETTINGS, run: show });
  surface.action({ verb: 'showLicenseSettings', roles: ADMINS, refusal: ONLY_ADMINS_SETTINGS, run: show });
  surface.action({ verb: 'saveLicenseSettings', roles: ADMINS, refusal: ONLY_ADMINS_SETTINGS, run: save });
}
