// Seat alerts against Azurite and the sandbox emulators: one alert per change of state of a
// license (exhausted, low, suspended, warning, back to normal), none while nothing changes,
// one for two instances looking at the same change.
import { testClock } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import type { DirectoryPort } from '../../src/connectors/ports.js';
import { DEMO_OFFERS, DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, OTHER_TENANT_ID } from '../../src/sandbox/index.js';
import { alertServicesPerTest } from './fixture.js';

const f = alertServicesPerTest();
const state = () => f.connectors.sandbox.state;
const VISIO = DEMO_OFFERS.visioPlan2.graphSkuId;
/** Demo users 10-12 hold Visio (with Adele and Patti: 5 of 5). */
const removeVisioFrom = (n: number) => {
  const user = state().findUser(DEMO_TENANT_ID, `d0000000-0000-4000-8000-0000000000${n}`)!;
  state().setLicenses(
    DEMO_TENANT_ID,
    user.id,
    user.assignedSkuIds.filter((id) => id !== VISIO),
  );
};
const seen = () =>
  f.alerts.seatChanges.filter((c) => c.tenantId === DEMO_TENANT_ID).map((c) => `${c.skuPartNumber}:${c.previous ?? '-'}→${c.state}`);

describe('seat alerts', () => {
  it('alert once per change of state, back to normal included', async () => {
    const t0 = testClock();
    // First look: Contoso's Visio Plan 2 has no free seat, the others are fine; Fabrikam has
    // 1 of 2 Power BI Pro seats free (low); the tenant the emulators do not know fails alone.
    expect(await f.seats.run(t0)).toEqual({ alerts: 2, failed: 1 });
    expect(seen()).toEqual(['VISIOCLIENT:-→exhausted']);
    expect(f.alerts.seatChanges.filter((c) => c.tenantId === OTHER_TENANT_ID).map((c) => c.state)).toEqual(['low']);
    expect(f.alerts.seatChanges[0]).toMatchObject({
      tenantId: DEMO_TENANT_ID,
      productName: 'Visio Plan 2',
      free: 0,
      enabled: 5,
      kind: 'alert',
    });
    // Nothing changed: nothing sent, however often it runs.
    await f.seats.run(t0);
    await f.seats.run(t0);
    expect(f.alerts.seatChanges).toHaveLength(2);

    removeVisioFrom(10); // 1 of 5 free: low
    await f.seats.run(t0);
    removeVisioFrom(11); // 2 of 5 free: normal again
    await f.seats.run(t0);
    await f.seats.run(t0);
    expect(seen()).toEqual(['VISIOCLIENT:-→exhausted', 'VISIOCLIENT:exhausted→low', 'VISIOCLIENT:low→ok']);
    expect(f.alerts.seatChanges.at(-1)!.kind).toBe('recovered');
    expect(await f.seatStates.get(DEMO_TENANT_ID)).toMatchObject({ VISIOCLIENT: 'ok', SPE_E3: 'ok' });
  });

  it('alerts when a subscription is suspended, and when it is back', async () => {
    await f.seats.run(testClock());
    const teams = state().tenant(DEMO_TENANT_ID)!.subscriptions.get(DEMO_SUBSCRIPTIONS.teamsPremium)!;
    teams.status = 'suspended';
    await f.seats.run(testClock());
    teams.status = 'active';
    await f.seats.run(testClock());
    expect(seen().filter((s) => s.startsWith('Microsoft_Teams_Premium'))).toEqual([
      'Microsoft_Teams_Premium:ok→suspended',
      'Microsoft_Teams_Premium:suspended→ok',
    ]);
  });

  it('alerts for a license in its grace period (Warning)', async () => {
    // The emulator has no grace period: Graph's answer is changed on the way.
    const warning = new Proxy(f.connectors.directory, {
      get: (target, name, receiver) =>
        name === 'listSubscribedSkus'
          ? async (tenantId: string) =>
              (await target.listSubscribedSkus(tenantId)).map((s) =>
                s.skuPartNumber === 'SPE_E3' ? { ...s, capabilityStatus: 'Warning' as const } : s,
              )
          : Reflect.get(target, name, receiver),
    }) as DirectoryPort;
    await f.secondInstance(warning).seats.run(testClock());
    expect(seen()).toContain('SPE_E3:-→warning');
  });

  it('sends a change once when several instances see it at the same moment', async () => {
    await f.seats.run(testClock());
    removeVisioFrom(12);
    // All three have Graph's answer before any of them goes to storage: a real race there.
    let arrived = 0;
    let release!: () => void;
    const together = new Promise<void>((resolve) => (release = resolve));
    const barrier = new Proxy(f.connectors.directory, {
      get: (target, name, receiver) =>
        name === 'listSubscribedSkus'
          ? async (tenantId: string) => {
              const skus = await target.listSubscribedSkus(tenantId);
              if (tenantId === DEMO_TENANT_ID && ++arrived === 3) release();
              if (tenantId === DEMO_TENANT_ID) await together;
              return skus;
            }
          : Reflect.get(target, name, receiver),
    }) as DirectoryPort;
    const instances = [0, 1, 2].map(() => f.secondInstance(barrier));
    await Promise.all(instances.map((i) => i.catalog.offers(DEMO_TENANT_ID))); // warm: nothing else between Graph and storage
    const results = await Promise.all(instances.map((i) => i.seats.check(DEMO_TENANT_ID, testClock())));
    expect(results.reduce((n, sent) => n + sent, 0)).toBe(1);
    expect(seen()).toEqual(['VISIOCLIENT:-→exhausted', 'VISIOCLIENT:exhausted→low']);
  });
});
