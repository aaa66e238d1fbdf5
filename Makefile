# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# gunicorn's advice: 2 workers per CPU core, plus one. Override with `make serve WORKERS=n`.
WORKERS ?= $(shell echo $$(( 2 * $$(nproc) + 1 )))
# The tests run with DEBUG off (as in production) over plain http, on the test client's hosts, on the server of
# TEST_DATABASE_URL when set, else on the embedded PostgreSQL (never on DATABASE_URL's).
TEST_ENV := DEBUG=0 SECRET_KEY=test-secret ALLOWED_HOSTS=localhost,127.0.0.1 HTTPS=0 \
	$(if $(TEST_DATABASE_URL),DATABASE_URL="$(TEST_DATABASE_URL)")
# Test processes: pytest-xdist runs the suite on every core ("auto"); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto

.PHONY: install run migrate import serve test lint format clean browser-deps loadtest bench screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

import: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py import_actions fixtures/*.txt

# The database (DATABASE_URL, else the embedded PostgreSQL), migrations, the seed sheets, the worker and the
# server; Ctrl-C stops them all (actions_catalog/config/devserver.py).
run: install
	DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m actions_catalog.config.devserver

# Production: DEBUG off, settings from the environment or ENV_FILE (see README, "Production").
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/gunicorn actions_catalog.config.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--timeout 30 --graceful-timeout 30 --max-requests 2000 --max-requests-jitter 200 \
		--access-logfile - --error-logfile -

# Load test (README, "Load test"): locust against gunicorn on PostgreSQL, on 127.0.0.1, for a bounded time.
# Drops and recreates LOADTEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/catalogue_load).
# Options: make loadtest LOADTEST_ARGS="--users 50 --duration 60s --actions 3000" (python -m loadtest.run -h).
LOADTEST_STAMP := $(VENV)/.loadtest-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
$(LOADTEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,loadtest]"
	rm -f $(VENV)/.loadtest-*
	touch $(LOADTEST_STAMP)

loadtest: $(LOADTEST_STAMP)
	$(BIN)/python -m loadtest.run $(LOADTEST_ARGS)

# Benchmark (bench/README.md): import and page timings at 10,000 and 100,000 actions against issue 6's targets.
# Drops and recreates its own database: BENCH_DATABASE_URL, else catalogue_bench on DATABASE_URL's server, else
# on the embedded server. Options: make bench BENCH_ARGS="--sizes 10000 --requests 20".
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Browser tests (tests/browser/) drive Debian's Chromium through Playwright; never a downloaded browser.
CHROMIUM := /usr/bin/chromium
browser-deps:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

test: install browser-deps
	env -u DATABASE_URL $(TEST_ENV) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Screenshots of every public page at 1280 and 390 px, in docs/screenshots/ (tests/browser/screenshots.py): the
# live server of the browser tests, on the test database, with the seed sheets and 2,000 generated actions.
screenshots: install browser-deps
	env -u DATABASE_URL $(TEST_ENV) $(BIN)/python -m pytest -n 0 -q -p no:cacheprovider tests/browser/screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
