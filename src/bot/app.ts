// The Teams bot: each feature registers its commands and card actions on one Surface, whose
// registry becomes the teams-ai Application's routes, on a CloudAdapter that checks Bot
// Framework tokens whenever BOT_ID is set.
import { TurnContext } from 'botbuilder';
import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import { CallerIdConstants } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import type { BotAuthConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { tenantIdOf } from './activity.js';
import { createErrorBoundary } from './error-boundary.js';
import { reuseConnectorClients } from './connector-clients.js';
import { basicFeature } from './handlers.js';
import type { CardRenderer } from './cards.js';
import type { RoleService } from '../services/roles.js';
import type { AdminConsole } from '../services/admin-console.js';
import type { ConversationService } from '../services/conversations.js';
import { Surface } from './surface.js';
import { requestFeature, type RequestFeatureDeps } from './request-handlers.js';
import { subscriptionFeature } from './subscription-handlers.js';
import type { SubscriptionService } from '../services/subscriptions.js';
import { reclaimFeature, type ReclaimFeatureDeps } from './reclaim-handlers.js';
import { connectionFeature } from './connection-handlers.js';
import { catalogFeature } from './catalog-handlers.js';
import { orderHistoryFeature } from './order-history-handlers.js';
import { partnerFeature } from './partner-handlers.js';
import { licenseSettingsFeature } from './license-settings-handlers.js';
import { partnerProfileFeature } from './partner-profile-handlers.js';
import type { LicenseSettingsService } from '../services/license-settings.js';
import { resellerFeature } from './reseller-handlers.js';
import type { PartnerResellers } from '../services/partner-resellers.js';
import type { PartnerProfileService } from '../services/partner-profile.js';
import type { PartnerWorkspace } from '../services/partner-workspace.js';
import type { OrderHistory } from '../services/order-history.js';
import type { PartnerCustomerFacts } from '../services/partner-customer-facts.js';
import { unitFeature } from './unit-handlers.js';
import type { LicenseUnitService } from '../services/license-units.js';
import type { CatalogAdminService } from '../services/catalog-admin.js';
import type { ConnectionService } from '../services/connections.js';
import { spendFeature, type SpendFeatureDeps } from './spend-handlers.js';
import { marketplaceFeature } from './marketplace-handlers.js';
import type { VendorFulfilment } from '../services/vendor-fulfilment.js';
import { languageFeature } from './language-handlers.js';
import { billingFeature, billingUnavailableFeature, type BillingFeatureDeps } from './billing-handlers.js';
import type { LanguageModel } from './language-model.js';
import type { Understander } from '../language/understand.js';
import type { ApprovalPathService } from '../services/approval-paths.js';
import type { PeopleService } from '../services/people.js';
import type { ProductWishes } from '../services/product-wishes.js';
import { QuartermasterTurnState } from './turn-state.js';

export interface BotDeps {
  adapter: TeamsAdapter;
  cards: CardRenderer;
  roles: RoleService;
  /** Where each conversation can be reached, and installs. */
  conversations: ConversationService;
  /** Policies, audit, the approvals channel and status, for admins. */
  console: AdminConsole;
  licensing: Omit<RequestFeatureDeps, 'cards' | 'log' | 'console'>;
  subscriptions: SubscriptionService;
  reclaim: Omit<ReclaimFeatureDeps, 'cards'>;
  connections: ConnectionService;
  /** The admin's catalog: orderable items, price source, license mappings. */
  catalogAdmin: CatalogAdminService;
  /** Partner mode: the partner admins' customers (and the partner that serves a customer). */
  partners: PartnerWorkspace;
  partnerFacts: PartnerCustomerFacts;
  /** A tenant's license settings: approval, auto-purchase, auto-decrease at renewal. */
  licenseSettings: LicenseSettingsService;
  /** Partner mode, indirect model: resellers, their customers and margins. */
  resellers: PartnerResellers;
  /** Partner mode: the partner's own settings (`partner`). */
  partnerProfile: PartnerProfileService;
  /** `orders`: a tenant's orders with the requests they came from. */
  orders: OrderHistory;
  /** Delegated units: quotas per department / group / administrative unit and their license admins. */
  units: LicenseUnitService;
  /** Spend: reports, budgets, alert channel, `sync now`. */
  spend: Omit<SpendFeatureDeps, 'cards' | 'log'>;
  /** Marketplace: answers to vendors' questions (when the marketplace is configured). */
  vendor?: VendorFulfilment;
  /** Free text: the trained model (undefined while it trains) and the services its answers need. */
  language: {
    understander: () => Understander | undefined;
    approvalPaths: ApprovalPathService;
    people: PeopleService;
    wishes: ProductWishes;
    /** The optional language model (LANGUAGE_MODEL_*): reads what the offline model is unsure about. */
    model?: LanguageModel;
  };
  /** Billing: invoices, reconciliation, chargeback, cost owners, files (absent without billing connectors). */
  billing?: Omit<BillingFeatureDeps, 'cards' | 'log'>;
  auth: BotAuthConfig;
  log: Logger;
}

export interface Bot {
  adapter: TeamsAdapter;
  /** Runs one turn: tenant check, conversation reference, then the handlers. */
  run(context: TurnContext): Promise<void>;
  /** The registry the routes were built from (help and the fuzz test read it). */
  surface: Surface;
}

/** The Bot Framework adapter: checks incoming tokens, and sends (also proactively). */
export function createAdapter(auth: BotAuthConfig): TeamsAdapter {
  const adapter = new TeamsAdapter({
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
  reuseConnectorClients(adapter);
  return adapter;
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

  const surface = new Surface((person) => deps.roles.rolesOf(person));
  basicFeature(surface, {
    cards: deps.cards,
    conversations: deps.conversations,
    console: deps.console,
    servedBy: async (tenantId) => (await deps.partners.partnerOf(tenantId))?.partnerName,
  });
  requestFeature(surface, { ...deps.licensing, cards: deps.cards, console: deps.console, log: deps.log });
  subscriptionFeature(surface, {
    cards: deps.cards,
    subscriptions: deps.subscriptions,
    requests: deps.licensing.requests,
    purchaseAccount: (tenantId) => deps.partners.purchaseAccount(tenantId),
  });
  connectionFeature(surface, { cards: deps.cards, connections: deps.connections });
  catalogFeature(surface, { cards: deps.cards, catalogAdmin: deps.catalogAdmin });
  partnerFeature(surface, { cards: deps.cards, partners: deps.partners, facts: deps.partnerFacts, resellers: deps.resellers });
  resellerFeature(surface, { cards: deps.cards, resellers: deps.resellers });
  licenseSettingsFeature(surface, { cards: deps.cards, settings: deps.licenseSettings });
  partnerProfileFeature(surface, { cards: deps.cards, profile: deps.partnerProfile });
  orderHistoryFeature(surface, { cards: deps.cards, orders: deps.orders, partners: deps.partners });
  unitFeature(surface, { cards: deps.cards, units: deps.units, catalog: deps.licensing.catalog });
  marketplaceFeature(surface, {
    cards: deps.cards,
    connections: deps.connections,
    requests: deps.licensing.requests,
    ...(deps.vendor && { vendor: deps.vendor }),
  });
  spendFeature(surface, { ...deps.spend, cards: deps.cards, log: deps.log });
  reclaimFeature(surface, { ...deps.reclaim, cards: deps.cards });
  if (deps.billing) billingFeature(surface, { ...deps.billing, cards: deps.cards, log: deps.log });
  else billingUnavailableFeature(surface);
  languageFeature(surface, {
    ...deps.language,
    cards: deps.cards,
    catalog: deps.licensing.catalog,
    requests: deps.licensing.requests,
    spend: deps.spend.report,
    log: deps.log,
  });
  surface.mount(app);

  return {
    adapter,
    surface,
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
      deps.conversations.remember(tenantId, TurnContext.getConversationReference(context.activity));
      await app.run(context);
    },
  };
}
