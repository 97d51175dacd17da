// What operators read: one JSON line per turn and per job with the correlation id of the
// turn or job on every line it writes, console output of libraries turned into JSON lines,
// and telemetry that stays off unless Application Insights is configured.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { summarizeActivity } from '../../src/bot/activity.js';
import { routeConsoleToLogger } from '../../src/console-log.js';
import { correlationIdForCall, currentCorrelation, withCorrelation } from '../../src/correlation.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { createLogger, instanceName } from '../../src/logger.js';
import type { Leases } from '../../src/storage/leases.js';
import { telemetryOptions, telemetryStarted } from '../../src/telemetry.js';

function memoryLog(level = 'info') {
  const raw: string[] = [];
  const stream = new Writable({ write: (chunk, _e, done) => (raw.push(chunk.toString()), done()) });
  return { log: createLogger(level, stream), raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('correlation', () => {
  it('puts the scope id on every line written inside it, and on outgoing calls', async () => {
    const { log, lines } = memoryLog();
    const id = await withCorrelation(async (scope) => {
      await new Promise((r) => setTimeout(r, 1));
      log.info('inside');
      expect(correlationIdForCall()).toBe(scope.id);
      return scope.id;
    });
    log.info('outside');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lines()[0]).toMatchObject({ msg: 'inside', correlationId: id, instance: instanceName });
    expect(lines()[1]!.correlationId).toBeUndefined();
    expect(currentCorrelation()).toBeUndefined();
    // Outside any turn or job each call gets its own.
    expect(correlationIdForCall()).not.toBe(correlationIdForCall());
  });
});

describe('turn summary', () => {
  const activity = (extra: Record<string, unknown>) => ({
    id: 'act-1',
    channelId: 'msteams',
    conversation: { id: 'c', conversationType: 'channel' },
    channelData: { tenant: { id: 't1' } },
    ...extra,
  });

  it('names the command typed, never the text', () => {
    expect(summarizeActivity(activity({ type: 'message', text: '<at>Quartermaster</at> alerts here' }))).toEqual({
      activityType: 'message',
      activityId: 'act-1',
      conversationType: 'channel',
      tenantId: 't1',
      command: 'alerts here',
    });
    expect(summarizeActivity(activity({ type: 'message', text: 'budget add' })).command).toBe('budget add');
    expect(summarizeActivity(activity({ type: 'message', text: '/Set Reclaim Days 30' })).command).toBe('set reclaim days');
    const typed = summarizeActivity(activity({ type: 'message', text: 'my salary is secret' }));
    expect(typed.command).toBe('text');
    expect(JSON.stringify(typed)).not.toContain('salary');
  });

  it('names the verb of a card action', () => {
    expect(
      summarizeActivity(activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { verb: 'approveRequest', data: {} } } })),
    ).toMatchObject({ activityType: 'invoke', name: 'adaptiveCard/action', verb: 'approveRequest' });
    expect(summarizeActivity('not an activity')).toEqual({});
  });
});

describe('job lines', () => {
  const leases = { acquire: async () => true, complete: async () => undefined } as unknown as Leases;

  it('writes one line per scheduled run, with its outcome, duration and id', async () => {
    const { log, lines } = memoryLog();
    const scheduler = new Scheduler(leases, log);
    const now = new Date('2026-03-02T06:00:00Z');
    await scheduler.runWindow({ name: 'reclaim', pattern: '0 6 * * 1', leaseMs: 1000, run: async () => log.info('working') }, now);
    await scheduler.runWindow(
      {
        name: 'renewals',
        pattern: '0 7 * * *',
        leaseMs: 1000,
        run: async () => {
          throw new Error('Partner Center unavailable');
        },
      },
      now,
    );
    const jobLines = lines().filter((l) => l.msg === 'job');
    expect(jobLines).toHaveLength(2);
    expect(jobLines[0]).toMatchObject({
      level: 'info',
      job: 'reclaim',
      outcome: 'done',
      window: '2026-03-02T06:00',
      instance: instanceName,
    });
    expect(jobLines[0]!.durationMs).toEqual(expect.any(Number));
    expect(jobLines[0]!.jobId).toBe(jobLines[0]!.correlationId);
    // What the job logged carries its id.
    expect(lines().find((l) => l.msg === 'working')!.correlationId).toBe(jobLines[0]!.jobId);
    expect(jobLines[1]).toMatchObject({ job: 'renewals', outcome: 'failed' });
  });
});

describe('console output of libraries', () => {
  const original = { ...console };
  afterEach(() => Object.assign(console, original));

  it('becomes one JSON line per call, a multi-line stack included', () => {
    const { log, raw, lines } = memoryLog('debug');
    routeConsoleToLogger(log);
    console.error(new Error('socket hang up'));
    console.warn('Calling %s without a configured %s', 'continueConversationAsync()', 'botAppId');
    expect(raw).toHaveLength(2);
    for (const line of raw) expect(line.trimEnd()).not.toContain('\n');
    expect(lines()[0]).toMatchObject({ level: 'error', source: 'console', msg: 'socket hang up', err: { message: 'socket hang up' } });
    expect(lines()[0]!.err.stack).toContain('Error: socket hang up\n');
    expect(lines()[1]).toMatchObject({ level: 'warn', msg: 'Calling continueConversationAsync() without a configured botAppId' });
  });

  it("sends botbuilder's rejected-token errors to debug: the turn's line already says unauthorized", () => {
    const { log, lines } = memoryLog('debug');
    routeConsoleToLogger(log);
    console.error(Object.assign(new Error('Unauthorized Access. Request is not authorized'), { statusCode: 401 }));
    console.error(Object.assign(new Error('jwt expired'), { name: 'TokenExpiredError' }));
    expect(lines().map((l) => l.level)).toEqual(['debug', 'debug']);
  });
});

describe('telemetry', () => {
  it('stays off unless Application Insights is configured', () => {
    expect(telemetryOptions({})).toBeUndefined();
    expect(telemetryOptions({ APPLICATIONINSIGHTS_CONNECTION_STRING: ' ' })).toBeUndefined();
    expect(telemetryOptions({ APPLICATIONINSIGHTS_CONNECTION_STRING: '@Microsoft.KeyVault(SecretName=x)' })).toBeUndefined();
    const options = telemetryOptions({
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=k;IngestionEndpoint=https://in.example/',
    });
    expect(options?.azureMonitorExporterOptions?.connectionString).toBe('InstrumentationKey=k;IngestionEndpoint=https://in.example/');
    expect(options?.instrumentationOptions?.http).toEqual({ enabled: true });
    expect(telemetryStarted()).toBe(false);
  });
});
