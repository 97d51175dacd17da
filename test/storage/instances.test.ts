// Instances count each other through heartbeats, and each piece of shared work (a
// notifications queue) is owned by one of them at a time: never by two, even while one joins,
// leaves or dies, and by someone again once the change has settled.
import { testClock } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import { InstanceRegistry, ownerOf } from '../../src/storage/instances.js';
import { TableStore } from '../../src/storage/table-store.js';
import { freshTableStore } from '../harness/storage.js';

const KEYS = Array.from({ length: 24 }, (_, i) => `notifications-${i}`);
const INTERVAL = 5_000;
const TTL = 30_000;

/** Instances on a store of their own with a shared, hand-moved clock (monotonic and wall time move together). */
async function cluster(partition: string) {
  const store: TableStore = await freshTableStore('i');
  let elapsed = 0;
  const start = testClock().getTime();
  const make = (name: string, delivers = true) =>
    new InstanceRegistry(store, `${partition}-${name}`, { intervalMs: INTERVAL, ttlMs: TTL, delivers, now: () => elapsed });
  return {
    make,
    at: () => new Date(start + elapsed),
    advance: (ms: number) => void (elapsed += ms),
  };
}

const owned = (instance: InstanceRegistry) => KEYS.filter((key) => instance.owns(key));

/** No key owned by two; returns how many are owned by someone. */
function checkOwners(instances: InstanceRegistry[]): number {
  for (const key of KEYS) expect(instances.filter((i) => i.owns(key)).length, key).toBeLessThanOrEqual(1);
  return KEYS.filter((key) => instances.some((i) => i.owns(key))).length;
}

describe('instance registry', () => {
  it('spreads the keys over three instances, one owner each, agreed by all', async () => {
    const c = await cluster('spread');
    const [a, b, d] = ['a', 'b', 'd'].map((name) => c.make(name));
    // Started one after another: the first was alone and owns every key at once; the others
    // saw it there, so they own none until the change settles.
    for (const i of [a!, b!, d!]) await i.heartbeat(c.at());
    expect(await a!.heartbeat(c.at())).toBe(3);
    expect(owned(b!)).toEqual([]);
    expect(owned(d!)).toEqual([]);
    expect(checkOwners([a!, b!, d!])).toBe(owned(a!).length);
    c.advance(a!.settleMs);
    for (const i of [a!, b!, d!]) await i.heartbeat(c.at());
    expect(checkOwners([a!, b!, d!])).toBe(KEYS.length);
    const names = ['spread-a', 'spread-b', 'spread-d'];
    for (const key of KEYS) expect([a, b, d].find((i) => i!.owns(key))).toBe([a, b, d][names.indexOf(ownerOf(names, key)!)]);
    // Rendezvous hashing spreads them: nobody is left without work, nobody has it all.
    for (const i of [a!, b!, d!]) expect(owned(i).length).toBeGreaterThan(0);
  });

  it('hands keys over when an instance joins or leaves, never to two at once', async () => {
    const c = await cluster('change');
    const a = c.make('a');
    // Alone from the start: nobody else can be working, so it owns every key at once.
    await a.heartbeat(c.at());
    expect(owned(a)).toEqual(KEYS);

    const b = c.make('b');
    await b.heartbeat(c.at());
    // The newcomer waits; the other has not seen it yet and keeps everything.
    expect(owned(b)).toEqual([]);
    expect(checkOwners([a, b])).toBe(KEYS.length);
    c.advance(INTERVAL);
    await a.heartbeat(c.at());
    // The keys that move to the newcomer are let go at once, and taken only once the change has settled.
    const moving = KEYS.filter((key) => ownerOf(['change-a', 'change-b'], key) === 'change-b');
    expect(moving.length).toBeGreaterThan(0);
    expect(owned(a)).toEqual(KEYS.filter((key) => !moving.includes(key)));
    expect(owned(b)).toEqual([]);
    c.advance(b.settleMs - INTERVAL);
    await b.heartbeat(c.at());
    expect(owned(b)).toEqual(moving);
    expect(checkOwners([a, b])).toBe(KEYS.length);

    // b stops: a takes its keys back once the change has settled, not before.
    await b.stop();
    expect(owned(b)).toEqual([]);
    c.advance(INTERVAL);
    await a.heartbeat(c.at());
    expect(owned(a)).toEqual(KEYS.filter((key) => !moving.includes(key)));
    c.advance(a.settleMs);
    expect(owned(a)).toEqual(KEYS);
  });

  it('takes a dead instance’s keys only after its heartbeat aged out and the change settled', async () => {
    const c = await cluster('death');
    const [a, b] = [c.make('a'), c.make('b')];
    await a.heartbeat(c.at());
    await b.heartbeat(c.at());
    c.advance(a.settleMs);
    await a.heartbeat(c.at());
    await b.heartbeat(c.at());
    const ofB = owned(b);
    expect(ofB.length).toBeGreaterThan(0);
    // b stops beating (hung, or cut off from storage): it gives up its keys before a may count it out.
    let step = 0;
    while (step < TTL + a.settleMs) {
      c.advance(INTERVAL);
      step += INTERVAL;
      await a.heartbeat(c.at());
      checkOwners([a, b]);
      if (step > TTL - INTERVAL) expect(owned(b)).toEqual([]);
      if (step <= TTL) expect(owned(a).some((key) => ofB.includes(key))).toBe(false);
    }
    expect(owned(a)).toEqual(KEYS);
  });

  it('leaves the keys to the instances that deliver, and to any when none does', async () => {
    const c = await cluster('front');
    const front = c.make('front', false);
    await front.heartbeat(c.at());
    // Alone and not delivering (a test's instance without workers): it still sends.
    expect(owned(front)).toEqual(KEYS);
    const worker = c.make('worker');
    await worker.heartbeat(c.at());
    expect(owned(worker)).toEqual([]); // the other may still be sending
    c.advance(INTERVAL);
    await front.heartbeat(c.at());
    expect(owned(front)).toEqual([]);
    c.advance(worker.settleMs);
    await worker.heartbeat(c.at());
    expect(owned(worker)).toEqual(KEYS);
  });
});
