// Loopback emulators of Partner Center, Microsoft Graph and the Microsoft identity platform's
// token endpoint, sharing one in-memory world seeded with demo data. `npm start` and the
// tests run the production connectors against them unchanged.
import { createFaultSwitches, type FaultSwitches } from './faults.js';
import { graphEmulator } from './graph-emulator.js';
import { startEmulator, type RunningEmulator } from './http.js';
import { loginEmulator } from './login-emulator.js';
import { partnerCenterEmulator } from './partner-center-emulator.js';
import { demoSeed, type SandboxSeed } from './seed.js';
import { SandboxState } from './state.js';
import { TokenIssuer } from './tokens.js';

export * from './seed.js';
export type { FailureFault, DelayFault, FaultSwitches, ServiceFaults } from './faults.js';
export type { RecordedRequest, ScheduledNextTermInstructions, SandboxOrder, SandboxState, SandboxSubscription, SandboxTenant, SandboxUser, ServiceName } from './state.js';
export { LOGIN_HOST } from './login-emulator.js';

export interface SandboxOptions {
  /** Defaults to the demo data (`demoSeed()`). */
  seed?: SandboxSeed;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Access token lifetime (default 3599 s, as Entra ID). */
  tokenLifetimeSeconds?: number;
  /** Most items Graph returns per page whatever $top says (default 999), to exercise paging. */
  graphMaxPageSize?: number;
}

export interface Sandbox {
  /** Base URLs, no trailing slash: partnerCenter (paths /v1/...), graph (paths /v1.0/...), login (paths /{tenant}/oauth2/v2.0/token). */
  urls: { partnerCenter: string; graph: string; login: string };
  /** The app registration the sandbox accepts, and the partner tenant Partner Center tokens come from. */
  app: { clientId: string; clientSecret: string };
  partnerTenantId: string;
  state: SandboxState;
  faults: FaultSwitches;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? demoSeed();
  const host = options.host ?? '127.0.0.1';
  const app = seed.apps[0];
  if (!app) throw new Error('sandbox seed: at least one app registration is needed');

  const state = new SandboxState(seed);
  const faults = createFaultSwitches();
  const tokens = new TokenIssuer();

  const started: RunningEmulator[] = [];
  const stop = async () => {
    await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  };
  try {
    const login = await startEmulator(loginEmulator(state, tokens, { tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599 }), { host, state, faults: faults.login });
    started.push(login);
    const graph = await startEmulator(graphEmulator(state, tokens, { maxPageSize: options.graphMaxPageSize ?? 999 }), { host, state, faults: faults.graph });
    started.push(graph);
    const partnerCenter = await startEmulator(partnerCenterEmulator(state, tokens), { host, state, faults: faults.partnerCenter });
    started.push(partnerCenter);
    return {
      urls: { partnerCenter: partnerCenter.url, graph: graph.url, login: login.url },
      app: { clientId: app.clientId, clientSecret: app.clientSecret },
      partnerTenantId: seed.partner.tenantId,
      state,
      faults,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
