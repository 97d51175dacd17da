// Azure Cost Management demo data for the sandbox: subscriptions of the demo tenant, who may
// read them, and their daily cost per service. Costs are never stored: each amount is a pure
// function of (subscription, service, day), so a query is computed on the fly, the numbers
// are the same in every run, and a synthetic scope can answer a million rows without
// holding them. Days are relative to the day the sandbox starts ("today"): data runs from
// 90 days ago up to yesterday.
import { addDays, dayOf, daysBetween, isDay, type Day } from '../domain/spend/periods.js';

// The demo tenant, Fabrikam and the app as literals (the same as seed.ts's DEMO_TENANT_ID,
// OTHER_TENANT_ID and DEMO_APP; a test checks): no import, so no cycle through index.ts.
const DEMO_TENANT = '00000000-0000-0000-0000-0000000000001';
const OTHER_TENANT = 'f2b5c0de-0000-4000-8000-00000000fab1';
const DEMO_APP_CLIENT_ID = '3f0c2a9e-5d1b-4c6e-9a7f-000000000a99';

/** Azure subscriptions the Cost Management emulator knows. */
export const AZURE_SUBSCRIPTIONS = {
  /** Carries the budget scenario (AZURE_BUDGET_SCENARIO). */
  production: 'a2c0c0de-0000-4000-8000-00000000a001',
  development: 'a2c0c0de-0000-4000-8000-00000000a002',
  /** Carries the planted anomaly (AZURE_ANOMALY). */
  analytics: 'a2c0c0de-0000-4000-8000-00000000a003',
  /** Has cost data, but the app holds no Cost Management Reader role on it (403 AuthorizationFailed). */
  noRole: 'a2c0c0de-0000-4000-8000-00000000a0f3',
  /** The app has the role, but Microsoft.CostManagement is not registered (409 MissingSubscriptionRegistration). */
  notRegistered: 'a2c0c0de-0000-4000-8000-00000000a0f9',
  /** Belongs to the other demo tenant (Fabrikam): a demo-tenant token is refused (InvalidAuthenticationTokenTenant). */
  otherTenant: 'b3d0c0de-0000-4000-8000-00000000b001',
  /** Answers every query with `syntheticRows` generated rows (benchmarks). */
  synthetic: 'a2c0c0de-0000-4000-8000-00000000a5a5',
} as const;

/** A Microsoft Customer Agreement billing account of the demo tenant covering production, development and analytics. */
export const AZURE_BILLING_ACCOUNT_ID = 'c0ffee00-0000-4000-8000-0000000000b1:c0ffee00-0000-4000-8000-0000000000b2_2019-05-31';

/** The tag the seed data carries (value per subscription; Bandwidth is untagged). */
export const AZURE_TAG_KEY = 'environment';

/** Daily cost (USD) per service before ±4.9 % noise. Production sums to exactly 110.00 a day. */
const SERVICE_LEVELS: Record<'production' | 'development' | 'analytics' | 'noRole' | 'notRegistered', Record<string, number>> = {
  production: {
    'Virtual Machines': 42,
    Storage: 12.5,
    'Azure SQL Database': 21,
    Bandwidth: 6.2,
    'Azure App Service': 14,
    'Key Vault': 0.35,
    'Azure Monitor': 4.1,
    'Azure Cosmos DB': 9.85,
  },
  development: {
    'Virtual Machines': 8.4,
    Storage: 2.1,
    'Azure App Service': 3.6,
    'Key Vault': 0.12,
    Bandwidth: 0.9,
    'Azure SQL Database': 4.2,
  },
  analytics: {
    'Virtual Machines': 15,
    Storage: 18,
    'Azure Synapse Analytics': 26,
    Bandwidth: 3.4,
    'Key Vault': 0.2,
    'Azure Data Factory v2': 7.5,
  },
  noRole: { 'Virtual Machines': 5, Storage: 1 },
  notRegistered: { Storage: 0.8 },
};

