"""Packaging: the wheel carries every resource and works once installed, the desktop
files validate and register the .rackio type, the app icon renders at every hicolor
size, and the frozen (PyInstaller) layout is found. ``make package`` checks the
bundle itself (docs/packaging.md)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGING = REPO / "packaging"
APP_ID = "io.github.rackio.Designer"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
MIME = PACKAGING / f"{APP_ID}.mime.xml"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def desktop_entry(path: Path = DESKTOP) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def isolated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A child process that cannot touch the user's settings, data or recovery copies."""
    env = dict(os.environ)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CACHE_HOME=str(home / ".cache"), QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (make check-desktop installs it with apt-get)")
    return path


# ------------------------------------------------------------ desktop files
def test_desktop_file_validates(tmp_path):
    tool = need("desktop-file-validate")
    result = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()
    # The copy `make install-desktop` writes, with an absolute Exec holding a space, validates too.
    staged = tmp_path / "share"
    subprocess.run([sys.executable, str(PACKAGING / "desktop.py"), "stage", str(staged),
                    "--exec", "/opt/Rack IO/rackio"], check=True, capture_output=True, env=isolated_env(tmp_path))
    installed = staged / "applications" / f"{APP_ID}.desktop"
    result = subprocess.run([tool, str(installed)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    entry = desktop_entry(installed)
    assert entry["Exec"] == '"/opt/Rack IO/rackio" %f'
    assert entry["TryExec"] == "/opt/Rack IO/rackio"


def test_metainfo_validates():
    tool = need("appstreamcli")
    result = subprocess.run([tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ids_types_and_versions_agree():
    from designer import __version__
    from designer.ui.app import DESKTOP_ID

    assert DESKTOP_ID == APP_ID
    entry = desktop_entry()
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "rackio"
    assert entry["Exec"].split()[-1] in ("%f", "%F", "%u", "%U")
    meta = ET.parse(METAINFO).getroot()
    assert meta.findtext("id") == APP_ID
    assert meta.find("launchable").text == f"{APP_ID}.desktop"
    assert meta.findtext("icon") == APP_ID
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta.findtext("project_license") == pyproject["project"]["license"]
    assert __version__ == pyproject["project"]["version"]
    assert __version__ in [r.get("version") for r in meta.iter("release")], "add a <release> for this version"
    mime = ET.parse(MIME).getroot().find(f"{MIME_NS}mime-type")
    mime_type = mime.get("type")
    assert entry["MimeType"].rstrip(";").split(";") == [mime_type]
    assert meta.find("provides").findtext("mediatype") == mime_type
    assert [g.get("pattern") for g in mime.iter(f"{MIME_NS}glob")] == ["*.rackio"]


def test_app_icon_renders_at_every_hicolor_size(qapp, tmp_path):
    sys.path.insert(0, str(PACKAGING))
    try:
        import desktop
    finally:
        sys.path.remove(str(PACKAGING))
    from PySide6.QtGui import QImage

    written = desktop.render_icons(tmp_path)
    for size in HICOLOR_SIZES:
        path = tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert path in written
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 2).alpha() == 255
        assert image.pixelColor(0, 0).alpha() == 0  # rounded corner
    svg = tmp_path / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert svg.read_bytes() == (REPO / "resources" / "icons" / "rackio.svg").read_bytes()


def test_install_desktop_registers_the_rackio_type(tmp_path):
    need("update-mime-database")
    prefix = tmp_path / "share"
    env = isolated_env(tmp_path)
    result = subprocess.run([sys.executable, str(PACKAGING / "desktop.py"), "install", "--prefix", str(prefix),
                             "--exec", "/usr/bin/rackio"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    for rel in (f"applications/{APP_ID}.desktop", f"metainfo/{APP_ID}.metainfo.xml",
                f"mime/packages/{APP_ID}.xml", f"icons/hicolor/scalable/apps/{APP_ID}.svg",
                *(f"icons/hicolor/{s}x{s}/apps/{APP_ID}.png" for s in HICOLOR_SIZES)):
        assert (prefix / rel).is_file(), rel
    project = tmp_path / "design.rackio"
    shutil.copyfile(REPO / "resources" / "examples" / "mail-rack.rackio", project)
    unnamed = tmp_path / "no-extension"
    shutil.copyfile(project, unnamed)
    probe = ("import sys\nfrom PySide6.QtCore import QMimeDatabase\ndb = QMimeDatabase()\n"
             "for path in sys.argv[1:]:\n    t = db.mimeTypeForFile(path)\n"
             "    print(t.name(), t.iconName(), ','.join(t.parentMimeTypes()))\n")
    result = subprocess.run([sys.executable, "-c", probe, str(project), str(unnamed)], capture_output=True,
                            text=True, env=isolated_env(tmp_path, XDG_DATA_HOME=str(prefix)), check=True)
    by_name, by_content = result.stdout.splitlines()
    assert by_name.split()[:2] == ["application/x-rackio-project", APP_ID]
    assert "application/json" in by_name
    assert by_content.split()[0] == "application/x-rackio-project"  # recognised by its "format" line
    if shutil.which("update-desktop-database"):
        cache = (prefix / "applications" / "mimeinfo.cache").read_text(encoding="utf-8")
        assert f"application/x-rackio-project={APP_ID}.desktop;" in cache


# ------------------------------------------------------------------ wheel
def _copy_source(dest: Path) -> Path:
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("designer", "resources"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy of the sources (the checkout stays untouched)."""
    base = tmp_path_factory.mktemp("wheel")
    source = _copy_source(base / "src")
    out = base / "dist"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                             "--no-index", "-w", str(out), str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (built,) = out.glob("rackio_designer-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_every_package_and_resource(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(str(p.parent.relative_to(REPO)) for p in (REPO / "designer").rglob("__init__.py")
                      if "__pycache__" not in p.parts)
    for package in packages:
        assert f"{package}/__init__.py" in names, f"{package} is missing from the wheel (pyproject packages)"
    resources = REPO / "resources"
    shipped = [p for pattern in ("*.json", "examples/*.rackio", "icons/*.svg") for p in resources.glob(pattern)]
    assert len(shipped) >= 10
    for path in shipped:
        assert f"designer/resources/{path.relative_to(resources).as_posix()}" in names, path
    assert any(re.match(r"rackio_designer-[^/]+\.dist-info/(licenses/)?LICENSE$", n) for n in names)
    assert not any(n.startswith(("tests/", "packaging/", "docs/")) for n in names)
    assert "designer/resources/examples/make_examples.py" not in names  # a maintainer's script, not data


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel (not editable); its dependencies come from
    this environment's site-packages through a .pth line, so nothing is downloaded."""
    import sysconfig

    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "rackio-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                             "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return venv


@pytest.mark.slow
def test_installed_wheel_finds_its_resources(installed, tmp_path):
    python = installed / "bin" / "python"
    probe = ("import designer, designer.resources_access as r\n"
             "print(designer.__file__)\nprint(r.resources_dir())\nprint(len(r.examples()))\n"
             "print(len(r.nic_catalogue()))\nprint(r.icon_path('kind-server'))\n")
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env=isolated_env(tmp_path)).stdout.splitlines()
    module, resources, n_examples, n_nics, icon = out
    assert Path(module).is_relative_to(installed), module  # the installed copy, not the checkout
    assert Path(resources).is_relative_to(installed)
    assert int(n_examples) == len(list((REPO / "resources" / "examples").glob("*.rackio")))
    assert int(n_nics) > 0
    assert Path(icon).is_file() and Path(icon).is_relative_to(installed)


@pytest.mark.slow
def test_installed_wheel_runs_cli_and_window(installed, tmp_path):
    rackio = installed / "bin" / "rackio"
    env = isolated_env(tmp_path)
    example = installed.glob("lib/python*/site-packages/designer/resources/examples/mail-rack.rackio")
    example = next(example)
    solved = subprocess.run([str(rackio), "solve", "--json", str(example)], capture_output=True, text=True,
                            cwd=tmp_path, env=env)
    assert solved.returncode == 0, solved.stderr
    assert '"flows"' in solved.stdout or '"resources"' in solved.stdout
    checked = subprocess.run([str(rackio), "--check-gui"], capture_output=True, text=True, cwd=tmp_path, env=env,
                             timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("GUI check passed: mail-rack.rackio")


# --------------------------------------------------------------- the rest
def test_check_gui_option(tmp_path, examples_dir):
    env = isolated_env(tmp_path)
    run = [sys.executable, "-c", "import sys; from designer.cli import main; sys.exit(main(sys.argv[1:]))"]
    ok = subprocess.run([*run, "--check-gui", str(examples_dir / "two-rack-proposal.rackio")],
                        capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert re.match(r"GUI check passed: two-rack-proposal\.rackio, \d+ elements", ok.stdout)
    broken = tmp_path / "broken.rackio"
    broken.write_text("{ not json", encoding="utf-8")
    bad = subprocess.run([*run, "--check-gui", str(broken)], capture_output=True, text=True, env=env, cwd=REPO,
                         timeout=120)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("error: GUI check failed: could not open")
    missing = subprocess.run([*run, "--check-gui", str(tmp_path / "nope.rackio")], capture_output=True, text=True,
                             env=env, cwd=REPO)
    assert missing.returncode == 2
    assert missing.stderr.startswith("error:") and len(missing.stderr.strip().splitlines()) == 1


def test_frozen_bundle_layout_is_found(tmp_path, monkeypatch):
    from designer import resources_access

    frozen = tmp_path / "_internal" / "designer" / "resources"
    (frozen / "examples").mkdir(parents=True)
    (frozen / "icons").mkdir()
    shutil.copyfile(REPO / "resources" / "nic-catalogue.json", frozen / "nic-catalogue.json")
    shutil.copyfile(REPO / "resources" / "examples" / "mail-rack.rackio", frozen / "examples" / "mail-rack.rackio")
    shutil.copyfile(REPO / "resources" / "icons" / "rackio.svg", frozen / "icons" / "rackio.svg")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    resources_access.resources_dir.cache_clear()
    try:
        assert resources_access.resources_dir() == frozen
        assert resources_access.examples() == [frozen / "examples" / "mail-rack.rackio"]
        assert resources_access.icon_path("rackio") == frozen / "icons" / "rackio.svg"
    finally:
        monkeypatch.delattr(sys, "_MEIPASS")
        resources_access.resources_dir.cache_clear()
    assert resources_access.resources_dir() != frozen


def test_licence_and_ignored_build_outputs():
    licence = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in licence and "Version 3, 29 June 2007" in licence
    assert "END OF TERMS AND CONDITIONS" in licence  # the full text, not a stub
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored and "dist/" in ignored
