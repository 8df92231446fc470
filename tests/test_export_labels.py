"""Labels in exports are whole: shrunk, then wrapped, never cut with "…"; a NIC's
title and subtitle never overlap. Read back from the SVG's text elements."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from designer.cli import main

ROOT = Path(__file__).resolve().parent.parent
LONG = Path(__file__).resolve().parent / "long-labels.rackio"
MAIL = ROOT / "resources" / "examples" / "mail-rack.rackio"
SVG = "{http://www.w3.org/2000/svg}"
VM_LABEL = "Customer relationship management (legacy CRM) primary database"
NIC_MODEL = "Mellanox ConnectX-6 Dx EN 100GbE dual-port QSFP56 OCP3.0"


def texts(path: Path) -> list[tuple[str, float, float]]:
    """(text, baseline y, font size) of every text element."""
    out = []
    for element in ET.parse(path).iter(f"{SVG}text"):
        out.append(("".join(element.itertext()).strip(), float(element.get("y", 0)), float(element.get("font-size", 0))))
    return out


def export(tmp_path, design: Path, *extra) -> list[tuple[str, float, float]]:
    out = tmp_path / "out.svg"
    assert main(["export", str(design), "-o", str(out), *map(str, extra)]) == 0
    return texts(out)


def test_long_vm_and_nic_labels_are_printed_whole(tmp_path, capsys):
    found = export(tmp_path, LONG)
    joined = " ".join(t for t, _y, _s in found)
    assert "…" not in joined
    assert VM_LABEL in " ".join(t for t, _y, _s in found if t and t in VM_LABEL)  # wrapped over lines, in order
    assert NIC_MODEL in joined


def test_wrapped_lines_stay_at_readable_sizes(tmp_path, capsys):
    found = export(tmp_path, LONG)
    vm_lines = [(t, y, s) for t, y, s in found if t and t in VM_LABEL]
    assert len(vm_lines) >= 2
    # 3.5 pt at 96 dpi is 4.67 px
    assert all(size >= 3.5 * 96 / 72 - 0.01 for _t, _y, size in vm_lines)


def nic_title_and_subtitle(found, title: str, subtitle_start: str):
    t = next((y, s) for text, y, s in found if text == title)
    sub = next((y, s) for text, y, s in found if text.startswith(subtitle_start))
    return t, sub


def test_nic_title_and_subtitle_do_not_overlap(tmp_path, capsys):
    for design, title, sub in ((MAIL, "Intel X710-DA2", "h1n0 ·"), (LONG, NIC_MODEL, "n0 ·")):
        (ty, ts), (sy, ss) = nic_title_and_subtitle(export(tmp_path, design), title, sub)
        title_bottom = ty + 0.24 * ts  # baseline + descent
        subtitle_top = sy - 0.76 * ss  # baseline − ascent
        assert subtitle_top >= title_bottom, (design.name, ty, ts, sy, ss)
