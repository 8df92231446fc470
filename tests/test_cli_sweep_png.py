"""``rackio sweep FILE --png OUT``: the sweep plot drawn headless, written atomically.

The SPEC §7 rack first saturates at demand scale 0.625 (see tests/test_cli.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from designer.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPEC_EXAMPLE = json.loads((Path(__file__).resolve().parent / "spec_example.json").read_text(encoding="utf-8"))


@pytest.fixture
def spec_file(tmp_path) -> Path:
    path = tmp_path / "mail-rack.rackio"
    path.write_text(json.dumps(SPEC_EXAMPLE), encoding="utf-8")
    return path


def png_size(path: Path) -> tuple[int, int]:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull(), "not a readable PNG"
    return image.width(), image.height()


def test_png_is_written_next_to_the_csv(capsys, tmp_path, spec_file):
    png, table = tmp_path / "sweep.png", tmp_path / "sweep.csv"
    code = main(["sweep", str(spec_file), "--to", "1.5", "--steps", "7", "--png", str(png), "--csv", str(table)])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert "first saturation at ×0.6250: port:h1n0:0:tx" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = png_size(png)
    assert width >= 800 and height >= 500
    assert len(table.read_text(encoding="utf-8").splitlines()) == 8  # header + 7 steps
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


@pytest.mark.parametrize("content", ["{not json", json.dumps({"format": "rackio-project", "version": 99})])
def test_bad_file_exits_2_and_writes_nothing(capsys, tmp_path, content):
    bad = tmp_path / "bad.rackio"
    bad.write_text(content, encoding="utf-8")
    png = tmp_path / "out.png"
    code = main(["sweep", str(bad), "--png", str(png)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not png.exists()


def test_unwritable_png_target_exits_2_before_sweeping(capsys, tmp_path, spec_file):
    png = tmp_path / "no-such-folder" / "out.png"
    code = main(["sweep", str(spec_file), "--png", str(png)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("error: folder") and "no-such-folder" in err
    assert not png.parent.exists()


def test_png_without_a_display_in_a_real_process(tmp_path, spec_file):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    png = tmp_path / "headless.png"
    proc = subprocess.run([sys.executable, "-m", "designer.cli", "sweep", str(spec_file), "--png", str(png)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert png_size(png)[0] >= 800