/** Half-width of the daily noise around each level. */
const NOISE = 0.049;

/**
 * The planted anomaly: on the analytics subscription, Virtual Machines cost about 8× their
 * usual 15 USD on the day 3 days before the sandbox started (a complete day), far above
 * the median of the 14 days before it, in percent and in money.
 */
export const AZURE_ANOMALY = {
  subscriptionId: AZURE_SUBSCRIPTIONS.analytics,
  serviceName: 'Virtual Machines',
  daysAgo: 3,
  /** Usual daily level (±4.9 %). */
  baselineDaily: '15.00',
  spikeFactor: 8,
  /** The spike day costs between these (8 × 15 ± 4.9 %). */
  spikeRange: { min: '114.12', max: '125.88' },
} as const;

/**
 * Budget numbers: production costs 110.00 USD a day ± 4.9 % (between 104.61 and 115.39),
 * so with a monthly budget of 2,000 USD the month-to-date actual spend passes 80 % (1,600)
 * on the 14th to 16th complete day of the month and 100 % on the 18th to 20th; a run-rate
 * forecast passes 100 % from the first day with data (28 × 104.61 > 2,000). To see the
 * crossing inside the current month whatever the date, pin the sandbox's day, e.g.
 * `startSandbox({ costManagement: { today: '2026-03-17' } })`: March 1–16 cost 1,673–1,847 USD,
 * past 80 % and still under 100 %.
 */
export const AZURE_BUDGET_SCENARIO = {
  subscriptionId: AZURE_SUBSCRIPTIONS.production,
  monthlyBudget: '2000.00',
  currency: 'USD',
  dailyTotal: { min: '104.61', nominal: '110.00', max: '115.39' },
  eightyPercentCrossedOnDayOfMonth: { earliest: 14, latest: 16 },
  hundredPercentCrossedOnDayOfMonth: { earliest: 18, latest: 20 },
} as const;

/** Days of history: from HISTORY_DAYS days ago up to yesterday. */
export const AZURE_HISTORY_DAYS = 90;

export interface AzureCostSubscription {
  id: string;
  displayName: string;
  tenantId: string;
  /** Client ids of apps holding Cost Management Reader on the subscription. */
  readerAppIds: Set<string>;
  /** Microsoft.CostManagement resource provider registered. */
  providerRegistered: boolean;
  /** Value of the `environment` tag on its resources. */
  environment: string;
  /** Daily level per service; empty for the synthetic subscription. */
  services: Record<string, number>;
  synthetic?: boolean;
}

export interface AzureBillingAccount {
  id: string;
  tenantId: string;
  readerAppIds: Set<string>;
  subscriptionIds: string[];
}

export interface CostManagementSettings {
  /** Rows per page (Azure: 5,000). */
  pageSize: number;
  /** Answer columns in reversed order, to prove clients read them by name. */
  shuffleColumns: boolean;
  /** Query processing units a tenant may spend per window (Azure: 12 per 10 s). */
  qpuBudget: number;
  qpuWindowSeconds: number;
  /** Rows the synthetic subscription answers to every query. */
  syntheticRows: number;
  /** Pins the sandbox's "today" (YYYY-MM-DD) for date-dependent tests; default: the UTC day it starts. */
  today?: string;
}

export const DEFAULT_COST_MANAGEMENT_SETTINGS: CostManagementSettings = {
  pageSize: 5000,
  shuffleColumns: false,
  qpuBudget: 12,
  qpuWindowSeconds: 10,
  syntheticRows: 200 * 5000,
};

/** One result row before column ordering: cost, day, service, tag value. */
export interface CostRow {
  cost: number;
  day: Day;
  service: string;
  tagValue: string;
}

