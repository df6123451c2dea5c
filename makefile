# Chatr: `make run` starts the whole app offline, `make test` runs every test. `make` lists the rest.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
VENDOR_STAMP := client/vendor/.installed
TEMPLATES := client/vendor/templates/index.js
BROWSER_STAMP := $(VENV)/.browser
PYTEST_ARGS ?=
# test files run side by side on this many processes (each its own stack); 0 runs them in this one
TEST_WORKERS ?= 2

.PHONY: help setup run test lint lint-fix bench soak cleanup clean package deploy deploy-infra deploy-link deploy-api deploy-client verify-deploy tunnel

help: ## Show this list
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

# ---- setup: file-based, so a second run installs nothing -------------------------------------

$(VENV_STAMP): requirements.txt requirements-dev.txt webpubsub-emulator/pyproject.toml
	@echo "Setting up the Python environment in $(VENV)"
	$(PYTHON) -m venv --clear $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "Installing Node packages (Azurite, SWA CLI, ESLint, client libraries)"
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR_STAMP): $(NODE_STAMP)
	@echo "Copying the client's browser libraries into client/vendor"
	rm -rf client/vendor && mkdir -p client/vendor/fontawesome/css
	cp node_modules/vue/dist/vue.runtime.esm-browser.prod.js client/vendor/vue.esm-browser.js
	cp node_modules/bulma/css/bulma.min.css client/vendor/bulma.min.css
	cp node_modules/animate.css/animate.min.css client/vendor/animate.min.css
	cp node_modules/bulma-toast/dist/bulma-toast.esm.js client/vendor/bulma-toast.esm.js
	cp node_modules/@fortawesome/fontawesome-free/css/all.min.css client/vendor/fontawesome/css/all.min.css
	cp -r node_modules/@fortawesome/fontawesome-free/webfonts client/vendor/fontawesome/webfonts
	@touch $@

# every component's template compiled to a render function: the browser needs no 'unsafe-eval'
$(TEMPLATES): $(VENDOR_STAMP) tools/compile-templates.mjs $(wildcard client/js/components/*.js)
	node tools/compile-templates.mjs client

$(BROWSER_STAMP): $(VENV_STAMP)
	$(PY) -m local.browser --install
	@touch $@

setup: $(VENV_STAMP) $(NODE_STAMP) $(VENDOR_STAMP) $(TEMPLATES) ## Install what is missing (venv, npm packages, vendored client files, compiled templates)

# ---- the two commands ------------------------------------------------------------------------

run: setup ## Start Azurite, the Web PubSub emulator, the Functions adapter and the SWA CLI on http://localhost:4280
	$(PY) -m local.stack

test: setup $(BROWSER_STAMP) ## Run every test (installs Chromium where it can): the client's logic in Node, then pytest
	node --test --test-reporter=dot tests/client/model/ tests/client/services/
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# ---- quality ---------------------------------------------------------------------------------

lint: $(VENV_STAMP) $(NODE_STAMP) ## Ruff and mypy for Python (--strict but for the tests and bench/), ESLint for the client and its tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy api function_app.py local webpubsub-emulator/src
	$(VENV)/bin/mypy bench tests webpubsub-emulator/tests
	node_modules/.bin/eslint client tests tools

lint-fix: $(VENV_STAMP) $(NODE_STAMP) ## Fix what the linters can fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	node_modules/.bin/eslint --fix client tests tools

bench: setup $(BROWSER_STAMP) ## Run the benchmarks and print the results table
	$(PY) -m bench

HOURS ?= 24
cleanup: setup ## Remove users offline and empty chats created over HOURS (24) ago; `make run`'s stack unless STORAGE_*/PUBSUB_* are set
	$(PY) -m local.cleanup --hours $(HOURS)

soak: setup $(BROWSER_STAMP) ## Long reliability runs (minutes): the fuzzers with many more examples, more rounds, minutes of chat
	CHATR_SOAK=1 $(PY) -m pytest tests/reliability $(PYTEST_ARGS)

clean: ## Remove the venv, node_modules, vendored files and local data
	rm -rf $(VENV) node_modules client/vendor .data .artifacts dist .pytest_cache .ruff_cache .mypy_cache

# ---- Azure: your own deployment (deploy/readme.md). Every name below can be overridden -------

AZURE_PREFIX ?= chatr
AZURE_RESGRP ?= $(AZURE_PREFIX)-rg
AZURE_REGION ?= westeurope
AZURE_SCOPE ?= subscription
AZURE_DEPLOYMENT ?= $(AZURE_PREFIX)-infra
AZURE_HOSTING_PLAN ?= dedicated
AZURE_PUBSUB_SKU ?= Free_F1
AZURE_PUBSUB_UNITS ?= 1
AZURE_DEV_HUB ?=
AZURE_DEVELOPER_ID ?=
AZURE_WEBHOOK_AUDIENCE ?=
PACKAGE ?= dist/chatr-api.zip
SWA ?= node_modules/.bin/swa
AWPS_TUNNEL ?= npx --yes @azure/web-pubsub-tunnel-tool
VERIFY ?= $(PY) deploy/verify.py
VERIFY_TARGET ?= azure
export AZURE_PREFIX AZURE_RESGRP AZURE_REGION AZURE_SCOPE AZURE_DEPLOYMENT AZURE_HOSTING_PLAN AZURE_PUBSUB_SKU
export AZURE_PUBSUB_UNITS AZURE_DEV_HUB
export AZURE_DEVELOPER_ID AZURE_WEBHOOK_AUDIENCE PACKAGE SWA AWPS_TUNNEL VERIFY VERIFY_TARGET

package: ## Build the Functions app zip (dist/chatr-api.zip): function_app.py, host.json, requirements.txt, api/
	$(PYTHON) deploy/package.py $(PACKAGE)

deploy: ## Deploy to Azure: deploy-infra, deploy-api, deploy-client, then verify-deploy, one after the other
	$(MAKE) --no-print-directory deploy-infra
	$(MAKE) --no-print-directory deploy-api
	$(MAKE) --no-print-directory deploy-client
	$(MAKE) --no-print-directory verify-deploy

deploy-infra: ## Create or update the Azure resources from deploy/main.bicep (az deployment), then link the API
	bash deploy/infra.sh

deploy-link: ## Link the Function App to the Static Web App (deploy-infra does it): look, fix, retry, fall back
	bash deploy/link.sh

deploy-api: package ## Zip-deploy the Functions app package to the Function App
	bash deploy/api.sh

deploy-client: $(VENDOR_STAMP) $(TEMPLATES) package ## Upload client/ and staticwebapp.config.json (with the API on the managed plan) to the Static Web App
	bash deploy/client.sh

verify-deploy: ## Seven checks of the deployment, one line each (VERIFY_TARGET=local: make run's stack)
	bash deploy/verify.sh

tunnel: ## Forward a real Web PubSub hub's events to the local Functions adapter (awps-tunnel via npx)
	bash deploy/tunnel.sh
