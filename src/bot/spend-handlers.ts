// Teams surface of spend: `spend [filters]`, `budgets`, `budget add`, `alerts here`,
// `sync now`, and the budget cards' buttons (add, edit, save, delete). The services decide
// who may act and what is valid; a form with problems comes back with every one listed.
import { z } from 'zod';
import type { Actor } from '../domain/roles.js';
import { ONLY_ADMINS_ALERT_CHANNEL, ONLY_ADMINS_BUDGETS, type BudgetFormInput, type BudgetService } from '../services/budgets.js';
import { ONLY_ADMINS_SYNC, type SyncNowService } from '../services/sync-now.js';
import { ONLY_ADMINS_SPEND, type SpendReport } from '../services/spend-report.js';
import type { CardRenderer } from './cards.js';
import { channelNameOf } from './channel-names.js';
import type { Logger } from '../logger.js';
import { ADMINS, answer, card, refusal, text, type ActionTurn, type CommandTurn, type Surface, type Turn } from './surface.js';
import { budgetFormCardData, budgetListCardData, spendSummaryCardData } from './spend-views.js';

export interface SpendFeatureDeps {
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
const NOT_SET_UP = 'Cost sync is not set up yet.';

type Note = { text: string; color: 'Good' | 'Warning' | 'Attention' };

export function spendFeature(surface: Surface, d: SpendFeatureDeps): void {
  /** The budgets card as it is now, with a note on top. */
  const budgetList = async (actor: Actor, note?: Note) => {
    const result = await d.budgets.statuses(actor);
    if (!result.ok) return refusal(result);
    const options = {
      ...(result.alertChannelName ? { alertChannelName: result.alertChannelName } : {}),
      ...(note ? { note: note.text, noteColor: note.color } : {}),
    };
    return card(d.cards.render('budget-list', budgetListCardData(result.lines, options)));
  };

  /** The budget form, offering the channels `alerts here` was typed in. */
  const budgetForm = async (actor: Actor, options: Parameters<typeof budgetFormCardData>[0]) =>
    answer(await d.budgets.formChoices(actor), ({ defaultName, channels }) =>
      card(
        d.cards.render(
          'budget-form',
          budgetFormCardData({ ...options, channels, ...(defaultName ? { alertChannelName: defaultName } : {}) }),
        ),
      ),
    );

  const spend = async ({ actor, argument }: CommandTurn) => spendSummary(actor, argument);
  const spendSummary = async (actor: Actor, filter: string) => {
    const result = await d.report.report(actor, filter);
    return result.ok ? card(d.cards.render('spend-summary', spendSummaryCardData(result.summary))) : refusal(result);
  };

  const alertsHere = async ({ context, actor }: CommandTurn) => {
    const conversation = context.activity.conversation;
    if (conversation.conversationType !== 'channel')
      return text(
        "Type **alerts here** in the team channel where budget and anomaly alerts should go (mention me there). Until then they come to admins' 1:1 chats.",
      );
    const channel = { id: conversation.id, name: await channelNameOf(context, d.log) };
    return answer(await d.budgets.setAlertChannel(actor, channel), (_, message) => text(message));
  };

  const syncNow = async ({ context, actor }: CommandTurn) => {
    if (!d.syncNow) return text(NOT_SET_UP);
    return answer(await d.syncNow.request(actor, context.activity.conversation.id), (_, message) => text(message));
  };

  /** "Edit": the form filled with the budget as stored, carrying its ETag. */
  const edit = async ({ actor, data }: ActionTurn<z.infer<typeof EditData>>) => {
    const found = await d.budgets.get(actor, data.budgetId);
    if (!found) return budgetList(actor, { text: 'That budget no longer exists.', color: 'Warning' });
    return budgetForm(actor, { budget: found.budget, etag: found.etag });
  };

  /** "Save budget": add or edit; bad input comes back on the form with every problem listed, nothing saved. */
  const save = async ({ actor, data }: ActionTurn<z.infer<typeof SaveData>>) => {
    const { budgetId, etag, ...input } = data;
    const formInput = input as BudgetFormInput;
    const existing = budgetId ? await d.budgets.get(actor, budgetId) : undefined;
    const result = budgetId ? await d.budgets.edit(actor, budgetId, etag ?? '', formInput) : await d.budgets.add(actor, formInput);
    if (result.ok) return budgetList(actor, { text: result.message, color: 'Good' });
    if (result.reason === 'forbidden') return refusal(result);
    return budgetForm(actor, {
      ...(existing ? { budget: existing.budget, etag: etag ?? '' } : {}),
      input: formInput,
      errors: result.errors,
    });
  };

  const remove = async ({ actor, data }: ActionTurn<z.infer<typeof DeleteData>>) => {
    const result = await d.budgets.remove(actor, data.budgetId, data.etag);
    if (!result.ok && result.reason === 'forbidden') return refusal(result);
    return budgetList(actor, { text: result.message, color: result.ok ? 'Good' : 'Warning' });
  };

  const list = ({ actor }: Turn) => budgetList(actor);
  const emptyForm = ({ actor }: Turn) => budgetForm(actor, {});
  const budgets = { roles: ADMINS, refusal: ONLY_ADMINS_BUDGETS, badData: BAD_CARD };
  surface.command({ name: 'spend', refusal: ONLY_ADMINS_SPEND, run: spend });
  surface.command({ name: 'budgets', refusal: ONLY_ADMINS_BUDGETS, run: list });
  surface.command({ name: 'budget add', refusal: ONLY_ADMINS_BUDGETS, run: emptyForm });
  surface.command({ name: 'alerts here', refusal: ONLY_ADMINS_ALERT_CHANNEL, run: alertsHere });
  surface.command({ name: 'sync now', refusal: ONLY_ADMINS_SYNC, run: syncNow });
  surface.action({ verb: 'showSpend', roles: ADMINS, refusal: ONLY_ADMINS_SPEND, run: ({ actor }) => spendSummary(actor, '') });
  surface.action({ verb: 'showBudgets', ...budgets, run: list }); // "Budgets", "Refresh", "Cancel"
  surface.action({ verb: 'budgetForm', ...budgets, run: emptyForm }); // "Add a budget"
  surface.action({ verb: 'editBudget', ...budgets, schema: EditData, run: edit });
  surface.action({ verb: 'saveBudget', ...budgets, schema: SaveData, run: save });
  surface.action({ verb: 'deleteBudget', ...budgets, schema: DeleteData, run: remove });
}
