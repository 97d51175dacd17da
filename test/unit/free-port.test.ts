// The port picker the tests hand to child processes: a port the kernel will not give to
// anyone else's listen(0) or outgoing connection meanwhile, and free when picked.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../harness/ports.js';

const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

describe('freePort', () => {
  it('picks ports below the kernel ephemeral range, each of which can then be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(12_000);
      expect(port).toBeLessThan(ephemeralLow!);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(() => vi.restoreAllMocks());

  it('does not hand out a port someone is listening on, and tries another', async () => {
    const taken = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(taken, '127.0.0.1', resolve));
    try {
      // The first draw lands on the taken port; the picker must see it and draw again.
      const onTaken = (taken - 12_000 + 0.5) / (ephemeralLow! - 12_000);
      vi.spyOn(Math, 'random')
        .mockReturnValueOnce(onTaken)
        .mockReturnValueOnce(onTaken / 2);
      const pick = await freePort();
      expect(pick).not.toBe(taken);
      expect(pick).toBe(12_000 + Math.floor((onTaken / 2) * (ephemeralLow! - 12_000)));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
