import { describe, expect, it } from 'vitest';
import {
  combineRows,
  CostDataError,
  costAmount,
  costRowKey,
  decimalFromWire,
  totalCost,
  upsertRows,
  type FocusCostRow,
} from '../../../src/domain/spend/focus.js';
import { normalizeAwsPage, type AwsCostPage } from '../../../src/domain/spend/providers/aws.js';
import { normalizeAzureQuery, parseAzureUsageDate, type AzureQueryResult } from '../../../src/domain/spend/providers/azure.js';

const azureContext = { billingAccountId: 'subscriptions/sub-1', subAccountId: 'sub-1', costType: 'ActualCost' as const };

describe('decimalFromWire and costAmount', () => {
  it('turns floats and strings into plain decimals without exponent', () => {
    expect(decimalFromWire(12.5)).toBe('12.5');
    expect(decimalFromWire(1e-7)).toBe('0.0000001');
    expect(decimalFromWire(1.5e21)).toBe('1500000000000000000000');
    expect(decimalFromWire('-0.004')).toBe('-0.004');
    expect(decimalFromWire(' 3.14159265358979 ')).toBe('3.14159265358979');
    expect(decimalFromWire('2.5E-3')).toBe('0.0025');
  });
  it('rejects what is not an amount', () => {
    for (const bad of [NaN, Infinity, '', 'abc', '1,000', null, undefined, '0x10'])
      expect(() => decimalFromWire(bad)).toThrow(CostDataError);
  });
  it('rounds each row once, half away from zero, in the currency digits', () => {
    expect(costAmount(0.125, 'USD')).toBe('0.13');
    expect(costAmount(0.124999, 'USD')).toBe('0.12');
    expect(costAmount('-0.125', 'USD')).toBe('-0.13');
    expect(costAmount(0.1 + 0.2, 'USD')).toBe('0.30'); // 0.30000000000000004
    expect(costAmount('1234.5', 'JPY')).toBe('1235');
    expect(costAmount('1.0005', 'KWD')).toBe('1.001');
    expect(costAmount(1e-7, 'USD')).toBe('0.00');
  });
});

describe('parseAzureUsageDate', () => {
  it('accepts the number, the compact string and the ISO string forms', () => {
    expect(parseAzureUsageDate(20261101)).toBe('2026-11-01');
    expect(parseAzureUsageDate('20261101')).toBe('2026-11-01');
    expect(parseAzureUsageDate('2026-11-01T00:00:00')).toBe('2026-11-01');
    expect(parseAzureUsageDate('2026-11-01T00:00:00Z')).toBe('2026-11-01');
    expect(parseAzureUsageDate('2026-11-01')).toBe('2026-11-01');
    expect(parseAzureUsageDate(20280229)).toBe('2028-02-29');
  });
  it('rejects impossible or non-midnight dates', () => {
    for (const bad of [20260229, 20261131, 2026110, '2026-11-01T05:00:00', 20261101.5, 'yesterday', null]) {
      expect(() => parseAzureUsageDate(bad), String(bad)).toThrow(CostDataError);
    }
  });
});

