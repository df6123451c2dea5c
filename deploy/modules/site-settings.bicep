// The managed hosting plan's API settings: app settings of the Static Web App, which its managed
// functions read as environment variables. Managed functions have no managed identity, so the app
// reaches Web PubSub and the tables with keys, read here at deploy time (never a parameter, an
// output, the command line or a log). Anyone with Contributor on the site can read them.

param staticWebAppName string
param storageAccountName string
param pubsubName string
param pubsubHub string
param pubsubSku string

@secure()
param guestSigningKey string

resource site 'Microsoft.Web/staticSites@2024-04-01' existing = {
  name: staticWebAppName
}

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: pubsubName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appSettings 'Microsoft.Web/staticSites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // The connection string's AccessKey signs events too; the secondary key keeps a rotation of the primary safe.
    PUBSUB_CONNECTION_STRING: pubsub.listKeys().primaryConnectionString
    WEBHOOK_SECONDARY_KEY: pubsub.listKeys().secondaryKey
    PUBSUB_HUB: pubsubHub
    PUBSUB_SKU: pubsubSku
    STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
    GUEST_SIGNING_KEY: guestSigningKey
  }
}
