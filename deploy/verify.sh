#!/usr/bin/env bash
# `make verify-deploy`: run deploy/verify.py's seven checks against the deployment's outputs (the site,
# the Function App's own address, Web PubSub) and what Azure says of them (the Function App's
# authentication settings, Web PubSub's tier and keys), or with VERIFY_TARGET=local against `make run`'s
# stack. VERIFY_RETRY_SECONDS (600) is how long checks through the site wait out 5xx and 404.
STEP=verify-deploy
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

read -r -a verify_command <<<"${VERIFY:-.venv/bin/python deploy/verify.py}"
need_command "${verify_command[0]}" "'${verify_command[0]}' is missing: run 'make setup' (the checks need the project's Python environment)"

if [[ "${VERIFY_TARGET:-azure}" == local ]]; then
  say "Checking make run's stack (SWA_PORT=${SWA_PORT:-4280}, FUNCTIONS_PORT=${FUNCTIONS_PORT:-7071}, PUBSUB_PORT=${PUBSUB_PORT:-8080})"
  exec "${verify_command[@]}" --local
fi
[[ "${VERIFY_TARGET:-azure}" == azure ]] || fail "VERIFY_TARGET='$VERIFY_TARGET' must be 'azure' (the deployment) or 'local' (make run's stack)"

need_settings
need_az
site="$(need_output appUrl)"
pubsub="$(need_output pubsubEndpoint)"
pubsub_id="$(need_output pubsubId)"
plan="$(need_output hostingPlan)"
function_app=""
auth_settings=null
if [[ "$plan" != managed ]]; then
  function_app="$(need_output functionAppUrl)"
  app_id="$(need_output functionAppId)"
  auth_settings="$(az rest --method get --url "$app_id/config/authsettingsV2?api-version=2024-04-01" \
    --query properties --output json)" ||
    fail "could not read the authentication settings of $app_id (you need Reader on it)"
fi
pubsub_facts="$(az resource show --ids "$pubsub_id" \
  --query "{sku: sku.name, capacity: sku.capacity, disableLocalAuth: properties.disableLocalAuth}" --output json)" ||
  fail "could not read Web PubSub $pubsub_id (you need Reader on it)"

facts="$(mktemp "${TMPDIR:-/tmp}/chatr-facts.XXXXXX")"
trap 'rm -f "$facts"' EXIT
printf '{"plan": "%s", "authSettings": %s, "pubsub": %s}\n' "$plan" "$auth_settings" "$pubsub_facts" >"$facts"

retry=()
[[ -n "${VERIFY_RETRY_SECONDS:-}" ]] && retry=(--retry-for "$VERIFY_RETRY_SECONDS")
say "Checking the deployment $AZURE_DEPLOYMENT (hosting plan $plan)"
"${verify_command[@]}" --site "$site" --function-app "$function_app" --pubsub-endpoint "$pubsub" \
  --azure-facts "$facts" "${retry[@]}"
