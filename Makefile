# edb-proxy: `make serve` and `make test` do all set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= data
PORT ?= 3306
# Debian packages the test suite drives: real MySQL clients, sysbench, headers for mysqlclient.
TEST_DEBS := mariadb-client sysbench libmariadb-dev pkg-config openssl
BENCH_DEBS := $(TEST_DEBS) mariadb-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test lint typecheck bench bench-quick clean deb-test deb-bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.serve-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[fast]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY) deb-test
	$(PY) -m pip install -q -e '.[fast,trio,test,dev]'
	touch $@ $(VENV)/.serve-installed

define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deb-test:
	$(call install_debs,$(TEST_DEBS))

deb-bench:
	$(call install_debs,$(BENCH_DEBS))

serve: $(VENV)/.serve-installed
	$(PY) -m edb_proxy demo --data-dir $(DATA_DIR) --port $(PORT)

lint: $(VENV)/.test-installed
	$(PY) -m ruff check edb_proxy tests benchmarks tools
	$(PY) -m ruff format --check edb_proxy tests benchmarks tools
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.test-installed
	$(PY) -m mypy
	$(PY) -m mypy --strict benchmarks/sysbench_compare.py
	MYPYPATH=.:tools:benchmarks $(PY) -m mypy --strict --explicit-package-bases \
	  tests/corpus/*.py tools/*.py

test: $(VENV)/.test-installed lint typecheck
	$(PY) -m pytest

BENCH_ARGS ?=
bench: $(VENV)/.test-installed deb-bench
	$(PY) benchmarks/sysbench_compare.py $(BENCH_ARGS)

bench-quick: $(VENV)/.test-installed deb-bench
	$(PY) benchmarks/sysbench_compare.py --duration 5 --threads 1,8 --repeats 1 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
