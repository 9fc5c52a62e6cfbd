# fa_nlp — every target creates/updates .venv first, so a fresh clone needs only `make demo` / `make test`.
SHELL := /bin/bash
PY ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FA_NLP_DATA ?= $(abspath ../shared/data)
export TOKENIZERS_PARALLELISM ?= false

.PHONY: venv demo test lint bench

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 12), f"fa_nlp needs Python >= 3.12, {sys.executable} is {sys.version.split()[0]}"'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check fa_nlp tests benchmarks
