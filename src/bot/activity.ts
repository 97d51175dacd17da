// Reading what Teams sent: is it an activity at all, which tenant, which person.
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import type { Actor, Person } from '../domain/roles.js';
import { COMMANDS, normalized } from './commands.js';

const Account = z.object({ id: z.string().min(1) });

/**
 * The least an activity needs for us to process it. Only checked: the adapter reads the body
 * itself, so nothing else is copied (a passthrough parse copied every field of every turn).
 */
const IncomingActivity = z.object({
  type: z.string().min(1),
  channelId: z.string().min(1),
  serviceUrl: z.string().min(1),
  conversation: Account,
  from: Account,
  recipient: Account,
});

export function isIncomingActivity(body: unknown): boolean {
  return IncomingActivity.safeParse(body).success;
}

export function tenantIdOf(activity: Partial<Activity>): string | undefined {
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  const id = typeof fromChannelData === 'string' && fromChannelData ? fromChannelData : activity.conversation?.tenantId;
  return id || undefined;
}

export function personOf(activity: Partial<Activity>): Person {
  const tenantId = tenantIdOf(activity);
  if (!tenantId) throw new Error('Activity has no tenant id');
  const aadObjectId = activity.from?.aadObjectId;
  return { tenantId, ...(aadObjectId ? { aadObjectId } : {}) };
}

/** Who is acting: identified by Entra object id, or undefined when the chat did not say (guests, bots). */
export function actorOf(activity: Partial<Activity>): Actor | undefined {
  const tenantId = tenantIdOf(activity);
  const aadObjectId = activity.from?.aadObjectId;
  if (!tenantId || !aadObjectId) return undefined;
  return { tenantId, aadObjectId, name: activity.from?.name ?? 'Unknown user' };
}

export function isBotAdded(activity: Partial<Activity>): boolean {
  return (activity.membersAdded ?? []).some((m) => m.id === activity.recipient?.id);
}

export function isBotRemoved(activity: Partial<Activity>): boolean {
  return (activity.membersRemoved ?? []).some((m) => m.id === activity.recipient?.id);
}

/** What the per-turn log line says about an activity: never the text a person typed. */
export interface ActivitySummary {
  activityType?: string;
  activityId?: string;
  /** Invoke and event name, e.g. adaptiveCard/action. */
  name?: string;
  /** The card action's verb. */
  verb?: string;
  /** The command a message selected, "text" for anything else typed. */
  command?: string;
  conversationType?: string;
  tenantId?: string;
}

// Longest first, so "budget add" wins over "budgets" and "set reclaim days" over "reclaim".
const COMMAND_NAMES = COMMANDS.map((c) => c.name).sort((a, b) => b.length - a.length);
const short = (value: unknown) => (typeof value === 'string' && value ? value.slice(0, 80) : undefined);

export function summarizeActivity(body: unknown): ActivitySummary {
  if (!body || typeof body !== 'object') return {};
  const a = body as Partial<Activity>;
  const summary: ActivitySummary = {};
  const set = <K extends keyof ActivitySummary>(key: K, value: ActivitySummary[K] | undefined) => {
    if (value !== undefined) summary[key] = value;
  };
  set('activityType', short(a.type));
  set('activityId', short(a.id));
  set('name', short(a.name));
  set('conversationType', short(a.conversation?.conversationType));
  set('tenantId', short(tenantIdOf(a)));
  if (a.type === 'invoke') set('verb', short((a.value as { action?: { verb?: unknown } } | undefined)?.action?.verb));
  if (a.type === 'message' && typeof a.text === 'string') {
    // In channels the text starts with the mention of the bot.
    const text = normalized(a.text.replace(/<at>.*?<\/at>/gi, ''));
    summary.command = COMMAND_NAMES.find((name) => text === name || text.startsWith(`${name} `)) ?? 'text';
  }
  return summary;
}
