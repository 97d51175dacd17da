// Azure resources for Quartermaster: everything the app needs, and nothing it does not.
//
// The bot runs as a user-assigned managed identity (Azure Bot msaAppType UserAssignedMSI):
// no bot password anywhere. The identity's client id IS the bot id (msaAppId of the Azure
// Bot, `botId` in the Teams manifest, BOT_ID at runtime), and the same identity reads and
// writes Table/Queue storage (shared-key access is off) and reads Key Vault secrets.
//
// Secrets never pass through this template: the app settings that need them are Key Vault
// references, and the person (or pipeline) that deploys gets the role to write the secrets
// (README, "Deploy to Azure"). Until they are written the app refuses to start with one line
// naming the unresolved reference.
//
// test/infra.test.ts reads this file: every setting src/config.ts requires in production
// must be set below, secrets only as Key Vault references, and the table and queue names
// must be the code's.
//
// Outputs are written by the Agents Toolkit into env/.env.<environment> under the output's
// name (https://aka.ms/teamsfx-actions/arm-deploy), e.g. BOT_ID and BOT_DOMAIN feed the
// ${{...}} placeholders of appPackage/manifest.json.

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file.')
param resourceBaseName string

@description('Azure region for the regional resources (the Azure Bot itself is global).')
param location string = resourceGroup().location

// With BOT_TYPE=UserAssignedMSI the bot's tenant must be the managed identity's tenant, i.e. the
// subscription's tenant: that is the default, so azure.parameters.json does not set it.
@description('Entra tenant id of the bot; must be the tenant of the managed identity.')
param botAadAppTenantId string = subscription().tenantId

@maxLength(42)
@description('Display name of the Azure Bot registration.')
param botDisplayName string

// Autoscale needs Standard or Premium: Basic plans only scale by hand.
@description('App Service plan SKU (Linux).')
@allowed([
  'S1'
  'S2'
  'S3'
  'P0v3'
  'P1v3'
  'P2v3'
  'P3v3'
])
param webAppSku string = 'P0v3'

// The code is built for several instances (leases, queues, one sender per tenant for the outbox);
// two keep the bot answering while one restarts or is replaced.
@minValue(2)
@description('Instances the plan always runs.')
param minimumInstances int = 2

@minValue(2)
@description('Instances autoscale may add up to (CPU above 70 % for 10 minutes adds one).')
param maximumInstances int = 6

@description('Object id of the user or service principal that deploys: it may write the Key Vault secrets (Key Vault Secrets Officer).')
param deployerPrincipalId string

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

@description('TABLE_PREFIX: tables are <prefix>Requests, <prefix>Audit, ...; queues <prefix>-fulfilment, ...')
param tablePrefix string = 'qm'

@description('BOOTSTRAP_ADMINS: the admins each tenant starts with, tenantId:aadObjectId pairs separated by commas.')
param bootstrapAdmins string

@description('GRAPH_CLIENT_ID: the multi-tenant app with Graph application permissions, consented in each customer tenant.')
param graphClientId string

@description('PARTNER_CENTER_CLIENT_ID: the Partner Center app (multi-tenant when several partner or reseller tenants sign in; consented in each).')
param partnerCenterClientId string

@description('PARTNER_CENTER_TENANT_ID: the default tenant Partner Center agents sign in to (a company running Quartermaster for itself). Each partner tenant of PARTNER_TENANTS, and each reseller tenant a partner added, signs in to its own tenant instead.')
param partnerCenterTenantId string

@description('APPROVER_GROUP_ID: the Entra group of the default policy\'s "License approvers" step.')
param approverGroupId string

@description('SECRET_KEY_CURRENT: which key of the secret-keys secret seals new secrets (rotation: README).')
param secretKeyCurrent string = 'k1'

@description('Host name browsers use to reach the bot (consent and sign-in redirects); empty = the App Service host name.')
param publicHostName string = ''

@description('AWS_PRINCIPAL_ARN: the IAM principal customers\' cost roles trust; empty = no AWS. Its keys come from the vault (aws-access-key-id, aws-secret-access-key).')
param awsPrincipalArn string = ''

