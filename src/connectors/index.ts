// The composition root's one call: connectors for production, or the same connectors
// pointed at the loopback sandbox (only the base URLs and msal's network client differ).
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { AwsCostExplorer, type AwsStaticCredentials } from './aws-cost/aws-cost-explorer.js';
import { AzureCostManagement } from './azure-cost/azure-cost-management.js';
import { ClientSecretTokens } from './azure-cost/identity-tokens.js';
import { GraphDirectory } from './graph/graph-directory.js';
import { createConnectionIdentity, type ConnectionIdentityConnector } from './identity/connection-identity.js';
import { PartnerCenterSignIn } from './identity/partner-center-sign-in.js';
import { createBillingConnectors, type BillingConnectors } from './billing/index.js';
import { DEFAULT_AUTHORITY_HOST, SandboxLoginNetworkClient } from './identity/sandbox-network-client.js';
import { MsalTokenProvider, type ClientCredentials } from './identity/token-provider.js';
import { MarketplaceCommerce, type MarketplaceTokenSource } from './marketplace/marketplace-commerce.js';
import { PartnerCenterCommerce, type AgentTokenSource } from './partner-center/partner-center-commerce.js';
import { RoutingCommerce } from './routing-commerce.js';
import type {
  AwsCostPort,
  AzureCostPort,
  CommercePort,
  ConnectorError,
  DirectoryPort,
  MarketplacePort,
  PartnerAccountPort,
} from './ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

export * from './ports.js';
export { createBillingConnectors, type BillingConnectors } from './billing/index.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export { AwsCostExplorer, AWS_COST_REGION, type AwsCostExplorerOptions, type AwsStaticCredentials } from './aws-cost/aws-cost-explorer.js';
export { GRAPH_SCOPE, PARTNER_CENTER_SCOPE, type ClientCredentials, type TokenProvider } from './identity/token-provider.js';
export type { ConnectionIdentityConnector } from './identity/connection-identity.js';
export {
  DEFAULT_MARKETPLACE_BASE_URL,
  isMarketplaceOfferId,
  isMarketplaceOrderId,
  isMarketplaceSubscriptionId,
  itemIdOf,
  MarketplaceCommerce,
  marketplaceOfferId,
  MARKETPLACE_OFFER_PREFIX,
  type MarketplaceOptions,
  type MarketplaceTokenSource,
} from './marketplace/marketplace-commerce.js';
export * as Rql from './marketplace/rql.js';
export { RoutingCommerce } from './routing-commerce.js';
export {
  isReconsentRequired,
  PartnerCenterSignIn,
  PartnerCenterUserTokens,
  ReconsentRequired,
  type SignedInAgent,
  type TokenCacheStore,
} from './identity/partner-center-sign-in.js';

/** What sandbox mode needs of a running sandbox (`startSandbox()` returns a superset). */
export interface SandboxEndpoints {
  urls: {
    partnerCenter: string;
    graph: string;
    login: string;
    costExplorer?: string;
    sts?: string;
    costManagement?: string;
    /** Marketplace Platform base (…/public/v1): turns on `marketplace`. */ marketplace?: string;
  };
  /** Seeded Marketplace API tokens by customer id (the sandbox token source until `useTokenSource`). */
  marketplaceTokens?: Record<string, string>;
  /** The emulator's price sheet as CSV: the sandbox's fallback price list. */
  priceListCsv?: string;
  /** Route commerce through Partner Center + Marketplace (RoutingCommerce). Off by default: merged catalogs change what existing flows see. */
  marketplaceRouting?: boolean;
  app: ClientCredentials;
  partnerTenantId: string;
  /** The sandbox's AWS base identity (assumes customer roles); with urls.costExplorer/sts it turns on awsCost. */
  aws?: { baseIdentity: AwsStaticCredentials & { principalArn: string } };
  /** The billing emulator (Partner Center invoices, Graph's partner billing exports, Marketplace billing): turns on `billing`. */
  billing?: { urls: { partnerCenter: string; graph: string; marketplace: string } };
}

