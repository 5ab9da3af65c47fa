# The commands of the README's quick start.
#   make setup        the virtual environment with monitor and what it needs to run (no test tools)
#   make demo         set up, import the bundled example exports into the default archive, show them
#   make test         the test tools too, then ruff, mypy and the test suite (what CI runs)
#   make install-check  a non-editable install into a fresh environment runs the demo from another folder
#   make constraints  pin again, in constraints.txt, the versions a fresh install resolves
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check

.PHONY: setup demo test lint install-check constraints clean browser postgres

$(BIN)/monitor: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -c constraints.txt -e .
	touch $(BIN)/monitor

$(VENV)/.test-tools: $(BIN)/monitor
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	touch $(VENV)/.test-tools

setup: $(BIN)/monitor

demo: setup
	$(BIN)/monitor demo

lint: $(VENV)/.test-tools
	$(BIN)/ruff check .
	$(BIN)/mypy

# Two workers (pytest-xdist) handed tests one by one, the slow ones first (tests/conftest.py). Bytecode caches
# on even where the environment turns them off, checked by source hash (never a stale .pyc after a quick edit):
# pytest keeps its rewritten test modules, and each monitor subprocess loads compiled code.
test: lint browser postgres
	$(BIN)/python -m compileall -q -f --invalidation-mode checked-hash monitor tests benchmarks
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 --maxschedchunk 1

# Headless Chromium (Debian's package) for the story board's browser test; installed as root when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: 'sudo make browser' installs it for the story board's browser test"; fi; }

# PostgreSQL's server (Debian's package) for the tests of the PostgreSQL archive, which start their own
# server in a temporary folder; installed as root when initdb is missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL is missing: 'sudo make postgres' installs it for the PostgreSQL archive's tests"; fi; }

install-check:
	rm -rf build/install-check
	$(PYTHON) -m venv build/install-check/venv
	build/install-check/venv/bin/pip install --quiet --disable-pip-version-check -c constraints.txt .
	mkdir -p build/install-check/desk
	cd build/install-check/desk && printf '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\n' > monitor.toml \
		&& ../venv/bin/monitor demo > demo.out && grep -q "== stories" demo.out && grep -q "imported 3 of 3 files" demo.out
	rm -rf build/install-check

constraints:
	rm -rf build/constraints-venv
	$(PYTHON) -m venv build/constraints-venv
	build/constraints-venv/bin/pip install --quiet --disable-pip-version-check '.[test]'
	build/constraints-venv/bin/pip freeze --exclude monitor | grep -v '^-e ' > constraints.txt
	rm -rf build/constraints-venv

clean:
	rm -rf $(VENV) storage/archive.db storage/archive.db-wal storage/archive.db-shm
