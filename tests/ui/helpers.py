"""Helpers shared by the GUI tests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt

from designer.fileformat import dumps
from designer.model.schema import fields_for, vnic_field_spec
from designer.model.topology import Topology
from designer.ui.document import Document

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
MAIL = EXAMPLES / "mail-rack.rackio"
TWO_RACK = EXAMPLES / "two-rack-proposal.rackio"


def copies(directory: Path) -> list[str]:
    """The recovery copies in ``directory`` (none when it does not exist yet)."""
    return sorted(p.name for p in directory.glob("*.rackio")) if directory.is_dir() else []


def use_design(window, elements, links=()) -> Topology:
    """Put a freshly built design in the window (as the loader would: unmodified)."""
    topo = Topology.build(elements, links)
    window.set_document(Document(topo, parent=window))
    window.scene.flush()
    return window.document.topology


def open_example(window, path: Path = MAIL) -> Topology:
    assert window.open_path(str(path), ask=False, remember=False)
    window.scene.flush()
    return window.document.topology


def snapshot(window) -> str:
    return dumps(window.document.topology)


def state(window) -> tuple:
    """Model text, undo depth and the ids on the canvas: what a refused edit must not change."""
    return snapshot(window), window.document.undo_stack.count(), sorted(window.scene.all_element_ids())


def assert_model_valid(topo: Topology) -> None:
    """Every field of every element holds a value its spec accepts."""
    for element in topo.elements.values():
        for spec in fields_for(element.KIND):
            spec.coerce(getattr(element, spec.name))
        for vnic in getattr(element, "vnics", []):
            for name in vnic.field_names():
                vnic_field_spec(name).coerce(getattr(vnic, name))


def show_scene_point(window, scene_pos: QPointF) -> QPoint:
    """Scroll the view (at zoom 1) so the scene point is visible; its viewport position."""
    view = window.view
    view.resetTransform()
    view.centerOn(scene_pos)
    return view.mapFromScene(scene_pos)


def drag(qtbot, window, start: QPoint, end: QPoint, steps: int = 6) -> None:
    """A left-button drag with real mouse events on the canvas viewport."""
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(viewport, pos=start + (end - start) * (i / steps))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
