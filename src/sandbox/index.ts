// Loopback emulators of Partner Center, Microsoft Graph and the Microsoft identity platform's
// token endpoint, sharing one in-memory world seeded with demo data. `npm start` and the
// tests run the production connectors against them unchanged.
import { AzureCostWorld, type CostManagementSettings } from './cost-data.js';
import { costManagementEmulator } from './cost-management-emulator.js';
import { AWS_SANDBOX_KEYS } from './aws-cost-data.js';
import { AwsIdentityState } from './aws-identity.js';
import { costExplorerEmulator } from './cost-explorer-emulator.js';
import { dayOf } from '../domain/spend/periods.js';
import { systemClock, type Clock } from '../clock.js';
import { stsEmulator } from './sts-emulator.js';
import { createFaultSwitches, type FaultSwitches } from './faults.js';
import { graphEmulator } from './graph-emulator.js';
import { startEmulator, type EmulatorExchange, type RunningEmulator } from './http.js';
export type { EmulatorExchange } from './http.js';
import { loginEmulator } from './login-emulator.js';
import { MARKETPLACE_BASE_PATH, marketplaceEmulator } from './marketplace-emulator.js';
import { MarketplaceWorld } from './marketplace-state.js';
import { partnerCenterEmulator } from './partner-center-emulator.js';
import { priceSheetCsv } from './partner-center-resources.js';
import { demoSeed, type SandboxSeed } from './seed.js';
import { SandboxState } from './state.js';
import { TokenIssuer } from './tokens.js';
import { billingEmulator } from './billing-emulator.js';
import { BillingWorld, type BillingWorldOptions } from './billing-world.js';

export * from './seed.js';
export * from './seed-identity.js';
export type { IdentityState } from './identity-state.js';
export * from './cost-data.js';
export {
  AWS_ACCOUNTS,
  AWS_DAILY_LEVELS,
  AWS_DEMO_ANOMALY,
  AWS_DEMO_BUDGET,
  AWS_DEMO_TAG_KEY,
  AWS_DEMO_TAG_SPLIT,
  AWS_HISTORY_DAYS,
  AWS_SANDBOX_KEYS,
  AWS_SANDBOX_ROLE,
  AWS_SYNTHETIC_KEY,
  awsDailyCostMicros,
  awsDemoMonthToDate,
} from './aws-cost-data.js';
export type { AwsIdentityState } from './aws-identity.js';
export type { FailureFault, DelayFault, FaultSwitches, ServiceFaults } from './faults.js';
export type {
  RecordedRequest,
  ScheduledNextTermInstructions,
  SandboxOrder,
  SandboxState,
  SandboxSubscription,
  SandboxTenant,
  SandboxUser,
  ServiceName,
} from './state.js';
export { LOGIN_HOST } from './login-emulator.js';
export * from './marketplace-data.js';
export {
  MarketplaceWorld,
  ANNIVERSARY_WINDOW_DAYS,
  type MarketplaceOrder,
  type MarketplaceSubscription,
  type MarketplaceAgreement,
} from './marketplace-state.js';
export { MARKETPLACE_BASE_PATH, MARKETPLACE_ERROR_CODES } from './marketplace-emulator.js';
export {
  AZURE_PLAN,
  BillingWorld,
  CSP_AZURE_PLAN,
  CSP_USAGE_LEVELS,
  stableGuid,
  syntheticOrders,
  type BillingWorldOptions,
} from './billing-world.js';

export interface SandboxOptions {
  /** The sandbox's calendar (default: the system clock): seeded dates count back from it. */
  clock?: Clock;
  /** Defaults to the demo data (`demoSeed()`). */
  seed?: SandboxSeed;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Access token lifetime (default 3599 s, as Entra ID). */
  tokenLifetimeSeconds?: number;
  /** Most items Graph returns per page whatever $top says (default 999), to exercise paging. */
  graphMaxPageSize?: number;
  /** Cost Management emulator knobs (page size, column order, QPU budget, synthetic rows). */
  costManagement?: Partial<CostManagementSettings>;
  /** Cost Explorer knobs: groups per page (default 2,000), the data's "today" (default: now, UTC), and N services a day for the synthetic benchmark account. */
  aws?: { pageSize?: number; today?: string; syntheticServicesPerDay?: number };
  /** Told of every request and its answer (contract tests validate them against the vendors' contracts). */
  observe?: (exchange: EmulatorExchange) => void;
  /** Marketplace emulator: the vendor clock's step (default 1000 ms; 'manual' = only `marketplace.advance()`). */
  marketplace?: { stepDelayMs?: number | 'manual' };
  /** Billing emulator knobs (export polls, rows per blob, a synthetic invoice for benchmarks). */
  billing?: BillingWorldOptions;
}