describe('normalizeAzureQuery', () => {
  // Columns deliberately not in the usual order: they must be read by name.
  const result: AzureQueryResult = {
    columns: [
      { name: 'ServiceName', type: 'String' },
      { name: 'Currency', type: 'String' },
      { name: 'UsageDate', type: 'Number' },
      { name: 'Cost', type: 'Number' },
    ],
    rows: [
      ['Virtual Machines', 'USD', 20261130, 12.345],
      ['Storage', 'usd', '20261201', 0.004],
    ],
    nextLink: 'https://management.azure.com/...&$skiptoken=abc',
  };

  it('maps columns by name into FOCUS rows with exclusive ends', () => {
    const rows = normalizeAzureQuery(result, azureContext);
    expect(rows).toEqual([
      {
        ServiceProviderName: 'Microsoft',
        HostProviderName: 'Microsoft',
        BillingAccountId: 'subscriptions/sub-1',
        SubAccountId: 'sub-1',
        ChargePeriodStart: '2026-11-30',
        ChargePeriodEnd: '2026-12-01',
        BilledCost: '12.35',
        EffectiveCost: null,
        BillingCurrency: 'USD',
        ServiceName: 'Virtual Machines',
        Tags: {},
        estimated: false,
      },
      expect.objectContaining({
        ChargePeriodStart: '2026-12-01',
        ChargePeriodEnd: '2026-12-02',
        BilledCost: '0.00',
        BillingCurrency: 'USD',
      }),
    ]);
  });
  it('puts AmortizedCost into EffectiveCost', () => {
    const [row] = normalizeAzureQuery(result, { ...azureContext, costType: 'AmortizedCost' });
    expect(row).toMatchObject({ BilledCost: null, EffectiveCost: '12.35' });
  });
  it('accepts PreTaxCost from older API versions and reads a tag grouping', () => {
    const rows = normalizeAzureQuery(
      {
        columns: [
          { name: 'PreTaxCost' },
          { name: 'UsageDate' },
          { name: 'ServiceName' },
          { name: 'TagKey' },
          { name: 'TagValue' },
          { name: 'Currency' },
        ],
        rows: [
          [5, 20261101, 'SQL Database', 'env', 'prod', 'EUR'],
          [1, 20261101, 'SQL Database', 'env', '', 'EUR'],
        ],
      },
      { ...azureContext, tagKey: 'env' },
    );
    expect(rows.map((r) => [r.BilledCost, r.BillingCurrency, r.Tags])).toEqual([
      ['5.00', 'EUR', { env: 'prod' }],
      ['1.00', 'EUR', {}],
    ]);
  });
  it('says which column is missing', () => {
    expect(() =>
      normalizeAzureQuery({ columns: [{ name: 'UsageDate' }, { name: 'ServiceName' }, { name: 'Currency' }], rows: [] }, azureContext),
    ).toThrow(/no Cost column/);
    expect(() =>
      normalizeAzureQuery(
        { columns: [{ name: 'Cost' }, { name: 'UsageDate' }, { name: 'ServiceName' }, { name: 'Currency' }], rows: [] },
        { ...azureContext, tagKey: 'env' },
      ),
    ).toThrow(/TagValue/);
  });
  it('returns nothing for an empty page', () => {
    expect(normalizeAzureQuery({ columns: result.columns, rows: [] }, azureContext)).toEqual([]);
  });
  it('rejects a bad currency or cost instead of storing garbage', () => {
    expect(() => normalizeAzureQuery({ columns: result.columns, rows: [['VM', '', 20261101, 1]] }, azureContext)).toThrow();
    expect(() => normalizeAzureQuery({ columns: result.columns, rows: [['VM', 'USD', 20261101, 'n/a']] }, azureContext)).toThrow(
      CostDataError,
    );
  });
});

