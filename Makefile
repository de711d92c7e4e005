# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# wsgi.py runs only with MARKET_CONFIG set (a production server must not fall back to development)
MARKET_CONFIG ?= development
export MARKET_CONFIG

.PHONY: run test install install-dev migrate seed serve scheduler bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) market migrate

seed: migrate
	$(FLASK) market seed-demo --if-empty
	$(FLASK) market import-demo > /dev/null
	@echo "demo feeds of the four markets imported (see GET /api/v1/markets/SH/imports)"

## make run: install, migrate the SQLite database, load demo data, serve the API and the scheduler
run: seed
	@echo ""
	@echo "  Pages:    http://$(HOST):$(PORT)/   (the marketplace and the live auction hall)"
	@echo "  API:      http://$(HOST):$(PORT)/api/v1/achievements"
	@echo "  Docs:     http://$(HOST):$(PORT)/api/docs   (OpenAPI: /api/v1/openapi.json)"
	@echo "  Try:      curl -s 'http://$(HOST):$(PORT)/api/v1/achievements?per_page=3'"
	@echo "  Live:     curl -N http://$(HOST):$(PORT)/api/v1/auctions/1/events   (auction ids: GET /api/v1/auctions)"
	@echo "  Log in:   curl -s -X POST http://$(HOST):$(PORT)/api/v1/auth/login -H 'Content-Type: application/json' \\"
	@echo "              -d '{\"email\": \"member1@yrd.example\", \"password\": \"demo-pass-2025\"}'"
	@echo ""
	@$(FLASK) market demo-accounts
	@set -e; \
	  $(FLASK) market scheduler & SCHED=$$!; \
	  trap 'kill $$SCHED 2>/dev/null || true' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

## make test: install the dev dependencies and run the whole suite
test: install-dev
	@bash .ci/browser-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

bench: install-dev
	@cat bench/README.md

clean:
	rm -rf $(VENV) instance .pytest_cache
