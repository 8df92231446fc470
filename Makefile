# RackIO Designer — `make run` opens the designer, `make test` runs every test.
# Both create .venv on first use and install the project with its test extras.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXAMPLE := resources/examples/mail-rack.rackio

.PHONY: run test bench bench-gui screenshots venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/rackio $(EXAMPLE)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_solver.py

bench-gui: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) docs/screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
