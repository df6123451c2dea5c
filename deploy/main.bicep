// Chatr on Azure: `make deploy-infra` deploys this file at subscription scope. It creates (or keeps)
// the resource group and deploys app.bicep into it. Outputs: the app URL and the names the other
// deploy steps need.

targetScope = 'subscription'

@description('Short lower-case name prefix for every resource (letters, digits, hyphens; 2-13 characters).')
@minLength(2)
@maxLength(13)
param prefix string = 'chatr'

@description('Resource group to create or reuse.')
param resourceGroupName string = '${prefix}-rg'

@description('Region of the resource group and of every resource except the Static Web App.')
param location string = 'westeurope'

@description('Static Web Apps run in westus2, centralus, eastus2, westeurope or eastasia only.')
param staticWebAppLocation string = contains(['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'], location) ? location : 'westeurope'

@description('Where the API runs: managed, flex or dedicated (see app.bicep and deploy/readme.md).')
@allowed([
  'managed'
  'flex'
  'dedicated'
])
param hostingPlan string = 'dedicated'

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

@description('Audience of the token Web PubSub sends to a handler it calls directly (see app.bicep).')
param webhookAudience string = 'https://webpubsub.azure.com'

@description('Signs guest identities (see deploy/readme.md).')
@secure()
param guestSigningKey string = newGuid()

@description('Optional extra hub for the local stack through `make tunnel`. Empty: none.')
param devHubName string = ''

@description('Object id of a user to grant the data roles the local stack needs. Empty: none.')
param developerPrincipalId string = ''

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
}

module app 'app.bicep' = {
  name: 'chatr-app'
  scope: rg
  params: {
    prefix: prefix
    location: location
    staticWebAppLocation: staticWebAppLocation
    hostingPlan: hostingPlan
    pubsubSku: pubsubSku
    pubsubUnits: pubsubUnits
    webhookAudience: webhookAudience
    guestSigningKey: guestSigningKey
    devHubName: devHubName
    developerPrincipalId: developerPrincipalId
  }
}

output appUrl string = app.outputs.appUrl
output hostingPlan string = app.outputs.hostingPlan
output resourceGroupName string = rg.name
output staticWebAppName string = app.outputs.staticWebAppName
output staticWebAppId string = app.outputs.staticWebAppId
output functionAppName string = app.outputs.functionAppName
output functionAppId string = app.outputs.functionAppId
output functionAppLocation string = app.outputs.functionAppLocation
output functionAppUrl string = app.outputs.functionAppUrl
output pubsubName string = app.outputs.pubsubName
output pubsubId string = app.outputs.pubsubId
output pubsubEndpoint string = app.outputs.pubsubEndpoint
output pubsubHub string = app.outputs.pubsubHub
output pubsubPrincipalId string = app.outputs.pubsubPrincipalId
output storageAccountName string = app.outputs.storageAccountName
output webhookAudience string = app.outputs.webhookAudience
output tenantId string = app.outputs.tenantId
