// Who can sign in to the login emulator's pages: Partner Center agents of the partner tenant
// and administrators of customer tenants, plus the accounts that reproduce the consent
// failures admins really meet (personal Microsoft account, no MFA, tenant-wide
// user consent off, not an administrator). Kept apart from the Graph directory users so
// that seat counts do not change.
import type { SeedTenant } from './seed.js';

export type DirectoryRole = 'Global Administrator' | 'Privileged Role Administrator' | 'Cloud Application Administrator';
export type PartnerCenterRole = 'Admin agent' | 'Sales agent' | 'Billing admin' | 'Helpdesk agent';

export interface SeedSignInAccount {
  /** Object id (the token's oid). */
  id: string;
  userPrincipalName: string;
  displayName: string;
  /** The tenant whose sign-in pages offer this account. */
  tenantId: string;
  /** 'personal' = a Microsoft account (outlook.com), which cannot act for an organization. */
  kind: 'work' | 'personal';
  /** Entra roles; admin consent needs Global or Privileged Role Administrator. */
  directoryRoles: DirectoryRole[];
  /** Partner Center roles; app+user calls need one. */
  partnerCenterRoles: PartnerCenterRole[];
  /** Without MFA the sign-in fails with AADSTS50076 (MFA is enforced for Partner Center). */
  mfaRegistered: boolean;
  /**
   * The tenant does not ask this account for MFA: the sign-in succeeds with a password only and
   * the token's `amr` says ["pwd"] (Partner Center then refuses its App+User calls).
   */
  passwordOnly?: boolean;
}

/** A customer tenant that has not consented to the app yet; tenant-wide user consent is off. */
export const NORTHWIND_TENANT_ID = '6e0c7a11-0000-4000-8000-00000000a0a1';

export const SIGN_IN_ACCOUNTS = {
  /** Partner tenant: Global Administrator + Admin agent with MFA: the sign-in that works. */
  partnerAdminAgent: {
    id: 'c5b9a7e0-0000-4000-8000-00000000a001',
    userPrincipalName: 'admin.agent@partner.example',
    displayName: 'Avery Admin-Agent',
  },
  /** Partner tenant: signs in, but Partner Center refuses its calls (no agent role). */
  partnerNoAgentRole: {
    id: 'c5b9a7e0-0000-4000-8000-00000000a002',
    userPrincipalName: 'no.role@partner.example',
    displayName: 'Noel No-Role',
  },
  /** Partner tenant: Admin agent whose tenant asks no MFA: signs in with a password only (amr ["pwd"]). */
  partnerPasswordOnly: {
    id: 'c5b9a7e0-0000-4000-8000-00000000a004',
    userPrincipalName: 'password.only@partner.example',
    displayName: 'Pat Password-Only',
  },
  /** Partner tenant: Admin agent without MFA: sign-in refused with AADSTS50076. */
  partnerNoMfa: { id: 'c5b9a7e0-0000-4000-8000-00000000a003', userPrincipalName: 'no.mfa@partner.example', displayName: 'Morgan No-MFA' },
  /** Demo customer: Global Administrator (Patti, also a Graph user). */
  demoGlobalAdmin: { id: '00000000-0000-0000-0000-0000000000024', userPrincipalName: 'pattif@example.com', displayName: 'Patti Fernandez' },
  /** Demo customer: not an administrator, user consent allowed → AADSTS90094. */
  demoNonAdmin: { id: '00000000-0000-0000-0000-0000000000021', userPrincipalName: 'meganb@example.com', displayName: 'Megan Bowen' },
  otherGlobalAdmin: {
    id: 'fab10000-0000-4000-8000-000000000001',
    userPrincipalName: 'jordan@fabrikam.example',
    displayName: 'Jordan Reyes',
  },
  /** The demo partner's indirect reseller: Admin agent with MFA. */
  resellerAdminAgent: {
    id: 'c5b9a7e0-0000-4000-8000-00000000b001',
    userPrincipalName: 'admin.agent@litware.example',
    displayName: 'Lee Litware',
  },
  /** The second partner: Admin agent with MFA (its tokens must never reach the demo partner's customers). */
  secondPartnerAdminAgent: {
    id: 'd7e1f3a5-0000-4000-8000-00000000a001',
    userPrincipalName: 'admin.agent@adatum.example',
    displayName: 'Ada Adatum',
  },
  tailspinGlobalAdmin: {
    id: 'a9c30000-0000-4000-8000-000000000001',
    userPrincipalName: 'riley@tailspin.example',
    displayName: 'Riley Tran',
  },
  northwindGlobalAdmin: {
    id: '6e0c7a11-0000-4000-8000-00000000b001',
    userPrincipalName: 'admin@northwind.example',
    displayName: 'Nora Northwind',
  },
  /** Northwind: not an administrator and user consent is off → AADSTS65004. */
  northwindNonAdmin: { id: '6e0c7a11-0000-4000-8000-00000000b002', userPrincipalName: 'sam@northwind.example', displayName: 'Sam Staff' },
  /** A personal Microsoft account trying to consent for Northwind → AADSTS50020. */
  northwindPersonal: {
    id: '6e0c7a11-0000-4000-8000-00000000b003',
    userPrincipalName: 'nora.home@outlook.com',
    displayName: 'Nora (personal)',
  },
} as const;

