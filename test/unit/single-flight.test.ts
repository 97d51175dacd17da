import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/single-flight.js';

describe('SingleFlight', () => {
  it('lets concurrent callers share one call, and a later caller make a fresh one', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const slow = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 20));
    const together = await Promise.all([flights.run('a', slow), flights.run('a', slow), flights.run('a', slow)]);
    expect(together).toEqual([1, 1, 1]);
    expect(await flights.run('a', slow)).toBe(2);
    expect(await Promise.all([flights.run('b', slow), flights.run('c', slow)])).toEqual([3, 4]);
  });

  it('shares a failure with the callers that waited for it, then tries again', async () => {
    const flights = new SingleFlight<string>();
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('down');
    };
    const results = await Promise.allSettled([flights.run('x', failing), flights.run('x', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await flights.run('x', async () => 'up')).toBe('up');
  });

  it('turns a call that throws at once into a rejection', async () => {
    const flights = new SingleFlight<string>();
    await expect(flights.run('y', () => { throw new Error('sync'); })).rejects.toThrow('sync');
    expect(await flights.run('y', async () => 'fine')).toBe('fine');
  });
});
