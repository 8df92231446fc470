"""Issue 12 §3.7: what RackIO writes out stays well-formed and inert, whatever the labels hold.

SVG must be XML (control characters from labels, title, --author and --notes are dropped), CSV
cells never start a formula, and ``rackio solve`` prints no escape sequences."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from designer.cli import main
from designer.textsafe import csv_cell, csv_row, terminal_text

ROOT = Path(__file__).resolve().parent
SPEC = json.loads((ROOT / "spec_example.json").read_text(encoding="utf-8"))
CONTROLS = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n") + "\ufffe\uffff"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def hostile_design(tmp_path: Path, title: str, label: str) -> Path:
    doc = json.loads(json.dumps(SPEC))
    doc["title"] = title
    for element in doc["elements"]:
        element["label"] = label
    path = tmp_path / "hostile.rackio"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_svg_export_is_well_formed_xml_whatever_the_text(capsys, tmp_path):
    path = hostile_design(tmp_path, "Title" + CONTROLS, "Label" + CONTROLS + "&<>\"'")
    out = tmp_path / "d.svg"
    code, _, err = run(capsys, "export", path, "-o", out, "--author", "Ann" + CONTROLS, "--notes", "Note" + CONTROLS)
    assert code == 0, err
    root = ET.fromstring(out.read_bytes())  # raises on ill-formed XML
    text = "".join(root.itertext())
    assert "TitleLabel" not in text and "Title" in text and "Ann" in text and "Note" in text
    assert "Label" in text
    assert not any(ch in text for ch in CONTROLS)


@pytest.mark.parametrize("text, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|x", "'-2+3+cmd|x"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-1.5", "-1.5"), ("+2", "+2"), ("-0", "-0"), ("1e-3", "1e-3"), ("web", "web"), ("", ""),
    (-1.5, -1.5), (3, 3),
])
def test_csv_cells_never_start_a_formula_but_numbers_stay_numbers(text, expected):
    assert csv_cell(text) == expected


def test_solve_csv_escapes_labels_that_look_like_formulas(capsys, tmp_path):
    path = hostile_design(tmp_path, "t", "=cmd|' /C calc'!A0")
    code, _, err = run(capsys, "solve", path, "--csv", tmp_path / "out")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "hostile-servers.csv").read_text(encoding="utf-8"))))
    label = rows[0].index("label")
    assert rows[1][label] == "'=cmd|' /C calc'!A0"
    assert float(rows[1][rows[0].index("vmm_cores")]) >= 0  # numbers stay plain numbers


def test_analysis_csv_export_escapes_text_cells():
    from designer.ui.analysis.base import csv_text

    rows = list(csv.reader(io.StringIO(csv_text(["a", "b", "c"], [["=1+1", -2.5, "-3"]]))))
    assert rows[1] == ["'=1+1", "-2.5", "-3"]


def test_solve_prints_no_terminal_escape_sequences(capsys, tmp_path):
    osc52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
    path = hostile_design(tmp_path, f"Rack{osc52}\x1b[2J\x1b[H\x9b31m\nsecond line", f"lab{osc52}")
    code, out, _ = run(capsys, "solve", path)
    assert code == 0
    assert not any(ord(ch) < 32 and ch != "\n" or 0x7f <= ord(ch) <= 0x9f for ch in out)
    assert out.splitlines()[0].startswith("Rack]52;c;cm0gLXJmIH4=") and "second line" in out.splitlines()[0]


def test_terminal_text_and_csv_row_helpers():
    assert terminal_text("a\x1b[31mb\x07\tc\nd\x7f\x85") == "a[31mb c d"
    assert csv_row(["=x", 1, "ok"]) == ["'=x", 1, "ok"]
