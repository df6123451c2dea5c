// The Function App: Flex Consumption, Linux, Python 3.11, system-assigned identity. It reaches
// storage, Web PubSub and Application Insights with that identity only (roles.bicep). The one
// exception is Web PubSub's pair of access keys, which the app never calls anything with: it
// checks the `ce-signature` of events with them. They are read here, at deploy time, straight into
// app settings, so they never pass through a parameter, an output, the command line or a log.
// tests/deploy/test_settings_contract.py checks that the settings below are exactly those the code
// reads (api/config.py) plus the platform's own.

param name string
param planName string
param location string

@description('Storage account for the Functions host (AzureWebJobsStorage) and for the app\'s tables.')
param storageAccountName string

@description('Blob container URL Flex Consumption deploys the app package from.')
param deploymentContainerUrl string

param appInsightsConnectionString string

@description('https://<name>.webpubsub.azure.com')
param pubsubEndpoint string

param pubsubHub string

@description('Web PubSub instance whose access keys sign the events (WEBHOOK_PRIMARY_KEY, WEBHOOK_SECONDARY_KEY).')
param pubsubName string

@description('Expected `aud` of the token Web PubSub sends to a handler it calls directly (not through the site).')
param webhookAudience string

@description('Tenant whose Entra issuer and signing keys the event handler trusts.')
param webhookTenantId string

@description('Object id of Web PubSub\'s managed identity: the only caller the event handler accepts.')
param webhookCallerId string

@description('Secret that signs guest identities (see deploy/readme.md).')
@secure()
param guestSigningKey string

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: pubsubName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Flex Consumption sets the worker runtime and version from functionAppConfig, so FUNCTIONS_* are not set here.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
    PUBSUB_ENDPOINT: pubsubEndpoint
    PUBSUB_HUB: pubsubHub
    STORAGE_ACCOUNT_NAME: storageAccountName
    GUEST_SIGNING_KEY: guestSigningKey
    WEBHOOK_PRIMARY_KEY: pubsub.listKeys().primaryKey
    WEBHOOK_SECONDARY_KEY: pubsub.listKeys().secondaryKey
    WEBHOOK_AUDIENCE: webhookAudience
    WEBHOOK_TENANT_ID: webhookTenantId
    WEBHOOK_CALLER_ID: webhookCallerId
    // The Functions host refuses a larger request body with 413 before the app sees it; Chatr needs far less.
    FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '1048576'
  }
}

output id string = site.id
output name string = site.name
output location string = site.location
output hostname string = site.properties.defaultHostName
output principalId string = site.identity.principalId
