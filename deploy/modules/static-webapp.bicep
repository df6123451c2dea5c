// The Static Web App that serves client/ and either proxies /api/* to the linked Function App
// (Standard: linked backends need it) or runs the API itself as managed functions (Free is enough).
// The site has no repository: `make deploy-client` uploads it.

param name string

@description('Static Web Apps runs in a few regions only.')
@allowed([
  'westus2'
  'centralus'
  'eastus2'
  'westeurope'
  'eastasia'
])
param location string

@allowed([
  'Free'
  'Standard'
])
param sku string = 'Standard'

resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  sku: {
    name: sku
    tier: sku
  }
  properties: {
    allowConfigFileUpdates: true
  }
}

output id string = site.id
output name string = site.name
output hostname string = site.properties.defaultHostname
