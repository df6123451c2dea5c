// The Function App of the `flex` and `dedicated` hosting plans: Linux, Python 3.11, system-assigned
// identity. `flex` runs on Flex Consumption (FC1), `dedicated` on a Basic B1 App Service plan, the
// plan the Static Web Apps docs list for linking (deploy/readme.md, "Hosting plans"). It reaches
// storage, Web PubSub and Application Insights with its identity only (roles.bicep). The one
// exception is Web PubSub's pair of access keys, which the app never calls anything with: it checks
// the `ce-signature` of events with them. They are read here, at deploy time, straight into app
// settings, so they never pass through a parameter, an output, the command line or a log.
// No WEBHOOK_AUDIENCE here: through the site no bearer token can arrive, so production accepts the
// signature only; the bearer path is for a local backend that Web PubSub's dev hub reaches directly.
// tests/deploy/test_settings_contract.py checks that the settings below are exactly those the code
// reads (api/config.py) plus the platform's own.

param name string
param planName string
param location string

@description('flex: Flex Consumption (FC1); dedicated: App Service Basic B1, always on.')
@allowed([
  'flex'
  'dedicated'
])
param hostingPlan string

@description('Storage account for the Functions host (AzureWebJobsStorage) and for the app\'s tables.')
param storageAccountName string

@description('Blob container URL Flex Consumption deploys the app package from.')
param deploymentContainerUrl string

param appInsightsConnectionString string

@description('https://<name>.webpubsub.azure.com')
param pubsubEndpoint string

param pubsubHub string

@description('Web PubSub tier (Free_F1, Standard_S1, Premium_P1): the app sets its per-user limits from it.')
param pubsubSku string

@description('Web PubSub instance whose access keys sign the events (WEBHOOK_PRIMARY_KEY, WEBHOOK_SECONDARY_KEY).')
param pubsubName string

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

var isFlex = hostingPlan == 'flex'

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: pubsubName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  kind: isFlex ? 'functionapp' : 'linux'
  sku: isFlex ? {
    name: 'FC1'
    tier: 'FlexConsumption'
  } : {
    name: 'B1'
    tier: 'Basic'
  }
  properties: {
    reserved: true
  }
}

var flexConfig = {
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
      linuxFxVersion: isFlex ? null : 'PYTHON|3.11'
      alwaysOn: isFlex ? null : true
    }
    functionAppConfig: isFlex ? flexConfig : null
  }
}

// The settings both plans share. Flex Consumption sets the worker runtime and version from
// functionAppConfig and refuses FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION; a Dedicated
// plan needs them (dedicatedRuntime).
var settings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  PUBSUB_ENDPOINT: pubsubEndpoint
  PUBSUB_HUB: pubsubHub
  // Free_F1 holds 20 connections in all: the app lets each user keep 2 open, not 10.
  PUBSUB_SKU: pubsubSku
  STORAGE_ACCOUNT_NAME: storageAccountName
  GUEST_SIGNING_KEY: guestSigningKey
  // How long `make cleanup` (run with these settings) keeps messages; 0 keeps them for ever.
  MESSAGE_RETENTION_DAYS: '365'
  // 'true' lets no new guest in (a flood of guests, or a Chatr for signed-in people only).
  CHATR_REQUIRE_SIGN_IN: 'false'
  // The Functions host refuses a larger request body with 413 before the app sees it; Chatr needs far less.
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '1048576'
}

var dedicatedRuntime = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'python'
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(settings, {
    WEBHOOK_PRIMARY_KEY: pubsub.listKeys().primaryKey
    WEBHOOK_SECONDARY_KEY: pubsub.listKeys().secondaryKey
  }, isFlex ? {} : dedicatedRuntime)
}

output id string = site.id
output name string = site.name
output location string = site.location
output hostname string = site.properties.defaultHostName
output principalId string = site.identity.principalId
