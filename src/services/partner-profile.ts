// The partner's own settings, managed in chat by its admins (`partner`): the display name its
// customers and cards show, and where its alert channel is (set with `alerts here` in the partner's
// team). Stored in the Settings table, so every instance answers alike; audited with before → after.
// Which tenants are partners stays configuration (PARTNER_TENANTS): it grants the partner-admin role.
import type { Clock } from '../clock.js';
import { validatePartnerProfile } from '../domain/partner-profile.js';
import type { Actor } from '../domain/roles.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { PartnerProfileRepository } from '../storage/partner-profiles.js';
import type { SettingsRepository } from '../storage/settings.js';
import { done, refused, type Outcome, type Refused } from './outcome.js';
import { ONLY_PARTNER_ADMINS } from './partner-workspace.js';
import type { RoleService } from './roles.js';

export interface PartnerProfileView {
  /** The name shown now: the one saved in chat, else the configured one. */
  name: string;
  /** The name PARTNER_TENANTS gives, shown as the fallback. */
  configuredName: string;
  /** The channel `alerts here` was typed in, if any. */
  alertChannelName?: string;
  updatedBy?: string;
  updatedAt?: string;
}

/** Refused input: the message, the field's error, and what was sent (for the card to show again). */
export type ProfileRefused = Refused & { values?: { name: string } };

export class PartnerProfileService {
  constructor(
    private readonly d: {
      repository: PartnerProfileRepository;
      settings: Pick<SettingsRepository, 'get'>;
      roles: Pick<RoleService, 'isPartnerAdmin'>;
      /** The configured partners (PARTNER_TENANTS), with their display names. */
      partners: readonly { tenantId: string; name?: string }[];
      audit: AuditLog;
      clock: Clock;
    },
  ) {}

  /** The name a partner goes by: saved in chat, else configured, else its tenant id. */
  async nameOf(partnerTenantId: string): Promise<string> {
    return (await this.d.repository.get(partnerTenantId))?.name ?? this.configuredName(partnerTenantId);
  }

  async view(actor: Actor): Promise<Outcome<PartnerProfileView>> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return refused('forbidden', ONLY_PARTNER_ADMINS);
    return done(await this.current(actor.tenantId));
  }

  /** Saves what the card sent for the actor's partner; bad input changes nothing and comes back with the error. */
  async save(actor: Actor, raw: unknown): Promise<Outcome<PartnerProfileView> | ProfileRefused> {
    if (!(await this.d.roles.isPartnerAdmin(actor))) return refused('forbidden', ONLY_PARTNER_ADMINS);
    const input = validatePartnerProfile(raw);
    if (!input.ok) return { ...refused('invalid', 'The name needs a fix; nothing was changed.', input.errors), values: input.values };
    const before = await this.nameOf(actor.tenantId);
    if (before === input.name) return done(await this.current(actor.tenantId), 'Nothing changed.');
    await this.d.repository.save(actor.tenantId, { name: input.name, updatedBy: actor.name, updatedAt: this.d.clock().toISOString() });
    await this.d.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'partner.profile.changed',
      target: 'partner-profile',
      before: { name: before },
      after: { name: input.name },
    });
    return done(await this.current(actor.tenantId), 'Saved. Your customers see the new name from now on.');
  }

  private configuredName(partnerTenantId: string): string {
    const partner = this.d.partners.find((p) => p.tenantId.toLowerCase() === partnerTenantId.toLowerCase());
    return partner?.name ?? `Partner ${partnerTenantId}`;
  }

  private async current(partnerTenantId: string): Promise<PartnerProfileView> {
    const [stored, settings] = await Promise.all([this.d.repository.get(partnerTenantId), this.d.settings.get(partnerTenantId)]);
    const configuredName = this.configuredName(partnerTenantId);
    return {
      name: stored?.name ?? configuredName,
      configuredName,
      ...(settings.alertChannelName && { alertChannelName: settings.alertChannelName }),
      ...(stored && { updatedBy: stored.updatedBy, updatedAt: stored.updatedAt }),
    };
  }
}
