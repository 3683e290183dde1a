# Two entry points for a fresh machine:  make demo  |  make test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test install install-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .

install-test: $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip check

demo: install
	$(PY) examples/scheduler_demo.py

test: install-test
	$(PY) -m pytest -q tests

clean:
	rm -rf $(VENV) exp build *.egg-info
