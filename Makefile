# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi
PYTEST_ARGS ?=
# Test files run on two processes (pytest-xdist; each has its own PostgreSQL database and SQLite files);
# PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= 2

.PHONY: run test lint install install-dev translations db bench clean help

help:
	@echo "make run    - install, migrate, seed demo data on first run, serve on http://$(HOST):$(PORT)"
	@echo "make test   - install dev dependencies, run the linters (make lint), then the whole test suite"
	@echo "make lint   - ruff and the import contracts (.importlinter); a second or so"
	@echo "make bench  - run the benchmarks in bench/ (prints figures)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d danvan_feedback/translations

db: install
	$(BIN)/flask db upgrade
	@if [ ! -f instance/.demo-seeded ]; then $(BIN)/flask seed-demo && touch instance/.demo-seeded; fi

run: db
	@echo ""
	@echo "To sign in as staff (http://$(HOST):$(PORT)/dang-nhap), create the first administrator:"
	@echo "  $(BIN)/flask --app wsgi users create admin --role admin --full-name 'Quản trị'"
	@echo "or, for a demo only, one account per role with printed passwords:"
	@echo "  $(BIN)/flask --app wsgi seed-demo --staff"
	@echo ""
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Ruff (rules and reasons: ruff.toml) and the layer contracts (.importlinter): both must pass before the tests run.
lint: install-dev
	$(BIN)/ruff check --quiet .
	PYTHONPATH=. $(BIN)/lint-imports --no-cache --no-logo

test: install-dev lint
	$(BIN)/python -m pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
