// Web PubSub with access keys disabled and the hub the app uses. The service's own (system-assigned)
// identity obtains a Microsoft Entra token for `webhookAudience` and sends it as
// `Authorization: Bearer` with every event; the backend checks it (api/webhook_identity.py).

@description('Globally unique: it becomes <name>.webpubsub.azure.com.')
param name string

param location string

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param sku string = 'Free_F1'

@description('The hub the app uses (PUBSUB_HUB).')
param hubName string = 'chat'

@description('Where the service sends events: the Static Web App\'s /api/eventHandler, proxied to the linked Function App.')
param eventHandlerUrl string

@description('The `aud` of the token the service sends with each event (WEBHOOK_AUDIENCE).')
param webhookAudience string

@description('Optional second hub whose events go through `awps-tunnel` to a local backend (make tunnel). Empty: none.')
param devHubName string = ''

var eventHandlerAuth = {
  type: 'ManagedIdentity'
  managedIdentity: {
    resource: webhookAudience
  }
}

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  sku: {
    name: sku
    capacity: 1
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
  }
}

resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: pubsub
  name: hubName
  properties: {
    anonymousConnectPolicy: 'deny'
    eventHandlers: [
      {
        urlTemplate: eventHandlerUrl
        userEventPattern: '*'
        systemEvents: [
          'connected'
          'disconnected'
        ]
        auth: eventHandlerAuth
      }
    ]
  }
}

resource devHub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = if (!empty(devHubName)) {
  parent: pubsub
  name: empty(devHubName) ? 'unused' : devHubName
  properties: {
    anonymousConnectPolicy: 'deny'
    eventHandlers: [
      {
        urlTemplate: 'tunnel:///api/eventHandler'
        userEventPattern: '*'
        systemEvents: [
          'connected'
          'disconnected'
        ]
        auth: eventHandlerAuth
      }
    ]
  }
}

output id string = pubsub.id
output name string = pubsub.name
output endpoint string = 'https://${pubsub.properties.hostName}'
output hubName string = hub.name
output principalId string = pubsub.identity.principalId