@description('MARKETPLACE: also order non-Microsoft products through the Marketplace Platform.')
param marketplace bool = false

@description('MARKETPLACE_URL: the Marketplace Platform API; empty = its public default.')
param marketplaceUrl string = ''

@description('MARKETPLACE_STUCK_ORDER_MINUTES: a marketplace order in Processing longer than this raises one admin alert.')
param marketplaceStuckOrderMinutes int = 120

@description('PRICE_SHEET_MARKET: the market (two-letter country code) whose Partner Center price sheet prices the catalog.')
param priceSheetMarket string = 'US'

@description('POLICY_CURRENCY, POLICY_AUTO_APPROVE_BELOW, POLICY_SECOND_STAGE_ABOVE: the default policy each tenant starts with.')
param policyCurrency string = 'USD'
param policyAutoApproveBelow string = '50'
param policySecondStageAbove string = '200'

@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
  'trace'
])
param logLevel string = 'info'

@description('SHUTDOWN_TIMEOUT_MS: how long a stopping instance waits for turns in flight (App Service kills it 30 s after SIGTERM).')
param shutdownTimeoutMs int = 10000

@description('Tags applied to every resource.')
param tags object = {}

// ---------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------

var identityName = resourceBaseName
var serverfarmsName = resourceBaseName
var webAppName = resourceBaseName
var botServiceName = resourceBaseName
// Storage account and Key Vault names are global, 3–24 characters; storage allows only lower
// case letters and digits. Keep letters/digits of the base name plus a stable unique suffix.
var compactBaseName = toLower(replace(replace(resourceBaseName, '-', ''), '_', ''))
var storageAccountName = take('st${compactBaseName}${uniqueString(resourceGroup().id)}', 24)
var keyVaultName = take('kv${compactBaseName}${uniqueString(resourceGroup().id)}', 24)

// The code's tables (src/storage/table-store.ts TABLES), each named <tablePrefix><name>.
var tableNames = [
  'Conversations' // conversation references for proactive messages
  'Audit' // who changed what, when, before and after
  'Requests' // license requests and subscription changes (ETag-checked)
  'Policies' // approval policies per tenant
  'Settings' // per-tenant settings (approvals channel, alerts channel, reclaim days)
  'Cards' // one row per approval card sent, for updates
  'Leases' // job leases (one instance per window), instance heartbeats
  'SeatLots' // seats Quartermaster bought per subscription, to size Partner Center's refund windows
  'Alerts' // alert ledger (one row per alert ever sent), seat states, removal locks
  'ConsentStates' // single-use consent `state` values (hashed), 10-minute expiry
  'Deliveries' // outbox delivery ledger, blocked conversations, dead letters
  'Connections' // connected accounts per tenant; secrets sealed with SECRET_KEYS
  'Budgets' // spend budgets per tenant and their last evaluation
  'CostRows' // daily cost rows (FOCUS-named columns) and each cost connection's sync state
  'Billing' // invoices, reconciliations and their findings, cost owners, chargebacks, document links
]
// The code's queues (src/storage/queues.ts QUEUE_NAMES), each named <tablePrefix, lower case>-<name>.
var queueNames = [
  'fulfilment' // approved requests waiting to be ordered and assigned
  'notifications' // the outbox: proactive messages within Teams' limits, a tenant's in one of eight queues
  'notifications-1'
  'notifications-2'
  'notifications-3'
  'notifications-4'
  'notifications-5'
  'notifications-6'
  'notifications-7'
  'sync-now' // `sync now` cost syncs
  'billing' // invoice fetches and reconciliations (`invoices`, the daily run)
]

// Built-in role definition ids (same in every tenant).
var roleIds = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

// ---------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

// ---------------------------------------------------------------------------------------
// Storage: the tables and queues of the code, reached with the identity only
// ---------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // Entra ID (RBAC) only: no account keys, no SAS signed with keys.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    publicNetworkAccess: 'Enabled'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: '${tablePrefix}${tableName}'
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: '${toLower(tablePrefix)}-${queueName}'
  }
]

