# One entry point for everything: `make test` on a fresh Debian machine sets up what is
# missing (chromium, the venv, npm packages, the offline Pyodide folder) and runs all checks.
SHELL := /bin/bash
.DEFAULT_GOAL := test

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WHEELS := .cache/wheels
PKG_SRC := $(shell find py_src -name '*.py') pyproject.toml
VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
WHEEL := build/wheel/webxdc_realtime-$(VERSION)-py3-none-any.whl
RELEASE := build/release/webxdc_realtime-$(VERSION)-py3-none-any.whl
JS_SRC := $(wildcard js_glue/webxdc/*.js js_glue/shared/*.js js_glue/relay/*.js js_glue/runtime-share/*.js) tools/build-js.mjs
SELFTEST_SRC := $(wildcard js_glue/selftest/* js_glue/shared/*) tools/build-page.mjs tools/pack_xdc.py
HOST_SRC := $(wildcard js_glue/host/* js_glue/devtools/* js_glue/trace/* js_glue/shared/* js_glue/runtime-share/*) tools/build-page.mjs
XDC := dist/realtime-selftest.xdc

TEST_PYODIDE := build/pyodide-test

.PHONY: setup browser build wheel release xdc demo run bench bench-relay soak fuzz matrix lint check test coverage clean

# Debian's browsers, the venv and npm's packages are fetched side by side (each waits on
# the network and the disk more than on the CPU); then the wheels for Pyodide, with the venv.
setup:
	@$(MAKE) --no-print-directory -j3 browser $(VENV)/.stamp node_modules/.stamp
	@$(MAKE) --no-print-directory $(WHEELS)/.stamp

# Debian's chromium and firefox-esr; test tools cannot download browsers here. Without what
# they only recommend (28 packages instead of 150: printing, Samba, video drivers, Perl).
# And chromium-headless-shell, what Playwright itself runs headless: no browser window to
# build, so a page costs half the CPU (docs/TESTING.md); the tests run Chromium in it.
browser:
	@missing=""; \
	command -v chromium >/dev/null || [ -n "$$CHROMIUM" ] || missing="chromium chromium-driver"; \
	command -v firefox-esr >/dev/null || [ -n "$$FIREFOX" ] || missing="$$missing firefox-esr"; \
	shell=""; command -v chromium-headless-shell >/dev/null || [ -n "$$CHROMIUM" ] || shell=chromium-headless-shell; \
	if [ -z "$$missing$$shell" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's $$missing $$shell"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing $$shell >/dev/null; \
	elif [ -n "$$missing" ]; then \
	  echo "Missing: $$missing. Install Debian's packages, or set CHROMIUM= / FIREFOX= to a browser" >&2; exit 1; \
	else \
	  echo "Without Debian's chromium-headless-shell the tests run the whole Chromium: slower" >&2; \
	fi

# uv installs what requirements-dev.txt pins (in 3 s where pip takes 30, most of it pip's own
# work); pip only installs uv, at the version pinned there.
UV := $(VENV)/bin/uv
$(VENV)/.stamp: requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "$$(grep -o '^uv==[^ ]*' requirements-dev.txt)"
	$(UV) pip install -q --python $(PY) -r requirements-dev.txt
	$(UV) pip install -q --python $(PY) --no-deps -e .
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

# The wheel Pyodide loads in the page: the core and the adapter, not the host tools.
$(WHEEL): $(PKG_SRC) $(VENV)/.stamp tools/browser_wheel.py
	rm -rf build/wheel build/wheel-full
	$(PY) -m build --installer uv --wheel --outdir build/wheel-full . >/dev/null
	$(PY) tools/browser_wheel.py build/wheel-full/$(notdir $(WHEEL)) build/wheel >/dev/null

$(TEST_PYODIDE)/.stamp: $(WHEEL) $(WHEELS)/.stamp node_modules/.stamp tools/pyodide_dir.py
	rm -rf $(TEST_PYODIDE)
	$(PY) tools/pyodide_dir.py $(TEST_PYODIDE) $(WHEELS)/*.whl $(WHEEL)
	touch $@


# dist/: everything webxdc.js needs at run time; copy it next to an app's index.html.
dist/.stamp: $(WHEEL) node_modules/.stamp tools/pyodide_dir.py tools/make-snapshot.mjs tools/export_rules.py tools/export_serving.py $(JS_SRC) $(HOST_SRC)
	rm -rf dist
	$(PY) tools/pyodide_dir.py dist $(WHEEL)
	rm -f dist/package.json
	node tools/make-snapshot.mjs dist $(notdir $(WHEEL)) $(VERSION)
	$(PY) tools/export_rules.py dist/rules.json
	node tools/build-js.mjs $(notdir $(WHEEL)) $(VERSION) dist/rules.json
	node tools/build-page.mjs js_glue/host dist/host host.js index.html host.css
	node tools/build-page.mjs js_glue/trace dist/trace trace.js index.html viewer.css
	cp node_modules/uplot/dist/uPlot.min.css dist/host/
	$(PY) tools/export_serving.py dist/host/serving.json
	touch $@

# The realtime self-test app, for any host: send it to a chat (see README).
$(XDC): dist/.stamp $(SELFTEST_SRC)
	node tools/build-page.mjs js_glue/selftest build/selftest selftest.js index.html style.css manifest.toml icon.png
	$(PY) tools/pack_xdc.py build/selftest $@

xdc: setup $(XDC)

# build/release/: both packages, ready to publish, of one version (package.json's).
# - the wheel to install (pip, pipx, uvx): the package with the built runtime in it, so that
#   `webxdc-realtime run APP` works with no node, no make and nothing fetched at run time
#   (the other wheel, $(WHEEL), is the package alone: what Pyodide loads in the page);
# - the sdist, from which `build` makes that wheel (so the sdist is known to build);
# - the npm tarball (tools/pack_npm.mjs): the runtime, the Vite plugin, the Playwright fixture.
# twine and npm check them as the registries would (npm's --dry-run uploads nothing).
$(RELEASE): $(WHEEL) dist/.stamp $(XDC) tools/hatch_build.py tools/pack_npm.mjs README.md CHANGELOG.md LICENSE $(wildcard js_glue/vite/* js_glue/playwright/*)
	rm -rf build/release
	WEBXDC_REALTIME_DIST=$(CURDIR)/dist $(PY) -m build --installer uv --outdir build/release . >/dev/null
	$(PY) -m twine check --strict build/release/*.whl build/release/*.tar.gz
	node tools/pack_npm.mjs build/release
	cd build/npm && npm publish --dry-run --loglevel=error
	@du -h build/release/*

release: setup $(RELEASE)
wheel: release

# build/site/: the demo, with dist/ copied beside it as a user would.
# build/site/selftest/: the self-test app unpacked, our runtime beside it (links to ../).
build/site/.stamp: dist/.stamp $(XDC) $(wildcard demo/*)
	rm -rf build/site && mkdir -p build/site/selftest
	cp -r dist/. demo/. build/site/
	rm build/site/.stamp build/site/$(notdir $(XDC))
	cd build/site/selftest && python3 -m zipfile -e ../../../$(XDC) . && \
	  for f in $$(ls ../../../dist | grep -v '\.xdc$$'); do ln -s "../$$f" .; done
	touch $@

build: setup $(TEST_PYODIDE)/.stamp dist/.stamp $(XDC) build/site/.stamp

demo: build
	@echo "Demo: http://127.0.0.1:8000/  (open it in two tabs, or press \"Add peer\"; Ctrl-C stops)"
	$(PY) -m http.server 8000 --bind 127.0.0.1 --directory build/site

# Any webxdc app with several peers: make run APP=path/to/app-or.xdc [ARGS="--peers 3"]
run: build
	@if [ -z "$(APP)" ]; then echo "usage: make run APP=path/to/app (a folder with index.html, or an .xdc) [ARGS='--peers 3']" >&2; exit 2; fi
	$(VENV)/bin/webxdc-realtime run "$(APP)" $(ARGS)

# Prints a table of figures against raw BroadcastChannel; writes bench/results/ and the
# tables of bench/RESULTS.md; then `webxdc-realtime run`'s time to live and memory per
# peer, what the host page's trace costs, and Chromium beside Firefox, also into
# bench/RESULTS.md. Never fails on time.
bench: build
	$(PY) bench/run.py
	$(PY) bench/relay_speed.py
	$(PY) bench/host.py
	$(PY) bench/trace.py
	$(PY) bench/engines.py

# The relay under load: one chat of 10 to 200 Python peers and 4 pages, then 50 chats of 4
# (fan-out, latency, nats-server's memory and CPU, no frame across chats); writes its table
# into bench/RESULTS.md. A few minutes; never fails on time.
bench-relay: build
	$(PY) bench/relay_load.py

# How each host and simulator meets the contract: the self-test in pairs under our runtime
# (each profile, Chromium and Firefox), webxdc-dev and the Vite template's mock; writes
# docs/MATRIX.md and the README's table.
matrix: build
	$(PY) tools/matrix.py

# 8 tabs, each sending 1000 frames/s of mixed sizes for 60 s: loss, order, memory, CPU.
soak: build
	$(PY) bench/soak.py --tabs 8 --rate 1000 --seconds 60

# A million random and mutated frames through the decoder and the channel (CPython).
fuzz: setup
	$(PY) tests/fuzz/fuzzer.py --frames 1000000

lint: $(VENV)/.stamp node_modules/.stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	npx prettier --check js_glue demo tools/*.mjs tests/browser/pages tests/apps tests/npm/project tests/plugin/*.mjs tests/cli/*.mjs bench
	npx tsc -p jsconfig.json
	npx tsc -p tools/jsconfig.json
	npx tsc -p js_glue/jsconfig.node.json

# The fast loop, while you work: lint, types, and every test that needs neither a browser nor
# a build (the core, the command line's parts, the fuzzer's short run, the layering), in
# CPython, on both cores (pytest-xdist). Under 30 s once set up. `make test` runs everything.
check: lint
	$(PY) -m pytest -q -m "not browser" -p no:cacheprovider -n 2 tests/core tests/cli tests/fuzz tests/test_layout.py tests/test_contract.py

# Once set up, the build, the packages and lint run side by side (lint needs only the venv
# and npm's packages; make orders what the build and the packages share).
# Two workers (pytest-xdist): a browser test waits often (timers, peers loading), and the
# other worker runs meanwhile; a module whose fixtures are costly keeps to one (its
# xdist_group). Where the time goes: docs/TESTING.md.
test: setup
	@$(MAKE) --no-print-directory -j3 --output-sync=target build release lint
	$(PY) -m pytest -n 2 --dist loadgroup

# The same tests under coverage (branch coverage of the package, into the command's
# subprocesses too), and its report: 45 s more than `make test`, which leaves it out.
# coverage runs pytest (rather than pytest-cov inside it) so that it also sees the package
# being imported by our own pytest plugin, which pytest loads before any test.
coverage: setup
	@$(MAKE) --no-print-directory -j3 --output-sync=target build release lint
	rm -f .coverage .coverage.*
	$(PY) -m coverage run -m pytest -n 2 --dist loadgroup
	$(PY) -m coverage combine -q
	$(PY) -m coverage report

clean:
	rm -rf build dist .cache $(VENV) node_modules