export type ConnectorSettings =
  | { mode: 'sandbox'; sandbox: SandboxEndpoints; retry?: Partial<RetryPolicy>; clock?: Clock }
  | {
      mode: 'production';
      /** Multi-tenant app with admin consent in each customer tenant (Graph application permissions). */
      graph: ClientCredentials;
      /**
       * App registered in the partner's tenant for Partner Center. `partnerTenantId` (the
       * partner's own tenant, where Partner Center tokens are issued) is required; it is typed
       * optional only so that configuration can add it, and start-up fails clearly without it.
       */
      partnerCenter: ClientCredentials & { partnerTenantId?: string };
      /** Overrides for national clouds or tests; defaults are the public cloud's. */
      baseUrls?: { graph?: string; partnerCenter?: string; login?: string; priceSheet?: string };
      /** AWS Cost Explorer: the app's base identity for role assumption (omitted credentials = the SDK's default chain). */
      aws?: { baseCredentials?: AwsStaticCredentials; appPrincipalArn?: string };
      /** Marketplace Platform: tokens come from `connectors.marketplace.useTokenSource(...)`; routing merges it into `commerce`. */
      marketplace?: { baseUrl?: string; routing?: boolean };
      retry?: Partial<RetryPolicy>;
      /** The calendar (default: the system clock). */
      clock?: Clock;
    };

export interface Connectors {
  commerce: CommercePort;
  directory: DirectoryPort;
  awsCost?: AwsCostPort;
  azureCost?: AzureCostPort;
  /** Admin consent confirmation and the Partner Center agent sign-in. */
  identity: ConnectionIdentityConnector;
  /** Lets the composition root route commerce calls through a customer's connected agent. */
  partnerCenterAgent?: {
    actAs(source: AgentTokenSource): void;
    onAgentRefused(listener: (customerId: string, error: ConnectorError) => void): void;
    checkAgent(customerId: string): Promise<void>;
  };
  /** Graph refusing the app for a tenant (401, or 403 for a missing permission): the composition root marks Microsoft 365. */
  graphRefusals?: { onRefused(listener: (tenantId: string, error: ConnectorError) => void): void };
  /** Partner Center's price sheet download (an agent's App+User token; see PartnerCenterCommerce.fetchPriceSheet). */
  partnerCenterPrices?: { fetchPriceSheet(customerId: string, market: string): Promise<string> };
  /** Partner-level calls (the partner's customers and indirect resellers), with a partner agent's token. */
  partnerAccounts?: PartnerAccountPort;
  /** Sandbox only: the emulator's price sheet, the fallback price list when no agent signed in (as the seeded marketplace tokens). */
  sandboxPriceList?: string;
  /** Marketplace Platform (when configured): agreements, PO numbers, order follow-up, Querying answers. */
  marketplace?: MarketplaceConnector;
  /** Sandbox only: the emulator's seeded Marketplace API token per customer (a fallback for tenants without a connection). */
  sandboxMarketplaceTokens?: Record<string, string>;
  /** Invoices, reconciliation exports and CSP daily usage (Partner Center, Graph), and Marketplace billing when configured. */
  billing?: BillingConnectors;
}

/** The marketplace connector as the composition root sees it: both ports, and where API tokens come from. */
export type MarketplaceConnector = MarketplacePort &
  CommercePort & {
    useTokenSource(source: MarketplaceTokenSource): void;
    onTokenExpired(listener: (customerId: string, error: ConnectorError) => void): void;
  };

/** Partner Center alone, or routed together with the marketplace (ids decide). */
function withMarketplace(
  partnerCenter: PartnerCenterCommerce,
  marketplace: MarketplaceCommerce | undefined,
  routing: boolean,
  log: Logger,
): Pick<Connectors, 'commerce' | 'marketplace' | 'partnerCenterAgent'> {
  if (!marketplace) return { commerce: partnerCenter };
  return {
    commerce: routing ? new RoutingCommerce(partnerCenter, marketplace, log.child({ connector: 'commerce-routing' })) : partnerCenter,
    marketplace,
    partnerCenterAgent: partnerCenter,
  };
}

