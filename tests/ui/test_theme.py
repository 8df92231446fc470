"""Light and dark themes: the canvas, its cached items, the plots, the widgets and the
icons all change; the system's colour scheme is followed unless Preferences force one."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication

from designer.ui import icons, style, theme


def luminance(color: QColor) -> float:
    return 0.2126 * color.red() + 0.7152 * color.green() + 0.0722 * color.blue()


def mean_luminance(image, rect=None) -> float:
    rect = rect or image.rect()
    total = count = 0
    for y in range(rect.top(), rect.bottom(), 3):
        for x in range(rect.left(), rect.right(), 3):
            total += luminance(image.pixelColor(x, y))
            count += 1
    return total / count


def set_theme(window, qtbot, name: str) -> None:
    window.preferences.set_value("prefs/theme", name)
    qtbot.wait(10)


@pytest.fixture
def themed(window, qtbot, examples_dir):
    assert window.open_path(str(examples_dir / "mail-rack.rackio"), ask=False)
    qtbot.wait(20)
    window.view.fit_all()
    qtbot.wait(20)
    yield window
    # Leave the shared QApplication light for the tests that follow.
    window.settings.setValue("prefs/theme", "light")
    window.preferences.theme.apply()


def test_dark_recolours_canvas_widgets_and_plots(themed, qtbot):
    window = themed
    light_canvas = mean_luminance(window.view.viewport().grab().toImage())
    with qtbot.waitSignal(window.themeChanged) as signal:
        set_theme(window, qtbot, "dark")
    assert signal.args == ["dark"]
    assert style.current_theme() == "dark"
    assert window.scene.backgroundBrush().color() == QColor(style.PALETTES["dark"].canvas_bg)
    dark_canvas = mean_luminance(window.view.viewport().grab().toImage())
    assert light_canvas > 200 and dark_canvas < 80, (light_canvas, dark_canvas)
    # The widgets follow: a dark window background and light text.
    palette = QApplication.instance().palette()
    assert luminance(palette.color(QPalette.ColorRole.Window)) < 80
    assert luminance(palette.color(QPalette.ColorRole.WindowText)) > 180
    # The analysis plots recolour through themeChanged.
    plots = window.analysis.panels
    assert plots
    for panel in plots.values():
        assert panel.graphics.backgroundBrush().color() == QColor(style.PALETTES["dark"].plot_bg)
    with qtbot.waitSignal(window.themeChanged) as signal:
        set_theme(window, qtbot, "light")
    assert signal.args == ["light"]
    assert mean_luminance(window.view.viewport().grab().toImage()) > 200
    for panel in plots.values():
        assert panel.graphics.backgroundBrush().color() == QColor(style.PALETTES["light"].plot_bg)


def test_cached_items_repaint_in_the_new_colours(themed, qtbot):
    window = themed
    item = window.scene.element_item("h1")
    assert item is not None and item.cacheMode() != item.CacheMode.NoCache

    def server_area():
        view = window.view
        rect = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
        return mean_luminance(view.viewport().grab().toImage(), rect.intersected(view.viewport().rect()))

    before = server_area()
    set_theme(window, qtbot, "dark")
    after = server_area()
    assert before - after > 80, (before, after)


def test_system_scheme_is_followed_unless_forced(themed, qtbot, monkeypatch):
    window = themed
    hints = QGuiApplication.styleHints()
    monkeypatch.setattr(theme, "system_scheme", lambda: "dark")
    assert window.preferences.theme.choice == "system"
    with qtbot.waitSignal(window.themeChanged):
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert style.current_theme() == "dark"
    # Forced light: a later change of the desktop's scheme is ignored.
    set_theme(window, qtbot, "light")
    assert style.current_theme() == "light"
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert style.current_theme() == "light"
    # Back to following the system, which is (pretend) dark.
    set_theme(window, qtbot, "system")
    assert style.current_theme() == "dark"


def test_dialog_theme_choice_switches_at_once(themed, qtbot):
    window = themed
    window.act_preferences.trigger()
    dialog = window.preferences.dialog
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    assert window.settings.value("prefs/theme") == "dark"
    assert style.current_theme() == "dark"
    dialog.close()


def test_toolbar_and_palette_use_the_icon_set(window):
    from designer.ui.canvas.view import DesignView  # noqa: F401 (the window is built)

    toolbar_actions = [a for a in window.toolbar.actions() if not a.isSeparator() and a.text()]
    named = {a.objectName() for a in toolbar_actions if not a.icon().isNull()}
    for attr in ("act_new", "act_open", "act_save", "act_undo", "act_redo", "act_zoom_in", "act_zoom_out",
                 "act_fit", "act_overlay"):
        assert getattr(window, attr).objectName() in named, attr
    tree = window.palette.tree
    elements = tree.topLevelItem(0)
    assert elements.childCount() == 6
    images = set()
    for i in range(elements.childCount()):
        icon = elements.child(i).icon(0)
        assert not icon.isNull()
        images.add(icon.pixmap(24, 24).toImage().bits().tobytes())
    assert len(images) == 6  # six different pictures


def test_icons_are_crisp_at_high_dpi():
    for name in ("kind-server", "zoom-in", icons.APP_ICON):
        icon = icons.icon(name, "light")
        pixmap = icon.pixmap(QSize(24, 24), 2.0)
        assert pixmap.devicePixelRatio() == 2.0
        assert pixmap.width() == 48 and pixmap.height() == 48
        # Drawn at 48 device pixels (the same picture as a 48 px icon), not a 24 px one blown up.
        image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
        native = icon.pixmap(48, 48).toImage().convertToFormat(QImage.Format.Format_ARGB32)
        blown_up = icon.pixmap(24, 24).toImage().scaled(48, 48).convertToFormat(QImage.Format.Format_ARGB32)
        native.setDevicePixelRatio(2.0)
        blown_up.setDevicePixelRatio(2.0)
        assert image == native
        assert image != blown_up


def test_dark_icons_have_light_ink():
    light = icons.icon("edit-undo", "light").pixmap(48, 48).toImage()
    dark = icons.icon("edit-undo", "dark").pixmap(48, 48).toImage()

    def ink(image):
        values = [luminance(image.pixelColor(x, y)) for x in range(48) for y in range(48)
                  if image.pixelColor(x, y).alpha() == 255]
        return sum(values) / len(values)

    assert ink(light) < 100
    assert ink(dark) > 180
    disabled = icons.icon("edit-undo", "light").pixmap(QSize(48, 48), QIcon.Mode.Disabled).toImage()
    assert max(disabled.pixelColor(x, y).alpha() for x in range(48) for y in range(48)) < 200


def test_every_shipped_icon_renders():
    from designer.resources_access import icons_dir

    names = sorted(p.stem for p in icons_dir().glob("*.svg"))
    assert {f"kind-{k}" for k in ("network", "switch", "server", "nic", "vf", "vm", "rack")} <= set(names)
    for name in names:
        assert not icons.icon(name, "light").pixmap(32, 32).isNull(), name
    with pytest.raises(KeyError):
        icons.icon("no-such-icon")
