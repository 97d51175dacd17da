// infra/azure.bicep against the code: the provisioned app must be able to start (every setting
// the configuration requires in production is set, secrets only as Key Vault references), and
// the storage it creates must be the storage the code uses. No Bicep compiler is available
// here, so the template is read by test/harness/bicep.ts, which fails on what it cannot read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SECRET_SETTINGS, SETTING_NAMES } from '../src/config.js';
import { generateKeyText } from '../src/security/secret-box.js';
import { QUEUE_NAMES, queueNameFor } from '../src/storage/queues.js';
import { TABLES } from '../src/storage/table-store.js';
import { BicepFile, evaluate } from './harness/bicep.js';
import {
  bicep,
  keyVaultSecretName,
  resolveKeyVaultReferences,
  SAMPLE_PARAMS,
  SAMPLE_RESOURCES,
  settingExpressions,
  templateSettings,
} from './harness/template-settings.js';

/** Configuration settings the template leaves unset on purpose, and why. */
const NOT_SET_BY_TEMPLATE: Record<string, string> = {
  HOST: 'the default 0.0.0.0 is what App Service needs',
  PORT: 'App Service sets PORT itself',
  BOT_PASSWORD: 'the bot signs in as its managed identity (UserAssignedMSI)',
  AZURE_STORAGE_CONNECTION_STRING: 'storage is reached with the managed identity; shared keys are off',
  LOCAL_AZURITE: 'local runs only',
  AZURITE_DATA_DIR: 'local runs only',
  AZURITE_TABLE_PORT: 'local runs only',
  AZURITE_QUEUE_PORT: 'local runs only',
  PLAYGROUND: 'local runs only',
  PLAYGROUND_PORT: 'local runs only',
  PLAYGROUND_USERS: 'local runs only',
  AWS_PRINCIPAL_ARN: 'only with AWS: awsSettings',
  LANGUAGE_MODEL_ENDPOINT: 'optional language model, off by default: an operator adds it in App Settings (README: Optional language model)',
  LANGUAGE_MODEL_DEPLOYMENT: 'optional language model (see LANGUAGE_MODEL_ENDPOINT)',
  LANGUAGE_MODEL_NAME: 'optional language model, OpenAI-compatible APIs (see LANGUAGE_MODEL_ENDPOINT)',
  LANGUAGE_MODEL_API_KEY: 'optional; without it the managed identity signs in to Azure OpenAI; with it, a Key Vault reference',
  LANGUAGE_MODEL_API_VERSION: 'optional language model; the default api-version fits',
  LANGUAGE_MODEL_TIMEOUT_MS: 'optional language model; the default fits the turn budget',
  PARTNER_TENANTS:
    'partner mode only (a CSP partner serving its customers): an operator adds it in App Settings (README: Who runs Quartermaster)',
  PRICE_LIST_FILE: 'a CSV shipped with the app, only for a partner who signs in no Partner Center agent (README: Production data)',
};
/** Settings App Service or an SDK reads, not the configuration. */
const PLATFORM_SETTING = /^(WEBSITE_|SCM_)|^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)$/;

const SAMPLE_VAULT = {
  'secret-keys': `k1:${generateKeyText()}`,
  'graph-client-secret': 'graph-secret-value',
  'partner-center-client-secret': 'partner-center-secret-value',
  'aws-access-key-id': 'AKIAEXAMPLEEXAMPLE00',
  'aws-secret-access-key': 'aws-secret-value',
};