export function createConnectors(settings: ConnectorSettings, log: Logger): Connectors {
  const built = { ...buildConnectors(settings, log), ...billingOf(settings, log) };
  const connectors =
    built.commerce instanceof PartnerCenterCommerce
      ? { ...built, partnerCenterAgent: built.commerce, partnerCenterPrices: built.commerce }
      : built;
  if (built.directory instanceof GraphDirectory) connectors.graphRefusals = built.directory;
  const agent = connectors.partnerCenterAgent;
  const withPrices =
    agent instanceof PartnerCenterCommerce && !connectors.partnerCenterPrices
      ? { ...connectors, partnerCenterPrices: agent, partnerAccounts: agent }
      : agent instanceof PartnerCenterCommerce
        ? { ...connectors, partnerAccounts: agent }
        : connectors;
  return settings.mode === 'sandbox' && settings.sandbox.priceListCsv
    ? { ...withPrices, sandboxPriceList: settings.sandbox.priceListCsv }
    : withPrices;
}

function buildConnectors(settings: ConnectorSettings, log: Logger): Connectors {
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...settings.retry };
  const clock = settings.clock ?? systemClock;
  const graphLog = log.child({ connector: 'graph' });
  const partnerCenterLog = log.child({ connector: 'partner-center' });

  if (settings.mode === 'sandbox') {
    const { sandbox } = settings;
    const networkClient = new SandboxLoginNetworkClient(sandbox.urls.login);
    const awsLog = log.child({ connector: 'aws-cost' });
    const azureCostLog = log.child({ connector: 'azure-cost' });
    return {
      ...(sandbox.marketplaceTokens ? { sandboxMarketplaceTokens: sandbox.marketplaceTokens } : {}),
      ...(sandbox.urls.costManagement
        ? {
            azureCost: new AzureCostManagement({
              tokens: new MsalTokenProvider(sandbox.app, { service: 'azure-cost', networkClient, log: azureCostLog }),
              clientId: sandbox.app.clientId,
              endpoint: sandbox.urls.costManagement,
              allowInsecureConnection: true,
              retry,
              log: azureCostLog,
              clock,
            }),
          }
        : {}),
      ...(sandbox.urls.costExplorer && sandbox.urls.sts && sandbox.aws
        ? {
            awsCost: new AwsCostExplorer({
              baseCredentials: {
                accessKeyId: sandbox.aws.baseIdentity.accessKeyId,
                secretAccessKey: sandbox.aws.baseIdentity.secretAccessKey,
              },
              appPrincipalArn: sandbox.aws.baseIdentity.principalArn,
              endpoints: { costExplorer: sandbox.urls.costExplorer, sts: sandbox.urls.sts },
              retry,
              log: awsLog,
              clock,
            }),
          }
        : {}),
      directory: new GraphDirectory({
        tokens: new MsalTokenProvider(sandbox.app, { service: 'graph', networkClient, log: graphLog }),
        baseUrl: sandbox.urls.graph,
        retry,
        log: graphLog,
      }),
      identity: createConnectionIdentity({
        graphTokens: new MsalTokenProvider(sandbox.app, { service: 'graph', networkClient, log: graphLog }),
        graphClientId: sandbox.app.clientId,
        browserAuthorityHost: sandbox.urls.login,
        partnerCenter: new PartnerCenterSignIn({
          credentials: sandbox.app,
          partnerTenantId: sandbox.partnerTenantId,
          sandboxLoginUrl: sandbox.urls.login,
          log: partnerCenterLog,
        }),
      }),
      ...withMarketplace(
        new PartnerCenterCommerce({
          tokens: new MsalTokenProvider(sandbox.app, { service: 'partner-center', networkClient, log: partnerCenterLog }),
          partnerTenantId: sandbox.partnerTenantId,
          baseUrl: sandbox.urls.partnerCenter,
          // The emulator serves the price sheet too (api.partner.microsoft.com in production).
          priceSheetBaseUrl: sandbox.urls.partnerCenter,
          retry,
          log: partnerCenterLog,
          clock,
        }),
        sandbox.urls.marketplace
          ? new MarketplaceCommerce({
              baseUrl: sandbox.urls.marketplace,
              tokens: async (customerId) => sandbox.marketplaceTokens?.[customerId],
              retry,
              log: log.child({ connector: 'marketplace' }),
            })
          : undefined,
        sandbox.marketplaceRouting === true,
        log,
      ),
    };
  }

  const { partnerTenantId } = settings.partnerCenter;
  if (!partnerTenantId)
    throw new Error("partner center: the partner's tenant id is required (Partner Center tokens are issued in the partner's own tenant)");
  const login = settings.baseUrls?.login;
  const aws = settings.aws;
  const azureCostLog = log.child({ connector: 'azure-cost' });
  return {
    // Cost Management reads with the Graph app registration (Cost Management Reader on each scope).
    azureCost: new AzureCostManagement({
      tokens: new ClientSecretTokens(settings.graph, { service: 'azure-cost', ...(login ? { authorityHost: login } : {}) }),
      clientId: settings.graph.clientId,
      retry,
      log: azureCostLog,
      clock,
    }),
    ...(aws ? { awsCost: new AwsCostExplorer({ ...aws, retry, log: log.child({ connector: 'aws-cost' }), clock }) } : {}),
    identity: createConnectionIdentity({
      graphTokens: new MsalTokenProvider(settings.graph, { service: 'graph', ...(login ? { authorityHost: login } : {}), log: graphLog }),
      graphClientId: settings.graph.clientId,
      browserAuthorityHost: login ?? DEFAULT_AUTHORITY_HOST,
      partnerCenter: new PartnerCenterSignIn({
        credentials: settings.partnerCenter,
        partnerTenantId,
        ...(login ? { authorityHost: login } : {}),
        log: partnerCenterLog,
      }),
    }),
    directory: new GraphDirectory({
      tokens: new MsalTokenProvider(settings.graph, { service: 'graph', ...(login ? { authorityHost: login } : {}), log: graphLog }),
      ...(settings.baseUrls?.graph ? { baseUrl: settings.baseUrls.graph } : {}),
      retry,
      log: graphLog,
    }),
    ...withMarketplace(
      new PartnerCenterCommerce({
        tokens: new MsalTokenProvider(settings.partnerCenter, {
          service: 'partner-center',
          ...(login ? { authorityHost: login } : {}),
          log: partnerCenterLog,
        }),
        partnerTenantId,
        ...(settings.baseUrls?.partnerCenter ? { baseUrl: settings.baseUrls.partnerCenter } : {}),
        ...(settings.baseUrls?.priceSheet ? { priceSheetBaseUrl: settings.baseUrls.priceSheet } : {}),
        retry,
        log: partnerCenterLog,
        clock,
      }),
      settings.marketplace
        ? new MarketplaceCommerce({
            ...(settings.marketplace.baseUrl ? { baseUrl: settings.marketplace.baseUrl } : {}),
            tokens: async () => undefined,
            retry,
            log: log.child({ connector: 'marketplace' }),
          })
        : undefined,
      settings.marketplace?.routing === true,
      log,
    ),
  };
}

