# Two commands on a fresh machine: `make synth` and `make test`. `make` alone lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed
# The pinned Node 22 from package.json comes first, so neither the cdk CLI nor jsii runs on the
# machine's end-of-life Node.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
# Keep jsii's extracted-package cache in the checkout so repeated synths skip the extraction.
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.cache/jsii
# The app runs as `python -O` (cdk.json) so jsii skips its runtime type checks (mypy --strict
# checks the same types statically); let Python cache that bytecode even where the machine
# sets PYTHONDONTWRITEBYTECODE, or every synth recompiles the CDK's modules.
export PYTHONDONTWRITEBYTECODE :=
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1

TYPED := app.py stacks packages/serverless-api-constructs/src packages/serverless-api-constructs/tests packages/cdk-local-gateway/src packages/pydynamodel/src lambda tests bench tools
# One worker more than the two cores: much of the suite waits (loopback servers, timeouts, the
# local runtime's workers), and a third worker fills those waits (warm, paired runs: 2 -> 3
# workers 110-115 s -> 97-107 s; 4 workers were slower again, each starting its own servers).
PYTEST_WORKERS ?= 3

.PHONY: help install synth synth-cached test lint typecheck cfn-lint cfn-lint-cached unit unit-cdk unit-runtime fuzz snapshot-update bench clean local local-token diagram openapi-page

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP_PY): requirements.txt requirements-dev.txt packages/serverless-api-constructs/pyproject.toml packages/cdk-local-gateway/pyproject.toml packages/pydynamodel/pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP_PY) $(STAMP_NPM) ## Create .venv and node_modules (only what is missing or changed)

# -- Content-keyed steps -------------------------------------------------------------------------
# A step's key (.ci/content_key.py: the path and bytes of every input file, plus with --env the
# Python version and every installed distribution) is stored in .cache/<step>.passed only after
# the step passed, and removed before it runs; `make test` reruns a step whenever its key
# differs, so a cache never hides a failure.
KEY := $(PY) .ci/content_key.py
SYNTH_INPUTS := app.py cdk.json package.json package-lock.json stacks lambda packages/serverless-api-constructs/src packages/pydynamodel/src
SYNTH_STAMP := .cache/synth.passed
CFN_LINT_STAMP := .cache/cfn-lint.passed
CFN_LINT_INPUTS = .cfnlintrc.yaml $$(find cdk.out -name '*.template.json' | sort)

synth: install ## Synthesize every stage into cdk.out (cdk-nag runs on every synth)
	@mkdir -p .cache && rm -f $(SYNTH_STAMP)
	inputs=$$($(KEY) --env $(SYNTH_INPUTS)); \
	cdk synth --quiet --no-notices; \
	echo "$$inputs $$($(KEY) cdk.out)" > $(SYNTH_STAMP)

# `make test`'s synth: reuses cdk.out when a passing synth (cdk-nag on) of exactly these inputs
# wrote it and it is unchanged since (both hashes in the stamp); otherwise synthesizes.
synth-cached: install
	@inputs=$$($(KEY) --env $(SYNTH_INPUTS)); \
	if [ -f cdk.out/manifest.json ] && [ "$$(cat $(SYNTH_STAMP) 2>/dev/null)" = "$$inputs $$($(KEY) cdk.out)" ]; then \
	  echo "synth: cdk.out is a passing synth (cdk-nag on) of these inputs, reused (key $${inputs:0:12})"; \
	else $(MAKE) --no-print-directory synth; fi

lint: install ## ruff lint and format check
	ruff check .
	ruff format --check .

# pydynamodel's tests import their helpers as top-level modules (`pydynamodel_testkit`, as
# pytest's default import mode puts their folder on sys.path), so mypy checks them in a run of
# their own with that folder as base: in the main run they would be packages.pydynamodel.tests.*,
# and with the folder on mypy_path their `conftest` would clash with the construct package's.
# Their own cache directory keeps both runs incremental. The local gateway's tests likewise
# (`gateway_testkit` from their folder, `ws_harness` and `ws_template` from websocket/).
typecheck: install ## mypy --strict over the app, stacks, packages, Lambda code and the tests
	mypy $(TYPED)
	MYPYPATH=packages/pydynamodel/tests mypy --cache-dir .mypy_cache/pydynamodel-tests packages/pydynamodel/tests
	MYPYPATH=packages/cdk-local-gateway/tests:packages/cdk-local-gateway/tests/websocket mypy --cache-dir .mypy_cache/cdk-local-gateway-tests packages/cdk-local-gateway/tests

cfn-lint: synth ## cfn-lint over every template in cdk.out
	cfn-lint --config-file .cfnlintrc.yaml

# `make test`'s cfn-lint: skipped when it passed on exactly these templates, config and versions.
cfn-lint-cached: synth-cached
	@key=$$($(KEY) --env $(CFN_LINT_INPUTS)); \
	if [ "$$(cat $(CFN_LINT_STAMP) 2>/dev/null)" = "$$key" ]; then \
	  echo "cfn-lint: passed on these exact templates before (key $${key:0:12})"; \
	else rm -f $(CFN_LINT_STAMP); cfn-lint --config-file .cfnlintrc.yaml; echo "$$key" > $(CFN_LINT_STAMP); fi

