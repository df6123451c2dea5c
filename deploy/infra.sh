#!/usr/bin/env bash
# `make deploy-infra`: create or update the Azure resources from Bicep, then print the app URL.
#   AZURE_SCOPE=subscription (default): deploy/main.bicep creates or reuses the group AZURE_RESGRP.
#   AZURE_SCOPE=group: deploy/app.bicep goes into the existing group AZURE_RESGRP.
STEP=deploy-infra
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

need_settings
need_az
need_command python3 "python3 is needed to write the deployment parameters"

scope="${AZURE_SCOPE:-subscription}"
if [[ "$scope" == group ]]; then
  az group show --name "$AZURE_RESGRP" --output none >/dev/null 2>&1 ||
    fail "resource group '$AZURE_RESGRP' does not exist; create it or use AZURE_SCOPE=subscription"
fi

# Keep the guest signing key of an earlier deployment, so guests stay who they were.
guest_key="${AZURE_GUEST_SIGNING_KEY:-}"
if [[ -z "$guest_key" ]]; then
  existing_app="$(deployment_output functionAppName)" || existing_app=""
  existing_group="$(deployment_output resourceGroupName)" || existing_group=""
  if [[ -n "$existing_app" && -n "$existing_group" ]]; then
    guest_key="$(az functionapp config appsettings list --resource-group "$existing_group" --name "$existing_app" \
      --query "[?name=='GUEST_SIGNING_KEY'].value | [0]" --output tsv 2>/dev/null)" || guest_key=""
    [[ -n "$guest_key" ]] && say "Keeping the guest signing key of $existing_app"
  fi
fi

# Parameters go through a private file, never the command line (the guest key is a secret).
params="$(umask 077 && mktemp "${TMPDIR:-/tmp}/chatr-params.XXXXXX")"
trap 'rm -f "$params"' EXIT
GUEST_KEY="$guest_key" SCOPE="$scope" python3 - "$params" <<'PY'
import json, os, sys

env = os.environ
values = {
    "prefix": env["AZURE_PREFIX"],
    "location": env["AZURE_REGION"],
    "pubsubSku": env.get("AZURE_PUBSUB_SKU") or "Free_F1",
    "devHubName": env.get("AZURE_DEV_HUB", ""),
    "developerPrincipalId": env.get("AZURE_DEVELOPER_ID", ""),
}
if env["SCOPE"] == "subscription":
    values["resourceGroupName"] = env["AZURE_RESGRP"]
if env.get("AZURE_WEBHOOK_AUDIENCE"):
    values["webhookAudience"] = env["AZURE_WEBHOOK_AUDIENCE"]
if env.get("GUEST_KEY"):
    values["guestSigningKey"] = env["GUEST_KEY"]
document = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {name: {"value": value} for name, value in values.items()},
}
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(document, out, indent=2)
PY

say "Deploying Chatr (prefix $AZURE_PREFIX) to resource group $AZURE_RESGRP in $AZURE_REGION; this takes a few minutes"
if [[ "$scope" == group ]]; then
  az deployment group create --resource-group "$AZURE_RESGRP" --name "$AZURE_DEPLOYMENT" \
    --template-file deploy/app.bicep --parameters "@$params" --output none
else
  az deployment sub create --name "$AZURE_DEPLOYMENT" --location "$AZURE_REGION" \
    --template-file deploy/main.bicep --parameters "@$params" --output none
fi

app_url="$(need_output appUrl)"
say "Infrastructure ready. The app will answer at $app_url once 'make deploy-api deploy-client' has run."