resource storageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roleIds.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource storageQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roleIds.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------
// Key Vault (RBAC): the app reads its secrets, the deployer writes them
// ---------------------------------------------------------------------------------------

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // Purge protection is deliberately not set: once enabled it can never be turned off.
    // Note: after deleting the resource group, a re-deployment with the same names hits the
    // soft-deleted vault; purge it (az keyvault purge) or recover it first.
    publicNetworkAccess: 'Enabled'
  }
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, roleIds.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The secrets are written after provisioning by whoever deploys (README, "Deploy to Azure").
resource keyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, deployerPrincipalId, roleIds.keyVaultSecretsOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

// ---------------------------------------------------------------------------------------
// Logs and telemetry: a Log Analytics workspace behind Application Insights, and the App
// Service's console (the JSON log lines), HTTP and platform logs sent to the same workspace
// ---------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: resourceBaseName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: resourceBaseName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
  }
}

// ---------------------------------------------------------------------------------------
// App Service (Linux, Node 22 LTS): at least two instances, autoscale on CPU
// ---------------------------------------------------------------------------------------

resource serverfarm 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: serverfarmsName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: webAppSku
    capacity: minimumInstances
  }
  properties: {
    reserved: true // Linux plan
  }
}

resource autoscale 'Microsoft.Insights/autoscalesettings@2022-10-01' = {
  name: '${resourceBaseName}-autoscale'
  location: location
  tags: tags
  properties: {
    enabled: true
    targetResourceUri: serverfarm.id
    profiles: [
      {
        name: 'cpu'
        capacity: {
          minimum: string(minimumInstances)
          maximum: string(maximumInstances)
          default: string(minimumInstances)
        }
        rules: [
          {
            metricTrigger: {
              metricName: 'CpuPercentage'
              metricResourceUri: serverfarm.id
              timeGrain: 'PT1M'
              statistic: 'Average'
              timeWindow: 'PT10M'
              timeAggregation: 'Average'
              operator: 'GreaterThan'
              threshold: 70
            }
            scaleAction: {
              direction: 'Increase'
              type: 'ChangeCount'
              value: '1'
              cooldown: 'PT10M'
            }
          }
          {
            metricTrigger: {
              metricName: 'CpuPercentage'
              metricResourceUri: serverfarm.id
              timeGrain: 'PT1M'
              statistic: 'Average'
              timeWindow: 'PT20M'
              timeAggregation: 'Average'
              operator: 'LessThan'
              threshold: 30
            }
            scaleAction: {
              direction: 'Decrease'
              type: 'ChangeCount'
              value: '1'
              cooldown: 'PT20M'
            }
          }
        ]
      }
    ]
  }
}

// Node is started directly (not through npm), so the SIGTERM App Service sends at a restart or
// scale-in reaches node and the graceful drain runs; the preload starts telemetry before the app
// loads. The same command is package.json's "serve" and the Dockerfile's CMD.
var appCommandLine = 'node --no-warnings --import ./dist/src/telemetry-preload.js dist/src/main.js'

resource webApp 'Microsoft.Web/sites@2024-04-01' = {
  name: webAppName
  location: location
  tags: tags
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identity.id // lets @Microsoft.KeyVault(...) app settings use the identity
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      appCommandLine: appCommandLine
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      // Readiness, not liveness: an instance whose storage does not answer leaves the rotation.
      healthCheckPath: '/readyz'
      // No appSettings here: they are merged in by the module below, so that a new provision
      // does not wipe the settings an operator added by hand.
    }
  }
}

