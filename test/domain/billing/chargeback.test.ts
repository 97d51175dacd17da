// Chargeback allocation on plain data: shares split to the cent, first matching owner wins,
// unallocated cost kept and shown, totals equal to the sum of their parts in every currency.
import { describe, expect, it } from 'vitest';
import {
  allocateChargeback,
  chargebackCsv,
  splitEvenly,
  type CostOwner,
  type ChargebackPerson,
} from '../../../src/domain/billing/chargeback.js';
import { add, sum, zero, type Money } from '../../../src/domain/money.js';

const owner = (id: string, fields: Partial<CostOwner>): CostOwner => ({
  id,
  name: id,
  departments: [],
  groups: [],
  costCentres: [],
  tags: [],
  recipients: [],
  ...fields,
});
const person = (id: string, fields: Partial<ChargebackPerson> = {}): ChargebackPerson => ({ id, name: id, groupIds: [], ...fields });
const usd = (amount: string): Money => ({ amount, currency: 'USD' });

describe('splitting', () => {
  it('splits into shares one cent apart that add up exactly, negatives too', () => {
    expect(splitEvenly(1000n, 3)).toEqual([334n, 333n, 333n]);
    expect(splitEvenly(-1000n, 3)).toEqual([-334n, -333n, -333n]);
    expect(splitEvenly(5n, 0)).toEqual([]);
  });
});

describe('allocation', () => {
  const owners = [
    owner('marketing', { departments: ['Marketing'], tags: [{ key: 'environment', value: 'production' }] }),
    owner('retail', { departments: ['retail'], costCentres: ['CC-200'] }),
    owner('analytics', { groups: ['g-analysts'], tags: [{ key: 'CostCenter', value: 'analytics' }] }),
  ];
  const people = [
    person('alex', { department: 'Marketing' }),
    person('adele', { department: 'Retail' }),
    person('lynne', { costCentre: 'cc-200' }),
    person('isaiah', { department: 'Sales', groupIds: ['G-ANALYSTS'] }),
    person('patti', { department: 'Executive Management' }),
  ];

  it('splits each license over its seats, and keeps unassigned seats and unclaimed people unallocated', () => {
    const result = allocateChargeback({
      month: '2026-05',
      owners,
      people,
      licenses: [
        // 100.00 over 3 seats: 33.34 + 33.33 + 33.33.
        { key: 'visio', name: 'Visio Plan 2', total: usd('100.00'), seats: 3, holderIds: ['alex', 'ADELE', 'patti'] },
        // 10 seats, 2 held: 8 unassigned.
        { key: 'pbi', name: 'Power BI Pro', total: usd('140.00'), seats: 10, holderIds: ['lynne', 'isaiah'] },
      ],
      cloud: [
        { provider: 'Azure', service: 'Virtual Machines', tags: { Environment: 'Production' }, amount: usd('1234.56') },
        { provider: 'AWS', service: 'Amazon EC2', tags: { CostCenter: 'analytics' }, amount: usd('0.07') },
        { provider: 'AWS', service: 'Amazon S3', tags: {}, amount: usd('9.99') },
        { provider: 'Azure', service: 'Storage', tags: { environment: 'development' }, amount: usd('5.01') },
      ],
    });
    const [section] = result.currencies;
    const totals = Object.fromEntries(section!.owners.map((o) => [o.ownerId, o.total.amount]));
    expect(totals).toEqual({ marketing: '1267.89', retail: '47.34', analytics: '14.07' });
    expect(section!.unallocated.total).toEqual(usd('160.33'));
    // Everything is somewhere, exactly once.
    const parts = [...section!.owners.map((o) => o.total), section!.unallocated.total];
    expect(sum(parts, 'USD')).toEqual(section!.total);
    expect(section!.total).toEqual(usd('1489.63'));
    // Each statement's items add up to it.
    for (const statement of section!.owners)
      expect(
        sum(
          statement.topItems.map((i) => i.amount),
          'USD',
        ),
      ).toEqual(statement.total);
    expect(result.details.filter((d) => d.ownerId === null).map((d) => d.about)).toEqual([
      '8 unassigned seats',
      'patti (department Executive Management has no cost owner)',
      'untagged',
      'tag environment=development has no cost owner',
    ]);
  });

  it('keeps currencies apart: one figure per currency', () => {
    const result = allocateChargeback({
      month: '2026-05',
      owners,
      people,
      licenses: [],
      cloud: [
        { provider: 'Azure', service: 'VM', tags: { environment: 'production' }, amount: usd('1.00') },
        { provider: 'Azure', service: 'VM', tags: { environment: 'production' }, amount: { amount: '2.00', currency: 'EUR' } },
      ],
    });
    expect(result.currencies.map((c) => [c.currency, c.total.amount])).toEqual([
      ['EUR', '2.00'],
      ['USD', '1.00'],
    ]);
  });

  it('writes a CSV with every detail, quoting and neutralising formulas', () => {
    const result = allocateChargeback({
      month: '2026-05',
      owners: [owner('m', { name: 'Marketing, EMEA', departments: ['Marketing'] })],
      people: [person('u1', { name: '=HYPERLINK("x")', department: 'Marketing' })],
      licenses: [{ key: 'e3', name: 'Microsoft 365 E3', total: usd('36.00'), seats: 1, holderIds: ['u1'] }],
      cloud: [],
    });
    const csv = chargebackCsv(result, [owner('m', { name: 'Marketing, EMEA' })]);
    expect(csv).toBe(
      'Month,Cost owner,Kind,Item,Person or tag,Amount,Currency\r\n2026-05,"Marketing, EMEA",license,Microsoft 365 E3,"\'=HYPERLINK(""x"")",36.00,USD\r\n',
    );
    const total = result.details.reduce((acc, d) => add(acc, d.amount), zero('USD'));
    expect(total).toEqual(usd('36.00'));
  });
});
