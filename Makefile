# The two commands of the README's quick start.
#   make demo   set up, import the bundled example export into the default archive, show it
#   make test   set up and run the test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test clean browser

$(BIN)/monitor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/monitor

setup: $(BIN)/monitor

demo: setup
	$(BIN)/monitor demo

test: setup browser
	$(BIN)/python -m pytest

# Headless Chromium (Debian's package) for the story board's browser test; installed as root when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: 'sudo make browser' installs it for the story board's browser test"; fi; }

clean:
	rm -rf $(VENV) storage/archive.db storage/archive.db-wal storage/archive.db-shm
