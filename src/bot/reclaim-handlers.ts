// Teams surface of reclaim: the `reclaim` and `set reclaim days N` commands, and the card's
// buttons (remove a license → confirm → done; back; refresh). Card data is checked here (cards
// can be forged); who may act and what is true now are decided by the service.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { ConnectorError } from '../connectors/ports.js';
import type { ReclaimService } from '../services/reclaim.js';
import type { RoleService } from '../services/roles.js';
import { reclaimCardData } from './admin-alert-views.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { commandArgument } from './commands.js';
import { refuseInvoke, replaceCard, sendCard, UNKNOWN_ACTOR } from './replies.js';
import { actorOf } from './activity.js';

export interface ReclaimHandlerDeps {
  cards: CardRenderer;
  reclaim: ReclaimService;
  roles: RoleService;
}

// Graph object ids and skuIds are GUIDs; the sandbox's Playground ids are GUID-like.
const GraphId = z.string().regex(/^[0-9A-Za-z-]{1,64}$/);
const LicenseRef = z.object({ userId: GraphId, skuId: GraphId }).passthrough();
// A vendor seat (marketplace): the subscription (SUB-...) and the e-mail holding the seat.
const VendorSeatRef = z
  .object({
    subscriptionId: z.string().regex(/^[0-9A-Za-z-]{1,64}$/),
    email: z
      .string()
      .max(254)
      .regex(/^[^@\s<>"'`]+@[^@\s<>"'`]+$/),
  })
  .passthrough();
type Clicked = { kind: 'license'; userId: string; skuId: string } | { kind: 'vendor-seat'; subscriptionId: string; email: string };

/** A Graph license row sends userId + skuId, a vendor seat row subscriptionId + email; anything else is refused. */
function clickedRef(data: Record<string, unknown>): Clicked | undefined {
  if ('subscriptionId' in data || 'email' in data) {
    if ('userId' in data || 'skuId' in data) return undefined;
    const vendor = VendorSeatRef.safeParse(data);
    return vendor.success ? { kind: 'vendor-seat', subscriptionId: vendor.data.subscriptionId, email: vendor.data.email } : undefined;
  }
  const license = LicenseRef.safeParse(data);
  return license.success ? { kind: 'license', userId: license.data.userId, skuId: license.data.skuId } : undefined;
}

const BAD_CARD = 'This card sent something I cannot use. Type **reclaim** for a fresh list.';
const ONLY_ADMINS = 'Only admins can see licenses to reclaim. Type **help** to see the commands you can use.';

/** A connector failure as one line saying what to do; anything else goes to the error boundary. */
function connectorTrouble(error: unknown): string {
  if (!(error instanceof ConnectorError)) throw error;
  if (error.kind === 'unauthorized')
    return 'Quartermaster may not read your directory or subscriptions: check the admin consent of the Quartermaster app in your tenant.';
  if (error.transient) return 'Microsoft 365 or Partner Center is not answering right now. Try again in a few minutes.';
  return `Microsoft 365 or Partner Center refused the request (${error.message}). Nothing was changed.`;
}

export function reclaimHandlers(d: ReclaimHandlerDeps) {
  const currentList = async (tenantId: string, note?: Parameters<typeof reclaimCardData>[1]) =>
    d.cards.render('reclaim', reclaimCardData(await d.reclaim.report(tenantId), note));

  /** Checks who clicked and what the card sent; undefined after refusing. */
  const clicked = async (context: TurnContext, data: Record<string, unknown>) => {
    const actor = actorOf(context.activity);
    if (!actor) return void (await refuseInvoke(context, UNKNOWN_ACTOR));
    if (!(await d.roles.isAdmin(actor))) return void (await refuseInvoke(context, 'Only admins can remove licenses.', 403));
    const ref = clickedRef(data);
    if (!ref) return void (await refuseInvoke(context, BAD_CARD));
    return { actor, ref };
  };

  return {
    async reclaimCommand(context: TurnContext): Promise<void> {
      const actor = actorOf(context.activity);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      if (!(await d.roles.isAdmin(actor))) return void (await context.sendActivity(ONLY_ADMINS));
      try {
        await sendCard(context, await currentList(actor.tenantId));
      } catch (error) {
        await context.sendActivity(connectorTrouble(error));
      }
    },

    async setReclaimDays(context: TurnContext): Promise<void> {
      const actor = actorOf(context.activity);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const result = await d.reclaim.setInactiveDays(actor, commandArgument(context.activity.text, 'set reclaim days'));
      await context.sendActivity(result.message);
    },

    /** "Remove license": the confirm step, showing who and which license as Graph has it now. */
    async askToRemove(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, data);
      if (!click) return 'refused';
      try {
        const { ref } = click;
        const preview =
          ref.kind === 'license'
            ? await d.reclaim.previewRemoval(click.actor, ref.userId, ref.skuId)
            : await d.reclaim.previewVendorRemoval(click.actor, ref.subscriptionId, ref.email);
        if (!preview.ok) {
          if (preview.outcome.kind === 'forbidden') return refuseInvoke(context, preview.outcome.message, 403);
          return replaceCard(context, await currentList(click.actor.tenantId, { text: preview.outcome.message, color: 'Warning' }));
        }
        const data =
          'userId' in preview
            ? {
                userId: preview.userId,
                skuId: preview.skuId,
                displayName: preview.displayName,
                userPrincipalName: preview.userPrincipalName,
                productName: preview.productName,
                vendorSeat: false,
                subscriptionId: '',
                email: '',
              }
            : {
                userId: '',
                skuId: '',
                displayName: preview.displayName,
                userPrincipalName: preview.email,
                productName: preview.vendor ? `${preview.productName} (${preview.vendor})` : preview.productName,
                vendorSeat: true,
                subscriptionId: preview.subscriptionId,
                email: preview.email,
              };
        return replaceCard(context, d.cards.render('reclaim-confirm', data));
      } catch (error) {
        return refuseInvoke(context, connectorTrouble(error), 500);
      }
    },

    /** "Confirm": removes the license (once), then shows the list as it is now. */
    async confirmRemove(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const click = await clicked(context, data);
      if (!click) return 'refused';
      try {
        const { ref } = click;
        const outcome =
          ref.kind === 'license'
            ? await d.reclaim.removeLicense(click.actor, ref.userId, ref.skuId)
            : await d.reclaim.removeVendorSeat(click.actor, ref.subscriptionId, ref.email);
        if (outcome.kind === 'forbidden') return refuseInvoke(context, outcome.message, 403);
        return replaceCard(
          context,
          await currentList(click.actor.tenantId, {
            text: outcome.kind === 'removed' ? `Done. ${outcome.message}` : outcome.message,
            color: outcome.kind === 'removed' ? 'Good' : 'Warning',
          }),
        );
      } catch (error) {
        return refuseInvoke(context, connectorTrouble(error), 500);
      }
    },

    /** "Back" and "Refresh": the list as it is now. */
    async show(context: TurnContext): Promise<AdaptiveCard | string> {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      if (!(await d.roles.isAdmin(actor))) return refuseInvoke(context, ONLY_ADMINS, 403);
      try {
        return replaceCard(context, await currentList(actor.tenantId));
      } catch (error) {
        return refuseInvoke(context, connectorTrouble(error), 500);
      }
    },
  };
}