resource webAppLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: webApp
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        category: 'AppServiceConsoleLogs' // the app's JSON lines
        enabled: true
      }
      {
        category: 'AppServiceHTTPLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs' // container starts, stops, health check evictions
        enabled: true
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------
// App settings: every setting src/config.ts needs in production
// ---------------------------------------------------------------------------------------

var publicUrl = 'https://${empty(publicHostName) ? webApp.properties.defaultHostName : publicHostName}'

var appSettings = {
  NODE_ENV: 'production'
  LOG_LEVEL: logLevel
  SHUTDOWN_TIMEOUT_MS: string(shutdownTimeoutMs)
  BOT_ID: identity.properties.clientId
  BOT_TYPE: 'UserAssignedMSI'
  BOT_TENANT_ID: botAadAppTenantId
  AZURE_STORAGE_ACCOUNT_URL: storage.properties.primaryEndpoints.table
  AZURE_STORAGE_QUEUE_URL: storage.properties.primaryEndpoints.queue
  AZURE_CLIENT_ID: identity.properties.clientId // the identity @azure/identity signs in with
  TABLE_PREFIX: tablePrefix
  BOOTSTRAP_ADMINS: bootstrapAdmins
  CONNECTORS: 'production'
  GRAPH_CLIENT_ID: graphClientId
  GRAPH_CLIENT_SECRET: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=graph-client-secret)'
  PARTNER_CENTER_CLIENT_ID: partnerCenterClientId
  PARTNER_CENTER_CLIENT_SECRET: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=partner-center-client-secret)'
  PARTNER_CENTER_TENANT_ID: partnerCenterTenantId
  APPROVER_GROUP_ID: approverGroupId
  SECRET_KEYS: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=secret-keys)' // keyId:base64Key,...
  SECRET_KEY_CURRENT: secretKeyCurrent
  PUBLIC_URL: publicUrl // consent and sign-in redirects come back to {PUBLIC_URL}/api/consent/callback
  MARKETPLACE: marketplace ? 'true' : 'false'
  MARKETPLACE_URL: marketplaceUrl // empty = the platform's public API
  MARKETPLACE_STUCK_ORDER_MINUTES: string(marketplaceStuckOrderMinutes)
  PRICE_SHEET_MARKET: priceSheetMarket
  POLICY_CURRENCY: policyCurrency
  POLICY_AUTO_APPROVE_BELOW: policyAutoApproveBelow
  POLICY_SECOND_STAGE_ABOVE: policySecondStageAbove
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  WEBSITE_RUN_FROM_PACKAGE: '1' // the zip built by `atk deploy` is mounted read-only and run as is
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'false' // built before upload; no Oryx build on the server
}

// Only with AWS: the principal and its keys (the AWS SDK's default chain reads them).
var awsSettings = empty(awsPrincipalArn)
  ? {}
  : {
      AWS_PRINCIPAL_ARN: awsPrincipalArn
      AWS_ACCESS_KEY_ID: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=aws-access-key-id)'
      AWS_SECRET_ACCESS_KEY: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=aws-secret-access-key)'
    }

module webAppSettings 'modules/app-settings.bicep' = {
  name: 'app-settings'
  params: {
    webAppName: webApp.name
    currentAppSettings: list('${webApp.id}/config/appsettings', '2024-04-01').properties
    appSettings: union(appSettings, awsSettings)
  }
  // The app may only start once it can read its storage and secrets.
  dependsOn: [
    storageTableDataContributor
    storageQueueDataContributor
    keyVaultSecretsUser
  ]
}

// ---------------------------------------------------------------------------------------
// Azure Bot registration (managed identity) + Microsoft Teams channel
// ---------------------------------------------------------------------------------------

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botServiceName
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: 'F0' // Teams is a standard channel: free on F0
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    msaAppType: 'UserAssignedMSI'
    msaAppId: identity.properties.clientId
    msaAppTenantId: botAadAppTenantId
    msaAppMSIResourceId: identity.id
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

// ---------------------------------------------------------------------------------------
// Outputs (persisted to env/.env.<environment> by the Agents Toolkit)
// ---------------------------------------------------------------------------------------

output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = botAadAppTenantId
output AZURE_STORAGE_ACCOUNT_URL string = storage.properties.primaryEndpoints.table
output AZURE_STORAGE_QUEUE_URL string = storage.properties.primaryEndpoints.queue
output KEY_VAULT_NAME string = keyVault.name
output WEB_APP_NAME string = webApp.name
output PUBLIC_URL string = publicUrl
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
