# OQMS — the two commands: `make run` (set up everything, load the demo, serve) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
OQMS := $(VENV)/bin/oqms
INSTALLED := $(VENV)/.installed
ASSETS := node_modules/.installed
PYTEST_WORKERS ?= 2

.PHONY: run test setup lint bench bench-kpis lock messages clean

$(INSTALLED): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(INSTALLED) $(ASSETS)
	$(OQMS) setup

run: setup
	$(OQMS) demo --if-empty
	$(OQMS) run

lint: $(INSTALLED)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(OQMS) makemigrations --check --dry-run

test: setup lint
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile

bench: setup
	$(PY) -m benchmarks
	$(PY) -m benchmarks.kpi_bench --work-orders 50000 --vendors 20 --output benchmarks/results/kpis-small.json

# KPI rollups at full size on PostgreSQL against DuckDB (10,000,000 work orders; about an hour). Both skip
# themselves when PostgreSQL is not reachable.
bench-kpis: setup
	$(PY) -m benchmarks.kpi_bench

# Regenerate the lock file from pyproject.toml (needs network access to PyPI).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | sort -f > requirements.lock
	rm -rf .lock-venv

# Extract and compile translations (needs GNU gettext; the compiled .mo files are committed).
messages: $(INSTALLED)
	cd src/oqms && ../../$(OQMS) makemessages -l zh_Hans --no-obsolete --ignore 'migrations/*' && ../../$(OQMS) compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) node_modules var/static
