// A tenant's license settings: read by the request, fulfilment and renewal flows, shown and
// changed on the `license settings` card by the tenant's admins (a partner's admins reach it
// through `customer <name>`, acting as the customer's admin). Every change is audited in the
// tenant's log with each setting's before → after.
import type { Clock } from '../clock.js';
import {
  settingsChanges,
  validateLicenseSettings,
  withDefaults,
  type LicenseSettings,
  type LicenseSettingsField,
} from '../domain/license-settings.js';
import type { Actor } from '../domain/roles.js';
import type { AuditLog } from '../storage/audit-log.js';
import type { LicenseSettingsRepository } from '../storage/license-settings.js';
import { SharedReads } from '../single-flight.js';
import { done, refused, type Outcome, type Refused } from './outcome.js';
import type { RoleService } from './roles.js';

export const ONLY_ADMINS_SETTINGS = 'Only admins can see and change the license settings.';

export interface LicenseSettingsView {
  settings: LicenseSettings;
  /** Who saved them last and when; absent while the tenant runs on the defaults. */
  updatedBy?: string;
  updatedAt?: string;
}

/** Refused input: the message, each field's error, and what was sent (for the card to show again). */
export type SettingsRefused = Refused & {
  fields?: Partial<Record<LicenseSettingsField, string>>;
  values?: Record<LicenseSettingsField, string>;
};

export class LicenseSettingsService {
  /** Every submission reads its tenant's settings: overlapping reads share calls, never seeing an older value than a lone read would. */
  private readonly reads = new SharedReads<LicenseSettings>();

  constructor(
    private readonly d: {
      repository: LicenseSettingsRepository;
      roles: Pick<RoleService, 'isAdmin'>;
      audit: AuditLog;
      clock: Clock;
    },
  ) {}

  /** The settings the flows honour: what the admins saved, the defaults for what they never set. */
  async of(tenantId: string): Promise<LicenseSettings> {
    return this.reads.read(tenantId, async () => {
      const stored = await this.d.repository.get(tenantId);
      return withDefaults(stored && pick(stored));
    });
  }

  async view(actor: Actor): Promise<Outcome<LicenseSettingsView>> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SETTINGS);
    return done(await this.current(actor.tenantId));
  }

  /** Saves what the card sent in the actor's tenant; bad input changes nothing and comes back with the errors. */
  async save(actor: Actor, raw: unknown): Promise<Outcome<LicenseSettingsView> | SettingsRefused> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', ONLY_ADMINS_SETTINGS);
    const input = validateLicenseSettings(raw);
    if (!input.ok) return { ...refused('invalid', 'Some settings need a fix; nothing was changed.', input.errors), values: input.values };
    const before = await this.of(actor.tenantId);
    const changes = settingsChanges(before, input.value);
    if (Object.keys(changes).length === 0) return done(await this.current(actor.tenantId), 'Nothing changed.');
    await this.d.repository.save(actor.tenantId, {
      ...input.value,
      updatedBy: actor.name,
      updatedAt: this.d.clock().toISOString(),
    });
    const entries = Object.entries(changes);
    await this.d.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'license-settings.changed',
      target: 'license-settings',
      before: Object.fromEntries(entries.map(([key, change]) => [key, change.before])),
      after: Object.fromEntries(entries.map(([key, change]) => [key, change.after])),
    });
    return done(await this.current(actor.tenantId), 'Saved. The new settings apply to requests and renewals from now on.');
  }

  private async current(tenantId: string): Promise<LicenseSettingsView> {
    const stored = await this.d.repository.get(tenantId);
    return {
      settings: withDefaults(stored && pick(stored)),
      ...(stored && { updatedBy: stored.updatedBy, updatedAt: stored.updatedAt }),
    };
  }
}

/** Only the settings of a stored row (not who saved it). */
function pick(stored: Partial<LicenseSettings>): Partial<LicenseSettings> {
  const { approvalRequired, autoPurchase, autoDecrease, decreaseDaysBeforeRenewal } = stored;
  return Object.fromEntries(
    Object.entries({ approvalRequired, autoPurchase, autoDecrease, decreaseDaysBeforeRenewal }).filter(([, v]) => v !== undefined),
  );
}
