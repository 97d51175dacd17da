// Libraries that print with console.* (botbuilder prints every rejected token's error, stack
// and all, over several lines) would break "every log line is JSON". main() sends console
// output through the logger instead: one JSON line per call, at the call's level.
import { format } from 'node:util';
import type { Logger } from './logger.js';

type Level = 'error' | 'warn' | 'info' | 'debug';

/**
 * A caller that failed Bot Framework authentication: botbuilder prints the error before it
 * answers 401, and the turn's own line already says "unauthorized", so it goes to debug.
 */
export function isAuthenticationFailure(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith('Error finding key for token');
  if (!(value instanceof Error)) return false;
  const status = (value as { statusCode?: unknown }).statusCode;
  return status === 401 || status === 403 || ['TokenExpiredError', 'JsonWebTokenError', 'NotBeforeError'].includes(value.name);
}

export function routeConsoleToLogger(log: Logger): void {
  const write =
    (level: Level) =>
    (...args: unknown[]): void => {
      const error = args.find((a): a is Error => a instanceof Error);
      const effective = args.some(isAuthenticationFailure) ? 'debug' : level;
      const text = format(...args.filter((a) => a !== error));
      log[effective]({ source: 'console', ...(error ? { err: error } : {}) }, text || error?.message || '');
    };
  console.error = write('error');
  console.warn = write('warn');
  console.info = write('info');
  console.log = write('info');
  console.debug = write('debug');
  console.trace = write('debug');
}