/** The Cost Management world: subscriptions, billing accounts, settings, quota use. Open to tests. */
export class AzureCostWorld {
  readonly subscriptions = new Map<string, AzureCostSubscription>();
  readonly billingAccounts = new Map<string, AzureBillingAccount>();
  readonly settings: CostManagementSettings;
  /** The sandbox's "today": data ends the day before. */
  readonly today: Day;
  /** QPU spent per tenant: [when (ms), qpu]. */
  readonly qpuSpent = new Map<string, { at: number; qpu: number }[]>();

  constructor(settings: Partial<CostManagementSettings> = {}, now: Date = new Date()) {
    this.settings = { ...DEFAULT_COST_MANAGEMENT_SETTINGS, ...settings };
    if (this.settings.today !== undefined && !isDay(this.settings.today))
      throw new Error(`sandbox: costManagement.today "${this.settings.today}" is not a day (YYYY-MM-DD)`);
    this.today = this.settings.today ?? dayOf(now);
    const readers = () => new Set([DEMO_APP_CLIENT_ID]);
    const add = (key: keyof typeof SERVICE_LEVELS, displayName: string, environment: string, extra: Partial<AzureCostSubscription> = {}) =>
      this.subscriptions.set(AZURE_SUBSCRIPTIONS[key], {
        id: AZURE_SUBSCRIPTIONS[key],
        displayName,
        tenantId: DEMO_TENANT,
        readerAppIds: readers(),
        providerRegistered: true,
        environment,
        services: SERVICE_LEVELS[key],
        ...extra,
      });
    add('production', 'Contoso Production', 'production');
    add('development', 'Contoso Development', 'development');
    add('analytics', 'Contoso Analytics', 'analytics');
    add('noRole', 'Contoso Experiments', 'experiments', { readerAppIds: new Set() });
    add('notRegistered', 'Contoso Legacy', 'legacy', { providerRegistered: false });
    this.subscriptions.set(AZURE_SUBSCRIPTIONS.otherTenant, {
      id: AZURE_SUBSCRIPTIONS.otherTenant,
      displayName: 'Fabrikam Production',
      tenantId: OTHER_TENANT,
      readerAppIds: readers(),
      providerRegistered: true,
      environment: 'production',
      services: { 'Virtual Machines': 20, Storage: 4 },
    });
    this.subscriptions.set(AZURE_SUBSCRIPTIONS.synthetic, {
      id: AZURE_SUBSCRIPTIONS.synthetic,
      displayName: 'Synthetic (benchmark)',
      tenantId: DEMO_TENANT,
      readerAppIds: readers(),
      providerRegistered: true,
      environment: 'benchmark',
      services: {},
      synthetic: true,
    });
    this.billingAccounts.set(AZURE_BILLING_ACCOUNT_ID, {
      id: AZURE_BILLING_ACCOUNT_ID,
      tenantId: DEMO_TENANT,
      readerAppIds: readers(),
      subscriptionIds: [AZURE_SUBSCRIPTIONS.production, AZURE_SUBSCRIPTIONS.development, AZURE_SUBSCRIPTIONS.analytics],
    });
  }

  /** First day with data. */
  get firstDay(): Day {
    return addDays(this.today, -AZURE_HISTORY_DAYS);
  }

  /** Cost of one service of one subscription on one day (0 outside the data range). */
  dailyCost(subscriptionId: string, service: string, day: Day): number {
    const subscription = this.subscriptions.get(subscriptionId);
    const level = subscription?.services[service];
    if (level === undefined || day < this.firstDay || day >= this.today) return 0;
    const noise = (unitNoise(`${subscriptionId}|${service}|${day}`) * 2 - 1) * NOISE;
    const spike =
      subscriptionId === AZURE_ANOMALY.subscriptionId &&
      service === AZURE_ANOMALY.serviceName &&
      day === addDays(this.today, -AZURE_ANOMALY.daysAgo)
        ? AZURE_ANOMALY.spikeFactor
        : 1;
    // Azure sends floats with varying precision: 2 to 6 decimals.
    const decimals = 2 + Math.floor(unitNoise(`decimals|${subscriptionId}|${service}|${day}`) * 5);
    return roundTo(level * spike * (1 + noise), decimals);
  }

