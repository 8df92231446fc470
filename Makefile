# RackIO Designer — `make run` opens the designer, `make test` runs every test.
# Both create .venv on first use and install the project with its test extras.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXAMPLE := resources/examples/mail-rack.rackio

.PHONY: run test check bench bench-gui bench-cli bench-scale screenshots venv clean package wheel install-desktop \
	check-desktop desktop-tools system-deps test-tools

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
# An editable install leaves the package's bytecode to the first run, and a shell with
# PYTHONDONTWRITEBYTECODE set compiles it again on every run (about a sixth of the time `rackio solve`
# spends importing): compiled here, as pip compiles an installed wheel. A changed source is compiled
# afresh when it runs; the cache is only ever a faster start.
	$(PY) -m compileall -q designer
	touch $(STAMP)

run: $(STAMP) system-deps
	$(VENV)/bin/rackio $(EXAMPLE)

test: $(STAMP) desktop-tools system-deps test-tools check
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The layer contracts (pyproject.toml [tool.importlinter]) and the type checks of the
# Qt-free packages ([tool.mypy]); docs/architecture.md says why.
check: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) benchmarks/bench_solver.py

bench-gui: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/bench_gui.py

bench-cli: $(STAMP)
	$(PY) benchmarks/bench_cli.py

bench-scale: $(STAMP)
	$(PY) benchmarks/bench_scale.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) docs/screenshots.py
	QT_QPA_PLATFORM=offscreen $(PY) docs/proposal_images.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
	find designer tests benchmarks -name __pycache__ -prune -exec rm -rf {} +

# ------------------------------------------------------------- packaging (docs/packaging.md)
APP_ID  := io.github.rackio.Designer
BUNDLE  := dist/rackio
RACKIO  ?= $(abspath $(VENV)/bin/rackio)
DESKTOP_TOOLS := desktop-file-validate appstreamcli update-mime-database update-desktop-database shellcheck
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

# $(call apt-install,PROGRAMS OR LIBRARIES MISSING,DEBIAN PACKAGES,WHAT HAPPENS WITHOUT THEM):
# install the packages with apt-get (as root, or through passwordless sudo) when something is
# missing. Never fails: where apt-get cannot be used it prints a note.
define apt-install
	@missing="$(strip $(1))"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && { [ -z "$(SUDO)" ] || sudo -n true 2>/dev/null; }; then \
	    echo "installing $(strip $(2)) (missing: $$missing)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    $(SUDO) apt-get install -y -qq $(2) >/dev/null 2>&1 || \
	    { $(SUDO) apt-get update -qq >/dev/null 2>&1 && \
	      $(SUDO) apt-get install -y -qq $(2) >/dev/null 2>&1; } || \
	    echo "note: could not install them; $(strip $(3))"; \
	  else \
	    echo "note: $$missing not installed and apt-get is not usable here; $(strip $(3))"; \
	  fi; \
	fi
endef
missing-programs = $(foreach t,$(1),$(if $(shell command -v $(t) 2>/dev/null),,$(t)))

# The validators the desktop-file tests use, from Debian's desktop-file-utils, appstream and
# shared-mime-info, and shellcheck for the host-config scripts' test: installed with apt-get when
# missing and possible. Never fails: without them those tests are skipped and say why.
desktop-tools:
	$(call apt-install,$(call missing-programs,$(DESKTOP_TOOLS)),desktop-file-utils appstream shared-mime-info shellcheck,\
	  the desktop-file tests will be skipped)

# Qt's X11 runtime libraries: what `ldd` on PySide6's platforms/libqxcb.so needs beyond a bare
# Debian 12 (designer/qt_platform.py names the same packages when one is missing). Without them
# `rackio` says which are missing and how to install them, and exits 2.
QT_X11_PACKAGES := libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1 libxcb-util1 \
	libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-render0 libxcb1 libx11-xcb1 libx11-6 libfontconfig1 \
	libfreetype6 libglib2.0-0 libdbus-1-3
missing-packages = $(shell for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	grep -q "ok installed" || echo $$p; done)

system-deps:
	$(call apt-install,$(call missing-packages,$(QT_X11_PACKAGES)),$(call missing-packages,$(QT_X11_PACKAGES)),\
	  the designer window cannot open; rackio will name what is missing)

# What other tests use: pdfinfo and pdftotext (PDF exports), shellcheck (the shell scripts).
test-tools:
	$(call apt-install,$(call missing-programs,pdfinfo pdftotext shellcheck),poppler-utils shellcheck,\
	  the tests needing them will be skipped)

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
