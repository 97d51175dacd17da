// The tenant's own administration from chat, for admins only: its approval policies, its
// audit log, the channel every approval card is also posted to, and how Quartermaster runs.
import type { Clock } from '../clock.js';
import type { DirectoryPort } from '../connectors/ports.js';
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
  /** Names for the ids audit entries and `whoami` would otherwise show. */
  directory: DirectoryPort;
  clock: Clock;
}

/** An Entra object id, what the directory can name (not "system", not a Teams id such as 29:...). */
const OBJECT_ID = /^[0-9a-f-]{32,40}$/i;

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
    return done({ query: wanted, entries: await this.named(actor.tenantId, entries) });
  }

  /** The person as the directory knows them (name and sign-in name), for `whoami`; undefined when it cannot say. */
  async whoIs(actor: Actor): Promise<{ name: string; upn: string } | undefined> {
    const user = await this.d.directory.getUser(actor.tenantId, actor.aadObjectId).catch(() => undefined);
    return user && { name: user.displayName, upn: user.userPrincipalName };
  }

  /** Entries whose actor has no name (install events may come without one): named through the directory. */
  private async named(tenantId: string, entries: AuditRecord[]): Promise<AuditRecord[]> {
    const ids = [...new Set(entries.filter((e) => !e.actorName && OBJECT_ID.test(e.actorId)).map((e) => e.actorId))];
    const users = await Promise.all(ids.map((id) => this.d.directory.getUser(tenantId, id).catch(() => undefined)));
    const names = new Map(ids.flatMap((id, i) => (users[i] ? [[id, users[i].displayName] as const] : [])));
    return entries.map((e) => (!e.actorName && names.has(e.actorId) ? { ...e, actorName: names.get(e.actorId)! } : e));
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
