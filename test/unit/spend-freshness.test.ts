import { describe, expect, it } from 'vitest';
import { freshnessText } from '../../src/bot/spend-views.js';

describe('data freshness on spend cards (FOCUS 1.3 freshness and corrections)', () => {
  it('says per provider when it last synced and through which day the data is complete, and counts corrections', () => {
    expect(
      freshnessText({
        dataAsOf: '2026-06-15T07:37:00.000Z',
        freshness: [
          { provider: 'AWS', syncedAt: '2026-06-15T07:37:00.000Z', completeThrough: '2026-06-13' },
          { provider: 'Microsoft', syncedAt: '2026-06-15T06:37:00.000Z' },
        ],
        corrections: 2,
      }),
    ).toBe(
      'Data: AWS synced 2026-06-15 07:37 UTC, complete through 2026-06-13; Azure synced 2026-06-15 06:37 UTC, no complete day yet. Includes 2 corrections of figures reported earlier.',
    );
  });
});