/** The billing connectors beside commerce: the partner's own app registration, the same retries. */
function billingOf(settings: ConnectorSettings, log: Logger): Pick<Connectors, 'billing'> {
  if (settings.mode === 'sandbox') {
    const { sandbox } = settings;
    if (!sandbox.billing) return {};
    const tokens = sandbox.marketplaceTokens;
    return {
      billing: createBillingConnectors(
        {
          mode: 'sandbox',
          sandbox: {
            billing: sandbox.billing,
            urls: { login: sandbox.urls.login },
            app: sandbox.app,
            partnerTenantId: sandbox.partnerTenantId,
          },
          ...(tokens ? { marketplaceTokens: async (customerId: string) => tokens[customerId] } : {}),
          ...(settings.retry ? { retry: settings.retry } : {}),
        },
        log,
      ),
    };
  }
  const { partnerTenantId } = settings.partnerCenter;
  if (!partnerTenantId) return {};
  const { login, partnerCenter } = settings.baseUrls ?? {};
  return {
    billing: createBillingConnectors(
      {
        mode: 'production',
        partnerCenter: { ...settings.partnerCenter, partnerTenantId },
        ...(login || partnerCenter ? { baseUrls: { ...(login ? { login } : {}), ...(partnerCenter ? { partnerCenter } : {}) } } : {}),
        ...(settings.marketplace
          ? { marketplace: { ...(settings.marketplace.baseUrl ? { baseUrl: settings.marketplace.baseUrl } : {}) } }
          : {}),
        ...(settings.retry ? { retry: settings.retry } : {}),
      },
      log,
    ),
  };
}