export function demoSignInAccounts(tenants: {
  partner: string;
  demo: string;
  other: string;
  reseller: string;
  secondPartner: string;
  tailspin: string;
}): SeedSignInAccount[] {
  const a = SIGN_IN_ACCOUNTS;
  const work = {
    kind: 'work' as const,
    directoryRoles: [] as DirectoryRole[],
    partnerCenterRoles: [] as PartnerCenterRole[],
    mfaRegistered: true,
  };
  return [
    {
      ...a.partnerAdminAgent,
      ...work,
      tenantId: tenants.partner,
      directoryRoles: ['Global Administrator'],
      partnerCenterRoles: ['Admin agent'],
    },
    { ...a.partnerNoAgentRole, ...work, tenantId: tenants.partner },
    { ...a.partnerNoMfa, ...work, tenantId: tenants.partner, partnerCenterRoles: ['Admin agent'], mfaRegistered: false },
    { ...a.partnerPasswordOnly, ...work, tenantId: tenants.partner, partnerCenterRoles: ['Admin agent'], passwordOnly: true },
    { ...a.demoGlobalAdmin, ...work, tenantId: tenants.demo, directoryRoles: ['Global Administrator'] },
    { ...a.demoNonAdmin, ...work, tenantId: tenants.demo },
    { ...a.otherGlobalAdmin, ...work, tenantId: tenants.other, directoryRoles: ['Global Administrator'] },
    {
      ...a.resellerAdminAgent,
      ...work,
      tenantId: tenants.reseller,
      directoryRoles: ['Global Administrator'],
      partnerCenterRoles: ['Admin agent'],
    },
    {
      ...a.secondPartnerAdminAgent,
      ...work,
      tenantId: tenants.secondPartner,
      directoryRoles: ['Global Administrator'],
      partnerCenterRoles: ['Admin agent'],
    },
    { ...a.tailspinGlobalAdmin, ...work, tenantId: tenants.tailspin, directoryRoles: ['Global Administrator'] },
    { ...a.northwindGlobalAdmin, ...work, tenantId: NORTHWIND_TENANT_ID, directoryRoles: ['Global Administrator'] },
    { ...a.northwindNonAdmin, ...work, tenantId: NORTHWIND_TENANT_ID },
    { ...a.northwindPersonal, ...work, kind: 'personal', tenantId: NORTHWIND_TENANT_ID },
  ];
}

/** Not a Partner Center customer; exists to be connected (admin consent) in tests and demos. */
export function northwindTenant(): SeedTenant {
  return {
    id: NORTHWIND_TENANT_ID,
    displayName: 'Northwind (not connected)',
    domain: 'northwind.example',
    consentedAppIds: [],
    userConsentDisabled: true,
    users: [],
    groups: [],
    subscriptions: [],
  };
}
