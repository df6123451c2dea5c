#!/usr/bin/env bash
# `make tunnel`: forward the events of a real Web PubSub hub to the local Functions adapter with
# Microsoft's tunnel tool (npm package @azure/web-pubsub-tunnel-tool, command awps-tunnel, run
# through npx on demand). The hub's event handler must be `tunnel:///api/eventHandler`: deploy with
# AZURE_DEV_HUB=<hub> to get one. Run it beside `make run`; see "Running against real Azure
# services" in the README.
STEP=tunnel
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

AWPS_TUNNEL="${AWPS_TUNNEL:-npx --yes @azure/web-pubsub-tunnel-tool}"
read -r -a tunnel_command <<<"$AWPS_TUNNEL"
need_command "${tunnel_command[0]}" \
  "'${tunnel_command[0]}' is not installed: the tunnel tool runs with Node 20+ (npx), or set AWPS_TUNNEL to an installed awps-tunnel"
target=()
if [[ -n "${PUBSUB_CONNECTION_STRING:-}" ]]; then
  # An instance with access keys: the tunnel tool reads the connection string from its environment.
  export WebPubSubConnectionString="$PUBSUB_CONNECTION_STRING"
else
  need_az # with an endpoint the tunnel tool signs in to Web PubSub as you (Azure CLI credential)
  endpoint="${PUBSUB_ENDPOINT:-}"
  if [[ -z "$endpoint" && -n "${AZURE_DEPLOYMENT:-}" ]]; then
    endpoint="$(deployment_output pubsubEndpoint)" || endpoint=""
  fi
  [[ -n "$endpoint" ]] ||
    fail "PUBSUB_ENDPOINT is not set: set it to https://<name>.webpubsub.azure.com (or PUBSUB_CONNECTION_STRING for an instance with keys)"
  target=(-e "$endpoint")
fi

hub="${PUBSUB_HUB:-${AZURE_DEV_HUB:-}}"
[[ -n "$hub" ]] ||
  fail "PUBSUB_HUB is not set: name the hub whose event handler is tunnel:///api/eventHandler (deploy with AZURE_DEV_HUB=<hub> to create one)"

upstream="http://127.0.0.1:${FUNCTIONS_PORT:-7071}"
say "Forwarding events of hub '$hub' to $upstream (Ctrl-C stops)"
exec "${tunnel_command[@]}" run --hub "$hub" "${target[@]}" -u "$upstream"
