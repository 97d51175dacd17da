import { describe, expect, it } from 'vitest';
import { autoRenewOffWarning, extendedServiceTermsDue, termEndOutcome } from '../../src/domain/extended-service-term.js';

describe('term end (Extended Service Term)', () => {
  const pc = { provider: 'partner-center' as const, status: 'active', autoRenewEnabled: false, monthlyTermExists: true };

  it('auto-renew off on Partner Center is an Extended Service Term: +3 % with a monthly term, +23 % without', () => {
    expect(termEndOutcome(pc)).toEqual({ kind: 'extended-service-term', upliftPercent: 3 });
    expect(termEndOutcome({ ...pc, monthlyTermExists: false })).toEqual({ kind: 'extended-service-term', upliftPercent: 23 });
    expect(termEndOutcome({ ...pc, autoRenewEnabled: true })).toEqual({ kind: 'renews' });
    expect(termEndOutcome({ ...pc, status: 'deleted' })).toEqual({ kind: 'cancelled' });
    expect(termEndOutcome({ ...pc, provider: 'marketplace' })).toEqual({ kind: 'ends' });
  });

  it('warns on "turn auto-renew off" and names what stops the charge: the cancellation window when open, else cancel after renewal or reduce', () => {
    const est = termEndOutcome({ ...pc, monthlyTermExists: false });
    const open = autoRenewOffWarning(est, '2026-07-10T00:00:00Z', '2026-06-20T08:00:00Z');
    expect(open).toContain('Extended Service Term at +23 %');
    expect(open).toContain('cancel it before 2026-06-20');
    const closed = autoRenewOffWarning(est, '2026-07-10T00:00:00Z');
    expect(closed).toContain('cancel within 7 days after the renewal on 2026-07-10');
    expect(autoRenewOffWarning({ kind: 'ends' }, '2026-07-10T00:00:00Z')).toBe('');
  });

  it('finds the subscriptions moving to an Extended Service Term within the notice period', () => {
    const now = new Date('2026-06-15T00:00:00Z');
    const subs = [
      { id: 'a', commitmentEndDate: '2026-07-01T00:00:00Z', outcome: termEndOutcome(pc) },
      { id: 'b', commitmentEndDate: '2026-09-01T00:00:00Z', outcome: termEndOutcome(pc) },
      { id: 'c', commitmentEndDate: '2026-07-01T00:00:00Z', outcome: termEndOutcome({ ...pc, autoRenewEnabled: true }) },
    ];
    expect(extendedServiceTermsDue(subs, now, 30).map((s) => s.id)).toEqual(['a']);
  });
});
