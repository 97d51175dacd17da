// The identity side of connecting accounts, in one object for the connections service:
// admin consent confirmation (app-only Graph token) and the Partner Center agent sign-in.
import type { HealthCheck } from '../ports.js';
import { confirmAdminConsent } from './admin-consent.js';
import { isReconsentRequired, type PartnerCenterSignIn } from './partner-center-sign-in.js';
import type { TokenProvider } from './token-provider.js';

export interface ConnectionIdentityConnector {
  /** The app admins consent to (Graph application permissions). */
  graphClientId: string;
  /** Login host browsers are sent to: Microsoft's, or the sandbox's loopback emulator. */
  browserAuthorityHost: string;
  confirmAdminConsent(tenantId: string): Promise<HealthCheck>;
  partnerCenter: PartnerCenterSignIn;
  isReconsentRequired(error: unknown): boolean;
}

export function createConnectionIdentity(deps: {
  graphTokens: TokenProvider;
  graphClientId: string;
  browserAuthorityHost: string;
  partnerCenter: PartnerCenterSignIn;
}): ConnectionIdentityConnector {
  return {
    graphClientId: deps.graphClientId,
    browserAuthorityHost: deps.browserAuthorityHost,
    confirmAdminConsent: (tenantId) => confirmAdminConsent(deps.graphTokens, tenantId),
    partnerCenter: deps.partnerCenter,
    isReconsentRequired,
  };
}
