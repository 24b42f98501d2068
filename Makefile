# Kaoping: `make demo` serves the demo county, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
KAOPING_TEST_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/postgres
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test venv deps test-deps frontend messages makemessages lint typecheck migrations-check \
        pytest pytest-postgres audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/python

# Runtime packages; re-run when pyproject.toml changes.
$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps

# Bootstrap, its icons and ECharts from the npm registry, pinned by package-lock.json.
frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend: frontend/node_modules/.package-lock.json

messages: | $(BIN)/python
	cd kaoping && ../$(BIN)/django-admin compilemessages --ignore '.venv' -v 0

# Developers: refresh the zh_Hans catalogue after changing user-facing strings.
makemessages: | $(BIN)/python
	cd kaoping && ../$(BIN)/django-admin makemessages -l zh_Hans --no-location --no-obsolete

demo: deps frontend messages
	KAOPING_DEBUG=1 $(BIN)/kaoping migrate --noinput -v 0
	KAOPING_DEBUG=1 $(BIN)/kaoping loaddemo
	@echo "Kaoping demo: http://127.0.0.1:$(PORT)/  (Ctrl-C stops the server and the worker)"
	@KAOPING_DEBUG=1 $(BIN)/kaoping run_huey --quiet & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  KAOPING_DEBUG=1 $(BIN)/kaoping runserver 127.0.0.1:$(PORT)

lint: test-deps
	$(BIN)/ruff check kaoping tests $(wildcard benchmarks)
	$(BIN)/ruff format --check kaoping tests $(wildcard benchmarks)

typecheck: test-deps
	$(BIN)/mypy

migrations-check: test-deps frontend
	KAOPING_DATA_DIR=$$(mktemp -d) $(BIN)/kaoping makemigrations --check --dry-run

pytest: test-deps frontend messages
	$(BIN)/pytest

# Known vulnerabilities in the installed packages: pip-audit asks PyPI's JSON API per package
# version. Run when that API answers; a machine without it says so and carries on.
AUDIT_SERVICE ?= https://pypi.org/pypi/django/5.2/json
audit: test-deps
	@if $(BIN)/python -c "import urllib.request,sys; urllib.request.urlopen('$(AUDIT_SERVICE)', timeout=5)" 2>/dev/null; then \
	  echo "== pip-audit"; \
	  $(BIN)/pip-audit --skip-editable --progress-spinner off --strict; \
	else \
	  echo "== vulnerability service not reachable ($(AUDIT_SERVICE)): skipped pip-audit"; \
	fi

# PostgreSQL when one answers at KAOPING_TEST_POSTGRES; otherwise say so and carry on.
pytest-postgres: test-deps frontend messages
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(KAOPING_TEST_POSTGRES)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== pytest on PostgreSQL ($(KAOPING_TEST_POSTGRES))"; \
	  KAOPING_DATABASE_URL='$(KAOPING_TEST_POSTGRES)' $(BIN)/pytest -p no:cacheprovider; \
	else \
	  echo "== PostgreSQL not reachable at $(KAOPING_TEST_POSTGRES): skipped the PostgreSQL run"; \
	fi

# The two database runs go side by side (each pytest uses one core; their databases and data
# directories are separate); -Otarget prints each run's output whole when it ends.
test: lint typecheck migrations-check audit
	$(MAKE) --no-print-directory -j2 -Otarget pytest-postgres pytest

clean:
	rm -rf $(VENV) frontend/node_modules var .pytest_cache .mypy_cache .ruff_cache
