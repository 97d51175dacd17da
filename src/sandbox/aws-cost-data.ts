// Demo AWS data for the Cost Explorer and STS emulators: accounts, IAM identities (fake keys,
// obviously so) and deterministic daily costs. Costs are a pure function of (account,
// service, day, today), so every run and every test sees the same figures for the same
// clock, without storing anything. Account ids are the ones AWS documentation uses as examples.
import { addDays, daysBetween, type Day } from '../domain/spend/periods.js';

/** Days of history the seed holds, ending today (inclusive). */
export const AWS_HISTORY_DAYS = 90;
/** The tag the demo costs carry; grouping by it yields "CostCenter$platform" and so on. */
export const AWS_DEMO_TAG_KEY = 'CostCenter';

export const AWS_ACCOUNTS = {
  /** Quartermaster's own AWS account: the base identity that assumes customer roles. */
  app: '123456789012',
  /** Connected with an access key; holds the planted anomaly and the budget scenario. */
  main: '111122223333',
  /** Connected through role assumption (external id required). */
  roleTarget: '444455556666',
  /** Cost Explorer was never enabled: every query answers AccessDeniedException "User not enabled for cost explorer access". */
  costExplorerOff: '777788889999',
  /** The benchmark's synthetic account (only with `syntheticServicesPerDay`). */
  synthetic: '999900001111',
} as const;

export interface AwsSandboxKey {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** The IAM user the key belongs to. */
  arn: string;
  /** IAM actions allowed, e.g. "ce:GetCostAndUsage". */
  permissions: string[];
}

const CE_READ = ['ce:GetCostAndUsage', 'ce:GetCostForecast'];

/** Seeded access keys (AKIA + 16, secrets 40 chars), all obviously fake. */
export const AWS_SANDBOX_KEYS = {
  /** The app's own base identity: may only assume roles. */
  base: {
    accessKeyId: 'AKIAQMSANDBOXBASE001',
    secretAccessKey: 'qmSandboxBase/NotARealSecretKey+00000001',
    accountId: AWS_ACCOUNTS.app,
    arn: `arn:aws:iam::${AWS_ACCOUNTS.app}:user/quartermaster`,
    permissions: ['sts:AssumeRole'],
  },
  /** Full Cost Explorer read on the main account. */
  reader: {
    accessKeyId: 'AKIAQMSANDBOXREADER1',
    secretAccessKey: 'qmSandboxReader/NotARealSecretKey+000002',
    accountId: AWS_ACCOUNTS.main,
    arn: `arn:aws:iam::${AWS_ACCOUNTS.main}:user/quartermaster-reader`,
    permissions: CE_READ,
  },
  /** A key on the main account without any ce: permission (AccessDeniedException). */
  noCostExplorerPermission: {
    accessKeyId: 'AKIAQMSANDBOXNOCE001',
    secretAccessKey: 'qmSandboxNoCe/NotARealSecretKey+00000003',
    accountId: AWS_ACCOUNTS.main,
    arn: `arn:aws:iam::${AWS_ACCOUNTS.main}:user/intern`,
    permissions: [],
  },
  /** Allowed to read, but the account never enabled Cost Explorer (AccessDeniedException "User not enabled for cost explorer access"). */
  costExplorerOff: {
    accessKeyId: 'AKIAQMSANDBOXNOTON01',
    secretAccessKey: 'qmSandboxNotOn/NotARealSecretKey+0000004',
    accountId: AWS_ACCOUNTS.costExplorerOff,
    arn: `arn:aws:iam::${AWS_ACCOUNTS.costExplorerOff}:user/quartermaster-reader`,
    permissions: CE_READ,
  },
} as const satisfies Record<string, AwsSandboxKey>;

/** Only with the emulator's `syntheticServicesPerDay` option. */
export const AWS_SYNTHETIC_KEY: AwsSandboxKey = {
  accessKeyId: 'AKIAQMSANDBOXBENCH01',
  secretAccessKey: 'qmSandboxBench/NotARealSecretKey+0000005',
  accountId: AWS_ACCOUNTS.synthetic,
  arn: `arn:aws:iam::${AWS_ACCOUNTS.synthetic}:user/benchmark`,
  permissions: CE_READ,
};

export interface AwsSandboxRole {
  arn: string;
  accountId: string;
  externalId: string;
  /** Principals the trust policy lets assume the role. */
  trustedPrincipalArns: string[];
  permissions: string[];
}

/** The customer's role Quartermaster assumes, with the external id its trust policy requires. */
export const AWS_SANDBOX_ROLE: AwsSandboxRole = {
  arn: `arn:aws:iam::${AWS_ACCOUNTS.roleTarget}:role/QuartermasterCostReader`,
  accountId: AWS_ACCOUNTS.roleTarget,
  externalId: 'qm-sandbox-external-id-7f3a',
  trustedPrincipalArns: [AWS_SANDBOX_KEYS.base.arn],
  permissions: CE_READ,
};

// ---------------------------------------------------------------------------------------
// Daily costs
// ---------------------------------------------------------------------------------------

/** Typical daily cost per service on the main account, in USD (total 70.00 a day). */
const MAIN_DAILY_LEVELS: Record<string, number> = {
  'Amazon Elastic Compute Cloud - Compute': 32.0,
  'Amazon Relational Database Service': 14.0,
  'Amazon Simple Storage Service': 6.5,
  Tax: 5.7,
  'Amazon CloudFront': 4.1,
  'AWS Lambda': 3.2,
  'Amazon DynamoDB': 2.6,
  AmazonCloudWatch: 1.9,
};

