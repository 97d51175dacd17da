// Teams surface of the partner's own settings: the `partner` card (display name, alert channel),
// for the partner's admins. The service decides and audits; which tenants are partners stays
// configuration.
import { ONLY_PARTNER_ADMINS } from '../services/partner-workspace.js';
import type { PartnerProfileService, PartnerProfileView } from '../services/partner-profile.js';
import type { CardRenderer } from './cards.js';
import { card, refusal, type Reply, type Surface, type Turn } from './surface.js';

export interface PartnerProfileFeatureDeps {
  cards: CardRenderer;
  profile: PartnerProfileService;
}

const PARTNER_ADMINS = ['partner-admin'] as const;

export function partnerProfileCardData(
  view: Pick<PartnerProfileView, 'configuredName' | 'alertChannelName' | 'updatedBy' | 'updatedAt'> & { name: string },
  options: { nameError?: string; note?: { text: string; color: 'Good' | 'Attention' }; showUpdated?: boolean } = {},
) {
  const updated =
    options.showUpdated === false
      ? ''
      : view.updatedBy && view.updatedAt
        ? `Last changed by ${view.updatedBy} on ${view.updatedAt.slice(0, 10)}.`
        : 'Never changed in chat: the configured name applies.';
  return {
    name: view.name,
    nameError: options.nameError ?? '',
    configuredName: view.configuredName,
    alertChannel: view.alertChannelName ?? 'none yet (alerts go to your admins’ 1:1 chats)',
    note: options.note?.text ?? '',
    noteColor: options.note?.color ?? 'Default',
    updated,
  };
}

export function partnerProfileFeature(surface: Surface, d: PartnerProfileFeatureDeps): void {
  const render = (view: PartnerProfileView, note?: { text: string; color: 'Good' | 'Attention' }): Reply =>
    card(d.cards.render('partner-profile', partnerProfileCardData(view, { ...(note && { note }) })));

  const show = async ({ actor }: Turn): Promise<Reply> => {
    const view = await d.profile.view(actor);
    return view.ok ? render(view.value) : refusal(view);
  };
  const save = async ({ actor, data }: Turn & { data: unknown }): Promise<Reply> => {
    const saved = await d.profile.save(actor, data);
    if (saved.ok) return render(saved.value, { text: saved.message, color: 'Good' });
    // Bad input: the card again with what was typed and the error beside the field.
    if (saved.reason === 'invalid' && 'values' in saved && saved.values) {
      const current = await d.profile.view(actor);
      if (!current.ok) return refusal(current);
      return card(
        d.cards.render(
          'partner-profile',
          partnerProfileCardData(
            { ...current.value, name: saved.values.name },
            { nameError: saved.fields?.name ?? '', note: { text: saved.message, color: 'Attention' }, showUpdated: false },
          ),
        ),
      );
    }
    return refusal(saved);
  };

  const access = { roles: PARTNER_ADMINS, refusal: ONLY_PARTNER_ADMINS };
  surface.command({ name: 'partner', refusal: ONLY_PARTNER_ADMINS, run: show });
  surface.action({ verb: 'showPartnerProfile', ...access, run: show });
  surface.action({ verb: 'savePartnerProfile', ...access, run: save });
}
