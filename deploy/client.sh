#!/usr/bin/env bash
# `make deploy-client`: upload client/ (with its vendored libraries) and staticwebapp.config.json to
# the Static Web App's production environment with the SWA CLI. The files are staged in dist/site
# first, so exactly those two things are uploaded.
STEP=deploy-client
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

need_settings
SWA="${SWA:-node_modules/.bin/swa}"
[[ -x "$SWA" ]] || fail "the SWA CLI ($SWA) is missing: run 'make setup'"
[[ -d client/vendor ]] || fail "client/vendor is missing: run 'make setup' to copy the client's libraries"
[[ -f staticwebapp.config.json ]] || fail "staticwebapp.config.json is missing from $ROOT"

token="${SWA_CLI_DEPLOYMENT_TOKEN:-}"
if [[ -z "$token" ]]; then
  need_az
  group="$(need_output resourceGroupName)"
  site="$(need_output staticWebAppName)"
  token="$(az staticwebapp secrets list --resource-group "$group" --name "$site" \
    --query properties.apiKey --output tsv)" || token=""
  [[ -n "$token" ]] || fail "could not read the deployment token of Static Web App '$site' (you need Contributor on it)"
fi

stage="$ROOT/dist/site"
rm -rf "$stage"
mkdir -p "$stage"
cp -R client/. "$stage/"
rm -f "$stage/vendor/.installed" # make's stamp, not part of the site
cp staticwebapp.config.json "$stage/"

say "Uploading client/ and staticwebapp.config.json"
SWA_CLI_DEPLOYMENT_TOKEN="$token" SWA_CLI_CAPTURE_TELEMETRY=false "$SWA" deploy \
  --app-location "$stage" --output-location . --swa-config-location "$stage" \
  --env production --no-use-keychain

if app_url="$(deployment_output appUrl)" && [[ -n "$app_url" ]]; then
  say "Chatr is live at $app_url"
fi
