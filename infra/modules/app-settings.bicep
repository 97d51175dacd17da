// The app's settings merged into what the site already has: `Microsoft.Web/sites/config`
// 'appsettings' replaces the whole list, so the current list is read first (by the caller,
// which can call list() on the site it deployed) and the template's values are laid over it.
// Settings an operator added by hand survive a new provision; the template's own win.

@description('Name of the existing web app.')
param webAppName string

@description('The settings the site has now (list() of its config/appsettings).')
param currentAppSettings object

@description('The settings the template sets.')
param appSettings object

resource webApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: webAppName
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: webApp
  name: 'appsettings'
  properties: union(currentAppSettings, appSettings)
}
