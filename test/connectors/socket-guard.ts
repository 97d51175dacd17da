// The AWS SDK talks through node:http (not fetch), so the fetch guard of sandboxPerTest does
// not see it. This guard sits lower, on every TCP connect: anything not on loopback (a
// default endpoint, instance metadata at 169.254.169.254) is blocked and recorded.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface SocketGuard {
  /** "host:port" of every connection attempt that would have left loopback. */
  offLoopback: string[];
  restore(): void;
}

export function guardSockets(): SocketGuard {
  const original = net.Socket.prototype.connect;
  const offLoopback: string[] = [];
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const [first, second] = args;
    let target: { host: string; port: unknown } | undefined;
    if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
      const options = first as { host?: string; port?: unknown; path?: string | null };
      if (typeof options.path !== 'string') target = { host: options.host ?? 'localhost', port: options.port };
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      target = { host: typeof second === 'string' ? second : 'localhost', port: first };
    }
    if (target && !LOOPBACK.has(target.host)) {
      offLoopback.push(`${target.host}:${String(target.port)}`);
      process.nextTick(() => this.destroy(new Error(`test: connection to ${target.host} blocked (loopback only)`)));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  return {
    offLoopback,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
