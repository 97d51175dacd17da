// The composition root's one call: connectors for production, or the same connectors
// pointed at the loopback sandbox (only the base URLs and msal's network client differ).
import type { Logger } from '../logger.js';
import { GraphDirectory } from './graph/graph-directory.js';
import { SandboxLoginNetworkClient } from './identity/sandbox-network-client.js';
import { MsalTokenProvider, type ClientCredentials } from './identity/token-provider.js';
import { PartnerCenterCommerce } from './partner-center/partner-center-commerce.js';
import type { CommercePort, DirectoryPort } from './ports.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

export * from './ports.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export { GRAPH_SCOPE, PARTNER_CENTER_SCOPE, type ClientCredentials, type TokenProvider } from './identity/token-provider.js';

/** What sandbox mode needs of a running sandbox (`startSandbox()` returns a superset). */
export interface SandboxEndpoints {
  urls: { partnerCenter: string; graph: string; login: string };
  app: ClientCredentials;
  partnerTenantId: string;
}

export type ConnectorSettings =
  | { mode: 'sandbox'; sandbox: SandboxEndpoints; retry?: Partial<RetryPolicy> }
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
      baseUrls?: { graph?: string; partnerCenter?: string; login?: string };
      retry?: Partial<RetryPolicy>;
    };

export interface Connectors {
  commerce: CommercePort;
  directory: DirectoryPort;
}

export function createConnectors(settings: ConnectorSettings, log: Logger): Connectors {
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...settings.retry };
  const graphLog = log.child({ connector: 'graph' });
  const partnerCenterLog = log.child({ connector: 'partner-center' });

  if (settings.mode === 'sandbox') {
    const { sandbox } = settings;
    const networkClient = new SandboxLoginNetworkClient(sandbox.urls.login);
    return {
      directory: new GraphDirectory({ tokens: new MsalTokenProvider(sandbox.app, { service: 'graph', networkClient, log: graphLog }), baseUrl: sandbox.urls.graph, retry, log: graphLog }),
      commerce: new PartnerCenterCommerce({
        tokens: new MsalTokenProvider(sandbox.app, { service: 'partner-center', networkClient, log: partnerCenterLog }),
        partnerTenantId: sandbox.partnerTenantId,
        baseUrl: sandbox.urls.partnerCenter,
        retry,
        log: partnerCenterLog,
      }),
    };
  }

  const { partnerTenantId } = settings.partnerCenter;
  if (!partnerTenantId) throw new Error("partner center: the partner's tenant id is required (Partner Center tokens are issued in the partner's own tenant)");
  const login = settings.baseUrls?.login;
  return {
    directory: new GraphDirectory({
      tokens: new MsalTokenProvider(settings.graph, { service: 'graph', ...(login ? { authorityHost: login } : {}), log: graphLog }),
      ...(settings.baseUrls?.graph ? { baseUrl: settings.baseUrls.graph } : {}),
      retry,
      log: graphLog,
    }),
    commerce: new PartnerCenterCommerce({
      tokens: new MsalTokenProvider(settings.partnerCenter, { service: 'partner-center', ...(login ? { authorityHost: login } : {}), log: partnerCenterLog }),
      partnerTenantId,
      ...(settings.baseUrls?.partnerCenter ? { baseUrl: settings.baseUrls.partnerCenter } : {}),
      retry,
      log: partnerCenterLog,
    }),
  };
}