# A package's suite that passed on exactly its current inputs is not run again
# (tools/suite_cache.py); a plain `pytest` runs everything.
#
# The tests that load the CDK (template assertions, synths, cdk-nag, the construct package) run
# in one process of their own beside the xdist workers of the rest: an xdist worker imports
# every test module it might run, and one that imports the CDK also starts a jsii kernel
# (about 3 s of CPU), which the workers of the runtime tests never use. Any other folder of
# tests/ runs with the runtime tests.
CDK_TESTS := tests/infra tests/contract tests/docs packages/serverless-api-constructs/tests bench/test_lambda_assets.py bench/test_budget.py
RUNTIME_TESTS := tests packages/cdk-local-gateway/tests packages/pydynamodel/tests
RUNTIME_IGNORE := $(addprefix --ignore=,$(filter tests/%,$(CDK_TESTS)))
unit: install ## pytest (template assertions, snapshots, handler tests, the local gateway's own and end-to-end suites)
	$(MAKE) --no-print-directory -j2 --output-sync=target unit-cdk unit-runtime

unit-cdk:
	SUITE_CACHE=1 pytest -q -p tools.suite_cache -n 0 $(CDK_TESTS)

unit-runtime:
	SUITE_CACHE=1 pytest -q -p tools.suite_cache -n $(PYTEST_WORKERS) --dist loadgroup $(RUNTIME_IGNORE) $(RUNTIME_TESTS)

# The property tests at FUZZ_DEPTH times their stated example counts (40 times what `make test`
# runs, which is a quarter of each: tests/fuzz.py), on fresh random inputs: run on demand,
# before a release and after touching a parser.
FUZZ_DEPTH ?= 10
fuzz: install ## The hypothesis property tests, FUZZ_DEPTH (10) x their stated counts (make test: 1/4)
	FUZZ_DEPTH=$(FUZZ_DEPTH) pytest -q -n $(PYTEST_WORKERS) -p no:randomly $$(grep -rl --include='test_*.py' fuzz_examples tests packages/*/tests)

# The static checks share the two cores (mypy's cold start overlaps synth), then the tests run:
# the end-to-end suite reads the cdk.out that synth has just written.
test: install ## Every check: lint, types, synth + cdk-nag, cfn-lint, tests
	@mkdir -p .cache && rm -f .cache/make-test.passed
	$(MAKE) --no-print-directory -j2 lint typecheck cfn-lint-cached
	$(MAKE) --no-print-directory unit
	@touch .cache/make-test.passed

snapshot-update: install ## Re-record the template snapshots after an intended infrastructure change
	pytest -q tests/infra --snapshot-update

# -- Local runtime (packages/cdk-local-gateway): the synthesized APIs on this machine ----------
STAGE ?= Dev
# The stage's primary region from cdk.json (stages are keyed in lower case there).
REGION ?= $(shell python3 -c "import json,sys; s=json.load(open('cdk.json'))['context']['stages']; print(s['$(STAGE)'.lower()]['primary_region'])" 2>/dev/null)
KIND ?= cognito
CDK_SOURCES := app.py cdk.json $(shell find stacks lambda packages/serverless-api-constructs/src packages/pydynamodel/src -name '*.py' -not -path '*/__pycache__/*' 2>/dev/null)
# Which secret signs the app's own tokens, and the claims its authorizer checks
# (lambda/domain/settings.py): the package knows none of this.
APP_TOKEN := --kind hs256 --secret TokenSecret --json-key signing_key --claim iss=rooms-service --claim aud=rooms-api

cdk.out/manifest.json: $(CDK_SOURCES) | install
	$(MAKE) --no-print-directory synth

# REGIONS="eu-west-1 us-east-1" serves several regions of the stage at once (replicated tables);
# OUTAGES=1 lets a region be taken down and back (docs/local.md).
local: install cdk.out/manifest.json ## Serve STAGE (default Dev) in REGION (its primary) or REGIONS; Ctrl-C stops
	cdk-local-gateway serve --cdk-out cdk.out --stage $(STAGE) $(if $(REGIONS),$(foreach r,$(REGIONS),--region $(r)),--region $(REGION)) $(if $(OUTAGES),--region-outages)

local-token: ## Print a token for USER=<name> KIND=cognito|app from the running `make local`
	@cdk-local-gateway token --user $(USER) $(if $(filter app,$(KIND)),$(APP_TOKEN),--kind cognito)

bench: install ## Benchmarks: synth vs an empty CDK app, make test time, library and handler budgets
	$(PY) bench/run_all.py

# The picture is committed; tests/docs/test_diagram.py fails when the assembly draws another one.
diagram: synth-cached ## Redraw docs/images/architecture.png (+ .dot) from cdk.out with cdk-dia; needs Graphviz
	@command -v dot >/dev/null 2>&1 || { echo "make diagram needs Graphviz's dot: sudo apt-get install -y graphviz (Debian/Ubuntu) or brew install graphviz (macOS)" >&2; exit 1; }
	$(PY) tools/diagram.py --cdk-out cdk.out

openapi-page: install ## Re-render docs/rest-api-openapi.md from the API contract (a test fails when it is stale)
	$(PY) tools/render_openapi.py

clean: ## Remove build outputs (cdk.out, caches); keeps .venv and node_modules
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache .hypothesis .cache packages/serverless-api-constructs/.cache
