#!/usr/bin/env bash
# `make deploy-client`: upload client/ (with its vendored libraries) and staticwebapp.config.json to
# the Static Web App's production environment with the SWA CLI. The files are staged in dist/site
# first, so exactly those two things are uploaded; the config's Content-Security-Policy connects to
# this deployment's Web PubSub only (deploy/site_config.py). On the managed hosting plan the API
# (the package `make package` built) goes up with the site, as its managed functions.
STEP=deploy-client
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

need_settings
SWA="${SWA:-node_modules/.bin/swa}"
[[ -x "$SWA" ]] || fail "the SWA CLI ($SWA) is missing: run 'make setup'"
[[ -d client/vendor ]] || fail "client/vendor is missing: run 'make setup' to copy the client's libraries"
[[ -f client/vendor/templates/index.js ]] || fail "the compiled templates are missing: run 'make setup' to compile them"
[[ -f staticwebapp.config.json ]] || fail "staticwebapp.config.json is missing from $ROOT"

need_command python3 "python3 is needed to write the site's configuration"

# With SWA_CLI_DEPLOYMENT_TOKEN and PUBSUB_ENDPOINT set (and AZURE_HOSTING_PLAN), no Azure login is needed.
token="${SWA_CLI_DEPLOYMENT_TOKEN:-}"
endpoint="${PUBSUB_ENDPOINT:-}"
plan="${AZURE_HOSTING_PLAN:-dedicated}"
if [[ -z "$token" || -z "$endpoint" ]]; then
  need_az
  plan="$(need_output hostingPlan)"
  [[ -n "$endpoint" ]] || endpoint="$(need_output pubsubEndpoint)"
fi
if [[ -z "$token" ]]; then
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
python3 deploy/site_config.py staticwebapp.config.json "$stage/staticwebapp.config.json" \
  --pubsub-endpoint "$endpoint" --plan "$plan"

api=()
if [[ "$plan" == managed ]]; then
  [[ -f "${PACKAGE:-}" ]] || fail "the API package '${PACKAGE:-}' is missing: run 'make package' (make deploy-client does it for you)"
  api_stage="$ROOT/dist/site-api"
  rm -rf "$api_stage"
  python3 -m zipfile -e "$PACKAGE" "$api_stage"
  api=(--api-location "$api_stage" --api-language python --api-version 3.11)
  say "Uploading client/, staticwebapp.config.json and the API (managed functions, Python 3.11)"
else
  say "Uploading client/ and staticwebapp.config.json"
fi
SWA_CLI_DEPLOYMENT_TOKEN="$token" SWA_CLI_CAPTURE_TELEMETRY=false "$SWA" deploy \
  --app-location "$stage" --output-location . --swa-config-location "$stage" "${api[@]}" \
  --env production --no-use-keychain

if app_url="$(deployment_output appUrl)" && [[ -n "$app_url" ]]; then
  say "Chatr is live at $app_url"
fi
