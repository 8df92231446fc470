"""Every ``style.NAME`` the GUI reads exists: the theme is an object (``style.current()``),
so a module-global colour name (``style.TEXT``, as before the themes became ``Palette``s)
would fail only when that code first paints. mypy checks style.py and theme.py; this
covers the rest of designer/ui, whose own mypy errors are not yet all fixed."""

from __future__ import annotations

import re
from pathlib import Path

import designer
from designer.ui import style

UI = Path(designer.__file__).parent / "ui"
USE = re.compile(r"(?<![\w.])style\.([A-Za-z_]\w*)")
PALETTE_USE = re.compile(r"style\.current\(\)\.([A-Za-z_]\w*)")


def test_every_style_name_the_gui_reads_exists():
    missing = []
    fields = set(style.Palette.__dataclass_fields__)
    for path in sorted(UI.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "import style" not in text and "style import" not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for name in USE.findall(line):
                if not hasattr(style, name):
                    missing.append(f"{path.relative_to(UI)}:{number}: style.{name}")
            for name in PALETTE_USE.findall(line):
                if name not in fields:
                    missing.append(f"{path.relative_to(UI)}:{number}: style.current().{name}")
    assert not missing, "\n".join(missing)
