// Reclaim against Azurite and the sandbox emulators: who is listed (sign-in activity of either
// kind, never signed in, the per-tenant setting), the seats a subscription could drop at
// renewal, and removing a license: admins only, Graph called once, audited once.
import { testClock } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import {
  DEMO_INACTIVE_USER_IDS,
  DEMO_NEVER_SIGNED_IN_USER_ID,
  DEMO_OFFERS,
  DEMO_SUBSCRIPTIONS,
  DEMO_TENANT_ID,
  DEMO_USERS,
} from '../../src/sandbox/index.js';
import { ADMIN, alertServicesPerTest, NOT_ADMIN } from './fixture.js';

const f = alertServicesPerTest();
const E3 = DEMO_OFFERS.m365E3.graphSkuId;
const [USER_19, USER_20] = DEMO_INACTIVE_USER_IDS;
const ASSIGN_ROUTE = '/v1.0/users/{id}/assignLicense';
const holds = (userId: string, skuId = E3) => f.connectors.sandbox.state.findUser(DEMO_TENANT_ID, userId)!.assignedSkuIds.includes(skuId);
const removals = async () => (await f.audit.list(DEMO_TENANT_ID, { pageSize: 100 })).items.filter((e) => e.action === 'license.removed');

describe('the reclaim report', () => {
  it('lists the demo tenant’s inactive licenses, never signed in first, and the seats E3 could drop', async () => {
    const report = await f.reclaim.report(DEMO_TENANT_ID, testClock());
    expect(report.inactiveDays).toBe(90);
    expect(report.rows.map((r) => r.userId)).toEqual([DEMO_NEVER_SIGNED_IN_USER_ID, USER_20, USER_19]);
    expect(report.rows.every((r) => r.productName === 'Microsoft 365 E3' && r.skuId === E3 && r.skuPartNumber === 'SPE_E3')).toBe(true);
    expect(report.rows[0]).toMatchObject({ neverSignedIn: true, displayName: 'Demo user 21' });
    // User 19: someone failed to sign in as them yesterday; their last SUCCESSFUL sign-in was 120 days ago, and that counts.
    expect(report.rows[2]).toMatchObject({ neverSignedIn: false, daysInactive: 120 });
    // User 18 signs in non-interactively every few days: not listed.
    expect(report.rows.some((r) => r.userId.endsWith('018'))).toBe(false);
    // E3: 25 seats, 20 assigned, 3 of them inactive → 17 needed at renewal.
    expect(report.subscriptions).toEqual([
      expect.objectContaining({
        subscriptionId: DEMO_SUBSCRIPTIONS.m365E3,
        quantity: 25,
        assigned: 20,
        inactiveAssigned: 3,
        suggestedQuantity: 17,
      }),
    ]);
  });

  it('follows the tenant’s inactive-days setting, validated to 7..365', async () => {
    for (const bad of ['6', '366', '0', '-5', '30.5', 'ninety', '', '1e2', '99999']) {
      const result = await f.reclaim.setInactiveDays(ADMIN, bad);
      expect(result, bad).toMatchObject({ ok: false, message: expect.stringContaining('from 7 to 365') });
    }
    expect((await f.reclaim.setInactiveDays(NOT_ADMIN, '150')).message).toContain('Only admins');
    expect(await f.reclaim.inactiveDays(DEMO_TENANT_ID)).toBe(90);

    expect((await f.reclaim.setInactiveDays(ADMIN, '150')).ok).toBe(true);
    const report = await f.reclaim.report(DEMO_TENANT_ID, testClock());
    expect(report.inactiveDays).toBe(150);
    expect(report.rows.map((r) => r.userId)).toEqual([DEMO_NEVER_SIGNED_IN_USER_ID, USER_20]);
    const audit = (await f.audit.list(DEMO_TENANT_ID)).items.find((e) => e.action === 'settings.reclaim-days');
    expect(audit).toMatchObject({ actorId: ADMIN.aadObjectId, before: { inactiveDays: 90 }, after: { inactiveDays: 150 } });
  });

  it('still lists the people when Partner Center is down, without renewal suggestions', async () => {
    f.connectors.sandbox.faults.partnerCenter.failNext({ status: 503, times: 100 });
    const report = await f.reclaim.report(DEMO_TENANT_ID, testClock());
    expect(report.rows).toHaveLength(3);
    expect(report.rows[0]!.productName).toBe('Unknown product (SPE_E3)'); // no catalog: said so, the part number as a clue
    expect(report.subscriptions).toEqual([]);
  });

  it('suggests nothing for a subscription already scheduled that low', async () => {
    await f.connectors.commerce.scheduleNextTerm(DEMO_TENANT_ID, DEMO_SUBSCRIPTIONS.m365E3, 17, 'test-schedule-17');
    expect((await f.reclaim.report(DEMO_TENANT_ID, testClock())).subscriptions).toEqual([]);
  });
});

describe('removing a license', () => {
  it('removes it through Graph and audits it, before and after', async () => {
    const outcome = await f.reclaim.removeLicense(ADMIN, USER_19!, E3);
    expect(outcome).toEqual({ kind: 'removed', message: 'Removed Microsoft 365 E3 from Demo user 19. The seat is free for someone else.' });
    expect(holds(USER_19!)).toBe(false);
    const [entry, ...more] = await removals();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actorId: ADMIN.aadObjectId,
      target: 'demo.user19@example.com',
      before: { userId: USER_19, licenses: ['SPE_E3'] },
      after: { userId: USER_19, licenses: [] },
    });
    // The person drops out of the report.
    expect((await f.reclaim.report(DEMO_TENANT_ID, testClock())).rows.map((r) => r.userId)).not.toContain(USER_19);
  });

  it('changes nothing the second time: the license is gone, Graph is not asked to remove it again', async () => {
    await f.reclaim.removeLicense(ADMIN, USER_19!, E3);
    const again = await f.reclaim.removeLicense(ADMIN, USER_19!, E3);
    expect(again).toEqual({ kind: 'already-gone', message: 'Demo user 19 no longer has Microsoft 365 E3: nothing to remove.' });
    expect(f.connectors.sandbox.state.countRequests({ service: 'graph', method: 'POST', route: ASSIGN_ROUTE })).toBe(1);
    expect(await removals()).toHaveLength(1);
  });

  it('removes once for five concurrent clicks, on two instances', async () => {
    const second = f.secondInstance().reclaim;
    const outcomes = await Promise.all([0, 1, 2, 3, 4].map((i) => (i % 2 ? second : f.reclaim).removeLicense(ADMIN, USER_20!, E3)));
    expect(outcomes.filter((o) => o.kind === 'removed')).toHaveLength(1);
    expect(outcomes.every((o) => ['removed', 'busy', 'already-gone'].includes(o.kind))).toBe(true);
    expect(holds(USER_20!)).toBe(false);
    expect(f.connectors.sandbox.state.countRequests({ service: 'graph', method: 'POST', route: ASSIGN_ROUTE })).toBe(1);
    expect(await removals()).toHaveLength(1);
  });

  it('refuses non-admins and changes nothing', async () => {
    expect(await f.reclaim.removeLicense(NOT_ADMIN, USER_19!, E3)).toEqual({
      kind: 'forbidden',
      message: 'Only admins can remove licenses.',
    });
    expect((await f.reclaim.previewRemoval(NOT_ADMIN, USER_19!, E3)).ok).toBe(false);
    expect(holds(USER_19!)).toBe(true);
    expect(f.connectors.sandbox.state.countRequests({ service: 'graph', method: 'POST' })).toBe(0);
    expect(await removals()).toEqual([]);
  });

  it('says so for a person it cannot find or a license they never had, without calling Graph to remove', async () => {
    expect((await f.reclaim.removeLicense(ADMIN, 'd0000000-0000-4000-8000-00000000dead', E3)).kind).toBe('not-found');
    const visio = await f.reclaim.removeLicense(ADMIN, DEMO_USERS.isaiah.id, DEMO_OFFERS.visioPlan2.graphSkuId);
    expect(visio).toEqual({ kind: 'already-gone', message: 'Isaiah Langer no longer has Visio Plan 2: nothing to remove.' });
    expect(f.connectors.sandbox.state.countRequests({ service: 'graph', method: 'POST' })).toBe(0);
  });

  it('previews who and what for the confirm step', async () => {
    expect(await f.reclaim.previewRemoval(ADMIN, USER_19!, E3)).toEqual({
      ok: true,
      userId: USER_19,
      skuId: E3,
      displayName: 'Demo user 19',
      userPrincipalName: 'demo.user19@example.com',
      productName: 'Microsoft 365 E3',
    });
  });
});

describe('the weekly job', () => {
  it('sends one report per managed tenant with something to reclaim, and survives a tenant it cannot read', async () => {
    const result = await f.reclaim.run(testClock());
    expect(result).toEqual({ tenants: 3, sent: 1, failed: 1 });
    expect(f.alerts.reclaims.map((r) => r.tenantId)).toEqual([DEMO_TENANT_ID]);
    expect(f.alerts.reclaims[0]!.rows).toHaveLength(3);
  });
});
