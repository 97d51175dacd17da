// Cost owners: who a month's cost is handed to and who receives their statement. Admins
// manage them on a card; until one does, the directory's departments stand in (without
// recipients: their statements reach nobody until an admin names who gets them). Changes are
// ETag-checked (two admins saving at once lose nothing) and audited.
import type { Clock } from '../../clock.js';
import type { DirectoryPort } from '../../connectors/ports.js';
import type { CostOwner } from '../../domain/billing/chargeback.js';
import { ownerIdFor, ownersFromDepartments, parseCostOwnerInput, type CostOwnerInput } from '../../domain/billing/cost-owners.js';
import type { Person } from '../../domain/roles.js';
import type { AuditLog } from '../../storage/audit-log.js';
import type { CostOwnerStore, CostOwnersDocument } from '../../storage/billing.js';
import type { RoleService } from '../roles.js';

export type Actor = Person & { aadObjectId: string; name: string };

export type OwnerResult =
  { ok: true; owners: CostOwner[]; configured: boolean; message?: string } | { ok: false; errors: string[]; forbidden?: boolean };

const ONLY_ADMINS = 'Only admins can change cost owners. Type **help** to see the commands you can use.';

export class CostOwnerService {
  constructor(
    private readonly deps: {
      clock: Clock;
      store: CostOwnerStore;
      directory: DirectoryPort;
      roles: RoleService;
      audit: AuditLog;
    },
  ) {}

  /** The tenant's owners: the configured ones, or one per directory department. */
  async owners(tenantId: string): Promise<{ owners: CostOwner[]; configured: boolean }> {
    const stored = await this.deps.store.get(tenantId);
    if (stored) return { owners: stored.value.owners, configured: stored.value.configured };
    return { owners: await this.defaults(tenantId), configured: false };
  }

  async list(actor: Person): Promise<OwnerResult> {
    if (!(await this.deps.roles.isAdmin(actor))) return { ok: false, forbidden: true, errors: [ONLY_ADMINS] };
    return { ok: true, ...(await this.owners(actor.tenantId)) };
  }

  /** Adds (no `ownerId`) or replaces an owner; bad input comes back as errors and nothing changes. */
  async save(actor: Actor, ownerId: string | undefined, input: CostOwnerInput): Promise<OwnerResult> {
    if (!(await this.deps.roles.isAdmin(actor))) return { ok: false, forbidden: true, errors: [ONLY_ADMINS] };
    const { owners } = await this.owners(actor.tenantId);
    if (ownerId && !owners.some((o) => o.id === ownerId))
      return { ok: false, errors: ['That cost owner no longer exists. Type **cost owners** for the list.'] };
    const parsed = parseCostOwnerInput(
      input,
      owners.filter((o) => o.id !== ownerId),
    );
    if (!parsed.ok) return parsed;
    const errors: string[] = [];
    const recipients: CostOwner['recipients'] = [];
    for (const name of parsed.owner.recipients) {
      const user = await this.deps.directory.getUser(actor.tenantId, name).catch(() => undefined);
      if (!user) errors.push(`${name} is not a person in your directory.`);
      else if (!recipients.some((r) => r.id === user.id.toLowerCase()))
        recipients.push({ id: user.id.toLowerCase(), name: user.displayName || user.userPrincipalName });
    }
    for (const groupId of parsed.owner.groups) {
      const found = await this.deps.directory.listGroupMembers(actor.tenantId, groupId).then(
        () => true,
        () => false,
      );
      if (!found) errors.push(`Group ${groupId} is not in your directory.`);
    }
    if (errors.length > 0) return { ok: false, errors };
    const now = this.deps.clock();
    let saved: CostOwner | undefined;
    let before: CostOwner | undefined;
    const defaults = await this.defaults(actor.tenantId);
    const document = await this.deps.store.change(actor.tenantId, initial(defaults, now), (current) => {
      const others = current.owners.filter((o) => o.id !== ownerId);
      if (others.some((o) => o.name.toLowerCase() === parsed.owner.name.toLowerCase())) return undefined;
      before = current.owners.find((o) => o.id === ownerId);
      saved = {
        id: ownerId ?? ownerIdFor(parsed.owner.name, current.owners),
        name: parsed.owner.name,
        departments: parsed.owner.departments,
        groups: parsed.owner.groups.map((g) => g.toLowerCase()),
        costCentres: parsed.owner.costCentres,
        tags: parsed.owner.tags,
        recipients,
      };
      const next = ownerId ? current.owners.map((o) => (o.id === ownerId ? saved! : o)) : [...current.owners, saved];
      return { owners: next, configured: true, updatedAt: now.toISOString(), updatedBy: actor.aadObjectId };
    });
    if (!saved) return { ok: false, errors: [`There is already a cost owner named ${parsed.owner.name}.`] };
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: ownerId ? 'cost-owner.changed' : 'cost-owner.added',
      target: saved.name,
      ...(before ? { before: summary(before) } : {}),
      after: summary(saved),
    });
    return { ok: true, owners: document.owners, configured: true, message: `${saved.name} saved.` };
  }

  async remove(actor: Actor, ownerId: string): Promise<OwnerResult> {
    if (!(await this.deps.roles.isAdmin(actor))) return { ok: false, forbidden: true, errors: [ONLY_ADMINS] };
    const now = this.deps.clock();
    let removed: CostOwner | undefined;
    const document = await this.deps.store.change(actor.tenantId, initial(await this.defaults(actor.tenantId), now), (current) => {
      removed = current.owners.find((o) => o.id === ownerId);
      if (!removed) return undefined;
      return {
        owners: current.owners.filter((o) => o.id !== ownerId),
        configured: true,
        updatedAt: now.toISOString(),
        updatedBy: actor.aadObjectId,
      };
    });
    if (!removed)
      return { ok: true, owners: document.owners, configured: document.configured, message: 'That cost owner was already gone.' };
    await this.deps.audit.record({
      tenantId: actor.tenantId,
      actorId: actor.aadObjectId,
      actorName: actor.name,
      action: 'cost-owner.removed',
      target: removed.name,
      before: summary(removed),
    });
    return { ok: true, owners: document.owners, configured: true, message: `${removed.name} removed: its cost now shows as unallocated.` };
  }

  private async defaults(tenantId: string): Promise<CostOwner[]> {
    const people = (await this.deps.directory.listPeople?.(tenantId).catch(() => [])) ?? [];
    return ownersFromDepartments(people.map((p) => p.department));
  }
}

function initial(owners: CostOwner[], now: Date): CostOwnersDocument {
  return { owners, configured: false, updatedAt: now.toISOString() };
}

function summary(owner: CostOwner): Record<string, string> {
  return {
    departments: owner.departments.join(', '),
    groups: owner.groups.join(', '),
    costCentres: owner.costCentres.join(', '),
    tags: owner.tags.map((t) => `${t.key}=${t.value}`).join(', '),
    recipients: owner.recipients.map((r) => r.name).join(', '),
  };
}
