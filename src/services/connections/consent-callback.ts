// The browser's return from consent and sign-in (GET /api/consent/callback): the error first,
// then the single-use state, then the kind of link it was made for; the Microsoft 365 and
// Partner Center modules finish the job. Anything else changes nothing and says why.
import { consentFailurePage, parseConsentCallback, type ConsentPage } from '../../domain/consent.js';
import type { ConsentPurpose, ConsumeRefusal } from '../../storage/consent-states.js';
import { ConnectionModule, failurePage, MICROSOFT_365, PARTNER_CENTER, type ConnectionServiceDeps } from './base.js';
import type { Microsoft365Connection } from './microsoft365.js';
import type { PartnerCenterConnection } from './partner-center.js';

export class ConsentCallback extends ConnectionModule {
  constructor(
    d: ConnectionServiceDeps,
    private readonly m365: Microsoft365Connection,
    private readonly partnerCenter: PartnerCenterConnection,
  ) {
    super(d);
  }

  /** Answers the browser with a small page; changes nothing unless every check passes. */
  async handleCallback(query: URLSearchParams): Promise<{ status: number; page: ConsentPage }> {
    const callback = parseConsentCallback(query);
    if (callback.kind === 'failed') {
      // The admin said no, or Microsoft refused: spend the state and tell whoever started it.
      const spent = callback.state ? await this.d.states.consume(callback.state) : undefined;
      if (spent?.ok) {
        await this.auditAs(
          spent.binding.tenantId,
          spent.binding.adminObjectId,
          `connection.${purposeTarget(spent.binding.purpose)}.refused`,
          purposeTarget(spent.binding.purpose),
          { error: callback.error, code: callback.code ?? '' },
        );
        await this.tell(spent.binding.tenantId, spent.binding.adminObjectId, {
          outcome: 'failed',
          title: callback.title,
          message: callback.advice,
        });
      }
      return { status: 400, page: consentFailurePage(callback) };
    }
    if (callback.kind === 'invalid')
      return {
        status: 400,
        page: failurePage(
          'This sign-in link cannot be used',
          `${callback.reason}. Nothing was changed. Type connect in Teams for a new link.`,
        ),
      };

    const spent = await this.d.states.consume(callback.state);
    if (!spent.ok)
      return {
        status: 400,
        page: failurePage(
          'This sign-in link cannot be used',
          `${refusalText(spent.reason)} Nothing was changed. Type connect in Teams for a new link.`,
        ),
      };
    const { binding } = spent;

    if (callback.kind === 'granted') {
      if (binding.purpose !== 'graph-admin-consent')
        return {
          status: 400,
          page: failurePage(
            'This sign-in link cannot be used',
            'The link was made for another kind of connection. Nothing was changed. Type connect in Teams for a new link.',
          ),
        };
      return this.m365.completeAdminConsent(binding.tenantId, binding.adminObjectId, callback.tenantId);
    }
    if (binding.purpose !== 'partner-center-sign-in' || !binding.payload)
      return {
        status: 400,
        page: failurePage(
          'This sign-in link cannot be used',
          'The link was made for another kind of connection. Nothing was changed. Type connect in Teams for a new link.',
        ),
      };
    return this.partnerCenter.completeSignIn(binding.tenantId, binding.adminObjectId, callback.code, binding.payload);
  }
}

function purposeTarget(purpose: ConsentPurpose): string {
  return purpose === 'graph-admin-consent' ? MICROSOFT_365 : PARTNER_CENTER;
}

function refusalText(reason: ConsumeRefusal): string {
  if (reason === 'used') return 'This link was already used.';
  if (reason === 'expired') return 'This link expired (links work for 10 minutes).';
  return 'This link was not made by Quartermaster.';
}
