// Microsoft Graph as its contract (the CSDL in test/contracts/graph) and its documentation
// describe it, where the first connector went wrong: a Deleted SKU, nested approver groups,
// failed sign-in attempts, and tenants without Entra ID P1/P2.
import { describe, expect, it } from 'vitest';
import { DEMO_GROUPS, DEMO_INACTIVE_USER_IDS, DEMO_TENANT_ID, DEMO_USERS, OTHER_TENANT_ID } from '../../src/sandbox/index.js';
import { graphCollection } from '../contracts/schemas.js';
import { rejectionOf, sandboxPerTest } from './sandbox-connectors.js';

const t = sandboxPerTest();

describe('graph directory against the published contract', () => {
  it('keeps listing a tenant whose SKUs include one with capabilityStatus "Deleted" (a string in the CSDL, documented as one of five values)', async () => {
    const skus = await t.directory.listSubscribedSkus(DEMO_TENANT_ID);
    expect(skus.find((s) => s.skuPartNumber === 'ENTERPRISEPACK')).toMatchObject({ capabilityStatus: 'Deleted', enabledUnits: 0 });
    expect(skus.find((s) => s.skuPartNumber === 'SPE_E3')).toMatchObject({ capabilityStatus: 'Enabled' });
    const answer = t.exchanges.find((e) => e.route === '/v1.0/subscribedSkus')!;
    expect(graphCollection('subscribedSku', answer.responseBody).ok).toBe(true);
  });

  it('finds approvers through nested groups (transitiveMembers), each person once', async () => {
    const tenant = t.sandbox.state.tenant(DEMO_TENANT_ID)!;
    tenant.groups.set('20000000-0000-0000-0000-00000000b002', {
      id: '20000000-0000-0000-0000-00000000b002',
      displayName: 'Finance approvers',
      memberIds: [DEMO_USERS.isaiah.id, DEMO_USERS.megan.id],
    });
    tenant.groups.get(DEMO_GROUPS.licenseApprovers)!.memberIds.push('20000000-0000-0000-0000-00000000b002');
    const members = await t.directory.listGroupMembers(DEMO_TENANT_ID, DEMO_GROUPS.licenseApprovers);
    expect(members.map((m) => m.displayName).sort()).toEqual(['Isaiah Langer', 'Megan Bowen']);
    expect(t.exchanges.filter((e) => e.path.endsWith('/transitiveMembers'))).toHaveLength(1);
  });

  it('judges dormancy by lastSuccessfulSignInDateTime: a failed attempt yesterday does not make a dormant account active', async () => {
    const users = await t.directory.listUsersWithSignIn(DEMO_TENANT_ID);
    const tried = users.find((u) => u.id === DEMO_INACTIVE_USER_IDS[0])!;
    const days = (Date.parse(t.sandbox.state.clock().toISOString()) - Date.parse(tried.lastSignInAt!)) / 86_400_000;
    expect(Math.round(days)).toBe(120);
  });

  it('says which 403 a tenant without Entra ID P1/P2 gets for signInActivity', async () => {
    t.sandbox.state.tenant(OTHER_TENANT_ID)!.entraIdPremium = false;
    const error = await rejectionOf(t.directory.listUsersWithSignIn(OTHER_TENANT_ID));
    expect(error).toMatchObject({
      kind: 'unauthorized',
      details: { status: 403, code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' },
    });
  });
});
