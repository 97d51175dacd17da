// The audit card shows what changed, field by field, before → after (issue 20: it showed only a
// clipped "After" of raw JSON).
import { describe, expect, it } from 'vitest';
import { auditListData, changeFacts } from '../../src/bot/admin-console-views.js';

describe('audit entries on the card', () => {
  it('show each changed field as before → after, and leave unchanged fields out', () => {
    expect(changeFacts({ inactiveDays: 90, note: 'same' }, { inactiveDays: 60, note: 'same' })).toEqual([
      { title: 'Inactive days', value: '90 → 60' },
    ]);
  });

  it('say (none) for a field that was not there, and show a new record field by field', () => {
    expect(changeFacts({ skuPartNumber: null }, { skuPartNumber: 'VISIOCLIENT' })).toEqual([
      { title: 'SKU part number', value: '(none) → VISIOCLIENT' },
    ]);
    expect(changeFacts(undefined, { status: 'approved', quantity: 2 })).toEqual([
      { title: 'Status', value: 'approved' },
      { title: 'Quantity', value: '2' },
    ]);
    expect(changeFacts({ status: 'pending' }, undefined)).toEqual([{ title: 'Status', value: 'pending → (removed)' }]);
  });

  it('name fields in words, and count approval steps from 1 as the cards do (not stageIndex 0 → 1)', () => {
    expect(changeFacts({ stageIndex: 0, status: 'pending' }, { stageIndex: 1, status: 'pending' })).toEqual([
      { title: 'Step', value: '1 → 2' },
    ]);
    expect(changeFacts(undefined, { stageIndex: 0, beneficiary: 'alexw@example.com' })).toEqual([
      { title: 'Step', value: '1' },
      { title: 'For', value: 'alexw@example.com' },
    ]);
  });

  it('show the last approval step as none left, not a step past the last', () => {
    expect(changeFacts({ status: 'pending', stageIndex: 1 }, { status: 'approved' })).toEqual([
      { title: 'Status', value: 'pending → approved' },
      { title: 'Step', value: '2 → no step left' },
    ]);
  });

  it('keep long values and many fields within a card', () => {
    const long = 'x'.repeat(500);
    const [fact] = changeFacts({ a: '' }, { a: long });
    expect(fact!.value.length).toBeLessThanOrEqual('(none) → '.length + 80);
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, i]));
    const facts = changeFacts({}, many);
    expect(facts).toHaveLength(9);
    expect(facts.at(-1)).toEqual({ title: '…', value: '4 more fields' });
  });

  it('show a value that is not a record as Before and After', () => {
    expect(changeFacts('on', 'off')).toEqual([
      { title: 'Before', value: 'on' },
      { title: 'After', value: 'off' },
    ]);
    expect(changeFacts(undefined, undefined)).toEqual([]);
  });

  it('list who, what and the changes for each entry', () => {
    const data = auditListData('', [
      {
        tenantId: 't',
        actorId: 'a',
        actorName: 'Alex Wilber',
        action: 'settings.reclaim-days',
        target: 'reclaim',
        before: { inactiveDays: 90 },
        after: { inactiveDays: 60 },
        at: '2026-06-17T10:00:00.000Z',
      },
    ]);
    expect(data.items[0]!.facts).toEqual([
      { title: 'Who', value: 'Alex Wilber' },
      { title: 'What', value: 'reclaim' },
      { title: 'Inactive days', value: '90 → 60' },
    ]);
  });
});
