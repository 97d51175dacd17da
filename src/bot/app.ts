// The Teams surface: a teams-ai Application with one handler registered per line, on a
// CloudAdapter that checks Bot Framework tokens whenever BOT_ID is set.
import { ActivityTypes, TurnContext, type Storage } from 'botbuilder';
import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import type { BotAuthConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { tenantIdOf } from './activity.js';
import { command } from './commands.js';
import { createErrorBoundary } from './error-boundary.js';
import { basicHandlers, type HandlerDeps } from './handlers.js';
import { isCardAction } from './replies.js';
import { QuartermasterTurnState } from './turn-state.js';

export interface BotDeps extends HandlerDeps {
  auth: BotAuthConfig;
  turnStateStorage: Storage;
  log: Logger;
}

export interface Bot {
  adapter: TeamsAdapter;
  /** Runs one turn: tenant check, conversation reference, then the handlers. */
  run(context: TurnContext): Promise<void>;
}

export function createBot(deps: BotDeps): Bot {
  const adapter = new TeamsAdapter({
    MicrosoftAppId: deps.auth.appId ?? '',
    MicrosoftAppPassword: deps.auth.appPassword ?? '',
    // No app id = authentication off (local); botbuilder only allows that as MultiTenant.
    MicrosoftAppType: deps.auth.appId ? deps.auth.appType : 'MultiTenant',
    MicrosoftAppTenantId: deps.auth.tenantId ?? '',
  });
  adapter.onTurnError = createErrorBoundary(deps.cards, deps.log);

  const app = new Application<QuartermasterTurnState>({
    adapter,
    storage: deps.turnStateStorage,
    turnStateFactory: () => new QuartermasterTurnState(),
    removeRecipientMention: true,
    startTypingTimer: false,
    ...(deps.auth.appId ? { botAppId: deps.auth.appId } : {}),
  });

  const h = basicHandlers(deps);
  app.conversationUpdate('membersAdded', h.welcome);
  app.conversationUpdate('membersRemoved', h.goodbye);
  app.message(command('help'), h.help);
  app.message(command('whoami'), h.whoami);
  app.message(command('status'), h.status);
  app.adaptiveCards.actionExecute('showHelp', h.showHelp);
  // Fallbacks: registered last, so they only see what no handler above took.
  app.activity(ActivityTypes.Message, h.unknownText);
  app.addRoute(async (context) => isCardAction(context), h.unknownCardAction, true);

  return {
    adapter,
    async run(context) {
      const tenantId = tenantIdOf(context.activity);
      if (!tenantId) {
        deps.log.warn({ activityType: context.activity.type, conversationId: context.activity.conversation?.id }, 'ignored an activity without a tenant id');
        return;
      }
      await deps.conversations.save(tenantId, TurnContext.getConversationReference(context.activity));
      await app.run(context);
    },
  };
}

