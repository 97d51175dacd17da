// Azure resources for Quartermaster (deployed by the `arm/deploy` step of m365agents.yml).
//
// The bot authenticates as a USER-ASSIGNED MANAGED IDENTITY (BOT_TYPE=UserAssignedMSI):
// there is no Entra app registration and no client secret anywhere. The identity's client id
// IS the bot id (msaAppId of the Azure Bot, `botId` in the Teams manifest, BOT_ID at runtime),
// and the same identity reads Table/Queue storage and Key Vault secrets through Azure RBAC
// (shared-key access to storage is switched off).
//
// Outputs are written by the Agents Toolkit into env/.env.<environment> under the output's
// name (https://aka.ms/teamsfx-actions/arm-deploy), e.g. BOT_ID and BOT_DOMAIN feed the
// ${{...}} placeholders of appPackage/manifest.json.
//
// No @secure() parameters: with a managed identity this template handles no secrets. Put
// application secrets (e.g. billing API keys) into the Key Vault and read them at runtime
// with the identity (KEY_VAULT_URL + AZURE_CLIENT_ID).

@maxLength(20)
@minLength(4)
@description('Used to generate names for all resources in this file.')
param resourceBaseName string

@description('Azure region for the regional resources (the Azure Bot itself is global).')
param location string = resourceGroup().location

// With BOT_TYPE=UserAssignedMSI the bot's tenant must be the managed identity's tenant, i.e. the
// subscription's tenant: that is the default, so azure.parameters.json does not set it. (There is
// no botAadAppClientId parameter: the bot id is the identity's client id, created below.)
@description('Entra tenant id of the bot (single tenant); must be the tenant of the managed identity.')
param botAadAppTenantId string = subscription().tenantId

@maxLength(42)
@description('Display name of the Azure Bot registration.')
param botDisplayName string

@description('App Service plan SKU (Linux). Always On needs Basic (B1) or higher.')
@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'S2'
  'S3'
  'P0v3'
  'P1v3'
  'P2v3'
  'P3v3'
])
param webAppSku string = 'B1'

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

var tableNames = [
  'qmState' // bot/conversation state (teams-ai Storage on @azure/data-tables)
  'qmConversations' // conversation references for proactive messages
  'qmAudit' // approvals / fulfilment audit trail
  'qmRequests' // license requests (JSON document + index columns, ETag-checked)
  'qmPolicies' // approval policies per tenant
  'qmSettings' // per-tenant settings (approvals channel...)
  'qmCards' // one row per approval card sent, for updates
  'qmLeases' // job leases so that one instance runs each job window
  'qmAlerts' // alert ledger (one row per alert sent), seat states per tenant, removal locks
  'qmSeatLots' // seats Quartermaster bought per subscription, to size Partner Center's refund windows
  'qmDeliveries' // outbox delivery ledger: one row per message by dedupe key, blocked conversations, dead letters
  'qmConsentStates' // single-use consent `state` values (hashed), 10-minute expiry
  'qmConnections' // connected accounts per tenant; secrets sealed with AES-256-GCM (SECRET_KEYS)
  'qmBudgets' // spend budgets per tenant (scope, amount, thresholds) and their last evaluation
  'qmCostRows' // daily cost rows (FOCUS-named columns) per tenant/provider/account/month, and each cost connection's sync state
]
var queueNames = [
  'fulfilment' // approved license requests waiting to be ordered (slow work, off the invoke path)
  'notifications' // proactive messages, drained by a rate limiter
]

// Built-in role definition ids (same in every tenant).
var roleIds = {
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
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
// Storage: Table (state, conversations, audit) + Queue (fulfilment, notifications)
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
    name: tableName
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
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
// Key Vault (RBAC authorization) for application secrets
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

// ---------------------------------------------------------------------------------------
// App Service (Linux, Node 20) that hosts the bot
// ---------------------------------------------------------------------------------------

resource serverfarm 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: serverfarmsName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: webAppSku
  }
  properties: {
    reserved: true // Linux plan
  }
}

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
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'npm run serve' // node dist/src/index.js (see package.json)
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      healthCheckPath: '/healthz'
      appSettings: [
        {
          name: 'NODE_ENV'
          value: 'production'
        }
        {
          name: 'BOT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'BOT_TYPE'
          value: 'UserAssignedMSI'
        }
        {
          name: 'BOT_TENANT_ID'
          value: botAadAppTenantId
        }
        {
          // Table endpoint, e.g. https://<account>.table.core.windows.net/
          name: 'AZURE_STORAGE_ACCOUNT_URL'
          value: storage.properties.primaryEndpoints.table
        }
        {
          // Queue endpoint, e.g. https://<account>.queue.core.windows.net/
          name: 'AZURE_STORAGE_QUEUE_URL'
          value: storage.properties.primaryEndpoints.queue
        }
        {
          // Picked up by DefaultAzureCredential / ManagedIdentityCredential from @azure/identity.
          name: 'AZURE_CLIENT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'KEY_VAULT_URL'
          value: keyVault.properties.vaultUri
        }
        {
          // keyId:base64Key pairs that seal connection secrets; App Service resolves the
          // reference from Key Vault (store the secret "secret-keys" there before deploying).
          name: 'SECRET_KEYS'
          value: '@Microsoft.KeyVault(VaultName=${keyVault.name};SecretName=secret-keys)'
        }
        {
          // Consent and sign-in redirects come back to {PUBLIC_URL}/api/consent/callback.
          name: 'PUBLIC_URL'
          value: 'https://${resourceBaseName}.azurewebsites.net'
        }
        {
          // The zip built by `azureAppService/zipDeploy` is mounted read-only and run as is.
          name: 'WEBSITE_RUN_FROM_PACKAGE'
          value: '1'
        }
        {
          // The package is built before upload (m365agents.yml deploy); no Oryx build on the server.
          name: 'SCM_DO_BUILD_DURING_DEPLOYMENT'
          value: 'false'
        }
      ]
    }
  }
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
output KEY_VAULT_URL string = keyVault.properties.vaultUri
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
