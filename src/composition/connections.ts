// Connections: the tenant's Microsoft 365 consent, Partner Center sign-in, Azure scopes,
// AWS accounts and Marketplace token, their secrets sealed with the configured keys (local
// mode: a key kept under .data/), the consent callback page, and the daily upkeep jobs.
import { PartnerProfileRepository } from '../storage/partner-profiles.js';
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { renderConsentPage } from '../http/consent-page.js';
import type { ScheduledJob } from '../jobs/scheduler.js';
import type { ConnectorError } from '../connectors/index.js';
import { localKeyring } from '../local/secret-keys.js';
import { TeamsConnectionNotices } from '../notify/connection-notices.js';
import { projectRoot } from '../paths.js';
import { SecretBox, type Keyring } from '../security/secret-box.js';
import { ConnectionService } from '../services/connections.js';
import { createCostProviders } from '../services/cost-providers/index.js';
// The data modules only (not the emulators, which production never loads).
import { AWS_ACCOUNTS, AWS_SANDBOX_KEYS } from '../sandbox/aws-cost-data.js';
import { AZURE_SUBSCRIPTIONS } from '../sandbox/cost-data.js';
import { ConnectionRepository } from '../storage/connections.js';
import { ConsentStates } from '../storage/consent-states.js';
import { PartnerCustomerRepository } from '../storage/partner-customers.js';
import { PartnerWorkspace } from '../services/partner-workspace.js';
import type { Outbox } from './outbox.js';
import type { Platform, ResolvedConfig } from './platform.js';

export type Connections = ReturnType<typeof wireConnections>;

/** `publicUrl`: where the consent and sign-in redirects come back to. */
export function wireConnections(p: Platform, outbox: Outbox, publicUrl: () => string) {
  const { config, connectors, store, log } = p;
  const secrets = new SecretBox(keyringFor(config));
  const connectionStore = new ConnectionRepository(store, secrets);
  const consentStates = new ConsentStates(store);
  // Told to the admin who connected, and to every admin when a connection breaks (spend sync too).
  const notices = new TeamsConnectionNotices({
    messenger: outbox.messenger,
    conversations: p.conversations,
    adminCards: outbox.adminCards,
    cards: p.teams.cards,
    log,
  });
  // Cloud cost providers: one registry for connections and the spend sync (advice names our app and principal).
  const costProviders = createCostProviders({
    ports: connectors,
    readSecret: (tenantId, id) => connectionStore.readSecret(tenantId, id),
    ...(config.connectors.mode === 'production'
      ? {
          azureClientId: config.connectors.graph.clientId,
          ...(config.connectors.aws ? { awsAppPrincipalArn: config.connectors.aws.appPrincipalArn } : {}),
        }
      : p.sandbox
        ? { azureClientId: p.sandbox.app.clientId }
        : {}),
  });
  const connections = new ConnectionService({
    clock: p.clock,
    connections: connectionStore,
    states: consentStates,
    secrets,
    audit: p.audit,
    roles: p.roles,
    ledger: p.alertLedger,
    identity: connectors.identity,
    costProviders,
    ...(connectors.marketplace ? { marketplace: connectors.marketplace } : {}),
    // Sandbox mode only: tenants without a Marketplace connection use the emulator's seeded token,
    // so `npm start` shows Adobe products out of the box. Never in production.
    ...(config.connectors.mode === 'sandbox' && connectors.sandboxMarketplaceTokens
      ? { sandboxMarketplaceTokens: connectors.sandboxMarketplaceTokens }
      : {}),
    notices,
    // Health checks read Partner Center with the agent's token, as purchases do.
    ...(connectors.partnerCenterAgent && { partnerCenterProbe: (tenantId: string) => connectors.partnerCenterAgent!.checkAgent(tenantId) }),
    ...(connectors.partnerAccounts && {
      partnerAccountProbe: async (agentToken: string) => void (await connectors.partnerAccounts!.listCustomers(agentToken)),
    }),
    ...(config.connectors.mode === 'sandbox' ? { localSandbox: true, sandboxHints } : {}),
    publicUrl,
    log,
  });

  // Partner mode: customer tenants linked to a partner buy through the partner's connection.
  const partnerLinks = new PartnerCustomerRepository(store);
  // A partner's admins are admins of its linked customers' tenants (`customer <name>`).
  p.roles.admitPartnerAdmins(
    async (partnerTenantId, customerTenantId) => !!(await partnerLinks.get(partnerTenantId, customerTenantId)),
    // Their alerts are worked out even when they have no admins of their own (the partner's channel gets them).
    async (partnerTenantId) => (await partnerLinks.list(partnerTenantId)).map((l) => l.customerTenantId),
  );
  // The partner's own name, as its admins set it in chat (`partner`); shared by every instance.
  const partnerProfiles = new PartnerProfileRepository(store);
  const partners = new PartnerWorkspace({
    clock: p.clock,
    roles: p.roles,
    partners: config.partnerTenants ?? [],
    links: partnerLinks,
    savedName: async (partnerTenantId) => (await partnerProfiles.get(partnerTenantId))?.name,
    ...(connectors.partnerAccounts ? { accounts: connectors.partnerAccounts } : {}),
    partnerCenterToken: (tenantId) => connections.partnerCenterTokenIfConnected(tenantId),
    ownPartnerCenter: (tenantId) => connections.ownPartnerCenter(tenantId),
    purchaseAccountOf: (tenantId) => connections.purchaseAccount(tenantId),
    audit: p.audit,
    log,
  });

  // A partner's customers' license alerts are copied to the partner's `alerts here` channel, naming the customer.
  outbox.adminCards.copyToPartners(async (customerTenantId) => {
    const served = await partners.partnerOf(customerTenantId);
    if (!served) return undefined;
    const channelId = (await p.settings.get(served.partnerTenantId)).alertChannelId;
    return channelId ? { partnerTenantId: served.partnerTenantId, channelId, customerName: served.link.companyName } : undefined;
  });

  // A vendor's refusal, told by a connector, marks the connection; the call that failed is not held up, and a failure to mark is logged.
  const marksConnection =
    (name: string, mark: (tenantId: string, error: ConnectorError) => Promise<void>) => (tenantId: string, error: ConnectorError) =>
      void mark(tenantId, error).catch((e: unknown) => log.warn({ err: e, tenantId }, `could not mark the ${name} connection`));

  // The connectors were built first (tests bring their own), and the connection service needs
  // them; so the tokens they call with are plugged in here, once, before any call is made.
  // Purchases for a customer whose agent signed in (connect) use that agent's tokens; a customer
  // tenant linked to a partner uses its partner's.
  connectors.partnerCenterAgent?.actAs((tenantId) => partners.commerceToken(tenantId));
  // A 401/403 on any call with the agent's token (a purchase, the subscriptions list) marks the connection "needs attention".
  connectors.partnerCenterAgent?.onAgentRefused(marksConnection('partner center', (t, e) => connections.notePartnerCenterRefusal(t, e)));
  // Graph refusing the app (401, or 403 for a missing permission) on any call marks Microsoft 365 "needs attention".
  connectors.graphRefusals?.onRefused(marksConnection('microsoft 365', (t, e) => connections.noteGraphRefusal(t, e)));
  // Marketplace calls use the tenant's stored API token (sandbox: the seeded one when none is stored).
  connectors.marketplace?.useTokenSource((tenantId) => connections.marketplaceToken(tenantId));
  // A 401 from any marketplace call (catalog and subscription lists included) marks the connection "needs attention".
  connectors.marketplace?.onTokenExpired(marksConnection('marketplace', (t, e) => connections.noteMarketplaceFailure(t, e)));

  const jobs: ScheduledJob[] = [
    {
      name: 'token-keeper',
      pattern: '17 3 * * *',
      leaseMs: 30 * 60_000,
      run: async (now) => void log.info(await connections.keepTokensAlive(now), 'partner center tokens kept alive'),
    },
    {
      name: 'connection-health',
      pattern: '23 5 * * *',
      leaseMs: 30 * 60_000,
      run: async (now) => void log.info(await connections.checkAll(now), 'connections checked'),
    },
    {
      name: 'consent-state-purge',
      pattern: '41 4 * * *',
      leaseMs: 10 * 60_000,
      run: async (now) => void log.info({ purged: await consentStates.purgeExpired(now) }, 'expired consent states purged'),
    },
  ];

  return {
    connections,
    partners,
    partnerProfiles,
    connectionStore,
    notices,
    costProviders,
    jobs,
    /** GET /api/consent/callback: the browser's page after a consent or sign-in. */
    consentCallback: async (query: URLSearchParams) => {
      const { status, page } = await connections.handleCallback(query);
      return { status, html: renderConsentPage(page) };
    },
    /**
     * Local mode, once the bot is up: the stored connections checked against the sandbox that
     * has just started afresh, and one log line saying which must be signed in again and how.
     */
    noticeAfterSandboxStart: async () => {
      const summary = await connections.recheckAfterSandboxStart();
      if (summary.checked === 0) return summary;
      if (summary.failing.length === 0) {
        log.info({ checked: summary.checked }, 'local mode: the stored connections work with the sandbox started now');
        return summary;
      }
      log.warn(
        { connections: summary.failing.map(({ tenantId, title, problem }) => ({ tenantId, connection: title, problem })) },
        sandboxRestartNotice(summary.failing),
      );
      return summary;
    },
  };
}

