// Microsoft 365: admin consent to the Graph app, confirmed with an app-only token for the
// tenant before anything is stored; its health is the same token request.
import type { HealthCheck } from '../../connectors/ports.js';
import { adminConsentUrl, type ConsentPage } from '../../domain/consent.js';
import type { Connection } from '../../storage/connections.js';
import { ConnectionModule, failurePage, MICROSOFT_365, type Admin } from './base.js';

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

  health(connection: Connection): Promise<HealthCheck> {
    return this.d.identity.confirmAdminConsent(connection.tenantId);
  }
}
