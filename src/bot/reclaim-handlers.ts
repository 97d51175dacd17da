// Teams surface of reclaim: the `reclaim` and `set reclaim days N` commands, and the card's
// buttons (remove a license → confirm → done; back; refresh). Card data is checked here (cards
// can be forged); who may act and what is true now are decided by the service.
import { ActivityTypes, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { ConnectorError } from '../connectors/ports.js';
import type { ReclaimService } from '../services/reclaim.js';
import type { RoleService } from '../services/roles.js';
import { reclaimCardData } from './admin-alert-views.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { commandArgument } from './commands.js';
import { sendCard, sendInvokeError } from './replies.js';
import { actorOf } from './request-handlers.js';

export interface ReclaimHandlerDeps {
  cards: CardRenderer;
  reclaim: ReclaimService;
  roles: RoleService;
}

// Graph object ids and skuIds are GUIDs; the sandbox's Playground ids are GUID-like.
const GraphId = z.string().regex(/^[0-9A-Za-z-]{1,64}$/);
const LicenseRef = z.object({ userId: GraphId, skuId: GraphId }).passthrough();

const UNKNOWN_ACTOR = "I can't tell who you are in this chat, so I can't do that. Try from your 1:1 chat with me.";
const BAD_CARD = 'This card sent something I cannot use. Type **reclaim** for a fresh list.';
const ONLY_ADMINS = 'Only admins can see licenses to reclaim. Type **help** to see the commands you can use.';

/** A connector failure as one line saying what to do; anything else goes to the error boundary. */
function connectorTrouble(error: unknown): string {
  if (!(error instanceof ConnectorError)) throw error;
  if (error.kind === 'unauthorized') return 'Quartermaster may not read your directory or subscriptions: check the admin consent of the Quartermaster app in your tenant.';
  if (error.transient) return 'Microsoft 365 or Partner Center is not answering right now. Try again in a few minutes.';
  return `Microsoft 365 or Partner Center refused the request (${error.message}). Nothing was changed.`;
}

export function reclaimHandlers(d: ReclaimHandlerDeps) {
  const replaceCard = async (context: TurnContext, card: AdaptiveCard): Promise<AdaptiveCard> => {
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } } });
    return card;
  };
  const refuse = async (context: TurnContext, statusCode: 400 | 403 | 500, message: string): Promise<string> => {
    await sendInvokeError(context, statusCode, statusCode === 403 ? 'Forbidden' : 'BadRequest', message);
    return message;
  };
  const currentList = async (tenantId: string, note?: Parameters<typeof reclaimCardData>[1]) =>
    d.cards.render('reclaim', reclaimCardData(await d.reclaim.report(tenantId), note));

  /** Checks who clicked and what the card sent; undefined after refusing. */
  const clicked = async (context: TurnContext, data: Record<string, unknown>) => {
    const actor = actorOf(context);
    if (!actor) return void (await refuse(context, 400, UNKNOWN_ACTOR));
    if (!(await d.roles.isAdmin(actor))) return void (await refuse(context, 403, 'Only admins can remove licenses.'));
    const parsed = LicenseRef.safeParse(data);
    if (!parsed.success) return void (await refuse(context, 400, BAD_CARD));
    return { actor, ...parsed.data };
  };

  return {
    async reclaimCommand(context: TurnContext): Promise<void> {
      const actor = actorOf(context);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      if (!(await d.roles.isAdmin(actor))) return void (await context.sendActivity(ONLY_ADMINS));
      try {
        await sendCard(context, await currentList(actor.tenantId));
      } catch (error) {
        await context.sendActivity(connectorTrouble(error));
      }
    },

    async setReclaimDays(context: TurnContext): Promise<void> {
      const actor = actorOf(context);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const result = await d.reclaim.setInactiveDays(actor, commandArgument(context.activity.text, 'set reclaim days'));
      await context.sendActivity(result.message);
    },

    /** "Remove license": the confirm step, showing who and which license as Graph has it now. */
    async askToRemove(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, data);
      if (!click) return 'refused';
      try {
        const preview = await d.reclaim.previewRemoval(click.actor, click.userId, click.skuId);
        if (!preview.ok) {
          if (preview.outcome.kind === 'forbidden') return refuse(context, 403, preview.outcome.message);
          return replaceCard(context, await currentList(click.actor.tenantId, { text: preview.outcome.message, color: 'Warning' }));
        }
        return replaceCard(context, d.cards.render('reclaim-confirm', preview));
      } catch (error) {
        return refuse(context, 500, connectorTrouble(error));
      }
    },

    /** "Confirm": removes the license (once), then shows the list as it is now. */
    async confirmRemove(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, data);
      if (!click) return 'refused';
      try {
        const outcome = await d.reclaim.removeLicense(click.actor, click.userId, click.skuId);
        if (outcome.kind === 'forbidden') return refuse(context, 403, outcome.message);
        return replaceCard(context, await currentList(click.actor.tenantId, { text: outcome.kind === 'removed' ? `Done. ${outcome.message}` : outcome.message, color: outcome.kind === 'removed' ? 'Good' : 'Warning' }));
      } catch (error) {
        return refuse(context, 500, connectorTrouble(error));
      }
    },

    /** "Back" and "Refresh": the list as it is now. */
    async show(context: TurnContext): Promise<AdaptiveCard | string> {
      const actor = actorOf(context);
      if (!actor) return refuse(context, 400, UNKNOWN_ACTOR);
      if (!(await d.roles.isAdmin(actor))) return refuse(context, 403, ONLY_ADMINS);
      try {
        return replaceCard(context, await currentList(actor.tenantId));
      } catch (error) {
        return refuse(context, 500, connectorTrouble(error));
      }
    },
  };
}
