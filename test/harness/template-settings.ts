// The app settings infra/azure.bicep gives the App Service, evaluated with sample values for
// what only Azure knows (the identity's client id, the storage endpoints...), and the Key Vault
// references resolved as App Service resolves them. The infrastructure test checks them
// against the configuration; the deployment test starts the built app with them.
import { readFileSync } from 'node:fs';
import { BicepFile, evaluate, type BicepValue } from './bicep.js';

export const bicep = new BicepFile(readFileSync(new URL('../../infra/azure.bicep', import.meta.url), 'utf8'));

/** Values only Azure knows, as App Service would see them. */
export const SAMPLE_RESOURCES: Record<string, string> = {
  'identity.properties.clientId': '7d2c9a51-3f4e-4b8a-9c6d-2e1f0a3b5c7d',
  'storage.properties.primaryEndpoints.table': 'https://stqmprod.table.core.windows.net/',
  'storage.properties.primaryEndpoints.queue': 'https://stqmprod.queue.core.windows.net/',
  'keyVault.name': 'kvqmprod',
  'webApp.properties.defaultHostName': 'qmprod.azurewebsites.net',
  'appInsights.properties.ConnectionString':
    'InstrumentationKey=5f1c7e2a-9b3d-4c8e-a6f0-1d2b3c4e5f60;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
};

/** The parameters azure.parameters.json takes from env/.env.<environment>, with plausible values. */
export const SAMPLE_PARAMS: Record<string, BicepValue> = {
  resourceBaseName: 'qmprod',
  botDisplayName: 'Quartermaster',
  botAadAppTenantId: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d',
  deployerPrincipalId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  bootstrapAdmins: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d:2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
  graphClientId: '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a',
  partnerCenterClientId: '4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b',
  partnerCenterTenantId: '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c',
  approverGroupId: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d',
};

/** `@Microsoft.KeyVault(VaultName=...;SecretName=name)` → name; undefined for a plain value. */
export function keyVaultSecretName(value: string): string | undefined {
  return /^@Microsoft\.KeyVault\(VaultName=[^;]+;SecretName=([\w-]+)\)$/.exec(value)?.[1];
}

/** The settings as Bicep text: `appSettings`, and the AWS ones when AWS is configured. */
export function settingExpressions(options: { aws?: boolean } = {}): [string, string][] {
  const entries = BicepFile.objectEntries(bicep.varText('appSettings'));
  if (options.aws) {
    const aws = bicep.varText('awsSettings');
    entries.push(...BicepFile.objectEntries(aws.slice(aws.lastIndexOf(': {') + 2)));
  }
  return entries;
}

/** The settings the template gives the app, evaluated; Key Vault references left as App Service would get them unresolved. */
export function templateSettings(params: Record<string, BicepValue> = {}, options: { aws?: boolean } = {}): Record<string, string> {
  const context = { params: { ...SAMPLE_PARAMS, ...params }, resources: SAMPLE_RESOURCES, file: bicep };
  return Object.fromEntries(settingExpressions(options).map(([name, expression]) => [name, String(evaluate(expression, context))]));
}

/** Key Vault references replaced by the secrets' values, as App Service does when it can read them. */
export function resolveKeyVaultReferences(settings: Record<string, string>, vault: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).map(([name, value]) => {
      const secret = keyVaultSecretName(value);
      if (secret === undefined) return [name, value];
      if (!(secret in vault)) throw new Error(`${name} refers to the secret ${secret}, which the sample vault does not hold`);
      return [name, vault[secret]!];
    }),
  );
}