describe('normalizeAwsPage', () => {
  const page: AwsCostPage = {
    ResultsByTime: [
      {
        TimePeriod: { Start: '2026-11-30', End: '2026-12-01' },
        Groups: [
          {
            Keys: ['Amazon Elastic Compute Cloud - Compute'],
            Metrics: { UnblendedCost: { Amount: '10.005', Unit: 'USD' }, AmortizedCost: { Amount: '9.994', Unit: 'USD' } },
          },
          { Keys: ['AWS Lambda'], Metrics: { UnblendedCost: { Amount: '0.0000001', Unit: 'USD' } } },
        ],
        Estimated: false,
      },
      { TimePeriod: { Start: '2026-12-01', End: '2026-12-02' }, Groups: [], Estimated: true },
    ],
    NextPageToken: 'next',
  };
  const context = { billingAccountId: '111111111111', subAccountId: '222222222222' };

  it('keys each day by its Start, never by the exclusive End', () => {
    const { rows } = normalizeAwsPage(page, context);
    expect(rows.map((r) => [r.ChargePeriodStart, r.ChargePeriodEnd])).toEqual([
      ['2026-11-30', '2026-12-01'],
      ['2026-11-30', '2026-12-01'],
    ]);
  });
  it('maps Unblended to BilledCost and Amortized to EffectiveCost, rounded', () => {
    const [ec2, lambda] = normalizeAwsPage(page, context).rows;
    expect(ec2).toMatchObject({
      ServiceProviderName: 'AWS',
      HostProviderName: 'AWS',
      SubAccountId: '222222222222',
      ServiceName: 'Amazon Elastic Compute Cloud - Compute',
      BilledCost: '10.01',
      EffectiveCost: '9.99',
      BillingCurrency: 'USD',
      estimated: false,
    });
    expect(lambda).toMatchObject({ BilledCost: '0.00', EffectiveCost: null });
  });
  it('prefers NetUnblendedCost when present', () => {
    const { rows } = normalizeAwsPage(
      {
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-01', End: '2026-11-02' },
            Groups: [
              { Keys: ['S3'], Metrics: { UnblendedCost: { Amount: '5', Unit: 'USD' }, NetUnblendedCost: { Amount: '4.5', Unit: 'USD' } } },
            ],
          },
        ],
      },
      context,
    );
    expect(rows[0]?.BilledCost).toBe('4.50');
  });
  it('reports every day with its Estimated flag, even days with no groups', () => {
    const { days, rows } = normalizeAwsPage(page, context);
    expect(days).toEqual([
      { day: '2026-11-30', estimated: false },
      { day: '2026-12-01', estimated: true },
    ]);
    expect(rows.every((r) => !r.estimated)).toBe(true);
    const estimatedPage = normalizeAwsPage({ ResultsByTime: [{ ...page.ResultsByTime![0]!, Estimated: true }] }, context);
    expect(estimatedPage.rows.every((r) => r.estimated)).toBe(true);
  });
  it('reads a TAG group key "key$value" and treats "key$" as untagged', () => {
    const { rows } = normalizeAwsPage(
      {
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-11-01', End: '2026-11-02' },
            Groups: [
              { Keys: ['S3', 'team$data'], Metrics: { UnblendedCost: { Amount: '1', Unit: 'USD' } } },
              { Keys: ['S3', 'team$'], Metrics: { UnblendedCost: { Amount: '2', Unit: 'USD' } } },
            ],
          },
        ],
      },
      { ...context, tagKey: 'team' },
    );
    expect(rows.map((r) => r.Tags)).toEqual([{ team: 'data' }, {}]);
  });
  it('refuses periods that are not single days', () => {
    expect(() =>
      normalizeAwsPage({ ResultsByTime: [{ TimePeriod: { Start: '2026-11-01', End: '2026-12-01' }, Groups: [] }] }, context),
    ).toThrow(/DAILY/);
    expect(() =>
      normalizeAwsPage({ ResultsByTime: [{ TimePeriod: { Start: '2026-11-01', End: '2026-11-01' }, Groups: [] }] }, context),
    ).toThrow(CostDataError);
    expect(() =>
      normalizeAwsPage({ ResultsByTime: [{ TimePeriod: { Start: '2026-11-01T00:00:00Z', End: '2026-11-02' } }] }, context),
    ).toThrow(CostDataError);
  });
  it('handles the leap day and year end', () => {
    const { days } = normalizeAwsPage(
      {
        ResultsByTime: [
          { TimePeriod: { Start: '2028-02-29', End: '2028-03-01' } },
          { TimePeriod: { Start: '2026-12-31', End: '2027-01-01' } },
        ],
      },
      context,
    );
    expect(days.map((d) => d.day)).toEqual(['2028-02-29', '2026-12-31']);
  });
});

const row = (overrides: Partial<FocusCostRow> = {}): FocusCostRow => ({
  ServiceProviderName: 'Microsoft',
  HostProviderName: 'Microsoft',
  BillingAccountId: 'ba',
  SubAccountId: 'sub-1',
  ChargePeriodStart: '2026-11-01',
  ChargePeriodEnd: '2026-11-02',
  BilledCost: '1.00',
  EffectiveCost: null,
  BillingCurrency: 'USD',
  ServiceName: 'Storage',
  Tags: {},
  estimated: false,
  ...overrides,
});

