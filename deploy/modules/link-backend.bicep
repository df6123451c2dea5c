// Links the Function App to the Static Web App: the site then proxies /api/* to it (the app keeps
// host.json's `api` route prefix for that) and, unless the app has its own authentication set up,
// only the site can call it.

param staticWebAppName string
param functionAppId string
param functionAppLocation string

resource site 'Microsoft.Web/staticSites@2024-04-01' existing = {
  name: staticWebAppName
}

resource backend 'Microsoft.Web/staticSites/linkedBackends@2024-04-01' = {
  parent: site
  name: 'backend'
  properties: {
    backendResourceId: functionAppId
    region: functionAppLocation
  }
}
