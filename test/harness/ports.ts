import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Where the kernel picks ports for `listen(0)` and outgoing connections. A port handed to a
 * child process is only bound later, so it must not come from this range: a test running
 * beside it (or a connection the kernel opens meanwhile) could take it first, and the child
 * would then fail with EADDRINUSE.
 */
function ephemeralRange(): { low: number; high: number } | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? { low: low!, high: high! } : undefined;
  } catch {
    return undefined; // not Linux: fall back on the kernel's pick
  }
}

/** The lowest port tried: above the usual services and the local defaults (Azurite 10000–10002). */
const LOWEST = 12_000;

/** A TCP port that was free on loopback a moment ago, outside the kernel's ephemeral range where it can tell. */
export async function freePort(): Promise<number> {
  const range = ephemeralRange();
  if (range && range.low - LOWEST >= 1_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = LOWEST + Math.floor(Math.random() * (range.low - LOWEST));
      if (await canListen(port)) return port;
    }
  }
  return listenAndClose(0);
}

async function canListen(port: number): Promise<boolean> {
  try {
    await listenAndClose(port);
    return true;
  } catch {
    return false;
  }
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}
