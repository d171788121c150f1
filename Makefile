# `make demo` and `make test` are all the set-up a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# torch (test extra, for the array-API tests) from its CPU index first: about
# 200 MB against PyPI's default Linux build, CUDA with its nvidia wheels, some
# GB, of which the tests use nothing (CI has no GPU). A wheel in pip's
# find-links serves too. Where neither is in reach, the next line takes PyPI's
# build, slower to install but as good: tests/test_common.py skips the CUDA
# checks on a machine without the device.
$(STAMP): $(BIN)/python pyproject.toml
	-$(BIN)/python -m pip install --quiet --retries 0 --timeout 15 torch \
		--index-url https://download.pytorch.org/whl/cpu
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skbackprop

test: $(STAMP)
	$(BIN)/python -m pytest

# The tests marked slow, which `make test` leaves out (pyproject's addopts).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(VENV)/.installed-docs: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(VENV)/.installed-docs

docs: $(VENV)/.installed-docs
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis \
		docs/_build docs/generated docs/auto_examples
