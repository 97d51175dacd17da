// Confirms a Microsoft 365 admin consent callback. The callback's `tenant` is only a claim;
// an app-only Graph token issued FOR that tenant proves the app really is consented there.
import { adviseConsentError } from '../../domain/consent.js';
import { ConnectorError, type HealthCheck } from '../ports.js';
import { GRAPH_SCOPE, type TokenProvider } from './token-provider.js';

/** Failures that mean something else here than on the consent page itself. */
const CONFIRMATION_ADVICE: Record<string, { problem: string; fix: string }> = {
  // After a callback these mean: the app is not (yet) consented in this tenant.
  AADSTS700016: {
    problem: 'Microsoft 365 consent has not been granted in this tenant (yet).',
    fix: 'A Global Administrator of the tenant must open the Connect link and choose Accept; then try again.',
  },
  AADSTS65001: {
    problem: 'Microsoft 365 consent has not been granted in this tenant (yet).',
    fix: 'A Global Administrator of the tenant must open the Connect link and choose Accept; then try again.',
  },
  AADSTS90002: {
    problem: 'Microsoft does not know this tenant.',
    fix: 'Check the tenant id (or domain), or start again from the Connect card while signed in to the right organization.',
  },
  AADSTS7000215: {
    problem: "Quartermaster's app secret was refused.",
    fix: 'The person who runs Quartermaster must renew the app secret; nothing needs to change in your tenant.',
  },
  AADSTS7000222: {
    problem: "Quartermaster's app secret has expired.",
    fix: 'The person who runs Quartermaster must renew the app secret; nothing needs to change in your tenant.',
  },
};

export async function confirmAdminConsent(tokens: TokenProvider, tenantId: string): Promise<HealthCheck> {
  try {
    await tokens.getToken(tenantId, GRAPH_SCOPE);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    const code = error.details.code !== undefined ? String(error.details.code) : error.kind;
    if (error.transient) {
      return {
        ok: false,
        code,
        problem: 'Microsoft sign-in is temporarily unavailable, so the consent could not be checked.',
        fix: 'Wait a minute and try again.',
      };
    }
    const known = CONFIRMATION_ADVICE[code];
    if (known) return { ok: false, code, ...known };
    const advice = adviseConsentError('unauthorized_client', error.message);
    return { ok: false, code, problem: advice.title, fix: advice.advice };
  }
}
