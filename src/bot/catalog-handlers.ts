// Teams surface of the admin's catalog: the `catalog` command and the card's buttons (map an
// unmapped Partner Center item to a Graph license, remove a mapping, refresh). The catalog
// admin service decides who may act; the card's data is checked by the schemas here.
import { z } from 'zod';
import type { CatalogAdminResult, CatalogAdminService } from '../services/catalog-admin.js';
import { catalogCardData, mappingInputIds, type RefusedMapping } from './catalog-views.js';
import type { CardRenderer } from './cards.js';
import { ADMINS, card, refuse, text, type ActionTurn, type Reply, type Surface, type Turn } from './surface.js';

export interface CatalogFeatureDeps {
  cards: CardRenderer;
  catalogAdmin: CatalogAdminService;
}

const ONLY_ADMINS = 'Only admins can see and change the catalog.';
const BAD_CARD = 'This card sent something I cannot use. Type catalog for a fresh one.';
/** A row's button: the item's `productId:skuId`, and the row's inputs (read by name below). */
const ItemClick = z.object({ productSku: z.string().regex(/^[A-Za-z0-9]{1,20}:[A-Za-z0-9]{1,10}$/) }).passthrough();

export function catalogFeature(surface: Surface, d: CatalogFeatureDeps): void {
  const render = (
    overview: Parameters<typeof catalogCardData>[0],
    note?: Parameters<typeof catalogCardData>[1],
    refused?: Omit<RefusedMapping, 'message'>,
  ) => card(d.cards.render('catalog', catalogCardData(overview, note, refused && note && { ...refused, message: note.text })));

  /** `attempt`: the row's mapping as typed; a refusal shows it again with the message beside it. */
  const after = (result: CatalogAdminResult, attempt?: Omit<RefusedMapping, 'message'>): Reply => {
    if (result.kind === 'forbidden') return refuse('forbidden', result.message);
    return render(
      result.overview,
      { text: result.message, color: result.kind === 'done' ? 'Good' : 'Warning' },
      result.kind === 'invalid' ? attempt : undefined,
    );
  };

  const show = async ({ actor }: Turn): Promise<Reply> => {
    const overview = await d.catalogAdmin.overview(actor);
    if ('kind' in overview) return overview.kind === 'forbidden' ? refuse('forbidden', overview.message) : text(overview.message);
    return render(overview);
  };

  /** "Save mapping": the license chosen, or else the part number typed, for the row's item. */
  const mapSku = async ({ actor, data }: ActionTurn<z.infer<typeof ItemClick>>): Promise<Reply> => {
    const ids = mappingInputIds(data.productSku);
    const typed = (value: unknown) => (typeof value === 'string' ? value.trim().slice(0, 100) : '');
    const chosen = typed(data[ids.choice]) || typed(data[ids.text]);
    return after(await d.catalogAdmin.mapItem(actor, data.productSku, chosen), {
      productSku: data.productSku,
      chosen: typed(data[ids.choice]),
      typed: typed(data[ids.text]),
    });
  };

  const unmapSku = async ({ actor, data }: ActionTurn<z.infer<typeof ItemClick>>): Promise<Reply> =>
    after(await d.catalogAdmin.unmapItem(actor, data.productSku));

  const row = { roles: ADMINS, refusal: ONLY_ADMINS, schema: ItemClick, badData: BAD_CARD };
  surface.command({ name: 'catalog', refusal: ONLY_ADMINS, run: show });
  surface.action({ verb: 'catalogShow', roles: ADMINS, refusal: ONLY_ADMINS, run: show });
  surface.action({ verb: 'catalogMapSku', ...row, run: mapSku });
  surface.action({ verb: 'catalogUnmapSku', ...row, run: unmapSku });
}
