// A fresh sandbox (and the real connectors pointed at it) for every test, so that orders
// and license assignments of one test never change what the next one sees.
import { testClock } from '../harness/clock.js';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect } from 'vitest';
import { createConnectors, type Connectors, type RetryPolicy } from '../../src/connectors/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startSandbox, type EmulatorExchange, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { violations } from '../contracts/exchanges.js';
import { guardSockets, type SocketGuard } from './socket-guard.js';

/** Short waits so retries take milliseconds; Retry-After is still honoured as sent. */
export const FAST_RETRY: Partial<RetryPolicy> = { retries: 3, minDelayMs: 5, maxDelayMs: 20, timeoutMs: 2_000, maxInlineWaitSeconds: 10 };

export interface SandboxFixture extends Connectors {
  sandbox: Sandbox;
  /** Requests anything tried to send off loopback through fetch (blocked; the test fails if any; other connections are caught by the socket guard). */
  offLoopback: string[];
  log: Logger;
  /** Every log line written during the test (debug level). */
  logLines: string[];
  /** Every request the emulators answered in this test, checked against the vendors' contracts after it. */
  exchanges: EmulatorExchange[];
  /** Connectors with other settings against the same sandbox. */
  connect(overrides?: { retry?: Partial<RetryPolicy>; clientSecret?: string }): Connectors;
}

export function sandboxPerTest(options: SandboxOptions = {}): SandboxFixture {
  const fixture = {} as SandboxFixture;
  const realFetch = globalThis.fetch;
  let sockets: SocketGuard | undefined;
  beforeEach(async () => {
    // msal uses the global fetch; the REST connectors use node:http (http-transport.ts). Both
    // are guarded: fetch here with the URL, every TCP connection by the socket guard.
    fixture.offLoopback = [];
    sockets = guardSockets();
    globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.hostname !== '127.0.0.1') {
        fixture.offLoopback.push(url.href);
        return Promise.reject(new TypeError(`test: request to ${url.host} blocked (loopback only)`));
      }
      return realFetch(input, init);
    };
    fixture.logLines = [];
    fixture.log = createLogger(
      'debug',
      new Writable({ write: (chunk, _encoding, done) => (fixture.logLines.push(String(chunk)), done()) }),
    );
    fixture.exchanges = [];
    fixture.sandbox = await startSandbox({ clock: testClock, ...options, observe: (exchange) => fixture.exchanges.push(exchange) });
    fixture.connect = (overrides = {}) =>
      createConnectors(
        {
          mode: 'sandbox',
          sandbox: {
            ...fixture.sandbox,
            app: { ...fixture.sandbox.app, ...(overrides.clientSecret ? { clientSecret: overrides.clientSecret } : {}) },
          },
          retry: { ...FAST_RETRY, ...overrides.retry },
          clock: testClock,
        },
        fixture.log,
      );
    Object.assign(fixture, fixture.connect());
  });
  afterEach(async () => {
    globalThis.fetch = realFetch;
    sockets?.restore();
    await fixture.sandbox.stop();
    expect(fixture.offLoopback).toEqual([]);
    // Whatever the test did, every answer the emulators gave kept the vendor's published contract.
    expect(violations(fixture.exchanges)).toEqual([]);
    expect(sockets?.offLoopback).toEqual([]);
  });
  return fixture;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, got a result');
}
