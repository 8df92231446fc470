"""Colours, fonts and the utilisation scale shared by the canvas, plots and exports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QColor

# Utilisation scale: (fraction, colour). Saturated (≥ 100 %) is red and drawn thicker.
UTIL_STOPS = [
    (0.0, QColor("#2e7d32")),
    (0.5, QColor("#7cb342")),
    (0.75, QColor("#f9a825")),
    (0.9, QColor("#ef6c00")),
    (1.0, QColor("#c62828")),
]
IDLE_COLOR = QColor("#9e9e9e")
SATURATED_COLOR = QColor("#c62828")

MODE_COLORS = {
    "vf": QColor("#00897b"),  # direct: SR-IOV virtual function
    "passthrough": QColor("#6a1b9a"),  # direct: whole device (VT-d)
    "paravirtual": QColor("#1565c0"),  # software path through the VMM
    "emulated": QColor("#ad1457"),
}
MODE_LABELS = {
    "vf": "SR-IOV VF (direct)",
    "passthrough": "Passthrough (VT-d, direct)",
    "paravirtual": "Paravirtual (via VMM)",
    "emulated": "Emulated (via VMM)",
}

KIND_LABELS = {
    "network": "Network",
    "switch": "Switch",
    "server": "Server",
    "nic": "NIC",
    "vf": "Virtual function",
    "vm": "VM",
}

# --------------------------------------------------------------------- themes
# The canvas, plots and exports read these module globals at paint time, so
# ``apply_theme`` recolours everything once the items repaint. Exports always
# render with ``theme("light")`` so a printed proposal never comes out dark.
THEMES: dict[str, dict] = {
    "light": {
        "KIND_COLORS": {
            "network": "#e3f2fd", "switch": "#eceff1", "server": "#fafafa",
            "nic": "#e8f5e9", "vf": "#b2dfdb", "vm": "#fff8e1", "rack": "#eceff1",
        },
        "OUTLINE": "#455a64",
        "TEXT": "#212121",
        "MUTED_TEXT": "#607d8b",
        "SELECTION": "#1e88e5",
        "CANVAS_BG": "#ffffff",
        "GRID": "#eef1f3",
        "SURFACE": "#ffffff",  # empty sockets, unused VF chips
        "PLUG": "#263238",  # a cabled port's plug
        "UNPLUGGED": "#cfd8dc",
        "VSWITCH_FILL": "#e3f2fd",
        "DIVIDER": "#cfd8dc",
        "FOOTER": "#eceff1",
        "LEGEND_FRAME": "#b0bec5",
        "PLOT_BG": "#ffffff",
        "PLOT_FG": "#37474f",
        "OK_COLOR": "#2e7d32",  # a guarantee met
        "ERROR_COLOR": "#c62828",  # a guarantee missed, an error
        "VSWITCH_TEXT": "#1565c0",
        "WARN_TEXT": "#b45309",  # a nearly full port named in text
        "THROTTLED": "#ef6c00",  # a guest that gets less than it asks
        "RACK_FRAME": "#90a4ae",
    },
    "dark": {
        "KIND_COLORS": {
            "network": "#1c3a52", "switch": "#2b3338", "server": "#23272b",
            "nic": "#1e3a24", "vf": "#14514a", "vm": "#3d3520", "rack": "#2b3338",
        },
        "OUTLINE": "#90a4ae",
        "TEXT": "#eceff1",
        "MUTED_TEXT": "#9fb3bd",
        "SELECTION": "#64b5f6",
        "CANVAS_BG": "#1b1e21",
        "GRID": "#262a2e",
        "SURFACE": "#2f353a",
        "PLUG": "#cfd8dc",
        "UNPLUGGED": "#4a545a",
        "VSWITCH_FILL": "#1c3a52",
        "DIVIDER": "#3b4449",
        "FOOTER": "#2b3338",
        "LEGEND_FRAME": "#546e7a",
        "PLOT_BG": "#1b1e21",
        "PLOT_FG": "#cfd8dc",
        "OK_COLOR": "#66bb6a",
        "ERROR_COLOR": "#ff8a80",  # 4.5:1 on the darkest fill it is written on (guests)
        "VSWITCH_TEXT": "#90caf9",
        "WARN_TEXT": "#ffb74d",
        "THROTTLED": "#ffb74d",
        "RACK_FRAME": "#607d8b",
    },
}

_current = "light"


def apply_theme(name: str) -> None:
    """Switch the colour globals to the named theme ("light" or "dark")."""
    global _current
    values = THEMES[name]
    namespace = globals()
    for key, value in values.items():
        if isinstance(value, dict):
            namespace[key] = {k: QColor(v) for k, v in value.items()}
        else:
            namespace[key] = QColor(value)
    _current = name


def current_theme() -> str:
    return _current


@contextmanager
def theme(name: str) -> Iterator[None]:
    """Render with another theme for a while (exports use the light one)."""
    previous = _current
    apply_theme(name)
    try:
        yield
    finally:
        apply_theme(previous)


apply_theme("light")


def utilization_color(u: float | None) -> QColor:
    """Colour of a utilisation fraction on the scale; grey when nothing flows."""
    if u is None or u <= 0:
        return QColor(IDLE_COLOR)
    if u >= 1.0 - 1e-9:
        return QColor(SATURATED_COLOR)
    for (u0, c0), (u1, c1) in zip(UTIL_STOPS, UTIL_STOPS[1:]):
        if u <= u1:
            f = (u - u0) / (u1 - u0)
            return QColor(
                round(c0.red() + f * (c1.red() - c0.red())),
                round(c0.green() + f * (c1.green() - c0.green())),
                round(c0.blue() + f * (c1.blue() - c0.blue())),
            )
    return QColor(SATURATED_COLOR)


def gauge_fill(u: float) -> QColor:
    """The filled part of a VMM gauge: the utilisation colour, toned down in the dark theme."""
    color = utilization_color(u)
    return blend(color, KIND_COLORS["server"], 0.35) if _current == "dark" else color


def low_zoom_badge(color: QColor) -> QColor:
    """A guest's badge colour as the fill of its zoomed-out block: a tint on the guest
    colour, strong enough to read the state, never a bright patch (dark theme)."""
    return blend(color, KIND_COLORS["vm"], 0.6 if _current == "dark" else 0.55)


def utilization_text(u: float) -> QColor:
    """Text naming a utilisation: plain below 90 %, then warning, then error colour."""
    if u >= 1.0 - 1e-9:
        return QColor(ERROR_COLOR)
    if u >= 0.9:
        return QColor(WARN_TEXT)
    return QColor(TEXT)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved the fraction ``t`` toward ``b``."""
    return QColor(round(a.red() + (b.red() - a.red()) * t), round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def relative_luminance(color: QColor) -> float:
    """WCAG 2 relative luminance of an opaque colour."""
    def channel(c: int) -> float:
        v = c / 255.0
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def contrast_ratio(fg: QColor, bg: QColor) -> float:
    """WCAG 2 contrast ratio (1–21); 4.5 is the AA minimum for normal text."""
    la, lb = relative_luminance(fg), relative_luminance(bg)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def utilization_width(u: float | None, base: float = 2.0) -> float:
    if u is None or u <= 0:
        return base
    if u >= 1.0 - 1e-9:
        return base * 2.5
    return base + 2.0 * u


def format_gbps(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
