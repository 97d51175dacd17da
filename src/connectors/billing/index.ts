// The billing connectors, for production or pointed at the sandbox's billing emulator (only
// base URLs and msal's network client differ). Kept apart from createConnectors so billing
// can grow without touching the commerce and cost wiring.
import type { Logger } from '../../logger.js';
import { SandboxLoginNetworkClient } from '../identity/sandbox-network-client.js';
import { MsalTokenProvider, type ClientCredentials } from '../identity/token-provider.js';
import type { MarketplaceTokenSource } from '../marketplace/marketplace-commerce.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry.js';
import { MarketplaceBilling } from './marketplace-billing.js';
import { PartnerBillingExports } from './partner-billing-export.js';
import { PartnerCenterInvoices } from './partner-center-invoices.js';

export { MarketplaceBilling, type MarketplaceInvoiceWire } from './marketplace-billing.js';
export { NoExportData, PartnerBillingExports, type BillingPeriod } from './partner-billing-export.js';
export { PartnerCenterInvoices, type PartnerCenterInvoice } from './partner-center-invoices.js';
export { safeFilename, type BillingDocument } from './downloads.js';

export interface BillingConnectors {
  /** The partner tenant: Partner Center invoices are its own. */
  partnerTenantId: string;
  partnerCenter: PartnerCenterInvoices;
  exports: PartnerBillingExports;
  /** When the marketplace is configured. */
  marketplace?: MarketplaceBilling;
}

export type BillingConnectorSettings =
  | {
      mode: 'sandbox';
      sandbox: {
        billing: { urls: { partnerCenter: string; graph: string; marketplace: string } };
        urls: { login: string };
        app: ClientCredentials;
        partnerTenantId: string;
      };
      /** Tenant → API token until the connections' own source is set (useTokenSource). */
      marketplaceTokens?: MarketplaceTokenSource;
      retry?: Partial<RetryPolicy>;
      /** Between polls of a running export (sandbox default 200 ms). */
      pollIntervalMs?: number;
    }
  | {
      mode: 'production';
      partnerCenter: ClientCredentials & { partnerTenantId: string };
      baseUrls?: { partnerCenter?: string; graph?: string; login?: string };
      marketplace?: { baseUrl?: string };
      retry?: Partial<RetryPolicy>;
    };

export function createBillingConnectors(settings: BillingConnectorSettings, log: Logger): BillingConnectors {
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...settings.retry };
  const pcLog = log.child({ connector: 'partner-center-billing' });
  if (settings.mode === 'sandbox') {
    const { sandbox } = settings;
    const networkClient = new SandboxLoginNetworkClient(sandbox.urls.login);
    const tokens = new MsalTokenProvider(sandbox.app, { service: 'partner-billing', networkClient, log: pcLog });
    return {
      partnerTenantId: sandbox.partnerTenantId,
      partnerCenter: new PartnerCenterInvoices({
        tokens,
        partnerTenantId: sandbox.partnerTenantId,
        baseUrl: sandbox.billing.urls.partnerCenter,
        retry,
        log: pcLog,
      }),
      exports: new PartnerBillingExports({
        tokens,
        partnerTenantId: sandbox.partnerTenantId,
        baseUrl: sandbox.billing.urls.graph,
        retry,
        log: pcLog,
        pollIntervalMs: settings.pollIntervalMs ?? 200,
        maxWaitMs: 60_000,
      }),
      marketplace: new MarketplaceBilling({
        baseUrl: sandbox.billing.urls.marketplace,
        tokens: settings.marketplaceTokens ?? (async () => undefined),
        retry,
        log: log.child({ connector: 'marketplace-billing' }),
      }),
    };
  }
  const login = settings.baseUrls?.login;
  const tokens = new MsalTokenProvider(settings.partnerCenter, {
    service: 'partner-billing',
    ...(login ? { authorityHost: login } : {}),
    log: pcLog,
  });
  const { partnerTenantId } = settings.partnerCenter;
  return {
    partnerTenantId,
    partnerCenter: new PartnerCenterInvoices({
      tokens,
      partnerTenantId,
      ...(settings.baseUrls?.partnerCenter ? { baseUrl: settings.baseUrls.partnerCenter } : {}),
      retry,
      log: pcLog,
    }),
    exports: new PartnerBillingExports({
      tokens,
      partnerTenantId,
      ...(settings.baseUrls?.graph ? { baseUrl: settings.baseUrls.graph } : {}),
      retry,
      log: pcLog,
    }),
    ...(settings.marketplace
      ? {
          marketplace: new MarketplaceBilling({
            ...(settings.marketplace.baseUrl ? { baseUrl: settings.marketplace.baseUrl } : {}),
            tokens: async () => undefined,
            retry,
            log: log.child({ connector: 'marketplace-billing' }),
          }),
        }
      : {}),
  };
}
