// Environment → typed configuration. A wrong or missing value stops start-up with one
// line naming the variable and what is expected (ConfigError.message).
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { KeyringError, parseKeyring, type Keyring } from './security/secret-box.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'expected a port number' })
    .int('expected a whole port number')
    .min(0, 'expected a port between 0 and 65535')
    .max(65535, 'expected a port between 0 and 65535')
    .default(fallback);

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const url = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .pipe(z.string().url('expected an absolute URL such as https://name.table.core.windows.net').optional());

// "tenantId:aadObjectId,tenantId:aadObjectId" — the admins each tenant starts with.
const adminList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const admins: { tenantId: string; aadObjectId: string }[] = [];
    for (const item of (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [tenantId, aadObjectId, extra] = item.split(':').map((s) => s.trim());
      if (!tenantId || !aadObjectId || extra !== undefined) {
        ctx.addIssue({ code: 'custom', message: `expected tenantId:aadObjectId pairs separated by commas, got "${item}"` });
        return z.NEVER;
      }
      admins.push({ tenantId, aadObjectId });
    }
    return admins;
  });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'expected development, production or test' }).default('development'),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PORT: port(3978),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'expected fatal, error, warn, info, debug, trace or silent',
    })
    .default('info'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'expected milliseconds' }).int().min(0).max(120_000).default(10_000),

  BOT_ID: optionalText,
  BOT_PASSWORD: optionalText,
  BOT_TYPE: z
    .enum(['SingleTenant', 'UserAssignedMSI', 'MultiTenant'], { message: 'expected SingleTenant, UserAssignedMSI or MultiTenant' })
    .default('SingleTenant'),
  BOT_TENANT_ID: optionalText,

  AZURE_STORAGE_CONNECTION_STRING: optionalText,
  AZURE_STORAGE_ACCOUNT_URL: url,
  /** The queue endpoint beside AZURE_STORAGE_ACCOUNT_URL; by default its `.table.` sibling. */
  AZURE_STORAGE_QUEUE_URL: url,
  AZURE_CLIENT_ID: optionalText,
  TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{0,19}$/, 'expected 1-20 letters or digits, starting with a letter')
    .default('qm'),

  LOCAL_AZURITE: bool(false),
  AZURITE_DATA_DIR: z.string().trim().min(1).default('.data/azurite'),
  AZURITE_TABLE_PORT: port(10002),
  AZURITE_QUEUE_PORT: port(10001),
  PLAYGROUND: bool(false),
  PLAYGROUND_PORT: port(56150),
  PLAYGROUND_USERS: z
    .string()
    .regex(/^\s*[a-z]+(\s*,\s*[a-z]+)*\s*$/, 'expected first names of Playground users separated by commas, such as alex,adele,megan')
    .default('alex'),

  BOOTSTRAP_ADMINS: adminList,
  PARTNER_TENANTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const partners: { tenantId: string; name?: string }[] = [];
      for (const item of (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const [tenantId = '', ...rest] = item.split(':');
        const name = rest.join(':').trim();
        if (!/^[0-9A-Za-z-]{1,64}$/.test(tenantId.trim()) || name.length > 100) {
          ctx.addIssue({ code: 'custom', message: `expected tenantId or tenantId:Name items separated by commas, got "${item}"` });
          return z.NEVER;
        }
        partners.push({ tenantId: tenantId.trim(), ...(name ? { name } : {}) });
      }
      return partners;
    }),

  CONNECTORS: z.enum(['sandbox', 'production'], { message: 'expected sandbox or production' }).default('sandbox'),
  GRAPH_CLIENT_ID: optionalText,
  GRAPH_CLIENT_SECRET: optionalText,
  PARTNER_CENTER_CLIENT_ID: optionalText,
  PARTNER_CENTER_CLIENT_SECRET: optionalText,
  PARTNER_CENTER_TENANT_ID: optionalText,
  APPROVER_GROUP_ID: optionalText,
  /** The IAM principal customers' roles trust (shown in AWS trust-policy advice); its keys come from the AWS SDK's default chain. */
  AWS_PRINCIPAL_ARN: z
    .string()
    .trim()
    .regex(/^arn:aws:(iam|sts)::\d{12}:[\w+=,.@/-]+$/, 'expected an IAM ARN such as arn:aws:iam::123456789012:user/quartermaster')
    .optional(),
  // Connection secrets (refresh tokens, AWS keys) are sealed with these keys; App Service
  // can fill SECRET_KEYS from Key Vault with a Key Vault reference.
  SECRET_KEYS: optionalText,
  SECRET_KEY_CURRENT: optionalText,
  /** Where browsers reach this bot: consent and sign-in redirects come back to {PUBLIC_URL}/api/consent/callback. */
  PUBLIC_URL: url,
  /** Production: order non-Microsoft products through the Marketplace Platform too (tenants connect it with an API token). */
  MARKETPLACE: bool(false),
  MARKETPLACE_URL: url,
  /** A marketplace order in Processing longer than this raises one admin alert. */
  MARKETPLACE_STUCK_ORDER_MINUTES: z.coerce
    .number({ message: 'expected a whole number of minutes' })
    .int('expected a whole number of minutes')
    .min(5, 'expected at least 5 minutes')
    .max(43_200, 'expected at most 43200 minutes (30 days)')
    .default(120),
  /** The market whose Partner Center price sheet prices the catalog (ISO country code). */
  PRICE_SHEET_MARKET: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'expected a two-letter country code such as US')
    .default('US')
    .transform((v) => v.toUpperCase()),
  /** A license-based price list (CSV, the price sheet's columns) used when the price sheet cannot be downloaded. */
  PRICE_LIST_FILE: optionalText,
  POLICY_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected a 3-letter currency code such as USD')
    .default('USD'),
  POLICY_AUTO_APPROVE_BELOW: z
    .string()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, 'expected an amount such as 50 or 49.99')
    .default('50'),
  POLICY_SECOND_STAGE_ABOVE: z
    .string()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, 'expected an amount such as 200')
    .default('200'),
  /**
   * Optional language model (README: "Optional language model"): messages the offline model is
   * unsure about are read by Azure OpenAI (a DEPLOYMENT) or an OpenAI-compatible API (a NAME).
   * Unset = off, and no message ever leaves the bot.
   */
  LANGUAGE_MODEL_ENDPOINT: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.string().url('expected an absolute URL such as https://name.openai.azure.com').optional()),
  LANGUAGE_MODEL_DEPLOYMENT: optionalText,
  LANGUAGE_MODEL_NAME: optionalText,
  LANGUAGE_MODEL_API_KEY: optionalText,
  LANGUAGE_MODEL_API_VERSION: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'expected an Azure OpenAI api-version such as 2024-10-21')
    .default('2024-10-21'),
  /** One call's deadline, well inside the 15 s turn budget; past it the fallback card answers. */
  LANGUAGE_MODEL_TIMEOUT_MS: z.coerce
    .number({ message: 'expected milliseconds' })
    .int('expected whole milliseconds')
    .min(500, 'expected at least 500 ms')
    .max(10_000, 'expected at most 10000 ms (the turn has 15 s)')
    .default(4000),
  /** Traces, requests and dependencies to Application Insights (src/telemetry.ts reads it before anything loads); unset = off. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(
      z
        .string()
        .regex(
          /(^|;)\s*InstrumentationKey=/i,
          'expected an Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=...)',
        )
        .optional(),
    ),
});

/** Every variable the configuration reads (the infrastructure test checks the template against it). */
export const SETTING_NAMES = Object.keys(EnvSchema.shape) as (keyof typeof EnvSchema.shape)[];

