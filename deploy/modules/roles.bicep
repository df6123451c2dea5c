// Role assignments instead of keys. The Function App's identity gets exactly what the code and the
// Functions runtime use; optionally a developer gets what `make run` against these services needs.
// principalType is given so that a just-created identity is not looked up before it has replicated.

@description('Object id of the Function App\'s system-assigned identity; empty on the managed plan (no Function App).')
param functionPrincipalId string

@description('Object id of a user who runs the local stack against these services; empty: none.')
param developerPrincipalId string = ''

param storageAccountName string
param pubsubName string
param appInsightsName string

var role = {
  webPubSubServiceOwner: '12cf5a90-567b-43ae-8102-96cf46c7d9b4'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: pubsubName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// The app: chats and users tables (api/state.py).
resource appTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(functionPrincipalId)) {
  scope: storage
  name: guid(storage.id, functionPrincipalId, role.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.storageTableDataContributor)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The Functions runtime: host storage (AzureWebJobsStorage, blobs only for HTTP triggers) and the
// Flex Consumption deployment container.
resource hostBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(functionPrincipalId)) {
  scope: storage
  name: guid(storage.id, functionPrincipalId, role.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.storageBlobDataOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The app: tokens for clients, groups, permissions, messages (api/pubsub.py).
resource appPubSub 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(functionPrincipalId)) {
  scope: pubsub
  name: guid(pubsub.id, functionPrincipalId, role.webPubSubServiceOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.webPubSubServiceOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The runtime: telemetry with Entra authentication (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(functionPrincipalId)) {
  scope: appInsights
  name: guid(appInsights.id, functionPrincipalId, role.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.monitoringMetricsPublisher)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource developerTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  scope: storage
  name: guid(storage.id, developerPrincipalId, role.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.storageTableDataContributor)
    principalId: developerPrincipalId
    principalType: 'User'
  }
}

resource developerPubSub 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(developerPrincipalId)) {
  scope: pubsub
  name: guid(pubsub.id, developerPrincipalId, role.webPubSubServiceOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.webPubSubServiceOwner)
    principalId: developerPrincipalId
    principalType: 'User'
  }
}
