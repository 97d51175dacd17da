// Teams surface of the admin's catalog: the `catalog` command and the card's buttons (map an
// unmapped Partner Center item to a Graph license, remove a mapping, refresh). Card data is
// checked here (cards can be forged); who may act is decided by the service.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { CatalogAdminResult, CatalogAdminService } from '../services/catalog-admin.js';
import { catalogCardData, mappingInputIds } from './catalog-views.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { refuseInvoke, replaceCard, sendCard, UNKNOWN_ACTOR } from './replies.js';
import { actorOf } from './request-handlers.js';

export interface CatalogHandlerDeps {
  cards: CardRenderer;
  catalogAdmin: CatalogAdminService;
}

const ProductSkuClick = z.object({ productSku: z.string().regex(/^[A-Za-z0-9]{1,20}:[A-Za-z0-9]{1,10}$/) }).passthrough();
const BAD_CARD = 'This card sent something I cannot use. Type **catalog** for a fresh one.';

export function catalogHandlers(d: CatalogHandlerDeps) {
  const answer = async (context: TurnContext, result: CatalogAdminResult): Promise<AdaptiveCard | string> => {
    if (result.kind === 'forbidden') return refuseInvoke(context, result.message, 403);
    const note = { text: result.message, color: result.kind === 'done' ? ('Good' as const) : ('Warning' as const) };
    return replaceCard(context, d.cards.render('catalog', catalogCardData(result.overview, note)));
  };

  return {
    async catalogCommand(context: TurnContext): Promise<void> {
      const actor = actorOf(context);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const overview = await d.catalogAdmin.overview(actor);
      if ('kind' in overview) return void (await context.sendActivity(overview.message));
      await sendCard(context, d.cards.render('catalog', catalogCardData(overview)));
    },

    async show(context: TurnContext): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const overview = await d.catalogAdmin.overview(actor);
      if ('kind' in overview) return refuseInvoke(context, overview.message, overview.kind === 'forbidden' ? 403 : 400);
      return replaceCard(context, d.cards.render('catalog', catalogCardData(overview)));
    },

    /** "Save mapping": the license chosen, or else the part number typed, for the row's item. */
    async mapSku(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const click = ProductSkuClick.safeParse(data);
      if (!click.success) return refuseInvoke(context, BAD_CARD);
      const ids = mappingInputIds(click.data.productSku);
      const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');
      const chosen = text(data[ids.choice]) || text(data[ids.text]);
      return answer(context, await d.catalogAdmin.mapItem(actor, click.data.productSku, chosen.slice(0, 100)));
    },

    async unmapSku(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const click = ProductSkuClick.safeParse(data);
      if (!click.success) return refuseInvoke(context, BAD_CARD);
      return answer(context, await d.catalogAdmin.unmapItem(actor, click.data.productSku));
    },
  };
}
