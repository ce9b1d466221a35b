# One way to do each thing. `make run` and `make test` work from a clean clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format typecheck check worker beat migrate demo clean messages up down bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

migrate: $(VENV)/.runtime
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

# The worker (with the feed schedule) runs beside the web server and stops with it.
run: demo
	$(MANAGE) ensure_admin
	@echo "Serving on http://$(HOST):$(PORT)/ (staff admin at /admin/), with a Celery worker"
	$(BIN)/celery -A impact worker --beat --schedule var/celerybeat-schedule \
		--pool=solo --loglevel=WARNING & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

test: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.dev
	$(BIN)/mypy .

check: lint typecheck test

# The worker keeps the schedule too (feeds, and re-sending runs no worker is on), so it is
# enough on its own; with several workers, start the others with celery's plain command.
worker: $(VENV)/.runtime
	$(BIN)/celery -A impact worker --beat --schedule var/celerybeat-schedule --loglevel=INFO

beat: $(VENV)/.runtime
	$(BIN)/celery -A impact beat --schedule var/celerybeat-schedule --loglevel=INFO

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# After changing user-facing text: update the Ukrainian catalogue, translate, then compile.
# Needs GNU gettext (apt-get install gettext); the compiled .mo file is committed.
messages: $(VENV)/.dev
	$(MANAGE) makemessages -l uk --ignore=.venv --ignore=staticfiles --ignore=var --ignore=tests --ignore=bench
	$(MANAGE) compilemessages -l uk --ignore=.venv

# Production stack with Docker (needs a Docker engine with the compose plugin and a .env
# file; see docs/deployment.md).
COMPOSE := docker compose -p impact -f docker/compose.yaml --env-file .env

up:
	@test -f .env || { echo "Create .env first: cp .env.example .env, then set the secrets"; exit 1; }
	$(COMPOSE) up -d --build --wait

down:
	$(COMPOSE) down

# Benchmarks at 10,000 / 100,000 / 1,000,000 incidents on PostgreSQL (the server of
# DATABASE_URL; it works in its own database, impact_bench). Needs wrk and curl. Minutes.
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)
