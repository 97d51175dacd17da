// Teams surface of spend: `spend [filters]`, `budgets`, `budget add`, `alerts here`,
// `sync now`, and the budget cards' buttons (add, edit, save, delete). Card data is checked
// here (cards can be forged); who may act and what is valid is decided by the services.
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { BudgetFormInput, BudgetService } from '../services/budgets.js';
import type { SyncNowService } from '../services/sync-now.js';
import type { SpendReport } from '../services/spend-report.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { channelNameOf } from './channel-names.js';
import type { Logger } from '../logger.js';
import { commandArgument } from './commands.js';
import { refuseInvoke, replaceCard, sendCard, UNKNOWN_ACTOR } from './replies.js';
import { actorOf } from './activity.js';
import { budgetFormCardData, budgetListCardData, spendSummaryCardData } from './spend-views.js';

export interface SpendHandlerDeps {
  cards: CardRenderer;
  budgets: BudgetService;
  report: SpendReport;
  /** Queues `sync now` (absent until cost sync is wired: the command says so). */
  syncNow?: Pick<SyncNowService, 'request'>;
  log: Logger;
}

const BudgetId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9-]*$/);
const Text = z.string().max(200).optional();
const SaveData = z
  .object({
    budgetId: BudgetId.optional(),
    etag: z.string().max(200).optional(),
    name: Text,
    provider: Text,
    account: Text,
    service: Text,
    tag: Text,
    amount: z.union([z.string().max(60), z.number()]).optional(),
    currency: Text,
    period: Text,
    thresholds: Text,
    forecast100: z.union([z.string().max(10), z.boolean()]).optional(),
    channel: z.string().max(400).optional(),
  })
  .passthrough();
const EditData = z.object({ budgetId: BudgetId.min(1) }).passthrough();
const DeleteData = z.object({ budgetId: BudgetId.min(1), etag: z.string().min(1).max(200) }).passthrough();

const BAD_CARD = 'This card sent something I cannot use. Type **budgets** for a fresh list.';
const ONLY_ADMINS = 'Only admins can manage budgets. Type **help** to see the commands you can use.';
const NOT_SET_UP = 'Cost sync is not set up yet.';

