# Two commands do everything on a fresh machine with Python 3.11+:
#   make up    install and start the whole local portal
#   make test  install and run every check and test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install browser up test lint bench mutants clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# Chalice packages with pip and requires pip<26.3.
	$(BIN)/python -m pip install -q --upgrade 'pip<26.3'
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver

browser: $(CHROMIUM)

up: install
	$(BIN)/portal up --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/cfn-lint infra/template.yaml

test: lint browser
	$(BIN)/pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python bench/all.py

# Mutation testing of the rule books ([tool.mutmut] in pyproject.toml, docs/testing.md): not part
# of `make test`. Prints the share of mutants killed per module and every mutant that lived.
mutants: install
	$(BIN)/mutmut run --max-children 2 > /dev/null
	$(BIN)/python -m tests.support.mutation_score

clean:
	rm -rf $(VENV) .portal .mypy_cache .ruff_cache mutants
