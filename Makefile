# RackIO Designer — `make run` opens the designer, `make test` runs every test.
# Both create .venv on first use and install the project with its test extras.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXAMPLE := resources/examples/mail-rack.rackio

.PHONY: run test bench bench-gui screenshots venv clean package wheel install-desktop check-desktop desktop-tools

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/rackio $(EXAMPLE)

test: $(STAMP) desktop-tools
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_solver.py

bench-gui: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) docs/screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis

# ------------------------------------------------------------- packaging (docs/packaging.md)
APP_ID  := io.github.rackio.Designer
BUNDLE  := dist/rackio
RACKIO  ?= $(abspath $(VENV)/bin/rackio)
DESKTOP_TOOLS := desktop-file-validate appstreamcli update-mime-database update-desktop-database shellcheck
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

# The validators the desktop-file tests use, from Debian's desktop-file-utils, appstream and
# shared-mime-info, and shellcheck for the host-config scripts' test: installed with apt-get when
# missing and possible. Never fails: without
# them those tests are skipped and say why.
desktop-tools:
	@missing=""; for t in $(DESKTOP_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && { [ -z "$(SUDO)" ] || sudo -n true 2>/dev/null; }; then \
	    echo "installing desktop-file-utils appstream shared-mime-info shellcheck (missing:$$missing)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    $(SUDO) apt-get install -y -qq desktop-file-utils appstream shared-mime-info shellcheck >/dev/null 2>&1 || \
	    { $(SUDO) apt-get update -qq >/dev/null 2>&1 && \
	      $(SUDO) apt-get install -y -qq desktop-file-utils appstream shared-mime-info shellcheck >/dev/null 2>&1; } || \
	    echo "note: could not install them; the desktop-file tests will be skipped"; \
	  else \
	    echo "note:$$missing not installed and apt-get is not usable here; the desktop-file tests will be skipped"; \
	  fi; \
	fi

check-desktop: $(STAMP) desktop-tools
	desktop-file-validate packaging/$(APP_ID).desktop
	appstreamcli validate --no-net packaging/$(APP_ID).metainfo.xml
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/test_packaging.py

# The desktop entry, AppStream metainfo, .rackio MIME type and hicolor icons for this user
# (~/.local/share). RACKIO is the program the menu entry starts: this checkout's by default,
# `make install-desktop RACKIO=$$PWD/dist/rackio/rackio` for the bundle.
install-desktop: $(STAMP)
	$(PY) packaging/desktop.py install --exec "$(RACKIO)"

# Wheel and sdist in dist/ (an isolated build, as pip would do it).
wheel: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,package]"
	$(PY) -m build --outdir dist .

# One-folder PyInstaller bundle in dist/rackio/, then proof that it runs: the CLI solves a
# bundled example and the window opens and closes headless (rackio --check-gui).
package: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,package]"
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/rackio.spec
	$(BUNDLE)/rackio --version
	$(BUNDLE)/rackio solve $(BUNDLE)/_internal/designer/resources/examples/mail-rack.rackio > /dev/null
	QT_QPA_PLATFORM=offscreen $(BUNDLE)/rackio --check-gui
	@du -sh $(BUNDLE)