/** Settings that hold secrets: in Azure they come from Key Vault references, never as plain values. */
export const SECRET_SETTINGS = [
  'BOT_PASSWORD',
  'AZURE_STORAGE_CONNECTION_STRING',
  'GRAPH_CLIENT_SECRET',
  'PARTNER_CENTER_CLIENT_SECRET',
  'SECRET_KEYS',
  'LANGUAGE_MODEL_API_KEY',
] as const satisfies readonly (typeof SETTING_NAMES)[number][];

// What App Service leaves in a setting when it cannot resolve a Key Vault reference: the reference itself.
const KEY_VAULT_REFERENCE = /^\s*@Microsoft\.KeyVault\((.*)\)\s*$/i;

function refuseUnresolvedKeyVaultReferences(given: Record<string, string | undefined>): void {
  for (const name of SETTING_NAMES) {
    const value = given[name];
    const reference = value === undefined ? null : KEY_VAULT_REFERENCE.exec(value);
    if (!reference) continue;
    const secret = /SecretName=([^;)]+)/i.exec(reference[1]!)?.[1] ?? /SecretUri=([^;)]+)/i.exec(reference[1]!)?.[1] ?? 'its secret';
    throw new ConfigError(
      `${name}: unresolved Key Vault reference (App Service passed "@Microsoft.KeyVault(...)" as the value): store ${secret} in the vault, let the app's identity read it (Key Vault Secrets User), then restart the app`,
    );
  }
}

