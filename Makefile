# DeltaCrown Activity — every target sets up what it needs (a virtualenv from pyproject.toml).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint typecheck schema smoke-sqlite bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

## demo: migrate, load the demo platform and serve it (GraphiQL at http://$(HOST):$(PORT)/graphql/)
demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "DeltaCrown Activity: http://$(HOST):$(PORT)/graphql/  (demo logins: see README)"
	$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT)

## test: the whole suite on PostgreSQL, with coverage of apps/
test: $(STAMP)
	./scripts/ensure-postgres.sh
	./scripts/ensure-redis.sh
	$(PY) -m pytest --cov=apps --cov-report=term --cov-fail-under=95 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

schema: $(STAMP)
	$(PY) manage.py export_schema schema --path schema.graphql

## smoke-sqlite: the zero-set-up demo path (SQLite) still migrates, seeds and reads stats
smoke-sqlite: $(STAMP)
	rm -f /tmp/deltacrown-smoke.sqlite3
	DATABASE_URL=sqlite:////tmp/deltacrown-smoke.sqlite3 $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:////tmp/deltacrown-smoke.sqlite3 $(PY) manage.py seed_demo
	DATABASE_URL=sqlite:////tmp/deltacrown-smoke.sqlite3 $(PY) manage.py demo_check

## bench: a 10,000-player / ~1M-event platform in dc_bench, then reads over HTTP, writes and jobs (BENCHMARKS.md)
bench: $(STAMP)
	./scripts/ensure-postgres.sh
	./scripts/ensure-redis.sh
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
