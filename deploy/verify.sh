#!/usr/bin/env bash
# `make verify-deploy`: run deploy/verify.py's five checks against the deployment's outputs (the site,
# the Function App's own address, Web PubSub), or with VERIFY_TARGET=local against `make run`'s stack.
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
function_app="$(need_output functionAppUrl)"
pubsub="$(need_output pubsubEndpoint)"
say "Checking the deployment $AZURE_DEPLOYMENT"
exec "${verify_command[@]}" --site "$site" --function-app "$function_app" --pubsub-endpoint "$pubsub"
