// The Teams surface: a teams-ai Application with one handler registered per line, on a
// CloudAdapter that checks Bot Framework tokens whenever BOT_ID is set.
import { ActivityTypes, TurnContext } from 'botbuilder';
import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import { CallerIdConstants } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import type { BotAuthConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { tenantIdOf } from './activity.js';
import { command } from './commands.js';
import { createErrorBoundary } from './error-boundary.js';
import { basicHandlers, type HandlerDeps } from './handlers.js';
import { requestHandlers, type RequestHandlerDeps } from './request-handlers.js';
import { subscriptionHandlers } from './subscription-handlers.js';
import type { SubscriptionService } from '../services/subscriptions.js';
import { reclaimHandlers, type ReclaimHandlerDeps } from './reclaim-handlers.js';
import { connectionHandlers } from './connection-handlers.js';
import { catalogHandlers } from './catalog-handlers.js';
import type { CatalogAdminService } from '../services/catalog-admin.js';
import type { ConnectionService } from '../services/connections.js';
import { spendHandlers, type SpendHandlerDeps } from './spend-handlers.js';
import { marketplaceHandlers } from './marketplace-handlers.js';
import type { VendorFulfilment } from '../services/vendor-fulfilment.js';
import { languageHandlers } from './language-handlers.js';
import type { Understander } from '../language/understand.js';
import type { ApprovalPathService } from '../services/approval-paths.js';
import type { PeopleService } from '../services/people.js';
import type { ProductWishes } from '../services/product-wishes.js';
import { isCardAction } from './replies.js';
import { QuartermasterTurnState } from './turn-state.js';

export interface BotDeps extends HandlerDeps {
  adapter: TeamsAdapter;
  licensing: Omit<RequestHandlerDeps, 'cards' | 'log'>;
  subscriptions: SubscriptionService;
  reclaim: Omit<ReclaimHandlerDeps, 'cards'>;
  connections: ConnectionService;
  /** The admin's catalog: orderable items, price source, license mappings. */
  catalogAdmin: CatalogAdminService;
  /** Spend: reports, budgets, alert channel, `sync now`. */
  spend: Omit<SpendHandlerDeps, 'cards' | 'log'>;
  /** Marketplace: answers to vendors' questions (when the marketplace is configured). */
  vendor?: VendorFulfilment;
  /** Free text: the trained model (undefined while it trains) and the services its answers need. */
  language: {
    understander: () => Understander | undefined;
    approvalPaths: ApprovalPathService;
    people: PeopleService;
    wishes: ProductWishes;
  };
  auth: BotAuthConfig;
  log: Logger;
}

export interface Bot {
  adapter: TeamsAdapter;
  /** Runs one turn: tenant check, conversation reference, then the handlers. */
  run(context: TurnContext): Promise<void>;
}

/** The Bot Framework adapter: checks incoming tokens, and sends (also proactively). */
export function createAdapter(auth: BotAuthConfig): TeamsAdapter {
  return new TeamsAdapter({
    MicrosoftAppId: auth.appId ?? '',
    MicrosoftAppPassword: auth.appPassword ?? '',
    // No app id = authentication off (local); botbuilder only allows that as MultiTenant.
    MicrosoftAppType: auth.appId ? auth.appType : 'MultiTenant',
    MicrosoftAppTenantId: auth.tenantId ?? '',
    // Setting one endpoint means setting them all (botbuilder then uses none of its defaults):
    // the public cloud's, with the signing keys read from elsewhere.
    ...(auth.openIdMetadataUrl && {
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
      ToBotFromChannelOpenIdMetadataUrl: auth.openIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: auth.openIdMetadataUrl,
    }),
  });
}

export function createBot(deps: BotDeps): Bot {
  const adapter = deps.adapter;
  adapter.onTurnError = createErrorBoundary(deps.cards, deps.log);

  const app = new Application<QuartermasterTurnState>({
    adapter,
    // No turn-state storage: nothing lives between turns except in the tables (each card
    // carries its own data), so reading and writing state would be two round trips per turn for nothing.
    turnStateFactory: () => new QuartermasterTurnState(),
    removeRecipientMention: true,
    startTypingTimer: false,
    ...(deps.auth.appId ? { botAppId: deps.auth.appId } : {}),
  });

  // teams-ai 1.7's run() starts its typing timer on every message whatever startTypingTimer
  // says: a turn over a second then answers "typing" before its reply. Honour the option.
  app.startTypingTimer = () => undefined;

  const h = basicHandlers(deps);
  const r = requestHandlers({ ...deps.licensing, cards: deps.cards, log: deps.log });
  const rc = reclaimHandlers({ ...deps.reclaim, cards: deps.cards });
  const cat = catalogHandlers({ cards: deps.cards, catalogAdmin: deps.catalogAdmin });
  const c = connectionHandlers({ cards: deps.cards, connections: deps.connections });
  const sp = spendHandlers({ ...deps.spend, cards: deps.cards, log: deps.log });
  const mk = marketplaceHandlers({
    cards: deps.cards,
    connections: deps.connections,
    requests: deps.licensing.requests,
    ...(deps.vendor && { vendor: deps.vendor }),
  });
  const s = subscriptionHandlers({
    cards: deps.cards,
    subscriptions: deps.subscriptions,
    notifier: deps.licensing.notifier,
    purchaseAccount: (tenantId) => deps.connections.purchaseAccount(tenantId),
  });
  const u = languageHandlers({
    ...deps.language,
    cards: deps.cards,
    catalog: deps.licensing.catalog,
    roles: deps.roles,
    requests: deps.licensing.requests,
    spend: deps.spend.report,
    log: deps.log,
    // What an understood intent of an existing command runs: that command's handler.
    commands: {
      help: h.help,
      whoami: h.whoami,
      status: h.status,
      'my requests': r.myRequests,
      approvals: r.waitingForMe,
      policies: r.listPolicies,
      audit: r.auditLog,
      'set approvals channel': r.setApprovalsChannel,
      reclaim: rc.reclaimCommand,
      'set reclaim days': rc.setReclaimDays,
      subscriptions: s.listCommand,
      connect: c.connectCommand,
      budgets: sp.budgetsCommand,
      'budget add': sp.budgetAddCommand,
      'alerts here': sp.alertsHere,
      'sync now': sp.syncNow,
      catalog: cat.catalogCommand,
    },
    showRequest: r.showRequest,
    notReady: h.unknownText,
    requestFromText: r.requestCommand,
  });
  app.conversationUpdate('membersAdded', h.welcome);
  app.conversationUpdate('membersRemoved', h.goodbye);
  app.message(command('help'), h.help);
  app.message(command('whoami'), h.whoami);
  app.message(command('status'), h.status);
  app.message(command('request'), u.request); // "request adobe creative cloud": the forgiving product match
  app.message(command('my requests'), r.myRequests);
  app.message(command('approvals'), r.waitingForMe);
  app.message(command('policies'), r.listPolicies);
  app.message(command('audit'), r.auditLog);
  app.message(command('set approvals channel'), r.setApprovalsChannel);
  app.message(command('reclaim'), rc.reclaimCommand);
  app.message(command('set reclaim days'), rc.setReclaimDays);
  app.message(command('subscriptions'), s.listCommand);
  app.message(command('connect'), c.connectCommand);
  app.message(command('spend'), sp.spendCommand);
  app.message(command('budgets'), sp.budgetsCommand);
  app.message(command('budget add'), sp.budgetAddCommand);
  app.message(command('alerts here'), sp.alertsHere);
  app.message(command('sync now'), sp.syncNow);
  app.message(command('catalog'), cat.catalogCommand);
  app.adaptiveCards.actionExecute('showHelp', h.showHelp);
  app.adaptiveCards.actionExecute('submitRequest', r.submitRequest);
  app.adaptiveCards.actionExecute('approveRequest', r.approve);
  app.adaptiveCards.actionExecute('rejectRequest', r.reject);
  app.adaptiveCards.actionExecute('cancelRequest', r.cancel);
  app.adaptiveCards.actionExecute('refreshRequest', r.refresh);
  app.adaptiveCards.actionExecute('showRequest', r.open);
  app.adaptiveCards.actionExecute('reclaimRemoveLicense', rc.askToRemove);
  app.adaptiveCards.actionExecute('reclaimConfirmRemove', rc.confirmRemove);
  app.adaptiveCards.actionExecute('reclaimShow', rc.show);
  app.adaptiveCards.actionExecute('listSubscriptions', s.listPage);
  app.adaptiveCards.actionExecute('showSubscription', s.show);
  app.adaptiveCards.actionExecute('prepareSubscriptionChange', s.prepare);
  app.adaptiveCards.actionExecute('confirmSubscriptionChange', s.confirm);
  app.adaptiveCards.actionExecute('showConnections', c.show);
  app.adaptiveCards.actionExecute('checkConnection', c.check);
  app.adaptiveCards.actionExecute('addAzureScope', c.addAzureScope);
  app.adaptiveCards.actionExecute('addAwsAccount', c.addAwsAccount);
  app.adaptiveCards.actionExecute('askDisconnect', c.askDisconnect);
  app.adaptiveCards.actionExecute('confirmDisconnect', c.confirmDisconnect);
  app.adaptiveCards.actionExecute('connectMarketplace', mk.connectMarketplace);
  app.adaptiveCards.actionExecute('setMarketplacePo', mk.setMarketplacePo);
  app.adaptiveCards.actionExecute('answerOrderQuery', mk.answerOrderQuery);
  app.adaptiveCards.actionExecute('showSpend', sp.showSpend);
  app.adaptiveCards.actionExecute('showBudgets', sp.show);
  app.adaptiveCards.actionExecute('budgetForm', sp.addForm);
  app.adaptiveCards.actionExecute('editBudget', sp.editForm);
  app.adaptiveCards.actionExecute('saveBudget', sp.save);
  app.adaptiveCards.actionExecute('deleteBudget', sp.remove);
  app.adaptiveCards.actionExecute('catalogShow', cat.show);
  app.adaptiveCards.actionExecute('catalogMapSku', cat.mapSku);
  app.adaptiveCards.actionExecute('catalogUnmapSku', cat.unmapSku);
  app.adaptiveCards.actionExecute('chooseProduct', u.chooseProduct);
  app.adaptiveCards.actionExecute('askAdminForProduct', u.askAdmin);
  app.adaptiveCards.actionExecute('suggestion', u.suggestion);
  // Fallbacks: registered last, so they only see what no handler above took. Free text is
  // understood once (src/language); each intent has its handler.
  app.message(u.intent('request'), u.request); // "I need Photoshop", "can I get excel?"
  app.message(u.intent('request-status'), u.requestStatus); // "where is my Visio request?"
  app.message(u.intent('cancel-request'), u.cancelRequest); // "cancel my visio request"
  app.message(u.intent('who-approves'), u.whoApproves); // "who approves my requests?"
  app.message(u.intent('spend'), u.spend); // "how much do we spend on azure"
  app.message(u.intent('greeting'), u.greeting);
  app.message(u.intent('thanks'), u.thanks);
  app.message(u.commandIntent, u.runIntentCommand); // "show our subscriptions": the command itself
  app.activity(ActivityTypes.Message, u.fallback); // the closest things I can do, as buttons
  app.addRoute(async (context) => isCardAction(context), h.unknownCardAction, true);

  return {
    adapter,
    async run(context) {
      const tenantId = tenantIdOf(context.activity);
      if (!tenantId) {
        deps.log.warn(
          { activityType: context.activity.type, conversationId: context.activity.conversation?.id },
          'ignored an activity without a tenant id',
        );
        return;
      }
      // Not awaited: `help` answers while storage is down; the reference is stored when it can be.
      deps.conversations.saveSoon(tenantId, TurnContext.getConversationReference(context.activity));
      await app.run(context);
    },
  };
}