/** The role account spends less and has no CDN. */
const ROLE_TARGET_DAILY_LEVELS: Record<string, number> = {
  'Amazon Elastic Compute Cloud - Compute': 18.4,
  'Amazon Simple Storage Service': 3.1,
  'Amazon Relational Database Service': 7.25,
  'AWS Lambda': 0.85,
  'Amazon DynamoDB': 1.4,
  AmazonCloudWatch: 0.95,
  Tax: 2.9,
};

export const AWS_DAILY_LEVELS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  [AWS_ACCOUNTS.main]: MAIN_DAILY_LEVELS,
  [AWS_ACCOUNTS.roleTarget]: ROLE_TARGET_DAILY_LEVELS,
};

/** Today's costs are partial: this much of a normal day. */
export const TODAY_BILLED_SHARE = 0.5;

/** Days vary by at most this fraction around their level: never enough to look like an anomaly. */
const DAILY_NOISE = 0.08;

/**
 * The planted anomaly: on the main account, AWS Lambda costs 48.27 USD two days ago (a complete
 * day: today and yesterday are Estimated) against a 14-day median of about 3.20 (+1,400 %,
 * well past the default anomaly rule of +50 % and +20 USD). It is the only anomaly in the seed.
 */
export const AWS_DEMO_ANOMALY = {
  accountId: AWS_ACCOUNTS.main,
  serviceName: 'AWS Lambda',
  daysAgo: 2,
  amount: '48.27',
  currency: 'USD',
  /** The service's usual daily level (the median stays within ±8 % of it). */
  typicalDailyAmount: '3.20',
} as const;

/**
 * The budget scenario: the main account spends about 70 USD a day (2,100 a month), so a
 * monthly budget of 1,500 USD forecasts past 100 % every month, and month-to-date actual
 * spend passes 80 % (1,200 USD) once 17 days of the month have been billed: from the 18th
 * on, whatever the month. Use `awsDemoMonthToDate` for the exact figure on a given day.
 */
export const AWS_DEMO_BUDGET = {
  accountId: AWS_ACCOUNTS.main,
  monthlyAmount: '1500.00',
  currency: 'USD',
  thresholdPercent: 80,
  dailyLevel: '70.00',
  /** First day of any month on which month-to-date spend (through today) has passed 80 %. */
  actualCrossesFromDayOfMonth: 18,
} as const;

/** How the main account's costs split over the demo tag's values; the rest is untagged ("CostCenter$"). */
export const AWS_DEMO_TAG_SPLIT: readonly { value: string; share: number }[] = [
  { value: 'platform', share: 0.6 },
  { value: 'analytics', share: 0.3 },
];

/** 32-bit FNV-1a: turns (account, service, day) into a seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: one deterministic draw in [0, 1) per seed. */
function draw(seed: number): number {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Amounts in millionths of a dollar: integers, so splits and sums stay exact. */
export type Micros = number;
export const MICROS_PER_UNIT = 1_000_000;

/** Services with cost on an account, in the order Cost Explorer lists them. */
export function awsServicesOf(accountId: string): string[] {
  return Object.keys(AWS_DAILY_LEVELS[accountId] ?? {}).sort();
}

/** One service's cost on one day; zero outside the 90 days of history or after today. */
export function awsDailyCostMicros(accountId: string, serviceName: string, day: Day, today: Day): Micros {
  const level = AWS_DAILY_LEVELS[accountId]?.[serviceName];
  const age = daysBetween(day, today);
  if (level === undefined || age < 0 || age >= AWS_HISTORY_DAYS) return 0;
  if (accountId === AWS_DEMO_ANOMALY.accountId && serviceName === AWS_DEMO_ANOMALY.serviceName && age === AWS_DEMO_ANOMALY.daysAgo) {
    return Math.round(Number(AWS_DEMO_ANOMALY.amount) * MICROS_PER_UNIT);
  }
  const noise = (draw(hash(`${accountId}|${serviceName}|${day}`)) * 2 - 1) * DAILY_NOISE;
  // Today is still running: about half of it has been billed so far.
  const billedShare = age === 0 ? TODAY_BILLED_SHARE : 1;
  return Math.round(level * (1 + noise) * billedShare * MICROS_PER_UNIT);
}

/** A service-day's cost split over the demo tag's values ("" = untagged); parts add up exactly. */
export function awsTagSplit(total: Micros): { value: string; micros: Micros }[] {
  const parts = AWS_DEMO_TAG_SPLIT.map(({ value, share }) => ({ value, micros: Math.round(total * share) }));
  const tagged = parts.reduce((sum, part) => sum + part.micros, 0);
  return [...parts, { value: '', micros: total - tagged }];
}

/** Month-to-date spend of an account through `today` (inclusive), in micros. */
export function awsDemoMonthToDate(accountId: string, today: Day): Micros {
  const monthStart = `${today.slice(0, 8)}01`;
  let total = 0;
  for (let day = monthStart; day <= today; day = addDays(day, 1)) {
    for (const service of awsServicesOf(accountId)) total += awsDailyCostMicros(accountId, service, day, today);
  }
  return total;
}

/** "31.874213" style amounts, as Cost Explorer sends them (long decimal strings). */
export function formatMicros(micros: Micros): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}${Math.floor(abs / MICROS_PER_UNIT)}.${String(abs % MICROS_PER_UNIT).padStart(6, '0')}0000`;
}

/** Benchmark services: cheap arithmetic instead of the PRNG, any number per day. */
export function syntheticServiceName(index: number): string {
  return `Synthetic Service ${String(index + 1).padStart(5, '0')}`;
}

export function syntheticDailyCostMicros(serviceIndex: number, day: Day): Micros {
  return 10_000 + ((serviceIndex * 7_919 + Number(day.slice(8, 10)) * 104_729) % 5_000_000);
}
