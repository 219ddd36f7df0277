# Every target creates ./.venv when it is missing; `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt sim bench clean system-deps

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $(STAMP)

## run: the gateway in the foreground (demo data on 127.0.0.1:8080 when VIRUSTOTAL_API_KEY is unset)
run: $(STAMP)
	$(BIN)/iocgate serve

## test: lint, type checks, import contracts and the whole test suite
test: $(STAMP) system-deps
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

## system-deps: the servers and tools the suite needs, installed when missing:
## redis-server and chromium (Debian packages), Node 22 + MCP conformance suite + Inspector (npm)
system-deps:
	@scripts/ensure-system-deps.sh
	@scripts/ensure-chromium.sh
	@scripts/ensure-node22.sh

lint: $(STAMP)
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

sim: $(STAMP)
	$(BIN)/iocgate sim

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build
