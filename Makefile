# Sổ điện tử — the two set-up commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
PG_URL ?= postgresql://app:app@127.0.0.1:5432/sodientu_test
REDIS_PORT ?= 6390
TEST_REDIS_URL ?= redis://127.0.0.1:$(REDIS_PORT)/0
SYSTEM_TEST_PACKAGES := chromium postgresql poppler-utils redis-server wrk softhsm2

.PHONY: run test install install-test system-packages postgres redis checks test-sqlite test-postgres lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: venv, install, migrate, demo school if the DB is empty, serve on 127.0.0.1:5000
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:5000 --access-logfile - wsgi:app

## make test: test deps, Debian packages (chromium, postgresql, redis, softhsm2 for the USB
## token tests), static checks, then the
## whole suite on SQLite (with a real redis-server) and on PostgreSQL
test: install-test system-packages checks redis
	TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest
	@if $(MAKE) --no-print-directory postgres; then \
		$(MAKE) --no-print-directory test-postgres; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL could not be started in CI" >&2; exit 1; \
	else \
		echo "!! PostgreSQL unavailable here: the PostgreSQL pass was NOT run" >&2; \
	fi

test-sqlite: install-test
	$(BIN)/python -m pytest

test-postgres: install-test redis
	TEST_DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest -m "not e2e"

## lint, format, import layers and types (each must pass)
checks: install-test
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations wsgi.py
	PYTHONPATH=. $(BIN)/lint-imports
	$(BIN)/mypy

## a throw-away redis-server for the tests (no persistence), on its own port
redis:
	@redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1 || \
		redis-server --bind 127.0.0.1 --port $(REDIS_PORT) --save '' --appendonly no --daemonize yes
	@for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli -p $(REDIS_PORT) ping >/dev/null 2>&1 && break; sleep 0.5; done
	@redis-cli -p $(REDIS_PORT) ping >/dev/null

system-packages:
	@missing=""; for p in $(SYSTEM_TEST_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## start the local PostgreSQL cluster and create the test role and database
postgres:
	@SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	AS_PG=$$( [ "$$(id -u)" = 0 ] && echo "runuser -u postgres --" || echo "sudo -u postgres" ); \
	ver=$$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1); \
	[ -n "$$ver" ] || { echo "postgresql is not installed"; exit 1; }; \
	pg_isready -q -h 127.0.0.1 -p 5432 || $$SUDO pg_ctlcluster $$ver main start; \
	for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	pg_isready -q -h 127.0.0.1 -p 5432 || exit 1; \
	$$AS_PG psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='app'" | grep -q 1 || \
		$$AS_PG psql -qc "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB"; \
	$$AS_PG psql -qtAc "SELECT 1 FROM pg_database WHERE datname='sodientu_test'" | grep -q 1 || \
		$$AS_PG createdb -O app sodientu_test

lint: checks

## the benchmarks (not tests): each prints its figures and writes bench/results/<name>.json
BENCHES := $(wildcard bench/bench_*.py) bench/write_turns.py bench/close_school.py bench/pdf_speed.py bench/pdf_pipeline.py

## make bench: every benchmark in one run, figures printed and written to bench/results/*.json
bench: install-test system-packages
	@for f in $(BENCHES); do echo "== $$f"; PYTHONPATH=. $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
