// Who may do what. Pure rules: the caller supplies what it knows about the person.
/**
 * `partner-admin`: an admin of a CSP partner's own tenant, who works on the partner's customer tenants.
 * `reseller-admin`: an admin of an indirect reseller's tenant that a partner added, who works on the
 * customers the partner assigned to it.
 * `unit-admin`: a license admin of at least one delegated unit (src/domain/license-units.ts).
 */
export type Role = 'requester' | 'approver' | 'admin' | 'partner-admin' | 'reseller-admin' | 'unit-admin';

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
  /** True when the person's tenant is an indirect reseller a partner added. */
  resellerTenant?: boolean;
  /** True when the person is listed as a license admin of at least one unit of the tenant. */
  unitAdmin?: boolean;
}

/** Everyone in the tenant is a requester; approver, admin and unit admin come from facts. */
export function rolesOf(person: Person, facts: RoleFacts): Role[] {
  const roles: Role[] = ['requester'];
  if (facts.inApproverGroup) roles.push('approver');
  if (person.aadObjectId && facts.tenantAdmins.has(person.aadObjectId.toLowerCase())) {
    roles.push('admin');
    if (facts.partnerTenant) roles.push('partner-admin');
    else if (facts.resellerTenant) roles.push('reseller-admin');
  }
  if (person.aadObjectId && facts.unitAdmin) roles.push('unit-admin');
  return roles;
}

const LABELS: readonly [Role, string][] = [
  ['partner-admin', 'partner admin'],
  ['reseller-admin', 'reseller admin'],
  ['admin', 'admin'],
  ['approver', 'approver'],
  ['unit-admin', 'unit license admin'],
];

/** "admin and approver", "requester": what whoami and help call the person. */
export function describeRoles(roles: readonly Role[]): string {
  // A partner (or reseller) admin is an admin of its own tenant: one label says both.
  const shown = roles.includes('partner-admin') || roles.includes('reseller-admin') ? roles.filter((role) => role !== 'admin') : roles;
  const labels = LABELS.filter(([role]) => shown.includes(role)).map(([, label]) => label);
  return labels.length === 0 ? 'requester' : listed(labels);
}

const WHO: readonly [Role, string][] = [
  ['unit-admin', "units' license admins"],
  ['admin', 'admins'],
  ['approver', 'approvers'],
  ['partner-admin', 'partner admins'],
  ['reseller-admin', 'reseller admins'],
];

/** Who holds one of `roles`, for a refusal: "admins", "units' license admins and admins". */
export function describeWhoMay(roles: readonly Role[]): string {
  return listed(WHO.filter(([role]) => roles.includes(role)).map(([, who]) => who)) || 'everyone';
}

function listed(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
