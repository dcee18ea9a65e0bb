# The two commands a newcomer needs: `make run` (local stack) and `make test` (every suite).
# Each target installs what it needs from the project's own files: nothing is assumed installed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Lambda runtime is python3.13; use the same interpreter locally when the machine has it.
PYTHON ?= $(shell PYENV_VERSION=3.13.0 pyenv which python 2>/dev/null || command -v python3.13 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
PORT ?= 3000
BACKEND ?= moto
export SAM_CLI_TELEMETRY := 0

.PHONY: help run check test bench invoke import simulate audit rebuild-books rebuild-impact lint format typecheck openapi tools console widget browser clean

help:
	@echo "make run      start the local stack on http://127.0.0.1:$(PORT) (BACKEND=moto|dynamodb-local)"
	@echo "make check    the inner loop (under 3 minutes): make lint + every test needing no DynamoDB Local, browser, stack or SAM"
	@echo "make test     run every test suite (moto, DynamoDB Local, template checks)"
	@echo "make bench    measure the design's numbers on DynamoDB Local (<= 15 min); writes bench/results.json and the docs' run"
	@echo "make invoke   FUNCTION=<LogicalId> EVENT=<file> against the running local stack"
	@echo "make import FILE=<members.jsonl>  bulk-import a JSON lines file into the running local stack (LOYALTY_ADMIN_KEY)"
	@echo "make simulate PROGRAM=<program.json> ORDERS=<orders.jsonl|shopify.csv> [CURRENT=<program.json>] [OUT=<file>]  what-if: the orders replayed under the stack's (or CURRENT's) program and the proposed one"
	@echo "make audit    check every balance, lot, ledger and stock of the running local stack (exit 1 on problems)"
	@echo "make rebuild-books  put the accounting day items back from the ledger (ARGS=\"--table NAME\" for a deployed table)"
	@echo "make rebuild-impact put the impact aggregates back from the members and orders (ARGS=\"--table NAME\" for a deployed table)"
	@echo "make lint     ruff + mypy (strict on the layer) + import-linter (the layer's arrows) + Biome (the console's and the widget's JS)"
	@echo "make format   format the Python (ruff) and the console (Biome) in place"
	@echo "make openapi  regenerate docs/openapi.json from the resolvers"
	@echo "make console  build the admin console into build/console (CONSOLE_API_BASE=https://... for a deployed API), and the widget"
	@echo "make widget   build the shoppers' widget <loyalty-panel> into build/widget/loyalty.js"

$(VENV)/.installed: requirements-dev.txt layers/core/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# SAM CLI and checkov pin libraries that clash with ours, so each lives in its own virtualenv.
$(TOOLS)/sam/.installed:
	$(PYTHON) -m venv $(TOOLS)/sam
	$(TOOLS)/sam/bin/pip install --quiet aws-sam-cli==1.170.0
	touch $@

$(TOOLS)/checkov/.installed:
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet checkov==3.3.30
	touch $@

tools: $(TOOLS)/sam/.installed $(TOOLS)/checkov/.installed

# The admin console: its sources plus Chart.js vendored from node_modules (no CDN at run time). The widget
# is deployed beside it (the same bucket, under widget/), so both are built together.
console: node_modules/.installed widget
	node console/build.mjs

# The shoppers' widget: widget/src bundled by esbuild (pinned in package.json) into build/widget/loyalty.js.
widget: node_modules/.installed
	node widget/build.mjs

# The browser tests drive Debian's chromium (never `playwright install`, which downloads its own build).
# Installed through apt when missing: non-interactive, so it works in CI and with no terminal.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

run: $(VENV)/.installed node_modules/.installed console
	PORT=$(PORT) BACKEND=$(BACKEND) $(PY) -m local.stack

# The inner loop: the linters, then every test that runs in this process on moto (no DynamoDB Local, no
# browser, no subprocess stack, no SAM/checkov): tests/conftest.py marks what each test needs. Two workers.
CHECK_TESTS := not (dynamodb_local or stack or browser or tools or slow)
check: lint
	$(PY) -m pytest -n 2 -q -m "$(CHECK_TESTS)"

# Two workers or more (pytest-xdist; one DynamoDB Local JVM each): most tests wait on DynamoDB Local or
# a subprocess, so 2 cores serve two workers well. Worksteal: a worker out of tests takes half of the
# other's queue, and tests/conftest.py starts the longest first, so both end together.
test: $(VENV)/.installed node_modules/.installed tools console browser
	$(PY) -m pytest -n auto --maxprocesses 4 --dist worksteal

# The benchmark suite: prints the table (each phase's time as it ends), writes bench/results.json and the
# run into docs/performance.md and the README (at most 15 minutes on 2 cores: see docs/performance.md).
# It builds the layer with the SAM CLI (sam build CoreLayer) to measure it as deployed.
bench: $(VENV)/.installed node_modules/.installed $(TOOLS)/sam/.installed
	$(PY) -m bench

invoke: $(VENV)/.installed
	@test -n "$(FUNCTION)" || (echo "usage: make invoke FUNCTION=<LogicalId> EVENT=<file>" && exit 2)
	@$(PY) -m local.invoke $(FUNCTION) $(EVENT)

# Uploads, triggers and follows a bulk import on the running local stack (its admin key: LOYALTY_ADMIN_KEY).
import: $(VENV)/.installed
	@test -n "$(FILE)" || (echo "usage: make import FILE=members.jsonl" && exit 2)
	@$(PY) -m local.importer $(FILE)

# Reads the whole table (the one Scan in the code base): for the local stack, never a deployed one.
# The what-if simulator: pure replay in this process (loyalty.services.simulation); the current program is
# CURRENT, else the running local stack's (LOYALTY_ADMIN_KEY). Writes OUT (default simulation.json).
simulate: $(VENV)/.installed
	@test -n "$(PROGRAM)" -a -n "$(ORDERS)" || (echo "usage: make simulate PROGRAM=program.json ORDERS=orders.jsonl|shopify.csv [CURRENT=program.json] [OUT=file]" && exit 2)
	@PYTHONPATH=layers/core:. $(PY) -m local.simulate $(PROGRAM) $(ORDERS) $(if $(CURRENT),--current $(CURRENT)) $(if $(OUT),--out $(OUT))

audit: $(VENV)/.installed
	@$(PY) -m local.audit

# The accounting day items put back from the ledger (the stream keeps 24 hours): on the running local
# stack, or on a deployed table with ARGS="--table NAME" (python -m local.rebuild_books --help).
rebuild-books: $(VENV)/.installed
	@$(PY) -m local.rebuild_books $(ARGS)

rebuild-impact: $(VENV)/.installed
	@$(PY) -m local.rebuild_impact $(ARGS)

# The Python first, then the console's and the widget's JavaScript and CSS (Biome, pinned in package.json: format + lint).
lint: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	PYTHONPATH=layers/core:. $(VENV)/bin/lint-imports --no-cache
	node_modules/.bin/biome ci .

# Rewrites what the linters' formatters would ask for: Python (ruff), the console and the widget (Biome).
format: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/ruff format .
	node_modules/.bin/biome check --write .

openapi: $(VENV)/.installed
	$(PY) -m local.openapi --write

clean:
	rm -rf $(VENV) $(TOOLS) node_modules .aws-sam