describe('infra/azure.bicep app settings', () => {
  it('start the app in production once the vault holds its secrets', () => {
    for (const aws of [false, true]) {
      const settings = resolveKeyVaultReferences(
        templateSettings(aws ? { awsPrincipalArn: 'arn:aws:iam::123456789012:user/quartermaster' } : {}, { aws }),
        SAMPLE_VAULT,
      );
      const config = loadConfig(settings);
      expect(config).toMatchObject({
        environment: 'production',
        bot: { appId: SAMPLE_RESOURCES['identity.properties.clientId'], appType: 'UserAssignedMSI' },
        storage: {
          kind: 'account-url',
          accountUrl: SAMPLE_RESOURCES['storage.properties.primaryEndpoints.table'],
          queueUrl: SAMPLE_RESOURCES['storage.properties.primaryEndpoints.queue'],
          managedIdentityClientId: SAMPLE_RESOURCES['identity.properties.clientId'],
        },
        connectors: { mode: 'production', graph: { clientSecret: 'graph-secret-value' } },
        publicUrl: 'https://qmprod.azurewebsites.net',
      });
      expect(config.bootstrapAdmins).toHaveLength(1);
      expect(config.secretKeys?.currentKeyId).toBe('k1');
      if (aws) expect(config.connectors).toMatchObject({ aws: { appPrincipalArn: 'arn:aws:iam::123456789012:user/quartermaster' } });
    }
  });

  it('set or knowingly leave out every setting of the configuration', () => {
    const set = new Set(settingExpressions({ aws: true }).map(([name]) => name));
    const unconsidered = SETTING_NAMES.filter((name) => !set.has(name) && !(name in NOT_SET_BY_TEMPLATE));
    expect(unconsidered, 'settings src/config.ts reads that the template neither sets nor lists as left out').toEqual([]);
    const unknown = [...set].filter((name) => !(SETTING_NAMES as string[]).includes(name) && !PLATFORM_SETTING.test(name));
    expect(unknown, 'settings the app does not read').toEqual([]);
  });

  it('take secrets only from Key Vault, and every referenced secret is one the README tells to store', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const settings = templateSettings({ awsPrincipalArn: 'arn:aws:iam::123456789012:user/quartermaster' }, { aws: true });
    for (const name of [...SECRET_SETTINGS, 'AWS_SECRET_ACCESS_KEY']) {
      if (name in settings) expect(keyVaultSecretName(settings[name]!), `${name} must be a Key Vault reference`).toBeDefined();
    }
    for (const [name, value] of Object.entries(settings)) {
      const secret = keyVaultSecretName(value);
      if (!secret) continue;
      expect(value, `${name} must name the template's vault`).toContain(`VaultName=${SAMPLE_RESOURCES['keyVault.name']};`);
      expect(readme, `README must say how to store ${secret}`).toMatch(new RegExp(`az keyvault secret set [^\\n]*--name ${secret}\\b`));
    }
  });

  it('refuse to start, naming the setting, while a secret is missing from the vault', () => {
    const { 'secret-keys': _missing, ...vault } = SAMPLE_VAULT;
    const settings = resolveKeyVaultReferences(templateSettings(), {
      ...vault,
      'secret-keys': '@Microsoft.KeyVault(VaultName=kvqmprod;SecretName=secret-keys)',
    });
    expect(() => loadConfig(settings)).toThrow(ConfigError);
    expect(() => loadConfig(settings)).toThrow(/^SECRET_KEYS: unresolved Key Vault reference/);
  });

  it('let keys rotate: SECRET_KEY_CURRENT picks the key among several', () => {
    const settings = resolveKeyVaultReferences(templateSettings({ secretKeyCurrent: 'k2' }), {
      ...SAMPLE_VAULT,
      'secret-keys': `k1:${generateKeyText()},k2:${generateKeyText()}`,
    });
    expect(loadConfig(settings).secretKeys?.currentKeyId).toBe('k2');
  });

  it('wire Application Insights and merge with what an operator set by hand', () => {
    expect(templateSettings().APPLICATIONINSIGHTS_CONNECTION_STRING).toBe(SAMPLE_RESOURCES['appInsights.properties.ConnectionString']);
    // The site carries no settings list of its own (a full list would wipe the others on each provision).
    expect(bicep.text).not.toMatch(/^\s*appSettings: \[/m);
    const module = readFileSync(new URL('../infra/modules/app-settings.bicep', import.meta.url), 'utf8');
    expect(module).toContain('properties: union(currentAppSettings, appSettings)');
    expect(bicep.text).toContain("currentAppSettings: list('${webApp.id}/config/appsettings', '2024-04-01').properties");
  });
});

describe('infra/azure.bicep storage', () => {
  const context = { params: SAMPLE_PARAMS, resources: SAMPLE_RESOURCES, file: bicep };

  it("creates the code's tables under the app's prefix", () => {
    expect([...bicep.stringList('tableNames')].sort()).toEqual([...TABLES].sort());
    const prefix = 'QmProd';
    for (const table of TABLES) {
      const name = evaluate("'${tablePrefix}${tableName}'", {
        ...context,
        params: { ...SAMPLE_PARAMS, tablePrefix: prefix, tableName: table },
      });
      expect(name).toBe(`${prefix}${table}`);
    }
    expect(bicep.text).toContain("name: '${tablePrefix}${tableName}'");
    expect(settingExpressions()).toContainEqual(['TABLE_PREFIX', 'tablePrefix']);
  });

  it("creates the code's queues under the app's prefix", () => {
    expect([...bicep.stringList('queueNames')].sort()).toEqual([...QUEUE_NAMES].sort());
    expect(bicep.text).toContain("name: '${toLower(tablePrefix)}-${queueName}'");
    for (const queue of QUEUE_NAMES) {
      const name = evaluate("'${toLower(tablePrefix)}-${queueName}'", {
        ...context,
        params: { ...SAMPLE_PARAMS, tablePrefix: 'QmProd', queueName: queue },
      });
      expect(name).toBe(queueNameFor('QmProd', queue));
    }
    expect(queueNameFor('qm', 'fulfilment')).toBe('qm-fulfilment');
  });
});

