"""Text from a design is shown as text, never as markup (docs/safety.md, "Rich text").

Qt guesses whether a string is HTML (``Qt::mightBeRichText``) for tooltips, message
boxes and labels in their default ``AutoText`` mode. A label such as
``<img src="/dev/zero">`` would then be rendered: Qt reads the "image" (running out of
memory on /dev/zero, blocking forever on /dev/stdin) and ``<a href=file:…>`` becomes
a link. Every string that may hold text from a file or a user goes through ``plain``
before it reaches such a widget; labels showing it use ``Qt.PlainText``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneHelpEvent, QLabel, QToolTip


def plain(text: str) -> str:
    """``text`` in a form that Qt's auto-detecting widgets show literally, character for character.

    Text Qt would take for plain text is returned as it is (so nothing changes for ordinary
    strings); text Qt would render as HTML is escaped into HTML that displays the same
    characters, line breaks included."""
    if not text or not QtGuiNamespace.mightBeRichText(text):
        return text
    return "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"


def markup(text: str) -> str:
    """``text`` escaped for a widget that always renders HTML (a rich-text heading, pyqtgraph labels)."""
    return html.escape(text, quote=False)


def plain_label(text: str = "") -> QLabel:
    """A QLabel that never interprets its text."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def show_scene_tooltip(scene: QGraphicsScene, event: QGraphicsSceneHelpEvent) -> None:
    """``QGraphicsScene.helpEvent`` that shows the topmost item's tooltip as plain text.

    Scenes override ``helpEvent`` with this, so every item's tooltip (element labels, rack
    titles, overlay figures) is escaped in one place, whatever the item put in it."""
    widget = event.widget()
    view = widget.parentWidget() if widget is not None else None
    transform = view.transform() if view is not None and hasattr(view, "transform") else None
    if transform is not None:
        items = scene.items(event.scenePos(), Qt.ItemSelectionMode.IntersectsItemShape,
                            Qt.SortOrder.DescendingOrder, transform)
    else:
        items = scene.items(event.scenePos())
    text = ""
    for item in items:
        tip = item.toolTip()
        if tip:
            text = tip
            break
        if item.isBlockedByModalPanel():
            break
    QToolTip.showText(event.screenPos(), plain(text), widget)
    event.setAccepted(bool(text))
