# The two commands of the README's quick start.
#   make demo   set up, import the bundled example export into the default archive, show it
#   make test   set up and run the test suite (what CI runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test clean

$(BIN)/monitor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/monitor

setup: $(BIN)/monitor

demo: setup
	$(BIN)/monitor demo

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) storage/archive.db storage/archive.db-wal storage/archive.db-shm