describe('infra/azure.bicep hosting', () => {
  it('runs Node 22 LTS, starting node itself with the same command as npm run serve', () => {
    expect(bicep.property('linuxFxVersion')).toMatch(/^NODE\|(22|24)-lts$/);
    const command = String(evaluate('appCommandLine', { params: {}, resources: {}, file: bicep }));
    expect(command).toMatch(/^node /);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.serve).toBe(command);
    expect(bicep.text).toMatch(/appCommandLine: appCommandLine/);
  });

  it('keeps at least two instances, scales out on CPU, and checks readiness', () => {
    const minimum = bicep.params().find((p) => p.name === 'minimumInstances')!;
    expect(Number(minimum.defaultText)).toBeGreaterThanOrEqual(2);
    expect(bicep.decoratorsOf('minimumInstances')).toContain('minValue(2)');
    expect(bicep.text).toMatch(/sku: \{\s+name: webAppSku\s+capacity: minimumInstances\s+\}/);
    expect(bicep.text).toMatch(/resource autoscale 'Microsoft\.Insights\/autoscalesettings@[\d-]+' = \{/);
    expect(bicep.text).toMatch(/targetResourceUri: serverfarm\.id/);
    expect(bicep.text).toMatch(/direction: 'Increase'/);
    expect(bicep.text).toMatch(/minimum: string\(minimumInstances\)/);
    // Autoscale needs Standard or Premium plans.
    expect(bicep.decoratorsOf('webAppSku').join('\n')).not.toMatch(/'(F1|B1|B2|B3)'/);
    expect(bicep.property('healthCheckPath')).toBe('/readyz');
  });

  it('gives every parameter without a default a value in azure.parameters.json, and no others', () => {
    const file = JSON.parse(readFileSync(new URL('../infra/azure.parameters.json', import.meta.url), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const params = bicep.params();
    const required = params.filter((p) => p.defaultText === undefined).map((p) => p.name);
    expect(required.filter((name) => !(name in file.parameters))).toEqual([]);
    expect(Object.keys(file.parameters).filter((name) => !params.some((p) => p.name === name))).toEqual([]);
  });

  it('lets the deployer write the vault secrets and the app read them', () => {
    expect(bicep.text).toMatch(/principalId: deployerPrincipalId/);
    expect(bicep.text).toContain("keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'");
    expect(bicep.text).toContain("keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'");
    expect(bicep.text).toMatch(/keyVaultReferenceIdentity: identity\.id/);
  });

  it('reads the object entries it evaluates exactly (the reader itself)', () => {
    expect(BicepFile.objectEntries("{\n  A: 'x' // note\n  B: string(3)\n}")).toEqual([
      ['A', "'x'"],
      ['B', 'string(3)'],
    ]);
    expect(() => evaluate("concat('a')", { params: {}, resources: {}, file: bicep })).toThrow(/cannot evaluate concat/);
    expect(() => evaluate('unknownThing.properties.x', { params: {}, resources: {}, file: bicep })).toThrow(/no value for/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .filter((line) => line && !line.startsWith('#') && !line.startsWith(' '))
    .map((line) => line.split(' ')[0]!);

  it('builds in stages and runs as a non-root user with production dependencies only', () => {
    expect(instructions.filter((i) => i === 'FROM').length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^FROM node:22-[\w.-]+$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtimeStage).toMatch(/^USER node$/m);
    expect(runtimeStage).not.toMatch(/^RUN npm/m);
    // What the app reads at run time besides the code (src/paths.ts looks for package.json and cards/).
    for (const needed of ['dist', 'node_modules', 'cards', 'pages', 'package.json'])
      expect(runtimeStage).toMatch(new RegExp(`^COPY .*\\b${needed.replace('.', '\\.')}\\b`, 'm'));
  });

  it('starts node itself (PID 1, SIGTERM to the app) with the template command', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd, 'CMD in exec form').toBeDefined();
    const command = String(evaluate('appCommandLine', { params: {}, resources: {}, file: bicep }));
    expect(JSON.parse(cmd!)).toEqual(command.split(' '));
  });

  it('keeps everything but the sources out of the build context', () => {
    const ignore = readFileSync(new URL('../.dockerignore', import.meta.url), 'utf8').split('\n');
    expect(ignore).toContain('*');
    expect(ignore.filter((line) => line.startsWith('!')).sort()).toEqual(
      ['!cards/', '!package-lock.json', '!package.json', '!pages/', '!src/', '!tsconfig.build.json', '!tsconfig.json'].sort(),
    );
  });
});
