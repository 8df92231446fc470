"""The problems dock: the design rules' findings, live; a click selects the element."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from ..model.rules import Problem
from .plain import plain

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_MARK = {"error": "●", "warning": "▲", "info": "ℹ"}
SEVERITY_COLOR = {"error": QColor("#c62828"), "warning": QColor("#ef6c00"), "info": QColor("#1565c0")}


class ProblemsWidget(QListWidget):
    elementRequested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("problemsList")
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.problems: list[Problem] = []
        self.itemActivated.connect(self._activate)
        self.itemClicked.connect(self._activate)

    def sizeHint(self):
        from PySide6.QtCore import QSize

        return QSize(600, 110)

    def set_problems(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (SEVERITY_ORDER.get(p.severity, 3), p.element, p.code))
        self.clear()
        if not self.problems:
            item = QListWidgetItem("No problems: every rule holds and every guarantee is met.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)
            return
        for p in self.problems[:2000]:
            item = QListWidgetItem(f"{SEVERITY_MARK.get(p.severity, '•')} {p.code} — {p.element}: {p.message}")
            item.setForeground(SEVERITY_COLOR.get(p.severity, QColor("#212121")))
            item.setData(Qt.ItemDataRole.UserRole, p.element)
            item.setToolTip(plain(p.message))
            self.addItem(item)
        if len(self.problems) > 2000:
            more = QListWidgetItem(f"… and {len(self.problems) - 2000} more (see rackio solve)")
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(more)

    def _activate(self, item: QListWidgetItem) -> None:
        element = item.data(Qt.ItemDataRole.UserRole)
        if element:
            self.elementRequested.emit(element)
