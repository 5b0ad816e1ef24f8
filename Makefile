# Two commands do everything on a fresh machine with Python 3.11+:
#   make up    install and start the whole local portal
#   make test  install and run every check and test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install up test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

up: install
	$(BIN)/portal up --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint infra/template.yaml

test: lint
	$(BIN)/pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/python bench/catalogue.py
	$(BIN)/python bench/payments.py
	$(BIN)/python bench/feedback.py
	$(BIN)/python bench/ratings.py
	$(BIN)/python bench/cold_start.py

clean:
	rm -rf $(VENV) .portal .mypy_cache .ruff_cache
