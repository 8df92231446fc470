"""Run by test_rich_text.py in a child process: a design whose every text is HTML that would
make Qt read a device (``<img src=...>``) is opened, every element is selected, every tooltip
and the dialogs are shown. A crash (std::bad_alloc) or a hang (reading /dev/stdin) fails it.

    python rich_text_child.py WORKDIR SRC
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QEvent, QPoint, QSettings, QStandardPaths  # noqa: E402
from PySide6.QtGui import QHelpEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "mail-rack.rackio"


def main(workdir: Path, src: str) -> int:
    QStandardPaths.setTestModeEnabled(True)
    app = QApplication([])
    from designer.model.rules import Problem
    from designer.ui import recovery
    from designer.ui.main_window import MainWindow

    hostile = f'<img src="{src}"><h1>big</h1><a href="file:///etc/passwd">link</a>'
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["title"] = hostile
    for rack in doc.get("racks", []):
        rack["label"] = hostile
    for element in doc["elements"]:
        element["label"] = hostile
    path = workdir / f'{hostile.replace("/", "_")[:60]}.rackio'
    path.write_text(json.dumps(doc), encoding="utf-8")

    shown: list[str] = []

    def show_box(box: QMessageBox) -> None:
        box.show()
        app.processEvents()
        box.grab()
        shown.append(box.text())
        box.close()

    def fake_static(icon):
        def fake(parent, title, text, *args, **kwargs):
            box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)  # AutoText, as Qt's own
            show_box(box)
            return QMessageBox.StandardButton.Ok
        return fake

    for name, icon in (("critical", QMessageBox.Icon.Critical), ("warning", QMessageBox.Icon.Warning),
                       ("information", QMessageBox.Icon.Information), ("question", QMessageBox.Icon.Question)):
        setattr(QMessageBox, name, staticmethod(fake_static(icon)))

    window = MainWindow(QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat))
    window.recovery.directory = workdir / "recovery"
    window.show()
    app.processEvents()
    assert window.open_path(str(path), ask=False)
    app.processEvents()
    print("opened", flush=True)

    def tooltip_at(widget, pos: QPoint) -> str:
        QApplication.sendEvent(widget, QHelpEvent(QEvent.Type.ToolTip, pos, widget.mapToGlobal(pos)))
        app.processEvents()
        text = QToolTip.text()
        QToolTip.hideText()
        return text

    scene, view = window.scene, window.view
    tips = []
    for element_id in doc["elements"]:
        eid = element_id["id"]
        scene.select_ids([eid])
        window.inspector.set_selection([eid])
        app.processEvents()
        window.inspector.grab()
        item = scene.element_item(eid)
        if item is not None:
            view.resetTransform()
            center = item.sceneBoundingRect().center()
            view.centerOn(center)
            tips.append(tooltip_at(view.viewport(), view.mapFromScene(center)))
    for cable in scene.cables.values():
        for segment in cable.segments[:1]:
            center = segment.sceneBoundingRect().center()
            view.centerOn(center)
            tips.append(tooltip_at(view.viewport(), view.mapFromScene(center)))
    print("canvas", flush=True)

    panel = window.rack_panel
    window.central_tabs.setCurrentWidget(panel)
    app.processEvents()
    panel.scene.rebuild(window.document.topology, window.document.solution, True)
    app.processEvents()
    for item in panel.scene.items():
        if item.toolTip():
            center = item.sceneBoundingRect().center()
            panel.view.centerOn(center)
            tips.append(tooltip_at(panel.view.viewport(), panel.view.mapFromScene(center)))
    print("racks", flush=True)

    problems = window.problems
    problems.set_problems([Problem("demo", "error", "h1", f"server {hostile} is overloaded")])
    item = problems.item(0)
    tips.append(tooltip_at(problems.viewport(), problems.visualItemRect(item).center()))
    print("problems", flush=True)

    # "Cannot open NAME": a file named with the markup that is not a project.
    bad = workdir / "<img src=x>.rackio"
    bad.write_text(f'{{"format": "{hostile}"}}', encoding="utf-8")
    window.open_path(str(bad), ask=False)
    # The recovery dialog with a copy of the hostile design.
    window.document.mark_modified()
    window.recovery.autosave_now()
    entry = recovery.read_entries(window.recovery.directory)[0]
    QMessageBox.exec = lambda box: (show_box(box), 0)[1]
    recovery.ask_recovery(window, entry)
    print("dialogs", flush=True)

    print(json.dumps({"tips": [t for t in tips if t], "boxes": shown}), flush=True)
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2]))
