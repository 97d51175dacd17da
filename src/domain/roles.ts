// Who may do what. Pure rules: the caller supplies what it knows about the person.
export type Role = 'requester' | 'approver' | 'admin';

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
}

/** Everyone in the tenant is a requester; approver and admin come from facts. */
export function rolesOf(person: Person, facts: RoleFacts): Role[] {
  const roles: Role[] = ['requester'];
  if (facts.inApproverGroup) roles.push('approver');
  if (person.aadObjectId && facts.tenantAdmins.has(person.aadObjectId.toLowerCase())) roles.push('admin');
  return roles;
}

export function describeRoles(roles: readonly Role[]): string {
  if (roles.includes('admin')) return roles.includes('approver') ? 'admin and approver' : 'admin';
  return roles.includes('approver') ? 'approver' : 'requester';
}
