// The people of partner mode's tenants as the e2e tests talk to them: each is a sign-in account
// of the sandbox (so its agent can also sign in to Partner Center) in its own Teams tenant.
import {
  DEMO_PARTNER_TENANT_ID,
  DEMO_RESELLER_TENANT_ID,
  SECOND_PARTNER_TENANT_ID,
  SIGN_IN_ACCOUNTS,
  TAILSPIN_TENANT_ID,
} from '../../src/sandbox/index.js';
import type { TestUser } from './bot-harness.js';

/** The demo partner's admin (an indirect provider). */
export const PARTNER_ADMIN: TestUser = {
  id: '29:partner-avery',
  name: SIGN_IN_ACCOUNTS.partnerAdminAgent.displayName,
  aadObjectId: SIGN_IN_ACCOUNTS.partnerAdminAgent.id,
  tenantId: DEMO_PARTNER_TENANT_ID,
};
/** Litware's admin, in Litware's own tenant (the demo partner's indirect reseller). */
export const RESELLER_ADMIN: TestUser = {
  id: '29:litware-lee',
  name: SIGN_IN_ACCOUNTS.resellerAdminAgent.displayName,
  aadObjectId: SIGN_IN_ACCOUNTS.resellerAdminAgent.id,
  tenantId: DEMO_RESELLER_TENANT_ID,
};
/** Adatum's admin (the second, direct partner). */
export const SECOND_PARTNER_ADMIN: TestUser = {
  id: '29:partner-ada',
  name: SIGN_IN_ACCOUNTS.secondPartnerAdminAgent.displayName,
  aadObjectId: SIGN_IN_ACCOUNTS.secondPartnerAdminAgent.id,
  tenantId: SECOND_PARTNER_TENANT_ID,
};
/** Tailspin's admin (Adatum's customer). */
export const TAILSPIN_ADMIN: TestUser = {
  id: '29:tailspin-riley',
  name: SIGN_IN_ACCOUNTS.tailspinGlobalAdmin.displayName,
  aadObjectId: SIGN_IN_ACCOUNTS.tailspinGlobalAdmin.id,
  tenantId: TAILSPIN_TENANT_ID,
};
