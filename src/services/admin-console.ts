// The tenant's own administration from chat, for admins only: its approval policies, its
// audit log, the channel every approval card is also posted to, and how Quartermaster runs.
import type { Clock } from '../clock.js';
import type { ApprovalPolicy } from '../domain/policy.js';
import type { Actor } from '../domain/roles.js';
import type { AuditLog, AuditRecord } from '../storage/audit-log.js';
import type { PolicyRepository } from '../storage/policies.js';
import type { SettingsRepository } from '../storage/settings.js';
import type { CatalogService } from './catalog.js';
import type { HealthReport, HealthService } from './health.js';
import { done, refused, type Outcome } from './outcome.js';
import type { RoleService } from './roles.js';

export type { AuditRecord };

/** How many audit entries `audit` shows, and how many recent ones it searches. */
const AUDIT_SHOWN = 15;
const AUDIT_SEARCHED = 200;

export const onlyAdminsCan = (command: string) => `Only admins can use **${command}**. Type **help** to see the commands you can use.`;

export interface AdminConsoleDeps {
  roles: RoleService;
  policies: PolicyRepository;
  catalog: CatalogService;
  audit: AuditLog;
  settings: SettingsRepository;
  health: HealthService;
  clock: Clock;
}

export class AdminConsole {
  constructor(private readonly d: AdminConsoleDeps) {}

  /** The approval policies, with the catalog's names for their products (ids when the catalog cannot be read). */
  async policies(actor: Actor): Promise<Outcome<{ policies: ApprovalPolicy[]; productNames: Record<string, string> }>> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', onlyAdminsCan('policies'));
    const [policies, offers] = await Promise.all([
      this.d.policies.list(actor.tenantId),
      this.d.catalog.offers(actor.tenantId).catch(() => []),
    ]);
    return done({ policies, productNames: Object.fromEntries(offers.map((o) => [o.productId, o.name])) });
  }

  /** The most recent audit entries, or those of the recent ones that mention `query` (a name, a product, an action). */
  async audit(actor: Actor, query: string): Promise<Outcome<{ query: string; entries: AuditRecord[] }>> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', onlyAdminsCan('audit'));
    const wanted = query.trim().toLowerCase().slice(0, 100);
    const page = await this.d.audit.list(actor.tenantId, { pageSize: AUDIT_SEARCHED });
    const entries = page.items
      .filter(
        (e) => !wanted || JSON.stringify([e.actorName, e.actorId, e.action, e.target, e.before, e.after]).toLowerCase().includes(wanted),
      )
      .slice(0, AUDIT_SHOWN);
    return done({ query: wanted, entries });
  }

  /** Every new approval card is also posted in this channel from now on. */
  async setApprovalsChannel(actor: Actor, channel: { id: string; name: string }): Promise<Outcome> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', onlyAdminsCan('set approvals channel'));
    const { before, after } = await this.d.settings.update(actor.tenantId, (current) => ({
      ...current,
      approvalsChannelId: channel.id,
      approvalsChannelName: channel.name,
      updatedBy: actor.aadObjectId,
      updatedAt: this.d.clock().toISOString(),
    }));
    await this.d.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'settings.approvals-channel',
      target: channel.id,
      before: { channel: before.approvalsChannelName ?? null },
      after: { channel: after.approvalsChannelName },
    });
    return done(
      undefined,
      `Done: every new approval card will also be posted in ${channel.name}. Approvers see the buttons; everyone else sees the status.`,
    );
  }

  /** Storage, version and uptime of this instance. */
  async status(actor: Actor): Promise<Outcome<HealthReport>> {
    if (!(await this.d.roles.isAdmin(actor))) return refused('forbidden', onlyAdminsCan('status'));
    return done(await this.d.health.report());
  }
}
