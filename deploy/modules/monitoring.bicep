// Application Insights (workspace-based) for the Function App. Local (key) ingestion is disabled:
// the app sends telemetry with its managed identity (Monitoring Metrics Publisher, see roles.bicep).

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Name of the Log Analytics workspace behind it.')
param workspaceName string

param location string

@description('Days of logs to keep (30 is the free retention of a PerGB2018 workspace).')
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
