// JSON logs through pino. Anything that can carry a secret is redacted by path, so a
// careless `log.info({ config })` still prints no password or connection string.
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { currentCorrelation } from './correlation.js';

export type { Logger };

export const redactedPaths = [
  'password',
  '*.password',
  '*.appPassword',
  '*.connectionString',
  '*.*.connectionString',
  '*.secret',
  '*.clientSecret',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.apiKey',
  '*.*.apiKey',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'config.bot.appPassword',
  'config.storage.connectionString',
  'config.connectors.graph.clientSecret',
  'config.connectors.partnerCenter.clientSecret',
  'config.languageModel.apiKey',
];

/**
 * Errors are logged by name, message, code, status and stack only: SDK errors carry the
 * request they failed on, and its headers can hold credentials.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; statusCode?: unknown };
  return {
    type: e.name,
    message: e.message,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.statusCode !== undefined ? { statusCode: e.statusCode } : {}),
    stack: e.stack,
    ...(e.cause !== undefined ? { cause: safeError(e.cause) } : {}),
  };
}

/** Which process wrote a line: the host (an App Service instance, a container) and the pid, as leases name it. */
export const instanceName = `${hostname()}:${process.pid}`;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'quartermaster', instance: instanceName },
      // The running turn's or job's id on every line it writes (correlation.ts).
      mixin: () => {
        const scope = currentCorrelation();
        return scope ? { correlationId: scope.id } : {};
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: safeError, error: safeError },
    },
    destination,
  );
}
