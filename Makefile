# The quick start is two commands: `make run` and `make test`. Both set up what they need.
# Prerequisites of every target: Python 3.11+ with its venv module (Debian: python3-venv), make, and PyPI reachable.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# run, serve and contract need only the runtime dependencies; the test, lint, fuzz and bench targets the dev extra.
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: run contract test lint typecheck unit catalogue fuzz fuzz-cli bench soak serve dist clean

CHROMIUM := /usr/bin/chromium
NODE := /usr/bin/node
FIREFOX := /usr/bin/firefox-esr
# apt-get as root, else through sudo (the browsers here, wrk for the bench)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
.PHONY: browser node

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "mockcc needs Python 3.11 or newer (PYTHON=python3.12 make ...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(RUNTIME) $(STAMP)

## run: the mock, the reference connector and one scripted conversation, printed as a transcript
run: $(RUNTIME)
	$(BIN)/python -m mockcc_contracts.demo $(ARGS)

## contract: the contract suite against the reference connector (ARGS: e.g. --only LP-AUTH --junit out.xml)
contract: $(RUNTIME)
	$(BIN)/mockcc contract --connector-cmd "$(abspath $(BIN))/python -m connector_ref" $(ARGS)

## serve: just the mock, on 127.0.0.1:8080
serve: $(RUNTIME)
	$(BIN)/python -m mockcc serve

## test: lint, types and every test (in parallel); also needs chromium, firefox-esr and node (installed by `browser`, `node`)
test: $(STAMP) lint typecheck browser node unit

## browser: Debian's chromium and firefox-esr for the console's browser tests; installed when missing (apt-get, as root or
## through sudo), else a loud failure
browser:
	@missing=""; test -x $(CHROMIUM) || missing="chromium"; test -x $(FIREFOX) || missing="$$missing firefox-esr"; \
	  test -z "$$missing" || { echo "installing$$missing (the console's browser tests need $(CHROMIUM) and $(FIREFOX))"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; } \
	  || { echo "ERROR: could not install$$missing; the console tests cannot run without it" >&2; exit 1; }
	@test -x $(CHROMIUM) || { echo "ERROR: $(CHROMIUM) is still missing after apt-get install chromium" >&2; exit 1; }
	@test -x $(FIREFOX) || { echo "ERROR: $(FIREFOX) is still missing after apt-get install firefox-esr" >&2; exit 1; }

## node: Debian's nodejs and npm (the contract test of examples/node-connector); installed when missing, else a loud failure
node:
	@test -x $(NODE) || { echo "installing nodejs and npm (the Node starter connector's contract test needs $(NODE))"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; } \
	  || { echo "ERROR: could not install nodejs and npm; the Node connector's contract test cannot run without them" >&2; exit 1; }
	@test -x $(NODE) || { echo "ERROR: $(NODE) is still missing after apt-get install nodejs" >&2; exit 1; }
	@$(NODE) -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' \
	  || { echo "ERROR: $(NODE) is $$($(NODE) --version); the Node connector needs Node 18 or later (fetch)" >&2; exit 1; }

# LivePerson's Node Agent SDK, both lines (tests/agent_sdk/package.json), into .agent-sdk/ (git-ignored): npm's 1.2.0,
# and the unpublished 1.4.11 vendored unmodified in tests/agent_sdk/vendor/ (installed as a copy, its dependencies
# from npm; vendor/README.md says why).
AGENT_SDK := .agent-sdk
AGENT_SDK_14 := tests/agent_sdk/vendor/node-agent-sdk-1.4.11
$(AGENT_SDK)/.installed: tests/agent_sdk/package.json $(shell find $(AGENT_SDK_14) -type f) | node
	rm -rf $(AGENT_SDK) && mkdir -p $(AGENT_SDK) && cp tests/agent_sdk/package.json $(AGENT_SDK)/package.json
	npm install --prefix $(AGENT_SDK) --install-links --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Most of the suite's time is live tests waiting on real servers and connectors, not CPU, so it runs on four
# workers (one file per worker: a file's live servers are module fixtures) on two cores. The schemathesis pass
# runs beside it in its own process (under xdist its generated cases collapse into one item); its output is
# printed after the unit tests', and either one failing fails the target.
FUZZ_LOG := $(VENV)/fuzz-pass.log
unit: $(STAMP) browser node $(AGENT_SDK)/.installed
	@$(BIN)/pytest -q -p no:xdist --timeout 600 tests/fuzz >$(FUZZ_LOG) 2>&1 & fuzz=$$!; \
	  trap 'kill $$fuzz 2>/dev/null' INT TERM; \
	  echo "unit tests on 4 workers; the schemathesis pass (tests/fuzz) beside them, its output after theirs"; \
	  $(BIN)/pytest -n 4 --dist loadfile -q --ignore=tests/fuzz; unit=$$?; \
	  wait $$fuzz; fuzzrc=$$?; echo "--- the schemathesis pass (tests/fuzz) ---"; cat $(FUZZ_LOG); \
	  test $$unit -eq 0 && test $$fuzzrc -eq 0

## catalogue: every broken connector of docs/contracts-matrix.md against the suite (make test runs the core ones)
catalogue: $(STAMP)
	MOCKCC_CATALOGUE=all $(BIN)/pytest -q -p no:xdist tests/contracts/test_broken_connectors.py

## fuzz: the schemathesis pass of make test, 1000 examples per operation instead of 12, then fuzz-cli
fuzz: $(STAMP)
	FUZZ_EXAMPLES=1000 $(BIN)/pytest tests/fuzz -q --timeout 3600
	$(MAKE) fuzz-cli

## fuzz-cli: the independent run: schemathesis's CLI, --checks all, every phase, against a real mockcc serve; then the
## README's plain recipe as a user types it (no configuration file, 25 examples), which make test runs at 3
fuzz-cli: $(STAMP)
	$(BIN)/python -m tests.fuzz.cli --max-examples $(or $(FUZZ_CLI_EXAMPLES),100)
	$(BIN)/python -m tests.fuzz.plain --max-examples $(or $(FUZZ_PLAIN_EXAMPLES),25)

# The bench's tools: wrk from Debian (as root, or through sudo), WireMock and Prism from npm into .bench/.
BENCH := .bench
$(BENCH)/.tools:
	command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	npm install --prefix $(BENCH) --no-audit --no-fund --loglevel=error wiremock@3.13.2 @stoplight/prism-cli@5.16.0
	touch $@

## bench: mockcc side by side with the stack's ceiling, WireMock and Prism; one table, JSON in .bench/
bench: $(STAMP) $(BENCH)/.tools
	$(BIN)/python -m tests.bench --json $(BENCH)/results.json

## soak: the default seed at full SEND rate for 10 minutes; RSS and p99 per 30 s interval
soak: $(STAMP) $(BENCH)/.tools
	$(BIN)/python -m tests.bench --soak 600 --json $(BENCH)/soak.json

## dist: the sdist and the wheel into dist/ (what `pip install dist/mockcc-*.whl` installs)
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist

clean:
	rm -rf $(VENV) $(BENCH) $(AGENT_SDK) dist .pytest_cache .mypy_cache .ruff_cache .hypothesis schemathesis-report