export interface Sandbox {
  /** Base URLs, no trailing slash: partnerCenter (paths /v1/...), graph (paths /v1.0/...), login (paths /{tenant}/oauth2/v2.0/token). */
  urls: {
    partnerCenter: string;
    graph: string;
    login: string;
    /** paths /{scope}/providers/Microsoft.CostManagement/query */ costManagement: string;
    /** Cost Explorer (awsJson1_1, POST /) */ costExplorer: string;
    /** STS (awsQuery, POST /) */ sts: string;
    /** Marketplace Platform (paths /public/v1/...) */ marketplace: string;
  };
  /** The app registration the sandbox accepts, and the partner tenant Partner Center tokens come from. */
  app: { clientId: string; clientSecret: string };
  partnerTenantId: string;
  state: SandboxState;
  faults: FaultSwitches;
  /** Azure Cost Management data and settings (change settings at run time, e.g. pageSize). */
  azureCosts: AzureCostWorld;
  /** AWS IAM state, and the app's own base identity (the principal that assumes customer roles). */
  aws: { identity: AwsIdentityState; baseIdentity: { accessKeyId: string; secretAccessKey: string; principalArn: string } };
  /** Marketplace Platform world: agreements, subscriptions, orders; `advance()` moves orders one vendor step. */
  marketplace: MarketplaceWorld;
  /** The seeded Marketplace API token of each tenant (customer id → token), for the sandbox token source. */
  marketplaceTokens: Record<string, string>;
  /**
   * Billing: Partner Center invoices (`partnerCenter`, paths /v1/invoices...), Graph's partner
   * billing exports (`graph`, paths /v1.0/reports/partners/billing/...) and Marketplace billing
   * (`marketplace`, paths /public/v1/billing/...), one loopback server; `world` issues invoices and plants differences.
   */
  billing: { urls: { partnerCenter: string; graph: string; marketplace: string }; world: BillingWorld };
  /** The emulated partner's US price sheet as CSV (the sandbox's fallback price list until an agent signs in). */
  priceListCsv: string;
  /**
   * The seeded Partner Center, Graph, Marketplace and billing world again (as a fresh sandbox would
   * start it, on the same ports), faults off, no recorded requests: lets tests share one
   * running sandbox and still each start from the seed. Sign-ins, AWS identities and Azure
   * cost data are left as they are.
   */
  reset(): void;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? demoSeed();
  const host = options.host ?? '127.0.0.1';
  const app = seed.apps[0];
  if (!app) throw new Error('sandbox seed: at least one app registration is needed');

  const clock = options.clock ?? systemClock;
  const observe = options.observe;
  const state = new SandboxState(seed, clock);
  const faults = createFaultSwitches();
  const tokens = new TokenIssuer();
  const azureCosts = new AzureCostWorld(options.costManagement, clock());
  const awsIdentity = new AwsIdentityState({ synthetic: (options.aws?.syntheticServicesPerDay ?? 0) > 0 });
  const awsToday = options.aws?.today;
  const marketplace = new MarketplaceWorld({
    now: clock,
    ...(options.marketplace?.stepDelayMs !== undefined ? { stepDelayMs: options.marketplace.stepDelayMs } : {}),
  });

  const started: RunningEmulator[] = [];
  const stop = async () => {
    marketplace.stop();
    await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  };
  try {
    const login = await startEmulator(loginEmulator(state, tokens, { tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599 }), {
      host,
      state,
      faults: faults.login,
      observe,
    });
    started.push(login);
    const graph = await startEmulator(graphEmulator(state, tokens, { maxPageSize: options.graphMaxPageSize ?? 999 }), {
      host,
      state,
      faults: faults.graph,
      observe,
    });
    started.push(graph);
    const partnerCenter = await startEmulator(partnerCenterEmulator(state, tokens), { host, state, faults: faults.partnerCenter, observe });
    started.push(partnerCenter);
    const costManagement = await startEmulator(costManagementEmulator(azureCosts, tokens), {
      host,
      state,
      faults: faults.costManagement,
      observe,
    });
    started.push(costManagement);
    const costExplorer = await startEmulator(
      costExplorerEmulator(awsIdentity, {
        pageSize: options.aws?.pageSize ?? 2000,
        today: awsToday ? () => awsToday : () => dayOf(clock().getTime()),
        ...(options.aws?.syntheticServicesPerDay ? { syntheticServicesPerDay: options.aws.syntheticServicesPerDay } : {}),
      }),
      { host, state, faults: faults.costExplorer, observe },
    );
    started.push(costExplorer);
    const sts = await startEmulator(stsEmulator(awsIdentity), { host, state, faults: faults.sts, observe });
    started.push(sts);
    const marketplaceServer = await startEmulator(marketplaceEmulator(marketplace), { host, state, faults: faults.marketplace, observe });
    started.push(marketplaceServer);
    const billingWorld = new BillingWorld(state, marketplace, options.billing);
    const billingServer = await startEmulator(billingEmulator(state, tokens, billingWorld, marketplace), {
      host,
      state,
      faults: faults.billing,
      observe,
    });
    started.push(billingServer);
    return {
      urls: {
        partnerCenter: partnerCenter.url,
        graph: graph.url,
        login: login.url,
        costManagement: costManagement.url,
        costExplorer: costExplorer.url,
        sts: sts.url,
        marketplace: `${marketplaceServer.url}${MARKETPLACE_BASE_PATH}`,
      },
      app: { clientId: app.clientId, clientSecret: app.clientSecret },
      partnerTenantId: seed.partners[0]!.tenantId,
      state,
      faults,
      azureCosts,
      aws: {
        identity: awsIdentity,
        baseIdentity: {
          accessKeyId: AWS_SANDBOX_KEYS.base.accessKeyId,
          secretAccessKey: AWS_SANDBOX_KEYS.base.secretAccessKey,
          principalArn: AWS_SANDBOX_KEYS.base.arn,
        },
      },
      marketplace,
      priceListCsv: priceSheetCsv(state.catalog, 'US', clock()),
      marketplaceTokens: Object.fromEntries([...marketplace.tokens.values()].filter((t) => !t.expired).map((t) => [t.customerId, t.token])),
      billing: {
        urls: { partnerCenter: billingServer.url, graph: billingServer.url, marketplace: `${billingServer.url}${MARKETPLACE_BASE_PATH}` },
        world: billingWorld,
      },
      reset: () => {
        state.reset();
        marketplace.reset();
        billingWorld.reset();
        faults.reset();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
