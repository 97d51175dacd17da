// Who may do what. Pure rules: the caller supplies what it knows about the person.
/** partner-admin: an admin of a CSP partner's own tenant, who works on the partner's customer tenants. */
export type Role = 'requester' | 'approver' | 'admin' | 'partner-admin';

export interface Person {
  tenantId: string;
  /** Microsoft Entra object id; absent for guests the channel could not identify. */
  aadObjectId?: string;
}

/** Someone acting through the bot, known by Entra object id: whose role is checked and who the audit log names. */
export interface Actor extends Person {
  aadObjectId: string;
  name: string;
}

export interface RoleFacts {
  /** Admin object ids of this person's tenant. */
  tenantAdmins: ReadonlySet<string>;
  /** True when the person belongs to an approver group of the tenant. */
  inApproverGroup?: boolean;
  /** True when the person's tenant is a CSP partner's (configured partner tenants). */
  partnerTenant?: boolean;
}

/** Everyone in the tenant is a requester; approver and admin come from facts. */
export function rolesOf(person: Person, facts: RoleFacts): Role[] {
  const roles: Role[] = ['requester'];
  if (facts.inApproverGroup) roles.push('approver');
  if (person.aadObjectId && facts.tenantAdmins.has(person.aadObjectId.toLowerCase())) {
    roles.push('admin');
    if (facts.partnerTenant) roles.push('partner-admin');
  }
  return roles;
}

export function describeRoles(roles: readonly Role[]): string {
  if (roles.includes('partner-admin')) return roles.includes('approver') ? 'partner admin and approver' : 'partner admin';
  if (roles.includes('admin')) return roles.includes('approver') ? 'admin and approver' : 'admin';
  return roles.includes('approver') ? 'approver' : 'requester';
}
