"""The benchmark and the screenshot script keep their window's settings in a temporary file
(issue 12 §2.1). ``QSettings(os.devnull, IniFormat)`` saves by renaming a new file over
/dev/null, which as root turns the machine's null device into a regular file."""

from __future__ import annotations

import importlib.util
import os
import stat
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

ROOT = Path(__file__).resolve().parents[2]


def load_script(relative: str):
    spec = importlib.util.spec_from_file_location(Path(relative).stem + "_under_test", ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", ["benchmarks/bench_gui.py", "docs/screenshots.py"])
def test_the_scripts_settings_are_a_temporary_file_and_dev_null_survives(qtbot, script):
    module = load_script(script)
    settings = module.make_settings()
    from designer.ui.main_window import MainWindow

    window = MainWindow(settings)  # what the script does with them: the window writes its state
    qtbot.addWidget(window)
    window.show()
    window.close()
    settings.setValue("probe", 1)
    settings.sync()
    assert settings.status() == QSettings.Status.NoError
    where = Path(settings.fileName())
    assert where != Path(os.devnull) and where.is_file()
    assert Path(tempfile.gettempdir()) in where.parents
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode), "/dev/null is no longer a character device"


def test_nothing_in_the_repository_builds_settings_on_dev_null():
    offenders = []
    for folder in ("designer", "tests", "benchmarks", "docs", "packaging"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "QSettings(os.devnull" in text.replace(" ", "") or 'QSettings("/dev/null"' in text:
                if path.name != Path(__file__).name:
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
