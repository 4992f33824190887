# One entry point for everything: `make test` on a fresh Debian machine sets up what is
# missing (chromium, the venv, npm packages, the offline Pyodide folder) and runs all checks.
SHELL := /bin/bash
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WHEELS := .cache/wheels
PKG_SRC := $(shell find py_src -name '*.py') pyproject.toml
WHEEL := build/wheel/webxdc_realtime-$(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' py_src/webxdc_realtime/__init__.py)-py3-none-any.whl
TEST_PYODIDE := build/pyodide-test

.PHONY: setup browser build lint test clean

setup: browser $(VENV)/.stamp node_modules/.stamp $(WHEELS)/.stamp

# Debian's chromium; test tools cannot download browsers here.
browser:
	@if command -v chromium >/dev/null || [ -n "$$CHROMIUM" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's chromium and chromium-driver"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
	  echo "No chromium found: install Debian's chromium, or set CHROMIUM=/path/to/chrome" >&2; exit 1; \
	fi

$(VENV)/.stamp: requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Pure-Python wheels for Pyodide, from PyPI (the npm package ships none).
$(WHEELS)/.stamp: tools/pyodide-wheels.txt $(VENV)/.stamp
	rm -rf $(WHEELS) && mkdir -p $(WHEELS)
	grep -v '^#' tools/pyodide-wheels.txt | xargs $(PY) -m pip download -q --disable-pip-version-check \
	  --no-deps --only-binary=:all: --python-version 3.14 --platform any -d $(WHEELS)
	touch $@

$(WHEEL): $(PKG_SRC) $(VENV)/.stamp
	rm -rf build/wheel
	$(PY) -m build --wheel --outdir build/wheel . >/dev/null

$(TEST_PYODIDE)/.stamp: $(WHEEL) $(WHEELS)/.stamp node_modules/.stamp tools/pyodide_dir.py
	rm -rf $(TEST_PYODIDE)
	$(PY) tools/pyodide_dir.py $(TEST_PYODIDE) $(WHEELS)/*.whl $(WHEEL)
	touch $@

build: setup $(TEST_PYODIDE)/.stamp

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: build lint
	$(PY) -m pytest --cov --cov-report=term

clean:
	rm -rf build dist .cache $(VENV) node_modules
