// Handlers for the basics: welcome, help, whoami, status, and what to do with anything
// the bot does not understand. Each reads the activity, asks a service, replies.
import { TeamsInfo, type TurnContext } from 'botbuilder';
import { describeRoles } from '../domain/roles.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { ConversationReferences } from '../storage/conversation-references.js';
import type { HealthService } from '../services/health.js';
import type { RoleService } from '../services/roles.js';
import { actorOf, isBotAdded, isBotRemoved, personOf, tenantIdOf } from './activity.js';
import type { AdaptiveCard, CardRenderer } from './cards.js';
import { commandsFor } from './commands.js';
import { sendCard, sendInvokeError } from './replies.js';

export interface HandlerDeps {
  cards: CardRenderer;
  roles: RoleService;
  health: HealthService;
  audit: AuditLog;
  conversations: ConversationReferences;
}

export function basicHandlers({ cards, roles, health, audit, conversations }: HandlerDeps) {
  const helpCard = async (context: TurnContext): Promise<AdaptiveCard> => {
    const userRoles = await roles.rolesOf(personOf(context.activity));
    return cards.render('help', {
      userName: context.activity.from.name ?? 'you',
      roleLabel: describeRoles(userRoles),
      commands: commandsFor(userRoles),
    });
  };

  return {
    async welcome(context: TurnContext): Promise<void> {
      if (!isBotAdded(context.activity)) return;
      const conversation = context.activity.conversation;
      const teamName = (context.activity.channelData as { team?: { name?: string } } | undefined)?.team?.name;
      const inTeam = conversation.conversationType === 'channel' || conversation.conversationType === 'groupChat';
      await audit.record({
        tenantId: tenantIdOf(context.activity)!,
        ...actorOf(context.activity),
        action: 'bot.installed',
        target: conversation.id,
        after: { conversationType: conversation.conversationType ?? 'personal' },
      });
      const firstName = (await displayNameOf(context)).split(' ')[0] || 'there';
      await sendCard(
        context,
        cards.render('welcome', { firstName, inTeam, conversationName: teamName ?? conversation.name ?? 'this chat' }),
      );
    },

    async goodbye(context: TurnContext): Promise<void> {
      if (!isBotRemoved(context.activity)) return;
      const tenantId = tenantIdOf(context.activity)!;
      await conversations.remove(tenantId, context.activity.conversation.id);
      await audit.record({ tenantId, ...actorOf(context.activity), action: 'bot.uninstalled', target: context.activity.conversation.id });
    },

    async help(context: TurnContext): Promise<void> {
      await sendCard(context, await helpCard(context));
    },

    /** The "Show help" button: the card it sits on becomes the help card. */
    showHelp: (context: TurnContext): Promise<AdaptiveCard> => helpCard(context),

    async whoami(context: TurnContext): Promise<void> {
      const person = personOf(context.activity);
      const userRoles = await roles.rolesOf(person);
      await sendCard(
        context,
        cards.render('whoami', {
          name: context.activity.from.name ?? 'Unknown user',
          aadObjectId: person.aadObjectId ?? 'not provided by this chat',
          tenantId: person.tenantId,
          roleLabel: describeRoles(userRoles),
          conversationType: context.activity.conversation.conversationType ?? 'personal',
          isAdmin: userRoles.includes('admin'),
        }),
      );
    },

    async status(context: TurnContext): Promise<void> {
      if (!(await roles.isAdmin(personOf(context.activity)))) {
        await context.sendActivity('Only admins can use **status**. Type **help** to see the commands you can use.');
        return;
      }
      const report = await health.report();
      await sendCard(
        context,
        cards.render('status', {
          storage: report.storageReachable ? `reachable (${report.storageLatencyMs} ms)` : 'NOT reachable',
          version: report.version,
          environment: report.environment,
          authentication: report.authentication,
          instance: report.instance,
          uptime: formatDuration(report.uptimeSeconds),
        }),
      );
    },

    async unknownText(context: TurnContext): Promise<void> {
      const text = (context.activity.text ?? '').trim();
      const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
      await sendCard(context, cards.render('unknown-command', { text: shown || '(an empty message)' }));
    },

    async unknownCardAction(context: TurnContext): Promise<void> {
      await sendInvokeError(context, 400, 'UnknownAction', 'This button is no longer supported. Type help to see what I can do.');
    },
  };
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
