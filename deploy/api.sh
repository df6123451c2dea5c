#!/usr/bin/env bash
# `make deploy-api`: zip-deploy the package `make package` built to the Function App. The platform
# installs requirements.txt itself (remote build), for Linux and the app's Python version.
STEP=deploy-api
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

need_settings
need_var PACKAGE "the Functions app zip (make sets dist/chatr-api.zip and builds it first)"
[[ -f "$PACKAGE" ]] || fail "$PACKAGE does not exist: run 'make package' (make deploy-api does it for you)"
need_az

if [[ "$(need_output hostingPlan)" == managed ]]; then
  say "Hosting plan managed: the API goes up with the site, in 'make deploy-client'"
  exit 0
fi
group="$(need_output resourceGroupName)"
app="$(need_output functionAppName)"

say "Deploying $PACKAGE to Function App $app"
# Right after `make deploy-infra` the app's new role assignments (its identity writing to the deployment
# container) may still be propagating, which takes up to about 10 minutes: uploads are refused meanwhile.
# So retry with a growing pause (15 s, 30 s, 1 min, then every 2 min) for about 10 minutes in all.
# DEPLOY_RETRY_SECONDS scales the pauses (its default is the first one).
base="${DEPLOY_RETRY_SECONDS:-15}"
pauses=(1 2 4 8 8 8 8)
attempts=$((${#pauses[@]} + 1))
waited=0
for attempt in $(seq 1 "$attempts"); do
  if az functionapp deployment source config-zip --resource-group "$group" --name "$app" \
    --src "$PACKAGE" --build-remote true --output none; then
    say "API deployed to $app"
    exit 0
  fi
  if ((attempt < attempts)); then
    pause=$((base * pauses[attempt - 1]))
    say "Upload refused (attempt $attempt of $attempts, $((waited / 60))m$((waited % 60))s waited of about 10m): new role assignments can take that long to apply; retrying in ${pause} s"
    sleep "$pause"
    waited=$((waited + pause))
  fi
done
fail "the zip deployment to $app failed $attempts times over about 10 minutes; see the messages above and the app's Deployment Center log, then run 'make deploy-api' again"
