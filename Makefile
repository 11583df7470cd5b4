# modelmarket — the README's two commands are `make demo` and `make test`.
# MODELMARKET_HOME (default ./data) and MODELMARKET_PORT (default 8501) are honoured by every target.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo $(BIN)/uv)
export MODELMARKET_HOME ?= $(CURDIR)/data
export MODELMARKET_PORT ?= 8501
DEMO_SCALE ?= small

.PHONY: install install-spark demo test test-spark lint dagster bench bench-render refresh clean

# Creates .venv with the locked set (uv sync --frozen); a no-op in seconds when already installed.
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml uv.lock
	@if ! command -v uv >/dev/null 2>&1 && [ ! -x $(BIN)/uv ]; then \
		python3 -m venv $(VENV) && $(BIN)/pip install --quiet uv==0.13.9; fi
	@$(UV) sync --frozen --compile-bytecode --python python3.11 --quiet
	@touch $@
	@echo "installed: $(VENV) (locked set from uv.lock)"

# install → demo data if the landing zone is empty → refresh → serve the dashboard
demo: install
	@if [ -z "$$(find "$(MODELMARKET_HOME)/landing" -type f 2>/dev/null | head -n 1)" ]; then \
		$(BIN)/modelmarket demo-data --scale $(DEMO_SCALE); \
	else echo "landing zone $(MODELMARKET_HOME)/landing has files: using them"; fi
	$(BIN)/modelmarket refresh
	$(BIN)/modelmarket dashboard

test: install
	$(BIN)/python -m pytest

# MODELMARKET_ENGINE=spark: the locked set plus the spark extra (pyspark; needs Java 17+)
install-spark: install
	@$(UV) sync --frozen --compile-bytecode --python python3.11 --quiet --extra spark
	@echo "installed: $(VENV) with the spark extra"

# The tiny demo built on DuckDB and on Spark publishes identical marts (tests/test_spark_equivalence.py)
test-spark: install-spark
	$(BIN)/python -m pytest -m spark

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

refresh: install
	$(BIN)/modelmarket refresh

# The Dagster UI on port 3000 of this machine only (DAGSTER_ADDRESS=0.0.0.0 for every interface), with
# DAGSTER_HOME inside MODELMARKET_HOME.
DAGSTER_ADDRESS ?= 127.0.0.1
dagster: install
	@mkdir -p "$(MODELMARKET_HOME)/dagster"
	@$(BIN)/python -c "from ingest.settings import Settings; from orchestration.dbt_project import ensure_manifest; ensure_manifest(Settings.from_env())"
	PATH="$(CURDIR)/$(BIN):$$PATH" DAGSTER_HOME="$(MODELMARKET_HOME)/dagster" \
		$(BIN)/dagster dev -m orchestration.definitions -h "$(DAGSTER_ADDRESS)" -p 3000

# DESIGN §8: 3M and 30M usage rows by default (BENCH_ARGS="--with-100m" adds 100M) → benchmarks/results/
bench: install
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# Issue 7: each page's render time in headless Chromium against MODELMARKET_HOME (e.g. a `medium` demo home)
# → benchmarks/results/render/; see benchmarks/README.md
bench-render: install
	$(BIN)/python -m benchmarks.dashboard_render --home "$(MODELMARKET_HOME)" $(BENCH_ARGS)

clean:
	rm -rf dbt/target dbt/logs .pytest_cache
