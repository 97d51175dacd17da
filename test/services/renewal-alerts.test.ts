// Renewal alerts against Azurite and the sandbox emulators: subscriptions renewing within 30
// days with unused seats, one card per (subscription, renewal date) whatever the number of runs,
// instances and restarts.
import { testClock, testNowMs } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, OTHER_TENANT_ID } from '../../src/sandbox/index.js';
import { alertServicesPerTest } from './fixture.js';

const f = alertServicesPerTest();
const DAY_MS = 24 * 60 * 60 * 1000;

describe('which renewals are due', () => {
  it('finds E3 (25 seats, 5 unused) and Power BI Pro (10 seats, 4 unused), not those renewing later or not at all', async () => {
    const due = await f.renewals.due(DEMO_TENANT_ID, testClock());
    expect(due.map((d) => [d.id, d.quantity, d.free, d.suggestedQuantity])).toEqual(
      expect.arrayContaining([
        [DEMO_SUBSCRIPTIONS.m365E3, 25, 5, 20],
        [DEMO_SUBSCRIPTIONS.powerBiPro, 10, 4, 6],
      ]),
    );
    // Visio renews in about 265 days; Teams Premium has auto-renew off (it ends, it does not renew).
    expect(due).toHaveLength(2);
    expect(due.find((d) => d.id === DEMO_SUBSCRIPTIONS.m365E3)!.message).toContain('Reduce it to 20 at renewal');
  });

  it('leaves out a subscription whose decrease is already scheduled', async () => {
    await f.connectors.commerce.scheduleNextTerm(DEMO_TENANT_ID, DEMO_SUBSCRIPTIONS.m365E3, 20, 'test-schedule-20');
    expect((await f.renewals.due(DEMO_TENANT_ID, testClock())).map((d) => d.id)).toEqual([DEMO_SUBSCRIPTIONS.powerBiPro]);
  });

  it('is quiet more than 30 days before', async () => {
    expect(await f.renewals.due(DEMO_TENANT_ID, new Date(testNowMs() - 40 * DAY_MS))).toEqual([]);
  });
});

describe('the daily job', () => {
  it('sends each alert once over several days of runs, and again for a tenant only when its seats become unused', async () => {
    const now = testClock();
    expect(await f.renewals.run(now)).toEqual({ sent: 3, alreadySent: 0, failed: 1 }); // the unknown tenant fails alone
    expect(await f.renewals.run(new Date(now.getTime() + DAY_MS))).toEqual({ sent: 0, alreadySent: 3, failed: 1 });
    expect(await f.secondInstance().renewals.run(new Date(now.getTime() + 2 * DAY_MS))).toEqual({ sent: 0, alreadySent: 3, failed: 1 });
    expect(f.alerts.renewals.map((a) => [a.tenantId, a.id]).sort()).toEqual(
      [
        [DEMO_TENANT_ID, DEMO_SUBSCRIPTIONS.m365E3],
        [DEMO_TENANT_ID, DEMO_SUBSCRIPTIONS.powerBiPro],
        // Fabrikam uses 1 of its 2 Power BI Pro seats, and a monthly term is always within 30 days of renewal.
        [OTHER_TENANT_ID, DEMO_SUBSCRIPTIONS.otherTenantPowerBiPro],
      ].sort(),
    );
    expect(await f.ledger.count(DEMO_TENANT_ID, 'renewal')).toBe(2);
    expect(await f.ledger.count(OTHER_TENANT_ID, 'renewal')).toBe(1);
  });

  it('sends once when two instances run at the same moment', async () => {
    const now = testClock();
    const results = await Promise.all([f.renewals.run(now), f.secondInstance().renewals.run(now), f.secondInstance().renewals.run(now)]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(3);
    expect(f.alerts.renewals).toHaveLength(3);
  });

  it('tries again the next day when no admin could be reached', async () => {
    const now = testClock();
    f.alerts.reach = 0;
    expect((await f.renewals.run(now)).sent).toBe(0);
    expect(await f.ledger.count(DEMO_TENANT_ID, 'renewal')).toBe(0);
    f.alerts.reach = 1;
    expect((await f.renewals.run(new Date(now.getTime() + DAY_MS))).sent).toBe(3);
  });
});

describe('auto-renew off is not the end (Extended Service Term, since May 2026)', () => {
  it('tells admins once, before the end date, that a subscription with auto-renew off will move to a paid Extended Service Term, and how to stop paying', async () => {
    // Power BI Pro is a one-month term renewing within 30 days; turn its auto-renew off in Partner Center.
    await f.connectors.commerce.updateSubscription(
      DEMO_TENANT_ID,
      DEMO_SUBSCRIPTIONS.powerBiPro,
      { autoRenewEnabled: false },
      'test-ar-off',
    );
    const due = await f.renewals.termEndsDue(DEMO_TENANT_ID, testClock());
    expect(due).toEqual([expect.objectContaining({ id: DEMO_SUBSCRIPTIONS.powerBiPro, offerName: 'Power BI Pro', upliftPercent: 3 })]);
    expect(due[0]!.message).toMatch(/^To stop paying, /);
    const now = testClock();
    await f.renewals.run(now);
    await f.renewals.run(new Date(now.getTime() + DAY_MS));
    await f.secondInstance().renewals.run(new Date(now.getTime() + DAY_MS));
    expect(f.alerts.termEnds.filter((a) => a.tenantId === DEMO_TENANT_ID).map((a) => a.id)).toEqual([DEMO_SUBSCRIPTIONS.powerBiPro]);
    expect(await f.ledger.count(DEMO_TENANT_ID, 'extended-service-term')).toBe(1);
  });
});
