# Shared by the deploy scripts: fail early with a message that says what to do, never a stack trace.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# The make target that runs the script, for messages: `make deploy-api: ...`.
STEP="${STEP:-$(basename "$0" .sh)}"

fail() {
  printf 'make %s: %s\n' "$STEP" "$*" >&2
  exit 1
}

say() {
  printf '==> %s\n' "$*"
}

need_command() { # name, what to do when it is missing
  command -v "$1" >/dev/null 2>&1 || fail "$2"
}

need_var() { # name, what it is
  [[ -n "${!1:-}" ]] || fail "$1 is not set: $2"
}

need_az() {
  need_command az "the Azure CLI ('az') is not installed: see https://learn.microsoft.com/cli/azure/install-azure-cli"
  az account show --output none >/dev/null 2>&1 ||
    fail "the Azure CLI is not logged in: run 'az login', then 'az account set --subscription <id>' to pick the subscription"
}

need_settings() {
  need_var AZURE_PREFIX "the name prefix of the resources (make sets chatr unless you override it)"
  need_var AZURE_RESGRP "the resource group (default: \$AZURE_PREFIX-rg)"
  need_var AZURE_REGION "the Azure region, e.g. westeurope"
  need_var AZURE_DEPLOYMENT "the name of the infrastructure deployment (default: \$AZURE_PREFIX-infra)"
  [[ "$AZURE_PREFIX" =~ ^[a-z][a-z0-9-]{1,12}$ ]] ||
    fail "AZURE_PREFIX='$AZURE_PREFIX' must be 2-13 lower-case letters, digits or hyphens, starting with a letter"
  case "${AZURE_SCOPE:-subscription}" in
    subscription | group) ;;
    *) fail "AZURE_SCOPE='$AZURE_SCOPE' must be 'subscription' (create the resource group) or 'group' (use an existing one)" ;;
  esac
}

# One output of the infrastructure deployment (deploy/main.bicep or deploy/app.bicep), or nothing.
deployment_output() {
  if [[ "${AZURE_SCOPE:-subscription}" == group ]]; then
    az deployment group show --resource-group "$AZURE_RESGRP" --name "$AZURE_DEPLOYMENT" \
      --query "properties.outputs.$1.value" --output tsv 2>/dev/null
  else
    az deployment sub show --name "$AZURE_DEPLOYMENT" \
      --query "properties.outputs.$1.value" --output tsv 2>/dev/null
  fi
}

# Like deployment_output, but the value must be there.
need_output() {
  local value
  value="$(deployment_output "$1")" || value=""
  [[ -n "$value" ]] ||
    fail "no '$1' in the outputs of deployment '$AZURE_DEPLOYMENT' (AZURE_SCOPE=${AZURE_SCOPE:-subscription}): run 'make deploy-infra' first, with the same AZURE_PREFIX / AZURE_DEPLOYMENT / AZURE_SCOPE"
  printf '%s' "$value"
}