export type ConnectorsConfig =
  | { mode: 'sandbox' }
  | {
      mode: 'production';
      graph: { clientId: string; clientSecret: string };
      partnerCenter: { clientId: string; clientSecret: string; partnerTenantId: string };
      aws?: { appPrincipalArn: string };
      marketplace?: { baseUrl?: string };
    };

/** Where unsure messages are sent when a language model is configured (the message text only). */
export type LanguageModelConfig = {
  endpoint: string;
  /** Milliseconds one call may take; then the fallback card answers. */
  timeoutMs: number;
} & (
  | {
      api: 'azure-openai';
      deployment: string;
      apiVersion: string;
      /** Without a key the app's managed identity signs in (role "Cognitive Services OpenAI User"). */
      apiKey?: string;
      managedIdentityClientId?: string;
    }
  | { api: 'openai'; model: string; apiKey: string }
);

export interface PolicySeedConfig {
  currency: string;
  autoApproveBelow: string;
  secondStageAbove: string;
  /** The Entra group behind the default policy's "License approvers" stage. */
  approverGroupId?: string;
}

export type StorageConfig =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'account-url'; accountUrl: string; queueUrl?: string; managedIdentityClientId?: string }
  | { kind: 'local-azurite'; dataDir: string; tablePort: number; queuePort: number };

export interface BotAuthConfig {
  /** Empty appId = authentication off (local only). */
  appId?: string;
  appPassword?: string;
  appType: 'SingleTenant' | 'UserAssignedMSI' | 'MultiTenant';
  tenantId?: string;
  /**
   * Where the signing keys of Bot Framework tokens are published (OpenID metadata). Default:
   * Bot Framework's own; tests point it at loopback so that no check leaves the machine.
   */
  openIdMetadataUrl?: string;
}

export interface AppConfig {
  environment: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownTimeoutMs: number;
  bot: BotAuthConfig;
  storage: StorageConfig;
  tablePrefix: string;
  /** One Playground per person (first names of the Playground's users), on consecutive ports. */
  playground?: { port: number; users: string[] };
  bootstrapAdmins: { tenantId: string; aadObjectId: string }[];
  /** Partner mode: the CSP partners' own tenants, whose admins serve their customer tenants (PARTNER_TENANTS). */
  partnerTenants?: { tenantId: string; name?: string }[];
  connectors: ConnectorsConfig;
  policy: PolicySeedConfig;
  /** Seals connection secrets. Absent only outside production: local mode keeps a key under its data directory. */
  secretKeys?: Keyring;
  /** Base URL browsers use to reach the bot (consent redirects); defaults to the server's own URL outside production. */
  publicUrl?: string;
  /** Marketplace orders: when one counts as stuck (default 120 minutes). */
  marketplace?: { stuckOrderMinutes: number };
  /** Catalog prices: the price sheet's market, and the fallback price list file (CSV). */
  prices?: { market: string; priceListFile?: string };
  /** Off unless LANGUAGE_MODEL_ENDPOINT is set: the bot is complete without it. */
  languageModel?: LanguageModelConfig;
}

