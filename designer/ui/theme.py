"""Light and dark themes: follow the desktop's colour scheme or the Preferences choice.

``ThemeManager`` resolves the ``prefs/theme`` setting (``system``, ``light`` or
``dark``; ``system`` asks ``QStyleHints.colorScheme()`` and follows its
``colorSchemeChanged`` signal), then in this order:

1. makes the theme's ``style.Palette`` the one that paints (``style.apply_theme``);
2. gives the application a matching QPalette — the platform's own style and
   palette when the theme is light and so is the desktop, otherwise Qt's Fusion
   style with an explicit light or dark palette (so dark is dark on every
   platform, whatever its style supports);
3. repaints the canvas: scene background, every item (cached items re-render on
   ``update()``) and the view's cached background grid;
4. re-tints the icons (their outline ink follows the theme);
5. emits ``window.themeChanged(name)`` so the plots recolour.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from . import icons, style

THEME_CHOICES = ("system", "light", "dark")
SETTING = "prefs/theme"


def system_scheme() -> str:
    """``dark`` when the desktop asks for a dark colour scheme, ``light`` otherwise (also when unknown)."""
    app = QGuiApplication.instance()
    if app is None:
        return "light"
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def resolve(choice: str) -> str:
    """The theme a Preferences choice stands for right now."""
    if choice == "dark":
        return "dark"
    if choice == "light":
        return "light"
    return system_scheme()


def dark_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    window, base, text = QColor("#2b2f33"), QColor("#1f2225"), QColor("#e6e9eb")
    for r, c in (
        (role.Window, window), (role.WindowText, text), (role.Base, base), (role.AlternateBase, QColor("#272b2f")),
        (role.ToolTipBase, QColor("#33393e")), (role.ToolTipText, text), (role.PlaceholderText, QColor("#8a969c")),
        (role.Text, text), (role.Button, QColor("#33383d")), (role.ButtonText, text), (role.BrightText, QColor("#ff6e6e")),
        (role.Light, QColor("#454c52")), (role.Midlight, QColor("#3a4045")), (role.Mid, QColor("#2a2e32")),
        (role.Dark, QColor("#15171a")), (role.Shadow, QColor("#000000")),
        (role.Highlight, QColor("#1565c0")), (role.HighlightedText, QColor("#ffffff")),  # 5.8:1
        (role.Link, QColor("#64b5f6")), (role.LinkVisited, QColor("#ba68c8")),
    ):
        p.setColor(r, c)
    disabled = QColor("#6f7a80")
    for r in (role.WindowText, role.Text, role.ButtonText, role.HighlightedText):
        p.setColor(group.Disabled, r, disabled)
    p.setColor(group.Disabled, role.Highlight, QColor("#3a4045"))
    return p


def light_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    text = QColor("#1f2326")
    for r, c in (
        (role.Window, QColor("#eff0f1")), (role.WindowText, text), (role.Base, QColor("#ffffff")),
        (role.AlternateBase, QColor("#f5f6f7")), (role.ToolTipBase, QColor("#ffffdc")), (role.ToolTipText, text),
        (role.PlaceholderText, QColor("#7a8487")), (role.Text, text), (role.Button, QColor("#eff0f1")),
        (role.ButtonText, text), (role.BrightText, QColor("#ffffff")), (role.Light, QColor("#ffffff")),
        (role.Midlight, QColor("#f6f7f7")), (role.Mid, QColor("#c4c9cc")), (role.Dark, QColor("#9da5a8")),
        (role.Shadow, QColor("#5c6366")), (role.Highlight, QColor("#1e88e5")),
        (role.HighlightedText, QColor("#ffffff")), (role.Link, QColor("#1565c0")), (role.LinkVisited, QColor("#6a1b9a")),
    ):
        p.setColor(r, c)
    disabled = QColor("#a0a6a9")
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, disabled)
    return p


_NATIVE: tuple[str, QPalette, bool] | None = None


def _native_look() -> tuple[str, QPalette, bool]:
    """The platform's style, palette and darkness, as found before any theme was applied (once per process)."""
    global _NATIVE
    if _NATIVE is None:
        app = QApplication.instance()
        widgets = app if isinstance(app, QApplication) else None  # a QGuiApplication has no style
        _NATIVE = (widgets.style().name() if widgets is not None else "",
                   QPalette(widgets.palette()) if widgets is not None else QPalette(),
                   system_scheme() == "dark")
    return _NATIVE


class ThemeManager(QObject):
    """Owns the window's theme; ``window.theme`` after ``install``."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self._native_style, self._native_palette, self._native_is_dark = _native_look()
        self._applied: str | None = None
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_changed)

    @property
    def choice(self) -> str:
        value = str(self.window.settings.value(SETTING, "system") or "system")
        return value if value in THEME_CHOICES else "system"

    @property
    def current(self) -> str:
        return self._applied or style.current_theme()

    def _system_changed(self, _scheme) -> None:
        if self.choice == "system":
            self.apply(force=False)

    def apply(self, force: bool = False) -> str:
        """Apply the theme the settings ask for; returns its name ("light" or "dark")."""
        name = resolve(self.choice)
        if name == self._applied and not force:
            return name
        style.apply_theme(name)
        self._apply_palette(name)
        self._applied = name
        self.refresh_canvas()
        icons.apply_action_icons(self.window)
        palette_widget = getattr(self.window, "palette", None)
        if palette_widget is not None and hasattr(palette_widget, "tree"):
            refresh = getattr(palette_widget.tree, "refresh_icons", None)
            if refresh is not None:
                refresh()
        self.window.themeChanged.emit(name)
        return name

    def _apply_palette(self, name: str) -> None:
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        if name == "light" and not self._native_is_dark and system_scheme() == "light":
            # The desktop is light too: keep its own style and palette.
            if self._native_style and app.style().name() != self._native_style:
                app.setStyle(self._native_style)
            app.setPalette(self._native_palette)
            return
        available = [key.lower() for key in QStyleFactory.keys()]  # a list of style names
        if app.style().name().lower() != "fusion" and "fusion" in available:
            app.setStyle("Fusion")
        app.setPalette(dark_palette() if name == "dark" else light_palette())

    def refresh_canvas(self) -> None:
        """Repaint the canvas in the current style colours."""
        scene = self.window.scene
        if scene is not None:
            scene.setBackgroundBrush(style.current().canvas_bg)
            for item in scene.items():
                item.update()
            scene.update()
        view = self.window.view
        view.resetCachedContent()
        view.viewport().update()
