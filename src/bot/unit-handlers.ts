// Teams surface of delegated license administration: `units` (admins: units, quotas, plans
// left off, license admins) and `my unit` (a unit's license admins: their people's licenses,
// reclaim within the unit). The license unit service decides who may act; the schemas here
// check what the cards send.
import { z } from 'zod';
import type { Role } from '../domain/roles.js';
import type { CatalogService } from '../services/catalog.js';
import type { LicenseUnitService } from '../services/license-units.js';
import type { Outcome } from '../services/outcome.js';
import type { CardRenderer } from './cards.js';
import { ADMINS, card, refusal, type ActionTurn, type Reply, type Surface, type Turn } from './surface.js';
import { myUnitCardData, quotaInputIds, unitsCardData, type NoteColor, type UnitsFormEcho } from './unit-views.js';

export interface UnitFeatureDeps {
  cards: CardRenderer;
  units: LicenseUnitService;
  catalog: CatalogService;
}

const ONLY_ADMINS = 'Only admins can set up units and quotas.';
const UNIT_ADMINS: readonly Role[] = ['unit-admin', 'admin'];
const ONLY_UNIT_ADMINS =
  "Only a unit's license admins (and admins) can use **my unit**: it shows the licenses of the people of the units you decide for. Admins name each unit's license admins with **units**. Type **help** to see the commands you can use.";
const BAD_CARD = 'This card sent something I cannot use. Type units for a fresh one.';
const UnitId = z.string().regex(/^[a-z0-9-]{1,40}$/);
const UnitClick = z.object({ unitId: UnitId }).passthrough();
const ReclaimClick = z.object({
  unitId: UnitId,
  userId: z.string().min(1).max(100),
  productId: z.string().regex(/^[A-Za-z0-9]{1,40}$/),
});

export function unitFeature(surface: Surface, d: UnitFeatureDeps): void {
  const showUnits = async ({ actor }: Turn, note?: { text: string; color: NoteColor }, echo?: UnitsFormEcho): Promise<Reply> => {
    const [views, offers] = await Promise.all([d.units.overview(actor), d.catalog.offers(actor.tenantId).catch(() => [])]);
    if (!views.ok) return refusal(views);
    return card(d.cards.render('units', unitsCardData(views.value, offers, note, echo)));
  };
  /**
   * After a change: the fresh card with what happened. Refused input comes back on the card
   * with what was typed kept and each problem beside its field (`echo` turns it into that).
   */
  const afterChange = async (
    turn: Turn,
    outcome: Outcome<unknown>,
    echo: (errors: Record<string, string>) => UnitsFormEcho,
  ): Promise<Reply> => {
    if (!outcome.ok && outcome.reason === 'forbidden') return refusal(outcome);
    if (outcome.ok) return showUnits(turn, { text: outcome.message, color: 'Good' });
    return showUnits(turn, { text: outcome.message, color: 'Attention' }, echo(outcome.fields ?? {}));
  };

  const save = async (turn: ActionTurn<unknown>) => {
    const values = textValues(turn.data, ['name', 'kind', 'value', 'admins']);
    return afterChange(turn, await d.units.saveUnit(turn.actor, turn.data), (errors) => ({ unit: { values, errors } }));
  };
  const setQuota = async (turn: ActionTurn<z.infer<typeof UnitClick>>) => {
    const ids = quotaInputIds(turn.data.unitId);
    const sent = textValues(turn.data, [ids.product, ids.seats, ids.plans]);
    const values = { product: sent[ids.product]!, seats: sent[ids.seats]!, plans: sent[ids.plans]! };
    return afterChange(
      turn,
      await d.units.setQuota(turn.actor, turn.data.unitId, {
        productOfferId: turn.data[ids.product],
        seats: turn.data[ids.seats],
        plans: turn.data[ids.plans],
      }),
      (errors) => ({ quota: { unitId: turn.data.unitId, values, errors } }),
    );
  };
  const remove = async (turn: ActionTurn<z.infer<typeof UnitClick>>) =>
    afterChange(turn, await d.units.removeUnit(turn.actor, turn.data.unitId), () => ({}));

  const showMine = async ({ actor }: Turn, note?: { text: string; color: NoteColor }): Promise<Reply> => {
    const views = await d.units.myUnits(actor);
    if (!views.ok) return refusal(views);
    return card(d.cards.render('my-unit', myUnitCardData(views.value, note)));
  };
  const reclaim = async (turn: ActionTurn<z.infer<typeof ReclaimClick>>): Promise<Reply> => {
    const outcome = await d.units.reclaim(turn.actor, turn.data);
    if (!outcome.ok && outcome.reason === 'forbidden') return refusal(outcome);
    return showMine(turn, outcome.ok ? { text: outcome.message, color: 'Good' } : { text: outcome.message, color: 'Attention' });
  };

  const admin = { roles: ADMINS, refusal: ONLY_ADMINS };
  surface.command({ name: 'units', refusal: ONLY_ADMINS, run: (turn) => showUnits(turn) });
  surface.action({ verb: 'unitsShow', ...admin, run: (turn) => showUnits(turn) });
  surface.action({ verb: 'unitSave', ...admin, run: save });
  surface.action({ verb: 'unitSetQuota', ...admin, schema: UnitClick, badData: BAD_CARD, run: setQuota });
  surface.action({ verb: 'unitRemove', ...admin, schema: UnitClick, badData: BAD_CARD, run: remove });
  // Who may use `my unit` is declared in COMMANDS (a unit's license admins, and admins); the
  // service checks each unit again.
  surface.command({ name: 'my unit', refusal: ONLY_UNIT_ADMINS, run: (turn) => showMine(turn) });
  surface.action({ verb: 'myUnitShow', roles: UNIT_ADMINS, refusal: ONLY_UNIT_ADMINS, run: (turn) => showMine(turn) });
  // No early role check: a forged reclaim reaches the service, which refuses it and audits the attempt.
  surface.action({
    verb: 'unitReclaim',
    schema: ReclaimClick,
    badData: 'This card sent something I cannot use. Type my unit for a fresh one.',
    run: reclaim,
  });
}

/** The named fields of a card's data as the text to put back in its inputs (anything else: empty, clipped to an input's length). */
function textValues(data: unknown, names: readonly string[]): Record<string, string> {
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  return Object.fromEntries(names.map((name) => [name, typeof record[name] === 'string' ? (record[name] as string).slice(0, 1000) : '']));
}
