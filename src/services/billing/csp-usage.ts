// Daily unbilled usage of Azure plans bought through CSP (what CloudBilling imports daily): the
// partner's unbilled daily rated usage (Graph's v2 export) is read once for all customers,
// split by CustomerId, summed per Azure subscription (the entitlement), day, meter category
// and the cost owners' tag, and stored as FOCUS-named cost rows beside those of Cost
// Management and Cost Explorer, so budgets, anomalies, `spend` and chargeback count it.
// Amounts are summed as exact decimals and rounded once per stored row. A subscription the
// tenant also connected through Cost Management is left to that connection (never counted twice).
// Self-contained on purpose: the cloud cost providers are being moved into a registry.
import type { Clock } from '../../clock.js';
import { NoExportData, type BillingPeriod, type PartnerBillingExports } from '../../connectors/billing/index.js';
import { addDecimals, decimalToMoney, parseDecimal, type Decimal } from '../../domain/decimal.js';
import { wireDay } from '../../domain/billing/invoice-lines.js';
import { monthPeriod, previousMonth } from '../../domain/billing/months.js';
import { decimalFromWire, type FocusCostRow } from '../../domain/spend/focus.js';
import { addDays, dayOf, type Day } from '../../domain/spend/periods.js';
import type { Logger } from '../../logger.js';
import type { CostOwnerStore } from '../../storage/billing.js';
import type { ConnectionRepository } from '../../storage/connections.js';
import type { CostRowStore } from '../../storage/cost-rows.js';
import type { SpendEvaluator } from '../spend-contracts.js';

/** The previous month's usage is read until its invoice is due (Microsoft: by the 8th). */
const LAST_PERIOD_UNTIL_DAY = 10;

export interface CspUsageReport {
  tenants: number;
  rows: number;
  rowsWritten: number;
  skippedSubscriptions: string[];
  problems: string[];
}

export class CspUsageSync {
  constructor(
    private readonly deps: {
      clock: Clock;
      partnerTenantId: string;
      exports: Pick<PartnerBillingExports, 'unbilledUsage'>;
      rows: Pick<CostRowStore, 'replaceDays'>;
      connections: Pick<ConnectionRepository, 'list'>;
      owners: Pick<CostOwnerStore, 'get'>;
      /** Budgets and anomalies, evaluated on the new rows. */
      evaluator?: SpendEvaluator;
      /** The billing currency of the partner's usage (default USD). */
      currency?: string;
      log: Logger;
    },
  ) {}

