# Podium: `make run` serves the demo, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: install translations browser run demo test lint format bench clean i18n lock

install: $(VENV)/.installed

# constraints.txt pins every package to the versions CI tested; `make lock` refreshes it.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Resolve pyproject.toml afresh in a scratch virtualenv and pin the result.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt
	rm -rf .lock-venv

translations: install
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d translations; fi

demo: install translations
	$(FLASK) db upgrade
	$(FLASK) demo load

run: demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# The browser tests (tests/browser) need Debian's Chromium and axe-core from the npm registry.
# Playwright never downloads a browser: it drives /usr/bin/chromium.
CHROMIUM ?= /usr/bin/chromium
AXE := tests/browser/node_modules/axe-core/axe.min.js
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser: $(CHROMIUM) $(AXE)

$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
		|| ($(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

# the suite on both cores of the CI machine: pytest-xdist, a database per worker (tests/conftest.py)
TEST_WORKERS ?= 2

test: install translations browser
	$(BIN)/pytest -q -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider tests/unit/test_import_graph.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Not part of `make test`: gunicorn against a bare Flask page, a few minutes a database.
# BENCH_ARGS=--quick for a short run; the table and chart land in bench/results/.
bench: install
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python bench/bench_pages.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_registration.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_results.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_import.py $(BENCH_ARGS)
	$(BIN)/python bench/bench_leaderboard.py $(BENCH_ARGS)
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache

# Refresh the Dutch catalog after changing user-facing strings, then translate the new entries.
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".venv instance node_modules build" -o /tmp/podium.pot .
	$(BIN)/pybabel update -i /tmp/podium.pot -d translations -l nl --no-fuzzy-matching