describe('costRowKey', () => {
  it('is the same for the same identity, whatever the amounts', () => {
    expect(costRowKey(row({ BilledCost: '5.00' }))).toBe(costRowKey(row({ BilledCost: '7.00', estimated: true })));
  });
  it('differs by provider, account, sub-account, day, service and tag', () => {
    const keys = [
      row(),
      row({ ServiceProviderName: 'AWS', HostProviderName: 'AWS' }),
      row({ BillingAccountId: 'other' }),
      row({ SubAccountId: 'sub-2' }),
      row({ ChargePeriodStart: '2026-11-02' }),
      row({ ServiceName: 'Compute' }),
      row({ Tags: { env: 'prod' } }),
      row({ Tags: { env: 'dev' } }),
    ].map(costRowKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
  it('cannot be confused by separators inside values', () => {
    expect(costRowKey(row({ ServiceName: 'a|b', SubAccountId: 'x' }))).not.toBe(costRowKey(row({ ServiceName: 'b', SubAccountId: 'x|a' })));
    expect(costRowKey(row({ ServiceName: 'a/b#c?d' }))).not.toMatch(/[/#?\\]/);
    expect(costRowKey(row({ Tags: { 'a=b': 'c' } }))).not.toBe(costRowKey(row({ Tags: { a: 'b=c' } })));
    expect(costRowKey(row({ Tags: { a: '1', b: '2' } }))).toBe(costRowKey(row({ Tags: { b: '2', a: '1' } })));
  });
});

describe('combineRows, upsertRows and totalCost', () => {
  it('adds parts of the same key within one result', () => {
    const combined = combineRows([row({ BilledCost: '1.10' }), row({ BilledCost: '2.20' }), row({ ServiceName: 'Compute' })]);
    expect(combined).toHaveLength(2);
    expect(combined[0]?.BilledCost).toBe('3.30');
  });
  it('re-syncing the same rows changes nothing', () => {
    const stored = upsertRows([], [row(), row({ ServiceName: 'Compute', BilledCost: '2.00' })]);
    expect(upsertRows(stored, [row(), row({ ServiceName: 'Compute', BilledCost: '2.00' })])).toEqual(stored);
  });
  it('a corrected day replaces the old value instead of adding to it', () => {
    const stored = upsertRows([], [row({ BilledCost: '1.00', estimated: true })]);
    const corrected = upsertRows(stored, [row({ BilledCost: '1.25' })]);
    expect(corrected).toHaveLength(1);
    expect(corrected[0]).toMatchObject({ BilledCost: '1.25', estimated: false });
  });
  it('keeps a cost type the newer sync did not query', () => {
    const stored = upsertRows([], [row({ BilledCost: '1.00', EffectiveCost: '0.90' })]);
    expect(upsertRows(stored, [row({ BilledCost: '1.10', EffectiveCost: null })])[0]).toMatchObject({
      BilledCost: '1.10',
      EffectiveCost: '0.90',
    });
  });
  it('totals equal the sum of the rows to the cent', () => {
    // 0.1 added ten times in floats is 0.9999999999999999.
    const rows = Array.from({ length: 10 }, (_, i) => row({ ServiceName: `s${i}`, BilledCost: costAmount(0.1, 'USD') }));
    expect(totalCost(rows, 'BilledCost', 'USD')).toEqual({ amount: '1.00', currency: 'USD' });
    // Many odd-cent rows from floats: total equals the sum of the stored strings.
    const floats = Array.from({ length: 1000 }, (_, i) => row({ ServiceName: `s${i}`, BilledCost: costAmount(i * 0.0137, 'USD') }));
    const expected = floats.reduce((cents, r) => cents + Math.round(Number(r.BilledCost) * 100), 0);
    expect(totalCost(floats, 'BilledCost', 'USD').amount).toBe((expected / 100).toFixed(2));
  });
  it('counts credits and skips a missing metric', () => {
    expect(
      totalCost([row({ BilledCost: '5.00' }), row({ BilledCost: '-1.50' }), row({ BilledCost: null })], 'BilledCost', 'usd').amount,
    ).toBe('3.50');
    expect(totalCost([], 'EffectiveCost', 'EUR')).toEqual({ amount: '0.00', currency: 'EUR' });
  });
  it('refuses to add currencies together', () => {
    expect(() => totalCost([row(), row({ BillingCurrency: 'EUR' })], 'BilledCost', 'USD')).toThrow(/EUR/);
    expect(() => combineRows([row(), row({ BillingCurrency: 'EUR' })])).toThrow(/both USD and EUR/);
  });
});