  async sync(tenantIds: readonly string[], now = this.deps.clock()): Promise<CspUsageReport> {
    const report: CspUsageReport = { tenants: 0, rows: 0, rowsWritten: 0, skippedSubscriptions: [], problems: [] };
    const tenants = new Set(tenantIds.map((t) => t.toLowerCase()));
    const today = dayOf(now);
    const thisMonth = today.slice(0, 7);
    const periods: { period: BillingPeriod; window: { from: Day; to: Day } }[] = [
      { period: 'current', window: { from: monthPeriod(thisMonth).start, to: today } },
    ];
    if (Number(today.slice(8, 10)) <= LAST_PERIOD_UNTIL_DAY)
      periods.push({ period: 'last', window: { from: monthPeriod(previousMonth(thisMonth)).start, to: monthPeriod(thisMonth).start } });
    const tagKeys = new Map<string, string[]>();
    for (const tenantId of tenants) {
      const owners = (await this.deps.owners.get(tenantId))?.value.owners ?? [];
      tagKeys.set(tenantId, [...new Set(owners.flatMap((o) => o.tags.map((t) => t.key)))]);
    }
    const touched = new Set<string>();
    for (const { period, window } of periods) {
      // tenant → entitlement → row key → summed row
      const sums = new Map<string, Map<string, Map<string, { row: Omit<FocusCostRow, 'BilledCost' | 'EffectiveCost'>; total: Decimal }>>>();
      try {
        for await (const raw of this.deps.exports.unbilledUsage(this.deps.currency ?? 'USD', period)) {
          const tenantId = String(raw.CustomerId ?? '').toLowerCase();
          if (!tenants.has(tenantId)) continue;
          const day = wireDay(raw.UsageDate);
          const entitlement = String(raw.EntitlementId ?? raw.SubscriptionId ?? '').toLowerCase();
          if (!day || !entitlement || day < window.from || day >= window.to) continue;
          const currency = String(raw.BillingCurrency ?? '').toUpperCase();
          const tags = chosenTag(raw.Tags, tagKeys.get(tenantId) ?? []);
          const service = String(raw.MeterCategory ?? '').trim() || 'Unassigned';
          const key = `${day}|${service}|${currency}|${JSON.stringify(tags)}`;
          const byTenant = sums.get(tenantId) ?? new Map();
          sums.set(tenantId, byTenant);
          const byEntitlement = byTenant.get(entitlement) ?? new Map();
          byTenant.set(entitlement, byEntitlement);
          const amount = parseDecimal(decimalFromWire(raw.BillingPreTaxTotal ?? 0));
          const existing = byEntitlement.get(key);
          if (existing) existing.total = addDecimals(existing.total, amount);
          else
            byEntitlement.set(key, {
              row: {
                ServiceProviderName: 'Microsoft',
                HostProviderName: 'Microsoft',
                BillingAccountId: `csp:${this.deps.partnerTenantId.toLowerCase()}`,
                SubAccountId: entitlement,
                ChargePeriodStart: day,
                ChargePeriodEnd: addDays(day, 1),
                BillingCurrency: currency,
                ServiceName: service,
                Tags: tags,
                estimated: false,
              },
              total: amount,
            });
          report.rows++;
        }
      } catch (error) {
        if (error instanceof NoExportData) continue;
        report.problems.push(`${period} usage: ${error instanceof Error ? error.message : String(error)}`);
        this.deps.log.warn({ err: error, period }, 'CSP unbilled usage could not be read; the stored rows are kept');
        continue;
      }
      for (const tenantId of tenants) {
        const costManagement = new Set(
          (await this.deps.connections.list(tenantId))
            .filter((c) => c.kind === 'azure')
            .map((c) => (c.details.scope ?? '').toLowerCase().replace(/^\/?subscriptions\//, '')),
        );
        for (const [entitlement, rows] of sums.get(tenantId) ?? []) {
          if (costManagement.has(entitlement)) {
            if (!report.skippedSubscriptions.includes(entitlement)) report.skippedSubscriptions.push(entitlement);
            continue;
          }
          const focus: FocusCostRow[] = [...rows.values()].map(({ row, total }) => {
            const amount = decimalToMoney(total, row.BillingCurrency).amount;
            return { ...row, BilledCost: amount, EffectiveCost: amount };
          });
          const counts = await this.deps.rows.replaceDays(
            tenantId,
            {
              connectionId: `csp-usage:${entitlement}`,
              provider: 'Microsoft',
              billingAccountId: focus[0]!.BillingAccountId,
              subAccountId: entitlement,
            },
            window,
            focus,
          );
          report.rowsWritten += counts.written + counts.deleted;
          touched.add(tenantId);
        }
      }
    }
    report.tenants = touched.size;
    for (const tenantId of touched) {
      try {
        await this.deps.evaluator?.afterSync(tenantId, now);
      } catch (error) {
        this.deps.log.warn({ err: error, tenantId }, 'spend evaluation after the CSP usage sync failed');
      }
    }
    this.deps.log.info({ ...report, skippedSubscriptions: report.skippedSubscriptions.length }, 'CSP unbilled usage synced');
    return report;
  }
}

/** The first of `keys` the usage row's tags carry (Tags is a JSON object, as a string in the export). */
function chosenTag(raw: unknown, keys: readonly string[]): Record<string, string> {
  if (keys.length === 0 || raw === undefined || raw === null || raw === '') return {};
  let tags: unknown = raw;
  if (typeof raw === 'string') {
    try {
      tags = JSON.parse(raw);
    } catch {
      return {};
    }
  }
  if (!tags || typeof tags !== 'object' || Array.isArray(tags)) return {};
  const entries = Object.entries(tags as Record<string, unknown>);
  for (const key of keys) {
    const found = entries.find(([k, v]) => k.toLowerCase() === key.toLowerCase() && typeof v === 'string' && v.trim());
    if (found) return { [key]: String(found[1]).trim() };
  }
  return {};
}
