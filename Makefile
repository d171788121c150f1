# `make demo` and `make test` are all the set-up a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow test-stacks test-blas lint docs clean

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
	$(BIN)/python -m pip install --quiet -e ".[test,test-torch,dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m skbackprop

test: $(STAMP)
	$(BIN)/python -m pytest

# The tests marked slow, which `make test` leaves out (pyproject's addopts).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

# The suite again with OpenBLAS on another kernel than the machine's own, so
# that a test which holds only to the last bit of one kernel fails here rather
# than on a user's machine: Sandybridge (AVX, which every x86-64 machine of the
# last decade runs), or Haswell where Sandybridge is the machine's own.
test-blas: $(STAMP)
	@own=$$($(BIN)/python -c "import numpy, threadpoolctl; \
		print(threadpoolctl.threadpool_info()[0]['architecture'])"); \
	other=$$([ "$$own" = Sandybridge ] && echo Haswell || echo Sandybridge); \
	echo "OpenBLAS runs $$own here; the suite again on $$other:"; \
	OPENBLAS_CORETYPE=$$other $(BIN)/python -m pytest

# The oldest and the newest stack that pyproject.toml admits, each in its own
# venv: Python 3.10 with the floors of every dependency (.ci/oldest.txt), and
# Python 3.13 with the newest releases. Their Pythons come from pyenv, or from
# PYTHON_OLDEST and PYTHON_NEWEST. The test extra has no torch (PyPI's build
# for these Pythons is gigabytes of CUDA): the array-API tests run there on
# array-api-strict, and on torch in `make test`.
PYTHON_OLDEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) python3.10)
PYTHON_NEWEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) python3.13)

.venv-oldest/.installed: pyproject.toml .ci/oldest.txt
	$(PYTHON_OLDEST) -m venv .venv-oldest
	.venv-oldest/bin/python -m pip install --quiet --upgrade pip
	.venv-oldest/bin/python -m pip install --quiet -c .ci/oldest.txt -e ".[test]"
	touch $@

.venv-newest/.installed: pyproject.toml
	$(PYTHON_NEWEST) -m venv .venv-newest
	.venv-newest/bin/python -m pip install --quiet --upgrade pip
	.venv-newest/bin/python -m pip install --quiet --upgrade -e ".[test]"
	touch $@

# The oldest stack runs the slow tests too: the dask floor's clusters fail
# differently (the fault tests of a fit on a cluster are slow ones).
test-stacks: .venv-oldest/.installed .venv-newest/.installed
	.venv-oldest/bin/python -m pytest -m "slow or not slow"
	.venv-newest/bin/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(VENV)/.installed-docs: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(VENV)/.installed-docs

docs: $(VENV)/.installed-docs
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) .venv-oldest .venv-newest build *.egg-info .pytest_cache .hypothesis \
		docs/_build docs/generated docs/auto_examples
