// Chatr in one resource group. main.bicep creates the group and deploys this file into it; to use a
// group you already have (and only need Owner on it), deploy this file directly:
//   az deployment group create -g <group> -f deploy/app.bicep -p prefix=<prefix>
// Every dependency below is an output passed as a parameter, so ARM orders the modules itself.

@description('Short lower-case name prefix for every resource (letters, digits, hyphens; 2-13 characters).')
@minLength(2)
@maxLength(13)
param prefix string = 'chatr'

@description('Region of every resource except the Static Web App (it must support Flex Consumption).')
param location string = resourceGroup().location

@description('Static Web Apps run in westus2, centralus, eastus2, westeurope or eastasia only.')
param staticWebAppLocation string = contains(['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'], location) ? location : 'westeurope'

@description('Where the API runs: managed (inside the Static Web App), flex (a linked Flex Consumption app) or dedicated (a linked App Service B1 app). deploy/readme.md, "Hosting plans", says why dedicated is the default.')
@allowed([
  'managed'
  'flex'
  'dedicated'
])
param hostingPlan string = 'dedicated'

@description('Web PubSub tier: Free_F1 (20 connections, 20,000 messages a day) for a demo, Standard_S1 or Premium_P1 (1,000 connections a unit).')
@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param pubsubSku string = 'Free_F1'

@description('Units of a Standard or Premium Web PubSub (Free has one).')
@allowed([
  1
  2
  5
  10
  20
  50
  100
])
param pubsubUnits int = 1

@description('The Web PubSub hub the app uses.')
param hubName string = 'chat'

@description('Audience of the token Web PubSub sends to a handler it calls directly: the dev hub\'s tunnel to a local backend, never the deployed app. The default is Web PubSub\'s own Entra resource, which every tenant running this app has; use your own app registration\'s Application ID URI for a dedicated one.')
param webhookAudience string = 'https://webpubsub.azure.com'

@description('Signs guest identities. Changing it turns every existing guest into a new user; `make deploy-infra` passes the current one again.')
@secure()
param guestSigningKey string = newGuid()

@description('Optional extra hub for the local stack through `make tunnel` (letters, digits, underscores). Empty: none.')
param devHubName string = ''

@description('Object id of a user to grant the data roles `make run` against these services needs. Empty: none.')
param developerPrincipalId string = ''

var managed = hostingPlan == 'managed'
var suffix = take(uniqueString(subscription().id, resourceGroup().id, prefix), 6)
var names = {
  staticWebApp: '${prefix}-swa'
  functionApp: '${prefix}-func-${suffix}'
  plan: '${prefix}-plan'
  pubsub: '${prefix}-wps-${suffix}'
  storage: '${take(replace(toLower(prefix), '-', ''), 13)}st${suffix}'
  appInsights: '${prefix}-insights'
  workspace: '${prefix}-logs'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    appInsightsName: names.appInsights
    workspaceName: names.workspace
    location: location
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    // Managed functions have no identity: they reach the tables with the account key.
    allowSharedKeyAccess: managed
  }
}

module staticWebApp 'modules/static-webapp.bicep' = {
  name: 'static-webapp'
  params: {
    name: names.staticWebApp
    location: staticWebAppLocation
    // Linking a Function App needs Standard; managed functions run on Free.
    sku: managed ? 'Free' : 'Standard'
  }
}

module pubsub 'modules/pubsub.bicep' = {
  name: 'pubsub'
  params: {
    name: names.pubsub
    location: location
    sku: pubsubSku
    units: pubsubUnits
    hubName: hubName
    eventHandlerUrl: 'https://${staticWebApp.outputs.hostname}/api/eventHandler'
    webhookAudience: webhookAudience
    devHubName: devHubName
  }
}

module functionApp 'modules/function-app.bicep' = if (!managed) {
  name: 'function-app'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    hostingPlan: managed ? 'flex' : hostingPlan
    storageAccountName: storage.outputs.accountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    pubsubEndpoint: pubsub.outputs.endpoint
    pubsubHub: pubsub.outputs.hubName
    pubsubSku: pubsubSku
    pubsubName: pubsub.outputs.name
    guestSigningKey: guestSigningKey
  }
}

// Managed functions: the API's settings are the site's, with keys (no identity there).
module siteSettings 'modules/site-settings.bicep' = if (managed) {
  name: 'site-settings'
  params: {
    staticWebAppName: staticWebApp.outputs.name
    storageAccountName: storage.outputs.accountName
    pubsubName: pubsub.outputs.name
    pubsubHub: pubsub.outputs.hubName
    pubsubSku: pubsubSku
    guestSigningKey: guestSigningKey
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    functionPrincipalId: managed ? '' : functionApp.outputs.principalId
    developerPrincipalId: developerPrincipalId
    storageAccountName: storage.outputs.accountName
    pubsubName: pubsub.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// The link from the site to the Function App is made by deploy/link.sh, not here: creating
// staticSites/linkedBackends fails on new sites and on a second deploy in ways a template cannot
// handle (deploy/readme.md, "The link").

output appUrl string = 'https://${staticWebApp.outputs.hostname}'
output hostingPlan string = hostingPlan
output resourceGroupName string = resourceGroup().name
output staticWebAppName string = staticWebApp.outputs.name
output staticWebAppId string = staticWebApp.outputs.id
output functionAppName string = managed ? '' : functionApp.outputs.name
output functionAppId string = managed ? '' : functionApp.outputs.id
output functionAppLocation string = managed ? '' : functionApp.outputs.location
output functionAppUrl string = managed ? '' : 'https://${functionApp.outputs.hostname}'
output pubsubName string = pubsub.outputs.name
output pubsubId string = pubsub.outputs.id
output pubsubEndpoint string = pubsub.outputs.endpoint
output pubsubHub string = pubsub.outputs.hubName
output pubsubPrincipalId string = pubsub.outputs.principalId
output storageAccountName string = storage.outputs.accountName
output webhookAudience string = webhookAudience
output tenantId string = subscription().tenantId
