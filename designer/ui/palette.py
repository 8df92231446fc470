"""The palette dock: the six element kinds and the NIC catalogue, dragged onto the canvas."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt
from PySide6.QtGui import QDrag, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import catalogue
from ..resources_access import nic_catalogue
from . import icons, style
from .canvas.view import MIME_ELEMENT, encode_payload

KIND_HINTS = {
    "network": "An external destination: clients, WAN, storage. Drop on the canvas.",
    "switch": "A top-of-rack or aggregation switch. Drop on the canvas.",
    "server": "A virtualisation host. Drop on the canvas.",
    "nic": "A physical NIC. Drop onto a server.",
    "vf": "An SR-IOV virtual function. Drop onto a NIC, on the port it should use.",
    "vm": "A guest. Drop onto a server, then drag from its handle to a VF, a NIC port or a NIC.",
}


def kind_icon(kind: str, size: int = 20) -> QIcon:
    """The kind's SVG icon (resources/icons/kind-*.svg), drawn at whatever size is asked."""
    return icons.kind_icon(kind)


class PaletteTree(QTreeWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setIconSize(QSize(20, 20))
        self.setObjectName("paletteTree")
        elements = QTreeWidgetItem(self, ["Elements"])
        elements.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for kind in ("network", "switch", "server", "nic", "vf", "vm"):
            item = QTreeWidgetItem(elements, [style.KIND_LABELS[kind]])
            item.setIcon(0, kind_icon(kind))
            item.setData(0, Qt.ItemDataRole.UserRole, (kind, {}))
            item.setData(0, Qt.ItemDataRole.UserRole + 1, kind)
            item.setToolTip(0, KIND_HINTS[kind])
        group = QTreeWidgetItem(self, ["NIC catalogue"])
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for entry in nic_catalogue():
            item = QTreeWidgetItem(group, [entry["name"]])
            item.setIcon(0, kind_icon("nic"))
            item.setData(0, Qt.ItemDataRole.UserRole + 1, "nic")
            item.setData(0, Qt.ItemDataRole.UserRole, ("nic", catalogue.preset(entry)))
            item.setToolTip(0, f"{entry['ports']}×{entry['port_gbps']} Gbit/s, PCIe {entry['pcie_gbps']} Gbit/s, "
                               f"up to {entry['max_vfs']} VFs, driver {entry['driver']}: VF minimum "
                               f"{'enforced' if entry['vf_min_rate'] else 'NOT enforced'}. {entry.get('note', '')}"
                               f"\nDrop onto a server.")
        self.expandAll()
        # Catalogue names are long ("Mellanox ConnectX-6 Dx 2×100G"): never cut them off. The
        # tree is at least as wide as the longest name needs, and wraps if the dock is narrowed.
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setMinimumWidth(self.needed_width())

    def needed_width(self) -> int:
        """The width that shows every entry's name whole (indent, icon, text, margins, scroll bar)."""
        metrics = self.fontMetrics()
        widest = 0
        for i in range(self.topLevelItemCount()):
            group = self.topLevelItem(i)
            for j in range(group.childCount()):
                widest = max(widest, metrics.horizontalAdvance(group.child(j).text(0)))
        return min(420, widest + 2 * self.indentation() + self.iconSize().width() + 16
                   + self.verticalScrollBar().sizeHint().width())

    def refresh_icons(self) -> None:
        """Re-set every kind icon (their outline follows the theme)."""
        for i in range(self.topLevelItemCount()):
            group = self.topLevelItem(i)
            for j in range(group.childCount()):
                item = group.child(j)
                kind = item.data(0, Qt.ItemDataRole.UserRole + 1)
                if kind:
                    item.setIcon(0, kind_icon(kind))

    def payload(self, item: QTreeWidgetItem) -> tuple[str, dict] | None:
        data = item.data(0, Qt.ItemDataRole.UserRole)
        return tuple(data) if data else None  # type: ignore[return-value]

    def mime_for(self, item: QTreeWidgetItem) -> QMimeData | None:
        payload = self.payload(item)
        if payload is None:
            return None
        mime = QMimeData()
        mime.setData(MIME_ELEMENT, encode_payload(*payload))
        mime.setText(item.text(0))
        return mime

    def startDrag(self, supported_actions) -> None:
        item = self.currentItem()
        if item is None:
            return
        mime = self.mime_for(item)
        if mime is None:
            return
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(item.icon(0).pixmap(24, 24))
        drag.exec(Qt.DropAction.CopyAction)


class PaletteWidget(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.tree = PaletteTree(self)
        layout.addWidget(self.tree)
        hint = QLabel("Drag onto the canvas. Connect by dragging from a NIC port or from the round handle of a "
                      "switch, network or VM.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #607d8b; font-size: 11px;")
        layout.addWidget(hint)
