# Two entry points for a fresh machine:  make demo  |  make test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test docs install install-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .

install-test: $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip check

# The main job: the trial-scheduler tutorial (FIFO, Hyperband, a custom median-stopping
# scheduler) on the image sample shipped with the package, about 3-4 minutes on 2 cores.
demo: install
	$(PY) examples/image_classification/trial_scheduler.py

test: install-test
	$(PY) -m pytest -q tests

# The HTML docs in docs/_build/html; warnings are errors (the tests build them the same way).
docs: install-test
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) exp build *.egg-info docs/_build
