// Web PubSub and the hub the app uses. Its access keys stay on, to sign events: every event carries
// `ce-signature` (an HMAC of the connection id with the primary and with the secondary key), which
// survives the Static Web App's proxy, where a bearer token would not (deploy/readme.md). The
// Function App gets the keys at deploy time (function-app.bicep) and calls the service with its own
// managed identity, never a key. The optional dev hub sends its events to `awps-tunnel`, which
// reaches a local backend directly, so it also sends the service identity's bearer token.

@description('Globally unique: it becomes <name>.webpubsub.azure.com.')
param name string

param location string

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param sku string = 'Free_F1'

@description('Units of Standard or Premium (1,000 connections each); Free always has one.')
param units int = 1

@description('The hub the app uses (PUBSUB_HUB).')
param hubName string = 'chat'

@description('Where the service sends events: the Static Web App\'s /api/eventHandler, proxied to the linked Function App.')
param eventHandlerUrl string

@description('The `aud` of the token the service sends with the dev hub\'s events (WEBHOOK_AUDIENCE).')
param webhookAudience string

@description('Optional second hub whose events go through `awps-tunnel` to a local backend (make tunnel). Empty: none.')
param devHubName string = ''

var devHubAuth = {
  type: 'ManagedIdentity'
  managedIdentity: {
    resource: webhookAudience
  }
}

// Only Chatr's events reach the backend: the service refuses any other without running a function
// (tests/deploy checks this list against api/models.py's USER_EVENTS).
var userEvents = 'userConnected,createChat,joinChat,leaveChat,deleteChat,createPrivateChat,userEnterIdle,userExitIdle,blockUser,unblockUser,sendMessage,editMessage,deleteMessage,react,typing,markRead'

resource pubsub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  sku: {
    name: sku
    capacity: (sku == 'Free_F1') ? 1 : units
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    disableLocalAuth: false
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
        userEventPattern: userEvents
        systemEvents: [
          'connect'
          'connected'
          'disconnected'
        ]
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
        userEventPattern: userEvents
        systemEvents: [
          'connect'
          'connected'
          'disconnected'
        ]
        auth: devHubAuth
      }
    ]
  }
}

output id string = pubsub.id
output name string = pubsub.name
output endpoint string = 'https://${pubsub.properties.hostName}'
output hubName string = hub.name
output principalId string = pubsub.identity.principalId
