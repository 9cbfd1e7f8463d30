# Shinsa (審査). `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ADDR ?= 127.0.0.1:8000
# The demo's address as host:port (a bare port means 127.0.0.1), the base of the links in the
# e-mails it sends (SITE_URL) and the host names it answers to (ALLOWED_HOSTS); set SITE_URL
# or ALLOWED_HOSTS yourself to override, e.g. when serving on 0.0.0.0.
DEMO_ADDR := $(if $(findstring :,$(ADDR)),$(ADDR),127.0.0.1:$(ADDR))
SITE_URL ?= http://$(DEMO_ADDR)
ALLOWED_HOSTS ?= 127.0.0.1,localhost,[::1],$(firstword $(subst :, ,$(DEMO_ADDR)))
DEMO_ENV := SITE_URL=$(SITE_URL) ALLOWED_HOSTS=$(ALLOWED_HOSTS)
# The environment is rebuilt when the dependencies change.
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev,prod]"
	touch $(STAMP)

install: $(STAMP) ## Create or update the virtual environment

demo: $(STAMP) ## Install, migrate, load demo data and serve http://127.0.0.1:8000 (ADDR=host:port to change)
	$(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_demo
	@echo "Serving on http://$(DEMO_ADDR)/ (Ctrl-C to stop); links in e-mails: $(SITE_URL)"
	$(DEMO_ENV) $(BIN)/python manage.py serve $(DEMO_ADDR)

test: $(STAMP) ## Install and run every test (SQLite by default; DATABASE_URL/REDIS_URL for real servers)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, mypy, the import contracts (lint-imports) and the missing-migration check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy . .ci/prod_smoke.py
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP) ## Format and autofix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(STAMP) ## Update and compile the English translation catalog (needs GNU gettext)
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l en -l ja --ignore=.venv

bench: $(STAMP) ## Run the benchmarks in bench/ and print their numbers
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean: ## Remove the virtual environment and local data (var/)
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install demo test lint format messages bench clean
