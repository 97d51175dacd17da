// The basics: welcome on install and goodbye on removal, help, whoami, status, the plain
// answer to a message nothing understands, and to a button nobody handles.
import { TeamsInfo, type TurnContext } from 'botbuilder';
import { describeRoles } from '../domain/roles.js';
import type { AdminConsole } from '../services/admin-console.js';
import type { HealthReport } from '../services/health.js';
import type { ConversationService } from '../services/conversations.js';
import { actorOf, isBotAdded, isBotRemoved, tenantIdOf } from './activity.js';
import type { CardRenderer } from './cards.js';
import { sendCard, sendInvokeError } from './replies.js';
import { answer, card, type Surface, type Turn } from './surface.js';

export interface BasicDeps {
  cards: CardRenderer;
  conversations: ConversationService;
  console: AdminConsole;
  /** Partner mode: the partner that serves the tenant (buys its licenses), if any. */
  servedBy?: (tenantId: string) => Promise<string | undefined>;
}

export function basicFeature(surface: Surface, d: BasicDeps): void {
  const help = async (turn: Turn<unknown>) => card(await helpCard(turn, surface, d.cards));
  const whoami = async (turn: Turn<unknown>) => card(await whoamiCard(turn, d));
  const status = async ({ actor }: Turn) =>
    answer(await d.console.status(actor), (report) => card(d.cards.render('status', statusData(report))));

  surface.event('membersAdded', (context) => welcome(context, d));
  surface.event('membersRemoved', (context) => goodbye(context, d));
  surface.command({ name: 'help', anonymous: true, run: help });
  surface.command({ name: 'whoami', anonymous: true, run: whoami });
  surface.command({ name: 'status', run: status });
  surface.action({ verb: 'showHelp', anonymous: true, run: help }); // "Show help" on a card: that card becomes the help card
  surface.otherwise({ cardAction: unknownCardAction });
}

async function helpCard(turn: Turn<unknown>, surface: Surface, cards: CardRenderer) {
  const roles = await turn.roles();
  return cards.render('help', {
    userName: turn.context.activity.from.name ?? 'you',
    roleLabel: describeRoles(roles),
    groups: surface.helpFor(roles),
  });
}

async function welcome(context: TurnContext, d: BasicDeps): Promise<void> {
  if (!isBotAdded(context.activity)) return;
  const conversation = context.activity.conversation;
  const teamName = (context.activity.channelData as { team?: { name?: string } } | undefined)?.team?.name;
  const inTeam = conversation.conversationType === 'channel' || conversation.conversationType === 'groupChat';
  await d.conversations.installed(
    tenantIdOf(context.activity)!,
    { id: conversation.id, type: conversation.conversationType ?? 'personal' },
    installedBy(context),
  );
  const firstName = (await displayNameOf(context)).split(' ')[0] || 'there';
  await sendCard(context, d.cards.render('welcome', { firstName, inTeam, conversationName: teamName ?? conversation.name ?? 'this chat' }));
}

async function goodbye(context: TurnContext, d: BasicDeps): Promise<void> {
  if (!isBotRemoved(context.activity)) return;
  await d.conversations.uninstalled(tenantIdOf(context.activity)!, context.activity.conversation.id, installedBy(context));
}

/** Install events may come without an Entra identity: the audit log then names the Teams id. */
function installedBy(context: TurnContext): { id: string; name?: string } {
  const actor = actorOf(context.activity);
  const from = context.activity.from;
  return { id: actor?.aadObjectId ?? from?.id ?? 'unknown', ...(from?.name ? { name: from.name } : {}) };
}

const CHAT_KINDS: Record<string, string> = {
  personal: 'Your chat with Quartermaster',
  channel: 'A team channel',
  groupChat: 'A group chat',
};

/** Who you are as the directory names you; the ids only as small print for support. */
async function whoamiCard(turn: Turn<unknown>, d: BasicDeps) {
  const roles = await turn.roles();
  const partner = await d.servedBy?.(turn.person.tenantId);
  const { activity } = turn.context;
  const { aadObjectId, tenantId } = turn.person;
  const known = aadObjectId ? await d.console.whoIs({ tenantId, aadObjectId, name: activity.from.name ?? '' }) : undefined;
  const type = activity.conversation.conversationType ?? 'personal';
  return d.cards.render('whoami', {
    name: known?.name ?? activity.from.name ?? 'Unknown user',
    signInName: known?.upn ?? 'not found in your directory',
    roleLabel: describeRoles(roles),
    conversationType: CHAT_KINDS[type] ?? type,
    isAdmin: roles.includes('admin'),
    supportIds: `For support: Entra object id ${aadObjectId ?? 'not provided by this chat'}, tenant ${tenantId}.`,
    servedBy: partner ? `${partner} (buys your licenses through its Partner Center)` : '',
  });
}

function statusData(report: HealthReport) {
  return {
    storage: report.storageReachable ? `reachable (${report.storageLatencyMs} ms)` : 'NOT reachable',
    version: report.version,
    environment: report.environment,
    authentication: report.authentication,
    instance: report.instance,
    uptime: formatDuration(report.uptimeSeconds),
  };
}

/** The plain "Sorry, I didn't understand" card, quoting (shortened) what was typed. */
export function notUnderstood(cards: CardRenderer, typed: string | undefined) {
  const text = (typed ?? '').trim();
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return card(cards.render('unknown-command', { text: shown || '(an empty message)' }));
}

async function unknownCardAction(context: TurnContext): Promise<void> {
  await sendInvokeError(context, 400, 'UnknownAction', 'This button is no longer supported. Type help to see what I can do.');
}

/** Install events often carry no name: ask Teams for the member when it is missing. */
async function displayNameOf(context: TurnContext): Promise<string> {
  if (context.activity.from.name) return context.activity.from.name;
  try {
    return (await TeamsInfo.getMember(context, context.activity.from.id)).name ?? '';
  } catch {
    return '';
  }
}

export function formatDuration(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  return minutes ? `${minutes} min` : `${totalSeconds % 60} s`;
}
