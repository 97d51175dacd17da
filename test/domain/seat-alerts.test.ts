import { describe, expect, it } from 'vitest';
import { freeSeats, seatAlertsToSend, seatState, type SkuSeats } from '../../src/domain/seat-alerts.js';

const sku = (enabledUnits: number, consumedUnits: number, overrides: Partial<SkuSeats> = {}): SkuSeats => ({
  skuPartNumber: 'SPE_E3',
  capabilityStatus: 'Enabled',
  enabledUnits,
  consumedUnits,
  ...overrides,
});

describe('seatState', () => {
  it('uses 10 % of enabled seats when that is more than 2', () => {
    expect(seatState(sku(100, 90))).toBe('ok'); // 10 free = 10 %: not below
    expect(seatState(sku(100, 91))).toBe('low'); // 9 free
    expect(seatState(sku(30, 27))).toBe('ok'); // exactly 10 %
    expect(seatState(sku(30, 28))).toBe('low');
  });
  it('uses 2 seats when that is more than 10 %', () => {
    expect(seatState(sku(10, 8))).toBe('ok'); // 2 free
    expect(seatState(sku(10, 9))).toBe('low'); // 1 free
    expect(seatState(sku(5, 3))).toBe('ok');
  });
  it('is exhausted with no free seat or over-assigned', () => {
    expect(seatState(sku(10, 10))).toBe('exhausted');
    expect(seatState(sku(10, 12))).toBe('exhausted');
    expect(seatState(sku(0, 0))).toBe('exhausted');
  });
  it('puts the capability status first', () => {
    expect(seatState(sku(100, 0, { capabilityStatus: 'Suspended' }))).toBe('suspended');
    expect(seatState(sku(100, 100, { capabilityStatus: 'LockedOut' }))).toBe('suspended');
    expect(seatState(sku(100, 100, { capabilityStatus: 'Warning' }))).toBe('warning');
  });
  it('takes custom thresholds', () => {
    expect(seatState(sku(100, 75), { percent: 25, seats: 0 })).toBe('ok');
    expect(seatState(sku(100, 76), { percent: 25, seats: 0 })).toBe('low');
    expect(seatState(sku(1000, 995), { percent: 0, seats: 5 })).toBe('ok');
    expect(seatState(sku(1000, 996), { percent: 0, seats: 5 })).toBe('low');
  });
  it('computes free seats as enabled minus consumed', () => {
    expect(freeSeats(sku(10, 12))).toBe(-2);
  });
});

describe('seatAlertsToSend', () => {
  const visio = (consumed: number, overrides: Partial<SkuSeats> = {}) => sku(10, consumed, { skuPartNumber: 'VISIOCLIENT', ...overrides });

  it('alerts once when a SKU goes low, and not again while it stays low', () => {
    const first = seatAlertsToSend({ VISIOCLIENT: 'ok' }, [visio(9)]);
    expect(first.alerts).toHaveLength(1);
    expect(first.alerts[0]).toMatchObject({
      skuPartNumber: 'VISIOCLIENT',
      kind: 'alert',
      state: 'low',
      previous: 'ok',
      free: 1,
      enabled: 10,
    });
    expect(first.alerts[0]?.message).toBe('VISIOCLIENT is running low: 1 of 10 seats free.');
    expect(first.states).toEqual({ VISIOCLIENT: 'low' });
    expect(seatAlertsToSend(first.states, [visio(9)]).alerts).toEqual([]);
  });
  it('alerts again when it gets worse', () => {
    const { alerts } = seatAlertsToSend({ VISIOCLIENT: 'low' }, [visio(10)]);
    expect(alerts).toMatchObject([{ kind: 'alert', state: 'exhausted', previous: 'low' }]);
    expect(alerts[0]?.message).toContain('no free seats');
  });
  it('says how far over an over-assigned SKU is', () => {
    expect(seatAlertsToSend({}, [visio(12)]).alerts[0]?.message).toContain('2 more assigned than owned');
  });
  it('alerts when a SKU is first seen in a non-ok state, and stays quiet for a new ok SKU', () => {
    const { alerts, states } = seatAlertsToSend({}, [visio(10), sku(100, 10)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ skuPartNumber: 'VISIOCLIENT', state: 'exhausted' });
    expect(alerts[0]).not.toHaveProperty('previous');
    expect(states).toEqual({ VISIOCLIENT: 'exhausted', SPE_E3: 'ok' });
  });
  it('sends a recovered notice by default, and none when turned off', () => {
    expect(seatAlertsToSend({ VISIOCLIENT: 'exhausted' }, [visio(2)]).alerts).toMatchObject([
      { kind: 'recovered', state: 'ok', previous: 'exhausted' },
    ]);
    expect(seatAlertsToSend({ VISIOCLIENT: 'exhausted' }, [visio(2)], { recovered: false })).toEqual({
      alerts: [],
      states: { VISIOCLIENT: 'ok' },
    });
  });
  it('alerts on suspension and on warning with their own messages', () => {
    const { alerts } = seatAlertsToSend({ VISIOCLIENT: 'ok', SPE_E3: 'ok' }, [
      visio(1, { capabilityStatus: 'LockedOut' }),
      sku(10, 1, { capabilityStatus: 'Warning' }),
    ]);
    expect(alerts.map((a) => [a.skuPartNumber, a.state])).toEqual([
      ['VISIOCLIENT', 'suspended'],
      ['SPE_E3', 'warning'],
    ]);
    expect(alerts[0]?.message).toContain('locked out');
    expect(alerts[1]?.message).toContain('grace period');
  });
  it('alerts again after a SKU recovers and goes low a second time', () => {
    const low = seatAlertsToSend({}, [visio(9)]);
    const ok = seatAlertsToSend(low.states, [visio(5)], { recovered: false });
    expect(seatAlertsToSend(ok.states, [visio(9)]).alerts).toMatchObject([{ state: 'low', previous: 'ok' }]);
  });
  it('forgets SKUs that are gone and is not fooled by inherited keys', () => {
    expect(seatAlertsToSend({ VISIOCLIENT: 'low' }, []).states).toEqual({});
    const { alerts } = seatAlertsToSend({}, [sku(10, 10, { skuPartNumber: 'toString' })]);
    expect(alerts).toMatchObject([{ skuPartNumber: 'toString', state: 'exhausted' }]);
    expect(alerts[0]).not.toHaveProperty('previous');
  });
  it('applies custom thresholds', () => {
    expect(seatAlertsToSend({}, [sku(100, 80)], { thresholds: { percent: 25, seats: 2 } }).alerts).toMatchObject([{ state: 'low' }]);
  });
});
