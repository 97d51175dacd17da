import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
const errorOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('has defaults for everything optional', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ environment: 'development', port: 3978, host: '0.0.0.0', tablePrefix: 'qm', bootstrapAdmins: [] });
    expect(config.bot.appId).toBeUndefined();
    expect(config.storage).toEqual({ kind: 'connection-string', connectionString: 'UseDevelopmentStorage=true' });
  });

  it('treats an empty value as not set', () => {
    expect(loadConfig({ ...base, PORT: '', BOT_ID: ' ', LOCAL_AZURITE: '' })).toMatchObject({
      port: 3978,
      bot: { appType: 'SingleTenant' },
    });
  });

  it('names the variable and what is expected, in one line', () => {
    expect(errorOf({ ...base, PORT: 'eighty' })).toBe('PORT: expected a port number');
    expect(errorOf({ ...base, PORT: '70000' })).toBe('PORT: expected a port between 0 and 65535');
    expect(errorOf({ ...base, LOCAL_AZURITE: 'maybe' })).toBe('LOCAL_AZURITE: expected true or false');
    expect(errorOf({ ...base, BOT_TYPE: 'Anonymous' })).toBe('BOT_TYPE: expected SingleTenant, UserAssignedMSI or MultiTenant');
    expect(errorOf({ ...base, TABLE_PREFIX: 'my-tables' })).toMatch(/^TABLE_PREFIX: expected 1-20 letters or digits/);
    expect(errorOf({ AZURE_STORAGE_ACCOUNT_URL: 'not a url' })).toMatch(/^AZURE_STORAGE_ACCOUNT_URL: expected an absolute URL/);
    expect(errorOf({})).toMatch(/^AZURE_STORAGE_CONNECTION_STRING: required/);
    for (const message of [errorOf({ ...base, PORT: 'x' }), errorOf({})]) expect(message).not.toContain('\n');
  });

  it('never runs production anonymously', () => {
    expect(errorOf({ ...base, NODE_ENV: 'production' })).toMatch(/^BOT_ID: required when NODE_ENV=production/);
  });

  it('refuses local-only parts in production', () => {
    const prod = {
      NODE_ENV: 'production',
      BOT_ID: 'app',
      BOT_TYPE: 'UserAssignedMSI',
      BOT_TENANT_ID: 'tenant',
      AZURE_STORAGE_ACCOUNT_URL: 'https://acct.table.core.windows.net',
      CONNECTORS: 'production',
      GRAPH_CLIENT_ID: 'g',
      GRAPH_CLIENT_SECRET: 'gs',
      PARTNER_CENTER_CLIENT_ID: 'p',
      PARTNER_CENTER_CLIENT_SECRET: 'ps',
      PARTNER_CENTER_TENANT_ID: 'pt',
      APPROVER_GROUP_ID: 'grp',
      SECRET_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      PUBLIC_URL: 'https://qm.example.com/',
    };
    expect(loadConfig(prod).storage).toEqual({ kind: 'account-url', accountUrl: 'https://acct.table.core.windows.net' });
    expect(errorOf({ ...prod, LOCAL_AZURITE: 'true' })).toBe('LOCAL_AZURITE: must be false when NODE_ENV=production');
    expect(errorOf({ ...prod, CONNECTORS: 'sandbox' })).toMatch(/^CONNECTORS: must be production when NODE_ENV=production/);
    expect(errorOf({ ...prod, PARTNER_CENTER_CLIENT_SECRET: '' })).toBe(
      'PARTNER_CENTER_CLIENT_SECRET: required when CONNECTORS=production',
    );
    // The default partner tenant of Partner Center sign-ins: PARTNER_CENTER_TENANT_ID, else the first partner tenant.
    const partnerCenterOf = (env: Record<string, string>) => {
      const c = loadConfig(env).connectors;
      return c.mode === 'production' ? c.partnerCenter.partnerTenantId : undefined;
    };
    expect(partnerCenterOf(prod)).toBe('pt');
    expect(partnerCenterOf({ ...prod, PARTNER_CENTER_TENANT_ID: '', PARTNER_TENANTS: 'p1:One,p2:Two' })).toBe('p1');
    expect(partnerCenterOf({ ...prod, PARTNER_TENANTS: 'p1:One' })).toBe('pt');
    expect(errorOf({ ...prod, PARTNER_CENTER_TENANT_ID: '' })).toMatch(/^PARTNER_CENTER_TENANT_ID: required when CONNECTORS=production/);
    expect(loadConfig(prod).connectors).toEqual({
      mode: 'production',
      graph: { clientId: 'g', clientSecret: 'gs' },
      partnerCenter: { clientId: 'p', clientSecret: 'ps', partnerTenantId: 'pt' },
    });
  });

  it('needs a key for connection secrets and a public URL in production', () => {
    const prod = {
      NODE_ENV: 'production',
      BOT_ID: 'app',
      BOT_TYPE: 'UserAssignedMSI',
      BOT_TENANT_ID: 'tenant',
      AZURE_STORAGE_ACCOUNT_URL: 'https://acct.table.core.windows.net',
      CONNECTORS: 'production',
      GRAPH_CLIENT_ID: 'g',
      GRAPH_CLIENT_SECRET: 'gs',
      PARTNER_CENTER_CLIENT_ID: 'p',
      PARTNER_CENTER_CLIENT_SECRET: 'ps',
      PARTNER_CENTER_TENANT_ID: 'pt',
      APPROVER_GROUP_ID: 'grp',
      SECRET_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      PUBLIC_URL: 'https://qm.example.com/',
    };
    const loaded = loadConfig(prod);
    expect(loaded.publicUrl).toBe('https://qm.example.com');
    expect(loaded.secretKeys?.currentKeyId).toBe('k1');
    expect(errorOf({ ...prod, SECRET_KEYS: '' })).toMatch(/^SECRET_KEYS: required when NODE_ENV=production/);
    expect(errorOf({ ...prod, PUBLIC_URL: '' })).toMatch(/^PUBLIC_URL: required/);
    expect(errorOf({ ...prod, PUBLIC_URL: 'http://qm.example.com' })).toBe('PUBLIC_URL: must use https when NODE_ENV=production');
    // A wrong key names the setting, never the key.
    const short = Buffer.alloc(16, 9).toString('base64');
    const message = errorOf({ ...base, SECRET_KEYS: `k1:${short}` });
    expect(message).toMatch(/^SECRET_KEYS: /);
    expect(message).not.toContain(short);
    expect(
      errorOf({ ...base, SECRET_KEYS: `a:${Buffer.alloc(32).toString('base64')},b:${Buffer.alloc(32, 1).toString('base64')}` }),
    ).toMatch(/^SECRET_KEY_CURRENT: /);
    expect(loadConfig(base).secretKeys).toBeUndefined();
    expect(loadConfig({ ...prod, MARKETPLACE: 'true' }).connectors).toMatchObject({ mode: 'production', marketplace: {} });
    expect(
      loadConfig({ ...prod, MARKETPLACE: 'true', MARKETPLACE_URL: 'https://marketplace.example.com/public/v1' }).connectors,
    ).toMatchObject({ marketplace: { baseUrl: 'https://marketplace.example.com/public/v1' } });
    expect(errorOf({ ...prod, MARKETPLACE_URL: 'nope' })).toMatch(/^MARKETPLACE_URL: expected an absolute URL/);
  });

  it('checks the credentials each bot type needs', () => {
    expect(errorOf({ ...base, BOT_ID: 'app' })).toBe('BOT_TENANT_ID: required when BOT_TYPE=SingleTenant');
    expect(errorOf({ ...base, BOT_ID: 'app', BOT_TENANT_ID: 't' })).toBe('BOT_PASSWORD: required when BOT_TYPE=SingleTenant');
    expect(errorOf({ ...base, BOT_ID: 'app', BOT_TENANT_ID: 't', BOT_TYPE: 'UserAssignedMSI', BOT_PASSWORD: 'p' })).toMatch(
      /^BOT_PASSWORD: must be empty/,
    );
    expect(loadConfig({ ...base, BOT_ID: 'app', BOT_TENANT_ID: 't', BOT_PASSWORD: 'p' }).bot).toEqual({
      appId: 'app',
      appPassword: 'p',
      appType: 'SingleTenant',
      tenantId: 't',
    });
    expect(errorOf({ ...base, BOT_ID: 'app', BOT_TENANT_ID: 't', BOT_PASSWORD: 'p', PLAYGROUND: 'true' })).toMatch(
      /^PLAYGROUND: must be false when BOT_ID is set/,
    );
  });

  it('refuses bot types that cannot work: multi-tenant in production, and a type without the password it needs', () => {
    const prod = {
      NODE_ENV: 'production',
      AZURE_STORAGE_ACCOUNT_URL: 'https://acct.table.core.windows.net',
      BOT_ID: 'app',
      BOT_TYPE: 'MultiTenant',
      BOT_PASSWORD: 'p',
    };
    expect(errorOf(prod)).toBe(
      'BOT_TYPE: MultiTenant cannot run in production (new multi-tenant bot registrations cannot be created); use SingleTenant or UserAssignedMSI',
    );
    expect(errorOf({ ...prod, BOT_PASSWORD: '' })).toMatch(/^BOT_TYPE: MultiTenant cannot run in production/);
    // Outside production an existing multi-tenant registration still runs, with its password.
    expect(errorOf({ ...base, BOT_ID: 'app', BOT_TYPE: 'MultiTenant' })).toBe('BOT_PASSWORD: required when BOT_TYPE=MultiTenant');
    expect(loadConfig({ ...base, BOT_ID: 'app', BOT_TYPE: 'MultiTenant', BOT_PASSWORD: 'p' }).bot.appType).toBe('MultiTenant');
  });

  it('names an unresolved Key Vault reference as such, in one line', () => {
    const reference = '@Microsoft.KeyVault(VaultName=kvqm;SecretName=secret-keys)';
    const message = errorOf({ ...base, SECRET_KEYS: reference });
    expect(message).toBe(
      'SECRET_KEYS: unresolved Key Vault reference (App Service passed "@Microsoft.KeyVault(...)" as the value): store secret-keys in the vault, let the app\'s identity read it (Key Vault Secrets User), then restart the app',
    );
    expect(
      errorOf({ ...base, GRAPH_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=https://kvqm.vault.azure.net/secrets/graph-client-secret/)' }),
    ).toMatch(
      /^GRAPH_CLIENT_SECRET: unresolved Key Vault reference .*store https:\/\/kvqm\.vault\.azure\.net\/secrets\/graph-client-secret\/ in the vault/,
    );
    // Settings the app does not read are not its business.
    expect(loadConfig({ ...base, SOME_OTHER_APP_SETTING: reference }).environment).toBe('development');
  });

  it('reads the queue endpoint beside the table endpoint, and an Application Insights connection string', () => {
    expect(
      loadConfig({ AZURE_STORAGE_ACCOUNT_URL: 'http://127.0.0.1:1/acct', AZURE_STORAGE_QUEUE_URL: 'http://127.0.0.1:2/acct' }).storage,
    ).toEqual({ kind: 'account-url', accountUrl: 'http://127.0.0.1:1/acct', queueUrl: 'http://127.0.0.1:2/acct' });
    expect(
      loadConfig({ ...base, APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=abc;IngestionEndpoint=https://x/' }),
    ).toBeTruthy();
    expect(errorOf({ ...base, APPLICATIONINSIGHTS_CONNECTION_STRING: 'abc' })).toMatch(
      /^APPLICATIONINSIGHTS_CONNECTION_STRING: expected an Application Insights connection string/,
    );
  });

  it('prefers a connection string, then an account URL, then local Azurite', () => {
    expect(loadConfig({ LOCAL_AZURITE: 'true' }).storage).toEqual({
      kind: 'local-azurite',
      dataDir: '.data/azurite',
      tablePort: 10002,
      queuePort: 10001,
    });
    expect(loadConfig({ ...base, LOCAL_AZURITE: 'true' }).storage.kind).toBe('connection-string');
    expect(loadConfig({ AZURE_STORAGE_ACCOUNT_URL: 'https://a.table.core.windows.net', AZURE_CLIENT_ID: 'mi' }).storage).toEqual({
      kind: 'account-url',
      accountUrl: 'https://a.table.core.windows.net',
      managedIdentityClientId: 'mi',
    });
  });

  it('seeds the default policy from settings', () => {
    expect(loadConfig(base).policy).toEqual({ currency: 'USD', autoApproveBelow: '50', secondStageAbove: '200' });
    expect(errorOf({ ...base, POLICY_AUTO_APPROVE_BELOW: '1e3' })).toBe(
      'POLICY_AUTO_APPROVE_BELOW: expected an amount such as 50 or 49.99',
    );
  });

  it('reads bootstrap admins as tenant:object pairs', () => {
    expect(loadConfig({ ...base, BOOTSTRAP_ADMINS: ' t1:u1, t2:u2 ' }).bootstrapAdmins).toEqual([
      { tenantId: 't1', aadObjectId: 'u1' },
      { tenantId: 't2', aadObjectId: 'u2' },
    ]);
    expect(errorOf({ ...base, BOOTSTRAP_ADMINS: 't1:u1,justone' })).toBe(
      'BOOTSTRAP_ADMINS: expected tenantId:aadObjectId pairs separated by commas, got "justone"',
    );
  });

  it('does not echo secret values in its errors', () => {
    const message = errorOf({
      AZURE_STORAGE_CONNECTION_STRING: 'AccountKey=supersecret',
      BOT_ID: 'app',
      BOT_TENANT_ID: 't',
      BOT_TYPE: 'UserAssignedMSI',
      BOT_PASSWORD: 'hunter2',
    });
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('supersecret');
  });

  it('reads when a marketplace order counts as stuck (minutes, default 120)', () => {
    expect(loadConfig(base).marketplace).toEqual({ stuckOrderMinutes: 120 });
    expect(loadConfig({ ...base, MARKETPLACE_STUCK_ORDER_MINUTES: '45' }).marketplace).toEqual({ stuckOrderMinutes: 45 });
    expect(errorOf({ ...base, MARKETPLACE_STUCK_ORDER_MINUTES: 'soon' })).toBe(
      'MARKETPLACE_STUCK_ORDER_MINUTES: expected a whole number of minutes',
    );
    expect(errorOf({ ...base, MARKETPLACE_STUCK_ORDER_MINUTES: '1' })).toBe('MARKETPLACE_STUCK_ORDER_MINUTES: expected at least 5 minutes');
    expect(errorOf({ ...base, MARKETPLACE_STUCK_ORDER_MINUTES: '2.5' })).toBe(
      'MARKETPLACE_STUCK_ORDER_MINUTES: expected a whole number of minutes',
    );
  });

  it('leaves the language model off unless an endpoint is set, and refuses half a setup', () => {
    expect(loadConfig(base).languageModel).toBeUndefined();
    expect(
      loadConfig({
        ...base,
        LANGUAGE_MODEL_ENDPOINT: 'https://qm.openai.azure.com/',
        LANGUAGE_MODEL_DEPLOYMENT: 'gpt-4o-mini',
        LANGUAGE_MODEL_API_KEY: 'azure-key-value',
      }).languageModel,
    ).toEqual({
      api: 'azure-openai',
      endpoint: 'https://qm.openai.azure.com',
      deployment: 'gpt-4o-mini',
      apiVersion: '2024-10-21',
      apiKey: 'azure-key-value',
      timeoutMs: 4000,
    });
    // Azure without a key: the managed identity signs in.
    expect(
      loadConfig({
        ...base,
        AZURE_CLIENT_ID: 'mi-client',
        LANGUAGE_MODEL_ENDPOINT: 'https://qm.openai.azure.com',
        LANGUAGE_MODEL_DEPLOYMENT: 'd',
      }).languageModel,
    ).toMatchObject({ api: 'azure-openai', managedIdentityClientId: 'mi-client' });
    expect(
      loadConfig({
        ...base,
        LANGUAGE_MODEL_ENDPOINT: 'http://127.0.0.1:5000/v1',
        LANGUAGE_MODEL_NAME: 'small-model',
        LANGUAGE_MODEL_API_KEY: 'k',
        LANGUAGE_MODEL_TIMEOUT_MS: '1500',
      }).languageModel,
    ).toEqual({ api: 'openai', endpoint: 'http://127.0.0.1:5000/v1', model: 'small-model', apiKey: 'k', timeoutMs: 1500 });
    expect(errorOf({ ...base, LANGUAGE_MODEL_DEPLOYMENT: 'd' })).toMatch(
      /^LANGUAGE_MODEL_ENDPOINT: required when LANGUAGE_MODEL_DEPLOYMENT is set/,
    );
    expect(errorOf({ ...base, LANGUAGE_MODEL_ENDPOINT: 'https://qm.openai.azure.com' })).toMatch(
      /^LANGUAGE_MODEL_DEPLOYMENT: set either LANGUAGE_MODEL_DEPLOYMENT \(Azure OpenAI\) or LANGUAGE_MODEL_NAME/,
    );
    expect(errorOf({ ...base, LANGUAGE_MODEL_ENDPOINT: 'http://qm.example.com', LANGUAGE_MODEL_DEPLOYMENT: 'd' })).toMatch(
      /^LANGUAGE_MODEL_ENDPOINT: must use https for Azure OpenAI/,
    );
    expect(errorOf({ ...base, LANGUAGE_MODEL_ENDPOINT: 'http://127.0.0.1:5000/v1', LANGUAGE_MODEL_NAME: 'm' })).toBe(
      'LANGUAGE_MODEL_API_KEY: required when LANGUAGE_MODEL_NAME is set',
    );
    expect(errorOf({ ...base, LANGUAGE_MODEL_TIMEOUT_MS: '60000' })).toBe(
      'LANGUAGE_MODEL_TIMEOUT_MS: expected at most 10000 ms (the turn has 15 s)',
    );
  });
});