/**
 * Local runs read env/.env.local; `.localConfigs` (written by the Agents Toolkit's local
 * provisioning, with the bot's credentials) comes first so its values win. ENV_FILE names
 * one file instead ("none" for no file). Variables already set in the environment always win.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production') return;
  const files = env.ENV_FILE ? [env.ENV_FILE] : ['.localConfigs', 'env/.env.local'];
  for (const file of files) {
    if (file !== 'none' && existsSync(file)) process.loadEnvFile(file);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // "PORT=" in a file means "not set", not "port 0".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  refuseUnresolvedKeyVaultReferences(given);
  const parsed = EnvSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${variable}: ${issue.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  if (production && !e.BOT_ID) {
    throw new ConfigError('BOT_ID: required when NODE_ENV=production (production never runs without Bot Framework authentication)');
  }
  if (production && e.BOT_TYPE === 'MultiTenant') {
    throw new ConfigError(
      'BOT_TYPE: MultiTenant cannot run in production (new multi-tenant bot registrations cannot be created); use SingleTenant or UserAssignedMSI',
    );
  }
  if (e.BOT_ID) {
    if (e.BOT_TYPE === 'MultiTenant' && !e.BOT_PASSWORD) throw new ConfigError('BOT_PASSWORD: required when BOT_TYPE=MultiTenant');
    if (e.BOT_TYPE === 'SingleTenant' && !e.BOT_TENANT_ID) throw new ConfigError('BOT_TENANT_ID: required when BOT_TYPE=SingleTenant');
    if (e.BOT_TYPE === 'SingleTenant' && !e.BOT_PASSWORD) throw new ConfigError('BOT_PASSWORD: required when BOT_TYPE=SingleTenant');
    if (e.BOT_TYPE === 'UserAssignedMSI' && !e.BOT_TENANT_ID)
      throw new ConfigError('BOT_TENANT_ID: required when BOT_TYPE=UserAssignedMSI');
    if (e.BOT_TYPE === 'UserAssignedMSI' && e.BOT_PASSWORD)
      throw new ConfigError('BOT_PASSWORD: must be empty when BOT_TYPE=UserAssignedMSI (the managed identity signs in)');
  }
  if (e.PLAYGROUND && e.BOT_ID) {
    throw new ConfigError('PLAYGROUND: must be false when BOT_ID is set (the Agents Playground sends no Bot Framework token)');
  }
  if (production && (e.LOCAL_AZURITE || e.PLAYGROUND)) {
    throw new ConfigError(`${e.LOCAL_AZURITE ? 'LOCAL_AZURITE' : 'PLAYGROUND'}: must be false when NODE_ENV=production`);
  }

  if (production && e.CONNECTORS !== 'production') {
    throw new ConfigError('CONNECTORS: must be production when NODE_ENV=production (the sandbox emulators are for local runs and tests)');
  }
  let connectors: ConnectorsConfig = { mode: 'sandbox' };
  if (e.CONNECTORS === 'production') {
    for (const name of [
      'GRAPH_CLIENT_ID',
      'GRAPH_CLIENT_SECRET',
      'PARTNER_CENTER_CLIENT_ID',
      'PARTNER_CENTER_CLIENT_SECRET',
      'APPROVER_GROUP_ID',
    ] as const) {
      if (!e[name]) throw new ConfigError(`${name}: required when CONNECTORS=production`);
    }
    // Each partner tenant's agents sign in to that tenant; PARTNER_CENTER_TENANT_ID is the default
    // (every other tenant's sign-in), the first partner tenant when only PARTNER_TENANTS is set.
    const partnerCenterTenantId = e.PARTNER_CENTER_TENANT_ID ?? e.PARTNER_TENANTS[0]?.tenantId;
    if (!partnerCenterTenantId) throw new ConfigError('PARTNER_CENTER_TENANT_ID: required when CONNECTORS=production (or PARTNER_TENANTS)');
    connectors = {
      mode: 'production',
      graph: { clientId: e.GRAPH_CLIENT_ID!, clientSecret: e.GRAPH_CLIENT_SECRET! },
      partnerCenter: {
        clientId: e.PARTNER_CENTER_CLIENT_ID!,
        clientSecret: e.PARTNER_CENTER_CLIENT_SECRET!,
        partnerTenantId: partnerCenterTenantId,
      },
      ...(e.AWS_PRINCIPAL_ARN ? { aws: { appPrincipalArn: e.AWS_PRINCIPAL_ARN } } : {}),
      ...(e.MARKETPLACE ? { marketplace: e.MARKETPLACE_URL ? { baseUrl: e.MARKETPLACE_URL } : {} } : {}),
    };
  }

  let secretKeys: Keyring | undefined;
  if (e.SECRET_KEYS) {
    try {
      secretKeys = parseKeyring(e.SECRET_KEYS, e.SECRET_KEY_CURRENT);
    } catch (error) {
      if (error instanceof KeyringError)
        throw new ConfigError(`${error.message.startsWith('SECRET_KEY_CURRENT') ? 'SECRET_KEY_CURRENT' : 'SECRET_KEYS'}: ${error.message}`);
      throw error;
    }
  } else if (production) {
    throw new ConfigError(
      'SECRET_KEYS: required when NODE_ENV=production (keyId:base64Key, 32 random bytes; connection secrets are encrypted with it)',
    );
  }
  if (production && !e.PUBLIC_URL)
    throw new ConfigError('PUBLIC_URL: required when NODE_ENV=production (consent and sign-in redirects come back to it)');
  if (e.PUBLIC_URL && production && !e.PUBLIC_URL.startsWith('https://'))
    throw new ConfigError('PUBLIC_URL: must use https when NODE_ENV=production');

  const languageModel = languageModelConfig(e, production);

  let storage: StorageConfig;
  if (e.AZURE_STORAGE_CONNECTION_STRING) {
    storage = { kind: 'connection-string', connectionString: e.AZURE_STORAGE_CONNECTION_STRING };
  } else if (e.AZURE_STORAGE_ACCOUNT_URL) {
    storage = {
      kind: 'account-url',
      accountUrl: e.AZURE_STORAGE_ACCOUNT_URL,
      ...(e.AZURE_STORAGE_QUEUE_URL ? { queueUrl: e.AZURE_STORAGE_QUEUE_URL } : {}),
      ...(e.AZURE_CLIENT_ID ? { managedIdentityClientId: e.AZURE_CLIENT_ID } : {}),
    };
  } else if (e.LOCAL_AZURITE) {
    storage = { kind: 'local-azurite', dataDir: e.AZURITE_DATA_DIR, tablePort: e.AZURITE_TABLE_PORT, queuePort: e.AZURITE_QUEUE_PORT };
  } else {
    throw new ConfigError(
      'AZURE_STORAGE_CONNECTION_STRING: required (or AZURE_STORAGE_ACCOUNT_URL with a managed identity, or LOCAL_AZURITE=true for local runs)',
    );
  }

  return {
    environment: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    bot: {
      ...(e.BOT_ID ? { appId: e.BOT_ID } : {}),
      ...(e.BOT_PASSWORD ? { appPassword: e.BOT_PASSWORD } : {}),
      appType: e.BOT_TYPE,
      ...(e.BOT_TENANT_ID ? { tenantId: e.BOT_TENANT_ID } : {}),
    },
    storage,
    tablePrefix: e.TABLE_PREFIX,
    ...(e.PLAYGROUND ? { playground: { port: e.PLAYGROUND_PORT, users: e.PLAYGROUND_USERS.split(',').map((u) => u.trim()) } } : {}),
    bootstrapAdmins: e.BOOTSTRAP_ADMINS,
    ...(e.PARTNER_TENANTS.length > 0 ? { partnerTenants: e.PARTNER_TENANTS } : {}),
    connectors,
    policy: {
      currency: e.POLICY_CURRENCY,
      autoApproveBelow: e.POLICY_AUTO_APPROVE_BELOW,
      secondStageAbove: e.POLICY_SECOND_STAGE_ABOVE,
      ...(e.APPROVER_GROUP_ID ? { approverGroupId: e.APPROVER_GROUP_ID } : {}),
    },
    ...(secretKeys ? { secretKeys } : {}),
    ...(e.PUBLIC_URL ? { publicUrl: e.PUBLIC_URL.replace(/\/+$/, '') } : {}),
    marketplace: { stuckOrderMinutes: e.MARKETPLACE_STUCK_ORDER_MINUTES },
    prices: { market: e.PRICE_SHEET_MARKET, ...(e.PRICE_LIST_FILE ? { priceListFile: e.PRICE_LIST_FILE } : {}) },
    ...(languageModel ? { languageModel } : {}),
  };
}

/** Azure OpenAI when a deployment is named, an OpenAI-compatible API when a model is; half a setup stops start-up. */
function languageModelConfig(e: z.infer<typeof EnvSchema>, production: boolean): LanguageModelConfig | undefined {
  if (!e.LANGUAGE_MODEL_ENDPOINT) {
    for (const name of ['LANGUAGE_MODEL_DEPLOYMENT', 'LANGUAGE_MODEL_NAME', 'LANGUAGE_MODEL_API_KEY'] as const) {
      if (e[name])
        throw new ConfigError(`LANGUAGE_MODEL_ENDPOINT: required when ${name} is set (or unset ${name} to leave the language model off)`);
    }
    return undefined;
  }
  const endpoint = e.LANGUAGE_MODEL_ENDPOINT.replace(/\/+$/, '');
  if (Boolean(e.LANGUAGE_MODEL_DEPLOYMENT) === Boolean(e.LANGUAGE_MODEL_NAME))
    throw new ConfigError(
      'LANGUAGE_MODEL_DEPLOYMENT: set either LANGUAGE_MODEL_DEPLOYMENT (Azure OpenAI) or LANGUAGE_MODEL_NAME (an OpenAI-compatible API), not both or neither',
    );
  if (e.LANGUAGE_MODEL_DEPLOYMENT) {
    // teams-ai's Azure client refuses anything else; say so at start-up, not at the first message.
    if (!endpoint.startsWith('https://'))
      throw new ConfigError('LANGUAGE_MODEL_ENDPOINT: must use https for Azure OpenAI (such as https://name.openai.azure.com)');
    return {
      api: 'azure-openai',
      endpoint,
      deployment: e.LANGUAGE_MODEL_DEPLOYMENT,
      apiVersion: e.LANGUAGE_MODEL_API_VERSION,
      timeoutMs: e.LANGUAGE_MODEL_TIMEOUT_MS,
      ...(e.LANGUAGE_MODEL_API_KEY ? { apiKey: e.LANGUAGE_MODEL_API_KEY } : {}),
      ...(e.AZURE_CLIENT_ID ? { managedIdentityClientId: e.AZURE_CLIENT_ID } : {}),
    };
  }
  if (!e.LANGUAGE_MODEL_API_KEY) throw new ConfigError('LANGUAGE_MODEL_API_KEY: required when LANGUAGE_MODEL_NAME is set');
  if (production && !endpoint.startsWith('https://'))
    throw new ConfigError('LANGUAGE_MODEL_ENDPOINT: must use https when NODE_ENV=production');
  return {
    api: 'openai',
    endpoint,
    model: e.LANGUAGE_MODEL_NAME!,
    apiKey: e.LANGUAGE_MODEL_API_KEY,
    timeoutMs: e.LANGUAGE_MODEL_TIMEOUT_MS,
  };
}
