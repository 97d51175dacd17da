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

/** A sandbox sign-in account as a Teams user of its tenant. */
function teamsUserOf(teamsId: string, account: { id: string; displayName: string }, tenantId: string): TestUser {
  return { id: teamsId, name: account.displayName, aadObjectId: account.id, tenantId };
}

/** The demo partner's admin (an indirect provider). */
export const PARTNER_ADMIN = teamsUserOf('29:partner-avery', SIGN_IN_ACCOUNTS.partnerAdminAgent, DEMO_PARTNER_TENANT_ID);
/** Litware's admin, in Litware's own tenant (the demo partner's indirect reseller). */
export const RESELLER_ADMIN = teamsUserOf('29:litware-lee', SIGN_IN_ACCOUNTS.resellerAdminAgent, DEMO_RESELLER_TENANT_ID);
/** Adatum's admin (the second, direct partner). */
export const SECOND_PARTNER_ADMIN = teamsUserOf('29:partner-ada', SIGN_IN_ACCOUNTS.secondPartnerAdminAgent, SECOND_PARTNER_TENANT_ID);
/** Tailspin's admin (Adatum's customer). */
export const TAILSPIN_ADMIN = teamsUserOf('29:tailspin-riley', SIGN_IN_ACCOUNTS.tailspinGlobalAdmin, TAILSPIN_TENANT_ID);
