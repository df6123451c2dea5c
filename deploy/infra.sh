#!/usr/bin/env bash
# `make deploy-infra`: create or update the Azure resources from Bicep, check that Web PubSub kept its
# access keys, link the Function App to the site (deploy/link.sh), then print the app URL.
#   AZURE_SCOPE=subscription (default): deploy/main.bicep creates or reuses the group AZURE_RESGRP.
#   AZURE_SCOPE=group: deploy/app.bicep goes into the existing group AZURE_RESGRP.
#   AZURE_HOSTING_PLAN: dedicated (default), flex or managed; AZURE_PUBSUB_SKU and AZURE_PUBSUB_UNITS.
STEP=deploy-infra
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

need_settings
case "${AZURE_HOSTING_PLAN:-dedicated}" in
  managed | flex | dedicated) ;;
  *) fail "AZURE_HOSTING_PLAN='$AZURE_HOSTING_PLAN' must be 'dedicated' (the default), 'flex' or 'managed' (see deploy/readme.md, \"Hosting plans\")" ;;
esac
case "${AZURE_PUBSUB_SKU:-Free_F1}" in
  Free_F1 | Standard_S1 | Premium_P1) ;;
  *) fail "AZURE_PUBSUB_SKU='$AZURE_PUBSUB_SKU' must be Free_F1, Standard_S1 or Premium_P1" ;;
esac
case "${AZURE_PUBSUB_UNITS:-1}" in
  1 | 2 | 5 | 10 | 20 | 50 | 100) ;;
  *) fail "AZURE_PUBSUB_UNITS='$AZURE_PUBSUB_UNITS' must be 1, 2, 5, 10, 20, 50 or 100 (Web PubSub's unit counts)" ;;
esac
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
  existing_site="$(deployment_output staticWebAppName)" || existing_site=""
  existing_group="$(deployment_output resourceGroupName)" || existing_group=""
  if [[ -n "$existing_app" && -n "$existing_group" ]]; then
    guest_key="$(az functionapp config appsettings list --resource-group "$existing_group" --name "$existing_app" \
      --query "[?name=='GUEST_SIGNING_KEY'].value | [0]" --output tsv 2>/dev/null)" || guest_key=""
    [[ -n "$guest_key" ]] && say "Keeping the guest signing key of $existing_app"
  elif [[ -n "$existing_site" && -n "$existing_group" ]]; then # the managed plan keeps it in the site's settings
    guest_key="$(az staticwebapp appsettings list --resource-group "$existing_group" --name "$existing_site" \
      --query "properties.GUEST_SIGNING_KEY" --output tsv 2>/dev/null)" || guest_key=""
    [[ -n "$guest_key" ]] && say "Keeping the guest signing key of $existing_site"
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
    "hostingPlan": env.get("AZURE_HOSTING_PLAN") or "dedicated",
    "pubsubSku": env.get("AZURE_PUBSUB_SKU") or "Free_F1",
    "pubsubUnits": int(env.get("AZURE_PUBSUB_UNITS") or 1),
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

say "Deploying Chatr (prefix $AZURE_PREFIX, hosting plan ${AZURE_HOSTING_PLAN:-dedicated}, Web PubSub ${AZURE_PUBSUB_SKU:-Free_F1}) to resource group $AZURE_RESGRP in $AZURE_REGION; this takes a few minutes"
if [[ "$scope" == group ]]; then
  az deployment group create --resource-group "$AZURE_RESGRP" --name "$AZURE_DEPLOYMENT" \
    --template-file deploy/app.bicep --parameters "@$params" --output none
else
  az deployment sub create --name "$AZURE_DEPLOYMENT" --location "$AZURE_REGION" \
    --template-file deploy/main.bicep --parameters "@$params" --output none
fi

# A tenant's Azure Policy may have turned Web PubSub's access keys off (deny or modify effect): then no
# event can be signed and the app refuses every one. Read the setting back and stop if it happened.
pubsub_id="$(need_output pubsubId)"
local_auth_disabled="$(az resource show --ids "$pubsub_id" --query properties.disableLocalAuth --output tsv)" ||
  fail "could not read Web PubSub's disableLocalAuth back ($pubsub_id): check your access to it, then run 'make deploy-infra' again"
if [[ "${local_auth_disabled,,}" == true ]]; then
  fail "Web PubSub $(basename "$pubsub_id") has local authentication disabled (disableLocalAuth is true) although the template keeps it on: an Azure Policy such as \"Web PubSub should disable local authentication\" (deny or modify effect) most likely turned it off. Without its access keys Web PubSub cannot sign events and the app refuses every one (401). Ask your administrator for a policy exemption for this resource, then run 'make deploy-infra' again (see deploy/readme.md, \"Policies that turn keys off\")"
fi

bash deploy/link.sh

app_url="$(need_output appUrl)"
say "Infrastructure ready. The app will answer at $app_url once 'make deploy-api deploy-client' has run."