export function spendHandlers(d: SpendHandlerDeps) {
  /** The budgets card for an admin, or the refusal text. */
  const listCard = async (
    context: TurnContext,
    note?: { text: string; color: 'Good' | 'Warning' | 'Attention' },
  ): Promise<AdaptiveCard | string> => {
    const actor = actorOf(context.activity);
    if (!actor) return UNKNOWN_ACTOR;
    const result = await d.budgets.statuses(actor);
    if (!result.ok) return result.message;
    return d.cards.render(
      'budget-list',
      budgetListCardData(result.lines, {
        ...(result.alertChannelName ? { alertChannelName: result.alertChannelName } : {}),
        ...(note ? { note: note.text, noteColor: note.color } : {}),
      }),
    );
  };

  /** Checks who clicked; undefined after refusing. */
  const adminClick = async (context: TurnContext) => {
    const actor = actorOf(context.activity);
    if (!actor) return void (await refuseInvoke(context, UNKNOWN_ACTOR));
    if (!(await d.budgets.isAdmin(actor))) return void (await refuseInvoke(context, ONLY_ADMINS, 403));
    return actor;
  };

  const formCard = async (tenantId: string, options: Parameters<typeof budgetFormCardData>[0]) => {
    const { defaultName, channels } = await d.budgets.alertChannels(tenantId);
    return d.cards.render(
      'budget-form',
      budgetFormCardData({ ...options, channels, ...(defaultName ? { alertChannelName: defaultName } : {}) }),
    );
  };

  return {
    async spendCommand(context: TurnContext): Promise<void> {
      const actor = actorOf(context.activity);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const result = await d.report.report(actor, commandArgument(context.activity.text, 'spend'));
      if (!result.ok) return void (await context.sendActivity(result.message));
      await sendCard(context, d.cards.render('spend-summary', spendSummaryCardData(result.summary)));
    },

    async budgetsCommand(context: TurnContext): Promise<void> {
      const card = await listCard(context);
      await (typeof card === 'string' ? context.sendActivity(card) : sendCard(context, card));
    },

    async budgetAddCommand(context: TurnContext): Promise<void> {
      const actor = actorOf(context.activity);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      if (!(await d.budgets.isAdmin(actor))) return void (await context.sendActivity(ONLY_ADMINS));
      await sendCard(context, await formCard(actor.tenantId, {}));
    },

    async alertsHere(context: TurnContext): Promise<void> {
      const actor = actorOf(context.activity);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      const conversation = context.activity.conversation;
      if (conversation.conversationType !== 'channel') {
        await context.sendActivity(
          "Type **alerts here** in the team channel where budget and anomaly alerts should go (mention me there). Until then they come to admins' 1:1 chats.",
        );
        return;
      }
      const result = await d.budgets.setAlertChannel(actor, { id: conversation.id, name: await channelNameOf(context, d.log) });
      await context.sendActivity(result.message);
    },

    async syncNow(context: TurnContext): Promise<void> {
      const actor = actorOf(context.activity);
      if (!actor) return void (await context.sendActivity(UNKNOWN_ACTOR));
      if (!(await d.budgets.isAdmin(actor)))
        return void (await context.sendActivity('Only admins can run a cost sync. Type **help** to see the commands you can use.'));
      if (!d.syncNow) return void (await context.sendActivity(NOT_SET_UP));
      await d.syncNow.request(actor, context.activity.conversation.id);
      await context.sendActivity(
        "Syncing Azure and AWS costs now. I'll post what I found here when it's done; budgets and anomalies are checked right after.",
      );
    },

    /** "Budgets" / "Refresh" / "Cancel": the list as it is now. */
    async show(context: TurnContext): Promise<AdaptiveCard | string> {
      const card = await listCard(context);
      return typeof card === 'string' ? refuseInvoke(context, card, 403) : replaceCard(context, card);
    },

    async showSpend(context: TurnContext): Promise<AdaptiveCard | string> {
      const actor = actorOf(context.activity);
      if (!actor) return refuseInvoke(context, UNKNOWN_ACTOR);
      const result = await d.report.report(actor, '');
      if (!result.ok) return refuseInvoke(context, result.message, 403);
      return replaceCard(context, d.cards.render('spend-summary', spendSummaryCardData(result.summary)));
    },

    /** "Add a budget": an empty form. */
    async addForm(context: TurnContext): Promise<AdaptiveCard | string> {
      const actor = await adminClick(context);
      if (!actor) return 'refused';
      return replaceCard(context, await formCard(actor.tenantId, {}));
    },

    /** "Edit": the form filled with the budget as stored, carrying its ETag. */
    async editForm(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = await adminClick(context);
      if (!actor) return 'refused';
      const parsed = EditData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const found = await d.budgets.get(actor, parsed.data.budgetId);
      if (!found) {
        const card = await listCard(context, { text: 'That budget no longer exists.', color: 'Warning' });
        return typeof card === 'string' ? refuseInvoke(context, card, 403) : replaceCard(context, card);
      }
      return replaceCard(context, await formCard(actor.tenantId, { budget: found.budget, etag: found.etag }));
    },

    /** "Save budget": add or edit; bad input comes back on the form with every problem listed, nothing saved. */
    async save(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = await adminClick(context);
      if (!actor) return 'refused';
      const parsed = SaveData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const { budgetId, etag, ...input } = parsed.data;
      const formInput = input as BudgetFormInput;
      const existing = budgetId ? await d.budgets.get(actor, budgetId) : undefined;
      const result = budgetId ? await d.budgets.edit(actor, budgetId, etag ?? '', formInput) : await d.budgets.add(actor, formInput);
      if (!result.ok) {
        if (result.forbidden) return refuseInvoke(context, result.errors[0] ?? ONLY_ADMINS, 403);
        return replaceCard(
          context,
          await formCard(actor.tenantId, {
            ...(existing ? { budget: existing.budget, etag: etag ?? '' } : {}),
            input: formInput,
            errors: result.errors,
          }),
        );
      }
      const card = await listCard(context, { text: result.message, color: 'Good' });
      return typeof card === 'string' ? refuseInvoke(context, card, 403) : replaceCard(context, card);
    },

    async remove(context: TurnContext, _state: unknown, data: Record<string, unknown>): Promise<AdaptiveCard | string> {
      const actor = await adminClick(context);
      if (!actor) return 'refused';
      const parsed = DeleteData.safeParse(data);
      if (!parsed.success) return refuseInvoke(context, BAD_CARD);
      const result = await d.budgets.remove(actor, parsed.data.budgetId, parsed.data.etag);
      if (!result.ok && result.forbidden) return refuseInvoke(context, result.message, 403);
      const card = await listCard(context, { text: result.message, color: result.ok ? 'Good' : 'Warning' });
      return typeof card === 'string' ? refuseInvoke(context, card, 403) : replaceCard(context, card);
    },
  };
}
