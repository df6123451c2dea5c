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

group="$(need_output resourceGroupName)"
app="$(need_output functionAppName)"

say "Deploying $PACKAGE to Function App $app"
# Right after `make deploy-infra` the app's new role assignments may still be propagating, and the
# first upload can be refused; a couple of retries cover that.
attempts=3
for attempt in $(seq 1 "$attempts"); do
  if az functionapp deployment source config-zip --resource-group "$group" --name "$app" \
    --src "$PACKAGE" --build-remote true --output none; then
    say "API deployed to $app"
    exit 0
  fi
  if ((attempt < attempts)); then
    say "Upload refused (attempt $attempt of $attempts); retrying in ${DEPLOY_RETRY_SECONDS:-30} s"
    sleep "${DEPLOY_RETRY_SECONDS:-30}"
  fi
done
fail "the zip deployment to $app failed $attempts times; see the messages above and the app's Deployment Center log"
