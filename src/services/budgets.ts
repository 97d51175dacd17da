// Budgets as admins manage them from chat: add, edit (ETag-checked), delete, list with spend,
// forecast and percentage; and `alerts here`, which picks the channel spend alerts go to.
// Every change is audited (names, amounts and scopes: a budget holds no secret). The rules
// (validation, evaluation) are the domain's; this file only orchestrates.
import type { Clock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import { budgetStatus, validateBudget, type BudgetEvaluation, type BudgetScope, type Threshold } from '../domain/spend/budgets.js';
import type { ProviderName } from '../domain/spend/focus.js';
import { COST_PROVIDERS, providerByWord } from '../domain/spend/providers/index.js';
import { addDays, dayOf, periodContaining } from '../domain/spend/periods.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { BudgetRepository, StoredBudget, VersionedBudget } from '../storage/budgets.js';

export type { StoredBudget, VersionedBudget };
import { ConcurrencyError } from '../storage/errors.js';
import type { SettingsRepository } from '../storage/settings.js';
import type { Actor } from '../domain/roles.js';
import type { RoleService } from './roles.js';
import { done, refused, type Outcome, type Refused, type Refusal } from './outcome.js';

/** A budget form refused for one reason, or with every problem found. */
const refusedWith = (reason: Refusal, message: string) => ({ ...refused(reason, message), errors: [message] });
const invalidForm = (errors: string[]) => ({ ...refused('invalid', errors[0] ?? 'The budget is not valid.'), errors });
import { providerForecastFor, type CostRowQuery, type CostRowReader } from './spend-contracts.js';

/** What the budget form sends, as typed (all text: the card can be forged, so nothing is trusted). */
export interface BudgetFormInput {
  name?: unknown;
  /** "", "Microsoft" or "AWS". */
  provider?: unknown;
  account?: unknown;
  service?: unknown;
  /** "key=value". */
  tag?: unknown;
  amount?: unknown;
  currency?: unknown;
  period?: unknown;
  /** "50,80,100" (percent of actual spend). */
  thresholds?: unknown;
  /** Also alert when the forecast reaches 100 %. */
  forecast100?: unknown;
  /** The channel this budget posts to: "default" (or empty) for the alerts channel, or one set with `alerts here`. */
  channel?: unknown;
}

export interface AlertChannel {
  id: string;
  name: string;
}

/** The form's choice for "the alerts channel" (an empty value reads as no choice in some clients). */
export const DEFAULT_CHANNEL_CHOICE = 'default';
const MAX_ALERT_CHANNELS = 20;
const UNKNOWN_CHANNEL = 'Choose the channel from the list: a channel is offered there once someone types "alerts here" in it.';

/** A budget saved, or refused with every problem of the form (`message` is the first). */
export type BudgetChange = { ok: true; budget: VersionedBudget; message: string } | (Refused & { errors: string[] });

export interface BudgetStatusLine {
  budget: StoredBudget;
  etag: string;
  evaluation: BudgetEvaluation;
}

export const ONLY_ADMINS_BUDGETS = 'Only admins can see and change budgets. Type **help** to see the commands you can use.';
export const ONLY_ADMINS_ALERT_CHANNEL = 'Only admins can choose where spend alerts go. Type **help** to see the commands you can use.';
const MAX_TEXT = 200;
const CHANGED_MEANWHILE =
  'Someone changed this budget while you were editing it. Nothing was saved: type "budgets" and edit the current version.';
const DELETE_CHANGED = 'Someone changed this budget meanwhile; nothing was deleted. Look at the current list and try again.';

function text(value: unknown): string {
  return typeof value === 'string'
    ? value.trim().slice(0, MAX_TEXT)
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : '';
}

/** "50, 80 % ,100" → percents of actual spend; words or empty entries are errors, listed. */
export function parseThresholdText(raw: unknown, errors: string[]): number[] {
  const value = text(raw);
  if (!value) return [];
  const percents: number[] = [];
  for (const part of value.split(/[,;\s]+/).filter(Boolean)) {
    const cleaned = part.replace(/%$/, '');
    if (!/^\d+(\.\d+)?$/.test(cleaned)) {
      errors.push(`"${part.slice(0, 20)}" is not a percentage: write thresholds like 50,80,100.`);
      continue;
    }
    percents.push(Number(cleaned));
  }
  return percents;
}

function providerOf(raw: unknown, errors: string[]): ProviderName | undefined {
  const value = text(raw).toLowerCase();
  if (!value || value === 'any' || value === 'all') return undefined;
  const provider = providerByWord(value);
  if (provider) return provider.focusName;
  errors.push(`The provider must be ${COST_PROVIDERS.map((p) => p.displayName).join(', ')} or any.`);
  return undefined;
}

/** Form text → a domain budget check; form-only errors (thresholds, provider, tag) come first. */
export function budgetFromForm(id: string, input: BudgetFormInput): ReturnType<typeof validateBudget> {
  const errors: string[] = [];
  const scope: BudgetScope = {};
  const provider = providerOf(input.provider, errors);
  if (provider) scope.provider = provider;
  if (text(input.account)) scope.subAccountId = text(input.account);
  if (text(input.service)) scope.serviceName = text(input.service);
  const tag = text(input.tag);
  if (tag) {
    const [key = '', ...rest] = tag.split('=');
    scope.tag = { key: key.trim(), value: rest.join('=').trim() };
  }
  const percents = parseThresholdText(input.thresholds, errors);
  const forecast = input.forecast100 === true || input.forecast100 === 'true';
  // An empty threshold list is a mistake even with the forecast toggle on: say so plainly.
  const thresholds: Threshold[] | [] =
    percents.length === 0
      ? []
      : [
          ...percents.map((percent) => ({ percent, kind: 'actual' as const })),
          ...(forecast ? [{ percent: 100, kind: 'forecast' as const }] : []),
        ];
  const period = text(input.period).toLowerCase();
  const check = validateBudget({ id, name: input.name, scope, amount: text(input.amount), currency: input.currency, period, thresholds });
  if (errors.length > 0) return { ok: false, errors: [...errors, ...(check.ok ? [] : check.errors)] };
  return check;
}

export class BudgetService {
  constructor(
    private readonly deps: {
      budgets: BudgetRepository;
      rows: CostRowReader;
      roles: RoleService;
      audit: AuditLog;
      settings: SettingsRepository;
      clock: Clock;
    },
  ) {}

  private isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin(actor);
  }

  /** What the budget form offers an admin: the alerts channel (the default) and every channel a budget may post to. */
  async formChoices(actor: Actor): Promise<Outcome<{ defaultName?: string; channels: AlertChannel[] }>> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_BUDGETS);
    return done(await this.alertChannels(actor.tenantId));
  }

  /** The channel `alerts here` set last (the default), and every channel a budget may post to. */
  private async alertChannels(tenantId: string): Promise<{ defaultName?: string; channels: AlertChannel[] }> {
    const settings = await this.deps.settings.get(tenantId);
    const channels = [...(settings.alertChannels ?? [])];
    // Set before the list existed: still a choice.
    if (settings.alertChannelId && !channels.some((c) => c.id === settings.alertChannelId))
      channels.unshift({ id: settings.alertChannelId, name: settings.alertChannelName ?? settings.alertChannelId });
    return { ...(settings.alertChannelName ? { defaultName: settings.alertChannelName } : {}), channels };
  }

  /** The form as a budget with its own channel (none: the alerts channel), or every error in it. */
  private async fromForm(tenantId: string, id: string, input: BudgetFormInput, current?: StoredBudget) {
    const check = budgetFromForm(id, input);
    const channel = await this.channelOf(tenantId, input, current);
    if (!check.ok || !channel.ok) return invalidForm([...(check.ok ? [] : check.errors), ...(channel.ok ? [] : [UNKNOWN_CHANNEL])]);
    return {
      ok: true as const,
      budget: { ...check.budget, ...(channel.channel && { channelId: channel.channel.id, channelName: channel.channel.name }) },
    };
  }

  /** The budget's own channel from the form: none (the default), a known one, or an error. */
  private async channelOf(
    tenantId: string,
    input: BudgetFormInput,
    current?: StoredBudget,
  ): Promise<{ ok: true; channel?: AlertChannel } | { ok: false }> {
    const chosen = typeof input.channel === 'string' ? input.channel : '';
    if (!chosen || chosen === DEFAULT_CHANNEL_CHOICE) return { ok: true };
    if (current?.channelId === chosen) return { ok: true, channel: { id: chosen, name: current.channelName ?? chosen } };
    const known = (await this.alertChannels(tenantId)).channels.find((c) => c.id === chosen);
    return known ? { ok: true, channel: known } : { ok: false };
  }

  async get(actor: Actor, id: string): Promise<VersionedBudget | undefined> {
    if (!(await this.isAdmin(actor))) return undefined;
    return this.deps.budgets.get(actor.tenantId, id);
  }

  /** Each budget with its spend, forecast and percentage now (latest figures, partial day included). */
  async statuses(
    actor: Actor,
    now = this.deps.clock(),
  ): Promise<{ ok: true; lines: BudgetStatusLine[]; alertChannelName?: string } | Refused> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_BUDGETS);
    const [budgets, settings] = await Promise.all([this.deps.budgets.list(actor.tenantId), this.deps.settings.get(actor.tenantId)]);
    const lines: BudgetStatusLine[] = [];
    for (const { budget, etag } of budgets) {
      const rows = await this.rowsFor(actor.tenantId, budget, now);
      const providerForecast = await providerForecastFor(this.deps.rows, actor.tenantId, budget);
      lines.push({
        budget,
        etag,
        evaluation: budgetStatus(budget, rows, now, { includePartialDays: true, ...(providerForecast ? { providerForecast } : {}) }),
      });
    }
    return { ok: true, lines, ...(settings.alertChannelName ? { alertChannelName: settings.alertChannelName } : {}) };
  }

  /** Rows of the budget's current period (to today inclusive), narrowed by provider/account server-side. */
  rowsFor(tenantId: string, budget: StoredBudget, now: Date) {
    return this.deps.rows.rows(tenantId, budgetRowQuery(budget, now));
  }

  async add(actor: Actor, input: BudgetFormInput, now = this.deps.clock()): Promise<BudgetChange> {
    if (!(await this.isAdmin(actor))) return { ...refused('forbidden', ONLY_ADMINS_BUDGETS), errors: [ONLY_ADMINS_BUDGETS] };
    const form = await this.fromForm(actor.tenantId, `b-${randomUUID().slice(0, 8)}`, input);
    if (!form.ok) return form;
    const budget: StoredBudget = { ...form.budget, tenantId: actor.tenantId, createdBy: actor.aadObjectId, createdAt: now.toISOString() };
    const saved = await this.deps.budgets.create(budget);
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'budget.add',
      target: budget.id,
      after: auditView(budget),
      at: now,
    });
    return { ok: true, budget: saved, message: `Budget "${budget.name}" saved.` };
  }

  async edit(actor: Actor, id: string, etag: string, input: BudgetFormInput, now = this.deps.clock()): Promise<BudgetChange> {
    if (!(await this.isAdmin(actor))) return { ...refused('forbidden', ONLY_ADMINS_BUDGETS), errors: [ONLY_ADMINS_BUDGETS] };
    const current = await this.deps.budgets.get(actor.tenantId, id);
    if (!current) return refusedWith('not-found', 'That budget no longer exists. Type "budgets" to see the current list.');
    const form = await this.fromForm(actor.tenantId, id, input, current.budget);
    if (!form.ok) return form;
    // Compared here too: a forged or malformed ETag (or "*") must never reach storage as a condition.
    if (etag !== current.etag) return refusedWith('conflict', CHANGED_MEANWHILE);
    const { id: _id, ...changes } = form.budget;
    const { channelId: _oldChannel, channelName: _oldName, ...unchanged } = current.budget;
    const budget: StoredBudget = { ...unchanged, ...changes, updatedBy: actor.aadObjectId, updatedAt: now.toISOString() };
    try {
      const saved = await this.deps.budgets.replace(budget, etag);
      await this.deps.audit.record({
        tenantId: actor.tenantId,
        actorId: actor.aadObjectId,
        actorName: actor.name,
        action: 'budget.edit',
        target: id,
        before: auditView(current.budget),
        after: auditView(budget),
        at: now,
      });
      return { ok: true, budget: saved, message: `Budget "${budget.name}" updated.` };
    } catch (error) {
      if (error instanceof ConcurrencyError) return refusedWith('conflict', CHANGED_MEANWHILE);
      throw error;
    }
  }

  async remove(actor: Actor, id: string, etag: string, now = this.deps.clock()): Promise<Outcome> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_BUDGETS);
    const current = await this.deps.budgets.get(actor.tenantId, id);
    if (!current) return done(undefined, 'That budget was already deleted.');
    if (etag !== current.etag) return refused('conflict', DELETE_CHANGED);
    try {
      await this.deps.budgets.delete(actor.tenantId, id, etag);
    } catch (error) {
      if (error instanceof ConcurrencyError) return refused('conflict', DELETE_CHANGED);
      throw error;
    }
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'budget.delete',
      target: id,
      before: auditView(current.budget),
      at: now,
    });
    return done(undefined, `Budget "${current.budget.name}" deleted.`);
  }

  /** `alerts here`: this channel receives budget and anomaly alerts from now on. */
  async setAlertChannel(actor: Actor, channel: { id: string; name: string }, now = this.deps.clock()): Promise<Outcome> {
    if (!(await this.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_ALERT_CHANNEL);
    const { before } = await this.deps.settings.update(actor.tenantId, (current) => ({
      ...current,
      alertChannelId: channel.id,
      alertChannelName: channel.name,
      alertChannels: [channel, ...(current.alertChannels ?? []).filter((c) => c.id !== channel.id)].slice(0, MAX_ALERT_CHANNELS),
      updatedBy: actor.aadObjectId,
      updatedAt: now.toISOString(),
    }));
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'settings.alert-channel',
      target: channel.id,
      before: { channel: before.alertChannelName ?? null },
      after: { channel: channel.name },
      at: now,
    });
    return done(
      undefined,
      `Done: budget and anomaly alerts will be posted in ${channel.name}. A budget with a channel of its own still posts there.`,
    );
  }
}

/** Which stored rows a budget needs now: its current period up to today, narrowed by provider/account. */
export function budgetRowQuery(budget: Pick<StoredBudget, 'period' | 'scope'>, now: Date): CostRowQuery {
  const today = dayOf(now);
  return {
    from: periodContaining(budget.period, today).start,
    to: addDays(today, 1),
    ...(budget.scope.provider ? { provider: budget.scope.provider } : {}),
    ...(budget.scope.subAccountId ? { subAccountId: budget.scope.subAccountId } : {}),
  };
}

/** The audit's before/after: what an admin set, nothing else. */
function auditView(budget: StoredBudget) {
  return {
    name: budget.name,
    scope: budget.scope,
    amount: budget.amount,
    period: budget.period,
    thresholds: budget.thresholds,
    channel: budget.channelName ?? null,
  };
}