/** The start-up notice of local mode: which stored connections the fresh sandbox refused, and how to sign each in again. */
export function sandboxRestartNotice(failing: readonly { tenantId: string; title: string; fix: string }[]): string {
  const each = failing.map((f) => `${f.title} of tenant ${f.tenantId}: ${f.fix}`).join(' ');
  const count = failing.length === 1 ? '1 stored connection needs' : `${failing.length} stored connections need`;
  return (
    `local mode: the sandbox started afresh and does not know the sign-ins of the last run, so ${count} signing in again. ` +
    `Open the Playground as an admin, type "connect" and use the sign-in on its card. ${each}`
  );
}

/** Local mode: the sandbox's demo values that connect (made up, published with the emulators; nothing real). */
const sandboxHints = {
  azure: `Local mode: try ${AZURE_SUBSCRIPTIONS.production} (production) or ${AZURE_SUBSCRIPTIONS.development} (development).`,
  // A secret is never shown, not even the sandbox's: the key id says which one the emulator's data holds.
  aws: `Local mode: account ${AWS_ACCOUNTS.main} with access key ${AWS_SANDBOX_KEYS.reader.accessKeyId} (its secret is the sandbox's AWS_SANDBOX_KEYS.reader).`,
};

/** Configured keys (production requires them); otherwise a key file under .data/ (tests configure a key of their own). */
function keyringFor(config: ResolvedConfig): Keyring {
  if (config.secretKeys) return config.secretKeys;
  if (config.environment === 'production') throw new ConfigError('SECRET_KEYS: required when NODE_ENV=production');
  return localKeyring(join(projectRoot, '.data', 'secret-keys'));
}
