// The storage account: the app's `chats`, `users`, `messages` and `names` tables, the Functions host's
// own storage and the container Flex Consumption deploys the app package from. Shared keys are
// disabled unless the API runs as the site's managed functions, which have no identity: then every
// client (the app, the host, the deployment) uses Microsoft Entra ID and the roles in roles.bicep.

@description('Globally unique, 3-24 lower-case letters and digits.')
@minLength(3)
@maxLength(24)
param name string

param location string

@description('Only for the managed hosting plan, whose functions have no identity and use the account key.')
param allowSharedKeyAccess bool = false

@description('Blob container the Flex Consumption app package is uploaded to.')
param deploymentContainerName string = 'app-package'

@description('Tables the app reads and writes (api/state.py, api/history.py).')
param tableNames array = [
  'chats'
  'users'
  'messages'
  'names'
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: allowSharedKeyAccess
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

output accountId string = account.id
output accountName string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainer.name}'
