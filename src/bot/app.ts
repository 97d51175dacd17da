// The Teams surface: a teams-ai Application with one handler registered per line, on a
// CloudAdapter that checks Bot Framework tokens whenever BOT_ID is set.
import { ActivityTypes, TurnContext } from 'botbuilder';
import { Application, TeamsAdapter } from '@microsoft/teams-ai';
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
import type { ConnectionService } from '../services/connections.js';
import { spendHandlers, type SpendHandlerDeps } from './spend-handlers.js';
import { marketplaceHandlers } from './marketplace-handlers.js';
import type { VendorFulfilment } from '../services/vendor-fulfilment.js';
import { billingHandlers, type BillingHandlerDeps } from './billing-handlers.js';
import { isCardAction } from './replies.js';
import { QuartermasterTurnState } from './turn-state.js';

export interface BotDeps extends HandlerDeps {
  adapter: TeamsAdapter;
  licensing: Omit<RequestHandlerDeps, 'cards' | 'log'>;
  subscriptions: SubscriptionService;
  reclaim: Omit<ReclaimHandlerDeps, 'cards'>;
  connections: ConnectionService;
  /** Spend: reports, budgets, alert channel, `sync now`. */
  spend: Omit<SpendHandlerDeps, 'cards' | 'log'>;
  /** Marketplace: answers to vendors' questions (when the marketplace is configured). */
  vendor?: VendorFulfilment;
  /** Billing: invoices, reconciliation, chargeback, cost owners, files. */
  billing?: Omit<BillingHandlerDeps, 'cards' | 'log'>;
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

  const h = basicHandlers(deps);
  const r = requestHandlers({ ...deps.licensing, cards: deps.cards, log: deps.log });
  const rc = reclaimHandlers({ ...deps.reclaim, cards: deps.cards });
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
  const b = deps.billing && billingHandlers({ ...deps.billing, cards: deps.cards, log: deps.log });
  app.conversationUpdate('membersAdded', h.welcome);
  app.conversationUpdate('membersRemoved', h.goodbye);
  app.message(command('help'), h.help);
  app.message(command('whoami'), h.whoami);
  app.message(command('status'), h.status);
  app.message(command('request'), r.requestCommand);
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
  if (b) {
    app.message(command('invoices'), b.invoicesCommand);
    app.message(command('chargeback'), b.chargebackCommand);
    app.message(command('cost owners'), b.costOwnersCommand);
    app.adaptiveCards.actionExecute('showInvoice', b.showInvoice);
    app.adaptiveCards.actionExecute('invoiceFile', b.invoiceFile);
    app.adaptiveCards.actionExecute('invoiceLink', b.invoiceLink);
    app.adaptiveCards.actionExecute('showReconciliation', b.showReconciliation);
    app.adaptiveCards.actionExecute('showChargeback', b.showChargeback);
    app.adaptiveCards.actionExecute('chargebackFile', b.chargebackFile);
    app.adaptiveCards.actionExecute('chargebackLink', b.chargebackLink);
    app.adaptiveCards.actionExecute('showCostOwners', b.showCostOwners);
    app.adaptiveCards.actionExecute('costOwnerForm', b.costOwnerForm);
    app.adaptiveCards.actionExecute('saveCostOwner', b.saveCostOwner);
    app.adaptiveCards.actionExecute('removeCostOwner', b.removeCostOwner);
    app.fileConsentAccept(b.fileConsentAccept);
    app.fileConsentDecline(b.fileConsentDecline);
  }
  // Fallbacks: registered last, so they only see what no handler above took.
  app.message(r.isRequestText, r.requestCommand); // free text such as "I need 2 Visio licenses"
  app.activity(ActivityTypes.Message, h.unknownText);
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
      await deps.conversations.save(tenantId, TurnContext.getConversationReference(context.activity));
      await app.run(context);
    },
  };
}
