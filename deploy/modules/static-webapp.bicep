// The Static Web App that serves client/ and proxies /api/* to the linked Function App.
// Linked backends need the Standard plan. The site has no repository: `make deploy-client` uploads it.

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

resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    allowConfigFileUpdates: true
  }
}

output id string = site.id
output name string = site.name
output hostname string = site.properties.defaultHostname
