"""A machine without Qt's X11 libraries gets one ``error:`` line naming them and the apt command,
exit 2, before Qt is loaded, never Qt's abort (issue 12 §1). The probe reads ``ldd`` of PySide6's
libqxcb.so; here its answer is faked, and once taken from the real plugin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from designer import qt_platform
from designer.cli import main

ROOT = Path(__file__).resolve().parent.parent
MAIL = ROOT / "resources" / "examples" / "mail-rack.rackio"
LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f3c)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => /lib/x86_64-linux-gnu/libxcb-keysyms.so.1 (0x00007f3c)
\tlibxcb-icccm.so.4 => not found
\tlibweird-thing.so.3 => not found
"""
LDD_FINE = "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f3c)\n"


def fake_ldd(output):
    return lambda plugin: output


def test_ldd_output_gives_each_missing_library_once():
    assert qt_platform.missing_from_ldd(LDD_MISSING) == [
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libweird-thing.so.3"]
    assert qt_platform.missing_from_ldd(LDD_FINE) == []


def test_the_problem_names_libraries_packages_and_the_command(tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    text = qt_platform.problem({"DISPLAY": ":0"}, "linux", plugin, fake_ldd(LDD_MISSING))
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libweird-thing.so.3" in text
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4" in text
    assert "libweird-thing.so.3" in text.split("apt-get install")[1]  # no package known: named as is
    assert "\n" not in text


@pytest.mark.parametrize("environ, platform", [
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux"),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
    ({"DISPLAY": ":0"}, "darwin"),
    ({"DISPLAY": ":0"}, "win32"),
])
def test_no_probe_where_the_platform_is_not_xcb(tmp_path, environ, platform):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    assert qt_platform.problem(environ, platform, plugin, fake_ldd(LDD_MISSING)) is None


def test_xcb_chosen_explicitly_is_probed(tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    assert qt_platform.problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "w"}, "linux", plugin,
                               fake_ldd(LDD_MISSING))
    fine = dict(plugin=plugin, check_display=False)
    assert qt_platform.problem({"DISPLAY": ":0"}, "linux", ldd=fake_ldd(LDD_FINE), **fine) is None
    assert qt_platform.problem({"DISPLAY": ":0"}, "linux", ldd=fake_ldd(None), **fine) is None  # no ldd: no claim


def free_display() -> str:
    number = next(n for n in range(7700, 7800) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    return f":{number}"


def test_a_display_without_an_x_server_is_one_sentence_too(tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    display = free_display()
    text = qt_platform.problem({"DISPLAY": display}, "linux", plugin, fake_ldd(LDD_FINE))
    assert text and f"cannot connect to the X display {display!r}" in text and "\n" not in text


def test_rackio_window_without_the_libraries_is_one_error_line_and_exit_2(monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(qt_platform, "run_ldd", fake_ldd(LDD_MISSING))
    import designer.ui.app as app

    monkeypatch.setattr(app, "run", lambda path=None: pytest.fail("Qt was started"))
    code = main([str(MAIL)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert re.fullmatch(r"error: cannot open the designer window: .*libxcb-cursor\.so\.0.*apt-get install "
                        r"libxcb-cursor0 libxcb-icccm4.*\n", err)


def test_in_a_real_process_qt_is_never_loaded(tmp_path):
    script = (
        "import sys\n"
        "from designer import qt_platform\n"
        f"qt_platform.run_ldd = lambda plugin: {LDD_MISSING!r}\n"
        "from designer.cli import main\n"
        f"code = main([{str(MAIL)!r}])\n"
        "assert not any(m.startswith('PySide6.Qt') for m in sys.modules), 'Qt was loaded'\n"
        "sys.exit(code)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":99"
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")


def test_export_with_a_display_but_without_the_libraries_draws_offscreen(monkeypatch):
    environ = {"DISPLAY": ":99"}
    monkeypatch.setattr(qt_platform, "run_ldd", fake_ldd(LDD_MISSING))
    monkeypatch.setattr(sys, "platform", "linux")
    qt_platform.render_headless_if_needed(environ)
    assert environ["QT_QPA_PLATFORM"] == "offscreen"
    monkeypatch.setattr(qt_platform, "run_ldd", fake_ldd(LDD_FINE))
    monkeypatch.setattr(qt_platform, "display_problem", lambda environ=None: None)
    working = {"DISPLAY": ":99"}
    qt_platform.render_headless_if_needed(working)
    assert "QT_QPA_PLATFORM" not in working  # a working display is used as it is
    monkeypatch.setattr(qt_platform, "display_problem", lambda environ=None: "no X server")
    dead = {"DISPLAY": ":99"}
    qt_platform.render_headless_if_needed(dead)
    assert dead["QT_QPA_PLATFORM"] == "offscreen"


@pytest.mark.skipif(not sys.platform.startswith("linux") or qt_platform.xcb_plugin() is None,
                    reason="PySide6's X11 plugin is a Linux file")
def test_every_x11_library_of_the_real_plugin_has_its_package_in_the_makefile():
    output = qt_platform.run_ldd(qt_platform.xcb_plugin())
    assert output, "ldd gave nothing"
    libraries = re.findall(r"^\s*(\S+) =>", output, re.MULTILINE)
    x11 = [lib for lib in libraries if re.match(r"lib(xcb|X11|xkbcommon|EGL|GL)\b", lib)]
    assert x11
    unknown = [lib for lib in x11 if lib not in qt_platform.DEBIAN_PACKAGES]
    assert unknown == [], "add these to DEBIAN_PACKAGES and the Makefile"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^QT_X11_PACKAGES := (.*?)\n(?!\t)", makefile, re.MULTILINE | re.DOTALL).group(1)
    in_make = set(listed.replace("\\\n", " ").split())
    assert set(qt_platform.packages_for(x11)) <= in_make
