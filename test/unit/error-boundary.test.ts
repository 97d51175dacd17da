// Any exception in a turn becomes a friendly card with a short reference, and the log
// line carries the same reference (and no secret).
import { Writable } from 'node:stream';
import { ActivityTypes, TestAdapter } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { CardRenderer } from '../../src/bot/cards.js';
import { createErrorBoundary } from '../../src/bot/error-boundary.js';
import { createLogger } from '../../src/logger.js';
import { withCorrelation } from '../../src/correlation.js';
import { cardText } from '../harness/bot-harness.js';

function memoryLog() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

describe('error boundary', () => {
  it('turns an exception into a card whose reference matches the log line', async () => {
    const { log, lines } = memoryLog();
    const adapter = new TestAdapter(async () => {
      const error = new Error('boom') as Error & { request?: unknown };
      error.request = { headers: { authorization: 'SharedKey account:c2VjcmV0' } };
      throw error;
    });
    adapter.onTurnError = createErrorBoundary(new CardRenderer(), log);
    await adapter.send('help').assertReply((activity) => {
      const text = cardText(activity as never);
      expect(text).toContain('Sorry, that did not work');
      const reference = /Reference: ([0-9a-f]{8})/.exec(text)![1];
      const line = lines.find((l) => l.msg === 'turn failed')!;
      expect(line.reference).toBe(reference);
      expect(line.err.message).toBe('boom');
      expect(JSON.stringify(lines)).not.toContain('c2VjcmV0');
    });
  });

  it("quotes the start of the turn's correlation id, so the reference finds every line of the turn", async () => {
    const { log, lines } = memoryLog();
    const adapter = new TestAdapter(async () => {
      throw new Error('boom');
    });
    adapter.onTurnError = createErrorBoundary(new CardRenderer(), log);
    await withCorrelation(async (scope) => {
      await adapter.send('help').assertReply((activity) => {
        const reference = /Reference: ([0-9a-f]{8})/.exec(cardText(activity as never))![1]!;
        expect(scope.id.startsWith(reference)).toBe(true);
        expect(lines.find((l) => l.msg === 'turn failed')).toMatchObject({ reference, correlationId: scope.id });
      });
      expect(scope.failed).toBe('error');
    });
  });

  it('answers a failed card click with an error invoke response', async () => {
    const { log } = memoryLog();
    const adapter = new TestAdapter(async () => {
      throw new Error('boom');
    });
    adapter.onTurnError = createErrorBoundary(new CardRenderer(), log);
    const sent: any[] = [];
    await adapter.processActivity(
      { type: ActivityTypes.Invoke, name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'x' } } },
      async (context) => {
        context.onSendActivities(async (_ctx, activities, next) => {
          sent.push(...activities);
          return next();
        });
        throw new Error('boom');
      },
    );
    const invokeResponse = sent.find((a) => a.type === ActivityTypes.InvokeResponse);
    expect(invokeResponse.value.body).toMatchObject({
      statusCode: 500,
      type: 'application/vnd.microsoft.error',
      value: { code: 'InternalError' },
    });
  });
});
