"""Issue 12 §3.1: text from a file is shown as text, never rendered as HTML.

A label ``<img src="/dev/zero">`` made Qt read the device as an image (std::bad_alloc, the app
aborts) and ``<img src="/dev/stdin">`` blocked it for ever, on selection or on hover. The design
is opened in a child process (a crash must not take the test run down) that selects every
element, shows every tooltip of the canvas, the rack view and the Problems dock, and the
"Cannot open" and recovery dialogs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from designer.ui.plain import plain

from .helpers import MAIL

CHILD = Path(__file__).with_name("rich_text_child.py")
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("device", ["/dev/stdin", "/dev/zero"])
def test_markup_labels_neither_crash_nor_hang_the_app(tmp_path, device):
    proc = subprocess.Popen([sys.executable, str(CHILD), str(tmp_path), device], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:  # stdin stays open and empty: reading /dev/stdin would block until the timeout
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the app hung; it got as far as: {out.split()[-1:]}")
    assert proc.returncode == 0, (proc.returncode, out[-500:], err[-2000:])
    report = json.loads(out.strip().splitlines()[-1])
    hostile_tips = [t for t in report["tips"] if "img src" in t]
    assert len(hostile_tips) >= 10  # elements, servers in racks, the problem
    for tip in hostile_tips:  # shown escaped: the characters, not an image
        assert "<img" not in tip and "&lt;img src=" in tip
    recovery_text = report["boxes"][-1]
    assert "did not close normally" in recovery_text
    assert "<img src=" in report["boxes"][0] or "&lt;img src=x&gt;" in report["boxes"][0]


def test_plain_keeps_ordinary_text_and_escapes_markup():
    assert plain("Cannot open a.rackio:\n\nnot valid JSON.") == "Cannot open a.rackio:\n\nnot valid JSON."
    assert plain("load < 5 %") == "load < 5 %"  # Qt shows this as text already
    assert plain("a < b and c > d") == "<p>a &lt; b and c &gt; d</p>"  # Qt would take <b ...> for a tag
    shown = plain('<img src="/dev/zero">\nline & more')
    assert shown == '<p>&lt;img src="/dev/zero"&gt;<br>line &amp; more</p>'


def test_inspector_heading_shows_the_label_as_text(window, tmp_path):
    doc = json.loads(MAIL.read_text(encoding="utf-8"))
    for element in doc["elements"]:
        if element["id"] == "h1":
            element["label"] = '<h1>Big</h1><a href="file:///etc/passwd">x</a>'
    path = tmp_path / "m.rackio"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert window.open_path(str(path), ask=False)
    window.inspector.set_selection(["h1"])
    headings = [label for label in window.inspector.findChildren(QLabel)
                if label.textFormat() == Qt.TextFormat.RichText and "Big" in label.text()]
    assert headings, "no heading shows the label"
    for label in headings:
        assert "&lt;h1&gt;Big&lt;/h1&gt;" in label.text() and "<a href" not in label.text()
    assert window.summary.textFormat() == Qt.TextFormat.PlainText