  /**
   * Rows for [from, to] (inclusive days) over some subscriptions, one per day, service and
   * tag value (summed across subscriptions, as Azure does at a billing-account scope).
   */
  rows(subscriptionIds: string[], from: Day, to: Day, tagKey: string | undefined): CostRow[] {
    const sums = new Map<string, CostRow>();
    const start = from > this.firstDay ? from : this.firstDay;
    for (let day = start; day <= to && day < this.today; day = addDays(day, 1)) {
      for (const id of subscriptionIds) {
        const subscription = this.subscriptions.get(id);
        if (!subscription) continue;
        for (const service of Object.keys(subscription.services)) {
          const tagValue =
            tagKey === undefined ? '' : tagKey.toLowerCase() === AZURE_TAG_KEY && service !== 'Bandwidth' ? subscription.environment : '';
          const key = `${day}|${service}|${tagValue}`;
          const row = sums.get(key) ?? { cost: 0, day, service, tagValue };
          row.cost += this.dailyCost(id, service, day);
          sums.set(key, row);
        }
      }
    }
    return [...sums.values()].map((row) => ({ ...row, cost: roundTo(row.cost, 6) }));
  }

  /** Synthetic rows [offset, offset + count) of `total`, spread over the days of [from, to]. */
  syntheticRows(from: Day, to: Day, offset: number, count: number): CostRow[] {
    const days = Math.max(1, daysBetween(from, to) + 1);
    const end = Math.min(this.settings.syntheticRows, offset + count);
    const rows: CostRow[] = [];
    for (let i = offset; i < end; i++) {
      rows.push({
        cost: roundTo(((i * 7919) % 100_000) / 1000 + 0.01, 3),
        day: addDays(from, i % days),
        service: `Synthetic service ${Math.floor(i / days)}`,
        tagValue: '',
      });
    }
    return rows;
  }

  /** Spends `qpu` for a tenant if its budget allows; otherwise the seconds until it would. */
  spendQpu(
    tenantId: string,
    qpu: number,
    now = Date.now(),
  ): { ok: true; consumed: number; remaining: number } | { ok: false; retryAfterSeconds: number; remaining: number } {
    const windowMs = this.settings.qpuWindowSeconds * 1000;
    const spent = (this.qpuSpent.get(tenantId) ?? []).filter((entry) => entry.at > now - windowMs);
    this.qpuSpent.set(tenantId, spent);
    const used = spent.reduce((sum, entry) => sum + entry.qpu, 0);
    if (used + qpu > this.settings.qpuBudget) {
      // Wait until enough of the oldest spending has left the window.
      let freed = 0;
      let until = now;
      for (const entry of spent) {
        freed += entry.qpu;
        until = entry.at + windowMs;
        if (used - freed + qpu <= this.settings.qpuBudget) break;
      }
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)),
        remaining: Math.max(0, this.settings.qpuBudget - used),
      };
    }
    if (qpu > 0) spent.push({ at: now, qpu });
    return { ok: true, consumed: qpu, remaining: this.settings.qpuBudget - used - qpu };
  }

  /** QPU still available to a tenant now. */
  qpuRemaining(tenantId: string, now = Date.now()): number {
    const windowMs = this.settings.qpuWindowSeconds * 1000;
    const used = (this.qpuSpent.get(tenantId) ?? [])
      .filter((entry) => entry.at > now - windowMs)
      .reduce((sum, entry) => sum + entry.qpu, 0);
    return Math.max(0, this.settings.qpuBudget - used);
  }
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** A deterministic number in [0, 1) from a text (FNV-1a, then a mulberry32 round). */
function unitNoise(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  let t = (hash + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
