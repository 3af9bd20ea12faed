# Two entry points do all set-up themselves: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit setup clean promtool chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/depsim demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# promtool and prometheus (Debian package) for the rule tests and the real-Prometheus
# integration test; installs only when missing.
promtool:
	sh deploy/prometheus/install-promtool.sh

# Debian chromium for the release report's headless browser test; installs only when
# missing (the test skips, saying why, where it cannot be installed).
chromium:
	sh tests/report/install-chromium.sh

test: lint typecheck promtool chromium
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
