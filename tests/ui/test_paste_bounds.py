"""A pasted cable obeys the loader's capacity rule (issue 12 §3.2): refused whole, nothing changed."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPointF

from .helpers import open_example, state


@pytest.mark.parametrize("gbps", [1e308, 2e6, -1, 0, -0.0, "fast"])
def test_a_pasted_cable_with_an_absurd_capacity_is_refused(window, gbps):
    open_example(window)
    doc = json.loads(window.editor.copy_text(["h1", "tor"]))
    assert doc["links"], "the copy holds the cable between h1's NIC and tor"
    doc["links"][0]["gbps"] = gbps
    before = state(window)
    error, ids = window.editor.paste_text(json.dumps(doc), QPointF(60, 60))
    assert error and "gbps" in error and ids == []
    assert state(window) == before


def test_a_pasted_cable_with_a_sane_capacity_is_kept(window):
    open_example(window)
    doc = json.loads(window.editor.copy_text(["h1", "tor"]))
    doc["links"][0]["gbps"] = 40
    error, ids = window.editor.paste_text(json.dumps(doc), QPointF(60, 60))
    assert error is None and ids
    pasted = [link for link in window.document.topology.links.values() if link.gbps == 40]
    assert len(pasted) == 1
