// Teams surface of a partner's resellers (indirect model): the `resellers` card lists the
// resellers a partner's admins added, with their customers and margin (set on the card), and a
// form to add one of the indirect resellers Partner Center lists for the partner. Refused input
// comes back on the card with what was typed kept and the problem beside its field.
import { z } from 'zod';
import { describeMargin } from '../domain/margin.js';
import type { Outcome } from '../services/outcome.js';
import { ONLY_PARTNER_ADMINS_RESELLERS, type PartnerResellers, type ResellerDesk } from '../services/partner-resellers.js';
import type { CardRenderer } from './cards.js';
import { card, refusal, type ActionTurn, type Reply, type Surface, type Turn } from './surface.js';

export interface ResellerFeatureDeps {
  cards: CardRenderer;
  resellers: PartnerResellers;
}

const PARTNER_ADMINS = ['partner-admin'] as const;
const BAD_CARD = 'This card sent something I cannot use. Type resellers for a fresh one.';
const TenantId = z.string().regex(/^[0-9A-Za-z-]{1,64}$/);
const MarginClick = z.object({ resellerTenantId: TenantId }).passthrough();

/** The margin input of one reseller's row (inputs of one card need distinct ids). */
export const marginInputId = (resellerTenantId: string) => `margin-${resellerTenantId}`;

interface AddForm {
  values: { resellerTenantId: string; displayName: string; domain: string };
  errors: Record<string, string>;
}

export function resellersCardData(
  desk: ResellerDesk,
  note?: { text: string; color: 'Good' | 'Attention' },
  add?: AddForm,
  margin?: { resellerTenantId: string; value: string; error: string },
) {
  const form = add ?? { values: { resellerTenantId: '', displayName: '', domain: '' }, errors: {} };
  return {
    partnerName: desk.partnerName,
    summary:
      desk.resellers.length === 0
        ? 'No resellers added yet.'
        : `${desk.resellers.length} reseller${desk.resellers.length === 1 ? '' : 's'}. A customer's own margin wins over its reseller's.`,
    note: note?.text ?? '',
    noteColor: note?.color ?? 'Default',
    problem: desk.problem ?? '',
    rows: desk.resellers.map((r) => {
      const editing = margin?.resellerTenantId === r.resellerTenantId ? margin : undefined;
      return {
        resellerTenantId: r.resellerTenantId,
        displayName: r.displayName,
        domain: r.domain,
        customers: r.customers.join(', ') || 'none assigned yet',
        marginText: describeMargin(r.marginPercent),
        marginInputId: marginInputId(r.resellerTenantId),
        marginValue: editing ? editing.value : (r.marginPercent ?? ''),
        marginError: editing?.error ?? '',
      };
    }),
    canAdd: desk.available.length > 0,
    addUnavailable: desk.problem
      ? 'Partner Center cannot list your resellers now.'
      : 'Every indirect reseller Partner Center lists for you is added.',
    available: desk.available.map((a) => ({ title: a.name, value: a.id })),
    form: {
      resellerTenantId: form.values.resellerTenantId,
      displayName: form.values.displayName,
      domain: form.values.domain,
      errors: {
        resellerTenantId: form.errors.resellerTenantId ?? '',
        displayName: form.errors.displayName ?? '',
        domain: form.errors.domain ?? '',
      },
    },
  };
}

export function resellerFeature(surface: Surface, d: ResellerFeatureDeps): void {
  const show = async (
    { actor }: Turn,
    note?: { text: string; color: 'Good' | 'Attention' },
    add?: AddForm,
    margin?: Parameters<typeof resellersCardData>[3],
  ) => {
    const desk = await d.resellers.desk(actor);
    if (!desk.ok) return refusal(desk);
    return card(d.cards.render('partner-resellers', resellersCardData(desk.value, note, add, margin)));
  };
  const after = async (turn: Turn, outcome: Outcome<ResellerDesk>, refusedAgain: (fields: Record<string, string>) => Promise<Reply>) => {
    if (outcome.ok)
      return card(
        d.cards.render(
          'partner-resellers',
          resellersCardData(outcome.value, outcome.message ? { text: outcome.message, color: 'Good' } : undefined),
        ),
      );
    if (outcome.reason === 'invalid' && outcome.fields) return refusedAgain(outcome.fields);
    if (outcome.reason === 'forbidden') return refusal(outcome);
    return show(turn, { text: outcome.message, color: 'Attention' });
  };

  const add = async (turn: ActionTurn<unknown>): Promise<Reply> => {
    const values = textValues(turn.data, ['resellerTenantId', 'displayName', 'domain']) as AddForm['values'];
    const outcome = await d.resellers.add(turn.actor, values);
    return after(turn, outcome, (errors) =>
      show(turn, { text: outcome.ok ? '' : outcome.message, color: 'Attention' }, { values, errors }),
    );
  };
  const setMargin = async (turn: ActionTurn<z.infer<typeof MarginClick>>): Promise<Reply> => {
    const id = turn.data.resellerTenantId;
    const typed = textValues(turn.data, [marginInputId(id)])[marginInputId(id)]!;
    const outcome = await d.resellers.setResellerMargin(turn.actor, id, typed);
    return after(turn, outcome, (errors) =>
      show(turn, { text: outcome.ok ? '' : outcome.message, color: 'Attention' }, undefined, {
        resellerTenantId: id.toLowerCase(),
        value: typed.slice(0, 20),
        error: errors.margin ?? '',
      }),
    );
  };

  const access = { roles: PARTNER_ADMINS, refusal: ONLY_PARTNER_ADMINS_RESELLERS };
  surface.command({ name: 'resellers', refusal: ONLY_PARTNER_ADMINS_RESELLERS, run: (turn) => show(turn) });
  surface.action({ verb: 'partnerResellers', ...access, run: (turn) => show(turn) });
  // No early role check on changes: a forged click reaches the service, which refuses and audits it.
  surface.action({ verb: 'partnerAddReseller', run: add });
  surface.action({ verb: 'partnerSetResellerMargin', schema: MarginClick, badData: BAD_CARD, run: setMargin });
}

/** The named fields of a card's data as text (anything else: empty), clipped to an input's length. */
function textValues(data: unknown, names: readonly string[]): Record<string, string> {
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  return Object.fromEntries(names.map((name) => [name, typeof record[name] === 'string' ? (record[name] as string).slice(0, 300) : '']));
}
