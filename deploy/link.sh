#!/usr/bin/env bash
# `make deploy-link` (also the last part of `make deploy-infra`): link the Function App to the Static
# Web App, so the site proxies /api/* to it and sets up the App Service authentication that makes the
# site's x-ms-client-principal believable. Done here rather than in the Bicep because creating the
# link fails in known ways a template cannot handle (deploy/readme.md, "The link"):
#   - it answers 500 on newly created sites for a while (Azure/azure-cli#30860): retried, with pauses;
#   - a second deploy fails when a link exists under another name or to another backend
#     (Azure/static-web-apps#576, #1049): so look first, leave a correct link alone, replace a wrong one;
#   - if the linkedBackends API keeps failing, `az staticwebapp functions link --force` is tried.
# The hosting plan `managed` runs the API inside the site: nothing to link.
STEP="${STEP:-deploy-link}"
# shellcheck source=deploy/lib.sh
source "$(dirname "$0")/lib.sh"

need_settings
need_az

plan="$(deployment_output hostingPlan)" || plan=""
if [[ "$plan" == managed ]]; then
  say "Hosting plan managed: the API runs inside the Static Web App, there is nothing to link"
  exit 0
fi
group="$(need_output resourceGroupName)"
site="$(need_output staticWebAppName)"
site_id="$(need_output staticWebAppId)"
app="$(need_output functionAppName)"
app_id="$(need_output functionAppId)"
region="$(need_output functionAppLocation)"
api_version="api-version=2024-04-01"

# Every link the site has, one `name<TAB>backend resource id` a line, from both APIs that make them.
links() {
  az rest --method get --url "$site_id/linkedBackends?$api_version" \
    --query "value[].[name, properties.backendResourceId]" --output tsv 2>/dev/null || true
  az staticwebapp functions show --name "$site" --resource-group "$group" \
    --query "[].[name, functionAppResourceId || properties.functionAppResourceId]" --output tsv 2>/dev/null | sed '/./s/^/functions:/' || true
}

correct=""
wrong=()
while IFS=$'\t' read -r name backend; do
  [[ -n "$name" && -n "$backend" ]] || continue # an empty answer, not a link
  if [[ "${backend,,}" == "${app_id,,}" ]]; then
    correct="$name"
  else
    wrong+=("$name"$'\t'"$backend")
  fi
done < <(links)

if [[ -n "$correct" && ${#wrong[@]} -eq 0 ]]; then
  say "Static Web App $site is already linked to $app: leaving the link as it is"
  exit 0
fi

for entry in "${wrong[@]}"; do
  name="${entry%%$'\t'*}"
  backend="${entry#*$'\t'}"
  say "Static Web App $site is linked to another backend ($backend): removing that link"
  if [[ "$name" == functions:* ]]; then
    az staticwebapp functions unlink --name "$site" --resource-group "$group" --output none ||
      say "Could not remove it now; the forced link below replaces it"
  else
    az rest --method delete --url "$site_id/linkedBackends/$name?$api_version" --output none ||
      say "Could not remove it now; the forced link below replaces it"
  fi
done

# New sites answer 500 for a while: try again after 15 s, 30 s, 1 min, 2 min (LINK_RETRY_SECONDS scales them).
base="${LINK_RETRY_SECONDS:-15}"
pauses=(1 2 4 8)
attempts=$((${#pauses[@]} + 1))
body="{\"properties\": {\"backendResourceId\": \"$app_id\", \"region\": \"$region\"}}"
say "Linking Function App $app to Static Web App $site"
for attempt in $(seq 1 "$attempts"); do
  if az rest --method put --url "$site_id/linkedBackends/backend?$api_version" --body "$body" --output none; then
    say "Linked: the site proxies /api/* to $app"
    exit 0
  fi
  if ((attempt < attempts)); then
    pause=$((base * pauses[attempt - 1]))
    say "Link refused (attempt $attempt of $attempts): new sites refuse links for a while (Azure/azure-cli#30860); retrying in ${pause} s"
    sleep "$pause"
  fi
done

say "The linkedBackends API kept refusing; trying 'az staticwebapp functions link --force'"
if az staticwebapp functions link --name "$site" --resource-group "$group" --function-resource-id "$app_id" \
  --force --output none; then
  say "Linked: the site proxies /api/* to $app"
  exit 0
fi
fail "could not link Function App $app to Static Web App $site (the messages above say what Azure answered). Everything else is deployed. Run 'make deploy-link' again in a few minutes; or in the Azure portal open Static Web App $site, APIs, Production, Link, and pick Function App $app. Then run 'make verify-deploy' (see deploy/readme.md, \"The link\")"
