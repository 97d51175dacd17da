// Instances count each other through heartbeats, and each piece of shared work (a
// notifications queue) is owned by one of them at a time: never by two, even while one joins,
// leaves or dies, and by someone again once the change has settled.
import { testClock } from '../harness/clock.js';
import { describe, expect, it } from 'vitest';
import { InstanceRegistry, ownerOf, ownersOf } from '../../src/storage/instances.js';
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
  const make = (name: string, delivers = true, shared?: readonly string[]) =>
    new InstanceRegistry(store, `${partition}-${name}`, {
      intervalMs: INTERVAL,
      ttlMs: TTL,
      delivers,
      now: () => elapsed,
      ...(shared && { shared }),
    });
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

  it('shares the keys divided up front evenly: none owns more than its share, whatever the names', () => {
    const queues = Array.from({ length: 8 }, (_, i) => `notifications-${i}`);
    for (let set = 0; set < 50; set++) {
      const names = ['a', 'b', 'c'].map((name) => `host-${set}-${name}:${1000 + set}`);
      const owners = ownersOf(names, queues);
      expect([...owners.keys()].sort()).toEqual([...queues].sort());
      const counts = names.map((name) => queues.filter((queue) => owners.get(queue) === name).length).sort();
      expect(counts, names.join()).toEqual([2, 3, 3]);
      // Every instance computes the same owners, however it lists the keys and the instances.
      expect(ownersOf([...names].reverse(), [...queues].reverse())).toEqual(owners);
    }
    expect(ownersOf([], queues).size).toBe(0);
    expect(new Set(ownersOf(['only'], queues).values())).toEqual(new Set(['only']));
  });

  it('hands the shared keys over evenly when an instance joins or leaves, never to two at once', async () => {
    const c = await cluster('shared');
    const queues = KEYS.slice(0, 8);
    const ownedOf = (instance: InstanceRegistry) => queues.filter((key) => instance.owns(key));
    const beat = async (instances: InstanceRegistry[]) => {
      for (const i of instances) await i.heartbeat(c.at());
      checkOwners(instances);
    };
    const [a, b] = [c.make('a', true, queues), c.make('b', true, queues)];
    await beat([a, b]);
    c.advance(a.settleMs);
    await beat([a, b]);
    expect([ownedOf(a).length, ownedOf(b).length]).toEqual([4, 4]);
    // A third joins: every instance moves only once the change has settled, and ends with its share.
    const d = c.make('d', true, queues);
    for (let step = 0; step <= a.settleMs + INTERVAL; step += 1000) {
      await beat([a, b, d]);
      c.advance(1000);
    }
    await beat([a, b, d]);
    expect([a, b, d].map((i) => ownedOf(i).length).sort()).toEqual([2, 3, 3]);
    expect(queues.every((key) => [a, b, d].some((i) => i.owns(key)))).toBe(true);
    // Keys outside the shared ones still go by plain rendezvous hashing.
    const names = ['shared-a', 'shared-b', 'shared-d'];
    for (const key of KEYS.slice(8)) expect([a, b, d].find((i) => i.owns(key))).toBe([a, b, d][names.indexOf(ownerOf(names, key)!)]);
    // One leaves: the other two take its keys once the change has settled, four each.
    await d.stop();
    for (let step = 0; step <= a.settleMs + INTERVAL; step += 1000) {
      await beat([a, b]);
      c.advance(1000);
    }
    await beat([a, b]);
    expect([ownedOf(a).length, ownedOf(b).length]).toEqual([4, 4]);
  });
});
