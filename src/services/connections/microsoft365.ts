// Microsoft 365: admin consent to the Graph app, confirmed with an app-only token for the
// tenant before anything is stored; its health is the same token request.
import { ConnectorError, type HealthCheck } from '../../connectors/ports.js';
import { adminConsentUrl, type ConsentPage } from '../../domain/consent.js';
import type { Connection } from '../../storage/connections.js';
import { ConnectionModule, failurePage, MICROSOFT_365, stateOf, type Admin, type ConnectionRow } from './base.js';

/** What Graph refusing the app means and what fixes it. */
const GRAPH_REFUSED = {
  problem: 'Microsoft Graph refused Quartermaster (the admin consent was withdrawn, or a permission is missing).',
  fix: 'Choose Grant admin consent under Microsoft 365 and accept with a Global Administrator or Privileged Role Administrator.',
};

export class Microsoft365Connection extends ConnectionModule {
  /** A single-use admin consent link for `actor` (10 minutes); its expiry is the card's. */
  async consentLink(actor: Admin): Promise<{ url: string; expiresAt: Date }> {
    const consent = await this.issueState(actor, 'graph-admin-consent');
    const url = adminConsentUrl({
      tenant: 'organizations',
      clientId: this.d.identity.graphClientId,
      redirectUri: this.callbackUrl(),
      state: consent.state,
      authorityHost: this.d.identity.browserAuthorityHost,
    });
    return { url, expiresAt: consent.expiresAt };
  }

  async completeAdminConsent(
    tenantId: string,
    adminObjectId: string,
    consentedTenant: string,
  ): Promise<{ status: number; page: ConsentPage }> {
    if (consentedTenant.toLowerCase() !== tenantId.toLowerCase()) {
      await this.auditAs(tenantId, adminObjectId, 'connection.microsoft365.refused', MICROSOFT_365, {
        reason: 'tenant mismatch',
        consentedTenant,
      });
      const message = `Consent was given for tenant ${consentedTenant}, but your Teams tenant is ${tenantId}. Sign in with an administrator of your own tenant and try again.`;
      await this.tell(tenantId, adminObjectId, { outcome: 'failed', title: 'Microsoft 365 is not connected', message });
      return { status: 400, page: failurePage('Wrong tenant', `${message} Nothing was changed.`) };
    }
    const confirmed = await this.d.identity.confirmAdminConsent(tenantId);
    if (!confirmed.ok) {
      await this.auditAs(tenantId, adminObjectId, 'connection.microsoft365.refused', MICROSOFT_365, { code: confirmed.code });
      await this.tell(tenantId, adminObjectId, {
        outcome: 'failed',
        title: 'Microsoft 365 is not connected',
        message: `${confirmed.problem} ${confirmed.fix}`,
      });
      return { status: 400, page: failurePage('Microsoft 365 is not connected', `${confirmed.problem} ${confirmed.fix}`) };
    }
    const now = this.d.clock().toISOString();
    const connection = await this.d.connections.save({
      tenantId,
      id: MICROSOFT_365,
      kind: 'microsoft365',
      label: `tenant ${tenantId}`,
      state: 'connected',
      details: { tenantId },
      connectedAt: now,
      connectedBy: adminObjectId,
      lastCheckedAt: now,
      lastUsedAt: now,
    });
    await this.auditAs(tenantId, adminObjectId, 'connection.microsoft365.connected', MICROSOFT_365, { tenantId });
    await this.tell(tenantId, adminObjectId, {
      outcome: 'connected',
      title: 'Microsoft 365 is connected',
      message: 'Admin consent was granted and confirmed. Quartermaster can now read licenses and assign them in your tenant.',
      connection,
    });
    return {
      status: 200,
      page: {
        outcome: 'connected',
        title: 'Connected',
        message: 'Microsoft 365 is connected to Quartermaster. You can close this tab and go back to Teams.',
      },
    };
  }

  /**
   * The connect card's state. Without a stored connection, Graph may still accept the app:
   * consent given outside Quartermaster (the Entra admin center), or local mode, whose demo
   * tenant has consented from the start. Then licenses are read and assigned through it, so
   * the card must not say "Not connected": it asks for a token as Graph calls do.
   */
  async rowState(
    tenantId: string,
    connection: Connection | undefined,
  ): Promise<Pick<ConnectionRow, 'state' | 'connection' | 'consentOutside'>> {
    if (connection) return stateOf(connection);
    const check = await this.d.identity.confirmAdminConsent(tenantId).catch(() => ({ ok: false }) as const);
    return check.ok ? { state: 'connected', consentOutside: true } : { state: 'not-connected' };
  }

  health(connection: Connection): Promise<HealthCheck> {
    return this.d.identity.confirmAdminConsent(connection.tenantId);
  }

  /**
   * Graph refused a call for the tenant (a license read or assignment, see isGraphRefusal):
   * the connection needs attention, with the fix on the connect card, and the admins are
   * told once per consent.
   */
  async noteGraphRefusal(tenantId: string, error: unknown, now = this.d.clock()): Promise<void> {
    if (!(error instanceof ConnectorError)) return;
    const problem = { code: String(error.details.code ?? error.details.status ?? error.kind), ...GRAPH_REFUSED };
    // One alert per consent, whichever refusal (401 or a missing permission) came first.
    await this.markRefused(tenantId, MICROSOFT_365, problem, {
      stops: 'Reading licenses and assigning them stop until it is fixed.',
      alertCode: 'refused',
      now,
    });
  }
}
