# Livskraft: `make run` serves the portal with demo data (and runs its background worker), `make test` runs the tests.
# Both install what they need first and are quick when nothing has changed:
# stamp files inside .venv and node_modules remember what was installed from which file.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
ADDRESS ?= 127.0.0.1:8000
# Extra arguments for pytest, e.g. make test PYTEST_ARGS="-m 'not browser' -x"
PYTEST_ARGS ?=
# Test processes (pytest-xdist), each with its own test database, live server, Chromium and Redis ports;
# TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2
CHROMIUM := /usr/bin/chromium

.PHONY: help run test install install-test chromium messages lint format clean

help:
	@echo "make run    install into .venv, migrate, load demo data, serve http://$(ADDRESS)/ with the background worker"
	@echo "make test   install what the tests need and run them in $(TEST_WORKERS) processes (PYTEST_ARGS=... passes arguments on)"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make format ruff format and ruff check --fix"

# The background worker (open-data imports are checked and written there) runs beside the server; Ctrl-C stops both.
run: install messages
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py send_reminders
	$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null || true' EXIT; \
	$(PY) manage.py runserver $(ADDRESS)

test: install-test messages
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

install: $(VENV)/.installed node_modules/.installed

install-test: $(VENV)/.installed-dev node_modules/.installed chromium

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Livskraft needs Python 3.11 or newer; set PYTHON=python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# npm ci wipes node_modules, and the stamp with it, so a stale install is never kept.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

chromium:
	@if [ -x $(CHROMIUM) ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the browser tests"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "Chromium is missing, so the browser tests will be skipped (they fail when CI is set)."; \
		echo "Install it with: sudo apt-get update && sudo apt-get install -y chromium"; \
	fi

# compilemessages skips catalogues whose .mo is newer than the .po.
messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --verbosity 0 --ignore=.venv --ignore=node_modules

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf staticfiles .pytest_cache .ruff_cache test-results
