# opsdesk: `make demo` and `make test` work on a fresh machine that has only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := demo/opsdesk-demo.db

.PHONY: demo test lint format bench wheel clean

$(BIN)/opsdesk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

demo: $(BIN)/opsdesk
	$(BIN)/opsdesk demo --db $(DEMO_DB) --replace
	@echo
	OPSDESK_DB=$(DEMO_DB) $(BIN)/opsdesk status
	@echo
	OPSDESK_DB=$(DEMO_DB) $(BIN)/opsdesk report sla
	@echo
	@echo "Demo database: $(abspath $(DEMO_DB))"
	@echo "Explore it:    export OPSDESK_DB=$(abspath $(DEMO_DB)); $(BIN)/opsdesk fault list --breached"

# CI (.ci/run) runs `make test`: the suite, then the same checks as `make lint`.
test: $(BIN)/opsdesk
	$(BIN)/python -m pytest -q
	@$(MAKE) --no-print-directory lint

lint: $(BIN)/opsdesk
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy

format: $(BIN)/opsdesk
	$(BIN)/ruff format src tests benchmarks tools

wheel: $(BIN)/opsdesk
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps -w dist .

bench: $(BIN)/opsdesk
	$(BIN)/python benchmarks/sla_bench.py

clean:
	rm -rf $(VENV) demo build dist *.egg-info src/*.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis
